// Unit tier: the Lease elector against an in-memory Lease API that enforces what the apiserver does
// (resourceVersion conflicts, AlreadyExists, MicroTime format), with fake timers. The real
// kube-apiserver is exercised by test/integration/leader-election.test.ts.
import { ApiException, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/controller/clock.js';
import type { Logger } from '../../src/observability/logger.js';
import { LeaderElector, resolveLeaseNamespace, type LeaseApi, type LeaderElectorOptions } from '../../src/controller/leader-election.js';

const NS = 'ops';
const NAME = 'milvus-index-operator.index.milvus.io';
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function apiError(code: number, reason: string): ApiException<string> {
  return new ApiException(code, `HTTP-Code: ${code}`, JSON.stringify({ kind: 'Status', reason, message: reason, code }), {});
}

/**
 * One Lease as the apiserver keeps it: JSON on the wire (so MicroTime fields must serialize with
 * six fractional digits, as the real server demands), read back with times as strings (client-node
 * 2.0.1), resourceVersion bumped on every write, 409 on a stale resourceVersion or a second create.
 */
class FakeLeaseApi implements LeaseApi {
  stored: V1Lease | undefined;
  private rv = 100;
  readonly calls: string[] = [];
  /** 'down': every call fails with a network error; 'hang': calls never answer. */
  mode: 'up' | 'down' | 'hang' = 'up';
  /** Runs after a read returned and before the next replace is applied (to inject a racing writer). */
  beforeReplace: (() => void) | undefined;
  readonly written: unknown[] = [];

  async readNamespacedLease(p: { name: string; namespace: string }): Promise<V1Lease> {
    await this.gate('read');
    expect(p).toEqual({ name: NAME, namespace: NS });
    if (!this.stored) throw apiError(404, 'NotFound');
    return clone(this.stored);
  }

  async createNamespacedLease(p: { namespace: string; body: V1Lease }): Promise<V1Lease> {
    await this.gate('create');
    if (this.stored) throw apiError(409, 'AlreadyExists');
    this.stored = this.accept(p.body);
    return clone(this.stored);
  }

  async replaceNamespacedLease(p: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease> {
    await this.gate('replace');
    const hook = this.beforeReplace;
    this.beforeReplace = undefined;
    hook?.();
    if (!this.stored) throw apiError(404, 'NotFound');
    if (p.body.metadata?.resourceVersion !== this.stored.metadata?.resourceVersion) throw apiError(409, 'Conflict');
    this.stored = this.accept(p.body);
    return clone(this.stored);
  }

  /** Another process writes the Lease (bumps the resourceVersion). */
  put(spec: V1Lease['spec']): void {
    this.stored = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: NAME, namespace: NS, resourceVersion: String(++this.rv) }, spec: clone(spec ?? {}) };
  }

  spec(): NonNullable<V1Lease['spec']> {
    return this.stored?.spec ?? {};
  }

  private accept(body: V1Lease): V1Lease {
    const wire = JSON.parse(JSON.stringify(body)) as V1Lease;
    this.written.push(wire.spec);
    for (const f of ['acquireTime', 'renewTime'] as const) {
      const v = wire.spec?.[f] as unknown;
      if (v !== undefined && !(typeof v === 'string' && MICRO.test(v))) throw apiError(400, `spec.${f}: cannot parse ${JSON.stringify(v)} as MicroTime`);
    }
    return { ...wire, metadata: { ...wire.metadata, name: NAME, namespace: NS, resourceVersion: String(++this.rv) } };
  }

  private async gate(op: string): Promise<void> {
    this.calls.push(op);
    if (this.mode === 'down') throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    if (this.mode === 'hang') await new Promise(() => {});
  }
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (fields: object, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

interface Harness {
  elector: LeaderElector;
  started: number;
  stopped: string[];
  leaders: Array<string | undefined>;
}

const electors: LeaderElector[] = [];

function elector(api: FakeLeaseApi, identity: string, overrides: Partial<LeaderElectorOptions> = {}): Harness {
  const h: Harness = { elector: undefined as unknown as LeaderElector, started: 0, stopped: [], leaders: [] };
  h.elector = new LeaderElector({
    api,
    namespace: NS,
    name: NAME,
    identity,
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 500,
    log: recordingLogger(),
    random: () => 0.5,
    callbacks: {
      onStartedLeading: () => void h.started++,
      onStoppedLeading: (reason) => void h.stopped.push(reason),
      onNewLeader: (id) => void h.leaders.push(id),
    },
    ...overrides,
  });
  electors.push(h.elector);
  return h;
}

/** Lets pending promise chains settle without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('LeaderElector (fake Lease API, fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    vi.setSystemTime(new Date('2026-11-28T12:00:00Z'));
  });
  afterEach(() => {
    // Not awaited: an attempt hanging on the fake API would only settle when fake time moves.
    for (const e of electors.splice(0)) void e.stop();
    vi.useRealTimers();
  });

  it('creates and acquires an absent Lease at once, writing MicroTime fields', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    expect(api.calls).toEqual(['read', 'create']);
    expect(a.started).toBe(1);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.leaders).toEqual(['a']);
    const spec = api.spec();
    expect(spec.holderIdentity).toBe('a');
    expect(spec.leaseDurationSeconds).toBe(3);
    expect(spec.leaseTransitions).toBe(0);
    expect(String(spec.renewTime)).toBe('2026-11-28T12:00:00.000000Z');
    expect(String(spec.acquireTime)).toBe('2026-11-28T12:00:00.000000Z');
  });

  it('acquires a free (released) Lease with an update and counts the transition', async () => {
    const api = new FakeLeaseApi();
    api.put({ holderIdentity: undefined, leaseDurationSeconds: 1, leaseTransitions: 4, renewTime: '2026-11-28T11:59:59.000000Z' as never, acquireTime: '2026-11-28T11:59:59.000000Z' as never });
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    expect(api.calls).toEqual(['read', 'replace']);
    expect(a.elector.isLeader()).toBe(true);
    expect(api.spec()).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 3, leaseTransitions: 5 });
  });

  it("respects a live foreign Lease that keeps being renewed, whatever its timestamps say", async () => {
    const api = new FakeLeaseApi();
    // renewTime far in the past by our clock: a skewed remote clock must not make it look expired.
    const renewOther = (n: number) => api.put({ holderIdentity: 'other', leaseDurationSeconds: 3, leaseTransitions: 1, renewTime: `2001-01-01T00:00:${String(n % 60).padStart(2, '0')}.000000Z` as never });
    renewOther(0);
    const a = elector(api, 'a');
    a.elector.start();
    for (let i = 1; i <= 20; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      renewOther(i);
    }
    expect(a.started).toBe(0);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.observedLeader()).toBe('other');
    expect(a.elector.healthy()).toBe(true);
    expect(api.calls.filter((c) => c === 'replace')).toEqual([]);
    expect(api.spec().holderIdentity).toBe('other');
  });

  it('takes over an expired Lease only a lease duration after it last OBSERVED a change; transitions + 1', async () => {
    const api = new FakeLeaseApi();
    api.put({ holderIdentity: 'dead', leaseDurationSeconds: 3, leaseTransitions: 7, renewTime: '2001-01-01T00:00:00.000000Z' as never, acquireTime: '2001-01-01T00:00:00.000000Z' as never });
    const a = elector(api, 'a');
    const t0 = Date.now();
    a.elector.start();
    await vi.advanceTimersByTimeAsync(2900);
    expect(a.started).toBe(0);
    // Retry period 500 ms × (1 + 0.5 × 1.2) = 800 ms: attempts at 0, 800, 1600, 2400, 3200.
    await vi.advanceTimersByTimeAsync(400);
    expect(a.started).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(api.spec()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 8, leaseDurationSeconds: 3 });
    expect(String(api.spec().acquireTime)).toBe(new Date(t0 + 3200).toISOString().replace('Z', '000Z'));
    expect(a.leaders).toEqual(['dead', 'a']);
  });

  it('renews every retry period, keeping acquireTime and leaseTransitions', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    const acquired = api.spec().acquireTime;
    const before = api.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    const renewals = api.calls.slice(before).filter((c) => c === 'replace').length;
    expect(renewals).toBe(10);
    expect(api.spec()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
    expect(api.spec().acquireTime).toBe(acquired);
    expect(String(api.spec().renewTime)).toBe('2026-11-28T12:00:05.000000Z');
    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).toEqual([]);
  });

  it.each(['down', 'hang'] as const)('gives up leadership when it cannot renew within retry period + renew deadline (API %s)', async (mode) => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(1000); // renewed at 500 and 1000
    api.mode = mode;
    // client-go: the next renewal cycle starts a retry period (500 ms) after the last success and
    // retries for the renew deadline (2000 ms): leadership ends 2500 ms after the last renewal.
    await vi.advanceTimersByTimeAsync(2499);
    expect(a.stopped).toEqual([]);
    expect(a.elector.isLeader()).toBe(true);
    // + the extra event-loop turn, which fake timers run 1 ms later.
    await vi.advanceTimersByTimeAsync(2);
    expect(a.stopped).toHaveLength(1);
    expect(a.stopped[0]).toMatch(/renew deadline/);
    expect(a.elector.isLeader()).toBe(false);
    // Nothing more happens afterwards, even when the API is back.
    api.mode = 'up';
    const calls = api.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.calls.length).toBe(calls);
    expect(a.stopped).toHaveLength(1);
    expect(a.started).toBe(1);
  });

  it('isLeader() is fenced by the monotonic clock even when the event loop could not run the deadline timer', async () => {
    const api = new FakeLeaseApi();
    // Monotonic time that moves on while no timer runs (a stalled event loop).
    let stalledMs = 0;
    const clock = { ...systemClock, now: () => systemClock.now() + stalledMs };
    const a = elector(api, 'a', { clock });
    a.elector.start();
    await settle();
    expect(a.elector.isLeader()).toBe(true);
    stalledMs = 2499;
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.leadershipRemainingMs()).toBeGreaterThan(0);
    stalledMs = 2500;
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.leadershipRemainingMs()).toBe(0);
  });

  it('a wall-clock jump neither ends nor extends leadership (lease timing is monotonic)', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    const before = a.elector.leadershipRemainingMs();
    vi.setSystemTime(Date.now() + 3_600_000); // NTP steps the wall clock an hour ahead
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.leadershipRemainingMs()).toBe(before);
  });

  it('gives up at once when another live holder shows up on the Lease', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    api.put({ ...api.spec(), holderIdentity: 'intruder' });
    await vi.advanceTimersByTimeAsync(500);
    expect(a.stopped).toHaveLength(1);
    expect(a.stopped[0]).toContain('intruder');
    expect(a.elector.isLeader()).toBe(false);
  });

  it('a 409 on create or update means another candidate won: exactly one leader', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    const b = elector(api, 'b');
    a.elector.start();
    b.elector.start();
    await settle();
    await vi.advanceTimersByTimeAsync(5000);
    expect(a.started + b.started).toBe(1);
    const [winner, loser] = a.started ? [a, b] : [b, a];
    expect(api.spec().holderIdentity).toBe(winner.elector.identity);
    expect(loser.elector.isLeader()).toBe(false);
    expect(loser.elector.observedLeader()).toBe(winner.elector.identity);
    expect(api.spec().leaseTransitions).toBe(0);
  });

  it('a write racing the takeover (409 on update) makes the attempt fail; it re-reads and respects the new holder', async () => {
    const api = new FakeLeaseApi();
    api.put({ holderIdentity: undefined, leaseDurationSeconds: 1, leaseTransitions: 2 });
    const a = elector(api, 'a');
    api.beforeReplace = () => api.put({ holderIdentity: 'c', leaseDurationSeconds: 3, leaseTransitions: 3 });
    a.elector.start();
    await settle();
    expect(api.calls).toEqual(['read', 'replace']);
    expect(a.started).toBe(0);
    expect(api.spec().holderIdentity).toBe('c');
    await vi.advanceTimersByTimeAsync(800);
    expect(api.calls).toEqual(['read', 'replace', 'read']);
    expect(a.elector.observedLeader()).toBe('c');
    expect(a.started).toBe(0);
  });

  it('a renewal that hits a 409 is retried on the next period with a fresh read', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    // Someone touches the Lease (e.g. kubectl annotate) between our read and our update.
    api.beforeReplace = () => api.put({ ...api.spec() });
    await vi.advanceTimersByTimeAsync(500);
    expect(api.spec().holderIdentity).toBe('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).toEqual([]);
    expect(api.spec().holderIdentity).toBe('a');
  });

  it('release() hands the Lease back (no holder, 1 s, transitions kept) and a standby takes over within a retry period', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    const b = elector(api, 'b');
    b.elector.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.elector.observedLeader()).toBe('a');
    expect(await a.elector.release()).toBe(true);
    expect(api.spec().holderIdentity).toBeUndefined();
    expect(api.spec().leaseDurationSeconds).toBe(1);
    expect(api.spec().leaseTransitions).toBe(0);
    expect(String(api.spec().renewTime)).toMatch(MICRO);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toEqual([]); // a voluntary release is not a loss
    const releasedAt = Date.now();
    await vi.advanceTimersByTimeAsync(1100); // b's next attempt is at most 500 × 2.2 = 1100 ms away
    expect(b.started).toBe(1);
    expect(Date.now() - releasedAt).toBeLessThan(3000);
    expect(api.spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('release() retries after a 409 and does nothing when not leading', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a');
    a.elector.start();
    await settle();
    api.beforeReplace = () => api.put({ ...api.spec() });
    expect(await a.elector.release()).toBe(true);
    expect(api.spec().holderIdentity).toBeUndefined();

    const api2 = new FakeLeaseApi();
    api2.put({ holderIdentity: 'other', leaseDurationSeconds: 3 });
    const c = elector(api2, 'c');
    c.elector.start();
    await settle();
    expect(await c.elector.release()).toBe(true);
    expect(api2.calls).toEqual(['read']);
    expect(api2.spec().holderIdentity).toBe('other');
  });

  it('stop() ends campaigning without callbacks; healthy() tracks contact with the Lease', async () => {
    const api = new FakeLeaseApi();
    api.put({ holderIdentity: 'other', leaseDurationSeconds: 3600 });
    const a = elector(api, 'a');
    expect(a.elector.healthy()).toBe(false);
    a.elector.start();
    await settle();
    expect(a.elector.healthy()).toBe(true);
    api.mode = 'down';
    await vi.advanceTimersByTimeAsync(3100);
    expect(a.elector.healthy()).toBe(false);
    api.mode = 'up';
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.elector.healthy()).toBe(true);
    await a.elector.stop();
    const calls = api.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.calls.length).toBe(calls);
    expect(a.elector.healthy()).toBe(false);
    expect(a.started + a.stopped.length).toBe(0);
  });

  it('rejects inconsistent timings', () => {
    const api = new FakeLeaseApi();
    expect(() => elector(api, 'a', { renewDeadlineMs: 3000 })).toThrow(/leaseDuration/);
    expect(() => elector(api, 'a', { retryPeriodMs: 2000 })).toThrow(/renewDeadline/);
  });
});

describe('LeaderElector: the leadership budget never reaches the lease duration', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] }));
  afterEach(() => {
    for (const e of electors.splice(0)) void e.stop();
    vi.useRealTimers();
  });

  it('renewDeadline close to leaseDuration: capped at leaseDuration − retryPeriod', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a', { leaseDurationMs: 15_000, renewDeadlineMs: 14_000, retryPeriodMs: 2000 });
    a.elector.start();
    await settle();
    api.mode = 'down';
    await vi.advanceTimersByTimeAsync(12_999);
    expect(a.stopped).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(a.stopped).toHaveLength(1);
  });

  it('a renewal in flight at the deadline decides: fenced meanwhile, leading again if it succeeds', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a', { requestTimeoutMs: 5000 });
    a.elector.start();
    await settle();
    // The renewal at 500 ms reads at once, but its update answers only at 2600 ms (a slow server, or
    // an answer waiting behind a busy event loop): past the deadline at 2500 ms.
    const replace = api.replaceNamespacedLease.bind(api);
    api.replaceNamespacedLease = async (p) => {
      await new Promise((r) => setTimeout(r, 2100));
      return replace(p);
    };
    await vi.advanceTimersByTimeAsync(2550);
    expect(a.elector.isLeader()).toBe(false); // fenced: no writes while undecided
    expect(a.stopped).toEqual([]);
    api.replaceNamespacedLease = replace;
    await vi.advanceTimersByTimeAsync(100);
    expect(a.elector.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(a.stopped).toEqual([]);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('a renewal in flight at the deadline that then fails ends leadership', async () => {
    const api = new FakeLeaseApi();
    const a = elector(api, 'a', { requestTimeoutMs: 5000 });
    a.elector.start();
    await settle();
    const replace = api.replaceNamespacedLease.bind(api);
    api.replaceNamespacedLease = async (p) => {
      await new Promise((r) => setTimeout(r, 2100));
      api.put({ ...api.spec() }); // someone else wrote in between: 409
      return replace(p);
    };
    await vi.advanceTimersByTimeAsync(2550);
    expect(a.stopped).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(a.stopped).toHaveLength(1);
    expect(a.elector.isLeader()).toBe(false);
  });
});

describe('resolveLeaseNamespace', () => {
  it('prefers --leader-elect-namespace, then the watched namespace, then the in-cluster one, then "default"', () => {
    expect(resolveLeaseNamespace('ops', 'apps', () => 'pod-ns')).toBe('ops');
    expect(resolveLeaseNamespace(undefined, 'apps', () => 'pod-ns')).toBe('apps');
    expect(resolveLeaseNamespace(undefined, undefined, () => 'pod-ns')).toBe('pod-ns');
    expect(resolveLeaseNamespace(undefined, undefined, () => undefined)).toBe('default');
  });
});
