import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InformerEventHandler } from '../../src/controller/informer.js';
import type { Logger } from '../../src/observability/logger.js';
import { Controller, type ControllerMetrics, type ControllerSource, type ReconcileResult } from '../../src/controller/runner.js';
import type { ObjectKey, ReconcileFn, RequeueDecision } from '../../src/controller/types.js';
import { WorkQueue } from '../../src/controller/workqueue.js';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string; generation?: number };
  /** Serialization group, for the `serializeBy` tests. */
  group?: string;
}

function obj(key: string, generation = 1): Obj {
  const [namespace, name] = key.split('/') as [string, string];
  return { metadata: { namespace, name, generation } };
}

/** An in-memory informer: the test decides when it syncs and which events it emits. */
class FakeSource implements ControllerSource<Obj> {
  readonly objects = new Map<ObjectKey, Obj>();
  readonly calls: string[] = [];
  private readonly handlers: Array<InformerEventHandler<Obj>> = [];
  private synced = false;
  private readonly syncWaiters: Array<(synced: boolean) => void> = [];

  addEventHandler(handler: InformerEventHandler<Obj>): void {
    this.handlers.push(handler);
  }
  start(): void {
    this.calls.push('start');
  }
  stop(): void {
    this.calls.push('stop');
    this.syncWaiters.splice(0).forEach((resolve) => resolve(false));
  }
  waitForSync(): Promise<boolean> {
    return this.synced ? Promise.resolve(true) : new Promise((resolve) => this.syncWaiters.push(resolve));
  }
  hasSynced(): boolean {
    return this.synced;
  }
  get(key: ObjectKey): Obj | undefined {
    return this.objects.get(key);
  }
  list(): Obj[] {
    return [...this.objects.values()];
  }

  sync(): void {
    this.synced = true;
    this.syncWaiters.splice(0).forEach((resolve) => resolve(true));
  }
  add(o: Obj): void {
    this.objects.set(keyOf(o), o);
    this.handlers.forEach((h) => h.onAdd?.(o));
  }
  update(o: Obj): void {
    const old = this.objects.get(keyOf(o));
    if (old === undefined) throw new Error('update of unknown object');
    this.objects.set(keyOf(o), o);
    this.handlers.forEach((h) => h.onUpdate?.(old, o));
  }
  delete(o: Obj): void {
    this.objects.delete(keyOf(o));
    this.handlers.forEach((h) => h.onDelete?.(o));
  }
}

function keyOf(o: Obj): ObjectKey {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}

function recordingLogger(): Logger & { entries: Array<{ level: string; fields: object; msg: string }> } {
  const entries: Array<{ level: string; fields: object; msg: string }> = [];
  const at = (level: string) => (fields: object, msg: string) => void entries.push({ level, fields, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function recordingMetrics(): ControllerMetrics & { results: ReconcileResult[]; errors: number; durations: number[]; active: number[] } {
  const m = {
    results: [] as ReconcileResult[],
    errors: 0,
    durations: [] as number[],
    active: [] as number[],
    reconciled: (r: ReconcileResult) => void m.results.push(r),
    reconcileError: () => void m.errors++,
    reconcileDuration: (s: number) => void m.durations.push(s),
    activeWorkers: (n: number) => void m.active.push(n),
  };
  return m;
}

/** A reconcile whose calls the test completes by hand. */
function manualReconcile(): { fn: ReconcileFn; calls: Array<{ key: ObjectKey; finish: (d: RequeueDecision) => void }> } {
  const calls: Array<{ key: ObjectKey; finish: (d: RequeueDecision) => void }> = [];
  const fn: ReconcileFn = (key) => new Promise((resolve) => calls.push({ key, finish: resolve }));
  return { fn, calls };
}

function setup(options: { reconcile: ReconcileFn; concurrency?: number; resyncPeriodMs?: number; random?: () => number; updateFilter?: (a: Obj, b: Obj) => boolean; resyncGroup?: (o: Obj) => string; serializeBy?: (o: Obj) => string | undefined }) {
  const source = new FakeSource();
  const queue = new WorkQueue({ baseDelayMs: 1000 });
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const controller = new Controller<Obj>({ name: 'test', source, queue, log, metrics, resyncPeriodMs: 0, ...options });
  return { source, queue, log, metrics, controller };
}

const running: Array<Controller<Obj>> = [];
afterEach(async () => {
  // Under fake timers too: nothing is in flight here, so the drain wins without a timer firing.
  await Promise.all(running.splice(0).map((c) => c.stop(100)));
  vi.useRealTimers();
});

describe('Controller', () => {
  it('starts workers only after the source has synced, then reconciles the initial objects', async () => {
    const reconcile = vi.fn<ReconcileFn>(async () => ({ kind: 'None' }));
    const { source, controller } = setup({ reconcile });
    running.push(controller);
    const started = controller.start();
    expect(source.calls).toEqual(['start']);
    source.add(obj('ns/a'));
    source.add(obj('ns/b'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reconcile).not.toHaveBeenCalled();

    source.sync();
    await expect(started).resolves.toBe(true);
    await vi.waitFor(() => expect(reconcile.mock.calls.map(([k]) => k)).toEqual(['ns/a', 'ns/b']));
  });

  it('resolves start() false when stopped before the source syncs', async () => {
    const { source, controller } = setup({ reconcile: async () => ({ kind: 'None' }) });
    const started = controller.start();
    await controller.stop(100);
    await expect(started).resolves.toBe(false);
    expect(source.calls).toEqual(['start', 'stop']);
  });

  type QueueCall = 'forget' | 'addRateLimited' | 'addRateLimitedCapped' | 'addAfter';
  interface DecisionRow {
    name: string;
    reason: string;
    given: () => Promise<RequeueDecision>;
    want: { calls: Array<[QueueCall, ...unknown[]]>; result: ReconcileResult; errors: number };
  }
  const decisionRows: DecisionRow[] = [
    {
      name: 'None',
      reason: 'done; reset the backoff',
      given: async () => ({ kind: 'None' }),
      want: { calls: [['forget', 'ns/a']], result: 'success', errors: 0 },
    },
    {
      name: 'Backoff',
      reason: 'transient failure: per-key exponential backoff',
      given: async () => ({ kind: 'Backoff' }),
      want: { calls: [['addRateLimited', 'ns/a']], result: 'requeue', errors: 0 },
    },
    {
      name: 'CappedBackoff',
      reason: 'dependency missing: backoff with the lower cap',
      given: async () => ({ kind: 'CappedBackoff' }),
      want: { calls: [['addRateLimitedCapped', 'ns/a']], result: 'requeue', errors: 0 },
    },
    {
      name: 'Backoff with an error',
      reason: 'a failed reconcile (a write refused, Milvus unreachable) is result="error" and counted in reconcile_errors_total, as a returned error in controller-runtime',
      given: async () => ({ kind: 'Backoff', error: 'HTTP 500: etcd timeout' }),
      want: { calls: [['addRateLimited', 'ns/a']], result: 'error', errors: 1 },
    },
    {
      name: 'CappedBackoff with an error',
      reason: 'a failure that waits on a dependency keeps the lower cap and still counts as an error',
      given: async () => ({ kind: 'CappedBackoff', error: 'collection not found' }),
      want: { calls: [['addRateLimitedCapped', 'ns/a']], result: 'error', errors: 1 },
    },
    {
      name: 'After',
      reason: 'polling: reset the backoff and come back after the delay',
      given: async () => ({ kind: 'After', ms: 30_000 }),
      want: { calls: [['forget', 'ns/a'], ['addAfter', 'ns/a', 30_000]], result: 'requeue_after', errors: 0 },
    },
    {
      name: 'thrown error',
      reason: 'an exception is a transient failure, never a dead worker',
      given: async () => {
        throw new Error('boom');
      },
      want: { calls: [['addRateLimited', 'ns/a']], result: 'error', errors: 1 },
    },
    {
      name: 'After with a negative delay',
      reason: 'a bug in the reconciler is treated as an error, not as a hot loop',
      given: async () => ({ kind: 'After', ms: -1 }),
      want: { calls: [['addRateLimited', 'ns/a']], result: 'error', errors: 1 },
    },
  ];

  it.each(decisionRows)('maps $name to the queue ($reason)', async ({ given, want }) => {
    const { source, queue, metrics, controller } = setup({ reconcile: given });
    running.push(controller);
    // Record only the controller's own calls, not the queue's internal addRateLimited → addAfter.
    const calls: Array<[QueueCall, ...unknown[]]> = [];
    let depth = 0;
    for (const method of ['forget', 'addRateLimited', 'addRateLimitedCapped', 'addAfter'] as const) {
      const original = queue[method].bind(queue) as (...args: unknown[]) => void;
      vi.spyOn(queue, method).mockImplementation((...args: unknown[]) => {
        if (depth === 0) calls.push([method, ...args]);
        depth++;
        try {
          original(...args);
        } finally {
          depth--;
        }
      });
    }
    const done = vi.spyOn(queue, 'done');
    source.add(obj('ns/a'));
    source.sync();
    await controller.start();
    await vi.waitFor(() => expect(done).toHaveBeenCalledWith('ns/a'));
    expect(calls).toEqual(want.calls);
    expect(metrics.results).toEqual([want.result]);
    expect(metrics.errors).toBe(want.errors);
    expect(metrics.durations).toHaveLength(1);
  });

  it('logs a thrown error with the key and keeps the worker alive', async () => {
    let attempt = 0;
    const reconcile = vi.fn<ReconcileFn>(async () => {
      attempt++;
      if (attempt === 1) throw new Error('cannot reach milvus');
      return { kind: 'None' };
    });
    const { source, queue, log, controller } = setup({ reconcile });
    running.push(controller);
    source.sync();
    await controller.start();
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(queue.numRequeues('ns/a')).toBe(1));
    expect(log.entries).toContainEqual({ level: 'error', fields: expect.objectContaining({ key: 'ns/a', err: expect.any(Error) }), msg: 'cannot reconcile' });

    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledWith('ns/b'));
  });

  it('enqueues adds and deletes always, and updates only when the filter agrees', async () => {
    const reconcile = vi.fn<ReconcileFn>(async () => ({ kind: 'None' }));
    const { source, queue } = setup({
      reconcile,
      updateFilter: (a, b) => a.metadata.generation !== b.metadata.generation,
    });
    const add = vi.spyOn(queue, 'add');
    source.add(obj('ns/a'));
    source.update(obj('ns/a', 1));
    source.update(obj('ns/a', 2));
    source.delete(obj('ns/a', 2));
    expect(add.mock.calls).toEqual([['ns/a'], ['ns/a'], ['ns/a']]);
  });

  it('never reconciles one key twice at once, while other keys run in parallel', async () => {
    const { fn, calls } = manualReconcile();
    const { source, controller } = setup({ reconcile: fn, concurrency: 3 });
    running.push(controller);
    source.sync();
    await controller.start();
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(calls.map((c) => c.key)).toEqual(['ns/a', 'ns/b']));
    controller.enqueue('ns/a');
    controller.enqueue('ns/a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);

    calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(calls.map((c) => c.key)).toEqual(['ns/a', 'ns/b', 'ns/a']));
    calls[1]?.finish({ kind: 'None' });
    calls[2]?.finish({ kind: 'None' });
  });

  it('resyncs every key once per period, spread over ±10% of the period', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const randoms = [0, 0.5, 0.999];
    let r = 0;
    const { source, queue, controller } = setup({
      reconcile: async () => ({ kind: 'None' }),
      resyncPeriodMs: 10_000,
      random: () => randoms[r++ % randoms.length] ?? 0,
    });
    running.push(controller);
    for (const key of ['ns/a', 'ns/b', 'ns/c']) source.objects.set(key, obj(key));
    source.sync();
    await controller.start();
    const addAfter = vi.spyOn(queue, 'addAfter');

    await vi.advanceTimersByTimeAsync(8_999);
    expect(addAfter).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(addAfter.mock.calls).toEqual([
      ['ns/a', 0],
      ['ns/b', 1_000],
      ['ns/c', 1_998],
    ]);

    addAfter.mockClear();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(addAfter).toHaveBeenCalledTimes(3);
  });

  it('resyncs the keys of one resync group together: one offset per group and pass', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const randoms = [0.25, 0.75, 0.5, 0.1];
    let r = 0;
    const { source, queue, controller } = setup({
      reconcile: async () => ({ kind: 'None' }),
      resyncPeriodMs: 10_000,
      random: () => randoms[r++ % randoms.length] ?? 0,
      resyncGroup: (o) => (o.metadata.name < 'c' ? 'first' : 'second'),
    });
    running.push(controller);
    for (const key of ['ns/a', 'ns/b', 'ns/c', 'ns/d']) source.objects.set(key, obj(key));
    source.sync();
    await controller.start();
    const addAfter = vi.spyOn(queue, 'addAfter');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(addAfter.mock.calls).toEqual([['ns/a', 500], ['ns/b', 500], ['ns/c', 1_500], ['ns/d', 1_500]]);
    addAfter.mockClear();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(addAfter.mock.calls).toEqual([['ns/a', 1_000], ['ns/b', 1_000], ['ns/c', 200], ['ns/d', 200]]);
  });

  it('spreads the resync of 1000 keys instead of firing them together', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const reconcile = vi.fn<ReconcileFn>(async () => ({ kind: 'None' }));
    const { source, controller } = setup({ reconcile, resyncPeriodMs: 100_000, concurrency: 4 });
    running.push(controller);
    for (let i = 0; i < 1000; i++) source.objects.set(`ns/o${i}`, obj(`ns/o${i}`));
    source.sync();
    await controller.start();

    await vi.advanceTimersByTimeAsync(90_000 + 1_000); // first 5% of the 20 s window
    const early = reconcile.mock.calls.length;
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(200);
    await vi.advanceTimersByTimeAsync(19_000);
    expect(reconcile).toHaveBeenCalledTimes(1000);
  });

  it('stop waits for reconciles in flight and takes no new keys', async () => {
    const { fn, calls } = manualReconcile();
    const { source, controller } = setup({ reconcile: fn });
    source.sync();
    await controller.start();
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(calls).toHaveLength(1));

    let stopped: boolean | undefined;
    const stopping = controller.stop(10_000).then((drained) => (stopped = drained));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBeUndefined();
    expect(source.calls).toContain('stop');

    calls[0]?.finish({ kind: 'None' });
    await stopping;
    expect(stopped).toBe(true);
    expect(calls.map((c) => c.key)).toEqual(['ns/a']);
  });

  it('stop gives up after the timeout when a reconcile hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const { fn, calls } = manualReconcile();
    const { source, log, controller } = setup({ reconcile: fn });
    source.sync();
    await controller.start();
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1));

    const stopping = controller.stop(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(stopping).resolves.toBe(false);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ inFlight: 1 }) }));
  });
});

describe('Controller with serializeBy', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const serializeBy = (o: Obj) => o.group;

  function member(key: string, group: string): Obj {
    return { ...obj(key), group };
  }

  /** A manual reconcile that records every time two keys of one group (as the store says at call time) overlapped. */
  function groupedReconcile(source: FakeSource) {
    const { fn, calls } = manualReconcile();
    const inFlight = new Map<string, ObjectKey>();
    const overlaps: Array<[ObjectKey, ObjectKey]> = [];
    const tracked: ReconcileFn = (key) => {
      const group = source.get(key)?.group;
      const mate = group === undefined ? undefined : inFlight.get(group);
      if (mate !== undefined) overlaps.push([mate, key]);
      if (group !== undefined) inFlight.set(group, key);
      return fn(key).finally(() => {
        if (group !== undefined && inFlight.get(group) === key) inFlight.delete(group);
      });
    };
    return { fn: tracked, calls, overlaps, keys: () => calls.map((c) => c.key) };
  }

  async function started(options: { concurrency: number; members: Array<[string, string]> }) {
    const source = new FakeSource();
    const r = groupedReconcile(source);
    const queue = new WorkQueue({ baseDelayMs: 1000 });
    const log = recordingLogger();
    const metrics = recordingMetrics();
    const controller = new Controller<Obj>({ name: 'test', source, queue, log, metrics, resyncPeriodMs: 0, reconcile: r.fn, concurrency: options.concurrency, serializeBy });
    running.push(controller);
    for (const [key, group] of options.members) source.objects.set(key, member(key, group));
    source.sync();
    await controller.start();
    return { source, queue, log, metrics, controller, ...r };
  }

  it('never reconciles two keys of one group at once, and the worker that met the busy group takes another group meanwhile', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1'], ['ns/c', 'c2']] });
    for (const key of ['ns/a', 'ns/b', 'ns/c']) w.controller.enqueue(key);
    // Without hand-off the second worker would sit on c1 and c2 would wait in the queue.
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/c']));
    expect(w.queue.len()).toBe(0);
    expect(Math.max(...w.metrics.active)).toBe(2);

    w.calls[1]?.finish({ kind: 'None' });
    await tick();
    expect(w.keys()).toEqual(['ns/a', 'ns/c']);
    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/c', 'ns/b']));
    w.calls[2]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.metrics.results).toHaveLength(3));
    expect(w.overlaps).toEqual([]);
    expect(Math.max(...w.metrics.active)).toBeLessThanOrEqual(2);
    expect(w.metrics.active.at(-1)).toBe(0);
  });

  it('runs handed-off keys in hand-off order, each marked done only after its own reconcile', async () => {
    const w = await started({ concurrency: 4, members: [['ns/a', 'c1'], ['ns/b', 'c1'], ['ns/c', 'c1'], ['ns/d', 'c1']] });
    const done = vi.spyOn(w.queue, 'done');
    for (const key of ['ns/a', 'ns/b', 'ns/c', 'ns/d']) w.controller.enqueue(key);
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await tick();
    expect(done).not.toHaveBeenCalled();

    for (let i = 0; i < 4; i++) {
      w.calls[i]?.finish({ kind: 'None' });
      await vi.waitFor(() => expect(done.mock.calls.length).toBe(i + 1));
      expect(done.mock.calls.at(-1)).toEqual([w.calls[i]?.key]);
    }
    expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/d']);
    expect(w.overlaps).toEqual([]);
    expect(w.metrics.durations).toHaveLength(4);
  });

  it('applies each key\'s own outcome: a thrown error backs off only its key, the mate\'s decision is its own', async () => {
    const source = new FakeSource();
    const queue = new WorkQueue({ baseDelayMs: 1000 });
    const log = recordingLogger();
    const metrics = recordingMetrics();
    let releaseA!: () => void;
    const aGate = new Promise<void>((resolve) => (releaseA = resolve));
    const reconcile = vi.fn<ReconcileFn>(async (key) => {
      if (key === 'ns/a') {
        await aGate;
        throw new Error('cannot reach milvus');
      }
      return { kind: 'After', ms: 30_000 };
    });
    const controller = new Controller<Obj>({ name: 'test', source, queue, log, metrics, resyncPeriodMs: 0, reconcile, concurrency: 2, serializeBy });
    running.push(controller);
    source.objects.set('ns/a', member('ns/a', 'c1'));
    source.objects.set('ns/b', member('ns/b', 'c1'));
    source.sync();
    await controller.start();
    const addAfter = vi.spyOn(queue, 'addAfter');
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(1));
    await tick();
    expect(reconcile).toHaveBeenCalledTimes(1);

    releaseA();
    await vi.waitFor(() => expect(metrics.results).toEqual(['error', 'requeue_after']));
    expect(reconcile.mock.calls.map(([k]) => k)).toEqual(['ns/a', 'ns/b']);
    expect(queue.numRequeues('ns/a')).toBe(1);
    expect(queue.numRequeues('ns/b')).toBe(0);
    expect(addAfter).toHaveBeenCalledWith('ns/b', 30_000);
    expect(metrics.errors).toBe(1);
    expect(metrics.durations).toHaveLength(2);
    expect(log.entries).toContainEqual({ level: 'error', fields: expect.objectContaining({ key: 'ns/a' }), msg: 'cannot reconcile' });
  });

  it('coalesces adds of a handed-off key as for any key in flight: one follow-up after its own reconcile', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1']] });
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/b');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await tick();
    w.controller.enqueue('ns/b');
    w.controller.enqueue('ns/b');
    expect(w.queue.len()).toBe(0);

    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b']));
    w.calls[1]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/b']));
    w.calls[2]?.finish({ kind: 'None' });
    await tick();
    expect(w.keys()).toHaveLength(3);
  });

  it('hands a key off again when it comes back while its group is still held', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1'], ['ns/c', 'c1']] });
    for (const key of ['ns/a', 'ns/b', 'ns/c']) w.controller.enqueue(key);
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await tick();
    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b']));
    // ns/a returns while c1 is still held (ns/b runs, ns/c waits): it queues behind ns/c.
    w.controller.enqueue('ns/a');
    await tick();
    w.calls[1]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/c']));
    w.calls[2]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/a']));
    w.calls[3]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.metrics.results).toHaveLength(4));
    expect(w.overlaps).toEqual([]);
  });

  it('sends a handed-off key whose object moved to its new group\'s holder', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1'], ['ns/c', 'c2']] });
    for (const key of ['ns/a', 'ns/b', 'ns/c']) w.controller.enqueue(key);
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/c']));
    w.source.objects.set('ns/b', member('ns/b', 'c2'));

    w.calls[0]?.finish({ kind: 'None' });
    await tick();
    await tick();
    expect(w.keys()).toEqual(['ns/a', 'ns/c']);
    w.calls[1]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/c', 'ns/b']));
    w.calls[2]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.metrics.results).toHaveLength(3));
    expect(w.overlaps).toEqual([]);
  });

  it('holds the new group of a handed-off key that moved to a free group, with what is handed to it meanwhile', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1'], ['ns/d', 'c3']] });
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/b');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await tick();
    w.source.objects.set('ns/b', member('ns/b', 'c3'));
    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b']));

    // The free worker meets c3 held and hands ns/d over.
    w.controller.enqueue('ns/d');
    await tick();
    expect(w.keys()).toEqual(['ns/a', 'ns/b']);
    expect(w.queue.len()).toBe(0);
    w.calls[1]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/d']));
    w.calls[2]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.metrics.results).toHaveLength(3));
    expect(w.overlaps).toEqual([]);

    // Both groups are free again.
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/d');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/d', 'ns/a', 'ns/d']));
    w.calls[3]?.finish({ kind: 'None' });
    w.calls[4]?.finish({ kind: 'None' });
  });

  it('stop waits for handed-off keys, which still run', async () => {
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1']] });
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/b');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await tick();

    let stopped: boolean | undefined;
    const stopping = w.controller.stop(10_000).then((drained) => (stopped = drained));
    await tick();
    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b']));
    await tick();
    expect(stopped).toBeUndefined();
    w.calls[1]?.finish({ kind: 'None' });
    await stopping;
    expect(stopped).toBe(true);
  });

  it('reports handed-off keys when stop times out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const w = await started({ concurrency: 2, members: [['ns/a', 'c1'], ['ns/b', 'c1']] });
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/b');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a']));
    await vi.advanceTimersByTimeAsync(0);

    const stopping = w.controller.stop(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(stopping).resolves.toBe(false);
    expect(w.log.entries).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ inFlight: 1, handedOff: 1 }) }));
    w.calls[0]?.finish({ kind: 'None' });
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b']));
    w.calls[1]?.finish({ kind: 'None' });
  });

  it('does not group keys whose object is gone (or has no group): they run in parallel as without serializeBy', async () => {
    const w = await started({ concurrency: 3, members: [] });
    w.source.objects.set('ns/x', obj('ns/x'));
    w.controller.enqueue('ns/a');
    w.controller.enqueue('ns/b');
    w.controller.enqueue('ns/x');
    await vi.waitFor(() => expect(w.keys()).toEqual(['ns/a', 'ns/b', 'ns/x']));
    w.calls.forEach((c) => c.finish({ kind: 'None' }));
  });

  it('reconciles a key ungrouped, and logs, when serializeBy throws', async () => {
    const source = new FakeSource();
    const { fn, calls } = manualReconcile();
    const log = recordingLogger();
    const controller = new Controller<Obj>({
      name: 'test', source, queue: new WorkQueue({ baseDelayMs: 1000 }), log, metrics: recordingMetrics(), resyncPeriodMs: 0, reconcile: fn, concurrency: 2,
      serializeBy: () => {
        throw new Error('bad group');
      },
    });
    running.push(controller);
    source.objects.set('ns/a', obj('ns/a'));
    source.objects.set('ns/b', obj('ns/b'));
    source.sync();
    await controller.start();
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(calls.map((c) => c.key)).toEqual(['ns/a', 'ns/b']));
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ key: 'ns/a' }) }));
    calls.forEach((c) => c.finish({ kind: 'None' }));
  });
});
