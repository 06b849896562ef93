// Condition helpers (design §3): lastTransitionTime changes only when a condition's status flips,
// every condition carries observedGeneration, and status equality is semantic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/milvus/canonical.js';
import type { Condition } from '../../src/api/conditions.js';
import type { MilvusIndexStatus } from '../../src/api/milvusindex.js';
import { applySummary, jsonEqual, setCondition, statusEqual, type ConditionInput, type Summary } from '../../src/reconcile/conditions.js';
import { EARLIER, NOW, NOW_ISO, aCondition, anIndex, conditions, toIndexStatus } from './fakes.js';

interface SetRow {
  name: string;
  reason: string;
  given: { existing: Condition[]; input: ConditionInput; generation: number };
  want: { lastTransitionTime: string; observedGeneration: number; status: string; reason: string; message: string };
}

const input = (type: ConditionInput['type'], status: ConditionInput['status'], reason = 'SomeReason', message = 'Some message.'): ConditionInput => ({ type, status, reason, message });

const setRows: SetRow[] = [
  {
    name: 'new condition',
    reason: 'a condition that did not exist gets `now`',
    given: { existing: [], input: input('Ready', 'False', 'Building'), generation: 1 },
    want: { lastTransitionTime: NOW_ISO, observedGeneration: 1, status: 'False', reason: 'Building', message: 'Some message.' },
  },
  {
    name: 'same status, same reason',
    reason: 'nothing flipped: the old transition time stays',
    given: { existing: [aCondition('Ready', 'True', { reason: 'IndexBuilt' })], input: input('Ready', 'True', 'IndexBuilt'), generation: 1 },
    want: { lastTransitionTime: EARLIER, observedGeneration: 1, status: 'True', reason: 'IndexBuilt', message: 'Some message.' },
  },
  {
    name: 'same status, new reason and message',
    reason: 'reason and message changes are not transitions',
    given: { existing: [aCondition('Ready', 'False', { reason: 'Building' })], input: input('Ready', 'False', 'BuildFailed', 'It failed.'), generation: 1 },
    want: { lastTransitionTime: EARLIER, observedGeneration: 1, status: 'False', reason: 'BuildFailed', message: 'It failed.' },
  },
  {
    name: 'same status, new generation',
    reason: 'observedGeneration follows the spec; the transition time does not',
    given: { existing: [aCondition('Ready', 'True', { observedGeneration: 1 })], input: input('Ready', 'True'), generation: 5 },
    want: { lastTransitionTime: EARLIER, observedGeneration: 5, status: 'True', reason: 'SomeReason', message: 'Some message.' },
  },
  {
    name: 'False → True',
    reason: 'a flip sets `now`',
    given: { existing: [aCondition('Ready', 'False')], input: input('Ready', 'True'), generation: 2 },
    want: { lastTransitionTime: NOW_ISO, observedGeneration: 2, status: 'True', reason: 'SomeReason', message: 'Some message.' },
  },
  {
    name: 'True → False',
    reason: 'a flip sets `now`',
    given: { existing: [aCondition('Ready', 'True')], input: input('Ready', 'False'), generation: 2 },
    want: { lastTransitionTime: NOW_ISO, observedGeneration: 2, status: 'False', reason: 'SomeReason', message: 'Some message.' },
  },
  {
    name: 'Unknown → False',
    reason: 'Unknown is a status too: leaving it is a flip',
    given: { existing: [aCondition('Ready', 'Unknown')], input: input('Ready', 'False'), generation: 2 },
    want: { lastTransitionTime: NOW_ISO, observedGeneration: 2, status: 'False', reason: 'SomeReason', message: 'Some message.' },
  },
  {
    name: 'another type flipped',
    reason: 'only the condition of the same type counts as "previous"',
    given: { existing: [aCondition('Stalled', 'False'), aCondition('Ready', 'True')], input: input('Ready', 'True'), generation: 1 },
    want: { lastTransitionTime: EARLIER, observedGeneration: 1, status: 'True', reason: 'SomeReason', message: 'Some message.' },
  },
];

describe('setCondition', () => {
  it.each(setRows.map((r) => [r.name, r] as [string, SetRow]))('%s', (name, { reason, given, want }) => {
    const out = setCondition(given.existing, given.input, given.generation, NOW);
    const c = out.find((x) => x.type === given.input.type);
    expect(c && { lastTransitionTime: c.lastTransitionTime, observedGeneration: c.observedGeneration, status: c.status, reason: c.reason, message: c.message }, `${name}: ${reason}`).toEqual(want);
  });

  it('keeps other conditions untouched and does not mutate its input', () => {
    const existing = [aCondition('Stalled', 'True', { reason: 'X' }), aCondition('Ready', 'False')];
    const before = structuredClone(existing);
    const out = setCondition(existing, input('Ready', 'True'), 3, NOW);
    expect(existing).toEqual(before);
    expect(out.find((c) => c.type === 'Stalled')).toEqual(before[0]);
    expect(out.map((c) => c.type)).toEqual(['Ready', 'Stalled']);
  });

  it('writes RFC 3339 timestamps in whole seconds, as metav1.Time serialises', () => {
    const out = setCondition([], input('Ready', 'True'), 1, new Date('2026-11-20T12:00:00.789Z'));
    expect(out[0]?.lastTransitionTime).toBe('2026-11-20T12:00:00Z');
  });
});

interface SummaryRow {
  name: string;
  reason: string;
  given: { existing: Condition[]; summary: Summary };
  want: Record<'Ready' | 'Reconciling' | 'Stalled', { status: string; lastTransitionTime: string }>;
}

const summary = (patch: Partial<Summary>): Summary => ({ ready: 'False', reason: 'Building', message: 'Building.', reconciling: true, stalled: false, ...patch });

const summaryRows: SummaryRow[] = [
  {
    name: 'first summary',
    reason: 'all three conditions appear with `now`',
    given: { existing: [], summary: summary({}) },
    want: { Ready: { status: 'False', lastTransitionTime: NOW_ISO }, Reconciling: { status: 'True', lastTransitionTime: NOW_ISO }, Stalled: { status: 'False', lastTransitionTime: NOW_ISO } },
  },
  {
    name: 'Building → Building with other progress',
    reason: 'no status flips: no transition time changes',
    given: { existing: conditions('False', 'Building', { generation: 1, reconciling: true }), summary: summary({ message: '10/20 rows.' }) },
    want: { Ready: { status: 'False', lastTransitionTime: EARLIER }, Reconciling: { status: 'True', lastTransitionTime: EARLIER }, Stalled: { status: 'False', lastTransitionTime: EARLIER } },
  },
  {
    name: 'Building → IndexBuilt',
    reason: 'Ready and Reconciling flip; Stalled stays False with its old time',
    given: { existing: conditions('False', 'Building', { generation: 1, reconciling: true }), summary: summary({ ready: 'True', reason: 'IndexBuilt', reconciling: false }) },
    want: { Ready: { status: 'True', lastTransitionTime: NOW_ISO }, Reconciling: { status: 'False', lastTransitionTime: NOW_ISO }, Stalled: { status: 'False', lastTransitionTime: EARLIER } },
  },
  {
    name: 'IndexBuilt → BuildFailed',
    reason: 'Ready and Stalled flip; Reconciling stays False',
    given: { existing: conditions('True', 'IndexBuilt', { generation: 1 }), summary: summary({ reason: 'BuildFailed', reconciling: false, stalled: true }) },
    want: { Ready: { status: 'False', lastTransitionTime: NOW_ISO }, Reconciling: { status: 'False', lastTransitionTime: EARLIER }, Stalled: { status: 'True', lastTransitionTime: NOW_ISO } },
  },
];

describe('applySummary', () => {
  it.each(summaryRows.map((r) => [r.name, r] as [string, SummaryRow]))('%s', (name, { reason, given, want }) => {
    const out = applySummary(given.existing, given.summary, 2, NOW);
    const got = Object.fromEntries(out.map((c) => [c.type, { status: c.status, lastTransitionTime: c.lastTransitionTime }]));
    expect(got, `${name}: ${reason}`).toEqual(want);
    for (const c of out) expect(c.observedGeneration, `${c.type} observedGeneration`).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------

const base = (): MilvusIndexStatus => ({
  observedGeneration: 2,
  conditions: conditions('True', 'IndexBuilt', { generation: 2 }),
  index: toIndexStatus(anIndex().build()),
  ownership: 'Created',
  database: 'default',
});

/** The same status with every object's keys in reverse order. */
function reversedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversedKeys) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)])) as T;
  return v;
}

interface EqualRow {
  name: string;
  reason: string;
  given: { a: MilvusIndexStatus | undefined; b: MilvusIndexStatus | undefined };
  want: boolean;
}

const equalRows: EqualRow[] = [
  { name: 'identical', reason: 'trivially equal', given: { a: base(), b: base() }, want: true },
  { name: 'keys in another order', reason: 'key order is not semantic', given: { a: base(), b: reversedKeys(base()) }, want: true },
  {
    name: 'conditions in another order',
    reason: 'conditions are a map keyed by type (listType=map)',
    given: { a: base(), b: { ...base(), conditions: [...(base().conditions ?? [])].reverse() } },
    want: true,
  },
  { name: 'an explicit undefined key', reason: 'undefined is not serialised', given: { a: base(), b: { ...base(), pendingOperation: undefined } }, want: true },
  { name: 'both absent', reason: 'no status on either side', given: { a: undefined, b: undefined }, want: true },
  {
    name: 'a message changed',
    reason: 'messages are part of the status',
    given: { a: base(), b: { ...base(), conditions: conditions('True', 'IndexBuilt', { generation: 2, message: 'Other.' }) } },
    want: false,
  },
  {
    name: 'progress changed',
    reason: 'status.index is refreshed on every observation',
    given: { a: base(), b: { ...base(), index: toIndexStatus(anIndex().building(10, 1000).build()) } },
    want: false,
  },
  { name: 'ownership removed', reason: 'ownership decides whether the index may be dropped', given: { a: base(), b: { ...base(), ownership: undefined } }, want: false },
  { name: 'status vs none', reason: 'a first status must be written', given: { a: base(), b: undefined }, want: false },
];

describe('statusEqual', () => {
  it.each(equalRows.map((r) => [r.name, r] as [string, EqualRow]))('%s', (name, { reason, given, want }) => {
    expect(statusEqual(given.a, given.b), `${name}: ${reason}`).toBe(want);
    expect(statusEqual(given.b, given.a), `${name} (swapped): ${reason}`).toBe(want);
  });
});

describe('jsonEqual: the same answer as comparing canonical JSON strings, without building them', () => {
  // Values as a status holds them, plus what JSON treats specially: undefined members and elements, Dates.
  const leaf = fc.oneof(fc.constantFrom('a', 'b', '', 0, 1, -1, true, false, null, undefined), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(2 ** 40) }));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c', 'type', 'status'), tie('v'), { maxKeys: 3 })),
  })).v;

  it('agrees with stableJson equality on random pairs, and on a value and a reordered copy of it', () => {
    const reordered = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(reordered);
      if (x !== null && typeof x === 'object' && !(x instanceof Date)) return Object.fromEntries(Object.entries(x).reverse().map(([k, v]) => [k, reordered(v)]));
      return x;
    };
    fc.assert(fc.property(value, value, (a, b) => {
      // The reference: both through JSON (Dates become strings, undefined members go), keys sorted.
      const json = (x: unknown): string => stableJson(JSON.parse(JSON.stringify([x])));
      expect(jsonEqual(a, b)).toBe(json(a) === json(b));
      expect(jsonEqual(a, reordered(a))).toBe(true);
    }), { numRuns: 2000 });
  });

  it('an undefined member is absent; a Date equals its ISO string only through JSON', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: null }, { a: 1 })).toBe(false);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual({ t: new Date(0) }, { t: new Date(1) })).toBe(false);
    expect(jsonEqual({ t: new Date(0) }, { t: new Date(0) })).toBe(true);
  });
});

describe('status.index from an observed index', () => {
  it.each([
    { name: 'empty and finished', given: anIndex().build(), patch: { totalRows: 0, indexedRows: 0, state: 'Finished' as const }, want: '100%' },
    { name: 'empty, not built yet', given: anIndex().build(), patch: { totalRows: 0, indexedRows: 0, state: 'InProgress' as const }, want: '0%' },
    { name: 'partly built rounds down', given: anIndex().build(), patch: { totalRows: 1000, indexedRows: 999, state: 'InProgress' as const }, want: '99%' },
    { name: 'one percent', given: anIndex().build(), patch: { totalRows: 1000, indexedRows: 10, state: 'InProgress' as const }, want: '1%' },
  ])('$name: progress $want', ({ given, patch, want }) => {
    expect(toIndexStatus({ ...given, ...patch }).progress).toBe(want);
  });

  it('carries failReason only when Milvus gave one', () => {
    expect(toIndexStatus({ ...anIndex().build(), failReason: '' })).not.toHaveProperty('failReason');
    expect(toIndexStatus({ ...anIndex().build(), state: 'Failed', failReason: 'segment 7: oom' }).failReason).toBe('segment 7: oom');
  });
});
