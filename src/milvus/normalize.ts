// SDK responses → the adapter's types. The SDK decodes enums as names (sometimes numbers, with or
// without the proto prefix: 'IndexStateNone', 'LoadStateLoaded'), int64 as strings, and leaves
// optional fields out; nothing here throws.

import { INDEX_STATES } from '../api/milvusindex.js';
import { parseObservedParams } from './canonical.js';
import type { FieldInfo, IndexState, LoadState, ObservedIndex } from './types.js';

export interface RawKeyValue {
  key: string;
  value: unknown;
}

/** One schema field of a DescribeCollection response, as the SDK decodes it. */
export interface RawField {
  name?: string;
  data_type?: string | number;
  is_primary_key?: boolean;
  type_params?: RawKeyValue[];
  element_type?: string | number;
  is_function_output?: boolean;
}

/** One entry of a DescribeIndex response, as the SDK decodes it. */
export interface RawIndexDescription {
  index_name?: string;
  indexID?: string | number;
  field_name?: string;
  params?: RawKeyValue[];
  indexed_rows?: string | number;
  total_rows?: string | number;
  pending_index_rows?: string | number;
  state?: string | number;
  index_state_fail_reason?: string;
}

/** In proto enum order, so a numeric state indexes them. */
const LOAD_STATES: readonly LoadState[] = ['NotExist', 'NotLoad', 'Loading', 'Loaded'];

/** 'Finished' / 'IndexStateNone' / 3 → IndexState; anything unknown → 'None'. */
export function normaliseIndexState(state: unknown): IndexState {
  if (typeof state === 'number') return INDEX_STATES[state] ?? 'None';
  const s = String(state ?? '').replace(/^IndexState/, '');
  return INDEX_STATES.find((x) => x.toLowerCase() === s.toLowerCase()) ?? 'None';
}

/** 'LoadStateLoaded' / 'Loaded' / 3 → 'Loaded'; undefined for anything unknown. */
export function normaliseLoadState(state: unknown): LoadState | undefined {
  if (typeof state === 'number') return LOAD_STATES[state];
  const s = String(state ?? '').replace(/^LoadState/, '');
  return LOAD_STATES.find((x) => x.toLowerCase() === s.toLowerCase());
}

/** An int64 count (number or decimal string); 0 for anything else. */
export function toCount(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v ?? '0'));
  return Number.isFinite(n) ? n : 0;
}

/** One describeIndex entry as an ObservedIndex (params canonical, see canonical.ts). */
export function toObservedIndex(d: RawIndexDescription): ObservedIndex {
  const p = parseObservedParams(d.params);
  return {
    indexName: d.index_name ?? '',
    indexId: String(d.indexID ?? '0'),
    fieldName: d.field_name ?? '',
    indexType: p.indexType,
    metricType: p.metricType,
    params: p.params,
    properties: p.properties,
    state: normaliseIndexState(d.state),
    indexedRows: toCount(d.indexed_rows),
    totalRows: toCount(d.total_rows),
    pendingIndexRows: toCount(d.pending_index_rows),
    failReason: d.index_state_fail_reason ?? '',
  };
}

/** One schema field as a FieldInfo: `dim` from type_params; elementType only for a real element type. */
export function toFieldInfo(f: RawField): FieldInfo {
  const info: FieldInfo = {
    name: f.name ?? '',
    dataType: String(f.data_type ?? ''),
    isPrimaryKey: f.is_primary_key === true,
    isFunctionOutput: f.is_function_output === true,
  };
  const dim = f.type_params?.find((kv) => kv.key === 'dim')?.value;
  if (dim !== undefined && dim !== null && dim !== '' && Number.isFinite(Number(dim))) info.dim = Number(dim);
  const element = f.element_type === undefined ? '' : String(f.element_type);
  if (element !== '' && element !== 'None' && element !== '0') info.elementType = element;
  return info;
}
