import type { Logger } from '../observability/logger.js';
import { objectKey, type InformerEventHandler, type KubeObject } from './informer.js';
import type { ObjectKey, ObjectStore, ReconcileFn, RequeueDecision } from './types.js';
import { systemClock, type Clock } from './clock.js';
import { KeyGroups } from './key-groups.js';
import { WorkQueue } from './workqueue.js';

/**
 * Outcome label of one reconcile, as controller-runtime's `reconcile_total{result}`:
 * `error` when it threw, `requeue` for Backoff/CappedBackoff, `requeue_after` for After,
 * `success` for None.
 */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

/** Metric hooks of one controller; implementations must be cheap and must not throw. */
export interface ControllerMetrics {
  reconciled(result: ReconcileResult): void;
  /** A reconcile threw. */
  reconcileError(): void;
  reconcileDuration(seconds: number): void;
  /** Workers currently inside a reconcile. */
  activeWorkers(count: number): void;
}

export const noopControllerMetrics: ControllerMetrics = {
  reconciled: () => {},
  reconcileError: () => {},
  reconcileDuration: () => {},
  activeWorkers: () => {},
};

/** What the controller needs from an informer; `Informer<T>` satisfies it. */
export interface ControllerSource<T> extends ObjectStore<T> {
  addEventHandler(handler: InformerEventHandler<T>): void;
  start(): void;
  stop(): void;
  /** Resolves true once synced, false if stopped first. */
  waitForSync(): Promise<boolean>;
}

export interface ControllerOptions<T extends KubeObject> {
  /** Used in logs; metric labels are the metrics implementation's business. */
  name: string;
  source: ControllerSource<T>;
  reconcile: ReconcileFn;
  log: Logger;
  /** Parallel workers; one key is still never reconciled twice at once. Default 1. */
  concurrency?: number;
  /** Every key in the store is re-enqueued about this often; 0 disables. Default 10 min. */
  resyncPeriodMs?: number;
  /** Whether an update event enqueues its key (e.g. `needsReconcile`). Default: every update. */
  updateFilter?: (oldObj: T, newObj: T) => boolean;
  /** Injected for tests or custom rate limits; the controller owns and shuts it down. */
  queue?: WorkQueue;
  metrics?: ControllerMetrics;
  clock?: Clock;
  /** Uniform [0, 1); spreads resyncs. */
  random?: () => number;
  /**
   * Objects with the same resync group are re-enqueued together (one random offset per group and pass),
   * so work shared by a group (e.g. one collection's reads) is done once. Default: every key on its own.
   */
  resyncGroup?: (obj: T) => string;
  /**
   * Keys of one serialization group are never reconciled at the same time (e.g. one Milvus collection's
   * indexes), without a worker ever waiting for another: see the class comment. Read from the store object
   * when a worker takes the key, and again just before a handed-off key runs; undefined (e.g. the object is
   * gone) means no grouping. Must be cheap; if it throws, the key is logged and runs ungrouped. Default: no grouping.
   */
  serializeBy?: (obj: T) => string | undefined;
}

/**
 * Runs a level-triggered reconcile loop: informer events and resyncs become keys in a work queue,
 * and `concurrency` workers reconcile them.
 *
 * Guarantees:
 * - Adds and deletes always enqueue; updates enqueue when `updateFilter` says so.
 * - Workers start only after the source has synced, so the first reconciles see a full cache.
 * - Decisions map to the queue as in controller-runtime: None → `forget`; Backoff →
 *   `addRateLimited`; CappedBackoff → `addRateLimitedCapped`; After(ms) → `forget` +
 *   `addAfter(ms)`. A thrown error (or an After with a negative or non-finite delay) is logged
 *   and treated as Backoff; it never kills a worker.
 * - Resync: each key is re-enqueued once per period at a uniformly random offset within ±10% of
 *   the period boundary (the first pass starts at 0.9 × period), so many keys spread over a fifth
 *   of the period instead of firing together; keys of one `resyncGroup` share their offset. A pending
 *   earlier requeue is kept.
 * - Serialization (`serializeBy`): keys of one group never reconcile at the same time. A worker that
 *   takes a key whose group another worker holds hands the key to that holder and goes back to the
 *   queue at once; the holder runs handed-off keys in hand-off order after its current key and
 *   releases the group only when none is left (also those handed to it meanwhile: at most one per key
 *   of the group at a time, as the queue never hands a key out twice before `done`). A handed-off key
 *   stays in flight in the queue until its own reconcile ends, so adds meanwhile are coalesced, and
 *   `stop()` waits for it. Each key keeps its own reconcile, decision, metrics and `done`; the
 *   reconcile duration does not count the wait behind a mate, the queue's work duration does.
 * - A handed-off key whose group changed meanwhile (its object moved) goes to its new group's holder,
 *   or its worker holds the new group as well for it; a key whose object is gone runs where it is.
 *   Both hold because the group is read just before the key runs, in the same tick as the reconcile
 *   reads the store.
 *
 * Assumptions:
 * - `reconcile` reads the newest object itself (from the store) and is idempotent; it never
 *   learns why it was called.
 */
export class Controller<T extends KubeObject> {
  private readonly name: string;
  private readonly source: ControllerSource<T>;
  private readonly reconcile: ReconcileFn;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly resyncPeriodMs: number;
  private readonly queue: WorkQueue;
  private readonly metrics: ControllerMetrics;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly resyncGroup: ((obj: T) => string) | undefined;
  private readonly serializeBy: ((obj: T) => string | undefined) | undefined;
  private readonly groups = new KeyGroups();
  private state: 'new' | 'started' | 'stopped' = 'new';
  private sourceStarted = false;
  private resyncTimer: unknown;
  private active = 0;

  constructor(options: ControllerOptions<T>) {
    this.name = options.name;
    this.source = options.source;
    this.reconcile = options.reconcile;
    this.log = options.log;
    this.concurrency = options.concurrency ?? 1;
    this.resyncPeriodMs = options.resyncPeriodMs ?? 600_000;
    this.clock = options.clock ?? systemClock;
    this.queue = options.queue ?? new WorkQueue({ clock: this.clock });
    this.metrics = options.metrics ?? noopControllerMetrics;
    this.random = options.random ?? Math.random;
    this.resyncGroup = options.resyncGroup;
    this.serializeBy = options.serializeBy;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`cannot create controller ${this.name}: concurrency must be a positive integer, got ${this.concurrency}`);
    }
    const updateFilter = options.updateFilter ?? (() => true);
    this.source.addEventHandler({
      onAdd: (obj) => this.enqueue(objectKey(obj)),
      onUpdate: (oldObj, newObj) => {
        if (updateFilter(oldObj, newObj)) this.enqueue(objectKey(newObj));
      },
      onDelete: (obj) => this.enqueue(objectKey(obj)),
    });
  }

  /**
   * Starts the source, waits for it to sync, then starts the workers and the resync timer.
   * Resolves true once the workers run, false if `stop()` came first. Throws if called twice.
   */
  async start(): Promise<boolean> {
    if (this.state !== 'new') throw new Error(`cannot start controller ${this.name}: already started or stopped`);
    this.state = 'started';
    const synced = await this.startSource();
    if (!synced || this.state !== 'started') return false;
    this.runWorkers();
    return true;
  }

  /**
   * Starts the workers and the resync timer over a source someone else started and synced (the
   * manager). Throws if the source has not synced: nothing may be decided on a partial view.
   * Resolves false (and starts nothing) if the controller was stopped or already runs.
   */
  startWorkers(): boolean {
    if (!this.source.hasSynced()) throw new Error(`cannot start the workers of controller ${this.name}: its cache has not synced`);
    if (this.state !== 'new') return false;
    this.state = 'started';
    this.runWorkers();
    return true;
  }

  private runWorkers(): void {
    if (this.resyncPeriodMs > 0) this.scheduleResync(0.9 * this.resyncPeriodMs);
    for (let i = 0; i < this.concurrency; i++) void this.work();
    this.log.info({ controller: this.name, concurrency: this.concurrency }, 'controller started');
  }

  /**
   * Starts only the source (no workers, no resync), e.g. so a leader-election standby keeps a warm
   * cache; events still queue keys, which the workers take once `start()` runs. Resolves true once
   * synced, false if `stop()` came first. Idempotent; `start()` calls it too.
   */
  startSource(): Promise<boolean> {
    if (this.state === 'stopped') return Promise.resolve(false);
    if (!this.sourceStarted) {
      this.sourceStarted = true;
      this.source.start();
    }
    return this.source.waitForSync();
  }

  /** Queues `key` for reconcile now (external triggers, e.g. a changed connection). */
  enqueue(key: ObjectKey): void {
    this.queue.add(key);
  }

  /**
   * Stops taking keys and watching, then waits up to `timeoutMs` for reconciles in flight.
   * Resolves true if they all finished in time. Idempotent in effect.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.state = 'stopped';
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    this.source.stop();
    let timer: unknown;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([this.queue.shutDownWithDrain().then(() => true), timedOut]);
    this.clock.clearTimeout(timer);
    if (!drained) this.log.warn({ controller: this.name, inFlight: this.active, handedOff: this.groups.waiting, timeoutMs }, 'reconciles still running at stop timeout');
    return drained;
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      await this.serialized(key, this.groupOf(key));
    }
  }

  /**
   * Reconciles `key` unless `group` is held, in which case the key goes to the holder. Holding it, runs
   * what is handed over until nothing is left. Never throws (`process` does not).
   */
  private async serialized(key: ObjectKey, group: string | undefined): Promise<void> {
    if (group === undefined) return this.process(key);
    if (!this.groups.acquire(group, key)) return;
    await this.process(key);
    for (let next = this.groups.next(group); next !== undefined; next = this.groups.next(group)) {
      const now = this.groupOf(next);
      if (now === undefined || now === group) await this.process(next);
      else await this.serialized(next, now);
    }
  }

  /** A throwing `serializeBy` leaves the key ungrouped: a dead worker or a group held forever would strand keys. */
  private groupOf(key: ObjectKey): string | undefined {
    if (this.serializeBy === undefined) return undefined;
    const obj = this.source.get(key);
    if (obj === undefined) return undefined;
    try {
      return this.serializeBy(obj);
    } catch (err) {
      this.log.error({ err, controller: this.name, key }, 'cannot compute the serialization group; reconciling the key ungrouped');
      return undefined;
    }
  }

  private async process(key: ObjectKey): Promise<void> {
    const startedAt = this.clock.now();
    this.metrics.activeWorkers(++this.active);
    try {
      this.apply(key, await this.reconcile(key));
    } catch (err) {
      this.metrics.reconcileError();
      this.metrics.reconciled('error');
      this.log.error({ err, controller: this.name, key }, 'cannot reconcile');
      this.queue.addRateLimited(key);
    } finally {
      this.metrics.activeWorkers(--this.active);
      this.metrics.reconcileDuration((this.clock.now() - startedAt) / 1000);
      this.queue.done(key);
    }
  }

  private apply(key: ObjectKey, decision: RequeueDecision): void {
    switch (decision.kind) {
      case 'None':
        this.queue.forget(key);
        this.metrics.reconciled('success');
        return;
      case 'Backoff':
      case 'CappedBackoff':
        if (decision.kind === 'Backoff') this.queue.addRateLimited(key);
        else this.queue.addRateLimitedCapped(key);
        if (decision.error === undefined) {
          this.metrics.reconciled('requeue');
        } else {
          this.metrics.reconcileError();
          this.metrics.reconciled('error');
        }
        return;
      case 'After':
        if (!(Number.isFinite(decision.ms) && decision.ms >= 0)) {
          throw new Error(`cannot requeue ${key}: invalid delay ${decision.ms} ms`);
        }
        this.queue.forget(key);
        this.queue.addAfter(key, decision.ms);
        this.metrics.reconciled('requeue_after');
        return;
      default: {
        const unknown: never = decision;
        throw new Error(`cannot requeue ${key}: unknown decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  private scheduleResync(delayMs: number): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      const spreadMs = 0.2 * this.resyncPeriodMs;
      const offsets = new Map<string, number>();
      for (const obj of this.source.list()) {
        const group = this.resyncGroup?.(obj);
        let offset = group === undefined ? undefined : offsets.get(group);
        if (offset === undefined) offset = this.random() * spreadMs;
        if (group !== undefined) offsets.set(group, offset);
        this.queue.addAfter(objectKey(obj), offset);
      }
      this.scheduleResync(this.resyncPeriodMs);
    }, delayMs);
  }
}
