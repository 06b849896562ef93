// The benchmark's workload: collections in Milvus, MilvusIndex bodies, and timing them through the API server.
// N resources over N / perCollection collections: on each, `vec` (FloatVector) gets HNSW/L2 and every scalar
// field s<i> (VarChar) gets INVERTED, so perCollection = 2 is the "200 indexes over 100 collections".
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';

import { pool, sleep } from './lib.js';

export const GVR = { group: 'index.milvus.io', version: 'v1alpha1', plural: 'milvusindexes' } as const;

export interface IndexDef { name: string; collection: string; field: string; indexType: string; metricType?: string; params: Record<string, number> }

export interface Workload { n: number; perCollection: number; rows: number; prefix: string; collections: string[]; defs: IndexDef[] }

/** `scalarIndex`: INVERTED, or Trie where the server has no INVERTED for VarChar (Milvus 2.3). */
export function workload(n: number, perCollection: number, rows: number, prefix: string, scalarIndex = 'INVERTED'): Workload {
  const collections = Array.from({ length: Math.ceil(n / perCollection) }, (_, i) => `${prefix}_${i}`);
  const defs = Array.from({ length: n }, (_, i): IndexDef => {
    const collection = collections[Math.floor(i / perCollection)]!;
    const slot = i % perCollection;
    return slot === 0
      ? { name: `mvi-${i}`, collection, field: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 } }
      : { name: `mvi-${i}`, collection, field: `s${slot - 1}`, indexType: scalarIndex, params: {} };
  });
  return { n, perCollection, rows, prefix, collections, defs };
}

function check(res: { error_code?: string | number; code?: number; reason?: string } | undefined, what: string): void {
  if (res && ((res.error_code && res.error_code !== 'Success') || (res.code ?? 0) !== 0)) throw new Error(`${what}: ${JSON.stringify(res)}`);
}

/** Creates the collections (8 at a time) with `rows` rows each; dim 8 vectors, or dim 128 for a long build. */
export async function createCollections(client: MilvusClient, w: Workload, dim: number): Promise<void> {
  const scalars = w.perCollection - 1;
  await pool(w.collections, 8, async (name) => {
    check(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'vec', data_type: DataType.FloatVector, dim },
        ...Array.from({ length: scalars }, (_, j) => ({ name: `s${j}`, data_type: DataType.VarChar, max_length: 32 })),
      ],
    }), `createCollection ${name}`);
    for (let from = 0; from < w.rows; from += 5000) {
      const data = Array.from({ length: Math.min(5000, w.rows - from) }, (_, k) => {
        const i = from + k;
        return { id: i + 1, vec: Array.from({ length: dim }, (_, j) => Math.sin(i * 31 + j)), ...Object.fromEntries(Array.from({ length: scalars }, (_, j) => [`s${j}`, `v${(i + j) % 97}`])) };
      });
      check((await client.insert({ collection_name: name, data })).status, `insert ${name}`);
    }
    // flushSync: the rows are in sealed segments before any scenario starts, so every build has data to index
    // (a plain flush returns at once, and an index created before the seal reports Finished over nothing).
    if (w.rows > 0) await client.flushSync({ collection_names: [name] });
  });
}

export function body(d: IndexDef): object {
  return {
    apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusIndex', metadata: { name: d.name },
    spec: { collectionName: d.collection, fieldName: d.field, indexType: d.indexType, ...(d.metricType ? { metricType: d.metricType } : {}), params: d.params, allowCollectionRelease: true },
  };
}

type Obj = { metadata: { name: string; generation?: number }; status?: { conditions?: { type: string; status: string; observedGeneration?: number }[] } };
const isReady = (o: Obj): boolean => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Watches the namespace's MilvusIndexes and records when each first turned Ready and when each disappeared. */
export async function watchReadiness(kc: KubeConfig, namespace: string): Promise<{ readyAt: Map<string, number>; goneAt: Map<string, number>; stop(): void }> {
  const readyAt = new Map<string, number>();
  const goneAt = new Map<string, number>();
  let req: { abort(): void } | undefined;
  let stopped = false;
  const start = async (): Promise<void> => {
    req = await new Watch(kc).watch(`/apis/${GVR.group}/${GVR.version}/namespaces/${namespace}/${GVR.plural}`, {}, (type: string, o: Obj) => {
      const now = Date.now();
      if (type === 'DELETED') { goneAt.set(o.metadata.name, now); return; }
      if (!readyAt.has(o.metadata.name) && isReady(o)) readyAt.set(o.metadata.name, now);
    }, () => { if (!stopped) void sleep(100).then(start); });
  };
  await start();
  return { readyAt, goneAt, stop: () => { stopped = true; req?.abort(); } };
}

/** Applies every resource (8 clients at a time, like a GitOps sync); returns the apply time of each. */
export async function applyAll(kc: KubeConfig, namespace: string, w: Workload): Promise<Map<string, number>> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const applied = new Map<string, number>();
  await pool(w.defs, 8, async (d) => {
    applied.set(d.name, Date.now());
    await api.createNamespacedCustomObject({ ...GVR, namespace, body: body(d) });
  });
  return applied;
}

/** Waits for cond, printing progress() every 10 s; on timeout the error carries onTimeout()'s text. */
export async function until(what: string, cond: () => boolean, timeoutMs: number, progress: () => string = () => '', onTimeout: () => string = () => ''): Promise<void> {
  const started = Date.now();
  let said = started;
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${progress()})\n${onTimeout()}`);
    if (Date.now() - said > 10_000) { said = Date.now(); console.log(`  ... ${what}: ${progress()} after ${Math.round((said - started) / 1000)} s`); }
    await sleep(50);
  }
}

/** Lists once until the API server serves the MilvusIndex storage (a fresh CRD answers 429 for a moment). */
export async function crdServed(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; ; i++) {
    try {
      await api.listClusterCustomObject({ ...GVR, limit: 1 });
      return;
    } catch (e) {
      if (i > 300) throw e;
      await sleep(200);
    }
  }
}

/** Deletes every resource of the namespace; the caller waits for goneAt. */
export async function deleteAll(kc: KubeConfig, namespace: string, w: Workload): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  await pool(w.defs, 8, async (d) => { await api.deleteNamespacedCustomObject({ ...GVR, namespace, name: d.name }); });
}
