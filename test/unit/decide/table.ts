// The decide() / decideFailure() decision table harness shared by test/unit/decide/*.test.ts: the
// row shape (name / reason / given / want, style rule 9), the projection of a plan onto the keys a
// row cares about, the givens every section uses, and the invariants every plan must keep (checked
// again over each section's rows). A failure prints the row's reason.
import { describe, expect, it } from 'vitest';
import { ANNOTATION_PAUSED } from '../../../src/api/milvusindex.js';
import { validateAgainstField, validateSpec } from '../../../src/api/validation.js';
import type { RequeueDecision } from '../../../src/controller/types.js';
import { decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import type { Observation } from '../../../src/reconcile/observation.js';
import type { Action, ActionFailure, MetricMark, MilvusAction, Plan } from '../../../src/reconcile/plan.js';
import { EARLIER, NOW, aMilvusIndex, anIndex, type MilvusIndexBuilder } from '../fakes.js';

export interface Given {
  observation: Observation;
  /** When set, the row is about decideFailure(observation, failure). */
  failure?: ActionFailure;
}

export interface Want {
  /** Exact list; a string entry compares only the action's type. */
  actions: Array<Action | Action['type']>;
  /** 'none' = status left alone (plan.status undefined). */
  status?: 'none' | 'written';
  /** The status written BEFORE the actions: 'none' = no intent. */
  intent?: 'none' | 'written';
  ready?: { status: string; reason: string; message?: unknown } | unknown;
  reconciling?: 'True' | 'False';
  stalled?: 'True' | 'False';
  /** status.ownership after the plan; null = absent. */
  ownership?: 'Created' | 'Adopted' | null;
  /** status.pendingOperation after the plan; null = absent. */
  pendingOperation?: unknown;
  /** The intent's pendingOperation (recorded before the actions); null = absent. */
  intentPendingOperation?: unknown;
  /** The intent's ownership; null = absent. */
  intentOwnership?: 'Created' | 'Adopted' | null;
  /** status.refusal / status.unsupported / status.appliedProperties after the plan; null = absent. */
  refusal?: unknown;
  unsupported?: unknown;
  appliedProperties?: unknown;
  /** "Type Reason" of each event, in order. */
  events?: string[];
  metrics?: MetricMark[];
  /** A kind, or the whole decision. */
  requeue?: RequeueDecision['kind'] | RequeueDecision | unknown;
}

export interface Row {
  name: string;
  reason: string;
  given: Given;
  want: Want;
}

export function run(given: Given): Plan {
  return given.failure ? decideFailure(given.observation, given.failure, NOW) : decide(given.observation, NOW);
}

/** An asymmetric matcher (expect.stringMatching, expect.objectContaining, ...). */
function isMatcher(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { asymmetricMatch?: unknown }).asymmetricMatch === 'function';
}

/** The plan, reduced to the keys the row cares about. */
export function project(plan: Plan, want: Want): Record<string, unknown> {
  const got: Record<string, unknown> = {
    actions: plan.actions.map((a, i) => (typeof want.actions[i] === 'object' ? a : a.type)),
  };
  const cond = (type: string) => plan.status?.conditions?.find((c) => c.type === type);
  if ('status' in want) got.status = plan.status === undefined ? 'none' : 'written';
  if ('intent' in want) got.intent = plan.intent === undefined ? 'none' : 'written';
  if ('ready' in want) {
    const c = cond('Ready');
    const wantsMessage = isMatcher(want.ready) || (typeof want.ready === 'object' && want.ready !== null && 'message' in want.ready);
    got.ready = c ? { status: c.status, reason: c.reason, ...(wantsMessage ? { message: c.message } : {}) } : undefined;
  }
  if ('reconciling' in want) got.reconciling = cond('Reconciling')?.status;
  if ('stalled' in want) got.stalled = cond('Stalled')?.status;
  if ('ownership' in want) got.ownership = plan.status?.ownership ?? null;
  if ('pendingOperation' in want) got.pendingOperation = plan.status?.pendingOperation ?? null;
  if ('intentPendingOperation' in want) got.intentPendingOperation = plan.intent?.pendingOperation ?? null;
  if ('intentOwnership' in want) got.intentOwnership = plan.intent?.ownership ?? null;
  if ('refusal' in want) got.refusal = plan.status?.refusal ?? null;
  if ('unsupported' in want) got.unsupported = plan.status?.unsupported ?? null;
  if ('appliedProperties' in want) got.appliedProperties = plan.status?.appliedProperties ?? null;
  if ('events' in want) got.events = plan.events.map((e) => `${e.type} ${e.reason}`);
  if ('metrics' in want) got.metrics = plan.metrics;
  if ('requeue' in want) got.requeue = typeof want.requeue === 'string' || isMatcher(want.requeue) ? plan.requeue.kind : plan.requeue;
  return got;
}

// ---------------------------------------------------------------------------------------------
// Givens

/** A live resource (finalizer, generation 2), never reconciled before. */
export const fresh = (): MilvusIndexBuilder => aMilvusIndex();
/** A resource that created its index and saw it built: ownership Created, Ready=True. */
export const owned = (): MilvusIndexBuilder => aMilvusIndex().ownership('Created').reporting(anIndex()).ready();
/** `owned()` after a spec change (generation 3; conditions still at 2). */
export const ownedChanged = (): MilvusIndexBuilder => aMilvusIndex().generation(3).ownership('Created').reporting(anIndex()).ready({ generation: 2 });
/** The default spec on the scalar field `title` (INVERTED, no metric, no params). */
export const scalarSpec = { fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: undefined };

export const OLDER = '2026-11-01T00:00:00Z';
export const YOUNGER = '2026-11-15T00:00:00Z';
export const PENDING_RECREATE = { operation: 'Recreate', reloadCollection: true, startedAt: EARLIER } as const;
export const DROP_EMBEDDING: MilvusAction = { type: 'DropIndex', fieldName: 'embedding', indexName: 'embedding' };
export const backoff = expect.stringMatching(/Backoff$/);
export const paused = expect.stringMatching(/^Paused:/);

/** The Ready condition's reason of a plan's status. */
export function readyReason(p: Plan): string | undefined {
  return p.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
}

// ---------------------------------------------------------------------------------------------
// The table and its invariants

/** [name, row] pairs: `%s` prints the whole name (a `$name` title is truncated at 40 characters). */
const named = (table: Row[]): Array<[string, Row]> => table.map((row) => [row.name, row]);

const MILVUS_ACTIONS: ReadonlySet<Action['type']> = new Set(['CreateIndex', 'DropIndex', 'AlterProperties', 'ReleaseCollection', 'LoadCollection']);

function isPaused(obs: Observation): boolean {
  return obs.resource.metadata.annotations?.[ANNOTATION_PAUSED] === 'true';
}

function isSpecInvalid(obs: Observation): boolean {
  if (validateSpec(obs.resource.spec).length > 0) return true;
  if (obs.milvus.kind !== 'Observed') return false;
  const field = obs.milvus.fields.find((f) => f.name === obs.resource.spec.fieldName);
  return field !== undefined && validateAgainstField(obs.resource.spec, field).length > 0;
}

/** One section of the behaviour table: each row, then the invariants over the same rows. */
export function decisionTable(section: string, rows: Row[]): void {
  describe(`decide: ${section}`, () => {
    it.each(named(rows))('%s', (name, { reason, given, want }) => {
      expect(project(run(given), want), `${name}\n  why: ${reason}`).toEqual(want);
    });
  });
  describe(`decide: invariants over the ${section} rows`, () => invariants(rows));
}

function invariants(rows: Row[]): void {
  it.each(named(rows))('a DropIndex only names an index the observation confirmed: %s', (_name, { given }) => {
    const m = given.observation.milvus;
    const observed = m.kind === 'Observed' ? [...(m.index ? [m.index] : []), ...m.otherIndexesOnField] : [];
    for (const a of run(given).actions) {
      if (a.type !== 'DropIndex') continue;
      expect(observed.some((i) => i.indexName === a.indexName && i.fieldName === a.fieldName), `DropIndex ${a.fieldName}/${a.indexName} was not in the observation`).toBe(true);
    }
  });

  it.each(named(rows))('no Milvus action when paused or the spec is invalid: %s', (_name, { given }) => {
    const milvusActions = run(given).actions.filter((a) => MILVUS_ACTIONS.has(a.type));
    if (isPaused(given.observation)) expect(milvusActions, 'paused: observe and report only').toEqual([]);
    if (isSpecInvalid(given.observation) && given.observation.resource.metadata.deletionTimestamp === undefined) {
      expect(milvusActions, 'invalid spec: nothing in Milvus').toEqual([]);
    }
  });

  it.each(named(rows))('every condition carries observedGeneration == metadata.generation: %s', (_name, { given }) => {
    const generation = given.observation.resource.metadata.generation;
    for (const status of [run(given).status, run(given).intent]) {
      if (status === undefined) continue;
      expect(status.observedGeneration).toBe(generation);
      expect(status.conditions?.length ?? 0).toBeGreaterThan(0);
      for (const c of status.conditions ?? []) expect(c.observedGeneration, `condition ${c.type}`).toBe(generation);
    }
  });

  it.each(named(rows))('an intent comes only with actions: %s', (_name, { given }) => {
    const plan = run(given);
    if (plan.intent !== undefined) expect(plan.actions.length).toBeGreaterThan(0);
  });

  it.each(named(rows))('Stalled and Reconciling are never both True: %s', (_name, { given }) => {
    const conditions = run(given).status?.conditions ?? [];
    const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
    expect(isTrue('Stalled') && isTrue('Reconciling')).toBe(false);
  });

  it.each(named(rows))('deterministic and pure (same input, deep-equal plan; input untouched): %s', (_name, { given }) => {
    const before = structuredClone(given);
    const first = run(given);
    const second = run(structuredClone(given));
    expect(second).toEqual(first);
    expect(given, 'decide must not mutate its input').toEqual(before);
  });

  it.each(named(rows.filter((r) => r.given.failure === undefined)))('a plan without actions is a fixpoint (an idle re-reconcile writes nothing new): %s', (_name, { given }) => {
    const plan = run(given);
    if (plan.actions.length > 0 || plan.status === undefined) return;
    const again = decide({ ...given.observation, resource: { ...given.observation.resource, status: plan.status } }, NOW);
    expect(again.actions).toEqual([]);
    expect(again.status, 'deciding again on the status just written must give the same status').toEqual(plan.status);
  });
}
