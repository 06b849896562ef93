import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';

/** A CEL rule attached to a schema node as `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** A string restricted to `values`; emitted as `enum` (structural CRD schemas reject `anyOf`/`const`). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `self == oldSelf` on a field, so the API server refuses a change with `message`. */
export function immutable(field: string): { 'x-kubernetes-validations': CelRule[] } {
  return {
    'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${field} is immutable: delete and re-create the resource to change it` }],
  };
}

/** Removes TypeBox's symbol keys and `undefined` values: the plain JSON schema the CRD carries. */
export function toPlainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** A map with string keys, emitted as `additionalProperties` (CRD schemas do not accept `patternProperties`). */
export function StringMap<V>(valueSchema: Record<string, unknown>, options: SchemaOptions = {}) {
  return Type.Unsafe<Record<string, V>>({ type: 'object', additionalProperties: valueSchema, ...options });
}
