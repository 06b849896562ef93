// src/milvus/normalize.ts as tables: the shapes the SDK decodes (enum names with and without the
// proto prefix, enum numbers, int64 as strings, missing fields) and what the adapter makes of them.
// Rows marked [milvus] / [milvus-lite] are shapes seen from that server (milvus.md §0, §3.3).
import { describe, expect, it } from 'vitest';

import type { FieldInfo, IndexState, LoadState, ObservedIndex } from '../../src/milvus/types.js';
import {
  normaliseIndexState, normaliseLoadState, toCount, toFieldInfo, toObservedIndex, type RawField, type RawIndexDescription,
} from '../../src/milvus/normalize.js';

describe('normaliseIndexState', () => {
  const rows: Array<{ name: string; given: unknown; want: IndexState }> = [
    { name: 'name', given: 'Finished', want: 'Finished' },
    { name: 'name with proto prefix', given: 'IndexStateNone', want: 'None' },
    { name: 'other case', given: 'inprogress', want: 'InProgress' },
    { name: 'number 0', given: 0, want: 'None' },
    { name: 'number 1', given: 1, want: 'Unissued' },
    { name: 'number 2', given: 2, want: 'InProgress' },
    { name: 'number 3', given: 3, want: 'Finished' },
    { name: 'number 4', given: 4, want: 'Failed' },
    { name: 'number 5', given: 5, want: 'Retry' },
    { name: 'number out of the enum', given: 9, want: 'None' },
    { name: 'unknown name', given: 'Exploded', want: 'None' },
    { name: 'missing', given: undefined, want: 'None' },
  ];
  it.each(rows)('$name → $want', ({ given, want }) => {
    expect(normaliseIndexState(given)).toBe(want);
  });
});

describe('normaliseLoadState', () => {
  const rows: Array<{ name: string; given: unknown; want: LoadState | undefined }> = [
    { name: '[milvus] name with proto prefix', given: 'LoadStateLoaded', want: 'Loaded' },
    { name: 'name', given: 'NotLoad', want: 'NotLoad' },
    { name: 'prefix + Loading', given: 'LoadStateLoading', want: 'Loading' },
    { name: 'number 0', given: 0, want: 'NotExist' },
    { name: 'number 3', given: 3, want: 'Loaded' },
    { name: 'number out of the enum: unknown, not a guess', given: 7, want: undefined },
    { name: 'unknown name', given: 'Half', want: undefined },
    { name: 'missing', given: undefined, want: undefined },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    expect(normaliseLoadState(given)).toBe(want);
  });
});

describe('toCount (int64 as the SDK decodes it)', () => {
  it.each([
    { name: 'number', given: 10, want: 10 },
    { name: 'decimal string (int64)', given: '1000000', want: 1_000_000 },
    { name: 'missing', given: undefined, want: 0 },
    { name: 'garbage', given: 'lots', want: 0 },
    { name: 'infinite', given: Infinity, want: 0 },
  ])('$name', ({ given, want }) => {
    expect(toCount(given)).toBe(want);
  });
});

describe('toObservedIndex', () => {
  const rows: Array<{ name: string; given: RawIndexDescription; want: ObservedIndex }> = [
    {
      name: '[milvus] HNSW with params JSON, mmap property, int64 counts as strings',
      given: {
        index_name: 'emb', indexID: '4455', field_name: 'embedding', state: 'Finished',
        indexed_rows: '1000', total_rows: '1000', pending_index_rows: '0', index_state_fail_reason: '',
        params: [
          { key: 'index_type', value: 'HNSW' }, { key: 'metric_type', value: 'COSINE' },
          { key: 'params', value: '{"M":16,"efConstruction":200}' }, { key: 'mmap.enabled', value: 'true' },
        ],
      },
      want: {
        indexName: 'emb', indexId: '4455', fieldName: 'embedding', indexType: 'HNSW', metricType: 'COSINE',
        params: { M: '16', efConstruction: '200' }, properties: { 'mmap.enabled': 'true' },
        state: 'Finished', indexedRows: 1000, totalRows: 1000, pendingIndexRows: 0, failReason: '',
      },
    },
    {
      name: '[milvus-lite] scalar index: metric NONE, numeric indexID, Python JSON params',
      given: { index_name: 'title', indexID: 0, field_name: 'title', state: 'Finished', params: [{ key: 'index_type', value: 'INVERTED' }, { key: 'metric_type', value: 'NONE' }, { key: 'params', value: '{}' }] },
      want: {
        indexName: 'title', indexId: '0', fieldName: 'title', indexType: 'INVERTED', metricType: '', params: {}, properties: {},
        state: 'Finished', indexedRows: 0, totalRows: 0, pendingIndexRows: 0, failReason: '',
      },
    },
    {
      name: '[milvus] a failed build keeps the server reason',
      given: { index_name: 'emb', indexID: '9', field_name: 'embedding', state: 'Failed', index_state_fail_reason: 'out of memory', params: [{ key: 'index_type', value: 'DISKANN' }] },
      want: {
        indexName: 'emb', indexId: '9', fieldName: 'embedding', indexType: 'DISKANN', metricType: '', params: {}, properties: {},
        state: 'Failed', indexedRows: 0, totalRows: 0, pendingIndexRows: 0, failReason: 'out of memory',
      },
    },
    {
      name: 'everything missing: empty strings and zeros, never undefined',
      given: {},
      want: {
        indexName: '', indexId: '0', fieldName: '', indexType: '', metricType: '', params: {}, properties: {},
        state: 'None', indexedRows: 0, totalRows: 0, pendingIndexRows: 0, failReason: '',
      },
    },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    expect(toObservedIndex(given)).toEqual(want);
  });
});

describe('toFieldInfo', () => {
  const rows: Array<{ name: string; given: RawField; want: FieldInfo }> = [
    {
      name: 'vector field: dim from type_params (string)',
      given: { name: 'vec', data_type: 'FloatVector', is_primary_key: false, type_params: [{ key: 'dim', value: '768' }], element_type: 'None' },
      want: { name: 'vec', dataType: 'FloatVector', isPrimaryKey: false, isFunctionOutput: false, dim: 768 },
    },
    {
      name: 'primary key',
      given: { name: 'id', data_type: 'Int64', is_primary_key: true, type_params: [] },
      want: { name: 'id', dataType: 'Int64', isPrimaryKey: true, isFunctionOutput: false },
    },
    {
      name: 'array field: element type kept',
      given: { name: 'tags', data_type: 'Array', type_params: [{ key: 'max_capacity', value: '8' }], element_type: 'VarChar' },
      want: { name: 'tags', dataType: 'Array', isPrimaryKey: false, isFunctionOutput: false, elementType: 'VarChar' },
    },
    {
      name: 'element type 0 (numeric None) is no element type',
      given: { name: 'n', data_type: 'Int64', element_type: 0 },
      want: { name: 'n', dataType: 'Int64', isPrimaryKey: false, isFunctionOutput: false },
    },
    {
      name: 'BM25 output field',
      given: { name: 'sparse', data_type: 'SparseFloatVector', is_function_output: true },
      want: { name: 'sparse', dataType: 'SparseFloatVector', isPrimaryKey: false, isFunctionOutput: true },
    },
    {
      name: 'empty dim is no dim (not 0)',
      given: { name: 'vec', data_type: 'FloatVector', type_params: [{ key: 'dim', value: '' }] },
      want: { name: 'vec', dataType: 'FloatVector', isPrimaryKey: false, isFunctionOutput: false },
    },
    {
      name: 'non-numeric dim is no dim',
      given: { name: 'vec', data_type: 'FloatVector', type_params: [{ key: 'dim', value: 'wide' }] },
      want: { name: 'vec', dataType: 'FloatVector', isPrimaryKey: false, isFunctionOutput: false },
    },
    {
      name: 'numeric data type kept as its string',
      given: { name: 'x', data_type: 101 },
      want: { name: 'x', dataType: '101', isPrimaryKey: false, isFunctionOutput: false },
    },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    expect(toFieldInfo(given)).toEqual(want);
  });
});
