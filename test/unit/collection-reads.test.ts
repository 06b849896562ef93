// Batched observation per collection (src/reconcile/collection-reads.ts): steady resources on one collection
// share its reads; a pass that may act accepts only the reads of the last second (made after our last write
// there); writes and failures are never hidden.
import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../src/api/time.js';
import { ACTING_SCHEMA_REUSE_MS, ACTING_STATE_REUSE_MS, CollectionReadCache, isSteady } from '../../src/reconcile/collection-reads.js';
import { MAX_STEPS, MilvusIndexReconciler } from '../../src/reconcile/reconciler.js';
import { aMilvusIndex, aScalarIndex, NOW } from './fakes.js';
import { created, FakeMilvus, fresh, milvusError, READS, SUBJECT, World } from './fakes/reconcile.js';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function milvus(): FakeMilvus {
  return new FakeMilvus([]).collection('default', 'docs');
}

const STEADY = { state: 5_000, schema: Number.POSITIVE_INFINITY };
const ACTING = { state: ACTING_STATE_REUSE_MS, schema: ACTING_SCHEMA_REUSE_MS };
const FRESH = { state: 0, schema: 0 };

describe('CollectionReadCache', () => {
  it('answers steady reads of one collection from the reads made within the TTL, then reads the state again; the schema is kept', async () => {
    const m = milvus();
    const c = clock();
    const cache = new CollectionReadCache(5_000, c.now);
    for (let i = 0; i < 3; i++) {
      const api = cache.view('conn', m, STEADY);
      await api.describeCollection('default', 'docs');
      await api.getLoadState('default', 'docs');
      await api.listIndexes('default', 'docs');
    }
    expect(m.calls.map((x) => x.method)).toEqual(['describeCollection', 'getLoadState', 'listIndexes']);
    c.advance(600_000);
    await cache.view('conn', m, STEADY).describeCollection('default', 'docs');
    await cache.view('conn', m, STEADY).listIndexes('default', 'docs');
    expect(m.calls.map((x) => x.method), 'one read per collection per resync: only the index list').toEqual(['describeCollection', 'getLoadState', 'listIndexes', 'listIndexes']);
  });

  it('keys by connection, database and collection', async () => {
    const m = milvus().collection('default', 'other').collection('db2', 'docs');
    const cache = new CollectionReadCache(5_000, clock().now);
    await cache.view('conn', m, STEADY).listIndexes('default', 'docs');
    await cache.view('conn', m, STEADY).listIndexes('default', 'other');
    await cache.view('conn', m, STEADY).listIndexes('db2', 'docs');
    await cache.view('conn2', m, STEADY).listIndexes('default', 'docs');
    expect(m.called('listIndexes')).toEqual([['default', 'docs'], ['default', 'other'], ['db2', 'docs'], ['default', 'docs']]);
  });

  it('a pass that may act accepts only reads of the last second (and schemas of the last 10 s); its reads answer the passes after it', async () => {
    const m = milvus();
    const c = clock();
    const cache = new CollectionReadCache(5_000, c.now);
    await cache.view('conn', m, STEADY).listIndexes('default', 'docs');
    await cache.view('conn', m, STEADY).describeCollection('default', 'docs');
    c.advance(ACTING_STATE_REUSE_MS + 1);
    await cache.view('conn', m, ACTING).listIndexes('default', 'docs');
    await cache.view('conn', m, ACTING).describeCollection('default', 'docs');
    expect(m.called('listIndexes'), 'the state read is older than a second: read again').toHaveLength(2);
    expect(m.called('describeCollection'), 'the schema is younger than 10 s: kept').toHaveLength(1);
    await cache.view('conn', m, ACTING).listIndexes('default', 'docs');
    await cache.view('conn', m, STEADY).listIndexes('default', 'docs');
    expect(m.called('listIndexes')).toHaveLength(2);
    c.advance(ACTING_SCHEMA_REUSE_MS);
    await cache.view('conn', m, ACTING).describeCollection('default', 'docs');
    expect(m.called('describeCollection')).toHaveLength(2);
  });

  it('a pass that asks for fresh reads always reads', async () => {
    const m = milvus();
    const cache = new CollectionReadCache(5_000, clock().now);
    for (let i = 0; i < 2; i++) {
      await cache.view('conn', m, FRESH).listIndexes('default', 'docs');
      await cache.view('conn', m, FRESH).getLoadState('default', 'docs');
    }
    expect(m.calls.map((x) => x.method)).toEqual(['listIndexes', 'getLoadState', 'listIndexes', 'getLoadState']);
  });

  it('every write through a view forgets the state reads of the collection before it is sent, and keeps its schema', async () => {
    const m = milvus();
    const cache = new CollectionReadCache(5_000, clock().now);
    const writes: Array<(api: ReturnType<CollectionReadCache['view']>) => Promise<void>> = [
      (api) => api.createIndex({ database: 'default', collection: 'docs', fieldName: 'embedding', indexName: 'embedding', indexType: 'HNSW', metricType: 'COSINE', params: {} }),
      (api) => api.dropIndex('default', 'docs', 'embedding', 'embedding'),
      (api) => api.alterIndexProperties('default', 'docs', 'embedding', { 'mmap.enabled': 'true' }),
      (api) => api.releaseCollection('default', 'docs'),
      (api) => api.loadCollection('default', 'docs'),
    ];
    for (const write of writes) {
      await cache.view('conn', m, STEADY).listIndexes('default', 'docs');
      await cache.view('conn', m, STEADY).getLoadState('default', 'docs');
      await cache.view('conn', m, STEADY).describeCollection('default', 'docs');
      await write(cache.view('conn', m, STEADY));
    }
    expect(m.called('listIndexes')).toHaveLength(writes.length);
    expect(m.called('getLoadState')).toHaveLength(writes.length);
    expect(m.called('describeCollection'), 'none of our writes changes a schema').toHaveLength(1);
    const seen = await cache.view('conn', m, STEADY).getLoadState('default', 'docs');
    expect(seen, 'the load the last write started is visible at once').toBe('Loaded');
  });

  it('never keeps a failed read (it forgets the collection, schema included), and shares one request between concurrent readers', async () => {
    const m = milvus();
    const cache = new CollectionReadCache(5_000, clock().now);
    await cache.view('conn', m, STEADY).describeCollection('default', 'docs');
    m.failures.listIndexes = milvusError('Transient', 'listIndexes', 'unavailable');
    await expect(cache.view('conn', m, STEADY).listIndexes('default', 'docs')).rejects.toThrow('unavailable');
    delete m.failures.listIndexes;
    const both = await Promise.all([cache.view('conn', m, STEADY).listIndexes('default', 'docs'), cache.view('conn', m, STEADY).listIndexes('default', 'docs')]);
    expect(both).toEqual([[], []]);
    expect(m.called('listIndexes')).toHaveLength(2);
    await cache.view('conn', m, STEADY).describeCollection('default', 'docs');
    expect(m.called('describeCollection')).toHaveLength(2);
    expect(cache.size).toBe(1);
  });
});

describe('freshnessFor: how old a kept read may be for a pass', () => {
  const cache = new CollectionReadCache(5_000);
  const cases: Array<[string, () => ReturnType<typeof aMilvusIndex>, { state: number; schema: number }]> = [
    ['Ready for its generation (steady)', () => aMilvusIndex().ready(), STEADY],
    ['a new generation not yet observed', () => aMilvusIndex().ready({ generation: 1 }), ACTING],
    ['an operation under way', () => aMilvusIndex().ready().pendingOperation({ operation: 'Recreate' }), ACTING],
    ['not Ready', () => aMilvusIndex().notReady('Building'), ACTING],
    ['without our finalizer yet', () => aMilvusIndex().ready().withoutFinalizer(), ACTING],
    ['deleting: the index state is read afresh', () => aMilvusIndex().ready().deleting(), { state: 0, schema: ACTING_SCHEMA_REUSE_MS }],
  ];
  it.each(cases)('%s', (_, r, expected) => {
    expect(cache.freshnessFor(r().build())).toEqual(expected);
    expect(isSteady(r().build())).toBe(expected === STEADY);
  });
});

describe('reconciling the steady resources of one collection', () => {
  it('reads the collection once for all of them and writes nothing', async () => {
    const other = aMilvusIndex('title-inverted').spec({ fieldName: 'title', indexName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} });
    const w = new World(created().ready(), other.ready());
    w.withIndex().withIndex(aScalarIndex());
    const reconciler = new MilvusIndexReconciler({
      store: w.store, claims: w.claims, connections: w.connections, milvus: w.provider, reads: new CollectionReadCache(5_000),
      execute: { writer: w.writer, leadershipRemainingMs: () => Number.POSITIVE_INFINITY }, events: w.events,
      collectionLocks: w.locks, now: () => NOW, log: w.log, metrics: w.metrics,
    });
    for (const r of w.store.list()) w.claims.upsert(r);
    await reconciler.reconcile(SUBJECT);
    await reconciler.reconcile('search/title-inverted');
    expect(w.journal.filter((j) => READS.includes(j))).toEqual(READS);
    expect(w.metrics.marks).toEqual([]);
  });
});

describe('reconciling the new resources of one collection, applied together', () => {
  it('finalizer (with the create intent) → create → Ready for each in one pass: one describeCollection and three listIndexes for both, each sent once and shared; no load state is read; one status write each', async () => {
    const other = aMilvusIndex('title-inverted').spec({ fieldName: 'title', indexName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} });
    const w = new World(fresh().withoutFinalizer(), other.withoutFinalizer());
    const reconciler = new MilvusIndexReconciler({
      store: w.store, claims: w.claims, connections: w.connections, milvus: w.provider, reads: new CollectionReadCache(5_000), maxSteps: MAX_STEPS,
      execute: { writer: w.writer, leadershipRemainingMs: () => Number.POSITIVE_INFINITY }, events: w.events,
      collectionLocks: w.locks, now: () => NOW, log: w.log, metrics: w.metrics,
    });
    for (const r of w.store.list()) w.claims.upsert(r);
    expect(await reconciler.reconcile(SUBJECT)).toEqual({ kind: 'None' });
    expect(await reconciler.reconcile('search/title-inverted')).toEqual({ kind: 'None' });
    expect(w.journal).toEqual([
      // The finalizer step's reads (it records the create's intent) answer the create step too.
      'milvus.describeCollection', 'milvus.listIndexes', 'kube.addFinalizer', 'milvus.createIndex', 'milvus.listIndexes', 'kube.writeStatus',
      // The second resource's reads are answered by the first one's last read (made after its create, under the lock).
      'kube.addFinalizer', 'milvus.createIndex', 'milvus.listIndexes', 'kube.writeStatus',
    ]);
    expect(w.writer.calls.filter((c) => c.op === 'addFinalizer').map((c) => c.createIntent)).toEqual([rfc3339(NOW), rfc3339(NOW)]);
    expect(w.metrics.marks.map((m) => m.mark)).toEqual(['BecameReady', 'BecameReady']);
  });
});
