// decideFailure: the plan after a Milvus action failed (decide/failure.ts).
import { describe, expect, it } from 'vitest';
import { NOW, EARLIER, aFailure, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import {
  decisionTable, fresh, owned, ownedChanged, DROP_EMBEDDING, PENDING_RECREATE,
  type Row,
} from './table.js';

const failureRows: Row[] = [
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
    name: 'failure: InvalidSpec from createIndex: Stalled, the refusal remembered, ownership as it was',
    reason: 'Milvus refused the definition; nothing was created: the pendingOperation Create goes, ownership stays unset, and status.refusal records the refusal for this generation',
    given: {
      observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).notReady('Building')).build(),
      failure: aFailure(createIndexAction(), 'InvalidSpec', 'invalid parameter[expected=valid index params]'),
    },
    want: {
      actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('invalid parameter') },
      stalled: 'True', ownership: null, pendingOperation: null, events: ['Warning InvalidSpec'], requeue: 'None',
      refusal: { generation: 2, action: 'CreateIndex', message: 'invalid parameter[expected=valid index params]' },
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

const ALTER = { type: 'AlterProperties', indexName: 'embedding', properties: { 'mmap.enabled': 'true' } } as const;
const PENDING_CREATE = { operation: 'Create', reloadCollection: false, startedAt: EARLIER } as const;

const rememberedRows: Row[] = [
  {
    name: 'failure: Unsupported AlterProperties: status.unsupported for this generation and annotation value',
    reason: 'the server lacks AlterIndex; remembered so the alter is not re-sent for this generation (a new reconcile-requested-at value retries once)',
    given: {
      observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } }).reconcileRequestedAt('r1').pendingOperation({ operation: 'AlterProperties' })).index(anIndex()).build(),
      failure: aFailure(ALTER, 'Unsupported', 'UNIMPLEMENTED'),
    },
    want: { actions: [], unsupported: { generation: 2, what: 'AlterIndexProperties', message: 'UNIMPLEMENTED', requestedAt: 'r1' }, refusal: null, ready: { status: 'False', reason: 'Unsupported' } },
  },
  {
    name: 'failure: InvalidSpec from AlterProperties: status.refusal',
    reason: 'a refused alter is remembered like a refused create',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'maybe' } })).index(anIndex()).build(), failure: aFailure(ALTER, 'InvalidSpec', 'invalid mmap value') },
    want: { actions: [], refusal: { generation: 2, action: 'AlterProperties', message: 'invalid mmap value' }, unsupported: null, ownership: 'Created' },
  },
  {
    name: 'failure: InvalidSpec from DropIndex: stalled, nothing remembered',
    reason: 'only a create or an alter refusal is sticky; anything else is observed again',
    given: { observation: anObservation(owned().deleting()).index(anIndex()).build(), failure: aFailure(DROP_EMBEDDING, 'InvalidSpec', 'no') },
    want: { actions: [], refusal: null, ready: { status: 'False', reason: 'InvalidSpec' } },
  },
  {
    name: 'failure: Transient createIndex after drift: pendingOperation Create cleared, ownership kept',
    reason: 'a failed create leaves ownership as it was; without the pending Create a matching index seen later is adopted, not claimed as Created',
    given: { observation: anObservation(owned().ownership('Adopted').pendingOperation(PENDING_CREATE)).build(), failure: aFailure(createIndexAction(), 'Transient', 'DEADLINE_EXCEEDED') },
    want: { actions: [], ownership: 'Adopted', pendingOperation: null, refusal: null, requeue: 'Backoff' },
  },
  {
    name: 'failure: Transient createIndex during a Recreate: the Recreate stays recorded',
    reason: 'the recorded Recreate must still finish (and reload the collection)',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' }).pendingOperation(PENDING_RECREATE)).build(), failure: aFailure(createIndexAction({ params: { M: 32, efConstruction: 200 } }), 'Transient', 'UNAVAILABLE') },
    want: { actions: [], pendingOperation: PENDING_RECREATE },
  },
];

decisionTable('failure', [...failureRows, ...rememberedRows]);

describe('decide: failure across reconciles', () => {
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
});
