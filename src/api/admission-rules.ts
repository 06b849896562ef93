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

export function indexSpecRules(): CelRule[] {
  const metrics = metricTable();
  return [
    {
      rule: `!(self.indexType in ${celList(VECTOR_ONLY_INDEX_TYPES)}) || has(self.metricType)`,
      message: 'a vector index needs metricType: set spec.metricType',
      messageExpression: `'indexType ' + self.indexType + ' is a vector index and needs metricType: set spec.metricType to one of ' + ${metrics}[self.indexType].join(', ')`,
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
      messageExpression: `'metricType ' + self.metricType + ' does not go with ' + self.indexType + '; use one of ' + ${metrics}[self.indexType].join(', ')`,
    },
    {
      rule: `self.indexType != 'AUTOINDEX' || !has(self.params) || size(self.params) == 0`,
      message: 'AUTOINDEX takes no build params (Milvus chooses them): remove spec.params or pick an explicit index type such as HNSW',
      reason: 'FieldValueForbidden',
    },
  ];
}

/** Params are scalars (string, integer, number, boolean); the schema cannot say so (it preserves unknown fields). */
export const SCALAR_PARAM_RULE: CelRule = {
  rule: 'type(self) == string || type(self) == int || type(self) == uint || type(self) == double || type(self) == bool',
  message: 'a param value must be a string, number or boolean, not a list or an object',
};
