// JSON path indexes (api/json-path.ts) and Zilliz Cloud serverless endpoints, through decide():
// one index per (field, json_path), the rules on the field, a server without JSON indexes answered
// as Unsupported and remembered, and AUTOINDEX-only serverless clusters refused before any write.
import { expect } from 'vitest';
import { aFailure, aField, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { decisionTable, fresh, type Row } from './table.js';

const META_A = { fieldName: 'meta', indexType: 'AUTOINDEX', metricType: undefined, params: { json_path: 'meta["a"]', json_cast_type: 'VARCHAR' } };
const META_B = { ...META_A, params: { json_path: 'meta["b"]["c"]', json_cast_type: 'DOUBLE' } };
const jsonFields = () => [aField('id').type('Int64').primaryKey(), aField('embedding'), aField('meta').type('JSON')];
const onMeta = (name: string, path: string) => anIndex().named(name).onField('meta').type('AUTOINDEX').metric('').params({ json_path: path, json_cast_type: 'VARCHAR' });
const LITE_REFUSAL = 'field type JSON does not support scalar index';
const SERVERLESS = 'https://in03-0123456789abcdef.serverless.gcp-us-west1.cloud.zilliz.com';

const jsonRows: Row[] = [
  {
    name: 'JSON path AUTOINDEX, no index yet: create it under a name derived from the path',
    reason: 'AUTOINDEX is accepted on JSON paths; without spec.indexName the name is field + path (meta_a), so several paths of one field never share a name',
    given: { observation: anObservation(fresh().spec(META_A)).fields(...jsonFields()).build() },
    want: { actions: [createIndexAction({ fieldName: 'meta', indexName: 'meta_a', indexType: 'AUTOINDEX', metricType: undefined, params: META_A.params })], ready: { status: 'False', reason: 'Building' } },
  },
  {
    name: 'a second path of the same JSON field: created, not a Conflict',
    reason: 'Milvus allows one index per json_path: an index on meta["a"] does not block meta["b"]["c"] (observe lists only same-path indexes as "other index on the field")',
    given: { observation: anObservation(fresh().spec(META_B)).fields(...jsonFields()).build() },
    want: { actions: [createIndexAction({ fieldName: 'meta', indexName: 'meta_b_c', indexType: 'AUTOINDEX', metricType: undefined, params: META_B.params })], events: ['Normal IndexCreated'] },
  },
  {
    name: 'the same path already indexed under another name: Conflict naming the path',
    reason: 'one index per path: the message names the path and the index holding it',
    given: { observation: anObservation(fresh().spec(META_A)).fields(...jsonFields()).otherIndexOnField(onMeta('by_hand', 'meta["a"]')).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Conflict', message: expect.stringContaining('JSON path meta["a"] of field "meta" already has index "by_hand"') }, stalled: 'True' },
  },
  {
    name: 'INVERTED on a JSON field without json_path: InvalidSpec, nothing sent',
    reason: 'a JSON field needs params.json_path and json_cast_type; known only once the field type is read',
    given: { observation: anObservation(fresh().spec({ fieldName: 'meta', indexType: 'INVERTED', metricType: undefined, params: undefined })).fields(...jsonFields()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('needs params.json_path') }, stalled: 'True' },
  },
  {
    name: 'json_path on a vector field: InvalidSpec',
    reason: 'json_path applies to JSON fields only',
    given: { observation: anObservation(fresh().spec({ fieldName: 'embedding', indexType: 'AUTOINDEX', params: { json_path: 'embedding', json_cast_type: 'BOOL' } })).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('JSON fields only') }, stalled: 'True' },
  },
  {
    name: 'json_cast_type missing: InvalidSpec before Milvus is read',
    reason: 'a spec-only rule: the message lists the documented cast types',
    given: { observation: anObservation(fresh().spec({ ...META_A, params: { json_path: 'meta["a"]' } })).fields(...jsonFields()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('BOOL, DOUBLE, VARCHAR, ARRAY_BOOL, ARRAY_DOUBLE, ARRAY_VARCHAR') }, stalled: 'True', events: ['Warning InvalidSpec'] },
  },
  {
    name: 'json_path edited on an owned index named after its path: InvalidSpec, nothing created, the old index kept',
    reason: 'the path is the identity (it names the index): the edit would orphan meta_a and create meta_b_c',
    given: { observation: anObservation(fresh().generation(3).spec(META_B).ownership('Created').reporting(onMeta('meta_a', 'meta["a"]')).ready({ generation: 2 })).fields(...jsonFields()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('this resource owns index "meta_a", and the edited path would be index "meta_b_c"') }, stalled: 'True', events: ['Warning InvalidSpec'] },
  },
  {
    name: 'a server without JSON indexes refuses the create: Unsupported, remembered, which version can',
    reason: 'Milvus Lite / 2.3 answer "field type JSON does not support scalar index" (classified Unsupported): Stalled/Unsupported naming the version that can, recorded in status.unsupported so it is not re-sent',
    given: {
      observation: anObservation(fresh().spec(META_A).pendingOperation({ operation: 'Create' })).fields(...jsonFields()).build(),
      failure: aFailure(createIndexAction({ fieldName: 'meta', indexName: 'meta_a' }), 'Unsupported', LITE_REFUSAL),
    },
    want: {
      actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringMatching(/cannot index JSON paths.*Milvus 2\.5 or newer/) },
      stalled: 'True', reconciling: 'False', events: ['Warning Unsupported'], requeue: 'None', pendingOperation: null,
      unsupported: { generation: 2, what: 'JsonPathIndex', message: LITE_REFUSAL },
    },
  },
  {
    name: 'remembered JsonPathIndex: not sent again for this generation',
    reason: 'the resync re-observes but does not repeat the create the server cannot do',
    given: { observation: anObservation(fresh().spec(META_A).unsupported('JsonPathIndex', LITE_REFUSAL).notReady('Unsupported', { stalled: true })).fields(...jsonFields()).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('cannot index JSON paths') }, stalled: 'True' },
  },
  {
    name: 'remembered JsonPathIndex of an older generation: the new spec is tried',
    reason: 'the record speaks for its generation only',
    given: { observation: anObservation(fresh().generation(3).spec(META_A).unsupported('JsonPathIndex', LITE_REFUSAL, { generation: 2 })).fields(...jsonFields()).build() },
    want: { actions: [createIndexAction({ fieldName: 'meta', indexName: 'meta_a', indexType: 'AUTOINDEX', metricType: undefined, params: META_A.params })] },
  },
];

const serverlessRows: Row[] = [
  {
    name: 'HNSW on a Zilliz Cloud serverless endpoint: Unsupported up front, nothing sent',
    reason: 'serverless clusters build AUTOINDEX only; the message says what to set',
    given: { observation: anObservation(fresh()).connectionUri(SERVERLESS).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Unsupported', message: expect.stringContaining('builds AUTOINDEX only') }, stalled: 'True', reconciling: 'False', events: ['Warning Unsupported'], requeue: 'None' },
  },
  {
    name: 'HNSW on a serverless endpoint, Milvus unreachable: still Unsupported (the rule needs no Milvus)',
    reason: 'decided from the uri alone, before reachability',
    given: { observation: anObservation(fresh()).connectionUri(SERVERLESS).unavailable().build() },
    want: { actions: [], ready: { status: 'False', reason: 'Unsupported' } },
  },
  {
    name: 'AUTOINDEX on a serverless endpoint: created',
    reason: 'the one index type serverless accepts',
    given: { observation: anObservation(fresh().spec({ indexType: 'AUTOINDEX', params: undefined })).connectionUri(SERVERLESS).build() },
    want: { actions: [createIndexAction({ indexType: 'AUTOINDEX', params: {} })] },
  },
  {
    name: 'HNSW on a dedicated Zilliz Cloud cluster: created',
    reason: 'dedicated clusters take explicit index types',
    given: { observation: anObservation(fresh()).connectionUri('https://in01-0123456789abcdef.aws-us-west-2.vectordb.zillizcloud.com:19530').build() },
    want: { actions: [createIndexAction()] },
  },
];

decisionTable('JSON path indexes', jsonRows);
decisionTable('Zilliz Cloud serverless', serverlessRows);
