// Mutable index properties: AlterProperties bounded to one accepted call per generation (decide/properties.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, EARLIER, aFailure, aField, aMilvusIndex, docsFields, aPeer, aScalarIndex, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { BUILD_POLL_MS, decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import {
  after, backoff, decisionTable, fresh, owned, ownedChanged, paused, readyReason, scalarSpec, DROP_EMBEDDING, OLDER, PENDING_RECREATE, YOUNGER,
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

decisionTable('properties', [...propertyRows]);
