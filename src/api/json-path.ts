/**
 * JSON path indexes (Milvus ≥ 2.5; docs "JSON Indexing"): an index on one path inside a JSON field,
 * set by `params.json_path` and `params.json_cast_type` (optionally `json_cast_function`). Milvus
 * allows several on one JSON field, one per path, each under its own index name, with AUTOINDEX or
 * INVERTED (NGRAM for VARCHAR casts). CEL cannot see spec.params (a map of untyped values), so
 * every rule here runs in the operator before anything is sent.
 */
import { createHash } from 'node:crypto';

import type { MilvusIndexSpec } from './milvusindex.js';
import type { SpecProblem } from './validation.js';

/** The cast types Milvus documents for json_cast_type. */
export const JSON_CAST_TYPES = ['BOOL', 'DOUBLE', 'VARCHAR', 'ARRAY_BOOL', 'ARRAY_DOUBLE', 'ARRAY_VARCHAR'] as const;
/** The params a JSON path index adds to the ordinary build params. */
export const JSON_PARAM_KEYS = ['json_path', 'json_cast_type', 'json_cast_function'] as const;
/** Longest json_path accepted. */
export const JSON_PATH_MAX = 512;
/** Longest Milvus index name (Milvus's limit on names). */
const NAME_MAX = 255;

/** `field`, then any number of `["key"]` (JSON string, escapes allowed) or `[index]` steps. */
const PATH_STEPS = /^(?:\["(?:[^"\\]|\\.)*"\]|\[\d+\])*$/;

/** params.json_path as a string, when set. */
export function jsonPathOf(spec: Pick<MilvusIndexSpec, 'params'>): string | undefined {
  const v = spec.params?.json_path;
  return v === undefined ? undefined : String(v);
}

/** True when the spec indexes a path inside a JSON field (params.json_path set). */
export function isJsonPathSpec(spec: Pick<MilvusIndexSpec, 'params'>): boolean {
  return jsonPathOf(spec) !== undefined;
}

/**
 * The index name of a JSON path index without spec.indexName: one per path, so several paths of one
 * field never share a name. `meta["a"]["b"]` → `meta_a_b`; a path that does not reduce to a
 * readable Milvus name (or is too long) gets a short hash of the path instead.
 */
export function defaultJsonIndexName(fieldName: string, jsonPath: string): string {
  const steps = [...jsonPath.slice(fieldName.length).matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)].map((m) => m[1] ?? m[2] ?? '');
  const readable = [fieldName, ...steps].join('_');
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(readable) && readable.length <= NAME_MAX && steps.length > 0) return readable;
  const hash = createHash('sha256').update(jsonPath).digest('hex').slice(0, 12);
  return `${fieldName.slice(0, NAME_MAX - 14)}_p${hash}`;
}

/** Spec-only checks of the JSON params (the field's type is not known yet). Pure. */
export function jsonParamProblems(spec: MilvusIndexSpec): SpecProblem[] {
  const params = spec.params ?? {};
  const path = params.json_path;
  const cast = params.json_cast_type;
  const problems: SpecProblem[] = [];
  if (path === undefined) {
    for (const k of ['json_cast_type', 'json_cast_function'] as const) {
      if (params[k] !== undefined) problems.push({ field: `spec.params.${k}`, message: `params.${k} applies to a JSON path index only: set params.json_path (e.g. '${spec.fieldName}["key"]') or remove it` });
    }
    return problems;
  }
  if (typeof path !== 'string' || path.length === 0) problems.push({ field: 'spec.params.json_path', message: `params.json_path must be a non-empty string such as '${spec.fieldName}["key"]'` });
  else if (path.length > JSON_PATH_MAX) problems.push({ field: 'spec.params.json_path', message: `params.json_path is ${path.length} characters long; at most ${JSON_PATH_MAX} are allowed` });
  else if (!path.startsWith(spec.fieldName) || !PATH_STEPS.test(path.slice(spec.fieldName.length))) {
    problems.push({ field: 'spec.params.json_path', message: `params.json_path must be the field name followed by ["key"] or [index] steps, e.g. '${spec.fieldName}' or '${spec.fieldName}["a"]["b"]'` });
  }
  if (cast === undefined) problems.push({ field: 'spec.params.json_cast_type', message: `a JSON path index needs params.json_cast_type: one of ${JSON_CAST_TYPES.join(', ')}` });
  else if (!(JSON_CAST_TYPES as readonly unknown[]).includes(cast)) {
    const hint = JSON_CAST_TYPES.find((t) => t === String(cast).toUpperCase());
    problems.push({ field: 'spec.params.json_cast_type', message: `params.json_cast_type must be one of ${JSON_CAST_TYPES.join(', ')}${hint ? ` (upper case: "${hint}")` : ''}` });
  }
  if (!['AUTOINDEX', 'INVERTED', 'NGRAM'].includes(spec.indexType)) {
    problems.push({ field: 'spec.indexType', message: `a JSON path index takes indexType AUTOINDEX or INVERTED (NGRAM for VARCHAR casts), not ${spec.indexType}` });
  }
  return problems;
}

/** Checks against the field: a JSON field needs a path, any other field takes none. Pure. */
export function jsonFieldProblems(spec: MilvusIndexSpec, field: { name: string; dataType: string }): SpecProblem[] {
  const isJson = field.dataType === 'JSON';
  if (isJson && !isJsonPathSpec(spec)) {
    return [{ field: 'spec.params.json_path', message: `field "${field.name}" is JSON: an index on it needs params.json_path (e.g. '${field.name}["key"]', or '${field.name}' for the whole object) and params.json_cast_type (${JSON_CAST_TYPES.join(', ')})` }];
  }
  if (!isJson && isJsonPathSpec(spec)) {
    return [{ field: 'spec.params.json_path', message: `params.json_path applies to JSON fields only; field "${field.name}" is ${field.dataType}: remove it` }];
  }
  return [];
}
