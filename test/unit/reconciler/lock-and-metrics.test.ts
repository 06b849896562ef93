// The per-collection lock (the real KeyedMutex) and the reconciler's metrics.
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import type { CreateIndexRequest } from '../../../src/milvus/types.js';
import { NAMESPACE, aMilvusIndex, anIndex } from '../fakes.js';
import { DEFAULT_TARGET, SUBJECT, World, fresh, created, until } from '../fakes/reconcile.js';

// The per-collection lock (real KeyedMutex)

describe('one collection, one reconcile at a time', () => {
  it('a second resource on the same collection waits until the first is done; another collection does not', async () => {
    const other = aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} });
    const elsewhere = aMilvusIndex('papers-embedding').spec({ collectionName: 'papers' });
    const w = new World(fresh(), other, elsewhere);
    w.milvus.collection('default', 'papers');
    let open!: () => void;
    w.milvus.gates.createIndex = new Promise<void>((resolve) => { open = resolve; });

    const first = w.reconcile();
    await until(() => w.milvus.called('createIndex').length === 1);
    const second = w.reconcile(`${NAMESPACE}/docs-title`);
    const third = w.reconcile(`${NAMESPACE}/papers-embedding`);
    await until(() => w.milvus.called('createIndex').length === 2);

    // papers-embedding got through (its createIndex is the 2nd call, also held at the gate);
    // docs-title has not even read the collection yet.
    expect(w.milvus.called('createIndex').map((a) => (a[0] as CreateIndexRequest).collection)).toEqual(['docs', 'papers']);
    expect(w.milvus.calls.filter((c) => c.method === 'describeCollection').map((c) => c.args[1])).toEqual(['docs', 'papers']);

    open();
    await Promise.all([first, second, third]);
    const createdOnDocs = w.milvus.called('createIndex').map((a) => (a[0] as CreateIndexRequest)).filter((r) => r.collection === 'docs').map((r) => r.fieldName);
    expect(createdOnDocs).toEqual(['embedding', 'title']);
    expect(w.locks.size, 'the lock is released').toBe(0);
  });

  it('a resource missing from the store is not reconciled (no lock, no call)', async () => {
    const w = new World();
    expect(await w.reconcile(`${NAMESPACE}/gone`)).toEqual({ kind: 'None' });
    expect(w.journal).toEqual([]);
    expect(w.connections.resolved).toEqual([]);
  });
});


// Metrics

describe('metrics', () => {
  it('build progress follows status.index; a deletion removes the series', async () => {
    const w = new World(created().notReady('Building', { reconciling: true }));
    w.withIndex(anIndex().building(250, 1000));
    await w.reconcile();
    expect(w.metrics.progress).toEqual([{ key: SUBJECT, ratio: 0.25 }]);

    const d = new World(created().deleting());
    d.withIndex();
    await d.reconcile();
    expect(d.metrics.progress).toEqual([{ key: SUBJECT, ratio: undefined }]);
  });

  it('the client comes from the resolved connection key and target', async () => {
    const w = new World(fresh());
    await w.reconcile();
    expect(w.provider.gets).toEqual([{ key: 'default', target: DEFAULT_TARGET }]);
  });
});
