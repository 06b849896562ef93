// src/kube/json-requests.ts: the lean write path keeps client-node's credentials and error type.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKubeError, httpStatus, isNotFound, isWriteConflict } from '../../src/kube/errors.js';
import { KubeJsonRequests, withQuery } from '../../src/kube/json-requests.js';
import { KubeLeaseApi } from '../../src/kube/leases.js';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }

describe('KubeJsonRequests', () => {
  const seen: Seen[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  let server: Server;
  let kc: KubeConfig;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'the-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the body as JSON with the kubeconfig credentials and the given content type, and returns the parsed answer', async () => {
    answer = { status: 201, body: '{"metadata":{"name":"e.1"}}' };
    const got = await new KubeJsonRequests(kc).send<{ metadata: { name: string } }>('POST', '/apis/events.k8s.io/v1/namespaces/ns/events', { eventTime: new V1MicroTime(Date.UTC(2026, 11, 3, 10, 0, 0, 123)) });
    expect(got.metadata.name).toBe('e.1');
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/apis/events.k8s.io/v1/namespaces/ns/events' });
    expect(req.headers.authorization).toBe('Bearer the-token');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body), 'a MicroTime keeps its microseconds').toEqual({ eventTime: '2026-12-03T10:00:00.123000Z' });
    await new KubeJsonRequests(kc).send('PATCH', '/apis/g/v1/namespaces/ns/things/a/status', [{ op: 'add', path: '/status', value: {} }], 'application/json-patch+json');
    expect(seen.at(-1)!.headers['content-type']).toBe('application/json-patch+json');
  });

  it('fails with an ApiException that kube/errors.ts classifies like client-node’s', async () => {
    const fail = async (status: number, message: string): Promise<unknown> => {
      answer = { status, body: JSON.stringify({ kind: 'Status', message }) };
      return new KubeJsonRequests(kc).send('PATCH', '/apis/g/v1/namespaces/ns/things/a', []).then(() => undefined, (e: unknown) => e);
    };
    const conflict = await fail(422, 'the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed');
    expect(isWriteConflict(conflict)).toBe(true);
    expect(describeKubeError(conflict)).toBe('HTTP 422: the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed');
    expect(isWriteConflict(await fail(409, 'the object has been modified'))).toBe(true);
    expect(isNotFound(await fail(404, 'not found'))).toBe(true);
    const forbidden = await fail(403, 'forbidden');
    expect(isWriteConflict(forbidden) || isNotFound(forbidden)).toBe(false);
  });

  it('reads with GET: the query encoded, undefined parameters left out, no body', async () => {
    answer = { status: 200, body: '{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"next page"}}' };
    const got = await new KubeJsonRequests(kc).get<{ items: unknown[]; metadata: { continue: string } }>('/apis/g/v1/things', { limit: 500, continue: 'a b&c', labelSelector: undefined });
    expect(got).toEqual({ items: [{ metadata: { name: 'a' } }], metadata: { continue: 'next page' } });
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', url: '/apis/g/v1/things?limit=500&continue=a+b%26c', body: '' });
    expect(req.headers.authorization).toBe('Bearer the-token');
    expect(req.headers['content-type']).toBeUndefined();
    expect(withQuery('/x', {})).toBe('/x');
    answer = { status: 404, body: JSON.stringify({ kind: 'Status', message: 'not found' }) };
    expect(isNotFound(await new KubeJsonRequests(kc).get('/api/v1/namespaces/ns/secrets/gone').catch((e: unknown) => e))).toBe(true);
  });

  it('KubeLeaseApi: the elector’s three Lease calls, times sent as MicroTime', async () => {
    const leases = new KubeLeaseApi(kc);
    answer = { status: 200, body: '{"metadata":{"name":"l"},"spec":{"renewTime":"2026-12-03T10:00:00.123456Z"}}' };
    expect((await leases.readNamespacedLease({ namespace: 'ns', name: 'l' })).spec?.renewTime).toBe('2026-12-03T10:00:00.123456Z');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l' });
    const body = { metadata: { name: 'l', namespace: 'ns' }, spec: { holderIdentity: 'me', renewTime: new V1MicroTime(Date.UTC(2026, 11, 3, 10, 0, 0, 5)) } };
    await leases.createNamespacedLease({ namespace: 'ns', body });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/apis/coordination.k8s.io/v1/namespaces/ns/leases' });
    expect(JSON.parse(seen.at(-1)!.body).spec.renewTime).toBe('2026-12-03T10:00:00.005000Z');
    await leases.replaceNamespacedLease({ namespace: 'ns', name: 'l', body });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l' });
    answer = { status: 409, body: JSON.stringify({ kind: 'Status', message: 'conflict' }) };
    expect(httpStatus(await leases.replaceNamespacedLease({ namespace: 'ns', name: 'l', body }).catch((e: unknown) => e))).toBe(409);
  });
});
