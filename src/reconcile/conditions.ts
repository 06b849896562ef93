import { rfc3339 } from '../api/time.js';
import type { Condition } from '../api/conditions.js';
import type { MilvusIndexStatus } from '../api/milvusindex.js';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Reasons of the Ready condition (CamelCase; documented in the README). */
export type ReadyReason =
  | 'IndexBuilt' | 'Building' | 'InvalidSpec' | 'ConnectionNotReady' | 'ConnectionNotAllowed' | 'MilvusUnavailable'
  | 'CollectionNotFound' | 'FieldNotFound' | 'Conflict' | 'BuildFailed' | 'ImmutableChange' | 'CollectionLoaded'
  | 'Unsupported' | 'DeletionBlocked' | 'Deleting' | 'Pending';

export interface ConditionInput {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Returns `existing` with `input` applied: `lastTransitionTime` changes only when the status flips,
 * every condition carries `observedGeneration`.
 */
export function setCondition(existing: readonly Condition[], input: ConditionInput, generation: number, now: Date): Condition[] {
  const previous = existing.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339(now),
    observedGeneration: generation,
  };
  const out = existing.filter((c) => c.type !== input.type);
  out.push(next);
  return out.sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type));
}

function conditionOrder(type: string): number {
  const i = ['Ready', 'Reconciling', 'Stalled'].indexOf(type);
  return i === -1 ? 99 : i;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The three kstatus conditions for one Ready outcome. */
export interface Summary {
  ready: ConditionStatus;
  reason: ReadyReason;
  message: string;
  /** Work is under way and will progress without a person. */
  reconciling: boolean;
  /** Progress needs a person (spec change, manual action). */
  stalled: boolean;
}

export function applySummary(existing: readonly Condition[], s: Summary, generation: number, now: Date): Condition[] {
  let out = setCondition(existing, { type: 'Ready', status: s.ready, reason: s.reason, message: s.message }, generation, now);
  out = setCondition(out, s.reconciling
    ? { type: 'Reconciling', status: 'True', reason: s.reason, message: s.message }
    : { type: 'Reconciling', status: 'False', reason: 'Idle', message: 'No work in progress.' }, generation, now);
  out = setCondition(out, s.stalled
    ? { type: 'Stalled', status: 'True', reason: s.reason, message: s.message }
    : { type: 'Stalled', status: 'False', reason: 'NotStalled', message: 'Nothing needs a person.' }, generation, now);
  return out;
}

/** Semantic equality of two statuses (key order and condition order do not matter). */
export function statusEqual(a: MilvusIndexStatus | undefined, b: MilvusIndexStatus | undefined): boolean {
  return jsonEqual(normaliseStatus(a), normaliseStatus(b));
}

function normaliseStatus(s: MilvusIndexStatus | undefined): unknown {
  if (!s) return {};
  return { ...s, conditions: [...(s.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)) };
}

/**
 * Whether `a` and `b` serialise to the same JSON up to key order, without building the strings (statusEqual
 * runs on every pass). Undefined members count as absent, as in JSON.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b || (a ?? null) === (b ?? null)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (hasToJson(a) || hasToJson(b)) return JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => jsonEqual(x, bs[i]));
  }
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  const keys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => o[k] !== undefined);
  const ak = keys(ao);
  return ak.length === keys(bo).length && ak.every((k) => bo[k] !== undefined && jsonEqual(ao[k], bo[k]));
}

const hasToJson = (o: object): boolean => typeof (o as { toJSON?: unknown }).toJSON === 'function';
