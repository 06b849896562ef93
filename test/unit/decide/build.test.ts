// Build progress and Ready (decide/build.ts).
import { describe, expect, it } from 'vitest';
import { NOW, NOW_ISO, EARLIER, aFailure, aField, aMilvusIndex, docsFields, aPeer, aScalarIndex, anIndex, anObservation, createIndexAction } from '../fakes.js';
import { BUILD_POLL_MS, decide, decideFailure } from '../../../src/reconcile/decide/index.js';
import {
  after, backoff, decisionTable, fresh, owned, ownedChanged, paused, readyReason, scalarSpec, DROP_EMBEDDING, OLDER, PENDING_RECREATE, YOUNGER,
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

decisionTable('build', [...buildRows]);
