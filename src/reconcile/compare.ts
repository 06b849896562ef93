import type { MilvusIndexSpec } from '../api/milvusindex.js';
import { canonicalIndexType, canonicalMetricType, canonicalParamValue, diffParams } from '../milvus/canonical.js';
import type { ObservedIndex } from '../milvus/types.js';

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

/**
 * Differences in the immutable build definition (type, metric, params), compared in the one canonical
 * form the Milvus adapter also sends (src/milvus/canonical.ts): index and metric types
 * case-insensitively (Lite reports `Trie` as `TRIE`, scalar metrics as `NONE`), params by canonical value.
 * Empty = same index.
 */
export function definitionDiff(spec: IndexDefinition, idx: Pick<ObservedIndex, 'indexType' | 'metricType' | 'params'>): DefinitionDiff[] {
  const out: DefinitionDiff[] = [];
  if (canonicalIndexType(spec.indexType) !== canonicalIndexType(idx.indexType)) out.push({ field: 'indexType', desired: spec.indexType, observed: idx.indexType });
  if (canonicalMetricType(spec.metricType) !== canonicalMetricType(idx.metricType)) {
    out.push({ field: 'metricType', desired: spec.metricType || '(none)', observed: canonicalMetricType(idx.metricType) || '(none)' });
  }
  for (const d of diffParams(spec.params ?? {}, idx.params)) out.push({ field: `params.${d.key}`, desired: d.want ?? '(unset)', observed: d.got ?? '(unset)' });
  return out;
}

/** Properties the spec sets that Milvus reports differently (keys not in the spec are left alone). */
export function propertiesDiff(spec: MilvusIndexSpec, idx: ObservedIndex): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.properties ?? {})) {
    if (canonicalParamValue(idx.properties[k] ?? '') !== canonicalParamValue(v)) out[k] = v;
  }
  return out;
}

export function formatDiff(diff: DefinitionDiff[]): string {
  return diff.map((d) => `${d.field}: Milvus has ${d.observed}, spec wants ${d.desired}`).join('; ');
}
