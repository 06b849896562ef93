// MilvusIndexReconciler: one pass, as a table (journal, requeue, status, events, metrics).
// Fakes and World: test/unit/fakes/reconcile.ts.
import { describe, expect, it } from 'vitest';
import type { MilvusIndex } from '../../../src/api/milvusindex.js';
import type { RequeueDecision } from '../../../src/controller/types.js';
import type { MetricMark } from '../../../src/reconcile/plan.js';
import { aMilvusIndex, type MilvusIndexBuilder } from '../fakes.js';
import { type MilvusMethod, World, READS, READS_WITH_LOAD_STATE, ready, condStatus, milvusError, conflict, serverError } from '../fakes/reconcile.js';

// One pass, as a table

interface Given {
  resources: Array<MilvusIndex | MilvusIndexBuilder>;
  setup?: (w: World) => void;
}

interface Want {
  requeue: RequeueDecision;
  /** Every call in order (Milvus reads included). */
  journal: string[];
  /** Ready of the last status written: [status, reason]; null = no status written. */
  ready?: [string, string] | null;
  stalled?: 'True' | 'False';
  reconciling?: 'True' | 'False';
  /** ownership of the last status written; null = absent. */
  ownership?: 'Created' | 'Adopted' | null;
  /** "name Type Reason" of every event. */
  events?: string[];
  marks?: MetricMark[];
  /** Milvus methods that must never be called. */
  never?: MilvusMethod[];
}

interface Row {
  name: string;
  reason: string;
  given: Given;
  want: Want;
}

const fresh = () => aMilvusIndex();
const created = () => aMilvusIndex().ownership('Created');

const rows: Row[] = [
  // ---- create
  {
    name: 'index absent: status first, then createIndex',
    reason: 'the plan\'s intent (pendingOperation Create) is written before the Milvus call, so a crash in between is not an orphan; ownership waits for the index to be observed; one write only; observe the effect at once',
    given: { resources: [fresh()] },
    want: {
      requeue: { kind: 'After', ms: 0 },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex'],
      ready: ['False', 'Building'], reconciling: 'True', stalled: 'False', ownership: null,
      events: ['docs-embedding Normal IndexCreated'],
    },
  },
  {
    name: 'HNSW against a Zilliz Cloud serverless endpoint: Unsupported without a single Milvus call',
    reason: 'serverless builds AUTOINDEX only; observe reads nothing and decide answers from the uri',
    given: {
      resources: [fresh()],
      setup: (w) => {
        const uri = 'https://in03-0123456789abcdef.serverless.gcp-us-west1.cloud.zilliz.com';
        w.connections.resolution = { kind: 'Ready', key: 'default', endpoint: `${uri}:443`, displayUri: uri, database: 'default', target: { uri, database: 'default', timeoutMs: 1000 } };
      },
    },
    want: {
      requeue: { kind: 'None' },
      journal: ['kube.writeStatus'],
      ready: ['False', 'Unsupported'], stalled: 'True', reconciling: 'False',
      events: ['docs-embedding Warning Unsupported'],
      never: ['describeCollection', 'getLoadState', 'listIndexes', 'createIndex'],
    },
  },
  {
    name: 'createIndex fails Transient',
    reason: 'decideFailure: MilvusUnavailable, Reconciling, retry with backoff; the IndexCreated event of the failed plan is not emitted',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('Transient'); } },
    want: {
      requeue: { kind: 'Backoff', error: expect.any(String) },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'MilvusUnavailable'], reconciling: 'True', stalled: 'False',
      events: ['docs-embedding Warning MilvusUnavailable'],
    },
  },
  {
    name: 'createIndex fails InvalidSpec',
    reason: 'decideFailure: InvalidSpec stalls until the spec changes (no requeue) and drops the Created claim',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('InvalidSpec', 'createIndex', 'cannot create index: invalid index type: HNSWX'); } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'InvalidSpec'], stalled: 'True', reconciling: 'False', ownership: null,
      events: ['docs-embedding Warning InvalidSpec'],
    },
  },
  {
    name: 'createIndex fails Unsupported',
    reason: 'decideFailure: Unsupported stalls, no retry loop',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('Unsupported', 'createIndex', 'the server does not implement this call'); } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'Unsupported'], stalled: 'True',
      events: ['docs-embedding Warning Unsupported'],
    },
  },
  {
    name: 'createIndex fails DependencyMissing',
    reason: 'decideFailure: the collection vanished between observe and create: CollectionNotFound, capped backoff',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('DependencyMissing', 'createIndex', 'collection not found'); } },
    want: {
      requeue: { kind: 'CappedBackoff', error: expect.any(String) },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'CollectionNotFound'], reconciling: 'True', events: [],
    },
  },
  {
    name: 'status write conflict (409) before createIndex',
    reason: 'a 409 retries through the per-key rate limiter (counted as an error, backoff not reset): no Milvus write on a stale view, no second status write, no event',
    given: { resources: [fresh()], setup: (w) => { w.writer.failures.writeStatus = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], never: ['createIndex'] },
  },
  {
    name: 'status write fails (500) before createIndex',
    reason: 'a failed status write fails the reconcile (style rule 6): backoff, and the Milvus write never happens',
    given: { resources: [fresh()], setup: (w) => { w.writer.failures.writeStatus = () => serverError(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], never: ['createIndex'] },
  },
  {
    name: 'status write conflict (409) after the build finished',
    reason: 'the final write conflicts: a rate-limited retry, no second write, and nothing announced (events and metrics wait for a written status)',
    given: { resources: [created().notReady('Building', { reconciling: true })], setup: (w) => { w.withIndex(); w.writer.failures.writeStatus = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], marks: [] },
  },
  {
    name: 'build finished: Ready',
    reason: 'the first Ready: one status write at the end, IndexBuilt event, BecameReady metric',
    given: { resources: [created().notReady('Building', { reconciling: true })], setup: (w) => { w.withIndex(); } },
    want: {
      requeue: { kind: 'None' }, journal: [...READS, 'kube.writeStatus'],
      ready: ['True', 'IndexBuilt'], stalled: 'False', reconciling: 'False', ownership: 'Created',
      events: ['docs-embedding Normal IndexBuilt'], marks: ['BecameReady'],
    },
  },

  // ---- finalizer
  {
    name: 'no finalizer yet',
    reason: 'the finalizer (with the create intent, after reading Milvus) is stored before anything is created, and the patched object is observed at once (one step allowed here: a requeue now; the operator goes on in the same pass)',
    given: { resources: [fresh().withoutFinalizer()] },
    want: {
      requeue: { kind: 'After', ms: 0 },
      journal: [...READS, 'kube.addFinalizer'],
      ready: null, events: [],
    },
  },
  {
    name: 'no finalizer yet, the patch conflicts',
    reason: 'a 409 on the finalizer retries through the rate limiter: no Milvus write, no status write',
    given: { resources: [fresh().withoutFinalizer()], setup: (w) => { w.writer.failures.addFinalizer = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.addFinalizer'], ready: null, events: [] },
  },
  {
    name: 'no finalizer yet, connection not ready',
    reason: 'nothing is read from Milvus before the finalizer is stored; the next step reports the connection problem',
    given: { resources: [fresh().withoutFinalizer()], setup: (w) => { w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'not yet' }; } },
    want: { requeue: { kind: 'After', ms: 0 }, journal: ['kube.addFinalizer'], ready: null },
  },

  // ---- connection / Milvus not usable
  {
    name: 'connection not ready',
    reason: 'nothing is read from Milvus without a connection; ConnectionNotReady with the resolver\'s message, capped backoff',
    given: { resources: [fresh()], setup: (w) => { w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'MilvusConnection "prod" in namespace "search" does not exist.' }; } },
    want: { requeue: { kind: 'CappedBackoff' }, journal: ['kube.writeStatus'], ready: ['False', 'ConnectionNotReady'], events: ['docs-embedding Warning ConnectionNotReady'] },
  },
  {
    name: 'Milvus unreachable while observing',
    reason: 'MilvusUnavailable, backoff, no Milvus write',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.describeCollection = milvusError('Transient', 'describeCollection', 'cannot describe collection: 14 UNAVAILABLE'); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: ['milvus.describeCollection', 'kube.writeStatus'], ready: ['False', 'MilvusUnavailable'], events: ['docs-embedding Warning MilvusUnavailable'], never: ['createIndex'] },
  },
  {
    name: 'leadership not confirmed',
    reason: 'the fence is checked before every write, to Kubernetes as well as Milvus: nothing is written and the key backs off',
    given: { resources: [fresh()], setup: (w) => { w.mayWrite = () => false; } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS], ready: null, never: ['createIndex'] },
  },

  // ---- deletion: RemoveFinalizer plans never write status at the end
  {
    name: 'deleting, collection not loaded',
    reason: 'dropIndex then remove the finalizer; the object is going away: no status write',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS_WITH_LOAD_STATE, 'milvus.dropIndex', 'kube.removeFinalizer'], ready: null, events: ['docs-embedding Normal IndexDropped'] },
  },
  {
    name: 'deleting, collection loaded, release allowed',
    reason: 'the pendingOperation is written first (crash-safe), then release, drop, finalizer; no second status write',
    given: { resources: [created().spec({ allowCollectionRelease: true }).deleting()], setup: (w) => { w.withIndex(); w.milvus.state().loadState = 'Loaded'; } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS_WITH_LOAD_STATE, 'kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex', 'kube.removeFinalizer'],
      ready: ['False', 'Deleting'],
      events: ['docs-embedding Normal CollectionReleased', 'docs-embedding Normal IndexDropped'],
    },
  },
  {
    name: 'deleting, deletionPolicy Retain',
    reason: 'keep the Milvus index; remove the finalizer only',
    given: { resources: [created().spec({ deletionPolicy: 'Retain' }).deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS, 'kube.removeFinalizer'], ready: null, never: ['dropIndex'] },
  },
  {
    name: 'deleting with skip-drop',
    reason: 'the escape hatch: remove the finalizer, Warning Orphaned, orphan metric, no status write',
    given: { resources: [created().skipDrop().deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS, 'kube.removeFinalizer'], ready: null, events: ['docs-embedding Warning Orphaned'], marks: ['Orphaned'], never: ['dropIndex'] },
  },
  {
    name: 'deleting with skip-drop, removeFinalizer conflicts',
    reason: 'the orphan is counted once the finalizer is gone: a 409 retries the pass, which decides (and counts) again',
    given: { resources: [created().skipDrop().deleting()], setup: (w) => { w.withIndex(); w.writer.failures.removeFinalizer = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.removeFinalizer'], ready: null, marks: [], never: ['dropIndex'] },
  },
  {
    name: 'deleting, dropIndex fails Transient',
    reason: 'the finalizer stays; MilvusUnavailable, backoff',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); w.milvus.failures.dropIndex = milvusError('Transient', 'dropIndex', 'cannot drop index: 14 UNAVAILABLE'); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS_WITH_LOAD_STATE, 'milvus.dropIndex', 'kube.writeStatus'], ready: ['False', 'MilvusUnavailable'] },
  },
  {
    name: 'deleting, removeFinalizer conflicts',
    reason: 'a 409 retries through the rate limiter; no status write (the next pass sees the index gone and only removes the finalizer)',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); w.writer.failures.removeFinalizer = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS_WITH_LOAD_STATE, 'milvus.dropIndex', 'kube.removeFinalizer'], ready: null },
  },
];

describe('MilvusIndexReconciler: one pass', () => {
  it.each(rows)('$name', async ({ reason, given, want }) => {
    const w = new World(...given.resources);
    given.setup?.(w);
    const requeue = await w.reconcile();
    expect(requeue, `requeue: ${reason}`).toEqual(want.requeue);
    expect(w.journal, `calls: ${reason}`).toEqual(want.journal);
    expect(w.writer.refused, `no write with a stale resourceVersion: ${reason}`).toEqual([]);
    const last = w.writer.statuses.at(-1);
    if (want.ready === null) expect(w.writer.statuses, `no status write: ${reason}`).toEqual([]);
    else if (want.ready) expect([ready(last)?.status, ready(last)?.reason], `Ready: ${reason}`).toEqual(want.ready);
    if (want.stalled) expect(condStatus(last, 'Stalled'), `Stalled: ${reason}`).toBe(want.stalled);
    if (want.reconciling) expect(condStatus(last, 'Reconciling'), `Reconciling: ${reason}`).toBe(want.reconciling);
    if (want.ownership !== undefined) expect(last?.ownership ?? null, `ownership: ${reason}`).toBe(want.ownership);
    if (want.events) expect(w.events.summary, `events: ${reason}`).toEqual(want.events);
    if (want.marks) expect(w.metrics.marks.map((m) => m.mark), `metrics: ${reason}`).toEqual(want.marks);
    for (const m of want.never ?? []) expect(w.milvus.called(m), `never ${m}: ${reason}`).toEqual([]);
  });
});
