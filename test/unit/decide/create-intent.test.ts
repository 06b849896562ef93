// A new resource's first create: its intent rides on the finalizer write (decide/create-intent.ts).
import { describe, expect, it } from 'vitest';
import { ANNOTATION_CREATE_INTENT } from '../../../src/api/milvusindex.js';
import { decide } from '../../../src/reconcile/decide/index.js';
import { EARLIER, NOW, NOW_ISO, aMilvusIndex, anIndex, anObservation } from '../fakes.js';
import { decisionTable, type Row } from './table.js';

/** A resource whose finalizer write recorded the create's intent; its status was never written. */
const intended = () => aMilvusIndex().annotated(ANNOTATION_CREATE_INTENT, EARLIER);

const finalizerRows: Row[] = [
  {
    name: 'no finalizer, index absent, never reported: the finalizer carries the create intent',
    reason: 'the create the next step issues is recorded with the finalizer instead of in a status write of its own',
    given: { observation: anObservation(aMilvusIndex().withoutFinalizer()).build() },
    want: { actions: [{ type: 'AddFinalizer', createIntent: NOW_ISO }], status: 'none', intent: 'none', requeue: { kind: 'After', ms: 0 } },
  },
  {
    name: 'no finalizer, a matching index already there: no create intent (the next step adopts it)',
    reason: 'the intent is recorded only after observing the index absent, so an index found later is ours only if we created it',
    given: { observation: anObservation(aMilvusIndex().withoutFinalizer()).index(anIndex()).build() },
    want: { actions: [{ type: 'AddFinalizer' }], status: 'none' },
  },
  {
    name: 'no finalizer, paused: no create intent',
    reason: 'a paused resource creates nothing',
    given: { observation: anObservation(aMilvusIndex().withoutFinalizer().paused()).build() },
    want: { actions: [{ type: 'AddFinalizer' }], status: 'none' },
  },
  {
    name: 'no finalizer, Milvus unreachable: no create intent',
    reason: 'nothing was observed, so nothing is intended',
    given: { observation: anObservation(aMilvusIndex().withoutFinalizer()).unavailable().build() },
    want: { actions: [{ type: 'AddFinalizer' }], status: 'none' },
  },
  {
    name: 'no finalizer, status written before (the finalizer was removed by hand): no create intent',
    reason: 'the annotation speaks only while no status was ever written; a written status records its own intents',
    given: { observation: anObservation(aMilvusIndex().withoutFinalizer().ownership('Created').reporting(anIndex()).ready()).build() },
    want: { actions: [{ type: 'AddFinalizer' }], status: 'none' },
  },
];

const recordedRows: Row[] = [
  {
    name: 'intent recorded, index absent: CreateIndex with no status write before or after it',
    reason: 'the intent is already durable; the observation right after the create reports it in one write',
    given: { observation: anObservation(intended()).build() },
    want: { actions: ['CreateIndex'], intent: 'none', status: 'none', events: ['Normal IndexCreated'], requeue: { kind: 'After', ms: 0 } },
  },
  {
    name: 'intent recorded, our index built: Ready, ownership Created, the pending Create cleared',
    reason: 'a matching index after our recorded create is ours: Created, not Adopted',
    given: { observation: anObservation(intended()).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, ownership: 'Created', pendingOperation: null, events: ['Normal IndexBuilt'] },
  },
  {
    name: 'intent recorded, adoptionPolicy Never, our index built: Created, not a Conflict',
    reason: 'the index is the one we created, so Never does not refuse it',
    given: { observation: anObservation(intended().spec({ adoptionPolicy: 'Never' })).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, ownership: 'Created' },
  },
  {
    name: 'intent recorded, our build running: progress reported at once (no quiet window)',
    reason: 'no status says Building yet, so the build is reported on its first observation',
    given: { observation: anObservation(intended()).index(anIndex().building(100, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('100/1000') }, ownership: 'Created', pendingOperation: null },
  },
  {
    name: 'intent recorded, paused, index absent: nothing created, the intent kept in status',
    reason: 'paused: observe and report only; the pending Create is carried into the first status write',
    given: { observation: anObservation(intended().paused()).build() },
    want: { actions: [], status: 'written', pendingOperation: { operation: 'Create', reloadCollection: false, startedAt: EARLIER } },
  },
  {
    name: 'annotation present but status written since: ignored (a matching index is adopted)',
    reason: 'the first status write took over the record; the annotation is never removed',
    given: { observation: anObservation(intended().notReady('MilvusUnavailable')).index(anIndex()).build() },
    want: { actions: [], ownership: 'Adopted', events: ['Normal IndexAdopted', 'Normal IndexBuilt'] },
  },
  {
    name: 'intent recorded, deleted before any status: our index is dropped',
    reason: 'a create of ours may have reached Milvus: the index is ours to drop, not orphaned',
    given: { observation: anObservation(intended().deleting()).index(anIndex()).build() },
    want: { actions: ['DropIndex', 'RemoveFinalizer'] },
  },
];

decisionTable('create intent recorded with the finalizer', [...finalizerRows, ...recordedRows]);

describe('create intent: the two steps together', () => {
  it('finalizer (intent) → create → Ready: one status write, and it says Created', () => {
    const step1 = decide(anObservation(aMilvusIndex().withoutFinalizer()).build(), NOW);
    const first = step1.actions[0];
    expect(first?.type === 'AddFinalizer' ? first.createIntent : undefined).toBe(NOW_ISO);
    const step2 = decide(anObservation(aMilvusIndex().annotated(ANNOTATION_CREATE_INTENT, NOW_ISO)).build(), NOW);
    expect([step2.actions.map((a) => a.type), step2.intent, step2.status]).toEqual([['CreateIndex'], undefined, undefined]);
    const step3 = decide(anObservation(aMilvusIndex().annotated(ANNOTATION_CREATE_INTENT, NOW_ISO)).index(anIndex()).build(), NOW);
    expect(step3.status?.ownership).toBe('Created');
  });
});
