// Spec validation (design §1, milvus.md §2.5) and the definition comparison of compare.ts, as tables.
import { describe, expect, it } from 'vitest';
import type { MilvusIndexSpec } from '../../src/api/milvusindex.js';
import { indexSpecRules } from '../../src/api/admission-rules.js';
import { ALL_INDEX_TYPES, ALL_METRICS, SCALAR_ONLY_INDEX_TYPES, VECTOR_ONLY_INDEX_TYPES, metricsForIndexType } from '../../src/api/index-catalog.js';
import { validateAgainstField, validateSpec, type SpecProblem } from '../../src/api/validation.js';
import { canonicalParams, canonicalParamsObject } from '../../src/milvus/canonical.js';
import type { FieldInfo } from '../../src/milvus/types.js';
import { canonicalParamValue as canonicalScalar } from '../../src/milvus/canonical.js';
import { definitionDiff, propertiesDiff, type DefinitionDiff } from '../../src/reconcile/compare.js';
import { aField, aMilvusIndex, anIndex, aScalarIndex, type FieldBuilder } from './fakes.js';

/** The default spec (HNSW/COSINE, M 16, efConstruction 200 on `embedding`) with `patch` applied. */
const spec = (patch: Partial<MilvusIndexSpec> = {}): MilvusIndexSpec => aMilvusIndex().spec(patch).build().spec;
/** A spec for a scalar index (no metric, no params). */
const scalar = (indexType: string, patch: Partial<MilvusIndexSpec> = {}): MilvusIndexSpec => spec({ indexType, metricType: undefined, params: undefined, ...patch });
/** Params as they can arrive from the API server (the schema preserves unknown fields). */
const rawParams = (params: Record<string, unknown>): MilvusIndexSpec['params'] => params as MilvusIndexSpec['params'];

/** Problems reduced to [field, message matcher]: exactly these fields, each message containing the text. */
interface WantProblem { field: string; says: string }

function project(problems: SpecProblem[], want: WantProblem[]): Array<{ field: string; message: string }> {
  return problems.map((p, i) => ({ field: p.field, message: want[i] ? (p.message.includes(want[i].says) ? want[i].says : p.message) : p.message }));
}
const expected = (want: WantProblem[]) => want.map((w) => ({ field: w.field, message: w.says }));

// ---------------------------------------------------------------------------------------------

interface SpecRow { name: string; reason: string; given: MilvusIndexSpec; want: WantProblem[] }

const specRows: SpecRow[] = [
  { name: 'the default HNSW spec', reason: 'valid', given: spec(), want: [] },
  {
    name: 'unknown type "hnsw" (case)',
    reason: 'index types are case-sensitive; the message suggests the right spelling',
    given: spec({ indexType: 'hnsw' }),
    want: [{ field: 'spec.indexType', says: 'did you mean "HNSW"' }],
  },
  { name: 'unknown type "trie" (case)', reason: 'Milvus spells it Trie', given: scalar('trie'), want: [{ field: 'spec.indexType', says: 'did you mean "Trie"' }] },
  { name: 'unknown type', reason: 'the message lists the known types', given: spec({ indexType: 'ANNOY' }), want: [{ field: 'spec.indexType', says: 'use one of' }] },
  { name: 'metric HAMMING with HNSW', reason: 'a binary metric on a float index type', given: spec({ metricType: 'HAMMING' }), want: [{ field: 'spec.metricType', says: 'does not go with HNSW' }] },
  { name: 'metric L2 with BIN_FLAT', reason: 'a float metric on a binary index type', given: spec({ indexType: 'BIN_FLAT', metricType: 'L2', params: undefined }), want: [{ field: 'spec.metricType', says: 'does not go with BIN_FLAT' }] },
  { name: 'unknown metric', reason: 'the message lists the metrics of the type', given: spec({ metricType: 'EUCLID' }), want: [{ field: 'spec.metricType', says: 'use one of L2, IP, COSINE' }] },
  { name: 'vector index type without metric', reason: 'a vector index needs a metric', given: spec({ metricType: undefined }), want: [{ field: 'spec.metricType', says: 'required' }] },
  { name: 'MINHASH_LSH with JACCARD', reason: 'MINHASH_LSH requires MHJACCARD', given: spec({ indexType: 'MINHASH_LSH', metricType: 'JACCARD', params: undefined }), want: [{ field: 'spec.metricType', says: 'MHJACCARD' }] },
  {
    name: 'AUTOINDEX with params',
    reason: 'Milvus refuses params with AUTOINDEX ("only metric type can be passed")',
    given: spec({ indexType: 'AUTOINDEX', params: { M: 16 } }),
    want: [{ field: 'spec.params', says: 'AUTOINDEX takes no build params' }],
  },
  { name: 'AUTOINDEX with a metric and no params', reason: 'valid', given: spec({ indexType: 'AUTOINDEX', params: undefined }), want: [] },
  { name: 'AUTOINDEX without metric', reason: 'AUTOINDEX also serves scalar fields: the metric is optional here', given: scalar('AUTOINDEX'), want: [] },
  // JSON path indexes (json-path.ts): json_path is the field name then ["key"] / [n] steps; json_cast_type as Milvus documents it.
  { name: 'JSON path AUTOINDEX', reason: 'valid: AUTOINDEX takes the JSON path params', given: scalar('AUTOINDEX', { fieldName: 'meta', params: { json_path: 'meta["a"]["b"]', json_cast_type: 'VARCHAR' } }), want: [] },
  { name: 'JSON path INVERTED on an array element', reason: 'valid: [n] steps', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta["tags"][0]', json_cast_type: 'DOUBLE' } }), want: [] },
  { name: 'JSON path on the whole object', reason: 'valid: the path may be the field itself', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta', json_cast_type: 'ARRAY_VARCHAR' } }), want: [] },
  { name: 'JSON path of another field', reason: 'the path starts with the field name', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'other["a"]', json_cast_type: 'BOOL' } }), want: [{ field: 'spec.params.json_path', says: 'field name followed by' }] },
  { name: 'JSON path with a dot', reason: 'Milvus paths use ["key"] steps', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta.a', json_cast_type: 'BOOL' } }), want: [{ field: 'spec.params.json_path', says: 'meta["a"]["b"]' }] },
  { name: 'JSON path too long', reason: 'bounded at 512 characters', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: `meta${'["k"]'.repeat(103)}`, json_cast_type: 'BOOL' } }), want: [{ field: 'spec.params.json_path', says: 'at most 512' }] },
  { name: 'JSON path without cast type', reason: 'json_cast_type is required', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta["a"]' } }), want: [{ field: 'spec.params.json_cast_type', says: 'needs params.json_cast_type' }] },
  { name: 'JSON cast type in lower case', reason: 'the documented values are upper case; the message says which', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta["a"]', json_cast_type: 'varchar' } }), want: [{ field: 'spec.params.json_cast_type', says: '(upper case: "VARCHAR")' }] },
  { name: 'JSON cast type unknown', reason: 'one of the documented values', given: scalar('INVERTED', { fieldName: 'meta', params: { json_path: 'meta["a"]', json_cast_type: 'INT64' } }), want: [{ field: 'spec.params.json_cast_type', says: 'BOOL, DOUBLE, VARCHAR, ARRAY_BOOL, ARRAY_DOUBLE, ARRAY_VARCHAR' }] },
  { name: 'json_cast_type without json_path', reason: 'a cast needs a path', given: scalar('INVERTED', { fieldName: 'meta', params: { json_cast_type: 'BOOL' } }), want: [{ field: 'spec.params.json_cast_type', says: 'set params.json_path' }] },
  { name: 'JSON path with STL_SORT', reason: 'a JSON path takes AUTOINDEX or INVERTED', given: scalar('STL_SORT', { fieldName: 'meta', params: { json_path: 'meta["a"]', json_cast_type: 'DOUBLE' } }), want: [{ field: 'spec.indexType', says: 'AUTOINDEX or INVERTED' }] },
  { name: 'HNSW M = 1', reason: 'below the range 2..2048', given: spec({ params: { M: 1 } }), want: [{ field: 'spec.params.M', says: 'between 2 and 2048' }] },
  { name: 'HNSW M = 4096', reason: 'above the range 2..2048', given: spec({ params: { M: 4096 } }), want: [{ field: 'spec.params.M', says: 'between 2 and 2048' }] },
  { name: 'HNSW M = 16.5', reason: 'M is an integer', given: spec({ params: { M: 16.5 } }), want: [{ field: 'spec.params.M', says: 'an integer' }] },
  { name: 'HNSW M = "sixteen"', reason: 'not a number', given: spec({ params: { M: 'sixteen' } }), want: [{ field: 'spec.params.M', says: 'an integer' }] },
  { name: 'string numbers', reason: 'params are int-or-string: "16" and "200" are accepted', given: spec({ params: { M: '16', efConstruction: '200' } }), want: [] },
  { name: 'string number with spaces', reason: 'accepted like the number', given: spec({ params: { M: ' 32 ' } }), want: [] },
  { name: 'unlisted param', reason: 'only listed params are range-checked; others go to Milvus as they are', given: spec({ params: { M: 16, ef: 'whatever' } }), want: [] },
  { name: 'both HNSW params out of range', reason: 'every problem is reported at once', given: spec({ params: { M: 0, efConstruction: 0 } }), want: [{ field: 'spec.params.M', says: 'between 2 and 2048' }, { field: 'spec.params.efConstruction', says: 'between 1 and' }] },
  { name: 'nested object param', reason: 'params are scalars only', given: spec({ params: rawParams({ M: { value: 16 } }) }), want: [{ field: 'spec.params.M', says: 'must be a string, number or boolean, not object' }] },
  { name: 'list param', reason: 'params are scalars only', given: spec({ params: rawParams({ M: [16] }) }), want: [{ field: 'spec.params.M', says: 'not a list' }] },
  { name: 'null param', reason: 'params are scalars only', given: spec({ params: rawParams({ M: null }) }), want: [{ field: 'spec.params.M', says: 'not null' }] },
  { name: 'boolean param', reason: 'booleans are scalars', given: spec({ params: { M: 16, someFlag: true } }), want: [] },
  { name: 'SPARSE drop_ratio_build 0.2', reason: 'in range 0..0.999999', given: spec({ indexType: 'SPARSE_INVERTED_INDEX', metricType: 'IP', params: { drop_ratio_build: 0.2 } }), want: [] },
  { name: 'SPARSE drop_ratio_build 1.5', reason: 'out of range', given: spec({ indexType: 'SPARSE_INVERTED_INDEX', metricType: 'IP', params: { drop_ratio_build: 1.5 } }), want: [{ field: 'spec.params.drop_ratio_build', says: 'between 0 and 0.999999' }] },
  { name: 'scalar index with a metric', reason: 'INVERTED takes no metric', given: scalar('INVERTED', { metricType: 'L2' }), want: [{ field: 'spec.metricType', says: 'must be omitted for the scalar index type INVERTED' }] },
  { name: 'scalar index without metric', reason: 'valid', given: scalar('STL_SORT'), want: [] },
  // Objects stored before the CRD had size bounds (defect 6): short messages, so the status can still be written.
  { name: '40 KB param value', reason: 'longer than the CRD allows; the message gives the length, not the value', given: spec({ params: { M: 16, note: 'x'.repeat(40_000) } }), want: [{ field: 'spec.params.note', says: 'is 40000 characters long; at most 1024' }] },
  { name: '40 KB ranged param value', reason: 'reported once, by size, not also as out of range', given: spec({ params: { M: '9'.repeat(40_000) } }), want: [{ field: 'spec.params.M', says: 'at most 1024' }] },
  { name: '65 params', reason: 'more than the CRD allows', given: spec({ params: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, i])) }), want: [{ field: 'spec.params', says: 'has 65 entries; at most 64' }] },
  { name: 'a 200-character param key', reason: 'longer than the CRD allows; the key is quoted cut short', given: spec({ params: { M: 16, ['k'.repeat(200)]: 1 } }), want: [{ field: 'spec.params', says: '(202 characters) is longer than 128' }] },
  { name: 'a 2000-character property value', reason: 'longer than the CRD allows', given: spec({ properties: { 'mmap.enabled': 't'.repeat(2000) } }), want: [{ field: 'spec.properties.mmap.enabled', says: 'at most 1024' }] },
  { name: 'a 1000-character out-of-range value', reason: 'the quoted value is cut to 64 characters', given: spec({ params: { M: 'y'.repeat(1000) } }), want: [{ field: 'spec.params.M', says: '… (1002 characters)' }] },
];

describe('validateSpec (no Milvus needed)', () => {
  it.each(specRows.map((r) => [r.name, r] as [string, SpecRow]))('%s', (name, { reason, given, want }) => {
    expect(project(validateSpec(given), want), `${name}: ${reason}`).toEqual(expected(want));
  });

  it('every message stays short whatever the input size (a condition message is at most 32 KiB)', () => {
    const huge = 'z'.repeat(100_000);
    const problems = validateSpec(spec({ indexType: huge, params: rawParams({ [huge]: huge }) }));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.message.length, p.message.slice(0, 80)).toBeLessThan(2_000);
  });
});

/**
 * What the CEL rules in admission-rules.ts decide, written out from the same catalogue lists:
 * the API server must never refuse a metric choice that validateSpec accepts, nor admit one it refuses.
 */
function admissionRefusesMetric(indexType: string, metricType: string | undefined): boolean {
  if (metricType === undefined) return VECTOR_ONLY_INDEX_TYPES.includes(indexType);
  if (SCALAR_ONLY_INDEX_TYPES.includes(indexType)) return true;
  return !metricsForIndexType(indexType).includes(metricType);
}

describe('admission rules agree with validateSpec on every index type × metric', () => {
  const cases = ALL_INDEX_TYPES.flatMap((t) => [undefined, ...ALL_METRICS].map((m) => [t, m ?? '(none)', m] as [string, string, string | undefined]));
  it.each(cases)('%s with %s', (indexType, _label, metricType) => {
    const operatorRefuses = validateSpec(spec({ indexType, metricType, params: undefined })).some((p) => p.field === 'spec.metricType');
    expect(admissionRefusesMetric(indexType, metricType)).toBe(operatorRefuses);
  });

  it('the generated rules use these lists', () => {
    const rules = indexSpecRules().map((r) => r.rule).join('\n');
    for (const t of VECTOR_ONLY_INDEX_TYPES) expect(rules).toContain(`'${t}'`);
    for (const t of SCALAR_ONLY_INDEX_TYPES) expect(rules).toContain(`'${t}'`);
    expect(rules).toContain(`'MINHASH_LSH': ['MHJACCARD']`);
    expect(VECTOR_ONLY_INDEX_TYPES).toEqual(expect.arrayContaining(['HNSW', 'IVF_FLAT', 'BIN_FLAT', 'SPARSE_INVERTED_INDEX']));
    expect(SCALAR_ONLY_INDEX_TYPES).toEqual(expect.arrayContaining(['INVERTED', 'STL_SORT', 'Trie', 'BITMAP']));
    expect([...VECTOR_ONLY_INDEX_TYPES, ...SCALAR_ONLY_INDEX_TYPES]).not.toContain('AUTOINDEX');
  });
});

// ---------------------------------------------------------------------------------------------

interface FieldRow { name: string; reason: string; given: { spec: MilvusIndexSpec; field: FieldInfo }; want: WantProblem[] }

const f = (b: FieldBuilder): FieldInfo => b.build();

const fieldRows: FieldRow[] = [
  { name: 'HNSW on FloatVector', reason: 'valid', given: { spec: spec(), field: f(aField('embedding')) }, want: [] },
  { name: 'HNSW on Float16Vector', reason: 'half-precision vectors are float vectors', given: { spec: spec(), field: f(aField('embedding').type('Float16Vector')) }, want: [] },
  { name: 'HNSW on VarChar', reason: 'a vector index on a scalar field', given: { spec: spec(), field: f(aField('title').type('VarChar')) }, want: [{ field: 'spec.indexType', says: 'cannot index field "title" of type VarChar' }] },
  { name: 'BIN_FLAT on FloatVector', reason: 'a binary index on a float field', given: { spec: spec({ indexType: 'BIN_FLAT', metricType: 'HAMMING', params: undefined }), field: f(aField('embedding')) }, want: [{ field: 'spec.indexType', says: 'cannot index field "embedding" of type FloatVector' }] },
  { name: 'INVERTED on VarChar', reason: 'valid', given: { spec: scalar('INVERTED'), field: f(aField('title').type('VarChar')) }, want: [] },
  { name: 'HAMMING on BinaryVector with BIN_FLAT', reason: 'valid', given: { spec: spec({ indexType: 'BIN_FLAT', metricType: 'HAMMING', params: undefined }), field: f(aField('bits').binaryVector()) }, want: [] },
  { name: 'COSINE on BinaryVector with AUTOINDEX', reason: 'the metric does not fit the field type', given: { spec: spec({ indexType: 'AUTOINDEX', params: undefined }), field: f(aField('bits').binaryVector()) }, want: [{ field: 'spec.metricType', says: 'does not fit field "bits"' }] },
  {
    name: 'BM25 on a non-function sparse field',
    reason: 'BM25 needs a BM25 function output field; the message suggests IP',
    given: { spec: spec({ indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25', params: undefined }), field: f(aField('sparse').sparseVector()) },
    want: [{ field: 'spec.metricType', says: 'use IP' }],
  },
  { name: 'BM25 on a function output field', reason: 'valid', given: { spec: spec({ indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25', params: undefined }), field: f(aField('text_sparse').sparseVector().functionOutput()) }, want: [] },
  { name: 'BITMAP on the primary key', reason: 'Milvus refuses BITMAP on primary keys', given: { spec: scalar('BITMAP'), field: f(aField('id').type('Int64').primaryKey()) }, want: [{ field: 'spec.indexType', says: 'primary key' }] },
  { name: 'BITMAP on a plain Int64', reason: 'valid (low cardinality)', given: { spec: scalar('BITMAP'), field: f(aField('category').type('Int64')) }, want: [] },
  { name: 'BITMAP on Double', reason: 'BITMAP is not allowed on FLOAT/DOUBLE', given: { spec: scalar('BITMAP'), field: f(aField('score').type('Double')) }, want: [{ field: 'spec.indexType', says: 'cannot index field "score"' }] },
  { name: 'BITMAP on JSON', reason: 'BITMAP is not allowed on JSON', given: { spec: scalar('BITMAP'), field: f(aField('meta').type('JSON')) }, want: [{ field: 'spec.indexType', says: 'cannot index field "meta"' }] },
  { name: 'AUTOINDEX on a JSON path', reason: 'valid: Milvus accepts AUTOINDEX on JSON paths', given: { spec: scalar('AUTOINDEX', { fieldName: 'meta', params: { json_path: 'meta["a"]', json_cast_type: 'VARCHAR' } }), field: f(aField('meta').type('JSON')) }, want: [] },
  { name: 'INVERTED on a JSON field without a path', reason: 'a JSON field needs params.json_path and json_cast_type', given: { spec: scalar('INVERTED', { fieldName: 'meta' }), field: f(aField('meta').type('JSON')) }, want: [{ field: 'spec.params.json_path', says: 'needs params.json_path' }] },
  { name: 'a JSON path on a VarChar field', reason: 'json_path applies to JSON fields only', given: { spec: scalar('INVERTED', { fieldName: 'title', params: { json_path: 'title', json_cast_type: 'VARCHAR' } }), field: f(aField('title').type('VarChar')) }, want: [{ field: 'spec.params.json_path', says: 'JSON fields only' }] },
  { name: 'BITMAP on an Array of VarChar', reason: 'valid: BITMAP takes arrays of bool/int/varchar', given: { spec: scalar('BITMAP'), field: f(aField('tags').arrayOf('VarChar')) }, want: [] },
  {
    name: 'BITMAP on an Array of Float',
    reason: 'milvus.md §2.5: BITMAP on arrays only for bool/int/varchar elements (INVERTED for float/double)',
    given: { spec: scalar('BITMAP'), field: f(aField('weights').arrayOf('Float')) },
    want: [{ field: 'spec.indexType', says: 'BITMAP' }],
  },
  { name: 'scalar index with a metric on a scalar field', reason: 'AUTOINDEX fits VarChar but takes no metric there', given: { spec: spec({ indexType: 'AUTOINDEX', params: undefined }), field: f(aField('title').type('VarChar')) }, want: [{ field: 'spec.metricType', says: 'must be omitted for scalar field "title"' }] },
  { name: 'a type that cannot be indexed', reason: 'the message says so', given: { spec: scalar('INVERTED'), field: f(aField('blob').type('Unknown')) }, want: [{ field: 'spec.indexType', says: 'cannot be indexed' }] },
];

describe('validateAgainstField (field type from describeCollection)', () => {
  it.each(fieldRows.map((r) => [r.name, r] as [string, FieldRow]))('%s', (name, { reason, given, want }) => {
    expect(project(validateAgainstField(given.spec, given.field), want), `${name}: ${reason}`).toEqual(expected(want));
  });
});

// ---------------------------------------------------------------------------------------------
// compare.ts

interface ScalarRow { name: string; reason: string; given: unknown; want: string }

const scalarRows: ScalarRow[] = [
  { name: 'integer 8', reason: 'numbers in JS form', given: 8, want: '8' },
  { name: 'string "8"', reason: 'int-or-string: equal to 8', given: '8', want: '8' },
  { name: 'float 8.0', reason: '8.0 is 8', given: 8.0, want: '8' },
  { name: 'string "8.0"', reason: 'the same number', given: '8.0', want: '8' },
  { name: 'string " 8 "', reason: 'spaces around a number do not matter', given: ' 8 ', want: '8' },
  { name: 'string "1e3"', reason: 'exponent form', given: '1e3', want: '1000' },
  { name: 'string "0.20"', reason: 'trailing zero', given: '0.20', want: '0.2' },
  { name: 'true', reason: 'booleans as words', given: true, want: 'true' },
  { name: 'string "true"', reason: 'equal to true', given: 'true', want: 'true' },
  { name: 'string "DAAT_MAXSCORE"', reason: 'other strings stay', given: 'DAAT_MAXSCORE', want: 'DAAT_MAXSCORE' },
];

describe('canonicalParamValue: one canonical string per scalar', () => {
  it.each(scalarRows.map((r) => [r.name, r] as [string, ScalarRow]))('%s', (name, { reason, given, want }) => {
    expect(canonicalScalar(given), `${name}: ${reason}`).toBe(want);
  });
});

interface DiffRow { name: string; reason: string; given: { spec: MilvusIndexSpec; observed: ReturnType<typeof anIndex> }; want: DefinitionDiff[] }

const diffRows: DiffRow[] = [
  { name: 'same definition', reason: 'the default spec and index match', given: { spec: spec(), observed: anIndex() }, want: [] },
  { name: '8 vs "8"', reason: 'a number in the spec equals the string Milvus reports', given: { spec: spec({ params: { M: 8, efConstruction: 200 } }), observed: anIndex().params({ M: '8', efConstruction: '200' }) }, want: [] },
  { name: '"8" vs 8', reason: 'a string in the spec equals the number', given: { spec: spec({ params: { M: '8', efConstruction: '200' } }), observed: anIndex().params({ M: 8, efConstruction: 200 }) }, want: [] },
  { name: 'metric NONE vs unset', reason: 'scalar indexes: Lite reports NONE for no metric', given: { spec: scalar('INVERTED', { fieldName: 'title' }), observed: aScalarIndex().metric('NONE') }, want: [] },
  { name: 'metric "" vs unset', reason: 'no metric on both sides', given: { spec: scalar('INVERTED', { fieldName: 'title' }), observed: aScalarIndex() }, want: [] },
  { name: 'param differs', reason: 'desired and observed in canonical form', given: { spec: spec({ params: { M: 32, efConstruction: 200 } }), observed: anIndex() }, want: [{ field: 'params.M', desired: '32', observed: '16' }] },
  { name: 'param only in Milvus', reason: 'a removed param is a change too', given: { spec: spec({ params: { M: 16 } }), observed: anIndex() }, want: [{ field: 'params.efConstruction', desired: '(unset)', observed: '200' }] },
  { name: 'index type differs', reason: 'the type is immutable', given: { spec: spec({ indexType: 'IVF_FLAT', params: undefined }), observed: anIndex().params({}) }, want: [{ field: 'indexType', desired: 'IVF_FLAT', observed: 'HNSW' }] },
  { name: 'metric differs', reason: 'the metric is immutable', given: { spec: spec({ metricType: 'L2' }), observed: anIndex() }, want: [{ field: 'metricType', desired: 'L2', observed: 'COSINE' }] },
];

describe('definitionDiff', () => {
  it.each(diffRows.map((r) => [r.name, r] as [string, DiffRow]))('%s', (name, { reason, given, want }) => {
    expect(definitionDiff(given.spec, given.observed.build()), `${name}: ${reason}`).toEqual(want);
  });
});

interface RoundTripRow { name: string; reason: string; given: Record<string, string | number | boolean>; want: DefinitionDiff[] }

// What the operator sends (canonicalParamsObject) and reads back (canonicalParams, as the adapter
// normalises describeIndex) must compare equal to the spec it came from: otherwise the operator's
// own index shows up as ImmutableChange (Reject) or is dropped and recreated forever (Recreate).
const roundTripRows: RoundTripRow[] = [
  { name: 'numbers', reason: 'plain', given: { M: 16, efConstruction: 200 }, want: [] },
  { name: 'numeric strings', reason: '"16" is sent as 16', given: { M: '16', efConstruction: '200.0' }, want: [] },
  { name: 'booleans', reason: 'plain', given: { M: 16, flag: true }, want: [] },
  { name: 'boolean string "true"', reason: 'sent as true', given: { M: 16, flag: 'true' }, want: [] },
  { name: 'boolean string "True"', reason: 'sent as true, read back as "true"', given: { M: 16, flag: 'True' }, want: [] },
  { name: 'string with spaces', reason: 'sent trimmed, read back trimmed', given: { M: 16, inverted_index_algo: ' DAAT_MAXSCORE ' }, want: [] },
];

describe('definitionDiff after a round trip through Milvus', () => {
  it.each(roundTripRows.map((r) => [r.name, r] as [string, RoundTripRow]))('%s', (name, { reason, given, want }) => {
    const desired = spec({ params: given });
    const readBack = anIndex().params(canonicalParams(canonicalParamsObject(given))).build();
    expect(definitionDiff(desired, readBack), `${name}: ${reason}`).toEqual(want);
  });
});

interface PropsRow { name: string; reason: string; given: { spec: Record<string, string>; observed: Record<string, string> }; want: Record<string, string> }

const propsRows: PropsRow[] = [
  { name: 'equal', reason: 'nothing to alter', given: { spec: { 'mmap.enabled': 'true' }, observed: { 'mmap.enabled': 'true' } }, want: {} },
  { name: 'missing in Milvus', reason: 'alter it', given: { spec: { 'mmap.enabled': 'true' }, observed: {} }, want: { 'mmap.enabled': 'true' } },
  { name: 'different value', reason: 'alter it', given: { spec: { 'mmap.enabled': 'false' }, observed: { 'mmap.enabled': 'true' } }, want: { 'mmap.enabled': 'false' } },
  { name: 'key only in Milvus', reason: 'keys the spec does not set are left alone', given: { spec: {}, observed: { 'mmap.enabled': 'true' } }, want: {} },
  { name: '"True" vs "true"', reason: 'the adapter reports canonical "true"; the same value must not be altered again and again', given: { spec: { 'mmap.enabled': 'True' }, observed: { 'mmap.enabled': 'true' } }, want: {} },
];

describe('propertiesDiff', () => {
  it.each(propsRows.map((r) => [r.name, r] as [string, PropsRow]))('%s', (name, { reason, given, want }) => {
    expect(propertiesDiff(spec({ properties: given.spec }), anIndex().properties(given.observed).build()), `${name}: ${reason}`).toEqual(want);
  });
});
