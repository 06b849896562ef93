import type { ObjectKey } from './types.js';

import { exponentialDelay } from './backoff.js';
import { systemClock, type Clock } from './clock.js';

export type { Clock };

/**
 * Metric hooks of one queue; mirrors client-go's `workqueue_*` metrics without depending on
 * prom-client. Implementations must be cheap and must not throw.
 */
export interface WorkqueueMetrics {
  /** Keys ready to be handed out (neither delayed nor in flight), after every change. */
  depth(count: number): void;
  /** A key entered the queue; deduplicated adds are not counted. */
  added(): void;
  /** Seconds a key waited between being queued and being handed to a worker. */
  queueLatency(seconds: number): void;
  /** Seconds between `get()` handing a key out and `done()` for it. */
  workDuration(seconds: number): void;
  /** A delayed add (retry or requeue-after) was scheduled. */
  retried(): void;
}

export const noopWorkqueueMetrics: WorkqueueMetrics = {
  depth: () => {},
  added: () => {},
  queueLatency: () => {},
  workDuration: () => {},
  retried: () => {},
};

export interface WorkQueueOptions {
  clock?: Clock;
  metrics?: WorkqueueMetrics;
  /** Delay of the first `addRateLimited*` retry; doubles per failure. Default 5 ms (client-go). */
  baseDelayMs?: number;
  /** Cap of `addRateLimited`. Default 1000 s (client-go). */
  maxDelayMs?: number;
  /** Cap of `addRateLimitedCapped`, for errors that must be retried often forever. Default 5 min. */
  cappedMaxDelayMs?: number;
}

/**
 * A rate-limited work queue of keys with client-go's semantics.
 *
 * Guarantees:
 * - Dedupe: a key added any number of times before a worker takes it is handed out once.
 * - Exclusion: a key is never handed to two workers at once. A key added while it is being
 *   processed is marked dirty and handed out again only after `done(key)`; any number of such adds
 *   collapse into one follow-up.
 * - FIFO among ready keys; `get()` waiters are served in call order.
 * - `addAfter`: one pending deadline per key; a later call with an earlier deadline wins, a later
 *   deadline is ignored.
 * - After `shutDown()` nothing is added, pending and delayed keys are dropped, and every `get()`
 *   (pending or new) resolves `undefined`, even if keys were still queued.
 *
 * Assumptions:
 * - Every key handed out by `get()` is passed to `done()` exactly once, also when processing fails.
 *
 * Caveats:
 * - Unlike client-go, keys still queued at shutdown are not handed out; the next process (or
 *   leader) re-lists and enqueues everything anyway.
 * - There is no overall token bucket (client-go's 10 qps / burst 100); like controller-runtime's
 *   priority queue, only the per-key exponential limiter applies.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly metrics: WorkqueueMetrics;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly cappedMaxDelayMs: number;

  private readonly ready: ObjectKey[] = [];
  /** Keys that need processing: queued in `ready`, or re-added while in `processing`. */
  private readonly dirty = new Set<ObjectKey>();
  private readonly processing = new Set<ObjectKey>();
  private readonly waiters: Array<(key: ObjectKey | undefined) => void> = [];
  private readonly queuedAt = new Map<ObjectKey, number>();
  private readonly startedAt = new Map<ObjectKey, number>();
  private readonly failures = new Map<ObjectKey, number>();
  private readonly delayed = new DeadlineHeap();
  private timer: { handle: unknown; at: number } | undefined;
  private shuttingDown = false;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noopWorkqueueMetrics;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.cappedMaxDelayMs = options.cappedMaxDelayMs ?? 300_000;
    // A zero base would make base * 2^n NaN once 2^n overflows to Infinity.
    if (!(this.baseDelayMs > 0) || !(this.maxDelayMs >= this.baseDelayMs) || !(this.cappedMaxDelayMs >= this.baseDelayMs)) {
      throw new Error(
        `cannot create work queue: need 0 < baseDelayMs <= maxDelayMs, cappedMaxDelayMs (got ${this.baseDelayMs}, ${this.maxDelayMs}, ${this.cappedMaxDelayMs})`,
      );
    }
  }

  /** Queues `key` now unless it is already waiting. No-op after shutdown. */
  add(key: ObjectKey): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.queuedAt.set(key, this.clock.now());
    this.metrics.added();
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /**
   * Queues `key` after `delayMs` (now if `delayMs <= 0`). If the key already has a pending
   * deadline, the earlier one is kept.
   */
  addAfter(key: ObjectKey, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    this.metrics.retried();
    if (this.delayed.schedule(key, this.clock.now() + delayMs)) this.armTimer();
  }

  /** Retries `key` after `base * 2^failures`, capped at `maxDelayMs`; counts one failure. */
  addRateLimited(key: ObjectKey): void {
    this.addAfter(key, this.nextBackoff(key, this.maxDelayMs));
  }

  /** As `addRateLimited`, but capped at `cappedMaxDelayMs`. Shares the key's failure count. */
  addRateLimitedCapped(key: ObjectKey): void {
    this.addAfter(key, this.nextBackoff(key, this.cappedMaxDelayMs));
  }

  /** Resets the key's failure count; a pending delayed add is left alone. */
  forget(key: ObjectKey): void {
    this.failures.delete(key);
  }

  /** Failures counted by `addRateLimited*` since the last `forget`. */
  numRequeues(key: ObjectKey): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Hands out the next ready key and marks it in flight; waits while none is ready.
   * Resolves `undefined` once the queue is shut down.
   */
  get(): Promise<ObjectKey | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.ready.shift();
    if (key !== undefined) return Promise.resolve(this.startProcessing(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was re-added meanwhile, it is queued again. */
  done(key: ObjectKey): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.workDuration((this.clock.now() - started) / 1000);
    if (this.shuttingDown) {
      if (this.processing.size === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
      return;
    }
    if (this.dirty.has(key)) this.push(key);
  }

  /** Ready keys (neither delayed nor in flight). */
  len(): number {
    return this.ready.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops handing out keys and drops everything queued or delayed. Idempotent. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.ready.length = 0;
    this.dirty.clear();
    this.queuedAt.clear();
    this.delayed.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.waiters.splice(0).forEach((resolve) => resolve(undefined));
    this.metrics.depth(0);
  }

  /** `shutDown()`, then resolves once every key in flight has been passed to `done()`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private nextBackoff(key: ObjectKey, capMs: number): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    return exponentialDelay(this.baseDelayMs, failures, capMs);
  }

  private push(key: ObjectKey): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(this.startProcessing(key));
      return;
    }
    this.ready.push(key);
    this.metrics.depth(this.ready.length);
  }

  private startProcessing(key: ObjectKey): ObjectKey {
    const now = this.clock.now();
    this.dirty.delete(key);
    this.processing.add(key);
    this.startedAt.set(key, now);
    const queued = this.queuedAt.get(key);
    this.queuedAt.delete(key);
    if (queued !== undefined) this.metrics.queueLatency((now - queued) / 1000);
    this.metrics.depth(this.ready.length);
    return key;
  }

  /** Keeps exactly one timer, armed for the earliest pending deadline. */
  private armTimer(): void {
    const next = this.delayed.peekDeadline();
    if (this.timer !== undefined && this.timer.at === next) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    if (next === undefined) return;
    const handle = this.clock.setTimeout(() => this.fireDue(), Math.max(0, next - this.clock.now()));
    this.timer = { handle, at: next };
  }

  private fireDue(): void {
    this.timer = undefined;
    for (const key of this.delayed.popDue(this.clock.now())) this.add(key);
    this.armTimer();
  }
}

/** Pending deadlines, one per key, as a binary min-heap with lazy deletion of superseded entries. */
class DeadlineHeap {
  private readonly heap: Array<{ key: ObjectKey; at: number }> = [];
  private readonly deadlines = new Map<ObjectKey, number>();

  /** Records `at` for `key` unless it already has an earlier or equal one; true if recorded. */
  schedule(key: ObjectKey, at: number): boolean {
    const current = this.deadlines.get(key);
    if (current !== undefined && current <= at) return false;
    this.deadlines.set(key, at);
    this.heap.push({ key, at });
    this.siftUp(this.heap.length - 1);
    return true;
  }

  peekDeadline(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the keys due at `now`, earliest first. */
  popDue(now: number): ObjectKey[] {
    const due: ObjectKey[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (top === undefined || top.at > now) return due;
      this.pop();
      this.deadlines.delete(top.key);
      due.push(top.key);
    }
  }

  clear(): void {
    this.heap.length = 0;
    this.deadlines.clear();
  }

  private dropStale(): void {
    for (let top = this.heap[0]; top !== undefined && this.deadlines.get(top.key) !== top.at; top = this.heap[0]) {
      this.pop();
    }
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftUp(index: number): void {
    for (let i = index; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(index: number): void {
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heap.length && this.less(left, smallest)) smallest = left;
      if (right < this.heap.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private less(a: number, b: number): boolean {
    return (this.heap[a]?.at ?? Infinity) < (this.heap[b]?.at ?? Infinity);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a];
    const y = this.heap[b];
    if (x === undefined || y === undefined) return;
    this.heap[a] = y;
    this.heap[b] = x;
  }
}
