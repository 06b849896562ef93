// The paused annotation: observe and report only (decide/paused.ts).
import { expect } from 'vitest';
import { EARLIER, aMilvusIndex, anIndex, anObservation } from '../fakes.js';
import {
  decisionTable, fresh, owned, ownedChanged, paused,
  type Row,
} from './table.js';

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

const rememberedRows: Row[] = [
  {
    name: 'paused with remembered facts: refusal, unsupported and applied properties are kept as they were',
    reason: 'paused changes no memory; a stale record is not cleaned up while paused either',
    given: {
      observation: anObservation(owned().paused().generation(3).refused('CreateIndex', 'no', { generation: 2 }).unsupported('AlterIndexProperties', 'UNIMPLEMENTED', { generation: 2 }).appliedProperties({ a: 'b' }, 2).ready({ generation: 2 })).index(anIndex()).build(),
    },
    want: {
      actions: [], refusal: { generation: 2, action: 'CreateIndex', message: 'no' }, unsupported: { generation: 2, what: 'AlterIndexProperties', message: 'UNIMPLEMENTED' },
      appliedProperties: { generation: 2, properties: { a: 'b' } }, ready: { status: 'True', reason: 'IndexBuilt', message: paused },
    },
  },
  {
    name: 'paused, a create recorded but not yet observed: pendingOperation kept, nothing claimed',
    reason: 'ownership is decided when not paused',
    given: { observation: anObservation(fresh().paused().pendingOperation({ operation: 'Create' }).notReady('Building')).index(anIndex()).build() },
    want: { actions: [], ownership: null, pendingOperation: { operation: 'Create', reloadCollection: false, startedAt: EARLIER } },
  },
];

decisionTable('paused', [...pausedRows, ...rememberedRows]);
