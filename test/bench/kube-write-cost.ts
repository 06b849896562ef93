// Scratch: CPU per Kubernetes status write, client-node (as the operator builds it) vs undici.request.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { request, Agent } from 'undici';
import { startControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { kubeConfigFromProvided } from '../support/kube.js';
import { InstrumentedKubeConfig } from '../../src/kube/request-metrics.js';
import { shareConnections } from '../../src/kube/shared-connections.js';
import { KubeMilvusIndexWriter } from '../../src/kube/milvusindex-writer.js';
import { crdServed } from './workload.js';

const N = Number(process.env.N ?? 500);
const cp = await startControlPlane();
try {
  await installCrds(cp);
  const base = kubeConfigFromProvided(cp.kubeconfigYaml);
  await crdServed(base);
  await cp.kubectl(['create', 'namespace', 'kb']);
  const api = base.makeApiClient(CustomObjectsApi);
  const obj = await api.createNamespacedCustomObject({ group: 'index.milvus.io', version: 'v1alpha1', plural: 'milvusindexes', namespace: 'kb', body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusIndex', metadata: { name: 'x' }, spec: { collectionName: 'c', fieldName: 'f', indexType: 'AUTOINDEX', metricType: 'L2' } } }) as any;
  const kc = shareConnections(InstrumentedKubeConfig.from(base, { kubeRequest: () => {} }));
  const writer = new KubeMilvusIndexWriter(kc, { kubeWrite: () => {} });
  let current = obj;
  const status = (i: number) => ({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'Building', message: `m${i}`, lastTransitionTime: '2026-12-03T00:00:00Z', observedGeneration: 1 }] });
  const measure = async (label: string, fn: (i: number) => Promise<void>) => {
    for (let i = 0; i < 20; i++) await fn(i); // warm
    const c0 = process.cpuUsage(); const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i);
    const c = process.cpuUsage(c0); const t = performance.now() - t0;
    console.log(`${label}: wall ${(t / N).toFixed(2)} ms/write, CPU ${((c.user + c.system) / 1000 / N).toFixed(2)} ms/write`);
  };
  await measure('client-node writer (operator)', async (i) => {
    const rv = await writer.writeStatus(current, status(i) as any);
    current = { ...current, metadata: { ...current.metadata, resourceVersion: rv } };
  });
  // undici.request with the same TLS material and bearer token
  const cluster = base.getCurrentCluster()!;
  const opts: any = {}; await base.applyToHTTPSOptions(opts);
  const agent = new Agent({ connect: { ca: opts.ca, cert: opts.cert, key: opts.key } });
  const headers: Record<string, string> = { 'content-type': 'application/json-patch+json', accept: 'application/json' };
  if (opts.headers?.Authorization) headers.authorization = opts.headers.Authorization as string;
  await measure('undici.request', async (i) => {
    const body = JSON.stringify([{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }, { op: 'add', path: '/status', value: status(i) }]);
    const res = await request(`${cluster.server}/apis/index.milvus.io/v1alpha1/namespaces/kb/milvusindexes/x/status`, { method: 'PATCH', body, headers, dispatcher: agent });
    const o = await res.body.json() as any;
    if (res.statusCode !== 200) throw new Error(JSON.stringify(o));
    current = { ...current, metadata: { ...current.metadata, resourceVersion: o.metadata.resourceVersion } };
  });
} finally {
  await cp.stop();
}
process.exit(0);
