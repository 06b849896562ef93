// Deletion steps (decide/deletion.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, aField, docsFields, aPeer, aScalarIndex, anIndex, anObservation } from '../fakes.js';
import { decide } from '../../../src/reconcile/decide/index.js';
import {
  backoff, decisionTable, fresh, owned, scalarSpec, DROP_EMBEDDING, YOUNGER,
  type Row,
} from './table.js';

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
    name: 'deleting right after our create, before ownership was recorded: drop',
    reason: 'the pending Create and an index of our definition on our field say the index is ours (never orphaned)',
    given: { observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).deleting()).index(anIndex()).build() },
    want: { actions: ['DropIndex', 'RemoveFinalizer'], status: 'none', events: ['Normal IndexDropped'] },
  },
  {
    name: 'deleting right after our create, collection loaded: the Delete intent records the ownership the Create implied',
    reason: 'a crash after the intent must still know the index is ours',
    given: { observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).deleting().spec({ allowCollectionRelease: true })).index(anIndex()).loaded().build() },
    want: { actions: ['ReleaseCollection', 'DropIndex', 'RemoveFinalizer'], intentOwnership: 'Created' },
  },
  {
    name: 'deleting with a pending Create, but the index has another definition: not ours, no drop',
    reason: 'someone else made an index of that name; a pending Create alone does not make it ours',
    given: { observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).deleting()).index(anIndex().type('IVF_FLAT').params({ nlist: 128 })).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none' },
  },
  {
    name: 'deleting with a pending Create, Milvus unreachable: the finalizer stays until Milvus answers',
    reason: 'whether the create reached Milvus is not known without an observation: releasing could orphan our index',
    given: { observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).deleting()).unavailable().build() },
    want: { actions: [], ready: { status: 'False', reason: 'MilvusUnavailable' }, requeue: 'Backoff' },
  },
  {
    name: 'deleting with a pending Create, the collection gone: the finalizer goes',
    reason: 'nothing of ours can be left in a collection that no longer exists',
    given: { observation: anObservation(fresh().pendingOperation({ operation: 'Create' }).deleting()).collectionNotFound().build() },
    want: { actions: ['RemoveFinalizer'] },
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
      actions: ['ReleaseCollection', DROP_EMBEDDING, 'RemoveFinalizer'], intent: 'written',
      intentPendingOperation: { operation: 'Delete', reloadCollection: false, startedAt: NOW_ISO }, status: 'none',
      events: ['Normal CollectionReleased', 'Normal IndexDropped'],
    },
  },
  {
    name: 'deleting, loaded, release allowed, scalar field: release, drop, load, remove the finalizer',
    reason: 'dropping a scalar index leaves a loadable collection, so it is loaded again',
    given: { observation: anObservation(owned().deleting().spec({ ...scalarSpec, allowCollectionRelease: true })).loaded().index(aScalarIndex()).build() },
    want: {
      actions: ['ReleaseCollection', { type: 'DropIndex', fieldName: 'title', indexName: 'title' }, 'LoadCollection', 'RemoveFinalizer'],
      intent: 'written', intentPendingOperation: { operation: 'Delete', reloadCollection: true, startedAt: NOW_ISO },
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

const M32 = { indexType: 'HNSW', metricType: 'COSINE', params: { M: 32, efConstruction: 200 } };

const handOverRows: Row[] = [
  {
    name: 'deleting, the heir has the same definition: hand over (OwnershipHandedOver), no drop',
    reason: 'the heir adopts the index as it is',
    given: { observation: anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER)).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none', events: ['Normal OwnershipHandedOver'], metrics: [] },
  },
  {
    name: 'deleting, the heir has a different definition: keep the index, Warning Orphaned naming the heir and the difference',
    reason: 'never drop an index another resource claims; the heir will not adopt it (Conflict), so the orphan is announced and counted instead of left silent',
    given: { observation: anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER).definition(M32)).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], status: 'none', events: ['Warning Orphaned'], metrics: ['Orphaned'] },
  },
  {
    name: 'deleting, heir with a different definition, Milvus unreachable: compared with our spec, still no drop',
    reason: 'without an observation the deleting resource\'s spec stands for the index',
    given: { observation: anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER).definition(M32)).unavailable().build() },
    want: { actions: ['RemoveFinalizer'], events: ['Warning Orphaned'] },
  },
  {
    name: 'deleting, heir matches the index Milvus holds though not our changed spec: hand over',
    reason: 'what the heir will adopt is the index as observed',
    given: { observation: anObservation(owned().deleting().spec({ params: { M: 32, efConstruction: 200 } })).peer(aPeer('younger').createdAt(YOUNGER)).index(anIndex()).build() },
    want: { actions: ['RemoveFinalizer'], events: ['Normal OwnershipHandedOver'] },
  },
  {
    name: 'deleting, the oldest live peer is the heir (not the first listed)',
    reason: 'the heir is the next oldest claimant, the same one ownerOf picks',
    given: {
      observation: anObservation(owned().deleting()).peer(aPeer('newest').createdAt('2026-11-19T00:00:00Z').definition(M32)).peer(aPeer('younger').createdAt(YOUNGER)).index(anIndex()).build(),
    },
    want: { actions: ['RemoveFinalizer'], events: ['Normal OwnershipHandedOver'] },
  },
];

decisionTable('deletion', [...deletionRows, ...handOverRows]);

describe('decide: deletion hand-over messages', () => {
  it('the Orphaned warning names the heir and the difference', () => {
    const p = decide(anObservation(owned().deleting()).peer(aPeer('younger').createdAt(YOUNGER).definition(M32)).index(anIndex()).build(), NOW);
    expect(p.events[0]?.message).toContain('search/younger');
    expect(p.events[0]?.message).toContain('params.M: Milvus has 16, spec wants 32');
  });
});
