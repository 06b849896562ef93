// decide() and decideFailure() as a decision table: one row per situation of design §2 (plus the
// decideFailure taxonomy), then a second pass over the same rows that checks the invariants every
// plan must keep. Rows carry name / reason / given / want (style rule 9); a failure prints the reason.
import { describe, expect, it } from 'vitest';
import { ANNOTATION_PAUSED } from '../../src/api/milvusindex.js';
import { validateAgainstField, validateSpec } from '../../src/api/validation.js';
import type { RequeueDecision } from '../../src/controller/types.js';
import { BUILD_POLL_MS, decide, decideFailure } from '../../src/reconcile/decide.js';
import type { Observation } from '../../src/reconcile/observation.js';
import type { Action, ActionFailure, MetricMark, Plan } from '../../src/reconcile/plan.js';
import {
  NOW, NOW_ISO, EARLIER,
  aFailure, aField, aMilvusIndex, docsFields, aPeer, aScalarIndex, anIndex, anObservation, createIndexAction,
  type MilvusIndexBuilder,
} from './builders.js';

// ---------------------------------------------------------------------------------------------
// Table shape

interface Given {
  observation: Observation;
  /** When set, the row is about decideFailure(observation, failure). */
  failure?: ActionFailure;
}

interface Want {
  /** Exact list; a string entry compares only the action's type. */
  actions: Array<Action | Action['type']>;
  /** 'none' = status left alone (plan.status undefined). */
  status?: 'none' | 'written';
  ready?: { status: string; reason: string; message?: unknown } | unknown;
  reconciling?: 'True' | 'False';
  stalled?: 'True' | 'False';
  /** status.ownership after the plan; null = absent. */
  ownership?: 'Created' | 'Adopted' | null;
  /** status.pendingOperation after the plan; null = absent. */
  pendingOperation?: unknown;
  writeStatusFirst?: boolean;
  /** "Type Reason" of each event, in order. */
  events?: string[];
  metrics?: MetricMark[];
  /** A kind, or the whole decision. */
  requeue?: RequeueDecision['kind'] | RequeueDecision | unknown;
}

interface Row {
  name: string;
  reason: string;
  given: Given;
  want: Want;
}

function run(given: Given): Plan {
  return given.failure ? decideFailure(given.observation, given.failure, NOW) : decide(given.observation, NOW);
}

/** An asymmetric matcher (expect.stringMatching, expect.objectContaining, ...). */
function isMatcher(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { asymmetricMatch?: unknown }).asymmetricMatch === 'function';
}

/** The plan, reduced to the keys the row cares about. */
function project(plan: Plan, want: Want): Record<string, unknown> {
  const got: Record<string, unknown> = {
    actions: plan.actions.map((a, i) => (typeof want.actions[i] === 'object' ? a : a.type)),
  };
  const cond = (type: string) => plan.status?.conditions?.find((c) => c.type === type);
  if ('status' in want) got.status = plan.status === undefined ? 'none' : 'written';
  if ('ready' in want) {
    const c = cond('Ready');
    const wantsMessage = isMatcher(want.ready) || (typeof want.ready === 'object' && want.ready !== null && 'message' in want.ready);
    got.ready = c ? { status: c.status, reason: c.reason, ...(wantsMessage ? { message: c.message } : {}) } : undefined;
  }
  if ('reconciling' in want) got.reconciling = cond('Reconciling')?.status;
  if ('stalled' in want) got.stalled = cond('Stalled')?.status;
  if ('ownership' in want) got.ownership = plan.status?.ownership ?? null;
  if ('pendingOperation' in want) got.pendingOperation = plan.status?.pendingOperation ?? null;
  if ('writeStatusFirst' in want) got.writeStatusFirst = plan.writeStatusFirst;
  if ('events' in want) got.events = plan.events.map((e) => `${e.type} ${e.reason}`);
  if ('metrics' in want) got.metrics = plan.metrics;
  if ('requeue' in want) got.requeue = typeof want.requeue === 'string' || isMatcher(want.requeue) ? plan.requeue.kind : plan.requeue;
  return got;
}

// ---------------------------------------------------------------------------------------------
// Givens

/** A live resource (finalizer, generation 2), never reconciled before. */
const fresh = (): MilvusIndexBuilder => aMilvusIndex();
/** A resource that created its index and saw it built: ownership Created, Ready=True. */
const owned = (): MilvusIndexBuilder => aMilvusIndex().ownership('Created').reporting(anIndex()).ready();
/** `owned()` after a spec change (generation 3; conditions still at 2). */
const ownedChanged = (): MilvusIndexBuilder => aMilvusIndex().generation(3).ownership('Created').reporting(anIndex()).ready({ generation: 2 });
/** The default spec on the scalar field `title` (INVERTED, no metric, no params). */
const scalarSpec = { fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: undefined };

const OLDER = '2026-11-01T00:00:00Z';
const YOUNGER = '2026-11-15T00:00:00Z';
const PENDING_RECREATE = { operation: 'Recreate', reloadCollection: true, startedAt: EARLIER } as const;
const DROP_EMBEDDING: Action = { type: 'DropIndex', fieldName: 'embedding', indexName: 'embedding' };
const backoff = expect.stringMatching(/Backoff$/);
const paused = expect.stringMatching(/^Paused:/);

// ---------------------------------------------------------------------------------------------
// The table

const finalizerRows: Row[] = [
  {
    name: 'no finalizer, not deleting: add it and nothing else',
    reason: 'the finalizer is added and the reconcile returns before anything is created (rule 3); no status is written for a metadata-only change',
    given: { observation: anObservation(fresh().withoutFinalizer()).notObserved().build() },
    want: { actions: ['AddFinalizer'], status: 'none', events: [], metrics: [], requeue: 'None' },
  },
  {
    name: 'no finalizer but another controller\'s: add ours',
    reason: 'only our own finalizer counts',
    given: { observation: anObservation(fresh().withForeignFinalizer()).notObserved().build() },
    want: { actions: ['AddFinalizer'], status: 'none', events: [] },
  },
  {
    name: 'no finalizer, spec invalid: still only the finalizer',
    reason: 'the finalizer step comes first; validation reports on the next reconcile',
    given: { observation: anObservation(fresh().withoutFinalizer().spec({ params: { M: 1 } })).notObserved().build() },
    want: { actions: ['AddFinalizer'], status: 'none', events: [] },
  },
  {
    name: 'no finalizer, paused: the finalizer is metadata, not a Milvus write',
    reason: 'paused forbids Milvus writes only; the finalizer must exist before anything can be created later',
    given: { observation: anObservation(fresh().withoutFinalizer().paused()).notObserved().build() },
    want: { actions: ['AddFinalizer'], status: 'none' },
  },
  {
    name: 'deleting without our finalizer: nothing to do',
    reason: 'we never added a finalizer, so we have nothing to clean up and must not touch the object',
    given: { observation: anObservation(fresh().withoutFinalizer().deleting()).notObserved().build() },
    want: { actions: [], status: 'none', events: [], requeue: 'None' },
  },
  {
    name: 'deleting with only a foreign finalizer: nothing to do',
    reason: 'another controller\'s finalizer is not ours to remove',
    given: { observation: anObservation(fresh().withForeignFinalizer().deleting()).build() },
    want: { actions: [], status: 'none', events: [] },
  },
];

const invalidSpecRows: Row[] = [
  {
    name: 'spec invalid (HNSW M out of range): InvalidSpec, Stalled',
    reason: 'a static check fails: nothing in Milvus, Ready=False/InvalidSpec, Stalled=True, the message says what and how to fix',
    given: { observation: anObservation(fresh().spec({ params: { M: 1, efConstruction: 200 } })).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.params.M') },
      stalled: 'True', reconciling: 'False', events: ['Warning InvalidSpec'], requeue: 'None',
    },
  },
  {
    name: 'spec invalid (unknown index type "hnsw"): the message hints the case',
    reason: 'index types are case-sensitive; the message must say which spelling is meant',
    given: { observation: anObservation(fresh().spec({ indexType: 'hnsw' })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('did you mean "HNSW"') }, stalled: 'True' },
  },
  {
    name: 'spec invalid (metric HAMMING on HNSW)',
    reason: 'the metric must go with the index type',
    given: { observation: anObservation(fresh().spec({ metricType: 'HAMMING' })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.metricType') }, stalled: 'True', reconciling: 'False' },
  },
  {
    name: 'spec invalid against the field type (INVERTED on a FloatVector field)',
    reason: 'the field type comes from describeCollection (a read); the index type does not fit it, so nothing is written',
    given: { observation: anObservation(fresh().spec({ indexType: 'INVERTED', metricType: undefined, params: undefined })).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('FloatVector') },
      stalled: 'True', reconciling: 'False', events: ['Warning InvalidSpec'],
    },
  },
  {
    name: 'spec invalid against the field type (BM25 on a plain sparse field)',
    reason: 'BM25 needs a BM25 function output field',
    given: { observation: anObservation(fresh().spec({ fieldName: 'sparse', indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25', params: undefined })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('BM25') }, stalled: 'True' },
  },
  {
    name: 'spec invalid against the field type, index already there: still no Milvus action',
    reason: 'an invalid spec never leads to a drop or create, whatever Milvus holds',
    given: { observation: anObservation(owned().spec({ fieldName: 'id', indexName: 'embedding', indexType: 'BITMAP', metricType: undefined, params: undefined })).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('primary key') }, stalled: 'True' },
  },
];

const dependencyRows: Row[] = [
  {
    name: 'default connection not ready: ConnectionNotReady, retry with backoff',
    reason: 'without a usable connection nothing is read or written; the connection may be fixed later',
    given: { observation: anObservation(fresh()).connectionNotReady('The default connection has no URI.').build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'ConnectionNotReady', message: expect.stringContaining('no URI') },
      stalled: 'False', requeue: backoff,
    },
  },
  {
    name: 'default connection not allowed for the namespace: ConnectionNotAllowed',
    reason: 'a resource that may not use the connection is Ready=False/ConnectionNotAllowed (design §1)',
    given: { observation: anObservation(fresh()).connectionNotAllowed().build() },
    want: { actions: [], ready: { status: 'False', reason: 'ConnectionNotAllowed', message: expect.stringContaining('--default-connection-namespaces') } },
  },
  {
    name: 'Milvus unreachable: MilvusUnavailable, Backoff',
    reason: 'a transient failure retries with per-key exponential backoff and says so',
    given: { observation: anObservation(fresh()).unavailable('14 UNAVAILABLE: connect ECONNREFUSED').build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'MilvusUnavailable', message: expect.stringContaining('ECONNREFUSED') },
      stalled: 'False', events: ['Warning MilvusUnavailable'], requeue: 'Backoff',
    },
  },
  {
    name: 'database does not exist: CollectionNotFound, capped backoff',
    reason: 'it may be created later; retry forever with a capped backoff',
    given: { observation: anObservation(fresh().spec({ database: 'analytics' })).databaseNotFound().build() },
    want: { actions: [], ready: { status: 'False', reason: 'CollectionNotFound', message: expect.stringContaining('analytics') }, stalled: 'False', requeue: 'CappedBackoff' },
  },
  {
    name: 'collection does not exist: CollectionNotFound, capped backoff',
    reason: 'it may be created later; retry forever with a capped backoff',
    given: { observation: anObservation(fresh()).collectionNotFound().build() },
    want: { actions: [], ready: { status: 'False', reason: 'CollectionNotFound', message: expect.stringContaining('"docs"') }, stalled: 'False', requeue: 'CappedBackoff' },
  },
  {
    name: 'field does not exist: FieldNotFound, capped backoff',
    reason: 'the collection may be recreated with the field; retry with capped backoff',
    given: { observation: anObservation(fresh()).withoutField('embedding').build() },
    want: { actions: [], ready: { status: 'False', reason: 'FieldNotFound', message: expect.stringContaining('"embedding"') }, stalled: 'False', requeue: 'CappedBackoff' },
  },
];

const conflictRows: Row[] = [
  {
    name: 'an older resource manages the same index: Conflict naming it',
    reason: 'the oldest resource wins; the younger one does nothing in Milvus',
    given: { observation: anObservation(fresh()).peer(aPeer('older').createdAt(OLDER)).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('search/older') }, ownership: null, events: ['Warning Conflict'] },
  },
  {
    name: 'a younger resource claims the same index: we still manage it',
    reason: 'we are the oldest claimant, so the index absent means create it',
    given: { observation: anObservation(fresh()).peer(aPeer('younger').createdAt(YOUNGER)).build() },
    want: { actions: ['CreateIndex'], ownership: 'Created' },
  },
  {
    name: 'same creation time, peer name sorts first: Conflict (tie-break by name)',
    reason: 'creationTimestamp has one-second resolution; ties are broken by namespace/name so both sides agree',
    given: { observation: anObservation(fresh()).peer(aPeer('a-first')).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('search/a-first') } },
  },
  {
    name: 'same creation time, our name sorts first: we win the tie',
    reason: 'the same tie-break seen from the other side',
    given: { observation: anObservation(fresh()).peer(aPeer('z-last')).build() },
    want: { actions: ['CreateIndex'] },
  },
  {
    name: 'the older owner is being deleted: ownership passes to us (adopt, no create, no drop)',
    reason: 'a deleting peer no longer claims the index; the next oldest takes it over as it is',
    given: { observation: anObservation(fresh()).peer(aPeer('older').createdAt(OLDER).deleting()).index(anIndex()).build() },
    want: { actions: [], ownership: 'Adopted', ready: { status: 'True', reason: 'IndexBuilt' }, events: ['Normal IndexAdopted', 'Normal IndexBuilt'] },
  },
];

const createAndAdoptRows: Row[] = [
  {
    name: 'index absent: CreateIndex, ownership Created recorded first',
    reason: 'ownership Created is written before the create so a crash cannot orphan the index; Ready=False/Building, Reconciling=True',
    given: { observation: anObservation(fresh()).build() },
    want: {
      actions: [createIndexAction()], writeStatusFirst: true, ownership: 'Created',
      ready: { status: 'False', reason: 'Building' }, reconciling: 'True', stalled: 'False',
      events: ['Normal IndexCreated'], metrics: [],
    },
  },
  {
    name: 'index absent, spec names database and index: the request uses them',
    reason: 'the resolved database and spec.indexName go into createIndex',
    given: { observation: anObservation(fresh().spec({ database: 'analytics', indexName: 'emb_hnsw' })).build() },
    want: { actions: [createIndexAction({ database: 'analytics', indexName: 'emb_hnsw' })], writeStatusFirst: true },
  },
  {
    name: 'index absent, database from the connection: the request uses it',
    reason: 'database resolution: spec, else the connection\'s, else "default"',
    given: { observation: anObservation(fresh()).connectionDatabase('tenant_a').build() },
    want: { actions: [createIndexAction({ database: 'tenant_a' })] },
  },
  {
    name: 'index present with the same definition, not ours: adopt it',
    reason: 'adoptionPolicy IfMatching (the default) takes it over: ownership Adopted and an IndexAdopted event; built, so Ready',
    given: { observation: anObservation(fresh()).index(anIndex()).build() },
    want: {
      actions: [], ownership: 'Adopted', ready: { status: 'True', reason: 'IndexBuilt' },
      events: ['Normal IndexAdopted', 'Normal IndexBuilt'], metrics: ['BecameReady'],
    },
  },
  {
    name: 'adopt a matching index that is still building',
    reason: 'adoption does not wait for the build; progress shows as Building',
    given: { observation: anObservation(fresh()).index(anIndex().building(200, 1000)).build() },
    want: { actions: [], ownership: 'Adopted', ready: { status: 'False', reason: 'Building' }, reconciling: 'True', events: ['Normal IndexAdopted'], requeue: 'After' },
  },
  {
    name: 'index present and matching, adoptionPolicy Never: Conflict',
    reason: 'Never means an existing index is someone else\'s',
    given: { observation: anObservation(fresh().spec({ adoptionPolicy: 'Never' })).index(anIndex()).build() },
    want: { actions: [], ownership: null, ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('adoptionPolicy') }, stalled: 'True', events: ['Warning Conflict'] },
  },
  {
    name: 'index present with another definition, not ours: Conflict and never a drop',
    reason: 'the operator never drops an index it neither created nor adopted, even with Recreate and release allowed',
    given: {
      observation: anObservation(fresh().spec({ updatePolicy: 'Recreate', allowCollectionRelease: true }))
        .loaded().index(anIndex().params({ M: 32, efConstruction: 200 })).build(),
    },
    want: { actions: [], ownership: null, ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('params.M') }, stalled: 'True', events: ['Warning Conflict'] },
  },
  {
    name: 'an index with our name exists on another field: Conflict, never adopted',
    reason: 'index names are unique per collection; an index on another field is not the index of this field (adopting it would report Ready for an unindexed field and later drop the other field\'s index)',
    given: {
      observation: anObservation(fresh().spec({ indexName: 'vec_idx' })).fields(...docsFields(), aField('embedding2'))
        .index(anIndex().named('vec_idx').onField('embedding2')).build(),
    },
    want: { actions: [], ownership: null, ready: expect.objectContaining({ status: 'False', reason: 'Conflict' }) },
  },
  {
    name: 'the field already has an index under another name: Conflict',
    reason: 'Milvus allows one index per field; the message says how to adopt it',
    given: { observation: anObservation(fresh().spec({ indexName: 'emb_hnsw' })).otherIndexOnField(anIndex().named('embedding')).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('"embedding"') } },
  },
];

const buildRows: Row[] = [
  {
    name: 'index building: Building with progress, Reconciling, poll',
    reason: 'work under way without a person: Reconciling=True, Stalled=False, requeue after the poll interval',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().building(500, 1000)).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('500/1000') },
      reconciling: 'True', stalled: 'False', requeue: { kind: 'After', ms: BUILD_POLL_MS }, events: [],
    },
  },
  {
    name: 'first Ready needs state Finished and 0 pending rows (pending rows left)',
    reason: 'Finished with pending rows right after create is the issue #26786 race: not Ready yet',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().finished(800, 200)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building' }, reconciling: 'True', metrics: [] },
  },
  {
    name: 'first Ready: Finished and 0 pending rows',
    reason: 'Ready=True/IndexBuilt, an IndexBuilt event and the BecameReady mark, once',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, reconciling: 'False', stalled: 'False',
      events: ['Normal IndexBuilt'], metrics: ['BecameReady'], requeue: 'None',
    },
  },
  {
    name: 'already Ready, new rows pending: stays Ready',
    reason: 'new rows show in status.index, not as a flapping Ready; no event, no mark',
    given: { observation: anObservation(owned()).index(anIndex().finished(1000, 500)).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, events: [], metrics: [] },
  },
  {
    name: 'build Failed: BuildFailed with the server reason, Stalled, no create storm',
    reason: 'a failed build needs a person; nothing is retried',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().failed('segment 7: out of memory')).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'BuildFailed', message: expect.stringContaining('segment 7: out of memory') },
      stalled: 'True', reconciling: 'False', events: ['Warning BuildFailed'], requeue: 'None',
    },
  },
];

const changeRows: Row[] = [
  {
    name: 'params differ, updatePolicy Reject: ImmutableChange with the diff',
    reason: 'Reject (the default) reports the change instead of dropping anything; the message shows the diff',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 } })).index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'ImmutableChange', message: expect.stringContaining('params.M: Milvus has 16, spec wants 32') },
      stalled: 'True', reconciling: 'False', ownership: 'Created', events: ['Warning ImmutableChange'],
    },
  },
  {
    name: 'metric differs, updatePolicy Reject: ImmutableChange naming the metric',
    reason: 'metricType is part of the immutable definition',
    given: { observation: anObservation(ownedChanged().spec({ metricType: 'L2' })).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'ImmutableChange', message: expect.stringContaining('metricType: Milvus has COSINE, spec wants L2') } },
  },
  {
    name: 'params differ, Recreate, collection loaded, release not allowed: CollectionLoaded',
    reason: 'a loaded collection is never released without opt-in; the message says how to allow it',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' })).loaded().index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'CollectionLoaded', message: expect.stringContaining('allowCollectionRelease') },
      stalled: 'True', pendingOperation: null,
    },
  },
  {
    name: 'params differ, Recreate, loaded, release allowed: release then drop, pendingOperation first',
    reason: 'the multi-step change is recorded before the first step so a crash resumes it (reloadCollection: it was loaded)',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true })).loaded().index(anIndex()).build() },
    want: {
      actions: ['ReleaseCollection', DROP_EMBEDDING], writeStatusFirst: true,
      pendingOperation: { operation: 'Recreate', reloadCollection: true, startedAt: NOW_ISO },
      ready: { status: 'False', reason: 'Building' }, reconciling: 'True', stalled: 'False',
      events: ['Normal CollectionReleased', 'Normal IndexDropped'],
    },
  },
  {
    name: 'params differ, Recreate, collection not loaded: drop only',
    reason: 'nothing to release, nothing to reload afterwards',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' })).index(anIndex()).build() },
    want: { actions: [DROP_EMBEDDING], writeStatusFirst: true, pendingOperation: { operation: 'Recreate', reloadCollection: false, startedAt: NOW_ISO } },
  },
  {
    name: 'interrupted Recreate, released but not dropped: drop, keep the recorded reload',
    reason: 'resume from the recorded step; the collection is released now, but it was loaded before',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true }).pendingOperation(PENDING_RECREATE))
        .index(anIndex()).build(),
    },
    want: { actions: [DROP_EMBEDDING], pendingOperation: PENDING_RECREATE },
  },
  {
    name: 'interrupted Recreate, index dropped: CreateIndex, pendingOperation kept',
    reason: 'resume: create the index again; this is not drift (no DriftRepaired), and the reload stays recorded',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true }).pendingOperation(PENDING_RECREATE)).build(),
    },
    want: {
      actions: [createIndexAction({ params: { M: 32, efConstruction: 200 } })], writeStatusFirst: true, ownership: 'Created',
      pendingOperation: PENDING_RECREATE, ready: { status: 'False', reason: 'Building' }, reconciling: 'True',
      events: ['Normal IndexCreated'], metrics: [],
    },
  },
  {
    name: 'interrupted Recreate, even with updatePolicy now Reject: finish it',
    reason: 'a recorded Recreate is resumed; reverting to Reject must not leave the collection released',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 } }).pendingOperation(PENDING_RECREATE)).index(anIndex()).build(),
    },
    want: { actions: [DROP_EMBEDDING], pendingOperation: PENDING_RECREATE },
  },
  {
    name: 'Recreate: new index building, pendingOperation kept',
    reason: 'the reload waits for the build',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' }).pendingOperation(PENDING_RECREATE).notReady('Building'))
        .index(anIndex().params({ M: 32, efConstruction: 200 }).building(10, 1000)).build(),
    },
    want: { actions: [], pendingOperation: PENDING_RECREATE, ready: { status: 'False', reason: 'Building' }, requeue: 'After' },
  },
  {
    name: 'Recreate: new index built, collection was loaded: LoadCollection, pendingOperation cleared',
    reason: 'the last step of the recorded change reloads the collection',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' }).pendingOperation(PENDING_RECREATE).notReady('Building'))
        .index(anIndex().params({ M: 32, efConstruction: 200 })).build(),
    },
    want: {
      actions: ['LoadCollection'], pendingOperation: null, ready: { status: 'True', reason: 'IndexBuilt' },
      events: ['Normal CollectionLoaded', 'Normal IndexBuilt'], metrics: ['BecameReady'],
    },
  },
  {
    name: 'Recreate: new index built, collection was not loaded: done, pendingOperation cleared',
    reason: 'nothing to reload',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' }).pendingOperation({ operation: 'Recreate', reloadCollection: false }).notReady('Building'))
        .index(anIndex().params({ M: 32, efConstruction: 200 })).build(),
    },
    want: { actions: [], pendingOperation: null, ready: { status: 'True', reason: 'IndexBuilt' } },
  },
  {
    name: 'properties differ: AlterProperties, pendingOperation first',
    reason: 'properties are mutable: alterIndexProperties with exactly the differing keys',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } })).index(anIndex()).build() },
    want: {
      actions: [{ type: 'AlterProperties', indexName: 'embedding', properties: { 'mmap.enabled': 'true' } }], writeStatusFirst: true,
      pendingOperation: { operation: 'AlterProperties', reloadCollection: false, startedAt: NOW_ISO }, reconciling: 'True',
    },
  },
  {
    name: 'properties equal in canonical form ("True" in the spec, Milvus reports true): nothing to alter',
    reason: 'values are compared in one canonical string form; the adapter reports "true" for "True", so there is no difference (otherwise AlterProperties repeats every 200 ms)',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'True' } })).index(anIndex().properties({ 'mmap.enabled': 'true' })).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, pendingOperation: null },
  },
  {
    name: 'properties differ, loaded, release not allowed: CollectionLoaded',
    reason: 'the release/reload rules of a recreate apply to properties too',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } })).loaded().index(anIndex()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'CollectionLoaded', message: expect.stringContaining('allowCollectionRelease') }, stalled: 'True' },
  },
  {
    name: 'properties differ, loaded, release allowed: release then alter',
    reason: 'reloadCollection is recorded so the collection is loaded again afterwards',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' }, allowCollectionRelease: true })).loaded().index(anIndex()).build() },
    want: {
      actions: ['ReleaseCollection', 'AlterProperties'], writeStatusFirst: true,
      pendingOperation: { operation: 'AlterProperties', reloadCollection: true, startedAt: NOW_ISO },
    },
  },
  {
    name: 'properties differ, Unsupported already reported for this generation: not retried',
    reason: 'a server without AlterIndex (Milvus Lite, 2.3): Stalled, no retry loop',
    given: {
      observation: anObservation(aMilvusIndex().generation(3).spec({ properties: { 'mmap.enabled': 'true' } }).ownership('Created').reporting(anIndex())
        .notReady('Unsupported', { stalled: true, generation: 3, message: 'The Milvus server cannot alter properties of index "embedding" of docs: UNIMPLEMENTED.' }))
        .index(anIndex()).build(),
    },
    want: { actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('UNIMPLEMENTED') }, stalled: 'True', reconciling: 'False' },
  },
  {
    name: 'properties differ, Unsupported reported for an older generation: try again',
    reason: 'a new generation is a new request',
    given: {
      observation: anObservation(aMilvusIndex().generation(4).spec({ properties: { 'mmap.enabled': 'true' } }).ownership('Created').reporting(anIndex())
        .notReady('Unsupported', { stalled: true, generation: 3 }))
        .index(anIndex()).build(),
    },
    want: { actions: ['AlterProperties'] },
  },
  {
    name: 'server ignored index_name: Unsupported, Stalled',
    reason: 'after our create, describe shows the same definition under the field\'s name: the server ignores index_name',
    given: {
      observation: anObservation(aMilvusIndex().spec({ indexName: 'emb_hnsw' }).ownership('Created').notReady('Building'))
        .otherIndexOnField(anIndex().named('embedding')).build(),
    },
    want: {
      actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('ignores index_name') },
      stalled: 'True', reconciling: 'False', events: ['Warning Unsupported'],
    },
  },
  {
    name: 'server ignored index_name, next resync: still Unsupported',
    reason: 'level-triggered: the same observation must give the same answer (not flip to Conflict once status.index is filled)',
    given: {
      observation: anObservation(aMilvusIndex().spec({ indexName: 'emb_hnsw' }).ownership('Created').reporting(anIndex().named('embedding'))
        .notReady('Unsupported', { stalled: true, message: 'Milvus stored the index as "embedding" instead of "emb_hnsw": this server ignores index_name.' }))
        .otherIndexOnField(anIndex().named('embedding')).build(),
    },
    want: { actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('ignores index_name') }, stalled: 'True', ownership: 'Created' },
  },
  {
    name: 'owned index gone out of band (drift): CreateIndex, DriftRepaired',
    reason: 'a resync finds our index missing: create it again, emit DriftRepaired and count it',
    given: { observation: anObservation(owned()).build() },
    want: {
      actions: [createIndexAction()], writeStatusFirst: true, ownership: 'Created',
      ready: { status: 'False', reason: 'Building' }, events: ['Normal DriftRepaired'], metrics: ['DriftRepaired'],
    },
  },
  {
    name: 'adopted index gone out of band: CreateIndex, DriftRepaired',
    reason: 'an adopted index is ours too',
    given: { observation: anObservation(owned().ownership('Adopted')).build() },
    want: { actions: ['CreateIndex'], events: ['Normal DriftRepaired'], metrics: ['DriftRepaired'] },
  },
];

const pausedRows: Row[] = [
  {
    name: 'paused, owned index gone: no Milvus action, Ready kept, "Paused:" message',
    reason: 'observe only: Ready keeps its status and reason, its message starts with "Paused:"',
    given: { observation: anObservation(owned().paused()).build() },
    want: {
      actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: paused }, stalled: 'False',
      events: [], metrics: [],
    },
  },
  {
    name: 'paused, a Recreate would be due: nothing',
    reason: 'no release, no drop while paused',
    given: { observation: anObservation(ownedChanged().paused().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true })).loaded().index(anIndex()).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: paused }, pendingOperation: null },
  },
  {
    name: 'paused, properties differ: nothing',
    reason: 'no alterIndexProperties while paused',
    given: { observation: anObservation(owned().paused().spec({ properties: { 'mmap.enabled': 'true' } })).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: paused } },
  },
  {
    name: 'paused, never reconciled, index absent: no create',
    reason: 'a paused resource does not create anything; it says it is paused',
    given: { observation: anObservation(fresh().paused()).build() },
    want: { actions: [], status: 'written', ready: expect.objectContaining({ message: paused }), ownership: null },
  },
  {
    name: 'paused while building: Ready=False/Building kept',
    reason: 'the reason is kept; only the message changes',
    given: { observation: anObservation(aMilvusIndex().paused().ownership('Created').notReady('Building', { message: 'Index "embedding" is building.' })).index(anIndex().building(1, 10)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: paused } },
  },
  {
    name: 'paused, spec invalid: nothing in Milvus',
    reason: 'paused and invalid both forbid Milvus writes',
    given: { observation: anObservation(owned().paused().spec({ params: { M: 1 } })).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: paused } },
  },
  {
    name: 'paused, Milvus unreachable: Ready kept',
    reason: 'paused reports; an outage while paused does not flip Ready',
    given: { observation: anObservation(owned().paused()).unavailable().build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: paused } },
  },
];

const deletionRows: Row[] = [
  {
    name: 'deleting, deletionPolicy Retain: remove the finalizer, keep the index',
    reason: 'Retain keeps the Milvus index',
    given: { observation: anObservation(owned().deleting().spec({ deletionPolicy: 'Retain' })).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none', events: [], metrics: [] },
  },
  {
    name: 'deleting, skip-drop on an owned index: remove the finalizer, Orphaned warning and mark',
    reason: 'the documented escape hatch for a stuck finalizer; the orphan is announced and counted',
    given: { observation: anObservation(owned().deleting().skipDrop()).unavailable().build() },
    want: { actions: ['RemoveFinalizer'], status: 'none', events: ['Warning Orphaned'], metrics: ['Orphaned'] },
  },
  {
    name: 'deleting, skip-drop, nothing owned: remove the finalizer quietly',
    reason: 'nothing is orphaned when we never owned an index',
    given: { observation: anObservation(fresh().deleting().skipDrop()).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], events: [], metrics: [] },
  },
  {
    name: 'deleting while paused: keep the finalizer, DeletionBlocked',
    reason: 'paused changes nothing in Milvus, so the drop cannot happen; the message says how to proceed',
    given: { observation: anObservation(owned().deleting().paused()).index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'DeletionBlocked', message: expect.stringMatching(/^Paused:.*skip-drop/) },
      events: ['Warning DeletionBlocked'],
    },
  },
  {
    name: 'deleting, index not owned: remove the finalizer without a drop',
    reason: 'never drop an index this resource neither created nor adopted',
    given: { observation: anObservation(fresh().deleting()).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting, a live peer claims the index: hand over, no drop',
    reason: 'when the owner is deleted ownership passes to the next oldest and the index is NOT dropped',
    given: { observation: anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER)).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting, the only peer is deleting too: drop',
    reason: 'a deleting peer is no heir',
    given: { observation: anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER).deleting()).index(anIndex()).build() },
    want: { actions: [DROP_EMBEDDING, 'RemoveFinalizer'] },
  },
  {
    name: 'deleting, the index with our name is on another field: no drop',
    reason: 'our index (on "embedding") is gone; the one Milvus holds under our name indexes another field and is not ours to drop',
    given: { observation: anObservation(owned().deleting()).fields(...docsFields(), aField('embedding2')).index(anIndex().onField('embedding2')).build() },
    want: { actions: ['RemoveFinalizer'] },
  },
  {
    name: 'deleting, Milvus unreachable: keep the finalizer, MilvusUnavailable, Backoff',
    reason: 'the index still exists as far as we know; retry with backoff and say how to escape',
    given: { observation: anObservation(owned().deleting()).unavailable().build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'MilvusUnavailable', message: expect.stringContaining('skip-drop') },
      events: ['Warning MilvusUnavailable'], requeue: 'Backoff',
    },
  },
  {
    name: 'deleting, connection not ready: keep the finalizer',
    reason: 'without a connection the drop cannot be confirmed',
    given: { observation: anObservation(owned().deleting()).connectionNotReady().build() },
    want: { actions: [], ready: expect.objectContaining({ status: 'False' }), requeue: backoff },
  },
  {
    name: 'deleting, collection gone: remove the finalizer',
    reason: 'the index went with its collection',
    given: { observation: anObservation(owned().deleting()).collectionNotFound().build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting, database gone: remove the finalizer',
    reason: 'the index went with its database',
    given: { observation: anObservation(owned().deleting()).databaseNotFound().build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting, index already gone: remove the finalizer',
    reason: 'nothing to drop',
    given: { observation: anObservation(owned().deleting()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting, collection loaded, release not allowed: keep the finalizer, DeletionBlocked',
    reason: 'a loaded collection is never released without opt-in; the message says how to proceed',
    given: { observation: anObservation(owned().deleting()).loaded().index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'DeletionBlocked', message: expect.stringContaining('allowCollectionRelease') },
      stalled: 'True', events: ['Warning DeletionBlocked'],
    },
  },
  {
    name: 'deleting, otherwise: DropIndex then RemoveFinalizer',
    reason: 'drop the owned index that describe just confirmed, then let the object go',
    given: { observation: anObservation(owned().deleting()).index(anIndex()).build() },
    want: { actions: [DROP_EMBEDDING, 'RemoveFinalizer'], events: ['Normal IndexDropped'] },
  },
  {
    name: 'deleting, loaded, release allowed, vector field: release, drop, remove the finalizer',
    reason: 'the pendingOperation is written first; a collection without its vector index cannot be loaded again',
    given: { observation: anObservation(owned().deleting().spec({ allowCollectionRelease: true })).loaded().index(anIndex()).build() },
    want: {
      actions: ['ReleaseCollection', DROP_EMBEDDING, 'RemoveFinalizer'], writeStatusFirst: true,
      pendingOperation: { operation: 'Delete', reloadCollection: false, startedAt: NOW_ISO },
      events: ['Normal CollectionReleased', 'Normal IndexDropped'],
    },
  },
  {
    name: 'deleting, loaded, release allowed, scalar field: release, drop, load, remove the finalizer',
    reason: 'dropping a scalar index leaves a loadable collection, so it is loaded again',
    given: { observation: anObservation(owned().deleting().spec({ ...scalarSpec, allowCollectionRelease: true })).loaded().index(aScalarIndex()).build() },
    want: {
      actions: ['ReleaseCollection', { type: 'DropIndex', fieldName: 'title', indexName: 'title' }, 'LoadCollection', 'RemoveFinalizer'],
      writeStatusFirst: true, pendingOperation: { operation: 'Delete', reloadCollection: true, startedAt: NOW_ISO },
    },
  },
  {
    name: 'interrupted deletion, index dropped, collection released: load, remove the finalizer',
    reason: 'resume the recorded Delete from its last step',
    given: { observation: anObservation(owned().deleting().spec({ ...scalarSpec, allowCollectionRelease: true }).pendingOperation({ operation: 'Delete', reloadCollection: true })).build() },
    want: { actions: ['LoadCollection', 'RemoveFinalizer'] },
  },
  {
    name: 'interrupted deletion, released but not dropped: drop, load, remove the finalizer',
    reason: 'resume the recorded Delete from the drop',
    given: { observation: anObservation(owned().deleting().spec({ ...scalarSpec, allowCollectionRelease: true }).pendingOperation({ operation: 'Delete', reloadCollection: true })).index(aScalarIndex()).build() },
    want: { actions: [{ type: 'DropIndex', fieldName: 'title', indexName: 'title' }, 'LoadCollection', 'RemoveFinalizer'] },
  },
];

const failureRows: Row[] = [
  {
    name: 'failure: Kubernetes write conflict (409): quiet immediate requeue',
    reason: 'a 409 is retried at once, with no status write and no event',
    given: { observation: anObservation(fresh()).build(), failure: aFailure({ type: 'AddFinalizer' }, 'Conflict', 'the object has been modified') },
    want: { actions: [], status: 'none', events: [], requeue: 'After' },
  },
  {
    name: 'failure: Unsupported: Stalled, no retry',
    reason: 'the server lacks the capability; Stalled=True and nothing is retried until the spec or the server changes',
    given: {
      observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } }).pendingOperation({ operation: 'AlterProperties' })).index(anIndex()).build(),
      failure: aFailure({ type: 'AlterProperties', indexName: 'embedding', properties: { 'mmap.enabled': 'true' } }, 'Unsupported', 'UNIMPLEMENTED'),
    },
    want: {
      actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('UNIMPLEMENTED') },
      stalled: 'True', reconciling: 'False', events: ['Warning Unsupported'], requeue: 'None',
    },
  },
  {
    name: 'failure: InvalidSpec from createIndex: Stalled, ownership cleared',
    reason: 'Milvus refused the definition; nothing was created, so nothing is owned',
    given: {
      observation: anObservation(fresh().ownership('Created').notReady('Building')).build(),
      failure: aFailure(createIndexAction(), 'InvalidSpec', 'invalid parameter[expected=valid index params]'),
    },
    want: {
      actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('invalid parameter') },
      stalled: 'True', ownership: null, events: ['Warning InvalidSpec'], requeue: 'None',
    },
  },
  {
    name: 'failure: DependencyMissing: CollectionNotFound, capped backoff',
    reason: 'the collection vanished between observe and act; it may come back',
    given: { observation: anObservation(fresh().ownership('Created')).build(), failure: aFailure(createIndexAction(), 'DependencyMissing', 'collection not found') },
    want: { actions: [], ready: { status: 'False', reason: 'CollectionNotFound' }, stalled: 'False', requeue: 'CappedBackoff' },
  },
  {
    name: 'failure: Transient: MilvusUnavailable, Backoff',
    reason: 'network or overload: retry with per-key backoff, with a Warning event',
    given: { observation: anObservation(owned().deleting()).index(anIndex()).build(), failure: aFailure(DROP_EMBEDDING, 'Transient', 'DEADLINE_EXCEEDED') },
    want: {
      actions: [], ready: { status: 'False', reason: 'MilvusUnavailable', message: expect.stringContaining('DEADLINE_EXCEEDED') },
      stalled: 'False', reconciling: 'True', events: ['Warning MilvusUnavailable'], requeue: 'Backoff',
    },
  },
  {
    name: 'failure: Transient in the middle of a Recreate keeps the pendingOperation',
    reason: 'the next reconcile must resume the recorded change (and reload the collection)',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true }).pendingOperation(PENDING_RECREATE))
        .loaded().index(anIndex()).build(),
      failure: aFailure(DROP_EMBEDDING, 'Transient', 'UNAVAILABLE'),
    },
    want: { actions: [], pendingOperation: PENDING_RECREATE, requeue: 'Backoff' },
  },
];

const rows: Row[] = [
  ...finalizerRows, ...invalidSpecRows, ...dependencyRows, ...conflictRows, ...createAndAdoptRows,
  ...buildRows, ...changeRows, ...pausedRows, ...deletionRows, ...failureRows,
];

/** [name, row] pairs: `%s` prints the whole name (a `$name` title is truncated at 40 characters). */
const named = (table: Row[]): Array<[string, Row]> => table.map((row) => [row.name, row]);

// ---------------------------------------------------------------------------------------------

describe('decide: the behaviour table of design §2', () => {
  it.each(named(rows))('%s', (name, { reason, given, want }) => {
    const plan = run(given);
    expect(project(plan, want), `${name}\n  why: ${reason}`).toEqual(want);
  });
});

// ---------------------------------------------------------------------------------------------
// Invariants over every row

const MILVUS_ACTIONS: ReadonlySet<Action['type']> = new Set(['CreateIndex', 'DropIndex', 'AlterProperties', 'ReleaseCollection', 'LoadCollection']);

function isPaused(obs: Observation): boolean {
  return obs.resource.metadata.annotations?.[ANNOTATION_PAUSED] === 'true';
}

function isSpecInvalid(obs: Observation): boolean {
  if (validateSpec(obs.resource.spec).length > 0) return true;
  if (obs.milvus.kind !== 'Observed') return false;
  const field = obs.milvus.fields.find((f) => f.name === obs.resource.spec.fieldName);
  return field !== undefined && validateAgainstField(obs.resource.spec, field).length > 0;
}

describe('decide: invariants over every row', () => {
  it.each(named(rows))('a DropIndex only names an index the observation confirmed: %s', (_name, { given }) => {
    const m = given.observation.milvus;
    const observed = m.kind === 'Observed' ? [...(m.index ? [m.index] : []), ...m.otherIndexesOnField] : [];
    for (const a of run(given).actions) {
      if (a.type !== 'DropIndex') continue;
      expect(observed.some((i) => i.indexName === a.indexName && i.fieldName === a.fieldName), `DropIndex ${a.fieldName}/${a.indexName} was not in the observation`).toBe(true);
    }
  });

  it.each(named(rows))('no Milvus action when paused or the spec is invalid: %s', (_name, { given }) => {
    const milvusActions = run(given).actions.filter((a) => MILVUS_ACTIONS.has(a.type));
    if (isPaused(given.observation)) expect(milvusActions, 'paused: observe and report only').toEqual([]);
    if (isSpecInvalid(given.observation) && given.observation.resource.metadata.deletionTimestamp === undefined) {
      expect(milvusActions, 'invalid spec: nothing in Milvus').toEqual([]);
    }
  });

  it.each(named(rows))('every condition carries observedGeneration == metadata.generation: %s', (_name, { given }) => {
    const plan = run(given);
    if (plan.status === undefined) return;
    const generation = given.observation.resource.metadata.generation;
    expect(plan.status.observedGeneration).toBe(generation);
    expect(plan.status.conditions?.length ?? 0).toBeGreaterThan(0);
    for (const c of plan.status.conditions ?? []) expect(c.observedGeneration, `condition ${c.type}`).toBe(generation);
  });

  it.each(named(rows))('Stalled and Reconciling are never both True: %s', (_name, { given }) => {
    const conditions = run(given).status?.conditions ?? [];
    const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
    expect(isTrue('Stalled') && isTrue('Reconciling')).toBe(false);
  });

  it.each(named(rows))('deterministic and pure (same input, deep-equal plan; input untouched): %s', (_name, { given }) => {
    const before = structuredClone(given);
    const first = run(given);
    const second = run(structuredClone(given));
    expect(second).toEqual(first);
    expect(given, 'decide must not mutate its input').toEqual(before);
  });

  it.each(named(rows.filter((r) => r.given.failure === undefined)))('a plan without actions is a fixpoint (an idle re-reconcile writes nothing new): %s', (_name, { given }) => {
    const plan = run(given);
    if (plan.actions.length > 0 || plan.status === undefined) return;
    const again = decide({ ...given.observation, resource: { ...given.observation.resource, status: plan.status } }, NOW);
    expect(again.actions).toEqual([]);
    expect(again.status, 'deciding again on the status just written must give the same status').toEqual(plan.status);
  });
});

// ---------------------------------------------------------------------------------------------
// Multi-step scenarios (a failure plan, then the next reconcile)

describe('decide: scenarios across two reconciles', () => {
  it('an Unsupported AlterProperties after a release does not leave the collection released', () => {
    // Reconcile 1 released the (loaded) collection and wrote pendingOperation {AlterProperties, reloadCollection: true}
    // first; then alterIndexProperties answered UNIMPLEMENTED (Milvus 2.3 / Lite).
    const resource = owned().spec({ properties: { 'mmap.enabled': 'true' }, allowCollectionRelease: true })
      .pendingOperation({ operation: 'AlterProperties', reloadCollection: true });
    const failed = decideFailure(
      anObservation(resource).loaded().index(anIndex()).build(),
      aFailure({ type: 'AlterProperties', indexName: 'embedding', properties: { 'mmap.enabled': 'true' } }, 'Unsupported', 'UNIMPLEMENTED'),
      NOW,
    );
    // Reconcile 2 (the next resync) observes the collection released.
    const afterFailure = failed.status === undefined ? resource.build() : { ...resource.build(), status: failed.status };
    const next = decide(anObservation(afterFailure).loadState('NotLoad').index(anIndex()).build(), NOW);
    const steps = [...failed.actions, ...next.actions].map((a) => a.type);
    expect(steps, 'the collection was loaded before the change and must be loaded again (design: pendingOperation exists so a collection is not left released)').toContain('LoadCollection');
  });

  it('create, then observe the server ignoring index_name, then resync: Unsupported both times', () => {
    const created = decide(anObservation(aMilvusIndex().spec({ indexName: 'emb_hnsw' })).build(), NOW);
    expect(created.actions.map((a) => a.type)).toEqual(['CreateIndex']);
    const afterCreate = { ...aMilvusIndex().spec({ indexName: 'emb_hnsw' }).build(), status: created.status };
    const first = decide(anObservation(afterCreate).otherIndexOnField(anIndex().named('embedding')).build(), NOW);
    const afterFirst = { ...afterCreate, status: first.status };
    const second = decide(anObservation(afterFirst).otherIndexOnField(anIndex().named('embedding')).build(), NOW);
    const reason = (p: Plan) => p.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
    expect([reason(first), reason(second)]).toEqual(['Unsupported', 'Unsupported']);
  });

  it('field type check uses describeCollection data: a Float16Vector field accepts HNSW', () => {
    const plan = decide(anObservation(fresh()).fields(aField('id').type('Int64').primaryKey(), aField('embedding').type('Float16Vector')).build(), NOW);
    expect(plan.actions.map((a) => a.type)).toEqual(['CreateIndex']);
  });
});
