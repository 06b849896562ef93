// Network faults with a real fault proxy (toxiproxy, built from the Go module proxy) between the operator and
// each server: REAL kube-apiserver + etcd, REAL Milvus Lite, the real Operator in-process. Latency, resets and a
// 60 s blackhole towards Milvus; the API server going away and coming back. Backoff is bounded (the calls are
// counted), nothing is lost and everything converges afterwards.
import { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import { Toxiproxy } from '../support/toxiproxy.js';

const SERVERS = '[kube-apiserver + milvus-lite, through toxiproxy]';
const BLACKHOLE_MS = 60_000;

async function milvusCalls(op: TestOperator): Promise<number> {
  const m = await op.metrics.milvusRequestDuration.get();
  return m.values.filter((v) => v.metricName === 'milvus_request_duration_seconds_count').reduce((s, v) => s + v.value, 0);
}

describe(`network faults ${SERVERS}`, () => {
  let kc: KubeConfig;
  let client: MilvusClient;
  let proxy: Toxiproxy;
  const ops: TestOperator[] = [];
  const spec = (collectionName: string) => ({ collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true });

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    client = sdkClient(inject('milvusUri'));
    proxy = await Toxiproxy.start();
  });

  afterAll(async () => {
    await Promise.all(ops.map((o) => o.stop()));
    await proxy?.stop();
    await client?.closeConnection();
  });

  it(`Milvus behind latency, resets and a ${BLACKHOLE_MS / 1000} s blackhole: bounded retries, nothing lost, convergence after ${SERVERS}`, async () => {
    const ns = await createTestNamespace(kc, 'net-milvus');
    const mis = new MilvusIndexes(kc, ns);
    const milvus = await proxy.proxy('milvus', inject('milvusUri'));
    const op = await startTestOperator(kc, ns, ['--milvus-timeout', '2s', '--resync-period', '10s'], { MILVUS_URI: milvus });
    ops.push(op);
    const collections = await Promise.all(Array.from({ length: 5 }, async (_, i) => { const c = uniqueCollection(`net${i}`); await createCollection(client, c); return c; }));

    const latency = await proxy.addToxic('milvus', { type: 'latency', attributes: { latency: 300 } });
    let t0 = Date.now();
    await mis.create({ name: 'slow', spec: spec(collections[0]!) });
    await mis.waitForReady('slow', 'True', undefined, 60_000);
    console.log(`[network] Milvus +300 ms each way: apply → Ready ${Date.now() - t0} ms`);
    await proxy.removeToxics('milvus', latency);

    const resets = await proxy.addToxic('milvus', { type: 'reset_peer', attributes: { timeout: 0 } });
    await mis.create({ name: 'reset', spec: spec(collections[1]!) });
    await mis.waitForReady('reset', 'False', 'MilvusUnavailable', 60_000);
    await proxy.removeToxics('milvus', resets);
    t0 = Date.now();
    await mis.waitForReady('reset', 'True', undefined, 120_000);
    console.log(`[network] Milvus connections reset: MilvusUnavailable, then Ready ${Date.now() - t0} ms after the resets stopped`);

    const callsBefore = await milvusCalls(op);
    const blackhole = await proxy.addToxic('milvus', { type: 'timeout', attributes: { timeout: 0 } });
    const holeStarted = Date.now();
    for (const [i, c] of collections.slice(2).entries()) await mis.create({ name: `dark-${i}`, spec: spec(c) });
    await mis.delete('slow');
    await mis.waitForReady('dark-0', 'False', 'MilvusUnavailable', 30_000);
    const deleting = await mis.waitFor('slow', (r) => readyOf(r)?.reason === 'MilvusUnavailable', 'deleting, MilvusUnavailable', 30_000);
    expect(deleting?.metadata.finalizers, 'the finalizer stays while Milvus cannot be reached').toContain('index.milvus.io/finalizer');
    await new Promise((r) => setTimeout(r, Math.max(0, BLACKHOLE_MS - (Date.now() - holeStarted))));
    const callsInHole = (await milvusCalls(op)) - callsBefore;
    await proxy.removeToxics('milvus', blackhole);
    const holeEnded = Date.now();
    for (const name of ['dark-0', 'dark-1', 'dark-2', 'reset']) await mis.waitForReady(name, 'True', undefined, 180_000);
    await mis.waitForGone('slow', 180_000);
    console.log(`[network] Milvus blackhole ${BLACKHOLE_MS / 1000} s with 5 resources (3 applied, 1 deleted during it): ${callsInHole} Milvus calls during the blackhole; all converged ${Date.now() - holeEnded} ms after it ended`);
    // 5 keys, 2 s deadlines and per-key exponential backoff: a storm would be thousands of calls.
    expect(callsInHole, 'retries are bounded while Milvus is unreachable').toBeLessThan(200);
    expect(await describeIndexes(client, collections[0]!), 'the deleted resource\'s index was dropped after all').toEqual([]);
    for (const c of collections.slice(1)) expect(await describeIndexes(client, c), c).toHaveLength(1);
  });

  it(`the API server going away for 20 s (connections closed, new ones refused): no change made meanwhile is missed ${SERVERS}`, async () => {
    const ns = await createTestNamespace(kc, 'net-kube');
    const mis = new MilvusIndexes(kc, ns);
    const server = new URL(kc.getCurrentCluster()!.server);
    const apiserver = await proxy.proxy('apiserver', `${server.hostname}:${server.port}`);
    const proxied = new KubeConfig();
    proxied.loadFromString(inject('kubeconfigYaml'));
    proxied.clusters = proxied.clusters.map((c) => ({ ...c, server: `https://${apiserver}` }));
    const op = await startTestOperator(proxied, ns, ['--resync-period', '10m'], { MILVUS_URI: inject('milvusUri') });
    ops.push(op);
    const [before, during] = [uniqueCollection('kbefore'), uniqueCollection('kduring')];
    await createCollection(client, before);
    await createCollection(client, during);
    await mis.create({ name: 'before', spec: spec(before) });
    await mis.waitForReady('before');

    await proxy.setEnabled('apiserver', false);
    const down = Date.now();
    // Made through the real API server while the operator cannot reach it.
    await mis.create({ name: 'during', spec: spec(during) });
    await mis.delete('before');
    await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - down))));
    await proxy.setEnabled('apiserver', true);
    const up = Date.now();
    await mis.waitForReady('during', 'True', undefined, 120_000);
    await mis.waitForGone('before', 120_000);
    console.log(`[network] API server unreachable 20 s: the create and the delete made meanwhile were both done ${Date.now() - up} ms after it came back`);
    expect(await describeIndexes(client, before)).toEqual([]);
    expect(await describeIndexes(client, during)).toHaveLength(1);
  });
});
