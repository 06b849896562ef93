import type { MilvusIndexSpec } from './milvusindex.js';
import { ALL_INDEX_TYPES, ALL_METRICS, PARAM_RANGES, familiesOfIndexType, fieldFamily, indexTypesFor, isVectorFamily, metricsFor } from './index-catalog.js';
import { JSON_PARAM_KEYS, jsonFieldProblems, jsonParamProblems } from './json-path.js';
import { LIMITS } from './schema-helpers.js';

/** Longest user value a message quotes: a message must stay far below a condition's 32 KiB. */
const QUOTE_MAX = 64;

/** `value` as JSON, cut to QUOTE_MAX characters, for messages. */
export function quote(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length <= QUOTE_MAX ? s : `${s.slice(0, QUOTE_MAX)}… (${s.length} characters)`;
}

/** One thing wrong with a spec: what, and how to fix it (a sentence a person can act on). */
export interface SpecProblem {
  field: string;
  message: string;
}

/** What validation needs to know about the target field (from describeCollection). */
export interface FieldShape {
  name: string;
  dataType: string;
  isPrimaryKey: boolean;
  isFunctionOutput: boolean;
  /** Element type of an Array field. */
  elementType?: string;
}

/**
 * Checks that need no Milvus: known index type, metric consistent with the type, params scalar and
 * in range. Pure; runs before any Milvus call.
 */
export function validateSpec(spec: MilvusIndexSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const families = familiesOfIndexType(spec.indexType);
  if (families.length === 0) {
    const hint = ALL_INDEX_TYPES.find((t) => t.toLowerCase() === spec.indexType.toLowerCase());
    problems.push({
      field: 'spec.indexType',
      message: hint
        ? `indexType ${quote(spec.indexType)} is not known; index types are case-sensitive, did you mean "${hint}"?`
        : `indexType ${quote(spec.indexType)} is not known; use one of ${ALL_INDEX_TYPES.join(', ')}`,
    });
    return problems;
  }
  const vectorCapable = families.some(isVectorFamily);
  const scalarOnly = families.every((f) => !isVectorFamily(f));
  if (spec.metricType !== undefined) {
    if (scalarOnly) {
      problems.push({ field: 'spec.metricType', message: `metricType must be omitted for the scalar index type ${spec.indexType}` });
    } else if (!ALL_METRICS.includes(spec.metricType)) {
      const allowed = [...new Set(families.flatMap(metricsFor))];
      problems.push({ field: 'spec.metricType', message: `metricType ${quote(spec.metricType)} is not valid for ${spec.indexType}; use one of ${allowed.join(', ')}` });
    } else if (!families.some((f) => metricsFor(f).includes(spec.metricType!))) {
      const allowed = [...new Set(families.flatMap(metricsFor))];
      problems.push({ field: 'spec.metricType', message: `metricType ${spec.metricType} does not go with ${spec.indexType}; use one of ${allowed.join(', ')}` });
    }
  } else if (vectorCapable && !families.some((f) => !isVectorFamily(f))) {
    problems.push({ field: 'spec.metricType', message: `metricType is required for the vector index type ${spec.indexType} (e.g. ${metricsFor(families[0]!)[0] ?? 'L2'})` });
  }
  if (spec.indexType === 'MINHASH_LSH' && spec.metricType !== undefined && spec.metricType !== 'MHJACCARD') {
    problems.push({ field: 'spec.metricType', message: 'MINHASH_LSH requires metricType MHJACCARD' });
  }
  const params = spec.params ?? {};
  const buildParams = Object.keys(params).filter((k) => !(JSON_PARAM_KEYS as readonly string[]).includes(k));
  if (spec.indexType === 'AUTOINDEX' && buildParams.length > 0) {
    problems.push({ field: 'spec.params', message: 'AUTOINDEX takes no build params (Milvus chooses them; only the JSON path params json_path, json_cast_type, json_cast_function); remove them or pick an explicit index type such as HNSW' });
  }
  problems.push(...jsonParamProblems(spec));
  problems.push(...sizeProblems(spec));
  const ranges = PARAM_RANGES[spec.indexType] ?? {};
  for (const [key, value] of Object.entries(params)) {
    if (key.length > LIMITS.paramKey || (typeof value === 'string' && value.length > LIMITS.paramValue)) continue;
    if (value === null || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) {
      problems.push({ field: `spec.params.${key}`, message: `params.${key} must be a string, number or boolean, not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}` });
      continue;
    }
    const range = ranges[key];
    if (!range) continue;
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(n) || (range.integer && !Number.isInteger(n))) {
      problems.push({ field: `spec.params.${key}`, message: `params.${key} of ${spec.indexType} must be ${range.integer ? 'an integer' : 'a number'} between ${range.min} and ${range.max}, got ${quote(value)}` });
    } else if (n < range.min || n > range.max) {
      problems.push({ field: `spec.params.${key}`, message: `params.${key} of ${spec.indexType} must be between ${range.min} and ${range.max}, got ${n}` });
    }
  }
  return problems;
}

/** Checks against the collection's schema: the index type and metric fit the field's type. Pure. */
export function validateAgainstField(spec: MilvusIndexSpec, field: FieldShape): SpecProblem[] {
  const family = fieldFamily(field.dataType);
  const allowedTypes = indexTypesFor(family);
  if (!allowedTypes.includes(spec.indexType)) {
    return [{
      field: 'spec.indexType',
      message: allowedTypes.length === 0
        ? `field "${field.name}" has type ${field.dataType}, which cannot be indexed`
        : `indexType ${spec.indexType} cannot index field "${field.name}" of type ${field.dataType}; use one of ${allowedTypes.join(', ')}`,
    }];
  }
  const problems: SpecProblem[] = [...jsonFieldProblems(spec, field)];
  if (isVectorFamily(family)) {
    const metrics = metricsFor(family);
    if (spec.metricType !== undefined && !metrics.includes(spec.metricType)) {
      problems.push({ field: 'spec.metricType', message: `metricType ${spec.metricType} does not fit field "${field.name}" of type ${field.dataType}; use one of ${metrics.join(', ')}` });
    }
    if (spec.metricType === 'BM25' && !field.isFunctionOutput) {
      problems.push({ field: 'spec.metricType', message: `metricType BM25 needs a BM25 function output field; "${field.name}" is a plain sparse field, use IP` });
    }
  } else if (spec.metricType !== undefined) {
    problems.push({ field: 'spec.metricType', message: `metricType must be omitted for scalar field "${field.name}" (${field.dataType})` });
  }
  if (spec.indexType === 'BITMAP' && family === 'Array' && field.elementType !== undefined && !['Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'VarChar', 'String'].includes(field.elementType)) {
    problems.push({ field: 'spec.indexType', message: `BITMAP cannot index field "${field.name}", an Array of ${field.elementType}; BITMAP takes arrays of Bool, integers or VarChar, use INVERTED` });
  }
  if (spec.indexType === 'BITMAP' && field.isPrimaryKey) {
    problems.push({ field: 'spec.indexType', message: `BITMAP cannot index the primary key "${field.name}"; use INVERTED or STL_SORT` });
  }
  return problems;
}

/**
 * The CRD's size bounds, checked again for objects stored before the CRD had them: such a spec is
 * InvalidSpec with a short message (quoting it whole could make the status itself too large).
 */
function sizeProblems(spec: MilvusIndexSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const maps = [['params', spec.params ?? {}, LIMITS.params, LIMITS.paramKey, LIMITS.paramValue], ['properties', spec.properties ?? {}, LIMITS.properties, LIMITS.propertyKey, LIMITS.propertyValue]] as const;
  for (const [name, map, maxEntries, maxKey, maxValue] of maps) {
    const entries = Object.entries(map as Record<string, unknown>);
    if (entries.length > maxEntries) problems.push({ field: `spec.${name}`, message: `${name} has ${entries.length} entries; at most ${maxEntries} are allowed` });
    for (const [key, value] of entries) {
      if (key.length > maxKey) problems.push({ field: `spec.${name}`, message: `${name} key ${quote(key)} is longer than ${maxKey} characters` });
      else if (typeof value === 'string' && value.length > maxValue) problems.push({ field: `spec.${name}.${key}`, message: `${name}.${key} is ${value.length} characters long; at most ${maxValue} are allowed` });
    }
  }
  return problems;
}

export function formatProblems(problems: SpecProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}
