/**
 * Which index types and metrics Milvus accepts for which field types (Milvus 2.6 / 3.0 docs;
 * milvus.md §2.5). Used to refuse a spec before anything is sent: servers do not all validate
 * type/field compatibility (milvus#25170), and Milvus Lite persists unknown types.
 */
export type FieldFamily = 'FloatVector' | 'BinaryVector' | 'SparseVector' | 'Int8Vector' | 'VarChar' | 'Bool' | 'Integer' | 'FloatingPoint' | 'Json' | 'Array' | 'Timestamptz' | 'Geometry' | 'Other';

export const FLOAT_VECTOR_INDEXES = ['AUTOINDEX', 'FLAT', 'IVF_FLAT', 'IVF_SQ8', 'IVF_PQ', 'IVF_RABITQ', 'HNSW', 'HNSW_SQ', 'HNSW_PQ', 'HNSW_PRQ', 'DISKANN', 'SCANN', 'AISAQ', 'GPU_CAGRA', 'GPU_IVF_FLAT', 'GPU_IVF_PQ', 'GPU_BRUTE_FORCE'] as const;
export const BINARY_VECTOR_INDEXES = ['AUTOINDEX', 'BIN_FLAT', 'BIN_IVF_FLAT', 'MINHASH_LSH'] as const;
export const SPARSE_VECTOR_INDEXES = ['AUTOINDEX', 'SPARSE_INVERTED_INDEX', 'SPARSE_WAND'] as const;
export const INT8_VECTOR_INDEXES = ['AUTOINDEX', 'HNSW'] as const;

const SCALAR_INDEXES: Record<Exclude<FieldFamily, 'FloatVector' | 'BinaryVector' | 'SparseVector' | 'Int8Vector' | 'Other'>, readonly string[]> = {
  VarChar: ['AUTOINDEX', 'INVERTED', 'BITMAP', 'Trie', 'NGRAM'],
  Bool: ['AUTOINDEX', 'BITMAP', 'INVERTED'],
  Integer: ['AUTOINDEX', 'INVERTED', 'STL_SORT', 'BITMAP'],
  FloatingPoint: ['AUTOINDEX', 'INVERTED', 'STL_SORT'],
  Timestamptz: ['STL_SORT', 'INVERTED'],
  Array: ['BITMAP', 'INVERTED'],
  // JSON path indexes (params.json_path, json-path.ts): AUTOINDEX or INVERTED; NGRAM for VARCHAR casts.
  Json: ['AUTOINDEX', 'INVERTED', 'NGRAM'],
  Geometry: ['RTREE'],
};

export const ALL_INDEX_TYPES: readonly string[] = [
  ...new Set<string>([...FLOAT_VECTOR_INDEXES, ...BINARY_VECTOR_INDEXES, ...SPARSE_VECTOR_INDEXES, ...INT8_VECTOR_INDEXES, ...Object.values(SCALAR_INDEXES).flat()]),
];

export const VECTOR_INDEX_TYPES: ReadonlySet<string> = new Set([...FLOAT_VECTOR_INDEXES, ...BINARY_VECTOR_INDEXES, ...SPARSE_VECTOR_INDEXES].filter((t) => t !== 'AUTOINDEX'));

const FLOAT_METRICS = ['L2', 'IP', 'COSINE'] as const;
const BINARY_METRICS = ['HAMMING', 'JACCARD', 'MHJACCARD', 'SUBSTRUCTURE', 'SUPERSTRUCTURE'] as const;
const SPARSE_METRICS = ['IP', 'BM25'] as const;
export const ALL_METRICS: readonly string[] = [...new Set<string>([...FLOAT_METRICS, ...BINARY_METRICS, ...SPARSE_METRICS])];

/** Maps the SDK's data type name (describeCollection `data_type`) to a family. */
export function fieldFamily(dataType: string): FieldFamily {
  switch (dataType) {
    case 'FloatVector': case 'Float16Vector': case 'BFloat16Vector': return 'FloatVector';
    case 'BinaryVector': return 'BinaryVector';
    case 'SparseFloatVector': return 'SparseVector';
    case 'Int8Vector': return 'Int8Vector';
    case 'VarChar': case 'String': return 'VarChar';
    case 'Bool': return 'Bool';
    case 'Int8': case 'Int16': case 'Int32': case 'Int64': return 'Integer';
    case 'Float': case 'Double': return 'FloatingPoint';
    case 'JSON': return 'Json';
    case 'Array': return 'Array';
    case 'Timestamptz': return 'Timestamptz';
    case 'Geometry': return 'Geometry';
    default: return 'Other';
  }
}

export function isVectorFamily(f: FieldFamily): boolean {
  return f === 'FloatVector' || f === 'BinaryVector' || f === 'SparseVector' || f === 'Int8Vector';
}

export function indexTypesFor(f: FieldFamily): readonly string[] {
  switch (f) {
    case 'FloatVector': return FLOAT_VECTOR_INDEXES;
    case 'BinaryVector': return BINARY_VECTOR_INDEXES;
    case 'SparseVector': return SPARSE_VECTOR_INDEXES;
    case 'Int8Vector': return INT8_VECTOR_INDEXES;
    case 'Other': return [];
    default: return SCALAR_INDEXES[f];
  }
}

export function metricsFor(f: FieldFamily): readonly string[] {
  switch (f) {
    case 'FloatVector': case 'Int8Vector': return FLOAT_METRICS;
    case 'BinaryVector': return BINARY_METRICS;
    case 'SparseVector': return SPARSE_METRICS;
    default: return [];
  }
}

/** The field family an index type implies, when the type alone tells (used before the schema is known). */
export function familiesOfIndexType(indexType: string): FieldFamily[] {
  const out: FieldFamily[] = [];
  for (const f of ['FloatVector', 'BinaryVector', 'SparseVector', 'Int8Vector', 'VarChar', 'Bool', 'Integer', 'FloatingPoint', 'Json', 'Array', 'Timestamptz', 'Geometry'] as const) {
    if (indexTypesFor(f).includes(indexType)) out.push(f);
  }
  return out;
}

/** Numeric build-parameter ranges per index type (inclusive); only listed params are checked. */
export const PARAM_RANGES: Record<string, Record<string, { min: number; max: number; integer: boolean }>> = {
  HNSW: { M: { min: 2, max: 2048, integer: true }, efConstruction: { min: 1, max: 2147483647, integer: true } },
  HNSW_SQ: { M: { min: 2, max: 2048, integer: true }, efConstruction: { min: 1, max: 2147483647, integer: true } },
  HNSW_PQ: { M: { min: 2, max: 2048, integer: true }, efConstruction: { min: 1, max: 2147483647, integer: true } },
  HNSW_PRQ: { M: { min: 2, max: 2048, integer: true }, efConstruction: { min: 1, max: 2147483647, integer: true } },
  IVF_FLAT: { nlist: { min: 1, max: 65536, integer: true } },
  IVF_SQ8: { nlist: { min: 1, max: 65536, integer: true } },
  IVF_PQ: { nlist: { min: 1, max: 65536, integer: true }, m: { min: 1, max: 65536, integer: true }, nbits: { min: 1, max: 24, integer: true } },
  IVF_RABITQ: { nlist: { min: 1, max: 65536, integer: true } },
  SCANN: { nlist: { min: 1, max: 65536, integer: true } },
  BIN_IVF_FLAT: { nlist: { min: 1, max: 65536, integer: true } },
  SPARSE_INVERTED_INDEX: { drop_ratio_build: { min: 0, max: 0.999999, integer: false } },
  SPARSE_WAND: { drop_ratio_build: { min: 0, max: 0.999999, integer: false } },
};

/** Index types that only index vector fields: they need a metric, whatever the field. */
export const VECTOR_ONLY_INDEX_TYPES: readonly string[] = ALL_INDEX_TYPES.filter((t) => familiesOfIndexType(t).every(isVectorFamily));

/** Index types that only index scalar fields: they take no metric, whatever the field. */
export const SCALAR_ONLY_INDEX_TYPES: readonly string[] = ALL_INDEX_TYPES.filter((t) => familiesOfIndexType(t).every((f) => !isVectorFamily(f)));

/**
 * The metrics an index type accepts on any field it can index (empty for scalar-only types).
 * MINHASH_LSH takes MHJACCARD only.
 */
export function metricsForIndexType(indexType: string): readonly string[] {
  if (indexType === 'MINHASH_LSH') return ['MHJACCARD'];
  return [...new Set(familiesOfIndexType(indexType).flatMap(metricsFor))];
}
