// Milvus set-up for integration tests, through the real SDK against the real server.
import { DataType, FunctionType, MilvusClient } from '@zilliz/milvus2-sdk-node';

import { QUIET_WHEN_IDLE } from '../../src/milvus/target.js';

export function sdkClient(uri: string): MilvusClient {
  // Pings only while calls are in flight, like the operator's client (QUIET_WHEN_IDLE says why).
  const client = new MilvusClient({ address: uri, telemetry: { enabled: false }, timeout: 30_000, logLevel: 'error', channelOptions: { ...QUIET_WHEN_IDLE } } as ConstructorParameters<typeof MilvusClient>[0]);
  client.connectPromise?.catch(() => {});
  return client;
}

/** A collection with `id` (Int64 pk), `vec` (FloatVector, dim 8) and `title` (VarChar). */
export async function createCollection(client: MilvusClient, name: string, db = 'default'): Promise<void> {
  const res = await client.createCollection({
    collection_name: name,
    db_name: db,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vec', data_type: DataType.FloatVector, dim: 8 },
      { name: 'title', data_type: DataType.VarChar, max_length: 64 },
    ],
  });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot create collection ${name}: ${JSON.stringify(res)}`);
  const rows = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, vec: Array.from({ length: 8 }, (_, j) => Math.sin(i + j)), title: `doc ${i}` }));
  const ins = await client.insert({ collection_name: name, db_name: db, data: rows });
  if (ins.status.error_code !== 'Success' || (ins.status.code ?? 0) !== 0) throw new Error(`cannot insert into ${name}: ${JSON.stringify(ins.status)}`);
}

export interface IndexView {
  index_name: string;
  field_name: string;
  params: Record<string, string>;
}

/** The indexes of a collection as describeIndex reports them (empty when none). */
export async function describeIndexes(client: MilvusClient, collection: string, db = 'default'): Promise<IndexView[]> {
  const res = await client.describeIndex({ collection_name: collection, db_name: db });
  return (res.index_descriptions ?? []).map((d) => ({
    index_name: d.index_name,
    field_name: d.field_name,
    params: Object.fromEntries((d.params ?? []).map((p) => [p.key, String(p.value)])),
  }));
}

export async function createIndexDirectly(client: MilvusClient, collection: string, field: string, indexType: string, metricType: string | undefined, params: Record<string, unknown>): Promise<void> {
  const res = await client.createIndex({ collection_name: collection, field_name: field, index_type: indexType, ...(metricType ? { metric_type: metricType } : {}), params } as Parameters<MilvusClient['createIndex']>[0]);
  const st = res as { error_code?: string; code?: number; reason?: string };
  if (st.error_code !== 'Success' || (st.code ?? 0) !== 0) throw new Error(`cannot create index on ${collection}.${field}: ${JSON.stringify(res)}`);
}

export async function releaseCollection(client: MilvusClient, collection: string): Promise<void> {
  await client.releaseCollection({ collection_name: collection });
}

export async function dropIndexDirectly(client: MilvusClient, collection: string, field: string, indexName: string): Promise<void> {
  await client.releaseCollection({ collection_name: collection });
  const res = await client.dropIndex({ collection_name: collection, field_name: field, index_name: indexName });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot drop index ${indexName}: ${JSON.stringify(res)}`);
}

export async function loadState(client: MilvusClient, collection: string): Promise<string> {
  return (await client.getLoadState({ collection_name: collection })).state as string;
}

/** Loads a collection (real Milvus needs an index on its vector field) and waits until it is Loaded. */
export async function loadCollection(client: MilvusClient, collection: string): Promise<void> {
  const res = await client.loadCollectionSync({ collection_name: collection });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot load ${collection}: ${JSON.stringify(res)}`);
  const state = await loadState(client, collection);
  if (state !== 'LoadStateLoaded') throw new Error(`${collection} is ${state} after a successful loadCollectionSync`);
}

/** Waits for the collection's load state (the operator loads asynchronously). */
export async function waitForLoadState(client: MilvusClient, collection: string, state: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await loadState(client, collection);
    if (last === state) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`collection ${collection} did not reach ${state} within ${timeoutMs} ms (last: ${last})`);
}

/** A collection with `id` and `vec` (FloatVector, `dim`) holding `rows` random rows in FLUSHED segments. */
export async function createFlushedCollection(client: MilvusClient, name: string, rows: number, dim: number): Promise<void> {
  const res = await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vec', data_type: DataType.FloatVector, dim },
    ],
  });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot create collection ${name}: ${JSON.stringify(res)}`);
  for (let start = 0; start < rows; start += 5000) {
    const data = Array.from({ length: Math.min(5000, rows - start) }, (_, i) => ({ id: start + i + 1, vec: Array.from({ length: dim }, () => Math.random()) }));
    const ins = await client.insert({ collection_name: name, data });
    if (ins.status.error_code !== 'Success') throw new Error(`cannot insert into ${name}: ${JSON.stringify(ins.status)}`);
  }
  const flushed = await client.flushSync({ collection_names: [name] });
  if (flushed.status.error_code !== 'Success') throw new Error(`cannot flush ${name}: ${JSON.stringify(flushed.status)}`);
}

let counter = 0;
/** A collection name unique within this run. */
export function uniqueCollection(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** A collection with `id` (Int64 pk), `vec` (FloatVector, dim 8) and `meta` (JSON), for JSON path indexes. */
export async function createJsonCollection(client: MilvusClient, name: string): Promise<void> {
  const res = await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vec', data_type: DataType.FloatVector, dim: 8 },
      { name: 'meta', data_type: DataType.JSON },
    ],
  });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot create collection ${name}: ${JSON.stringify(res)}`);
}

/**
 * The collection the samples under deploy/samples/ assume (`docs`): `id` (Int64 pk), `embedding` (FloatVector, dim 8),
 * `sparse_embedding` (SparseFloatVector), `text` (VarChar with an analyzer) and `text_sparse` (the SparseFloatVector
 * its BM25 function fills), `category` (VarChar), `in_stock` (Bool), `year` (Int64), `meta` (JSON). Empty.
 */
export async function createSamplesCollection(client: MilvusClient, name: string): Promise<void> {
  const res = await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'embedding', data_type: DataType.FloatVector, dim: 8 },
      { name: 'sparse_embedding', data_type: DataType.SparseFloatVector },
      { name: 'text', data_type: DataType.VarChar, max_length: 1000, enable_analyzer: true },
      { name: 'text_sparse', data_type: DataType.SparseFloatVector },
      { name: 'category', data_type: DataType.VarChar, max_length: 64 },
      { name: 'in_stock', data_type: DataType.Bool },
      { name: 'year', data_type: DataType.Int64 },
      { name: 'meta', data_type: DataType.JSON },
    ],
    functions: [{ name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['text_sparse'], params: {} }],
  });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot create collection ${name}: ${JSON.stringify(res)}`);
}
