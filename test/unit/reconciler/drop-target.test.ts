// DropIndex always targets the index the observation confirmed.
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_URI, aMilvusIndex, anIndex, aScalarIndex, type MilvusIndexBuilder, type ObservedIndexBuilder } from '../fakes.js';
import { DEFAULT_TARGET, World, milvusError, created } from '../fakes/reconcile.js';

// DropIndex targets exactly what the observation confirmed

describe('DropIndex always targets the index the observation confirmed', () => {
  interface DropRow {
    name: string;
    reason: string;
    given: { resource: MilvusIndexBuilder; database?: string; connectionDatabase?: string; indexes: Array<ObservedIndexBuilder>; listFails?: boolean };
    want: { dropped: unknown[][]; finalizerRemoved: boolean };
  }
  const rows: DropRow[] = [
    {
      name: 'default names', reason: 'indexName defaults to fieldName; database to "default"',
      given: { resource: created().deleting(), indexes: [anIndex()] },
      want: { dropped: [['default', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'spec.indexName and spec.database', reason: 'the confirmed name in the spec\'s database',
      given: { resource: created().spec({ indexName: 'emb_hnsw', database: 'analytics' }).deleting(), database: 'analytics', indexes: [anIndex().named('emb_hnsw')] },
      want: { dropped: [['analytics', 'docs', 'embedding', 'emb_hnsw']], finalizerRemoved: true },
    },
    {
      name: 'database from the connection', reason: 'no spec.database: the connection\'s database',
      given: { resource: created().deleting(), connectionDatabase: 'tenant_a', database: 'tenant_a', indexes: [anIndex()] },
      want: { dropped: [['tenant_a', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'stale status.index.name', reason: 'status is not evidence; the name describe just confirmed is',
      given: { resource: created().reporting(anIndex().named('embedding_v0')).deleting(), indexes: [anIndex()] },
      want: { dropped: [['default', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'only another index on the field', reason: 'never drop a name describe did not confirm (Milvus Lite drops every index for an unknown name)',
      given: { resource: created().deleting(), indexes: [anIndex().named('embedding_other')] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'our name on another field', reason: 'an index with our name on another field is not ours',
      given: { resource: created().deleting(), indexes: [aScalarIndex().named('embedding')] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'no index', reason: 'already gone: nothing to drop',
      given: { resource: created().deleting(), indexes: [] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'listing fails', reason: 'nothing confirmed: nothing dropped, the finalizer stays',
      given: { resource: created().deleting(), indexes: [anIndex()], listFails: true },
      want: { dropped: [], finalizerRemoved: false },
    },
    {
      name: 'not owned', reason: 'never drop an index this resource neither created nor adopted',
      given: { resource: aMilvusIndex().deleting(), indexes: [anIndex()] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'Recreate', reason: 'the drop of a recreate uses the observed index too',
      given: { resource: created().spec({ indexName: 'emb_hnsw', updatePolicy: 'Recreate', params: { M: 32, efConstruction: 200 } }), indexes: [anIndex().named('emb_hnsw')] },
      want: { dropped: [['default', 'docs', 'embedding', 'emb_hnsw']], finalizerRemoved: false },
    },
  ];

  it.each(rows)('$name', async ({ reason, given, want }) => {
    const w = new World(given.resource);
    const db = given.database ?? 'default';
    if (db !== 'default') w.milvus.collection(db, 'docs');
    if (given.connectionDatabase) w.connections.resolution = { kind: 'Ready', key: 'default', endpoint: DEFAULT_URI, displayUri: DEFAULT_URI, database: given.connectionDatabase, target: { ...DEFAULT_TARGET, database: given.connectionDatabase } };
    for (const i of given.indexes) w.withIndex(i, db);
    if (given.listFails) w.milvus.failures.listIndexes = milvusError('Transient', 'listIndexes', 'cannot list indexes: 14 UNAVAILABLE');
    await w.reconcile();
    expect(w.milvus.called('dropIndex'), reason).toEqual(want.dropped);
    expect(w.writer.ops('removeFinalizer') === 1, `finalizer removed: ${reason}`).toBe(want.finalizerRemoved);
    if (want.dropped.length > 0) {
      const listed = w.journal.lastIndexOf('milvus.listIndexes');
      expect(listed, 'a describe (listIndexes) in this very pass precedes the drop').toBeGreaterThanOrEqual(0);
      expect(listed).toBeLessThan(w.journal.indexOf('milvus.dropIndex'));
      expect(w.milvus.called('listIndexes').at(-1), 'listed in the same database and collection').toEqual([db, 'docs']);
    }
  });
});
