// src/kube/shared-connections.ts: one undici Agent (one set of keep-alive TLS connections) per cluster and TLS
// identity, instead of client-node's new Agent per request.
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstrumentedKubeConfig } from '../../src/kube/request-metrics.js';
import { shareConnections } from '../../src/kube/shared-connections.js';

function kubeConfig(caData = 'Q0EtMQ=='): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData, skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<{ dispatcher: unknown; auth: string | undefined }> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', 'GET' as never);
  await kc.applySecurityAuthentication(ctx);
  return { dispatcher: ctx.getDispatcher(), auth: ctx.getHeaders().Authorization };
}

describe('shareConnections', () => {
  it('client-node alone builds a new Agent for every request (the quirk this works around)', async () => {
    const kc = kubeConfig();
    expect((await dispatcherOf(kc)).dispatcher).not.toBe((await dispatcherOf(kc)).dispatcher);
  });

  it('reuses one Agent for every request of one cluster and identity, and still applies the token per request', async () => {
    const kc = shareConnections(kubeConfig());
    const [a, b] = [await dispatcherOf(kc), await dispatcherOf(kc)];
    expect(a.dispatcher).toBeDefined();
    expect(b.dispatcher).toBe(a.dispatcher);
    expect(b.auth).toBe('Bearer secret-token');
  });

  it('a changed CA (rotation) gets a new Agent', async () => {
    const kc = shareConnections(kubeConfig());
    const before = await dispatcherOf(kc);
    kc.clusters[0] = { ...kc.clusters[0]!, caData: 'Q0EtMg==' };
    const after = await dispatcherOf(kc);
    expect(after.dispatcher).not.toBe(before.dispatcher);
    expect((await dispatcherOf(kc)).dispatcher).toBe(after.dispatcher);
  });

  it('a CA file rewritten in place (rotation on disk) gets a new Agent: the identity is what this request read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-connections-'));
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, 'CA-1');
    const kc = shareConnections(kubeConfig());
    kc.clusters[0] = { ...kc.clusters[0]!, caData: undefined, caFile };
    const before = await dispatcherOf(kc);
    expect((await dispatcherOf(kc)).dispatcher).toBe(before.dispatcher);
    writeFileSync(caFile, 'CA-2');
    expect((await dispatcherOf(kc)).dispatcher).not.toBe(before.dispatcher);
  });

  it('keeps the Agents of the last four identities and closes the oldest when a fifth arrives', async () => {
    const kc = shareConnections(kubeConfig('Q0EtMA=='));
    const first = (await dispatcherOf(kc)).dispatcher as { closed: boolean };
    for (const ca of ['Q0EtMQ==', 'Q0EtMg==', 'Q0EtMw==']) {
      kc.clusters[0] = { ...kc.clusters[0]!, caData: ca };
      await dispatcherOf(kc);
    }
    kc.clusters[0] = { ...kc.clusters[0]!, caData: 'Q0EtMA==' };
    expect((await dispatcherOf(kc)).dispatcher).toBe(first);
    expect(first.closed).toBe(false);
    kc.clusters[0] = { ...kc.clusters[0]!, caData: 'Q0EtNA==' };
    await dispatcherOf(kc);
    expect(first.closed).toBe(true);
  });

  it('over the request-counting KubeConfig the operator uses (src/operator.ts): one dispatcher too', async () => {
    const plain = InstrumentedKubeConfig.from(kubeConfig(), { kubeRequest: () => {} });
    expect((await dispatcherOf(plain)).dispatcher).not.toBe((await dispatcherOf(plain)).dispatcher);
    const kc = shareConnections(InstrumentedKubeConfig.from(kubeConfig(), { kubeRequest: () => {} }));
    const [a, b] = [await dispatcherOf(kc), await dispatcherOf(kc)];
    expect(b.dispatcher).toBe(a.dispatcher);
  });
});
