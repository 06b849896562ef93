// ReconcilerDeps.maxSteps: a Milvus write that asks to be observed at once is followed in the same pass,
// on the object the step wrote, instead of a trip through the queue; bounded, and off by default.
import { describe, expect, it } from 'vitest';
import { MAX_STEPS, MilvusIndexReconciler } from '../../../src/reconcile/reconciler.js';
import { NOW } from '../fakes.js';
import { fresh, READS, ready, SUBJECT, World } from '../fakes/reconcile.js';

function reconcilerOf(w: World, maxSteps: number): MilvusIndexReconciler {
  return new MilvusIndexReconciler({
    store: w.store, claims: w.claims, connections: w.connections, milvus: w.provider, maxSteps,
    execute: { writer: w.writer, leadershipRemainingMs: () => Number.POSITIVE_INFINITY }, events: w.events,
    collectionLocks: w.locks, now: () => NOW, log: w.log, metrics: w.metrics,
  });
}

describe('follow-up steps in one pass', () => {
  it('create → observe → Ready in one reconcile: 2 status writes, nothing left to requeue', async () => {
    const w = new World(fresh());
    for (const r of w.store.list()) w.claims.upsert(r);
    const requeue = await reconcilerOf(w, MAX_STEPS).reconcile(SUBJECT);
    expect(w.journal).toEqual([...READS, 'kube.writeStatus', 'milvus.createIndex', ...READS, 'kube.writeStatus']);
    expect(requeue).toEqual({ kind: 'None' });
    const last = w.writer.calls.filter((c) => c.op === 'writeStatus').at(-1);
    expect(ready(last?.status)).toMatchObject({ status: 'True', reason: 'IndexBuilt' });
  });

  it('a new resource: finalizer with the create intent → create → observe → Ready in one pass, on the objects its own writes returned: one status write', async () => {
    const w = new World(fresh().withoutFinalizer());
    for (const r of w.store.list()) w.claims.upsert(r);
    const requeue = await reconcilerOf(w, MAX_STEPS).reconcile(SUBJECT);
    // Without a read cache every step reads for itself.
    expect(w.journal).toEqual([...READS, 'kube.addFinalizer', ...READS, 'milvus.createIndex', ...READS, 'kube.writeStatus']);
    expect(w.writer.calls[0]).toMatchObject({ op: 'addFinalizer', createIntent: expect.any(String) });
    // Created and built in one pass: one Event says both (pass-events.ts).
    expect(w.events.emitted.map((e) => [e.reason, e.message])).toEqual([['IndexCreated', expect.stringMatching(/^Created index "embedding" .* Index "embedding" is built/)]]);
    expect(requeue).toEqual({ kind: 'None' });
    expect(ready(w.writer.calls.filter((c) => c.op === 'writeStatus').at(-1)?.status)).toMatchObject({ status: 'True', reason: 'IndexBuilt' });
  });

  it('a build still running ends the pass with the (young) build poll', async () => {
    const w = new World(fresh());
    const create = w.milvus.createIndex.bind(w.milvus);
    w.milvus.createIndex = async (req) => {
      await create(req);
      Object.assign(w.milvus.state().indexes.at(-1)!, { state: 'InProgress', indexedRows: 0 });
    };
    for (const r of w.store.list()) w.claims.upsert(r);
    const requeue = await reconcilerOf(w, MAX_STEPS).reconcile(SUBJECT);
    expect(w.journal.filter((j) => j === 'milvus.createIndex')).toHaveLength(1);
    expect(requeue, 'a build just started is polled after 1 s (buildPollMs)').toEqual({ kind: 'After', ms: 1_000 });
  });

  it('without maxSteps every step is its own reconcile (the default)', async () => {
    const w = new World(fresh());
    const requeue = await w.reconcile();
    expect(w.journal).toEqual([...READS, 'kube.writeStatus', 'milvus.createIndex']);
    expect(requeue).toEqual({ kind: 'After', ms: 0 });
  });
});
