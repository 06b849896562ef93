// InstrumentedKubeConfig (src/kube/request-metrics.ts): every request client-node makes, through an
// API client or a watch, is counted once with its status code, method and host, without touching
// call sites. The "API server" is a local HTTP server answering fixed statuses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstrumentedKubeConfig, type KubeRequestMetrics } from '../../src/kube/request-metrics.js';

class Recorded implements KubeRequestMetrics {
  readonly requests: string[] = [];
  kubeRequest(method: string, host: string, code: string): void {
    this.requests.push(`${method} ${host} ${code}`);
  }
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('rest_client_requests_total through InstrumentedKubeConfig', () => {
  let server: Server;
  let host: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const status = req.url?.startsWith('/api/v1/namespaces/forbidden') ? 403 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }) : JSON.stringify({ kind: 'Status', code: 403 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts API-client requests with their status, method and host', async () => {
    const metrics = new Recorded();
    const api = InstrumentedKubeConfig.from(kubeConfigFor(`http://${host}`), metrics).makeApiClient(CoreV1Api);
    await api.listNamespace();
    await expect(api.readNamespace({ name: 'forbidden' })).rejects.toThrow();
    expect(metrics.requests).toEqual([`GET ${host} 200`, `GET ${host} 403`]);
  });

  it('counts watch requests, and a request that got no response as <error>', async () => {
    const metrics = new Recorded();
    const kc = InstrumentedKubeConfig.from(kubeConfigFor(`http://${host}`), metrics);
    const ended = new Promise<void>((resolve) => { void new Watch(kc).watch('/api/v1/namespaces', {}, () => {}, () => resolve()); });
    await ended;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(InstrumentedKubeConfig.from(kubeConfigFor(`http://127.0.0.1:${deadPort}`), metrics).makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow();
    expect(metrics.requests).toEqual([`GET ${host} 200`, `GET 127.0.0.1:${deadPort} <error>`]);
  });

  it('keeps the source configuration (server, user) of the copied KubeConfig', () => {
    const kc = InstrumentedKubeConfig.from(kubeConfigFor(`http://${host}`), new Recorded());
    expect(kc.getCurrentCluster()?.server).toBe(`http://${host}`);
    expect(kc.getCurrentUser()?.token).toBe('t');
  });
});
