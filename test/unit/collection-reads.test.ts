// Batched observation per collection (src/reconcile/collection-reads.ts): steady resources on one collection
// share its reads; anything that may act reads afresh; writes and failures are never hidden.
import { describe, expect, it } from 'vitest';
import { CollectionReadCache, mayReuseReads } from '../../src/reconcile/collection-reads.js';
import { MilvusIndexReconciler } from '../../src/reconcile/reconciler.js';
import { aMilvusIndex, aScalarIndex, NOW } from './fakes.js';
import { created, FakeMilvus, milvusError, READS, SUBJECT, World } from './fakes/reconcile.js';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function milvus(): FakeMilvus {
  return new FakeMilvus([]).collection('default', 'docs');
}

describe('CollectionReadCache', () => {
  it('answers steady reads of one collection from the reads made within the TTL, then reads again', async () => {
    const m = milvus();
    const c = clock();
    const cache = new CollectionReadCache(5_000, c.now);
    for (let i = 0; i < 3; i++) {
      const api = cache.view('conn', m, true);
      await api.describeCollection('default', 'docs');
      await api.getLoadState('default', 'docs');
      await api.listIndexes('default', 'docs');
    }
    expect(m.calls.map((x) => x.method)).toEqual(['describeCollection', 'getLoadState', 'listIndexes']);
    c.advance(5_001);
    await cache.view('conn', m, true).listIndexes('default', 'docs');
    expect(m.called('listIndexes')).toHaveLength(2);
  });

  it('keys by connection, database and collection', async () => {
    const m = milvus().collection('default', 'other').collection('db2', 'docs');
    const cache = new CollectionReadCache(5_000, clock().now);
    await cache.view('conn', m, true).listIndexes('default', 'docs');
    await cache.view('conn', m, true).listIndexes('default', 'other');
    await cache.view('conn', m, true).listIndexes('db2', 'docs');
    await cache.view('conn2', m, true).listIndexes('default', 'docs');
    expect(m.called('listIndexes')).toEqual([['default', 'docs'], ['default', 'other'], ['db2', 'docs'], ['default', 'docs']]);
  });

  it('a resource that may act reads afresh, and its reads answer the steady mates after it', async () => {
    const m = milvus();
    const cache = new CollectionReadCache(5_000, clock().now);
    await cache.view('conn', m, true).listIndexes('default', 'docs');
    await cache.view('conn', m, false).listIndexes('default', 'docs');
    await cache.view('conn', m, false).listIndexes('default', 'docs');
    await cache.view('conn', m, true).listIndexes('default', 'docs');
    expect(m.called('listIndexes')).toHaveLength(3);
  });

  it('every write through a view forgets the collection before it is sent', async () => {
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
      await cache.view('conn', m, true).listIndexes('default', 'docs');
      await write(cache.view('conn', m, true));
    }
    expect(m.called('listIndexes')).toHaveLength(writes.length);
    const seen = await cache.view('conn', m, true).getLoadState('default', 'docs');
    expect(seen, 'the load the last write started is visible at once').toBe('Loaded');
  });

  it('never keeps a failed read, and shares one request between concurrent steady readers', async () => {
    const m = milvus();
    const cache = new CollectionReadCache(5_000, clock().now);
    m.failures.listIndexes = milvusError('Transient', 'listIndexes', 'unavailable');
    await expect(cache.view('conn', m, true).listIndexes('default', 'docs')).rejects.toThrow('unavailable');
    delete m.failures.listIndexes;
    const both = await Promise.all([cache.view('conn', m, true).listIndexes('default', 'docs'), cache.view('conn', m, true).listIndexes('default', 'docs')]);
    expect(both).toEqual([[], []]);
    expect(m.called('listIndexes')).toHaveLength(2);
    expect(cache.size).toBe(1);
  });
});

describe('mayReuseReads: only a steady resource is answered from earlier reads', () => {
  const cases: Array<[string, () => ReturnType<typeof aMilvusIndex>, boolean]> = [
    ['Ready for its generation', () => aMilvusIndex().ready(), true],
    ['a new generation not yet observed', () => aMilvusIndex().ready({ generation: 1 }), false],
    ['deleting', () => aMilvusIndex().ready().deleting(), false],
    ['an operation under way', () => aMilvusIndex().ready().pendingOperation({ operation: 'Recreate' }), false],
    ['not Ready', () => aMilvusIndex().notReady('Building'), false],
    ['without our finalizer yet', () => aMilvusIndex().ready().withoutFinalizer(), false],
  ];
  it.each(cases)('%s → reuse %s', (_, r, expected) => {
    expect(mayReuseReads(r().build())).toBe(expected);
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
