// The Milvus adapter (src/milvus) against a REAL Milvus Lite 3.x (no mocks). The server comes from
// the integration globalSetup through inject('milvusUri'); each test makes its own collections.
// Test titles name the server that shows the behaviour. `milvusUri` is typed in test/support/provided.d.ts.
import { createServer, type Socket } from 'node:net';

import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { diffParams } from '../../src/milvus/canonical.js';
import { failureOf } from '../../src/milvus/classify.js';
import { SdkMilvusIndexApi, type MilvusMetrics } from '../../src/milvus/client.js';
import { MilvusError, type ErrorKind } from '../../src/milvus/errors.js';
import { MilvusClientPool, targetFingerprint } from '../../src/milvus/pool.js';
import { describeTarget } from '../../src/milvus/target.js';
import type { ConnectionTarget, LoadState } from '../../src/milvus/types.js';

const uri = inject('milvusUri');
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

class RecordingMetrics implements MilvusMetrics {
  readonly calls: Array<{ method: string; outcome: 'success' | ErrorKind; seconds: number }> = [];
  observeRequest(method: string, outcome: 'success' | ErrorKind, seconds: number): void {
    this.calls.push({ method, outcome, seconds });
  }
  last(method: string) {
    return this.calls.filter((c) => c.method === method).at(-1);
  }
}

let sdk: MilvusClient;
let api: SdkMilvusIndexApi;
const metrics = new RecordingMetrics();
const created: Array<{ db: string; name: string }> = [];
const createdDbs: string[] = [];
let seq = 0;

function target(extra: Partial<ConnectionTarget> = {}): ConnectionTarget {
  return { uri, database: 'default', timeoutMs: 10_000, ...extra };
}

/** A fresh collection: Int64 pk `id`, FloatVector `vec` (dim 8), VarChar `title`; optionally with flushed rows. */
async function newCollection(opts: { db?: string; rows?: number } = {}): Promise<string> {
  const db = opts.db ?? 'default';
  const name = `mc_${runId}_${++seq}`;
  // The high-level createCollection throws the status object itself on failure.
  await sdk.createCollection({
    collection_name: name,
    db_name: db,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vec', data_type: DataType.FloatVector, dim: 8 },
      { name: 'title', data_type: DataType.VarChar, max_length: 64 },
    ],
  });
  created.push({ db, name });
  if (opts.rows) {
    const data = Array.from({ length: opts.rows }, (_, i) => ({ id: i, vec: Array.from({ length: 8 }, (_, j) => (i + j) / 10), title: `t${i}` }));
    const ins = await sdk.insert({ collection_name: name, db_name: db, data });
    expect(ins.status.error_code).toBe('Success');
    await sdk.flush({ collection_names: [name], db_name: db });
  }
  return name;
}

async function caught(p: Promise<unknown>): Promise<MilvusError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MilvusError);
    return e as MilvusError;
  }
  throw new Error('expected a MilvusError, the call succeeded');
}

async function waitForLoadState(db: string, name: string, want: LoadState, timeoutMs = 20_000): Promise<LoadState> {
  const deadline = Date.now() + timeoutMs;
  let state = await api.getLoadState(db, name);
  while (state !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    state = await api.getLoadState(db, name);
  }
  return state;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never answers (a black-holed Milvus). */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}

beforeAll(() => {
  sdk = new MilvusClient({ address: uri, telemetry: { enabled: false }, __SKIP_CONNECT__: true, logLevel: 'warn', timeout: 30_000 });
  api = new SdkMilvusIndexApi(target(), { metrics });
});

afterAll(async () => {
  for (const { db, name } of created) {
    await sdk.dropCollection({ collection_name: name, db_name: db }).catch(() => undefined);
  }
  for (const db of createdDbs) await sdk.dropDatabase({ db_name: db }).catch(() => undefined);
  await api.close();
  await sdk.closeConnection();
});

describe('SdkMilvusIndexApi against Milvus Lite', () => {
  it('[milvus-lite] serverVersion answers milvus_lite-<version>', async () => {
    expect(await api.serverVersion()).toMatch(/^milvus_lite-3\./);
    expect(metrics.last('serverVersion')?.outcome).toBe('success');
  });

  describe('describeCollection', () => {
    it('[milvus-lite] Found: field names, types, dim and primary key', async () => {
      const name = await newCollection();
      const got = await api.describeCollection('default', name);
      expect(got.kind).toBe('Found');
      if (got.kind !== 'Found') return;
      expect(got.fields).toEqual([
        { name: 'id', dataType: 'Int64', isPrimaryKey: true, isFunctionOutput: false },
        { name: 'vec', dataType: 'FloatVector', isPrimaryKey: false, isFunctionOutput: false, dim: 8 },
        { name: 'title', dataType: 'VarChar', isPrimaryKey: false, isFunctionOutput: false },
      ]);
    });

    it('[milvus-lite] CollectionNotFound (code 100)', async () => {
      const got = await api.describeCollection('default', `missing_${runId}`);
      expect(got).toEqual({ kind: 'CollectionNotFound', message: expect.stringContaining(`missing_${runId}`) });
    });

    it('[milvus-lite] DatabaseNotFound (code 6 "database … does not exist")', async () => {
      const got = await api.describeCollection(`nodb_${runId}`, 'anything');
      expect(got).toEqual({ kind: 'DatabaseNotFound', message: expect.stringContaining(`nodb_${runId}`) });
      expect(metrics.last('describeCollection')?.outcome).toBe('success');
    });

    it('[milvus-lite] db_name is sent explicitly: a collection in another database is found there only', async () => {
      const db = `db_${runId}`;
      const res = await sdk.createDatabase({ db_name: db });
      expect(res.error_code).toBe('Success');
      createdDbs.push(db);
      const name = await newCollection({ db });
      expect((await api.describeCollection(db, name)).kind).toBe('Found');
      expect((await api.describeCollection('default', name)).kind).toBe('CollectionNotFound');
      // '' means the connection's default database.
      expect((await api.describeCollection('', name)).kind).toBe('CollectionNotFound');
      const other = new SdkMilvusIndexApi(target({ database: db }));
      try {
        expect((await other.describeCollection('', name)).kind).toBe('Found');
      } finally {
        await other.close();
      }
    });
  });

  describe('createIndex and listIndexes', () => {
    it('[milvus-lite] HNSW: listed under its field with the params sent (canonical compare) and state Finished', async () => {
      const name = await newCollection({ rows: 10 });
      const params = { efConstruction: '64', M: 8 };
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params });
      expect(metrics.last('createIndex')?.outcome).toBe('success');
      const indexes = await api.listIndexes('default', name);
      expect(indexes).toHaveLength(1);
      const idx = indexes[0]!;
      expect(idx).toMatchObject({
        indexName: 'vec',
        fieldName: 'vec',
        indexType: 'HNSW',
        metricType: 'L2',
        properties: {},
        state: 'Finished',
        pendingIndexRows: 0,
        failReason: '',
      });
      // Lite reports its Python JSON (`{"M": 8, "efConstruction": 64}`); canonically equal to what was sent.
      expect(idx.params).toEqual({ M: '8', efConstruction: '64' });
      expect(diffParams(params, idx.params)).toEqual([]);
      expect(typeof idx.indexedRows).toBe('number');
      expect(idx.totalRows).toBe(10);
      expect(idx.indexId).toBe('0');
    });

    it('[milvus-lite] scalar INVERTED next to a vector index: metric NONE normalised to ""', async () => {
      const name = await newCollection();
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'FLAT', metricType: 'COSINE', params: {} });
      await api.createIndex({ database: 'default', collection: name, fieldName: 'title', indexName: 'title', indexType: 'INVERTED', params: {} });
      const byField = Object.fromEntries((await api.listIndexes('default', name)).map((i) => [i.fieldName, i]));
      expect(byField.title).toMatchObject({ indexName: 'title', indexType: 'INVERTED', metricType: '', params: {}, state: 'Finished' });
      expect(byField.vec).toMatchObject({ indexName: 'vec', indexType: 'FLAT', metricType: 'COSINE', params: {} });
    });

    it('[milvus-lite] a collection without indexes lists [] (code 700 "no index on collection")', async () => {
      const name = await newCollection();
      expect(await api.listIndexes('default', name)).toEqual([]);
      expect(metrics.last('listIndexes')?.outcome).toBe('success');
    });

    it('[milvus-lite] listIndexes of a missing collection → DependencyMissing', async () => {
      const err = await caught(api.listIndexes('default', `missing_${runId}`));
      expect(err.kind).toBe('DependencyMissing');
      expect(failureOf(err)).toBe('CollectionNotFound');
      expect(metrics.last('listIndexes')?.outcome).toBe('DependencyMissing');
    });

    it('[milvus-lite] createIndex on a missing field → DependencyMissing (code 6 "unknown field")', async () => {
      const name = await newCollection();
      const err = await caught(
        api.createIndex({ database: 'default', collection: name, fieldName: 'nofield', indexName: 'nofield', indexType: 'HNSW', metricType: 'L2', params: { M: 8 } }),
      );
      expect(err.kind).toBe('DependencyMissing');
      expect(failureOf(err)).toBe('FieldNotFound');
      expect(err.method).toBe('createIndex');
      expect(err.message).toMatch(/^cannot create index "nofield" on field "nofield" of collection default\/mc_.*: unknown field 'nofield'/);
    });

    it('[milvus-lite] createIndex in a missing collection / database → DependencyMissing', async () => {
      const inMissingCollection = await caught(
        api.createIndex({ database: 'default', collection: `missing_${runId}`, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: {} }),
      );
      expect(failureOf(inMissingCollection)).toBe('CollectionNotFound');
      const inMissingDb = await caught(
        api.createIndex({ database: `nodb_${runId}`, collection: 'x', fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: {} }),
      );
      expect(inMissingDb.kind).toBe('DependencyMissing');
      expect(failureOf(inMissingDb)).toBe('DatabaseNotFound');
    });

    it('[milvus-lite] unknown scalar index type → InvalidSpec (code 6 "unknown scalar index_type")', async () => {
      const name = await newCollection();
      const err = await caught(api.createIndex({ database: 'default', collection: name, fieldName: 'title', indexName: 'title', indexType: 'BOGUS', params: {} }));
      expect(err.kind).toBe('InvalidSpec');
      expect(err.message).toContain("unknown scalar index_type 'BOGUS'");
      expect(metrics.last('createIndex')?.outcome).toBe('InvalidSpec');
    });

    it('[milvus-lite] vector index type on a VarChar field → InvalidSpec', async () => {
      const name = await newCollection();
      const err = await caught(api.createIndex({ database: 'default', collection: name, fieldName: 'title', indexName: 'title', indexType: 'HNSW', metricType: 'L2', params: { M: 8 } }));
      expect(err.kind).toBe('InvalidSpec');
    });

    it('[milvus-lite] unknown vector index type with rows to build → InvalidSpec from a code-1-only status (error_code "Success")', async () => {
      const name = await newCollection({ rows: 5 });
      const err = await caught(api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'BOGUS', metricType: 'L2', params: {} }));
      expect(err.kind).toBe('InvalidSpec');
      expect(err.code).toBe(1);
      expect(err.message).toContain("unknown index_type: 'BOGUS'");
      // Lite persists the spec anyway (milvus.md §3.3): describe lists it.
      expect((await api.listIndexes('default', name)).map((i) => i.indexType)).toEqual(['BOGUS']);
    });

    it('[milvus-lite] an unknown vector index type on an empty collection is accepted (nothing to build): validate locally', async () => {
      const name = await newCollection();
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'BOGUS', metricType: 'L2', params: {} });
      expect((await api.listIndexes('default', name))[0]?.indexType).toBe('BOGUS');
    });

    it('[milvus-lite] a second create on an indexed field → Transient IndexExists (Lite is never idempotent)', async () => {
      const name = await newCollection();
      const req = { database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8 } };
      await api.createIndex(req);
      const err = await caught(api.createIndex(req));
      expect(err.kind).toBe('Transient');
      expect(failureOf(err)).toBe('IndexExists');
    });
  });

  describe('dropIndex, release, load', () => {
    it('[milvus-lite] drop needs a release; after it the index is gone, the other index stays, and dropping again is success', async () => {
      const name = await newCollection({ rows: 5 });
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 } });
      await api.createIndex({ database: 'default', collection: name, fieldName: 'title', indexName: 'title', indexType: 'INVERTED', params: {} });
      expect(await api.getLoadState('default', name)).toBe('Loaded');

      const loaded = await caught(api.dropIndex('default', name, 'title', 'title'));
      expect(loaded.kind).toBe('Transient');
      expect(failureOf(loaded)).toBe('CollectionLoaded');

      await api.releaseCollection('default', name);
      expect(await api.getLoadState('default', name)).toBe('NotLoad');
      await api.dropIndex('default', name, 'title', 'title');
      expect((await api.listIndexes('default', name)).map((i) => i.indexName)).toEqual(['vec']);
      // Gone already: Lite answers 700 "no index on field 'title'"; the adapter reports success.
      await api.dropIndex('default', name, 'title', 'title');
      expect(metrics.last('dropIndex')?.outcome).toBe('success');

      await api.dropIndex('default', name, 'vec', 'vec');
      expect(await api.listIndexes('default', name)).toEqual([]);
      // Nothing left: Lite answers 700 "no index to drop".
      await api.dropIndex('default', name, 'vec', 'vec');
    });

    it('[milvus-lite] dropIndex in a missing collection or database is success (nothing to drop)', async () => {
      await api.dropIndex('default', `missing_${runId}`, 'vec', 'vec');
      await api.dropIndex(`nodb_${runId}`, 'x', 'vec', 'vec');
    });

    it('[milvus-lite] getLoadState: index-less collection reports Loaded; release → NotLoad; loadCollection → Loaded', async () => {
      const name = await newCollection({ rows: 5 });
      // Lite quirk (milvus.md §3.3): a new collection without an index is "loaded".
      expect(await api.getLoadState('default', name)).toBe('Loaded');
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'COSINE', params: { M: 8 } });
      await api.releaseCollection('default', name);
      expect(await api.getLoadState('default', name)).toBe('NotLoad');
      await api.loadCollection('default', name);
      expect(await waitForLoadState('default', name, 'Loaded')).toBe('Loaded');
      expect(metrics.last('loadCollection')?.outcome).toBe('success');
    });

    it('[milvus-lite] getLoadState of a missing collection / database → NotExist', async () => {
      expect(await api.getLoadState('default', `missing_${runId}`)).toBe('NotExist');
      // Lite 3.2.2 answers code 6 "database … does not exist" here; the adapter maps it to NotExist.
      expect(await api.getLoadState(`nodb_${runId}`, 'x')).toBe('NotExist');
    });

    it('[milvus-lite] releaseCollection of a missing collection → DependencyMissing', async () => {
      const err = await caught(api.releaseCollection('default', `missing_${runId}`));
      expect(err.kind).toBe('DependencyMissing');
    });
  });

  it('[milvus-lite] alterIndexProperties throws MilvusError Unsupported (AlterIndex is UNIMPLEMENTED, the SDK answers {})', async () => {
    const name = await newCollection();
    await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8 } });
    await api.releaseCollection('default', name);
    const err = await caught(api.alterIndexProperties('default', name, 'vec', { 'mmap.enabled': 'true' }));
    expect(err.kind).toBe('Unsupported');
    expect(failureOf(err)).toBe('Unimplemented');
    expect(err.message).toMatch(/^cannot alter the properties of index "vec" of collection default\/mc_.*: the server does not implement AlterIndex/);
    expect(metrics.last('alterIndexProperties')?.outcome).toBe('Unsupported');
  });

  describe('per-call deadline (WriteOptions.timeoutMs)', () => {
    it('[milvus-lite] a write within its budget succeeds', async () => {
      const name = await newCollection();
      await api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'FLAT', metricType: 'L2', params: {} }, { timeoutMs: 5_000 });
      await api.releaseCollection('default', name, { timeoutMs: 5_000 });
      await api.loadCollection('default', name, { timeoutMs: 5_000 });
      expect(await waitForLoadState('default', name, 'Loaded')).toBe('Loaded');
      await api.releaseCollection('default', name, { timeoutMs: 5_000 });
      await api.dropIndex('default', name, 'vec', 'vec', { timeoutMs: 5_000 });
      expect(await api.listIndexes('default', name)).toEqual([]);
    });

    it('[milvus-lite] no budget left: not sent, Transient DeadlineExceeded, and the index is not created', async () => {
      const name = await newCollection();
      const err = await caught(api.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'FLAT', metricType: 'L2', params: {} }, { timeoutMs: 0 }));
      expect(err.kind).toBe('Transient');
      expect(failureOf(err)).toBe('DeadlineExceeded');
      expect(err.message).toContain('not sent');
      expect(metrics.last('createIndex')?.outcome).toBe('Transient');
      expect(await api.listIndexes('default', name)).toEqual([]);
    });

    it('[no answer] the caller stops waiting at its deadline although the connection timeout is longer', async () => {
      const hole = await blackHole();
      const m = new RecordingMetrics();
      const silent = new SdkMilvusIndexApi(target({ uri: `127.0.0.1:${hole.port}`, timeoutMs: 20_000 }), { metrics: m });
      try {
        const started = Date.now();
        const err = await caught(silent.dropIndex('default', 'x', 'vec', 'vec', { timeoutMs: 300 }));
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(err.kind).toBe('Transient');
        expect(failureOf(err)).toBe('DeadlineExceeded');
        expect(err.message).toContain('the server may still apply the request');
        expect(m.calls.map((c) => [c.method, c.outcome])).toEqual([['dropIndex', 'Transient']]);
      } finally {
        await silent.close();
        await hole.close();
      }
    });

    it('[no answer] with maxConcurrentRequests=1 a write queued behind a hanging call is never sent once its budget is gone', async () => {
      const hole = await blackHole();
      const silent = new SdkMilvusIndexApi(target({ uri: `127.0.0.1:${hole.port}`, timeoutMs: 2_000, maxConcurrentRequests: 1 }));
      try {
        const holder = caught(silent.serverVersion());
        const err = await caught(silent.createIndex({ database: 'default', collection: 'x', fieldName: 'vec', indexName: 'vec', indexType: 'FLAT', params: {} }, { timeoutMs: 200 }));
        expect(failureOf(err)).toBe('DeadlineExceeded');
        expect(err.message).toContain('waiting for a free request slot (not sent)');
        expect((await holder).kind).toBe('Transient');
      } finally {
        await silent.close();
        await hole.close();
      }
    });
  });

  it('[milvus-lite] maxConcurrentRequests=1: parallel calls all complete', async () => {
    const name = await newCollection();
    const limited = new SdkMilvusIndexApi(target({ maxConcurrentRequests: 1 }));
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => limited.listIndexes('default', name)));
      expect(results).toEqual(Array.from({ length: 6 }, () => []));
    } finally {
      await limited.close();
    }
  });

  it('[milvus-lite] clients of different targets share the SDK\'s protobuf reflection and service definition (src/milvus/shared-protos.ts) and each still creates, lists and describes', async () => {
    const name = await newCollection({ rows: 5 });
    const a = new SdkMilvusIndexApi(target({ timeoutMs: 9_000 }));
    const b = new SdkMilvusIndexApi(target({ timeoutMs: 8_000, maxConcurrentRequests: 2 }));
    try {
      const sdkOf = (x: SdkMilvusIndexApi) => (x as unknown as { client: { milvusProto: unknown; schemaProto: unknown; _MilvusService: { service: unknown } } }).client;
      expect(sdkOf(a)).not.toBe(sdkOf(b));
      expect(sdkOf(b).milvusProto).toBe(sdkOf(a).milvusProto);
      expect(sdkOf(b).schemaProto).toBe(sdkOf(a).schemaProto);
      expect(sdkOf(b)._MilvusService.service).toBe(sdkOf(a)._MilvusService.service);
      await a.createIndex({ database: 'default', collection: name, fieldName: 'vec', indexName: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 } });
      await b.createIndex({ database: 'default', collection: name, fieldName: 'title', indexName: 'title', indexType: 'INVERTED', params: {} });
      for (const x of [a, b]) {
        expect((await x.listIndexes('default', name)).map((i) => `${i.indexName}:${i.indexType}:${i.state}`).sort()).toEqual(['title:INVERTED:Finished', 'vec:HNSW:Finished']);
        const described = await x.describeCollection('default', name);
        expect(described.kind === 'Found' ? described.fields.map((f) => f.name).sort() : described).toEqual(['id', 'title', 'vec']);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('[milvus-lite] an http:// uri works the same', async () => {
    const viaHttp = new SdkMilvusIndexApi(target({ uri: `http://${uri.replace(/^https?:\/\//, '')}` }));
    try {
      expect(await viaHttp.serverVersion()).toMatch(/^milvus_lite-/);
    } finally {
      await viaHttp.close();
    }
  });
});

describe('unreachable or unusable servers', () => {
  it('[no server] a closed port → Transient (gRPC UNAVAILABLE) quickly, and no unhandled rejection', async () => {
    const port = await closedPort();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const m = new RecordingMetrics();
    const dead = new SdkMilvusIndexApi(target({ uri: `127.0.0.1:${port}`, timeoutMs: 3_000 }), { metrics: m });
    try {
      const started = Date.now();
      for (const call of [() => dead.serverVersion(), () => dead.describeCollection('default', 'x'), () => dead.listIndexes('default', 'x')]) {
        const err = await caught(call());
        expect(err.kind).toBe('Transient');
        expect(failureOf(err)).toBe('Unavailable');
        expect(err.code).toBe(14);
      }
      expect(Date.now() - started).toBeLessThan(9_000);
      expect(m.calls.map((c) => c.outcome)).toEqual(['Transient', 'Transient', 'Transient']);
      // Give any stray connect promise time to reject unobserved.
      await new Promise((r) => setTimeout(r, 500));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await dead.close();
    }
  });

  it('[milvus-lite] a uri without a port uses 19530 (http) and reaches the server', async () => {
    const lite = new URL(`http://${uri.replace(/^https?:\/\//, '')}`);
    // Only meaningful when the test server is on the Milvus default port; otherwise check the address it would dial.
    const p = new SdkMilvusIndexApi(target({ uri: `http://${lite.hostname}` }));
    try {
      if (lite.port === '19530') expect(await p.serverVersion()).toMatch(/^milvus_lite-/);
      else expect(describeTarget(target({ uri: `http://${lite.hostname}` }))).toMatch(new RegExp(`^http://${lite.hostname}:19530 `));
    } finally {
      await p.close();
    }
  });

  it('a uri with credentials → InvalidSpec on every call (construction never throws), and no message shows them', async () => {
    const m = new RecordingMetrics();
    const bad = new SdkMilvusIndexApi(target({ uri: `http://root:pa55-word@${uri.replace(/^https?:\/\//, '')}` }), { metrics: m });
    try {
      for (const call of [() => bad.serverVersion(), () => bad.createIndex({ database: 'default', collection: 'x', fieldName: 'vec', indexName: 'vec', indexType: 'FLAT', params: {} })]) {
        const err = await caught(call());
        expect(err.kind).toBe('InvalidSpec');
        expect(err.message).toContain('credentials in the uri are not supported');
        expect(err.message).not.toContain('pa55-word');
        expect(err.message).not.toContain('root');
      }
      expect(m.calls.map((c) => c.outcome)).toEqual(['InvalidSpec', 'InvalidSpec']);
    } finally {
      await bad.close();
    }
  });

  it('an unsupported scheme → InvalidSpec on the first call', async () => {
    const bad = new SdkMilvusIndexApi(target({ uri: 'grpc://milvus.example:19530' }));
    const err = await caught(bad.serverVersion());
    expect(err.kind).toBe('InvalidSpec');
    expect(err.message).toContain('unsupported scheme "grpc"');
    await bad.close();
  });

  it('a closed client fails Transient instead of hanging', async () => {
    const c = new SdkMilvusIndexApi(target());
    await c.close();
    const err = await caught(c.listIndexes('default', 'x'));
    expect(err.kind).toBe('Transient');
  });
});

describe('MilvusClientPool', () => {
  it('[milvus-lite] one client per connection key, rebuilt (old one closed) when the target changes', async () => {
    const events: Array<[string, string, string]> = [];
    const pool = new MilvusClientPool({ metrics, onClientCreated: (key, description, reason) => events.push([key, description, reason]) });
    try {
      const a1 = pool.get('ns/conn-a', target({ username: 'root', password: 'Milvus-one' }));
      const a2 = pool.get('ns/conn-a', target({ username: 'root', password: 'Milvus-one' }));
      expect(a2).toBe(a1);
      const b = pool.get('ns/conn-b', target());
      expect(b).not.toBe(a1);
      expect(await a1.serverVersion()).toMatch(/^milvus_lite-/);

      // Credential rotation: same key, new password → a new client; the old one is closed.
      const a3 = pool.get('ns/conn-a', target({ username: 'root', password: 'Milvus-two' }));
      expect(a3).not.toBe(a1);
      expect(await a3.serverVersion()).toMatch(/^milvus_lite-/);
      await new Promise((r) => setTimeout(r, 100));
      expect((await caught(a1.serverVersion())).kind).toBe('Transient');

      expect(events.map(([key, , reason]) => [key, reason])).toEqual([
        ['ns/conn-a', 'new'],
        ['ns/conn-b', 'new'],
        ['ns/conn-a', 'changed'],
      ]);
      for (const [, description] of events) {
        expect(description).not.toContain('Milvus-one');
        expect(description).not.toContain('Milvus-two');
      }
      expect(pool.keys().sort()).toEqual(['ns/conn-a', 'ns/conn-b']);
      await pool.evict('ns/conn-b');
      expect(pool.keys()).toEqual(['ns/conn-a']);
    } finally {
      await pool.close();
    }
    expect(pool.keys()).toEqual([]);
  });

  it('fingerprints change with every field and describeTarget never shows secrets', () => {
    const base = target({ token: 'root:s3cret-token', tls: { enabled: true, caPem: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----', serverName: 'milvus.example.com' } });
    const fp = targetFingerprint(base);
    expect(targetFingerprint({ ...base })).toBe(fp);
    for (const changed of [
      { ...base, token: 'root:rotated' },
      { ...base, uri: 'https://other:19530' },
      { ...base, database: 'db2' },
      { ...base, timeoutMs: 1 },
      { ...base, maxConcurrentRequests: 4 },
      { ...base, tls: { enabled: true, caPem: 'other' } },
    ]) {
      expect(targetFingerprint(changed)).not.toBe(fp);
    }
    const d = describeTarget(base);
    expect(d).not.toContain('s3cret');
    expect(d).not.toContain('root:');
    expect(d).not.toContain('BEGIN CERTIFICATE');
    expect(d).toContain('auth=token');
    expect(d).toContain('tls=on (custom ca) serverName=milvus.example.com');
    expect(describeTarget(target({ uri: 'http://u:pw-secret@h:1' }))).not.toContain('pw-secret');
  });
});
