// No status write when nothing changed (design §7).
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import { SUBJECT, World, READS, ready, fresh, created } from '../fakes/reconcile.js';

// Idle: no status write when nothing changed

describe('no status write when nothing changed', () => {
  it('apply → create → built → idle: at most 4 status writes to Ready (design §7), then 0 writes', async () => {
    const w = new World(fresh().withoutFinalizer());
    const statusWrites: number[] = [];
    for (let pass = 0; pass < 4; pass++) {
      await w.reconcile();
      statusWrites.push(w.writer.ops('writeStatus'));
      w.applyWrites();
    }
    // The create's intent rides on the finalizer write (decide/create-intent.ts): the create writes no status.
    expect(statusWrites, 'finalizer (0) / create (0) / Ready (1) / idle').toEqual([0, 0, 1, 0]);
    expect(ready(w.store.get(SUBJECT)?.status)).toMatchObject({ status: 'True', reason: 'IndexBuilt' });

    // Idle pass: reads only, no write of any kind, nothing announced.
    const requeue = await w.reconcile();
    expect(requeue).toEqual({ kind: 'None' });
    expect(w.journal).toEqual(READS);
    expect(w.events.emitted).toEqual([]);
    expect(w.metrics.marks).toEqual([]);
  });

  it('a Ready resource whose status is current writes nothing', async () => {
    const w = new World(created().ready());
    w.withIndex();
    await w.reconcile();
    w.applyWrites();
    await w.reconcile();
    expect(w.writes).toEqual([]);
    expect(w.events.emitted).toEqual([]);
  });

  it('an unchanged failure is not re-written (connection still not ready)', async () => {
    const w = new World(fresh());
    w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'not yet' };
    await w.reconcile();
    expect(w.writer.ops('writeStatus')).toBe(1);
    w.applyWrites();
    await w.reconcile();
    expect(w.writer.ops('writeStatus')).toBe(0);
  });
});
