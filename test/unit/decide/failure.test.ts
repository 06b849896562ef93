// decideFailure: the plan after a Milvus action failed (decide/failure.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, EARLIER, aFailure, aField, aMilvusIndex, docsFields, aPeer, aScalarIndex, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { BUILD_POLL_MS, decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import {
  after, backoff, decisionTable, fresh, owned, ownedChanged, paused, readyReason, scalarSpec, DROP_EMBEDDING, OLDER, PENDING_RECREATE, YOUNGER,
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

decisionTable('failure', [...failureRows]);

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
