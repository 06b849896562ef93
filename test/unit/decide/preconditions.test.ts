// The finalizer step, then the preconditions: a valid spec, a usable connection, a reachable Milvus,
// the collection and the field, and a spec that fits the field (decide/preconditions.ts).
import { describe, expect, it } from 'vitest';
import { NOW, aField, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { decide } from '../../../src/reconcile/decide/index.js';
import {
  backoff, decisionTable, fresh, owned, readyReason,
  type Row,
} from './table.js';

const finalizerRows: Row[] = [
  {
    name: 'no finalizer, not deleting: add it and nothing else',
    reason: 'the finalizer is added before anything is created (rule 3) and the patched object is observed at once; no status is written for a metadata-only change',
    given: { observation: anObservation(fresh().withoutFinalizer()).notObserved().build() },
    want: { actions: ['AddFinalizer'], status: 'none', events: [], metrics: [], requeue: 'After' },
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

/** HNSW on `title`: InvalidSpec while `title` is VarChar (docsFields), valid once it is a vector. */
const onTitle = () => fresh().spec({ fieldName: 'title' });
const FIELD_INVALID = { stalled: true, message: 'The spec does not fit the collection: spec.indexType: HNSW does not fit field "title" of type VarChar.' };
const titleIsVector = () => [aField('id').type('Int64').primaryKey(), aField('title').floatVector(8)];

const recoveryRows: Row[] = [
  {
    name: 'InvalidSpec from the field type, collection recreated with a vector field of that name: CreateIndex',
    reason: 'regression: an InvalidSpec found by observing the field is observed again, never remembered; only a refusal by the server (status.refusal) is sticky for a generation',
    given: { observation: anObservation(onTitle().notReady('InvalidSpec', FIELD_INVALID)).fields(...titleIsVector()).build() },
    want: {
      actions: [createIndexAction({ fieldName: 'title', indexName: 'title' })], intent: 'written',
      ready: { status: 'False', reason: 'Building' }, stalled: 'False', refusal: null,
    },
  },
  {
    name: 'InvalidSpec from the field type, fixed, and the reconcile-requested-at annotation changed: CreateIndex',
    reason: 'the annotation asks for an immediate reconcile; the fixed field is observed and the index created',
    given: { observation: anObservation(onTitle().reconcileRequestedAt('2026-11-20T11:59:00Z').notReady('InvalidSpec', FIELD_INVALID)).fields(...titleIsVector()).build() },
    want: { actions: ['CreateIndex'], ready: { status: 'False', reason: 'Building' } },
  },
  {
    name: 'InvalidSpec from the field type, field still VarChar: still InvalidSpec, observed again',
    reason: 'nothing changed in the world: the same answer, and nothing written to Milvus',
    given: { observation: anObservation(onTitle().reconcileRequestedAt('again').notReady('InvalidSpec', FIELD_INVALID)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('VarChar') }, stalled: 'True', refusal: null },
  },
];

decisionTable('preconditions', [...finalizerRows, ...invalidSpecRows, ...dependencyRows, ...recoveryRows]);

describe('decide: preconditions across reconciles', () => {
  it('InvalidSpec for a VarChar field, then the collection is recreated with a vector field: the next reconcile creates the index', () => {
    const first = decide(anObservation(onTitle()).build(), NOW);
    expect(readyReason(first)).toBe('InvalidSpec');
    expect(first.status?.refusal, 'an observed problem is not a refusal').toBeUndefined();
    const resource = { ...onTitle().build(), status: first.status };
    const resync = decide(anObservation(resource).fields(...titleIsVector()).build(), NOW);
    expect(resync.actions.map((a) => a.type)).toEqual(['CreateIndex']);
    expect(readyReason(resync)).toBe('Building');
  });

  it('field type check uses describeCollection data: a Float16Vector field accepts HNSW', () => {
    const plan = decide(anObservation(fresh()).fields(aField('id').type('Int64').primaryKey(), aField('embedding').type('Float16Vector')).build(), NOW);
    expect(plan.actions.map((a) => a.type)).toEqual(['CreateIndex']);
  });
});
