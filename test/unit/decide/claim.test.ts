// Who holds the index: an older claimant, our index absent (create, drift, a server that ignores
// index_name), adoption or a Conflict (decide/claim.ts, decide/create.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, EARLIER, aFailure, aField, aMilvusIndex, docsFields, aPeer, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import type { Plan } from '../../../src/reconcile/plan.js';
import {
  decisionTable, fresh, owned, readyReason, OLDER, YOUNGER,
  type Row,
} from './table.js';

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
    want: { actions: ['CreateIndex'], ownership: null, intentPendingOperation: { operation: 'Create', reloadCollection: false, startedAt: NOW_ISO } },
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
    name: 'index absent: CreateIndex, pendingOperation Create recorded first, ownership not yet',
    reason: 'the intent (pendingOperation Create) is written before the create so a crash cannot orphan the index; ownership Created waits until the index is observed with our definition; Ready=False/Building, Reconciling=True',
    given: { observation: anObservation(fresh()).build() },
    want: {
      actions: [createIndexAction()], intent: 'written', ownership: null,
      intentPendingOperation: { operation: 'Create', reloadCollection: false, startedAt: NOW_ISO }, pendingOperation: { operation: 'Create', reloadCollection: false, startedAt: NOW_ISO },
      ready: { status: 'False', reason: 'Building' }, reconciling: 'True', stalled: 'False',
      events: ['Normal IndexCreated'], metrics: [],
    },
  },
  {
    name: 'index absent, spec names database and index: the request uses them',
    reason: 'the resolved database and spec.indexName go into createIndex',
    given: { observation: anObservation(fresh().spec({ database: 'analytics', indexName: 'emb_hnsw' })).build() },
    want: { actions: [createIndexAction({ database: 'analytics', indexName: 'emb_hnsw' })], intent: 'written' },
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

const absentRows: Row[] = [
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
      actions: [createIndexAction()], intent: 'written', ownership: 'Created',
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

const REFUSED = 'invalid parameter[expected=valid index params][actual=efConstruction]';
const PENDING_CREATE = { operation: 'Create', reloadCollection: false, startedAt: EARLIER } as const;

const refusalRows: Row[] = [
  {
    name: 'Milvus refused this generation\'s create: not sent again, InvalidSpec with the server\'s answer',
    reason: 'status.refusal remembers a refusal by the server for this generation; re-sending it on every resync would be a create storm',
    given: { observation: anObservation(fresh().refused('CreateIndex', REFUSED).notReady('InvalidSpec', { stalled: true })).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining(REFUSED) }, stalled: 'True',
      refusal: { generation: 2, action: 'CreateIndex', message: REFUSED }, events: [],
    },
  },
  {
    name: 'Milvus refused this generation\'s create, then the reconcile-requested-at annotation changed: retried once',
    reason: 'a new annotation value is a request to try again; the intent clears the refusal (a new refusal records the new value)',
    given: { observation: anObservation(fresh().reconcileRequestedAt('b').refused('CreateIndex', REFUSED, { requestedAt: 'a' }).notReady('InvalidSpec', { stalled: true })).build() },
    want: { actions: [createIndexAction()], intent: 'written', refusal: null, ready: { status: 'False', reason: 'Building' } },
  },
  {
    name: 'Milvus refused with the annotation at "a", still "a": not retried',
    reason: 'only a change of the annotation value retries',
    given: { observation: anObservation(fresh().reconcileRequestedAt('a').refused('CreateIndex', REFUSED, { requestedAt: 'a' }).notReady('InvalidSpec', { stalled: true })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec' } },
  },
  {
    name: 'Milvus refused an older generation\'s create: the new generation is created',
    reason: 'a refusal speaks only for its generation; the stale record is dropped',
    given: { observation: anObservation(fresh().generation(3).refused('CreateIndex', REFUSED, { generation: 2 }).notReady('InvalidSpec', { stalled: true, generation: 2 })).build() },
    want: { actions: ['CreateIndex'], refusal: null },
  },
  {
    name: 'Milvus refused this generation\'s create of an owned index that vanished: not re-sent either',
    reason: 'the refusal is about the definition, whoever owned the index before',
    given: { observation: anObservation(owned().refused('CreateIndex', REFUSED).notReady('InvalidSpec', { stalled: true })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec' }, ownership: 'Created' },
  },
];

const ownershipRows: Row[] = [
  {
    name: 'after our create, the index is observed with our definition: ownership Created, pendingOperation cleared',
    reason: 'ownership Created is recorded only once the index Milvus shows is the one we asked for',
    given: { observation: anObservation(fresh().pendingOperation(PENDING_CREATE).notReady('Building')).index(anIndex()).build() },
    want: { actions: [], ownership: 'Created', pendingOperation: null, ready: { status: 'True', reason: 'IndexBuilt' }, events: ['Normal IndexBuilt'] },
  },
  {
    name: 'after our create, the index is observed still building: ownership Created',
    reason: 'the index exists with our definition; progress follows',
    given: { observation: anObservation(fresh().pendingOperation(PENDING_CREATE).notReady('Building')).index(anIndex().building(0, 1000)).build() },
    want: { actions: [], ownership: 'Created', pendingOperation: null, ready: { status: 'False', reason: 'Building' }, requeue: 'After' },
  },
  {
    name: 'after our create, adoptionPolicy Never: still ours, no Conflict',
    reason: 'the index we created ourselves is not an existing index',
    given: { observation: anObservation(fresh().spec({ adoptionPolicy: 'Never' }).pendingOperation(PENDING_CREATE).notReady('Building')).index(anIndex()).build() },
    want: { actions: [], ownership: 'Created', ready: { status: 'True', reason: 'IndexBuilt' } },
  },
  {
    name: 'a create was recorded but the index shows another definition: Conflict, pendingOperation cleared, nothing owned',
    reason: 'someone else created it between our observe and our create ("index exists"); it is never claimed as Created',
    given: { observation: anObservation(fresh().pendingOperation(PENDING_CREATE).notReady('Building')).index(anIndex().params({ M: 8, efConstruction: 200 })).build() },
    want: { actions: [], ownership: null, pendingOperation: null, ready: { status: 'False', reason: 'Conflict' } },
  },
  {
    name: 'interrupted create (pendingOperation Create, no index): CreateIndex again, the recorded operation kept',
    reason: 'a crash between the intent and the call resumes the create; it is not drift',
    given: { observation: anObservation(fresh().pendingOperation(PENDING_CREATE).notReady('Building')).build() },
    want: { actions: ['CreateIndex'], pendingOperation: PENDING_CREATE, ownership: null, events: ['Normal IndexCreated'], metrics: [] },
  },
];

decisionTable('claim', [...conflictRows, ...createAndAdoptRows, ...absentRows, ...refusalRows, ...ownershipRows]);

describe('decide: claim across reconciles', () => {
  it('create, then Milvus refuses it, then resync: not re-sent; the annotation retries exactly once', () => {
    const create = decide(anObservation(fresh()).build(), NOW);
    expect(create.actions.map((a) => a.type)).toEqual(['CreateIndex']);
    const stored = { ...fresh().build(), status: create.intent };
    const refused = decideFailure(anObservation(stored).build(), aFailure(createIndexAction(), 'InvalidSpec', REFUSED), NOW);
    expect(refused.status?.refusal).toEqual({ generation: 2, action: 'CreateIndex', message: REFUSED });
    expect(refused.status?.pendingOperation).toBeUndefined();
    const afterRefusal = { ...stored, status: refused.status };
    expect(decide(anObservation(afterRefusal).build(), NOW).actions, 'the next resync does not re-send').toEqual([]);
    const annotated = { ...afterRefusal, metadata: { ...afterRefusal.metadata, annotations: { 'index.milvus.io/reconcile-requested-at': 'now' } } };
    const retry = decide(anObservation(annotated).build(), NOW);
    expect(retry.actions.map((a) => a.type)).toEqual(['CreateIndex']);
    const refusedAgain = decideFailure(anObservation({ ...annotated, status: retry.intent }).build(), aFailure(createIndexAction(), 'InvalidSpec', REFUSED), NOW);
    expect(decide(anObservation({ ...annotated, status: refusedAgain.status }).build(), NOW).actions, 'one retry per annotation value').toEqual([]);
  });

  it('create, then "index exists" with another definition: ownership stays as it was', () => {
    const create = decide(anObservation(fresh()).build(), NOW);
    const stored = { ...fresh().build(), status: create.intent };
    expect(stored.status?.ownership, 'nothing is claimed before the index is seen').toBeUndefined();
    const failed = decideFailure(anObservation(stored).build(), aFailure(createIndexAction(), 'InvalidSpec', 'at most one distinct index is allowed per field'), NOW);
    expect(failed.status?.ownership).toBeUndefined();
    const next = decide(anObservation({ ...stored, status: failed.status }).index(anIndex().params({ M: 8, efConstruction: 200 })).build(), NOW);
    expect(readyReason(next)).toBe('Conflict');
    expect(next.actions).toEqual([]);
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
});
