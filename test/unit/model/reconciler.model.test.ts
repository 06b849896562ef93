// Model-based test of MilvusIndexReconciler: random sequences of user edits (apply, edit the
// definition, pause, delete), reconciles (one key, two at once, or all), restarts, injected Milvus
// and Kubernetes faults, a connection going NotReady/Unknown and an informer cache lagging behind,
// against an API server and a Milvus in memory (model-world.ts). Invariants, after every step:
//   (a) the foreign index (papers.legacy, named by no resource) never disappears;
//   (b) never a createIndex for an index (or a field with an index) that exists;
//   (c) never two DDL calls in flight on one collection;
//   (d) no Milvus write on behalf of a paused resource that is not being deleted;
//   (a, strong form) every dropIndex is made for a resource whose status says it owns the index;
//   (f) no two live resources both claim ownership of one Milvus index;
// and at the end, faults off, a bounded settle leaves every deleting resource gone or saying why,
// after which one more round writes nothing at all; then the same once every resource is deleted.
// A coverage check at the end fails if the runs stopped reaching the paths these invariants guard.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MilvusIndex } from '../../../src/api/milvusindex.js';
import type { LoadState } from '../../../src/milvus/types.js';
import type { KubeFault } from './api-server.js';
import type { MilvusFault } from './model-milvus.js';
import { FOREIGN, ModelWorld, NAMES, type ConnectionState, type Definition, type InitialState, type Name } from './model-world.js';

type Step =
  | { kind: 'apply'; name: Name; def: Definition }
  | { kind: 'edit'; name: Name }
  | { kind: 'pause'; name: Name; paused: boolean }
  | { kind: 'delete'; name: Name }
  | { kind: 'reconcile'; name: Name }
  | { kind: 'reconcileTwo'; names: [Name, Name] }
  /** Every key at once, as a burst of informer events would. */
  | { kind: 'reconcileAll' }
  | { kind: 'restart' }
  | { kind: 'milvusFault'; fault: MilvusFault }
  | { kind: 'kubeFault'; fault: KubeFault }
  | { kind: 'connection'; state: ConnectionState }
  /** The informer stops delivering (the cache keeps the objects as they are now) or catches up. */
  | { kind: 'informer'; lag: boolean };

const name = fc.constantFrom(...NAMES);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('apply' as const), name, def: fc.constantFrom<Definition>('A', 'B') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('edit' as const), name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), name, paused: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), name }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), name }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reconcileTwo' as const), names: fc.tuple(name, name) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reconcileAll' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('milvusFault' as const), fault: fc.constantFrom<MilvusFault>('before', 'after') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kubeFault' as const), fault: fc.constantFrom<KubeFault>(409, 500, 504) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('informer' as const), lag: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('connection' as const), state: fc.constantFrom<ConnectionState>('Ready', 'NotReady', 'Unknown') }) },
);
const initial: fc.Arbitrary<InitialState> = fc.record({
  docsLoad: fc.constantFrom<LoadState>('NotLoad', 'Loaded'),
  seedEmbedding: fc.boolean(),
  seedTitle: fc.boolean(),
  applied: fc.subarray([...NAMES]).chain((names) => fc.tuple(...names.map((n) => fc.tuple(fc.constant(n), fc.constantFrom<Definition>('A', 'B'))))),
});

async function run(w: ModelWorld, s: Step): Promise<void> {
  w.tick();
  switch (s.kind) {
    case 'apply': w.apply(s.name, s.def); return;
    case 'edit': w.edit(s.name); return;
    case 'pause': w.setPaused(s.name, s.paused); return;
    case 'delete': w.delete(s.name); return;
    case 'reconcile': await w.reconcile(s.name); return;
    case 'reconcileTwo': await w.reconcile(...s.names); return;
    case 'reconcileAll': await w.reconcile(...NAMES); return;
    case 'restart': w.restart(); return;
    case 'milvusFault': w.milvus.fault = s.fault; return;
    case 'kubeFault': w.server.fault = s.fault; return;
    case 'connection': w.connection = s.state; return;
    case 'informer': if (s.lag) w.cache.lag(); else w.cache.catchUp(); return;
  }
}

function checkSafety(w: ModelWorld, after: string): void {
  expect(w.milvus.indexNames(FOREIGN.database, FOREIGN.collection), `(a) the foreign index is still there after ${after}`).toContain(FOREIGN.indexName);
  expect(w.milvus.violations, `(b)/(c) after ${after}`).toEqual([]);
  expect(w.writeViolations, `(a)/(d) after ${after}`).toEqual([]);
  expect(ownersSharingAnIndex(w), `(f) one owner per Milvus index after ${after}`).toEqual([]);
}

/** Live resources that both claim ownership of one Milvus index (collection and index name). */
function ownersSharingAnIndex(w: ModelWorld): string[][] {
  const owners = new Map<string, string[]>();
  for (const r of w.server.list()) {
    if (r.status?.ownership === undefined || r.metadata.deletionTimestamp !== undefined) continue;
    const index = `${r.spec.collectionName}/${r.spec.indexName ?? r.spec.fieldName}`;
    owners.set(index, [...(owners.get(index) ?? []), r.metadata.name]);
  }
  return [...owners.values()].filter((names) => names.length > 1);
}

/** Reconciles every key (all at once, as the workqueue's workers would) until a round writes nothing (at most `rounds`). */
async function settle(w: ModelWorld, rounds: number): Promise<number> {
  w.cache.catchUp();
  for (let round = 1; round <= rounds; round++) {
    w.tick();
    const before = w.writeCount;
    await w.reconcile(...NAMES);
    checkSafety(w, `settle round ${round}`);
    if (w.writeCount === before) return round;
  }
  return rounds + 1;
}

/** Why a resource that is being deleted still exists. */
const BLOCKED = ['DeletionBlocked', 'MilvusUnavailable', 'ConnectionNotReady'];
const readyOf = (r: MilvusIndex) => r.status?.conditions?.find((c) => c.type === 'Ready');

/** Settles (faults must be off), then checks the end state and that one more round writes nothing. */
async function settleAndCheck(w: ModelWorld): Promise<void> {
  const rounds = await settle(w, 30);
  expect(rounds, 'settled within 30 rounds').toBeLessThanOrEqual(30);
  for (const r of w.server.list().filter((o) => o.metadata.deletionTimestamp !== undefined)) {
    const ready = readyOf(r);
    expect({ name: r.metadata.name, ready: ready?.status, reason: ready?.reason }, 'a deleting resource that stays says why').toEqual({ name: r.metadata.name, ready: 'False', reason: expect.toBeOneOf(BLOCKED) });
  }
  const before = { kube: w.server.writes.length, milvus: w.milvus.ddl.length };
  w.tick();
  await w.reconcile(...NAMES);
  expect({ kube: w.server.writes.slice(before.kube), milvus: w.milvus.ddl.slice(before.milvus) }, 'a settled system writes nothing').toEqual({ kube: [], milvus: [] });
}

/** Whether the runs, together, took each path the invariants are about (else they prove little). */
function coverage(worlds: ModelWorld[], asOperator: boolean): Record<string, boolean> {
  const ddl = worlds.flatMap((w) => w.milvus.ddl);
  const kube = worlds.flatMap((w) => w.server.writes);
  return {
    createIndex: ddl.filter((c) => c.startsWith('createIndex')).length >= 50,
    dropIndex: ddl.filter((c) => c.startsWith('dropIndex')).length >= 50,
    releaseAndLoad: ddl.some((c) => c.startsWith('releaseCollection')) && ddl.some((c) => c.startsWith('loadCollection')),
    finalizerRemoved: kube.filter((c) => c.startsWith('removeFinalizer')).length >= 50,
    deletionBlockedByPause: worlds.some((w) => w.server.list().some((r) => readyOf(r)?.reason === 'DeletionBlocked')),
    deletionWaitsForConnection: worlds.some((w) => w.server.list().some((r) => readyOf(r)?.reason === 'ConnectionNotReady')),
    twoWritersOnOneCollectionAtOnce: worlds.reduce((n, w) => n + w.concurrentWriters, 0) >= 25,
    // Rare: a version replaced by our own write (the finalizer's too) is never acted on; a user's edit during a lag is.
    staleViewRefused: worlds.reduce((n, w) => n + w.server.refused, 0) >= 1,
    injectedFaultsHit: worlds.filter((w) => w.faultsHit > 0).length >= 20,
    // A first create's intent rides on the finalizer write; a restart may come before any status says so.
    createIntentRecordedWithFinalizer: worlds.reduce((n, w) => n + w.server.intentsRecorded, 0) >= 50,
    // (Several steps per pass go from the finalizer to the first status write in one pass: only a fault stops them.)
    restartBeforeTheIntentReachedStatus: worlds.reduce((n, w) => n + w.restartsWithIntentOnlyAnnotated, 0) >= (asOperator ? 0 : 1),
  };
}
const COVERED = { createIntentRecordedWithFinalizer: true, restartBeforeTheIntentReachedStatus: true, createIndex: true, dropIndex: true, releaseAndLoad: true, finalizerRemoved: true, deletionBlockedByPause: true, deletionWaitsForConnection: true, twoWritersOnOneCollectionAtOnce: true, staleViewRefused: true, injectedFaultsHit: true };

describe.each([
  ['one step per reconcile, every pass reads Milvus', false],
  ['as the operator runs: reads shared per collection, several steps per pass', true],
])('MilvusIndexReconciler: model-based, %s', (_, asOperator) => {
  const STATS: ModelWorld[] = [];
  it('random edits, reconciles, restarts and faults keep the safety invariants, and the system settles', async () => {
    await fc.assert(
      fc.asyncProperty(initial, fc.array(step, { minLength: 1, maxLength: 40 }), async (init, steps) => {
        const w = new ModelWorld(init, asOperator);
        for (const [i, s] of steps.entries()) {
          await run(w, s);
          checkSafety(w, `step ${i} ${JSON.stringify(s)}`);
        }
        w.milvus.fault = undefined;
        w.server.fault = undefined;
        // Unknown is a passing state (the connection reconciler resolves it and wakes the resources).
        if (w.connection === 'Unknown') w.connection = 'Ready';
        await settleAndCheck(w);
        // Then every resource is deleted: the same end state, now with every deletion path taken.
        for (const n of NAMES) w.delete(n);
        await settleAndCheck(w);
        STATS.push(w);
      }),
      { seed: 20261203, numRuns: 200 },
    );
    expect(coverage(STATS, asOperator), 'the runs took every path that matters').toEqual(COVERED);
  }, 60_000);
});
