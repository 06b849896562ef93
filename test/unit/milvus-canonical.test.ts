import { describe, expect, it } from 'vitest';

import {
  canonicalIndexType,
  canonicalMetricType,
  canonicalParamValue,
  canonicalParams,
  canonicalParamsJson,
  canonicalParamsObject,
  diffParams,
  parseObservedParams,
} from '../../src/milvus/canonical.js';

describe('canonicalParamValue', () => {
  it.each([
    { name: 'integer', given: 8, want: '8' },
    { name: 'integer as string', given: '8', want: '8' },
    { name: 'float with zero fraction', given: 8.0, want: '8' },
    { name: 'string with zero fraction', given: '8.0', want: '8' },
    { name: 'string with spaces', given: ' 64 ', want: '64' },
    { name: 'exponent', given: '1e3', want: '1000' },
    { name: 'leading plus', given: '+5', want: '5' },
    { name: 'fraction', given: '0.50', want: '0.5' },
    { name: 'bare fraction', given: '.5', want: '0.5' },
    { name: 'negative', given: -3, want: '-3' },
    { name: 'integer beyond 2^53 keeps its digits', given: '9007199254740993', want: '9007199254740993' },
    { name: 'boolean', given: true, want: 'true' },
    { name: 'Python-style boolean string', given: 'True', want: 'true' },
    { name: 'upper-case boolean string', given: 'FALSE', want: 'false' },
    { name: 'plain string', given: 'DAAT_MAXSCORE', want: 'DAAT_MAXSCORE' },
    { name: 'json path stays a string', given: 'metadata["a"]', want: 'metadata["a"]' },
    { name: 'version-like string is not a number', given: '1.2.3', want: '1.2.3' },
    { name: 'object → sorted JSON', given: { b: 1, a: [2, { d: 1, c: 2 }] }, want: '{"a":[2,{"c":2,"d":1}],"b":1}' },
    { name: 'null', given: null, want: 'null' },
  ])('$name', ({ given, want }) => {
    expect(canonicalParamValue(given)).toBe(want);
  });
});

describe('canonicalParamsJson', () => {
  it.each([
    { name: 'sorts keys', given: { efConstruction: 64, M: 8 }, want: '{"M":8,"efConstruction":64}' },
    { name: 'numeric strings are sent as numbers', given: { M: '8', efConstruction: '64.0' }, want: '{"M":8,"efConstruction":64}' },
    { name: 'boolean strings are sent as booleans', given: { with_raw_data: 'True' }, want: '{"with_raw_data":true}' },
    { name: 'other strings stay strings (trimmed)', given: { inverted_index_algo: ' DAAT_MAXSCORE ' }, want: '{"inverted_index_algo":"DAAT_MAXSCORE"}' },
    { name: 'empty', given: {}, want: '{}' },
  ])('$name', ({ given, want }) => {
    expect(canonicalParamsJson(given)).toBe(want);
  });

  it('8, "8" and 8.0 send the same bytes', () => {
    const forms = [{ M: 8 }, { M: '8' }, { M: 8.0 }, { M: ' 8.0 ' }].map(canonicalParamsJson);
    expect(new Set(forms).size).toBe(1);
  });

  it('is what the SDK sends: JSON.stringify(canonicalParamsObject(p))', () => {
    const p = { nlist: '128', M: 16, efConstruction: 200, z: 'x' };
    expect(JSON.stringify(canonicalParamsObject(p))).toBe(canonicalParamsJson(p));
  });
});

describe('parseObservedParams', () => {
  const kv = (pairs: Record<string, string>) => Object.entries(pairs).map(([key, value]) => ({ key, value }));
  it.each([
    {
      name: '[milvus-lite] HNSW, Python JSON with spaces',
      given: kv({ index_type: 'HNSW', metric_type: 'L2', params: '{"M": 8, "efConstruction": 64}' }),
      want: { indexType: 'HNSW', metricType: 'L2', params: { M: '8', efConstruction: '64' }, properties: {} },
    },
    {
      name: '[milvus-lite] scalar INVERTED: metric NONE → empty, no params key',
      given: kv({ index_type: 'INVERTED', metric_type: 'NONE' }),
      want: { indexType: 'INVERTED', metricType: '', params: {}, properties: {} },
    },
    {
      name: '[milvus] client JSON plus mmap.enabled after alter',
      given: kv({ index_type: 'HNSW', metric_type: 'COSINE', params: '{"M":16,"efConstruction":200}', 'mmap.enabled': 'true' }),
      want: { indexType: 'HNSW', metricType: 'COSINE', params: { M: '16', efConstruction: '200' }, properties: { 'mmap.enabled': 'true' } },
    },
    {
      name: '[milvus] AUTOINDEX with metric only',
      given: kv({ index_type: 'AUTOINDEX', metric_type: 'COSINE' }),
      want: { indexType: 'AUTOINDEX', metricType: 'COSINE', params: {}, properties: {} },
    },
    {
      name: '[milvus] older server: build params listed flat',
      given: kv({ index_type: 'IVF_FLAT', metric_type: 'L2', nlist: '128', warmup: 'sync', 'indexoffsetcache.enabled': 'False' }),
      want: { indexType: 'IVF_FLAT', metricType: 'L2', params: { nlist: '128' }, properties: { 'indexoffsetcache.enabled': 'false', warmup: 'sync' } },
    },
    {
      name: 'mutable key inside the params JSON counts as a property',
      given: kv({ index_type: 'HNSW', metric_type: 'L2', params: '{"M":8,"mmap.enabled":true}' }),
      want: { indexType: 'HNSW', metricType: 'L2', params: { M: '8' }, properties: { 'mmap.enabled': 'true' } },
    },
    {
      name: 'JSON path index params',
      given: kv({ index_type: 'INVERTED', params: '{"json_cast_type": "varchar", "json_path": "meta[\\"a\\"]"}' }),
      want: { indexType: 'INVERTED', metricType: '', params: { json_cast_type: 'varchar', json_path: 'meta["a"]' }, properties: {} },
    },
    {
      name: 'params that are not a JSON object are kept as one param',
      given: kv({ index_type: 'HNSW', metric_type: 'L2', params: 'not json' }),
      want: { indexType: 'HNSW', metricType: 'L2', params: { params: 'not json' }, properties: {} },
    },
    {
      name: 'empty params string',
      given: kv({ index_type: 'FLAT', metric_type: 'IP', params: '' }),
      want: { indexType: 'FLAT', metricType: 'IP', params: {}, properties: {} },
    },
    { name: 'nothing', given: [], want: { indexType: '', metricType: '', params: {}, properties: {} } },
  ])('$name', ({ given, want }) => {
    expect(parseObservedParams(given)).toEqual(want);
  });

  it('round-trips what is sent: observed params equal the desired ones canonically', () => {
    const desired = { efConstruction: '64', M: 8 };
    // Milvus stores the client's JSON as sent; Lite re-serialises it as Python JSON.
    for (const stored of [canonicalParamsJson(desired), '{"M": 8, "efConstruction": 64}']) {
      const observed = parseObservedParams([{ key: 'params', value: stored }]);
      expect(diffParams(desired, observed.params)).toEqual([]);
    }
  });
});

describe('canonicalParams / diffParams', () => {
  it('sorts keys and stringifies values', () => {
    expect(Object.entries(canonicalParams({ b: 2, a: '1.0' }))).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it.each([
    { name: 'same values in different forms', given: { want: { M: 8, efConstruction: '64' }, got: { M: '8', efConstruction: '64' } }, want: [] },
    {
      name: 'changed value',
      given: { want: { M: 16 }, got: { M: '8' } },
      want: [{ key: 'M', want: '16', got: '8' }],
    },
    {
      name: 'missing and extra keys',
      given: { want: { M: 8, efConstruction: 64 }, got: { M: 8, nlist: 128 } },
      want: [
        { key: 'efConstruction', want: '64', got: undefined },
        { key: 'nlist', want: undefined, got: '128' },
      ],
    },
  ])('$name', ({ given, want }) => {
    expect(diffParams(given.want, given.got)).toEqual(want);
  });
});

describe('canonical index and metric types', () => {
  it.each([
    { name: 'Trie vs TRIE (Lite upper-cases)', given: ['Trie', 'TRIE'], want: true },
    { name: 'hnsw vs HNSW', given: ['hnsw', 'HNSW'], want: true },
    { name: 'HNSW vs IVF_FLAT', given: ['HNSW', 'IVF_FLAT'], want: false },
  ])('index type: $name', ({ given, want }) => {
    expect(canonicalIndexType(given[0]) === canonicalIndexType(given[1])).toBe(want);
  });

  it.each([
    { name: 'NONE → empty', given: 'NONE', want: '' },
    { name: 'missing → empty', given: undefined, want: '' },
    { name: 'cosine → COSINE', given: 'cosine', want: 'COSINE' },
  ])('metric type: $name', ({ given, want }) => {
    expect(canonicalMetricType(given)).toBe(want);
  });
});
