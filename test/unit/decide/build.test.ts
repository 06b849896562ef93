// Build progress and Ready (decide/build.ts).
import { describe, expect, it } from 'vitest';
import { NOW, aMilvusIndex, anIndex, anObservation } from '../fakes.js';
import { BUILD_POLL_MS, decide } from '../../../src/reconcile/decide/index.js';
import { BUILD_QUIET_MS, buildPollMs } from '../../../src/reconcile/decide/build.js';
import { ANNOTATION_CREATE_INTENT, FINALIZER } from '../../../src/api/milvusindex.js';
import { statusEqual } from '../../../src/reconcile/conditions.js';
import type { Plan } from '../../../src/reconcile/plan.js';
import {
  decisionTable, owned, readyReason,
  type Row,
} from './table.js';

const buildRows: Row[] = [
  {
    name: 'index building: Building with progress, Reconciling, poll',
    reason: 'work under way without a person: Reconciling=True, Stalled=False, requeue after the poll interval',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().building(500, 1000)).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('500/1000') },
      reconciling: 'True', stalled: 'False', requeue: { kind: 'After', ms: BUILD_POLL_MS }, events: [],
    },
  },
  {
    name: 'first Ready needs state Finished and 0 pending rows (pending rows left)',
    reason: 'Finished with pending rows right after create is the issue #26786 race: not Ready yet',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().finished(800, 200)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building' }, reconciling: 'True', metrics: [] },
  },
  {
    name: 'first Ready: Finished and 0 pending rows',
    reason: 'Ready=True/IndexBuilt, an IndexBuilt event and the BecameReady mark, once',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex()).build() },
    want: {
      actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, reconciling: 'False', stalled: 'False',
      events: ['Normal IndexBuilt'], metrics: ['BecameReady'], requeue: 'None',
    },
  },
  {
    name: 'already Ready, new rows pending: stays Ready',
    reason: 'new rows show in status.index, not as a flapping Ready; no event, no mark',
    given: { observation: anObservation(owned()).index(anIndex().finished(1000, 500)).build() },
    want: { actions: [], ready: { status: 'True', reason: 'IndexBuilt' }, events: [], metrics: [] },
  },
  {
    name: 'build Failed: BuildFailed with the server reason, Stalled, no create storm',
    reason: 'a failed build needs a person; nothing is retried',
    given: { observation: anObservation(aMilvusIndex().ownership('Created').notReady('Building')).index(anIndex().failed('segment 7: out of memory')).build() },
    want: {
      actions: [], ready: { status: 'False', reason: 'BuildFailed', message: expect.stringContaining('segment 7: out of memory') },
      stalled: 'True', reconciling: 'False', events: ['Warning BuildFailed'], requeue: 'None',
    },
  },
];

const created = () => aMilvusIndex().ownership('Created').notReady('Building');

const progressRows: Row[] = [
  {
    name: 'building, progress moved within the same step: status.index and the message kept (no write)',
    reason: 'progress is reported in coarse steps; a poll that only moves row counts writes nothing',
    given: { observation: anObservation(created().reporting(anIndex().building(100, 1000)).notReady('Building', { message: 'Index "embedding" is building: 100/1000 rows indexed (900 pending), state InProgress.' })).index(anIndex().building(400, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('100/1000') }, requeue: { kind: 'After', ms: BUILD_POLL_MS } },
  },
  {
    name: 'building, progress crossed into the next step: reported',
    reason: 'a new step is news worth one write',
    given: { observation: anObservation(created().reporting(anIndex().building(100, 1000))).index(anIndex().building(600, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('600/1000') } },
  },
  {
    name: 'building, a different index (recreated) in the same step: reported',
    reason: 'another index id is another build',
    given: { observation: anObservation(created().reporting(anIndex().id('1').building(100, 1000))).index(anIndex().id('2').building(100, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('100/1000') } },
  },
];

const quietRows: Row[] = [
  {
    name: `our build, ${BUILD_QUIET_MS / 1000 - 1} s after the create: the intent still holds (no write), poll`,
    reason: 'a build shorter than BUILD_QUIET_MS costs no status write besides the intent and Ready',
    given: { observation: anObservation(aMilvusIndex().pendingOperation({ operation: 'Create', startedAt: new Date(NOW.getTime() - BUILD_QUIET_MS + 1000).toISOString() }).notReady('Building', { message: 'Creating index "embedding" on docs.embedding.' })).index(anIndex().building(500, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: 'Creating index "embedding" on docs.embedding.' }, requeue: { kind: 'After', ms: buildPollMs(BUILD_QUIET_MS - 1000) }, events: [] },
  },
  {
    name: `our build, ${BUILD_QUIET_MS / 1000} s after the create: progress and ownership reported`,
    reason: 'a long build shows its progress in status after the quiet window',
    given: { observation: anObservation(aMilvusIndex().pendingOperation({ operation: 'Create', startedAt: new Date(NOW.getTime() - BUILD_QUIET_MS).toISOString() }).notReady('Building', { message: 'Creating index "embedding" on docs.embedding.' })).index(anIndex().building(500, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building', message: expect.stringContaining('500/1000') }, ownership: 'Created', requeue: { kind: 'After', ms: buildPollMs(BUILD_QUIET_MS) } },
  },
  {
    name: 'our build, 5 minutes after the create: polled every BUILD_POLL_MS',
    reason: 'the poll interval is capped',
    given: { observation: anObservation(aMilvusIndex().pendingOperation({ operation: 'Create', startedAt: new Date(NOW.getTime() - 300_000).toISOString() }).reporting(anIndex().building(500, 1000)).notReady('Building')).index(anIndex().building(500, 1000)).build() },
    want: { actions: [], ready: { status: 'False', reason: 'Building' }, requeue: { kind: 'After', ms: BUILD_POLL_MS } },
  },
];

decisionTable('build', [...buildRows, ...progressRows, ...quietRows]);

describe('buildPollMs: a build of ours is polled every twentieth of its age, 1–5 s', () => {
  it.each([[0, 1_000], [2_000, 1_000], [20_000, 1_000], [30_000, 1_500], [60_000, 3_000], [100_000, BUILD_POLL_MS], [3_600_000, BUILD_POLL_MS]])('%i ms old → next poll in %i ms', (age, ms) => {
    expect(buildPollMs(age)).toBe(ms);
  });

  it('the end of a build is seen within 5 % of its duration, or 1 s', () => {
    for (let end = 500; end <= 100_000; end += 250) {
      let t = 0;
      while (t < end) t += buildPollMs(t);
      expect(t - end, `a build ending at ${end} ms`).toBeLessThanOrEqual(Math.max(1_000, end * 0.05) + 1);
    }
  });
});

describe('decide: build progress across many polls', () => {
  // [polls, seconds between polls, status writes at most]: a build shorter than BUILD_QUIET_MS writes the intent and Ready only.
  it.each([[10, 5, 4], [100, 5, 4], [1000, 5, 4], [5, 5, 2], [1000, 0, 2]])('apply → Ready over a build of %i polls %i s apart writes status at most %i times (design §7)', (polls, every, most) => {
    let resource = aMilvusIndex().withoutFinalizer().build();
    let writes = 0;
    const store = (p: Plan) => {
      for (const s of [p.intent, p.status]) {
        if (s !== undefined && !statusEqual(s, resource.status)) { writes += 1; resource = { ...resource, status: s }; }
      }
    };
    const first = decide(anObservation(resource).notObserved().build(), NOW);
    expect(first.actions.map((a) => a.type)).toEqual(['AddFinalizer']);
    resource = { ...resource, metadata: { ...resource.metadata, finalizers: [FINALIZER] } };
    const create = decide(anObservation(resource).build(), NOW);
    expect(create.actions.map((a) => a.type)).toEqual(['CreateIndex']);
    store(create);
    const total = 1_000_000;
    for (let i = 0; i <= polls; i++) {
      const indexed = Math.floor((total * i) / polls);
      const idx = i === polls ? anIndex().finished(total) : anIndex().building(indexed, total);
      const p = decide(anObservation(resource).index(idx).build(), new Date(NOW.getTime() + i * every * 1000));
      expect(p.actions).toEqual([]);
      store(p);
    }
    expect(readyReason({ ...create, status: resource.status })).toBe('IndexBuilt');
    expect(resource.status?.ownership).toBe('Created');
    expect(writes).toBeLessThanOrEqual(most);
  });

  // The same walk when the finalizer step observed the index absent: the create's intent rides on the finalizer write.
  it.each([[10, 5, 4], [100, 5, 4], [1000, 5, 4], [5, 5, 2], [20, 1, 2], [1000, 0, 2], [0, 0, 1]])('with the create intent on the finalizer: a build of %i polls %i s apart writes status at most %i times', (polls, every, most) => {
    let resource = aMilvusIndex().withoutFinalizer().build();
    let writes = 0;
    const first = decide(anObservation(resource).build(), NOW);
    const finalizer = first.actions[0];
    expect(finalizer).toEqual({ type: 'AddFinalizer', createIntent: expect.any(String) });
    const intent = finalizer?.type === 'AddFinalizer' ? finalizer.createIntent! : '';
    resource = { ...resource, metadata: { ...resource.metadata, finalizers: [FINALIZER], annotations: { [ANNOTATION_CREATE_INTENT]: intent } } };
    const create = decide(anObservation(resource).build(), NOW);
    expect([create.actions.map((a) => a.type), create.intent, create.status]).toEqual([['CreateIndex'], undefined, undefined]);
    const total = 1_000_000;
    for (let i = 0; i <= polls; i++) {
      const indexed = Math.floor((total * i) / polls);
      const idx = i === polls ? anIndex().finished(total) : anIndex().building(indexed, total);
      const p = decide(anObservation(resource).index(idx).build(), new Date(NOW.getTime() + i * every * 1000));
      expect(p.actions).toEqual([]);
      if (p.status !== undefined && !statusEqual(p.status, resource.status)) { writes += 1; resource = { ...resource, status: p.status }; }
      expect(resource.status?.ownership, 'ownership is recorded with the first report').toBe('Created');
    }
    expect(readyReason({ ...create, status: resource.status })).toBe('IndexBuilt');
    expect(resource.status?.pendingOperation).toBeUndefined();
    expect(writes).toBeLessThanOrEqual(most);
  });
});
