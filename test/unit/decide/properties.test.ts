// Mutable index properties: AlterProperties bounded to one accepted call per generation (decide/properties.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, EARLIER, aMilvusIndex, anIndex, anObservation, type MilvusIndexBuilder } from '../fakes.js';
import { decide } from '../../../src/reconcile/decide/index.js';
import type { Plan } from '../../../src/reconcile/plan.js';
import {
  decisionTable, owned, readyReason,
  type Row,
} from './table.js';

const propertyRows: Row[] = [
  {
    name: 'properties differ: AlterProperties, pendingOperation first',
    reason: 'properties are mutable: alterIndexProperties with exactly the differing keys',
    given: { observation: anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } })).index(anIndex()).build() },
    want: {
      actions: [{ type: 'AlterProperties', indexName: 'embedding', properties: { 'mmap.enabled': 'true' } }], intent: 'written',
      intentPendingOperation: { operation: 'AlterProperties', reloadCollection: false, startedAt: NOW_ISO }, reconciling: 'True',
      pendingOperation: null, appliedProperties: { generation: 2, properties: { 'mmap.enabled': 'true' } },
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
      actions: ['ReleaseCollection', 'AlterProperties'], intent: 'written',
      pendingOperation: { operation: 'AlterProperties', reloadCollection: true, startedAt: NOW_ISO },
    },
  },
  {
    name: 'properties differ, Unsupported already reported for this generation: not retried',
    reason: 'a server without AlterIndex (Milvus Lite, 2.3): Stalled, no retry loop',
    given: {
      observation: anObservation(aMilvusIndex().generation(3).spec({ properties: { 'mmap.enabled': 'true' } }).ownership('Created').reporting(anIndex())
        .unsupported('AlterIndexProperties', 'UNIMPLEMENTED')
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
        .unsupported('AlterIndexProperties', 'UNIMPLEMENTED', { generation: 3 }).notReady('Unsupported', { stalled: true, generation: 3 }))
        .index(anIndex()).build(),
    },
    want: { actions: ['AlterProperties'] },
  },
];

const MMAP = { 'mmap.enabled': 'true' };
const ALTER_MMAP = { type: 'AlterProperties', indexName: 'embedding', properties: MMAP } as const;
const PENDING_ALTER_RELOAD = { operation: 'AlterProperties', reloadCollection: true, startedAt: EARLIER } as const;

const boundedRows: Row[] = [
  {
    name: 'properties accepted for this generation, describeIndex does not echo them: Ready, no resend',
    reason: 'status.appliedProperties bounds AlterIndex to one call per (generation, properties); the message says the server does not report them back',
    given: { observation: anObservation(owned().spec({ properties: MMAP }).appliedProperties(MMAP).notReady('Building')).index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'True', reason: 'IndexBuilt', message: expect.stringContaining('does not report mmap.enabled back') },
      appliedProperties: { generation: 2, properties: MMAP }, pendingOperation: null,
    },
  },
  {
    name: 'properties accepted, the collection was released for it: LoadCollection, then Ready',
    reason: 'the released collection is loaded again at once instead of staying released while the alter would be re-sent',
    given: { observation: anObservation(owned().spec({ properties: MMAP, allowCollectionRelease: true }).appliedProperties(MMAP).pendingOperation(PENDING_ALTER_RELOAD).notReady('Building')).index(anIndex()).build() },
    want: { actions: ['LoadCollection'], pendingOperation: null, ready: { status: 'True', reason: 'IndexBuilt' }, events: ['Normal CollectionLoaded', 'Normal IndexBuilt'] },
  },
  {
    name: 'properties accepted for an older generation: sent once for the new one',
    reason: 'a new generation is a new request; the stale record is replaced',
    given: { observation: anObservation(owned().generation(3).spec({ properties: MMAP }).appliedProperties(MMAP, 2).ready({ generation: 2 })).index(anIndex()).build() },
    want: { actions: [ALTER_MMAP], appliedProperties: { generation: 3, properties: MMAP } },
  },
  {
    name: 'properties accepted for this generation but other values recorded: sent',
    reason: 'the record must match the properties the spec asks for',
    given: { observation: anObservation(owned().spec({ properties: MMAP }).appliedProperties({ 'mmap.enabled': 'false' })).index(anIndex()).build() },
    want: { actions: [ALTER_MMAP] },
  },
  {
    name: 'Milvus refused this generation\'s alter: not re-sent, InvalidSpec',
    reason: 'status.refusal applies to AlterProperties too',
    given: { observation: anObservation(owned().spec({ properties: MMAP }).refused('AlterProperties', 'invalid mmap value')).index(anIndex()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('invalid mmap value') }, stalled: 'True' },
  },
  {
    name: 'Unsupported alter recorded, the reconcile-requested-at annotation changed: retried once',
    reason: 'e.g. after a server upgrade; the intent clears status.unsupported',
    given: { observation: anObservation(owned().spec({ properties: MMAP }).reconcileRequestedAt('upgraded').unsupported('AlterIndexProperties', 'UNIMPLEMENTED').notReady('Unsupported', { stalled: true })).index(anIndex()).build() },
    want: { actions: [ALTER_MMAP], unsupported: null },
  },
];

decisionTable('properties', [...propertyRows, ...boundedRows]);

/** Runs reconciles to a fixpoint (at most `limit`): the status is fed back, the load state follows the actions. */
function converge(resource: ReturnType<MilvusIndexBuilder['build']>, echo: boolean, limit = 20): { actions: string[]; last: Plan; loaded: boolean } {
  let current = resource;
  let loaded = true;
  const actions: string[] = [];
  let last: Plan | undefined;
  for (let i = 0; i < limit; i++) {
    const idx = anIndex().properties(echo && actions.includes('AlterProperties') ? MMAP : {});
    last = decide(anObservation(current).loadState(loaded ? 'Loaded' : 'NotLoad').index(idx).build(), NOW);
    for (const a of last.actions) {
      actions.push(a.type);
      if (a.type === 'ReleaseCollection') loaded = false;
      if (a.type === 'LoadCollection') loaded = true;
    }
    const next = last.status ?? current.status;
    if (last.actions.length === 0 && JSON.stringify(next) === JSON.stringify(current.status)) break;
    current = { ...current, status: next };
  }
  return { actions, last: last!, loaded };
}

describe('decide: properties across reconciles', () => {
  it.each([
    ['describeIndex does not echo the properties (a known Milvus behaviour)', false],
    ['describeIndex echoes the properties', true],
  ])('%s: one release, one alter, one reload, then Ready and idle', (_name, echo) => {
    const resource = owned().spec({ properties: MMAP, allowCollectionRelease: true }).build();
    const { actions, last, loaded } = converge(resource, echo);
    expect(actions).toEqual(['ReleaseCollection', 'AlterProperties', 'LoadCollection']);
    expect(loaded, 'the collection is loaded again').toBe(true);
    expect(readyReason(last)).toBe('IndexBuilt');
  });

});
