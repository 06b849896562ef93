import { API_VERSION, type MilvusIndex } from '../api/milvusindex.js';
import type { Logger } from '../observability/logger.js';
import type { KeyedMutex } from '../controller/keyed-mutex.js';
import type { ObjectStore, RequeueDecision } from '../controller/types.js';
import type { EventRecorder } from '../kube/events.js';
import { describeKubeError, httpStatus } from '../kube/errors.js';
import type { MilvusClientProvider } from '../milvus/types.js';
import { collectionOf, type ClaimIndex } from './claims.js';
import type { CollectionReadCache } from './collection-reads.js';
import { statusEqual } from './conditions.js';
import type { ConnectionResolver } from './connection/resolution.js';
import { decide, decideFailure } from './decide/index.js';
import { execute, writeStatus, type ExecuteDeps } from './execute.js';
import { observe, withLoadState } from './observe.js';
import type { Observation } from './observation.js';
import { passEvents, type PassEvent } from './pass-events.js';
import type { EventSpec, MetricMark, Plan } from './plan.js';

/** Domain metrics the reconciler reports. */
export interface ReconcileMetrics {
  mark(mark: MetricMark, resource: MilvusIndex): void;
  /** Build progress 0..1 of a resource; `undefined` removes the series. */
  buildProgress(resource: MilvusIndex, ratio: number | undefined): void;
  /** The resource was just verified against a Milvus that answered. */
  verified(resource: MilvusIndex): void;
}

export interface ReconcilerDeps {
  store: ObjectStore<MilvusIndex>;
  claims: ClaimIndex;
  connections: ConnectionResolver;
  milvus: MilvusClientProvider;
  /** Batched observation per collection (observe.ts); optional. */
  reads?: CollectionReadCache;
  /**
   * Steps one pass may take (pass()); default 1: every step is its own reconcile. The operator allows
   * MAX_STEPS, so a Milvus write is observed at once instead of after a trip through the queue.
   */
  maxSteps?: number;
  execute: ExecuteDeps;
  events: EventRecorder;
  collectionLocks: KeyedMutex;
  now: () => Date;
  log: Logger;
  metrics: ReconcileMetrics;
}

/** How long a key waits for the watch to bring our own write before it looks again (the watch event also wakes it). */
const OWN_WRITE_WAIT_MS = 250;

/**
 * observe → decide → execute → one status write when something changed.
 * Idempotent: the same call runs on create, update, resync, restart and after any failure.
 * Holds the per-collection lock for the whole pass, so DDL on one collection is never parallel. The operator's
 * controller already serializes a collection's keys (`serializeBy`) without idling a worker; the lock is the
 * safety net for any other caller.
 */
export class MilvusIndexReconciler {
  /**
   * Per key, the resourceVersions our own writes replaced. The cache still showing one of them means our write
   * has not reached it yet: acting on that view would repeat what the write recorded (e.g. a refused
   * AlterProperties whose `status.unsupported` the cache does not show yet), so the key waits for the watch.
   */
  private readonly superseded = new Map<string, Set<string>>();

  constructor(private readonly deps: ReconcilerDeps) {}

  readonly reconcile = async (key: string): Promise<RequeueDecision> => {
    const resource = this.deps.store.get(key);
    if (!resource) {
      this.superseded.delete(key);
      return { kind: 'None' };
    }
    return this.deps.collectionLocks.run(collectionOf(resource, this.deps.connections), () => this.pass(key));
  };

  /**
   * One or more steps under the collection lock. A step that wrote to Milvus and asks to observe its effect at
   * once (requeue After 0) is followed by the next step right here, on the object it wrote, instead of a trip
   * to the back of the queue: with Milvus Lite (inline builds) apply → Ready is one queue visit after the
   * finalizer. At most `maxSteps` per pass, so a pass always ends.
   */
  private async pass(key: string): Promise<RequeueDecision> {
    // Read inside the lock: another reconcile on this collection may just have changed it.
    let resource = this.deps.store.get(key);
    if (resource && this.ownWriteUnseen(key, resource)) return { kind: 'After', ms: OWN_WRITE_WAIT_MS };
    // The pass's Events go out when it ends (passEvents), off the critical path, as client-go's recorder does.
    const announced: PassEvent[] = [];
    try {
      for (let n = 1; resource; n++) {
        const { requeue, next } = await this.step(key, resource, announced);
        if (!next || n >= (this.deps.maxSteps ?? 1)) return requeue;
        resource = next;
      }
      return { kind: 'None' };
    } finally {
      if (announced.length > 0) void this.send(announced.splice(0));
    }
  }

  private async step(key: string, resource: MilvusIndex, announced: PassEvent[]): Promise<{ requeue: RequeueDecision; next?: MilvusIndex }> {
    const seen = await observe(resource, this.deps);
    if (seen.kind === 'ConnectionUnknown') {
      this.deps.log.debug({ key, reason: seen.message }, 'connection not verified yet; waiting for it');
      return { requeue: { kind: 'None' } };
    }
    const { api } = seen;
    let observation = seen.observation;
    const now = this.deps.now();
    let plan = decide(observation, now);
    if (plan.readLoadState) {
      observation = await withLoadState(observation, api);
      plan = decide(observation, now);
    }
    if (observation.milvus.kind === 'Observed') this.deps.metrics.verified(resource);
    this.deps.log.debug({ key, generation: resource.metadata.generation, milvus: observation.milvus.kind, actions: plan.actions.map((a) => a.type), requeue: plan.requeue }, 'reconcile planned');
    // The finalizer goes last, after the plan's Events: when the object is gone, its story is recorded.
    const removesFinalizer = plan.actions.at(-1)?.type === 'RemoveFinalizer';
    const body = removesFinalizer ? { ...plan, actions: plan.actions.slice(0, -1) } : plan;
    const done = await execute(body, resource, { api, database: observation.database }, this.deps.execute);
    switch (done.kind) {
      case 'Done': {
        const { requeue, current } = await this.finish(key, done.current, plan, observation, announced);
        this.noteOwnWrites(key, current, resource, done.current);
        if (removesFinalizer) {
          const removed = await this.removeFinalizer(key, current, requeue);
          if (removed.done) {
            // Until the watch shows the removal (or the object gone), the cached version still carries our finalizer:
            // a pass on it would decide the release again (a second Orphaned counted and announced).
            this.noteSuperseded(key, current);
            // Counted once the finalizer is gone: a removal that fails is retried, and its pass decides again.
            for (const m of plan.metrics) this.deps.metrics.mark(m, current);
          }
          return { requeue: removed.requeue };
        }
        const observeNow = requeue.kind === 'After' && requeue.ms === 0 && plan.actions.length > 0;
        return observeNow ? { requeue, next: current } : { requeue };
      }
      case 'MilvusFailed': {
        this.deps.log.warn({ key, action: done.failure.action.type, errorKind: done.failure.kind, error: done.failure.message }, 'action failed');
        const recovery = decideFailure({ ...observation, resource: done.current }, done.failure, this.deps.now());
        const { requeue, current } = await this.finish(key, done.current, recovery, observation, announced, `${done.failure.action.type}: ${done.failure.message}`);
        this.noteOwnWrites(key, current, resource, done.current);
        return { requeue };
      }
      case 'KubeFailed': return { requeue: this.kubeFailure(key, done.conflict, done.error) };
      case 'NotLeader':
        this.deps.log.warn({ key }, done.step);
        return { requeue: { kind: 'Backoff', error: done.step } };
    }
  }

  /** True while the cache shows a version of `key` that one of our writes replaced. */
  private ownWriteUnseen(key: string, cached: MilvusIndex): boolean {
    const stale = this.superseded.get(key);
    if (stale?.has(cached.metadata.resourceVersion ?? '')) return true;
    this.superseded.delete(key);
    return false;
  }

  /** Remembers the versions this step's writes replaced (`earlier`), unless nothing was written. */
  private noteOwnWrites(key: string, written: MilvusIndex, ...earlier: MilvusIndex[]): void {
    this.noteSuperseded(key, ...earlier.filter((o) => o.metadata.resourceVersion !== written.metadata.resourceVersion));
  }

  private noteSuperseded(key: string, ...replaced: MilvusIndex[]): void {
    const versions = replaced.map((o) => o.metadata.resourceVersion).filter((rv): rv is string => rv !== undefined);
    if (versions.length === 0) return;
    const stale = this.superseded.get(key) ?? new Set<string>();
    for (const rv of versions) stale.add(rv);
    this.superseded.set(key, stale);
  }

  private async finish(key: string, current: MilvusIndex, plan: Plan, observation: Observation, announced: PassEvent[], failed?: string): Promise<{ requeue: RequeueDecision; current: MilvusIndex }> {
    const removing = plan.actions.some((a) => a.type === 'RemoveFinalizer');
    if (plan.status && !removing && !statusEqual(plan.status, current.status)) {
      try {
        current = await writeStatus(current, plan.status, this.deps.execute);
      } catch (e) {
        return { requeue: this.kubeFailure(key, false, e), current };
      }
    }
    for (const spec of plan.events) announced.push({ target: current, spec });
    // Before the finalizer goes the pass's Events are sent and awaited: the object's story is recorded first.
    if (removing) await this.send(announced.splice(0));
    if (!removing) for (const m of plan.metrics) this.deps.metrics.mark(m, current);
    const idx = plan.status?.index;
    this.deps.metrics.buildProgress(current, removing ? undefined : idx?.totalRows ? (idx.indexedRows ?? 0) / idx.totalRows : idx?.state === 'Finished' ? 1 : undefined);
    return { requeue: withError(plan.requeue, failed ?? (observation.milvus.kind === 'Unavailable' ? observation.milvus.message : undefined)), current };
  }

  private async removeFinalizer(key: string, current: MilvusIndex, requeue: RequeueDecision): Promise<{ done: boolean; requeue: RequeueDecision }> {
    const done = await execute({ actions: [{ type: 'RemoveFinalizer' }], intent: undefined, status: undefined, events: [], metrics: [], requeue }, current, { api: undefined, database: '' }, this.deps.execute);
    if (done.kind === 'KubeFailed') return { done: false, requeue: this.kubeFailure(key, done.conflict, done.error) };
    if (done.kind === 'NotLeader') return { done: false, requeue: { kind: 'Backoff', error: done.step } };
    return { done: true, requeue };
  }

  /** Every Kubernetes write failure backs off through the key's rate limiter, conflicts included. */
  private kubeFailure(key: string, conflict: boolean, e: unknown): RequeueDecision {
    const error = describeKubeError(e);
    if (conflict) this.deps.log.debug({ key, error }, 'write conflict; retrying with a fresh view');
    else this.deps.log.warn({ key, status: httpStatus(e), error }, 'kubernetes write failed');
    return { kind: 'Backoff', error };
  }

  /** Sends a pass's Events (passEvents), all at once; the recorder never throws. */
  private async send(announced: PassEvent[]): Promise<void> {
    await Promise.all(passEvents(announced).map(({ target, spec }) => this.emit(target, spec)));
  }

  private async emit(obj: MilvusIndex, ev: EventSpec): Promise<void> {
    const targets = ev.collectionWide ? [obj, ...this.deps.claims.collectionMatesOf(obj)] : [obj];
    for (const t of targets) {
      await this.deps.events.emit({ apiVersion: API_VERSION, kind: 'MilvusIndex', metadata: t.metadata }, { type: ev.type, reason: ev.reason, message: ev.message });
    }
  }
}

/**
 * What the operator allows one pass (ReconcilerDeps.maxSteps): a new resource's finalizer → create → observe, or
 * a Recreate's drop → create → observe, with one step to spare.
 */
export const MAX_STEPS = 4;

/** A failed pass keeps its requeue timing but is counted as an error. */
function withError(requeue: RequeueDecision, error: string | undefined): RequeueDecision {
  if (error === undefined) return requeue;
  if (requeue.kind === 'Backoff' || requeue.kind === 'CappedBackoff') return { ...requeue, error };
  return requeue;
}
