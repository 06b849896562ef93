import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describeKubeError, httpStatus } from '../kube/errors.js';
import type { Logger } from '../observability/logger.js';
import { systemClock, type Clock } from './clock.js';

/**
 * The three Lease calls the elector makes (coordination.k8s.io/v1). `KubeLeaseApi` (src/kube/leases.ts)
 * and client-node's object-flavoured `CoordinationV1Api` satisfy it; times may come back as strings or
 * Dates. Failures throw with the HTTP status readable by `httpStatus()` (client-node's `ApiException.code`): 404 on a missing Lease,
 * 409 on a create that lost to another candidate or an update with a stale resourceVersion.
 */
export interface LeaseApi {
  readNamespacedLease(param: { name: string; namespace: string }): Promise<V1Lease>;
  createNamespacedLease(param: { namespace: string; body: V1Lease }): Promise<V1Lease>;
  replaceNamespacedLease(param: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease>;
}

/** Leadership transitions; they run synchronously inside the elector and must not throw. */
export interface LeaderCallbacks {
  /** This process now holds the Lease: start reconciling. */
  onStartedLeading(): void;
  /**
   * Leadership was lost involuntarily (no successful renewal in time, see `LeaderElector`, or
   * another holder was observed). The caller must stop reconciling at once; controller-runtime
   * exits the process. Not called by `stop()` / `release()`.
   */
  onStoppedLeading(reason: string): void;
  /** The observed holder changed (also to ourselves); `undefined` when the Lease is free. */
  onNewLeader?(identity: string | undefined): void;
}

export interface LeaderElectorOptions {
  api: LeaseApi;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** Unique per process; see `defaultIdentity()`. */
  identity: string;
  /** How long a Lease is valid without renewal; written as whole seconds (rounded up). */
  leaseDurationMs: number;
  /**
   * How long a renewal cycle keeps retrying before the leader gives up (client-go's RenewDeadline;
   * a cycle starts retryPeriod after the last success). Must be < leaseDurationMs.
   */
  renewDeadlineMs: number;
  /** Interval between attempts to acquire (jittered) or renew. Must be < renewDeadlineMs. */
  retryPeriodMs: number;
  callbacks: LeaderCallbacks;
  log: Logger;
  clock?: Clock;
  /** Wall-clock milliseconds for the Lease's timestamps (never for durations). Default Date.now. */
  wallNow?: () => number;
  /** Uniform [0, 1); jitters acquire attempts. */
  random?: () => number;
  /** Acquire attempts wait retryPeriod × (1 + random × jitterFactor). Default 1.2 (client-go). */
  jitterFactor?: number;
  /** A Lease call not answered within this is treated as failed. Default `renewDeadlineMs`. */
  requestTimeoutMs?: number;
}

/** `hostname_<random hex>`, as controller-runtime's hostname + "_" + UUID. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(8).toString('hex')}`;
}

const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Namespace of the Lease: the explicit one (--leader-elect-namespace / POD_NAMESPACE), else the
 * watched namespace, else the in-cluster service-account namespace, else "default".
 */
export function resolveLeaseNamespace(
  explicit: string | undefined,
  watched: string | undefined,
  inClusterNamespace: () => string | undefined = readInClusterNamespace,
): string {
  return explicit || watched || inClusterNamespace() || 'default';
}

function readInClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The part of a Lease spec that the election compares to detect a change (client-go's raw record). */
function recordKey(spec: V1LeaseSpec | undefined): string {
  const t = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : v === undefined || v === null ? undefined : String(v));
  return JSON.stringify([spec?.holderIdentity ?? '', spec?.leaseDurationSeconds, t(spec?.acquireTime), t(spec?.renewTime), spec?.leaseTransitions ?? 0]);
}

class RequestTimeout extends Error {}

type State = 'new' | 'candidate' | 'leading' | 'stopped';

/**
 * Lease-based leader election with client-go's `tools/leaderelection` semantics.
 *
 * Guarantees:
 * - Acquire: every retryPeriod (jittered), GET the Lease; CREATE it if absent; take it over with an
 *   UPDATE carrying the observed resourceVersion when it is free (no holderIdentity) or expired.
 *   Expired means: the local time at which this process last OBSERVED a change of the record, plus
 *   the record's `leaseDurationSeconds`, is in the past. Remote timestamps are never compared with
 *   the local clock, so clock skew between nodes is harmless.
 * - Takeover increments `leaseTransitions` and sets `acquireTime`; renewals keep both.
 * - Optimistic concurrency: a 409 (create or update) means another candidate won; the attempt fails
 *   and the next one re-reads the Lease.
 * - Renew: while leading, every retryPeriod. As in client-go, a renewal cycle starts retryPeriod
 *   after the last success and retries for renewDeadline, so leadership is lost when no renewal
 *   succeeded for retryPeriod + renewDeadline since the start of the last successful one; the budget
 *   is capped at leaseDuration − retryPeriod, so a leader always stops before a standby may take
 *   over (a standby waits a full leaseDuration after it saw the last renewal). `isLeader()` turns
 *   false at that moment (by the clock, so a busy event loop cannot stretch it). Then one renewal
 *   attempt decides: the one in flight, else one made at once (each call bounded by
 *   requestTimeoutMs). Its failure ends leadership; its success (a compare-and-swap on the
 *   resourceVersion of our own record: proof that nobody took the Lease meanwhile) resumes it.
 *   Unlike client-go, which cancels at the deadline, this survives an event loop that was merely
 *   too busy to renew in time (creating a Milvus SDK client blocks it for 0.2–1.5 s on a loaded
 *   machine). Observing a live Lease of another holder also loses leadership. Either way
 *   `onStoppedLeading` runs once.
 * - `isLeader()` is fenced by the clock as well as the state: it turns false when the budget above
 *   runs out even if the event loop was too busy to run the timer. Check it before every external
 *   write (the operator passes it to the reconciler as `mayWrite`).
 * - Times are written as `V1MicroTime` (a plain Date is rejected by the apiserver).
 * - `release()` (graceful shutdown): stops campaigning and, if leading, writes the Lease with no
 *   holder, `leaseDurationSeconds: 1` and renewTime = acquireTime = now (client-go's
 *   ReleaseOnCancel), so a standby takes over within about one retryPeriod. Retries on 409.
 * - No callback runs after `stop()` / `release()` was called.
 *
 * Caveats:
 * - There is no fencing token: a process paused longer than the lease (SIGSTOP, swap) may still
 *   act once before noticing; callers keep writes idempotent and check `isLeader()`.
 * - Unlike client-go (which keeps retrying until the deadline), observing another live holder while
 *   leading gives up at once: someone else already believes they lead.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly api: LeaseApi;
  private readonly namespace: string;
  private readonly name: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  /** Leadership lasts this long after the start of the last successful renewal (see class doc). */
  private readonly leadershipBudgetMs: number;
  private readonly retryPeriodMs: number;
  private readonly callbacks: LeaderCallbacks;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly random: () => number;
  private readonly jitterFactor: number;
  private readonly requestTimeoutMs: number;

  private state: State = 'new';
  private attemptTimer: unknown;
  private deadlineTimer: unknown;
  private inFlight: Promise<unknown> | undefined;
  /** The Lease as last read or written by us (metadata for the next update). */
  private observedLease: V1Lease | undefined;
  private observedKey = '';
  /** Local time at which `observedKey` last changed. */
  private observedTime = 0;
  private lastRenewAt = 0;
  /** The leadership budget ran out; the next attempt's outcome decides. */
  private overdue = false;
  /** Local time of the last successful round trip to the Lease (read or write). */
  private lastContactAt: number | undefined;
  private lastHolder: string | undefined;
  private failuresLogged = 0;

  constructor(options: LeaderElectorOptions) {
    if (!(options.leaseDurationMs > options.renewDeadlineMs)) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (!(options.renewDeadlineMs > options.retryPeriodMs)) throw new Error('leader election: renewDeadline must be greater than retryPeriod');
    if (!(options.retryPeriodMs > 0)) throw new Error('leader election: retryPeriod must be positive');
    if (!options.identity) throw new Error('leader election: identity must not be empty');
    this.api = options.api;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    this.leaseDurationSeconds = Math.max(1, Math.ceil(options.leaseDurationMs / 1000));
    this.renewDeadlineMs = options.renewDeadlineMs;
    this.leadershipBudgetMs = Math.min(options.renewDeadlineMs + options.retryPeriodMs, options.leaseDurationMs - options.retryPeriodMs);
    this.retryPeriodMs = options.retryPeriodMs;
    this.callbacks = options.callbacks;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.wallNow = options.wallNow ?? Date.now;
    this.random = options.random ?? Math.random;
    this.jitterFactor = options.jitterFactor ?? 1.2;
    this.requestTimeoutMs = options.requestTimeoutMs ?? options.renewDeadlineMs;
  }

  /** Starts campaigning in the background (first attempt at once). Throws if called twice. */
  start(): void {
    if (this.state !== 'new') throw new Error('cannot start leader election: already started or stopped');
    this.state = 'candidate';
    this.log.info({ lease: `${this.namespace}/${this.name}`, identity: this.identity }, 'attempting to acquire leader lease');
    this.schedule(0);
  }

  /**
   * True while leading and the last successful renewal is recent enough (checked against the clock,
   * not only by the timer, so a stalled event loop cannot stretch it).
   */
  isLeader(): boolean {
    return this.state === 'leading' && this.clock.now() - this.lastRenewAt < this.leadershipBudgetMs;
  }

  /**
   * Milliseconds this process may still act as the leader (0 when it may not): writes are fenced
   * with it, and a Milvus write's deadline is capped by it so it cannot outlive the leadership.
   */
  leadershipRemainingMs(): number {
    if (this.state !== 'leading') return 0;
    return Math.max(0, this.leadershipBudgetMs - (this.clock.now() - this.lastRenewAt));
  }

  /** The holder last observed on the Lease (possibly stale); undefined when free or never read. */
  observedLeader(): string | undefined {
    return this.lastHolder;
  }

  /**
   * Readiness of this replica: leading, or a standby that reached the Lease within the last lease
   * duration (so it could take over). False before the first successful contact and after stop.
   */
  healthy(): boolean {
    if (this.state === 'leading') return this.isLeader();
    if (this.state !== 'candidate' || this.lastContactAt === undefined) return false;
    return this.clock.now() - this.lastContactAt <= this.leaseDurationSeconds * 1000;
  }

  /** Stops campaigning and renewing and waits for an attempt in flight; keeps the Lease as it is. Idempotent. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.clearTimers();
    await this.inFlight?.catch(() => {});
  }

  /**
   * Graceful shutdown: `stop()`, then, if this process held the Lease, hands it back (no holder,
   * leaseDurationSeconds 1, renewTime = acquireTime = now) so a standby takes over at once.
   * Resolves true if the Lease was released (or was not ours), false if releasing failed (logged;
   * the Lease then simply expires). Never throws.
   */
  async release(): Promise<boolean> {
    const wasLeading = this.state === 'leading';
    await this.stop();
    if (!wasLeading && this.lastHolder !== this.identity) return true;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        let lease = this.observedLease;
        if (attempt > 0 || !lease) {
          lease = await this.withTimeout(this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }));
          if (lease.spec?.holderIdentity !== this.identity) {
            this.log.info({ holder: lease.spec?.holderIdentity }, 'leader lease no longer ours; nothing to release');
            return true;
          }
        }
        const now = new V1MicroTime(this.wallNow());
        const spec: V1LeaseSpec = {
          ...lease.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: lease.spec?.leaseTransitions ?? 0,
        };
        const written = await this.withTimeout(this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: { ...lease, spec } }));
        this.observe(written);
        this.log.info({ lease: `${this.namespace}/${this.name}` }, 'released leader lease');
        return true;
      } catch (e) {
        if (httpStatus(e) === 409) continue;
        this.log.warn({ lease: `${this.namespace}/${this.name}`, error: describeKubeError(e) }, 'cannot release leader lease; it will expire');
        return false;
      }
    }
    this.log.warn({ lease: `${this.namespace}/${this.name}` }, 'cannot release leader lease (conflicts); it will expire');
    return false;
  }

  private schedule(delayMs: number): void {
    if (this.state === 'stopped') return;
    this.attemptTimer = this.clock.setTimeout(() => {
      this.attemptTimer = undefined;
      const p: Promise<void> = this.tick()
        .catch((err: unknown) => this.log.error({ err, lease: `${this.namespace}/${this.name}` }, 'leader election attempt failed unexpectedly'))
        .finally(() => { if (this.inFlight === p) this.inFlight = undefined; });
      this.inFlight = p;
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const startedAt = this.clock.now();
    const outcome = await this.tryAcquireOrRenew(startedAt);
    if (this.isStopped()) return;
    if (this.state === 'candidate') {
      if (outcome === 'held') {
        this.becomeLeader(startedAt);
        this.schedule(this.retryPeriodMs);
      } else {
        this.schedule(this.retryPeriodMs * (1 + this.random() * this.jitterFactor));
      }
      return;
    }
    // leading
    if (outcome === 'held') {
      if (this.overdue) this.log.warn({ lease: `${this.namespace}/${this.name}`, lateByMs: this.clock.now() - this.lastRenewAt - this.leadershipBudgetMs }, 'leader lease renewed late; still the leader');
      this.overdue = false;
      this.renewed(startedAt);
      this.schedule(this.retryPeriodMs);
    } else if (outcome === 'foreign') {
      this.lose(`the lease is held by ${this.lastHolder ?? 'another process'}`);
    } else if (this.clock.now() - this.lastRenewAt >= this.leadershipBudgetMs) {
      this.lose(this.deadlineReason());
    } else {
      this.schedule(this.retryPeriodMs);
    }
  }

  /**
   * One client-go `tryAcquireOrRenew`. 'held': we hold the Lease now; 'foreign': another live holder;
   * 'failed': an error or a lost race (409).
   */
  private async tryAcquireOrRenew(now: number): Promise<'held' | 'foreign' | 'failed'> {
    const micro = new V1MicroTime(this.wallNow());
    let current: V1Lease;
    try {
      current = await this.withTimeout(this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }));
    } catch (e) {
      if (httpStatus(e) !== 404) return this.failed('get', e);
      try {
        const created = await this.withTimeout(this.api.createNamespacedLease({
          namespace: this.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: { holderIdentity: this.identity, leaseDurationSeconds: this.leaseDurationSeconds, acquireTime: micro, renewTime: micro, leaseTransitions: 0 },
          },
        }));
        if (this.isStopped()) return 'failed';
        this.observe(created, now);
        return 'held';
      } catch (err) {
        return this.failed('create', err);
      }
    }
    if (this.isStopped()) return 'failed';
    this.observe(current, now);
    const old = current.spec ?? {};
    const holder = old.holderIdentity ?? '';
    const durationMs = (old.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== this.identity && this.observedTime + durationMs > now) return 'foreign';

    const ours = holder === this.identity;
    const spec: V1LeaseSpec = {
      ...old,
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      renewTime: micro,
      // Read back, a MicroTime is a string in client-node 2.0.1 (a Date in other versions).
      acquireTime: ours && old.acquireTime ? new V1MicroTime(old.acquireTime as Date | string) : micro,
      leaseTransitions: ours ? (old.leaseTransitions ?? 0) : (old.leaseTransitions ?? 0) + 1,
    };
    try {
      const updated = await this.withTimeout(this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: { ...current, spec } }));
      if (this.isStopped()) return 'failed';
      this.observe(updated, now);
      if (!ours) this.log.info({ lease: `${this.namespace}/${this.name}`, previousHolder: holder || undefined, transitions: spec.leaseTransitions }, 'took over leader lease');
      return 'held';
    } catch (e) {
      return this.failed('update', e);
    }
  }

  /** Records a Lease read from or written to the server; resets the observation time on change. */
  private observe(lease: V1Lease, now = this.clock.now()): void {
    this.observedLease = lease;
    this.lastContactAt = this.clock.now();
    const key = recordKey(lease.spec);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedTime = now;
    }
    const holder = lease.spec?.holderIdentity || undefined;
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (this.state !== 'stopped') {
        this.log.info({ lease: `${this.namespace}/${this.name}`, holder: holder ?? null }, holder === this.identity ? 'this process holds the leader lease' : holder ? 'new leader observed' : 'leader lease is free');
        this.callbacks.onNewLeader?.(holder);
      }
    }
  }

  private failed(op: 'get' | 'create' | 'update', e: unknown): 'failed' {
    const status = httpStatus(e);
    if (status !== undefined) this.lastContactAt = this.clock.now();
    const fields = { lease: `${this.namespace}/${this.name}`, op, status, error: describeKubeError(e) };
    if (status === 409) this.log.debug(fields, 'lost the race for the leader lease');
    else if (this.state === 'leading') this.log.warn(fields, 'cannot renew leader lease');
    else if (this.failuresLogged++ % 10 === 0) this.log.warn(fields, 'cannot acquire leader lease');
    return 'failed';
  }

  private becomeLeader(attemptStartedAt: number): void {
    this.state = 'leading';
    this.failuresLogged = 0;
    this.renewed(attemptStartedAt);
    this.log.info({ lease: `${this.namespace}/${this.name}`, identity: this.identity }, 'became leader');
    this.callbacks.onStartedLeading();
  }

  private renewed(attemptStartedAt: number): void {
    this.lastRenewAt = attemptStartedAt;
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    const remaining = attemptStartedAt + this.leadershipBudgetMs - this.clock.now();
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      // isLeader() is already false (by the clock). One renewal attempt decides (tick()): the one in
      // flight, whose answer may be waiting behind a busy event loop, else one made right now. Only
      // its success (a compare-and-swap on the resourceVersion: nobody took the Lease meanwhile)
      // resumes leadership.
      if (this.state !== 'leading') return;
      this.overdue = true;
      this.log.warn({ lease: `${this.namespace}/${this.name}`, sinceLastRenewalMs: this.clock.now() - this.lastRenewAt }, 'leader lease renewal overdue: writes paused until one more attempt decides');
      if (this.inFlight !== undefined) return;
      if (this.attemptTimer !== undefined) this.clock.clearTimeout(this.attemptTimer);
      this.attemptTimer = undefined;
      this.schedule(0);
    }, Math.max(0, remaining));
  }

  private deadlineReason(): string {
    return `no renewal within the renew deadline (${this.renewDeadlineMs} ms after a retry period of ${this.retryPeriodMs} ms; ${this.leadershipBudgetMs} ms since the last renewal)`;
  }

  private lose(reason: string): void {
    if (this.state !== 'leading') return;
    this.state = 'stopped';
    this.clearTimers();
    this.log.error({ lease: `${this.namespace}/${this.name}`, identity: this.identity, reason }, 'leader election lost');
    this.callbacks.onStoppedLeading(reason);
  }

  /** A method, not a property test, so TypeScript does not narrow `state` across awaits. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private clearTimers(): void {
    if (this.attemptTimer !== undefined) this.clock.clearTimeout(this.attemptTimer);
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.attemptTimer = undefined;
    this.deadlineTimer = undefined;
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let handle: unknown;
    const timeout = new Promise<never>((_, reject) => {
      handle = this.clock.setTimeout(() => reject(new RequestTimeout(`no answer from the API server within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => this.clock.clearTimeout(handle));
  }
}
