import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';

/** A CEL rule attached to a schema node as `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  /** CEL string expression evaluated for the message when the rule fails (message is the fallback). */
  messageExpression?: string;
  /** The field the error names when the rule sits on a parent (e.g. '.uri'). */
  fieldPath?: string;
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

/**
 * Upper bounds on every user-supplied spec value. Generous for real use, small enough that an
 * oversized value is refused at admission (with the field named) instead of being stored and then
 * making every status write fail.
 */
export const LIMITS = {
  /** Milvus's own limit on database, collection, field and index names. */
  milvusName: 255,
  /** A DNS subdomain: object and Secret names, namespaces, TLS server names. */
  kubeName: 253,
  /** A Secret data key. */
  secretKey: 253,
  uri: 2048,
  paramKey: 128,
  paramValue: 1024,
  params: 64,
  propertyKey: 128,
  propertyValue: 1024,
  properties: 32,
  /** prefix (253) + '/' + name (63). */
  labelKey: 317,
  labelValue: 63,
  matchLabels: 64,
  matchExpressions: 32,
  expressionValues: 64,
} as const;

/** CEL rule on a map: every key at most `max` characters (a schema cannot bound map keys). */
export function keysAtMost(what: string, max: number): CelRule {
  return { rule: `self.all(k, size(k) <= ${max})`, message: `${what} keys must be at most ${max} characters` };
}

/** A Kubernetes object name (DNS subdomain, RFC 1123). */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

/** A CEL expression: a list literal of string constants. */
export function celList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

/** A CEL expression: a map literal from string constants to lists of string constants. */
export function celMapOfLists(entries: Record<string, readonly string[]>): string {
  return `{${Object.entries(entries).map(([k, v]) => `'${k}': ${celList(v)}`).join(', ')}}`;
}
