// The status builder of decide (decide/status.ts): how a step's parts become the next status, the
// plan defaults, and status.index from an observed index.
import { describe, expect, it } from 'vitest';
import { indexStatus, nextStatus, plan, ready, stalled } from '../../../src/reconcile/decide/status.js';
import { reportedProgress } from '../../../src/reconcile/decide/build.js';
import { NOW, NOW_ISO, aMilvusIndex, anIndex, anObservation } from '../fakes.js';

const BUILDING = stalled('InvalidSpec', 'x.');

describe('nextStatus', () => {
  it('sets observedGeneration, the resolved database and the three conditions at this generation', () => {
    const s = nextStatus(anObservation(aMilvusIndex().generation(7)).connectionDatabase('tenant').build(), { summary: BUILDING }, NOW);
    expect(s.observedGeneration).toBe(7);
    expect(s.database).toBe('tenant');
    expect(s.conditions?.map((c) => [c.type, c.status, c.observedGeneration, c.lastTransitionTime])).toEqual([
      ['Ready', 'False', 7, NOW_ISO], ['Reconciling', 'False', 7, NOW_ISO], ['Stalled', 'True', 7, NOW_ISO],
    ]);
  });

  it.each([
    ['undefined keeps the remembered field', undefined, 'Created'],
    ['null removes it', null, undefined],
    ['a value replaces it', 'Adopted', 'Adopted'],
  ] as const)('ownership: %s', (_name, ownership, want) => {
    const obs = anObservation(aMilvusIndex().ownership('Created')).build();
    const s = nextStatus(obs, { summary: BUILDING, ...(ownership === undefined ? {} : { ownership }) }, NOW);
    expect(s.ownership).toBe(want);
    expect('ownership' in s, 'a removed field is absent, not undefined').toBe(want !== undefined);
  });

  it('index given as undefined removes status.index; absent keeps it', () => {
    const obs = anObservation(aMilvusIndex().reporting(anIndex())).build();
    expect(nextStatus(obs, { summary: BUILDING, index: undefined }, NOW).index).toBeUndefined();
    expect(nextStatus(obs, { summary: BUILDING }, NOW).index).toEqual(indexStatus(anIndex().build()));
  });

  it('records of another generation are dropped (refusal, unsupported alter, applied properties); IndexName stays', () => {
    const stale = aMilvusIndex().generation(3).refused('CreateIndex', 'no', { generation: 2 }).appliedProperties({ a: 'b' }, 2);
    const s = nextStatus(anObservation(stale.unsupported('AlterIndexProperties', 'UNIMPLEMENTED', { generation: 2 })).build(), { summary: BUILDING }, NOW);
    expect([s.refusal, s.unsupported, s.appliedProperties]).toEqual([undefined, undefined, undefined]);
    const indexName = nextStatus(anObservation(aMilvusIndex().generation(3).unsupported('IndexName', 'ignored', { generation: 2 })).build(), { summary: BUILDING }, NOW);
    expect(indexName.unsupported?.what).toBe('IndexName');
  });

  it('an IndexName record goes once an index under our own name is reported', () => {
    const obs = anObservation(aMilvusIndex().unsupported('IndexName', 'ignored')).build();
    expect(nextStatus(obs, { summary: BUILDING, index: indexStatus(anIndex().named('other').build()) }, NOW).unsupported?.what).toBe('IndexName');
    expect(nextStatus(obs, { summary: BUILDING, index: indexStatus(anIndex().build()) }, NOW).unsupported).toBeUndefined();
  });

  it('records of this generation are kept', () => {
    const s = nextStatus(anObservation(aMilvusIndex().refused('CreateIndex', 'no')).build(), { summary: BUILDING }, NOW);
    expect(s.refusal).toEqual({ generation: 2, action: 'CreateIndex', message: 'no' });
  });
});

describe('plan builder and summaries', () => {
  it('defaults: no actions, no intent, no events, no metrics, no requeue', () => {
    expect(plan({ status: undefined })).toEqual({ actions: [], intent: undefined, status: undefined, events: [], metrics: [], requeue: { kind: 'None' } });
  });

  it('ready() appends a note to the message', () => {
    expect(ready(indexStatus(anIndex().build()), 'Milvus does not report x back.').message).toBe('Index "embedding" is built: 1000/1000 rows indexed. Milvus does not report x back.');
  });
});

describe('status.index', () => {
  it.each([
    ['building', anIndex().building(250, 1000), '25%'],
    ['finished, no rows', anIndex().finished(0), '100%'],
    ['unissued, no rows', anIndex().state('Unissued').building(0, 0), '0%'],
  ] as const)('progress of %s is %s', (_name, idx, progress) => {
    expect(indexStatus(idx.build()).progress).toBe(progress);
  });

  it('reportedProgress keeps the previous report within a step and reports a new step, a new index, or a first report', () => {
    const at = (rows: number, id = '1') => anIndex().id(id).building(rows, 1000).build();
    expect(reportedProgress(undefined, at(10))).toEqual(indexStatus(at(10)));
    expect(reportedProgress(indexStatus(at(10)), at(490))).toEqual(indexStatus(at(10)));
    expect(reportedProgress(indexStatus(at(10)), at(500))).toEqual(indexStatus(at(500)));
    expect(reportedProgress(indexStatus(at(10)), at(10, '2'))).toEqual(indexStatus(at(10, '2')));
  });
});
