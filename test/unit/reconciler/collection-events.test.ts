// Collection-wide events go to every resource on the same collection.
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import type { MilvusIndex } from '../../../src/api/milvusindex.js';
import { NAMESPACE, aMilvusIndex, aScalarIndex } from '../fakes.js';
import { World, fresh, created } from '../fakes/reconcile.js';

// Collection-wide events

describe('collection-wide events go to every resource on the same collection', () => {
  function neighbours(): MilvusIndex[] {
    return [
      aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} }).ownership('Created').ready().build(),
      // Same collection, another namespace: a release hits it too.
      { ...aMilvusIndex('docs-sparse').spec({ fieldName: 'sparse', indexType: 'SPARSE_INVERTED_INDEX', metricType: 'IP', params: {} }).build(), metadata: { ...aMilvusIndex('docs-sparse').build().metadata, namespace: 'ml', uid: 'uid-ml-docs-sparse' } },
      // Another collection, and the same collection name in another database: not affected.
      aMilvusIndex('papers-embedding').spec({ collectionName: 'papers' }).build(),
      aMilvusIndex('analytics-docs').spec({ database: 'analytics' }).build(),
    ];
  }

  it('a release during deletion: CollectionReleased to all four on default/docs, IndexDropped to the subject only', async () => {
    const w = new World(created().spec({ allowCollectionRelease: true }).deleting(), ...neighbours());
    w.withIndex();
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile();
    const released = w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => `${e.namespace}/${e.name}`);
    expect(released.sort()).toEqual([`${NAMESPACE}/docs-embedding`, `${NAMESPACE}/docs-title`, 'ml/docs-sparse'].sort());
    expect(w.events.emitted.filter((e) => e.reason === 'IndexDropped').map((e) => e.name)).toEqual(['docs-embedding']);
  });

  it('a release for a Recreate: CollectionReleased to every resource on the collection', async () => {
    const w = new World(created().spec({ updatePolicy: 'Recreate', allowCollectionRelease: true, params: { M: 32, efConstruction: 200 } }), ...neighbours());
    w.withIndex();
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile();
    expect(w.writes).toEqual(['kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex']);
    const released = w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => e.name).sort();
    expect(released).toEqual(['docs-embedding', 'docs-sparse', 'docs-title']);
    expect(w.events.emitted.filter((e) => e.reason !== 'CollectionReleased').map((e) => e.name)).toEqual(['docs-embedding']);
  });

  it('a reload after a scalar deletion is announced to the collection too', async () => {
    const subject = aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {}, allowCollectionRelease: true }).ownership('Created').deleting();
    const w = new World(subject, aMilvusIndex().ready().ownership('Created'));
    w.withIndex(aScalarIndex());
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile(`${NAMESPACE}/docs-title`);
    expect(w.writes).toEqual(['kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex', 'milvus.loadCollection', 'kube.removeFinalizer']);
    expect(w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => e.name).sort()).toEqual(['docs-embedding', 'docs-title']);
  });

  it('a non-collection-wide event goes to the subject only', async () => {
    const w = new World(fresh(), ...neighbours());
    await w.reconcile();
    expect(w.events.emitted.map((e) => e.name)).toEqual(['docs-embedding']);
  });
});
