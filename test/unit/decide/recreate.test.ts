// A changed immutable definition: ImmutableChange, or Recreate with release/reload (decide/recreate.ts).
import { expect } from 'vitest';
import { NOW_ISO, anIndex, anObservation, createIndexAction } from '../fakes.js';

const PREVIOUS = { indexType: 'HNSW', metricType: 'COSINE', params: { M: '16', efConstruction: '200' } };
import {
  decisionTable, ownedChanged, DROP_EMBEDDING, PENDING_RECREATE,
  type Row,
} from './table.js';

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
      actions: ['ReleaseCollection', DROP_EMBEDDING], intent: 'written',
      pendingOperation: { operation: 'Recreate', reloadCollection: true, startedAt: NOW_ISO, previous: { indexType: 'HNSW', metricType: 'COSINE', params: { M: '16', efConstruction: '200' } } },
      ready: { status: 'False', reason: 'Building' }, reconciling: 'True', stalled: 'False',
      events: ['Normal CollectionReleased', 'Normal IndexDropped'],
    },
  },
  {
    name: 'params differ, Recreate, collection not loaded: drop only',
    reason: 'nothing to release, nothing to reload afterwards',
    given: { observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate' })).index(anIndex()).build() },
    want: { actions: [DROP_EMBEDDING], intent: 'written', pendingOperation: { operation: 'Recreate', reloadCollection: false, startedAt: NOW_ISO, previous: { indexType: 'HNSW', metricType: 'COSINE', params: { M: '16', efConstruction: '200' } } } },
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
      actions: [createIndexAction({ params: { M: 32, efConstruction: 200 } })], intent: 'written', ownership: 'Created',
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
    name: 'Recreate refused by Milvus after the drop: the previous definition is restored',
    reason: 'nothing is left without an index because of a spec Milvus will not take: create it again as it was (pendingOperation.previous), Stalled InvalidSpec, Warning IndexRestored',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true })
        .pendingOperation({ ...PENDING_RECREATE, previous: PREVIOUS }).refused('CreateIndex', 'invalid M')).build(),
    },
    want: {
      actions: [createIndexAction({ params: { M: '16', efConstruction: '200' } })], intent: 'written',
      ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringMatching(/Milvus refused to create index "embedding" with the new definition: invalid M.*Restoring the index with its previous definition \(HNSW\)/) },
      stalled: 'True', events: ['Warning IndexRestored'],
    },
  },
  {
    name: 'Recreate refused, previous index restored and built: no new drop, collection loaded again',
    reason: 'the refusal holds for this generation: the restored index is kept (no drop loop); the collection released for the attempt is reloaded',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true })
        .pendingOperation({ ...PENDING_RECREATE, previous: PREVIOUS }).refused('CreateIndex', 'invalid M')).index(anIndex()).build(),
    },
    want: {
      actions: ['LoadCollection'], pendingOperation: null,
      ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringMatching(/restored with its previous definition/) }, stalled: 'True',
      events: ['Normal CollectionLoaded'],
    },
  },
  {
    name: 'Recreate refused, restored index still building: nothing more, the reload waits',
    reason: 'no drop; pendingOperation kept until the restored index is built',
    given: {
      observation: anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 }, updatePolicy: 'Recreate', allowCollectionRelease: true })
        .pendingOperation({ ...PENDING_RECREATE, previous: PREVIOUS }).refused('CreateIndex', 'invalid M')).index(anIndex().building(10, 1000)).build(),
    },
    want: { actions: [], pendingOperation: { ...PENDING_RECREATE, previous: PREVIOUS }, ready: { status: 'False', reason: 'InvalidSpec' } },
  },
];

decisionTable('recreate', [...changeRows]);
