import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, type WorkqueueMetrics } from '../../src/controller/workqueue.js';

/** What `promise` has resolved to by the next macrotask, or 'pending'. */
async function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

/** Adds with `add`, advances fake time in `stepMs` steps until `key` is ready, takes it, returns the wait. */
function measureDelay(queue: WorkQueue, key: string, add: () => void, stepMs = 1): number {
  const start = Date.now();
  add();
  // Bounded: a broken queue must fail the test, not spin forever (vitest cannot interrupt a sync loop).
  for (let steps = 0; queue.len() === 0; steps++) {
    if (steps > 100_000) throw new Error(`${key} never became ready`);
    vi.advanceTimersByTime(stepMs);
  }
  const waited = Date.now() - start;
  void queue.get();
  queue.done(key);
  return waited;
}

function recordingMetrics(): WorkqueueMetrics & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    depth: (n) => calls.push(`depth ${n}`),
    added: () => calls.push('added'),
    queueLatency: (s) => calls.push(`latency ${s}`),
    workDuration: (s) => calls.push(`work ${s}`),
    retried: () => calls.push('retried'),
  };
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands out a key added twice only once', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(await peek(queue.get())).toBe('pending');
  });

  it('never hands out a key that is in flight, and re-queues it once on done if re-added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    const next = queue.get();
    expect(queue.len()).toBe(0);
    expect(await peek(next)).toBe('pending');

    queue.done('ns/a');
    expect(await next).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.len()).toBe(0);
    expect(await peek(queue.get())).toBe('pending');
  });

  it('re-queues a key re-added in flight behind keys that were already waiting', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    await queue.get();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.done('ns/a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('ns/b');
    expect(await queue.get()).toBe('ns/a');
  });

  it('does not re-queue a key on done when it was not re-added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    await queue.get();
    queue.done('ns/a');
    expect(queue.len()).toBe(0);
  });

  it('serves a waiting get() as soon as a key is added, in FIFO order of waiters', async () => {
    const queue = new WorkQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add('ns/a');
    queue.add('ns/b');
    await expect(first).resolves.toBe('ns/a');
    await expect(second).resolves.toBe('ns/b');
  });

  it('adds after the delay, and a shorter delay wins over a pending longer one', async () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/slow', 300);
    queue.addAfter('ns/fast', 100);
    queue.addAfter('ns/slow', 50);
    queue.addAfter('ns/fast', 500); // later deadline is ignored

    vi.advanceTimersByTime(49);
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.len()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('ns/slow');
    expect(await queue.get()).toBe('ns/fast');

    vi.advanceTimersByTime(1000);
    expect(queue.len()).toBe(0); // superseded deadlines do not fire again
  });

  it('hands out delayed keys in deadline order', async () => {
    const queue = new WorkQueue();
    for (const [key, ms] of [['c', 30], ['a', 10], ['d', 40], ['b', 20]] as const) queue.addAfter(key, ms);
    vi.advanceTimersByTime(40);
    const order = [await queue.get(), await queue.get(), await queue.get(), await queue.get()];
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('adds at once for a zero or negative delay', () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 0);
    queue.addAfter('ns/b', -5);
    expect(queue.len()).toBe(2);
  });

  it('doubles the rate-limited delay per failure up to the cap, and forget resets it', () => {
    const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 40 });
    const delays = Array.from({ length: 5 }, () => measureDelay(queue, 'ns/a', () => queue.addRateLimited('ns/a')));
    expect(delays).toEqual([10, 20, 40, 40, 40]);
    expect(queue.numRequeues('ns/a')).toBe(5);
    expect(queue.numRequeues('ns/other')).toBe(0);

    queue.forget('ns/a');
    expect(queue.numRequeues('ns/a')).toBe(0);
    expect(measureDelay(queue, 'ns/a', () => queue.addRateLimited('ns/a'))).toBe(10);
  });

  it('caps addRateLimitedCapped at its lower cap and shares the failure count', () => {
    const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 1000, cappedMaxDelayMs: 25 });
    const capped = Array.from({ length: 4 }, () => measureDelay(queue, 'ns/a', () => queue.addRateLimitedCapped('ns/a')));
    expect(capped).toEqual([10, 20, 25, 25]);
    expect(measureDelay(queue, 'ns/a', () => queue.addRateLimited('ns/a'))).toBe(160);
    expect(queue.numRequeues('ns/a')).toBe(5);
  });

  it('defaults to 5 ms growing to caps of 1000 s and 5 min', () => {
    const queue = new WorkQueue();
    expect(measureDelay(queue, 'ns/a', () => queue.addRateLimited('ns/a'))).toBe(5);
    for (let i = 0; i < 40; i++) queue.addRateLimited('ns/b'); // first deadline wins: 5 ms
    vi.advanceTimersByTime(5);
    void queue.get();
    queue.done('ns/b');
    expect(measureDelay(queue, 'ns/b', () => queue.addRateLimited('ns/b'), 1000)).toBe(1_000_000);
    expect(measureDelay(queue, 'ns/b', () => queue.addRateLimitedCapped('ns/b'), 1000)).toBe(300_000);
  });

  it('rejects options that would make delays meaningless', () => {
    expect(() => new WorkQueue({ baseDelayMs: 0 })).toThrow(/cannot create work queue/);
    expect(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(/cannot create work queue/);
  });

  it('after shutDown resolves waiting and new get() with undefined and ignores adds', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.addAfter('ns/later', 10);
    queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    queue.add('ns/a');
    await expect(queue.get()).resolves.toBeUndefined();
    vi.advanceTimersByTime(100);
    expect(queue.len()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops queued keys on shutDown', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.shutDown();
    expect(queue.len()).toBe(0);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('shutDownWithDrain waits for keys in flight and does not re-queue dirty ones', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    await queue.get();
    await queue.get();
    queue.add('ns/a');
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    queue.done('ns/a');
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done('ns/b');
    await drain;
    expect(drained).toBe(true);
    expect(queue.len()).toBe(0);
  });

  it('shutDownWithDrain resolves at once when nothing is in flight', async () => {
    await expect(new WorkQueue().shutDownWithDrain()).resolves.toBeUndefined();
  });

  it('reports depth, adds, latency, work duration and retries', async () => {
    const metrics = recordingMetrics();
    const queue = new WorkQueue({ metrics });
    queue.add('ns/a');
    queue.add('ns/a');
    vi.advanceTimersByTime(2000);
    await queue.get();
    vi.advanceTimersByTime(500);
    queue.done('ns/a');
    queue.addAfter('ns/a', 10);
    expect(metrics.calls).toEqual(['added', 'depth 1', 'latency 2', 'depth 0', 'work 0.5', 'retried']);
  });
});
