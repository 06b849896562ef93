// CPU per Kubernetes status write, measured against a real local kube-apiserver: client-node's generated
// CustomObjectsApi (fetch + serializers, the operator's path before) vs KubeJsonRequests (undici.request with the
// same credentials and shared connection, the operator's path now). Run: npx tsx test/bench/kube-write-cost.ts
// (KUBE_WRITES=N, default 1000). Sequential writes, so the figures are per write, not throughput.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { MilvusIndex, MilvusIndexStatus } from '../../src/api/milvusindex.js';
import { KubeMilvusIndexWriter } from '../../src/kube/milvusindex-writer.js';
import { InstrumentedKubeConfig } from '../../src/kube/request-metrics.js';
import { shareConnections } from '../../src/kube/shared-connections.js';
import { startControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { kubeConfigFromProvided } from '../support/kube.js';
import { table } from './lib.js';
import { crdServed, GVR } from './workload.js';

const N = Number(process.env.KUBE_WRITES ?? 1000);

async function main(): Promise<void> {
  const cp = await startControlPlane();
  try {
    await installCrds(cp);
    const base = kubeConfigFromProvided(cp.kubeconfigYaml);
    await crdServed(base);
    await cp.kubectl(['create', 'namespace', 'kb']);
    // As the operator builds its KubeConfig: counted requests over one shared keep-alive connection.
    const kc = shareConnections(InstrumentedKubeConfig.from(base, { kubeRequest: () => {} }));
    const api = kc.makeApiClient(CustomObjectsApi);
    let current = (await api.createNamespacedCustomObject({ ...GVR, namespace: 'kb', body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusIndex', metadata: { name: 'x' }, spec: { collectionName: 'c', fieldName: 'f', indexType: 'AUTOINDEX', metricType: 'L2' } } })) as MilvusIndex;
    const status = (i: number): MilvusIndexStatus => ({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'Building', message: `write ${i}`, lastTransitionTime: '2026-12-03T00:00:00Z', observedGeneration: 1 }] } as MilvusIndexStatus);
    const rows: string[][] = [];
    const measure = async (label: string, write: (i: number) => Promise<string | undefined>): Promise<void> => {
      const once = async (i: number): Promise<void> => { current = { ...current, metadata: { ...current.metadata, resourceVersion: (await write(i))! } }; };
      for (let i = 0; i < 50; i++) await once(i);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await once(i);
      const cpu = process.cpuUsage(c0);
      rows.push([label, ((performance.now() - t0) / N).toFixed(2), ((cpu.user + cpu.system) / 1000 / N).toFixed(2)]);
    };
    const patch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const body = (i: number): object[] => [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }, { op: 'add', path: '/status', value: status(i) }];
    for (let round = 0; round < 2; round++) {
      await measure('client-node CustomObjectsApi (fetch + generated serializers)', async (i) => ((await api.patchNamespacedCustomObjectStatus({ ...GVR, namespace: 'kb', name: 'x', body: body(i) }, patch)) as MilvusIndex).metadata.resourceVersion);
      const writer = new KubeMilvusIndexWriter(kc, { kubeWrite: () => {} });
      await measure('KubeJsonRequests (undici.request), the operator\'s writer', (i) => writer.writeStatus(current, status(i)));
    }
    table(`status writes to a local kube-apiserver, ${N} sequential writes per row, two rounds`, ['', 'wall (ms/write)', 'operator CPU (ms/write)'], rows);
  } finally {
    await cp.stop();
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
