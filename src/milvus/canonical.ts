// Canonical forms of index build parameters. Desired params come from YAML (int-or-string), observed
// params come back from describeIndex as the JSON the client sent (Milvus) or as Python JSON with
// spaces (Lite: `{"M": 8, "efConstruction": 64}`), so both sides are normalised to strings before
// they are compared, and params are sent as sorted-key JSON so a repeated create is byte-identical
// (real Milvus compares the raw KV strings to decide whether a create is idempotent, milvus.md §2.2).

/** Index keys changed through alterIndexProperties, never part of the build params (milvus.md §2.6). */
export const MUTABLE_INDEX_PROPERTIES: readonly string[] = ['mmap.enabled', 'indexoffsetcache.enabled', 'warmup'];

export function isMutableIndexProperty(key: string): boolean {
  return MUTABLE_INDEX_PROPERTIES.includes(key);
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The canonical string of one param value: numbers (and numeric strings) in shortest JS form
 * (`8`, `"8"`, `8.0`, `"8.0"` → `"8"`; `"1e3"` → `"1000"`), booleans and `"True"`/`"FALSE"` →
 * `"true"`/`"false"`, other strings trimmed, objects/arrays as sorted-key JSON, null → `"null"`.
 */
export function canonicalParamValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') {
    const s = value.trim();
    if (NUMERIC.test(s)) {
      const n = Number(s);
      // Beyond 2^53 the number form would lose digits; keep the text.
      if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^[+-]?\d+$/.test(s))) return String(n);
      return s.replace(/^\+/, '');
    }
    const lower = s.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower;
    return s;
  }
  return stableJson(value);
}

/** The value as it is sent: numeric and boolean strings become JSON numbers/booleans, so `"8"` and `8` send the same bytes. */
export function canonicalTypedValue(value: unknown): unknown {
  const s = canonicalParamValue(value);
  if (typeof value === 'object' && value !== null) return JSON.parse(s) as unknown;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (NUMERIC.test(s)) {
    const n = Number(s);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^[+-]?\d+$/.test(s))) return n;
  }
  return typeof value === 'string' ? value.trim() : s;
}

/** Params with canonical string values, keys sorted. */
export function canonicalParams(params: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(params).sort()) out[key] = canonicalParamValue(params[key]);
  return out;
}

/**
 * The object that is sent as the index `params`: keys inserted in sorted order, values typed
 * canonically. `JSON.stringify` of it equals canonicalParamsJson (the SDK stringifies it).
 */
export function canonicalParamsObject(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(params).sort()) out[key] = canonicalTypedValue(params[key]);
  return out;
}

/** Stable compact JSON for sending: sorted keys, canonical value types (`{"M":8,"efConstruction":64}`). */
export function canonicalParamsJson(params: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(canonicalParamsObject(params));
}

export interface ParamDifference {
  key: string;
  /** Canonical desired value; undefined when only `observed` has the key. */
  want: string | undefined;
  /** Canonical observed value; undefined when only `desired` has the key. */
  got: string | undefined;
}

/** Keys whose canonical values differ, sorted by key. */
export function diffParams(desired: Readonly<Record<string, unknown>>, observed: Readonly<Record<string, unknown>>): ParamDifference[] {
  const want = canonicalParams(desired);
  const got = canonicalParams(observed);
  const keys = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
  const out: ParamDifference[] = [];
  for (const key of keys) {
    if (want[key] !== got[key]) out.push({ key, want: want[key], got: got[key] });
  }
  return out;
}

/** Index and metric types compare case-insensitively (Lite upper-cases `Trie` to `TRIE`). */
export function canonicalIndexType(t: string | undefined): string {
  return (t ?? '').trim().toUpperCase();
}

/** Metric type for comparison: upper-case; `NONE` (Lite, scalar indexes) and missing → ''. */
export function canonicalMetricType(t: string | undefined): string {
  const m = (t ?? '').trim().toUpperCase();
  return m === 'NONE' ? '' : m;
}

export interface ObservedParams {
  indexType: string;
  /** '' when the server reports none (scalar indexes; Lite says NONE). */
  metricType: string;
  /** Build params, canonical string values. */
  params: Record<string, string>;
  /** Mutable properties (mmap.enabled, indexoffsetcache.enabled, warmup), canonical strings. */
  properties: Record<string, string>;
}

/**
 * Splits describeIndex's `params` key/value pairs into type, metric, build params and mutable
 * properties. `params` holds a JSON object (Milvus: the client's JSON; Lite: Python JSON); keys
 * outside index_type/metric_type/params (older servers list build params flat) count as build
 * params unless they are mutable properties. A `params` value that is not a JSON object is kept
 * as the single param `params`. index_type keeps the server's spelling.
 */
export function parseObservedParams(kvPairs: ReadonlyArray<{ key: string; value: unknown }> | undefined): ObservedParams {
  const out: ObservedParams = { indexType: '', metricType: '', params: {}, properties: {} };
  const raw: Record<string, unknown> = {};
  for (const { key, value } of kvPairs ?? []) {
    if (key === 'index_type') {
      out.indexType = String(value ?? '').trim();
    } else if (key === 'metric_type') {
      const m = String(value ?? '').trim();
      out.metricType = m.toUpperCase() === 'NONE' ? '' : m;
    } else if (key === 'params') {
      const parsed = parseJsonObject(value);
      if (parsed) Object.assign(raw, parsed);
      else if (String(value ?? '').trim() !== '') raw.params = value;
    } else {
      raw[key] = value;
    }
  }
  for (const key of Object.keys(raw).sort()) {
    const v = canonicalParamValue(raw[key]);
    if (isMutableIndexProperty(key)) out.properties[key] = v;
    else out.params[key] = v;
  }
  return out;
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted at every level. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
