/**
 * CEL rules the API server applies to a MilvusIndex spec at admission: the checks the spec alone
 * decides, generated from the catalogue in index-catalog.ts so that they agree with validateSpec.
 * Whatever needs the field's type (known only from Milvus) stays with the operator.
 */
import { ALL_INDEX_TYPES, SCALAR_ONLY_INDEX_TYPES, VECTOR_ONLY_INDEX_TYPES, metricsForIndexType } from './index-catalog.js';
import { celList, celMapOfLists, type CelRule } from './schema-helpers.js';

/** index type → the metrics it accepts, for every index type that takes a metric. */
function metricTable(): string {
  const entries = ALL_INDEX_TYPES.map((t) => [t, metricsForIndexType(t)] as const).filter(([, m]) => m.length > 0);
  return celMapOfLists(Object.fromEntries(entries));
}

/**
 * Which metrics go with which index types, in words. Messages stay constant text: a lookup in the
 * metric table inside messageExpression exceeds the API server's CEL cost budget.
 */
const METRIC_HINT = 'float vector types take L2, IP or COSINE; binary types HAMMING, JACCARD, MHJACCARD, SUBSTRUCTURE or SUPERSTRUCTURE; MINHASH_LSH takes MHJACCARD; sparse types IP or BM25';

/**
 * Rules on spec. Nothing here reads spec.params: its values are untyped (preserve-unknown-fields),
 * so CEL cannot see the field at all; the operator checks params (validateSpec).
 */
export function indexSpecRules(): CelRule[] {
  const metrics = metricTable();
  return [
    {
      rule: `!(self.indexType in ${celList(VECTOR_ONLY_INDEX_TYPES)}) || has(self.metricType)`,
      message: 'a vector index needs metricType: set spec.metricType',
      messageExpression: `'indexType ' + self.indexType + ' is a vector index and needs metricType: set spec.metricType (' + '${METRIC_HINT}' + ')'`,
      reason: 'FieldValueRequired',
    },
    {
      rule: `!(self.indexType in ${celList(SCALAR_ONLY_INDEX_TYPES)}) || !has(self.metricType)`,
      message: 'a scalar index has no metric: remove spec.metricType',
      messageExpression: `'indexType ' + self.indexType + ' is a scalar index and has no metric: remove spec.metricType'`,
      reason: 'FieldValueForbidden',
    },
    {
      rule: `!has(self.metricType) || !(self.indexType in ${metrics}) || self.metricType in ${metrics}[self.indexType]`,
      message: 'metricType does not go with indexType',
      messageExpression: `'metricType ' + self.metricType + ' does not go with ' + self.indexType + ' (' + '${METRIC_HINT}' + ')'`,
    },
  ];
}
