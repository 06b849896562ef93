// Events through events.k8s.io/v1 with series for repeats (src/kube/events.ts), against the REAL
// kube-apiserver: the first occurrence creates an Event, repeats PATCH its series, a hot loop writes
// once per interval, and kubectl (core/v1 view of the same objects) shows them.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { API_VERSION } from '../../src/api/milvusindex.js';
import { systemClock } from '../../src/controller/clock.js';
import { KubeEventRecorder, REPORTING_CONTROLLER, type EventTarget } from '../../src/kube/events.js';
import { listEvents, type RecordedEvent } from '../support/events.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { MilvusIndexes, kubeWrites, startTestOperator } from '../support/operator.js';
import { run, waitFor } from '../support/proc.js';

const SERVERS = '[kube-apiserver]';
const INTERVAL_MS = 300;

describe(`events.k8s.io/v1 Events with series ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let target: EventTarget;
  const writes: string[] = [];
  const errors: unknown[] = [];

  const recorder = () => new KubeEventRecorder(kc, { kubeWrite: (kind) => writes.push(kind) }, {
    windowMs: 60_000, minPatchIntervalMs: INTERVAL_MS, maxEntries: 100,
    clock: systemClock, beforeWrite: async () => {}, onError: (e) => errors.push(e),
  });
  const eventsWith = async (reason: string): Promise<RecordedEvent[]> => (await listEvents(kc, ns, target.metadata.name)).filter((e) => e.reason === reason);

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    ns = await createTestNamespace(kc, 'events');
    // A real MilvusIndex object to regard (no operator runs here: the CRD is enough).
    const mi = await new MilvusIndexes(kc, ns).create({ name: 'regarded', spec: { collectionName: 'c', fieldName: 'vec', indexType: 'FLAT', metricType: 'L2' } });
    target = { apiVersion: API_VERSION, kind: 'MilvusIndex', metadata: { name: mi.metadata.name, namespace: ns, uid: mi.metadata.uid!, resourceVersion: mi.metadata.resourceVersion } };
  });

  it(`the first occurrence creates one Event with the events.k8s.io fields ${SERVERS}`, async () => {
    await recorder().emit(target, { type: 'Normal', reason: 'IndexCreated', message: 'created the index', action: 'CreateIndex' });
    const [e, ...more] = await eventsWith('IndexCreated');
    expect(more).toEqual([]);
    expect(e).toMatchObject({
      type: 'Normal', action: 'CreateIndex', note: 'created the index', reportingController: REPORTING_CONTROLLER,
      regarding: { kind: 'MilvusIndex', name: 'regarded', namespace: ns, uid: target.metadata.uid }, count: 1, series: undefined,
    });
    expect(e!.reportingInstance).toMatch(/^milvus-index-operator-/);
    expect(errors).toEqual([]);
  });

  it(`repeats become one Event with series.count, and a hot loop is coalesced ${SERVERS}`, async () => {
    const r = recorder();
    writes.length = 0;
    const repeats = 50;
    for (let i = 0; i < repeats; i++) await r.emit(target, { type: 'Warning', reason: 'MilvusUnavailable', message: 'Milvus at m:19530 cannot be reached' });
    await waitFor('the series to reach every repeat', async () => (await eventsWith('MilvusUnavailable'))[0]?.count === repeats, { timeoutMs: 10_000 });
    const events = await eventsWith('MilvusUnavailable');
    expect(events).toHaveLength(1);
    expect(events[0]!.series).toMatchObject({ count: repeats });
    expect(writes.length, `writes for ${repeats} occurrences: one create, then a few coalesced patches`).toBeLessThanOrEqual(4);
    expect(errors).toEqual([]);
  });

  it(`a different note is a different Event ${SERVERS}`, async () => {
    const r = recorder();
    await r.emit(target, { type: 'Warning', reason: 'Conflict', message: 'first' });
    await r.emit(target, { type: 'Warning', reason: 'Conflict', message: 'second' });
    expect((await eventsWith('Conflict')).map((e) => e.note).sort()).toEqual(['first', 'second']);
  });

  it(`kubectl get events and the core/v1 API show the same Events, with the repeat count ${SERVERS}`, async () => {
    const [series] = await eventsWith('MilvusUnavailable');
    const core = await kc.makeApiClient(CoreV1Api).readNamespacedEvent({ namespace: ns, name: series!.name });
    expect(core).toMatchObject({ reason: 'MilvusUnavailable', message: series!.note, involvedObject: { name: 'regarded' }, series: { count: series!.count } });
    const res = await run(join(inject('kubeBinDir'), 'kubectl'), ['get', 'events', '-n', ns, '-o', 'name'], { env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`event/${series!.name}`);
  });

  it(`the operator: a Warning repeated on every retry is one Event whose series counts the repeats ${SERVERS}`, async () => {
    const opNs = await createTestNamespace(kc, 'events-op');
    const op = await startTestOperator(kc, opNs, [], {}, { eventSeries: { minPatchIntervalMs: INTERVAL_MS } });
    try {
      const mis = new MilvusIndexes(kc, opNs);
      // The connection does not exist: Ready=False/ConnectionNotReady, retried with capped backoff, a Warning each time.
      await mis.create({ name: 'no-connection', spec: { connectionRef: { kind: 'MilvusConnection', name: 'absent' }, collectionName: 'c', fieldName: 'vec', indexType: 'FLAT', metricType: 'L2' } });
      await mis.waitForReady('no-connection', 'False', 'ConnectionNotReady');
      const warnings = async () => (await listEvents(kc, opNs, 'no-connection')).filter((e) => e.reason === 'ConnectionNotReady');
      await waitFor('a ConnectionNotReady Event with series.count >= 2', async () => ((await warnings())[0]?.count ?? 0) >= 2, { timeoutMs: 30_000 });
      const events = await warnings();
      expect(events, 'one Event for every repeat').toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'Warning', reportingController: REPORTING_CONTROLLER, regarding: { kind: 'MilvusIndex', name: 'no-connection' } });
      expect(events[0]!.series!.count).toBeGreaterThanOrEqual(2);
      expect(await kubeWrites(op.metrics, 'event'), 'event writes: fewer than the occurrences').toBeLessThan(events[0]!.series!.count + 1);
    } finally {
      await op.stop();
    }
  });
});
