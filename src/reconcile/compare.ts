import type { MilvusIndexSpec } from '../api/milvusindex.js';
import { canonicalParamValue } from '../milvus/canonical.js';
import type { ObservedIndex } from '../milvus/types.js';

/**
 * One canonical string per scalar so that 8, "8" and 8.0 compare equal, as do true and "True".
 * The same function canonicalises what the Milvus adapter sends and reads back (a pure module, no
 * I/O), so "equal here" means "byte-identical there" (Milvus compares the raw strings it was sent,
 * milvus.md §2.2).
 */
export function canonicalScalar(v: unknown): string {
  return canonicalParamValue(v);
}

export interface DefinitionDiff {
  field: 'indexType' | 'metricType' | `params.${string}`;
  desired: string;
  observed: string;
}

/** The immutable build definition of an index as a spec states it (what a recreate changes). */
export type IndexDefinition = Pick<MilvusIndexSpec, 'indexType' | 'metricType' | 'params'>;

/** The definition part of a spec (a copy: safe to keep beside the informer's object). */
export function definitionOf(spec: MilvusIndexSpec): IndexDefinition {
  return {
    indexType: spec.indexType,
    ...(spec.metricType !== undefined ? { metricType: spec.metricType } : {}),
    ...(spec.params !== undefined ? { params: { ...spec.params } } : {}),
  };
}

/** Differences in the immutable build definition (type, metric, params). Empty = same index. */
export function definitionDiff(spec: IndexDefinition, idx: Pick<ObservedIndex, 'indexType' | 'metricType' | 'params'>): DefinitionDiff[] {
  const out: DefinitionDiff[] = [];
  if (spec.indexType !== idx.indexType) out.push({ field: 'indexType', desired: spec.indexType, observed: idx.indexType });
  const desiredMetric = spec.metricType ?? '';
  if (desiredMetric !== idx.metricType && !(desiredMetric === '' && idx.metricType === 'NONE')) {
    out.push({ field: 'metricType', desired: desiredMetric || '(none)', observed: idx.metricType || '(none)' });
  }
  const desired = spec.params ?? {};
  const keys = new Set([...Object.keys(desired), ...Object.keys(idx.params)]);
  for (const k of [...keys].sort()) {
    const d = k in desired ? canonicalScalar(desired[k]) : undefined;
    const o = k in idx.params ? canonicalScalar(idx.params[k]) : undefined;
    if (d !== o) out.push({ field: `params.${k}`, desired: d ?? '(unset)', observed: o ?? '(unset)' });
  }
  return out;
}

/** Properties the spec sets that Milvus reports differently (keys not in the spec are left alone). */
export function propertiesDiff(spec: MilvusIndexSpec, idx: ObservedIndex): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.properties ?? {})) {
    if (canonicalScalar(idx.properties[k] ?? '') !== canonicalScalar(v)) out[k] = v;
  }
  return out;
}

export function formatDiff(diff: DefinitionDiff[]): string {
  return diff.map((d) => `${d.field}: Milvus has ${d.observed}, spec wants ${d.desired}`).join('; ');
}
