// Failing writes: a Milvus action failure ends in decideFailure's status and requeue; a Kubernetes
// write failure is not reported as a Milvus outage.
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../../src/milvus/errors.js';
import { decideFailure } from '../../../src/reconcile/decide/index.js';
import { NOW, aFailure, anObservation, createIndexAction, type MilvusIndexBuilder } from '../fakes.js';
import { type KubeOp, World, ready, milvusError, serverError, fresh, created } from '../fakes/reconcile.js';

// The failure status is exactly what decideFailure produces

describe('a failing action ends in the status and requeue decideFailure produces', () => {
  const kinds: Array<{ name: string; reason: string; given: ErrorKind }> = [
    { name: 'Transient', reason: 'retry with backoff', given: 'Transient' },
    { name: 'InvalidSpec', reason: 'stall until the spec changes', given: 'InvalidSpec' },
    { name: 'Unsupported', reason: 'stall until the server changes', given: 'Unsupported' },
    { name: 'DependencyMissing', reason: 'capped backoff', given: 'DependencyMissing' },
  ];
  it.each(kinds)('createIndex fails $name', async ({ reason, given }) => {
    const message = 'cannot create index "embedding" on field "embedding" of collection default/docs: refused';
    const w = new World(fresh());
    w.milvus.failures.createIndex = milvusError(given, 'createIndex', message);
    const requeue = await w.reconcile();

    const [first, second] = w.writer.statuses;
    expect(w.writer.statuses, reason).toHaveLength(2);
    // The resource as it was when createIndex failed: the first status had been written.
    const afterFirst = fresh().status(first).build();
    const expected = decideFailure(anObservation(afterFirst).build(), aFailure(createIndexAction(), given, message), NOW);
    expect(second, `status: ${reason}`).toEqual(expected.status);
    // A failed Milvus write keeps decideFailure's timing and is counted as a reconcile error.
    expect(requeue, `requeue: ${reason}`).toEqual(expected.requeue.kind === 'Backoff' || expected.requeue.kind === 'CappedBackoff' ? { ...expected.requeue, error: expect.stringContaining('CreateIndex') } : expected.requeue);
    expect(w.events.summary, `events: ${reason}`).toEqual(expected.events.map((e) => `docs-embedding ${e.type} ${e.reason}`));
  });

  it('the second write carries the resourceVersion the first write returned', async () => {
    const w = new World(fresh());
    w.milvus.failures.createIndex = milvusError('Transient');
    await w.reconcile();
    const writes = w.writer.calls.filter((c) => c.op === 'writeStatus');
    expect(writes.map((c) => c.resourceVersion)).toEqual(['1000', '1001']);
    expect(w.writer.refused).toEqual([]);
  });
});

// Kubernetes write failures that are not conflicts

describe('a Kubernetes write failure is not reported as a Milvus outage', () => {
  const cases: Array<{ name: string; reason: string; given: { resource: MilvusIndexBuilder; op: KubeOp; index: boolean } }> = [
    { name: 'addFinalizer fails with 500', reason: 'the API server failed, not Milvus', given: { resource: fresh().withoutFinalizer(), op: 'addFinalizer', index: false } },
    { name: 'removeFinalizer fails with 500 after the drop', reason: 'the API server failed, not Milvus; the index is already dropped', given: { resource: created().deleting(), op: 'removeFinalizer', index: true } },
  ];
  it.each(cases)('$name', async ({ reason, given }) => {
    const w = new World(given.resource);
    if (given.index) w.withIndex();
    w.writer.failures[given.op] = () => serverError();
    const requeue = await w.reconcile();
    expect(requeue, `backoff: ${reason}`).toEqual({ kind: 'Backoff', error: expect.stringContaining('HTTP 500') });
    expect(w.events.summary.filter((e) => e.endsWith('MilvusUnavailable')), `no MilvusUnavailable event: ${reason}`).toEqual([]);
    expect(w.writer.statuses.filter((s) => ready(s)?.reason === 'MilvusUnavailable'), `no MilvusUnavailable status: ${reason}`).toEqual([]);
  });
});
