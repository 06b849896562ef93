// `kubectl delete namespace` with many MilvusIndexes, their MilvusConnection and its credentials Secret in it,
// against the REAL kube-apiserver + etcd plus a REAL kube-controller-manager (namespace controller and garbage
// collector: a bare apiserver never finishes a namespace deletion) and a REAL Milvus Lite behind a
// token-checking proxy. Case 1: the namespace goes within 60 s and every index is dropped in Milvus, although
// the Secret is deleted along with everything else. Case 2: Milvus unreachable, the deletion waits on the
// finalizers; the documented skip-drop annotation lets it finish and milvusindex_orphaned_total counts them.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { ANNOTATION_SKIP_DROP, FINALIZER } from '../../src/api/milvusindex.js';
import { startControllerManager, type ControllerManager } from '../support/controller-manager.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import { waitFor } from '../support/proc.js';

const SERVERS = '[kube-apiserver + kube-controller-manager + milvus-lite behind a token proxy]';
const TOKEN = 'root:Milvus-nsdel-41c9';
const GVR = { group: 'index.milvus.io', version: 'v1alpha1' };
const INDEXES = 50;
const ORPHANS = 20;
const NAMESPACE_GONE_MS = 60_000;

const figures: Record<string, string | number>[] = [];

describe(`namespace deletion ${SERVERS}`, () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let kcm: ControllerManager;
  let direct: MilvusClient;
  const proxies: AuthProxy[] = [];
  const operators: TestOperator[] = [];

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    core = kc.makeApiClient(CoreV1Api);
    kcm = await startControllerManager({ kubeconfigPath: inject('kubeconfigPath') });
    direct = sdkClient(inject('milvusUri'));
  }, 1_800_000);

  afterAll(async () => {
    for (const op of operators) await op.stop();
    for (const p of proxies) await p.close();
    await kcm?.stop();
    await direct?.closeConnection();
    if (figures.length > 0) {
      console.log(`[namespace-deletion] figures (kube-controller-manager ${kcm?.startupMs ?? '?'} ms to start; operator --concurrency 4; Milvus Lite):`);
      console.table(figures);
    }
  });

  /** A namespace with a token Secret, a MilvusConnection through its own proxy, `n` Ready MilvusIndexes and an operator watching it. */
  async function populatedNamespace(prefix: string, n: number) {
    const ns = await createTestNamespace(kc, prefix);
    const proxy = await startAuthProxy({ upstream: inject('milvusUri'), credentials: [TOKEN] });
    proxies.push(proxy);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'milvus-token' }, stringData: { token: TOKEN } } });
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...GVR, plural: 'milvusconnections', namespace: ns, body: {
      apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'milvus' },
      spec: { uri: proxy.address, credentialsSecretRef: { name: 'milvus-token' }, timeoutSeconds: 5 },
    } });
    const collections = Array.from({ length: n }, (_, i) => uniqueCollection(`${prefix}_${i}`));
    for (const c of collections) await createCollection(direct, c);
    const op = await startTestOperator(kc, ns);
    operators.push(op);
    const mis = new MilvusIndexes(kc, ns);
    const created = Date.now();
    await Promise.all(collections.map((c, i) => mis.create({ name: `index-${i}`, spec: {
      connectionRef: { kind: 'MilvusConnection', name: 'milvus' },
      collectionName: c, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true,
    } })));
    await Promise.all(collections.map((_, i) => mis.waitForReady(`index-${i}`, 'True', 'IndexBuilt', 120_000)));
    const allReadyMs = Date.now() - created;
    for (const c of collections) expect(await describeIndexes(direct, c), c).toHaveLength(1);
    return { ns, proxy, collections, op, mis, allReadyMs };
  }

  async function namespaceExists(ns: string): Promise<boolean> {
    try {
      await core.readNamespace({ name: ns });
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return false;
      throw e;
    }
  }

  async function waitNamespaceGone(ns: string, what: string): Promise<number> {
    const started = Date.now();
    await waitFor(`namespace ${ns} gone (${what})`, async () => !(await namespaceExists(ns)), { timeoutMs: NAMESPACE_GONE_MS, intervalMs: 250 })
      .catch(async (e: Error) => {
        const left = await core.readNamespace({ name: ns }).then((n) => JSON.stringify(n.status), () => 'gone');
        throw new Error(`${e.message}\nnamespace status: ${left}\nkube-controller-manager log:\n${kcm.logTail(15)}`);
      });
    return Date.now() - started;
  }

  it(`a namespace with ${INDEXES} MilvusIndexes, their MilvusConnection and Secret is gone within 60 s; every index dropped ${SERVERS}`, async () => {
    const { ns, collections, op, allReadyMs } = await populatedNamespace('nsdel', INDEXES);

    const deleted = Date.now();
    await core.deleteNamespace({ name: ns });
    const goneMs = await waitNamespaceGone(ns, `${INDEXES} indexes to drop`);

    const stillIndexed: string[] = [];
    for (const c of collections) if ((await describeIndexes(direct, c)).length > 0) stillIndexed.push(c);
    expect(stillIndexed, 'collections that still have an index').toEqual([]);
    const drops = op.logs.filter((l) => l.includes('"msg":"milvus write"') && l.includes('"action":"DropIndex"')).length;
    expect(drops).toBe(INDEXES);
    const lastDropMs = Math.max(...op.logs.filter((l) => l.includes('"action":"DropIndex"')).map((l) => Date.parse((JSON.parse(l) as { time: string }).time))) - deleted;
    figures.push({
      case: 'Milvus reachable', indexes: INDEXES, 'create → all Ready (ms)': allReadyMs,
      'delete ns → last DropIndex (ms)': lastDropMs, 'delete ns → ns gone (ms)': goneMs, 'indexes dropped': INDEXES - stillIndexed.length,
    });
  });

  it(`Milvus unreachable: the deletion waits on the finalizers; skip-drop lets the namespace go and milvusindex_orphaned_total counts ${ORPHANS} ${SERVERS}`, async () => {
    const { ns, proxy, collections, op, mis, allReadyMs } = await populatedNamespace('nsorphan', ORPHANS);
    const orphanedBefore = await orphanedTotal(op);
    await proxy.close();

    const deleted = Date.now();
    await core.deleteNamespace({ name: ns });
    // Each index waits for Milvus, holding its finalizer: the namespace cannot go.
    await Promise.all(collections.map((_, i) => mis.waitFor(`index-${i}`, (r) =>
      r?.metadata.deletionTimestamp !== undefined && (readyOf(r)?.message ?? '').startsWith('Cannot drop index'), 'deleting and waiting for Milvus', 60_000)));
    const blockedMs = Date.now() - deleted;
    const stuck = await mis.get('index-0');
    expect(stuck?.metadata.finalizers).toContain(FINALIZER);
    expect(readyOf(stuck)?.message).toContain(ANNOTATION_SKIP_DROP);
    expect(await namespaceExists(ns)).toBe(true);

    const annotated = Date.now();
    await Promise.all(collections.map((_, i) => mis.mergePatch(`index-${i}`, { metadata: { annotations: { [ANNOTATION_SKIP_DROP]: 'true' } } })));
    const goneMs = await waitNamespaceGone(ns, 'skip-drop');

    expect((await orphanedTotal(op)) - orphanedBefore).toBe(ORPHANS);
    // Orphaned, as documented: the indexes stay in Milvus.
    for (const c of collections) expect(await describeIndexes(direct, c), c).toHaveLength(1);
    figures.push({
      case: 'Milvus unreachable + skip-drop', indexes: ORPHANS, 'create → all Ready (ms)': allReadyMs,
      'delete ns → all report Cannot drop (ms)': blockedMs, 'annotate → ns gone (ms)': goneMs, 'orphaned_total delta': (await orphanedTotal(op)) - orphanedBefore,
    });
    expect(Date.now() - annotated).toBeLessThan(NAMESPACE_GONE_MS);
  });
});

async function orphanedTotal(op: TestOperator): Promise<number> {
  const m = await op.metrics.orphaned.get();
  return m.values.reduce((s, v) => s + v.value, 0);
}
