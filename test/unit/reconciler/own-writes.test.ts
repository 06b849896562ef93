// The cache lags behind our own writes: a reconcile that sees the version one of our writes replaced must not
// act on it (it would repeat what the write recorded). Seen on the real Milvus 2.3 under load: a refused
// AlterProperties sent twice because the second reconcile read a cache without `status.unsupported`.
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import { anIndex } from '../fakes.js';
import { World, created } from '../fakes/reconcile.js';

const PROPS = { 'mmap.enabled': 'true' };

describe('a reconcile never acts on a cached version its own write replaced', () => {
  it('a refused AlterProperties is sent once, though the next reconcile still sees the version before the refusal was recorded', async () => {
    const w = new World(created().spec({ properties: PROPS }).ready());
    w.withIndex(anIndex());
    w.milvus.alterSupported = false;

    await w.reconcile();
    expect(w.milvus.calls.filter((c) => c.method === 'alterIndexProperties'), 'the first attempt').toHaveLength(1);
    expect(w.writer.statuses.at(-1)?.unsupported, 'the refusal is recorded in the status').toBeDefined();

    // The watch has not delivered that status write yet: the store still holds the version before it.
    const again = await w.reconcile();
    expect(again, 'waits for the watch instead of acting').toEqual({ kind: 'After', ms: expect.any(Number) });
    expect(w.milvus.calls.filter((c) => c.method === 'alterIndexProperties'), 'not sent again on the stale view').toHaveLength(1);

    w.applyWrites();
    await w.reconcile();
    expect(w.milvus.calls.filter((c) => c.method === 'alterIndexProperties'), 'nor once the cache shows the refusal').toEqual([]);
  });

  it('a skip-drop release is decided once: a pass on the cached version that still shows our finalizer waits for the watch', async () => {
    const w = new World(created().skipDrop().deleting());
    w.withIndex(anIndex());

    await w.reconcile();
    expect(w.writer.calls.filter((c) => c.op === 'removeFinalizer'), 'the finalizer removed').toHaveLength(1);
    expect(w.metrics.marks.map((m) => m.mark), 'one orphan counted').toEqual(['Orphaned']);
    expect(w.events.summary).toEqual(['docs-embedding Warning Orphaned']);

    // The watch has not delivered the removal (or the deletion) yet: the store still holds the version with our finalizer.
    const again = await w.reconcile();
    expect(again, 'waits for the watch instead of deciding again').toEqual({ kind: 'After', ms: expect.any(Number) });
    expect(w.writer.calls.filter((c) => c.op === 'removeFinalizer'), 'not removed twice').toHaveLength(1);
    expect(w.metrics.marks.map((m) => m.mark), 'the orphan is not counted twice').toEqual(['Orphaned']);
  });

  it('a version written by someone else is acted on at once', async () => {
    const w = new World(created().spec({ properties: PROPS }).ready());
    w.withIndex(anIndex());
    await w.reconcile();
    w.applyWrites();
    const r = w.store.list()[0]!;
    w.store.put({ ...r, metadata: { ...r.metadata, resourceVersion: 'someone-else' } });
    expect(await w.reconcile()).not.toEqual({ kind: 'After', ms: expect.any(Number) });
  });
});
