import { API_VERSION, FINALIZER, type MilvusIndex } from '../api/milvusindex.js';
import type { KeyedMutex } from '../controller/keyed-mutex.js';
import type { ObjectStore, RequeueDecision } from '../controller/types.js';
import type { EventRecorder } from '../kube/events.js';
import { describeKubeError, httpStatus, isWriteConflict } from '../kube/errors.js';
import type { MilvusIndexWriter } from '../kube/milvusindex-writer.js';
import { isMilvusError } from '../milvus/errors.js';
import type { MilvusClientProvider, MilvusIndexApi } from '../milvus/types.js';
import { statusEqual } from './conditions.js';
import type { ConnectionResolver } from './connections.js';
import { decide, decideFailure } from './decide/index.js';
import { collectionOf, observe } from './observe.js';
import type { Action, ActionFailure, EventSpec, MetricMark, MilvusAction, Plan } from './plan.js';
import type { MilvusWriteObserver, MilvusWrite } from './write-observer.js';

export interface ReconcileLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Domain metrics the reconciler reports. */
export interface ReconcileMetrics {
  mark(mark: MetricMark, resource: MilvusIndex): void;
  /** Build progress 0..1 of a resource; `undefined` removes the series. */
  buildProgress(resource: MilvusIndex, ratio: number | undefined): void;
}

export interface ReconcilerDeps {
  store: ObjectStore<MilvusIndex>;
  connections: ConnectionResolver;
  milvus: MilvusClientProvider;
  writer: MilvusIndexWriter;
  events: EventRecorder;
  collectionLocks: KeyedMutex;
  now: () => Date;
  log: ReconcileLogger;
  metrics: ReconcileMetrics;
  /**
   * Fencing for leader election: checked right before every Milvus write; when it returns false
   * the write is skipped and the key backs off (the process is about to stop). Default: always.
   */
  mayWrite?: () => boolean;
  /** Told of every Milvus write (tests, benchmarks). */
  milvusWrites?: MilvusWriteObserver;
}

/**
 * observe → decide → act → one status write when something changed.
 * Idempotent: the same call runs on create, update, resync, restart and after any failure.
 * Holds the per-collection lock for the whole pass, so DDL on one collection is never parallel.
 */
export class MilvusIndexReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  readonly reconcile = async (key: string): Promise<RequeueDecision> => {
    const resource = this.deps.store.get(key);
    if (!resource) return { kind: 'None' };
    return this.deps.collectionLocks.run(collectionOf(resource, this.deps.connections), () => this.reconcileLocked(key));
  };

  private async reconcileLocked(key: string): Promise<RequeueDecision> {
    // Re-read inside the lock: another reconcile on this collection may just have changed it.
    const resource = this.deps.store.get(key);
    if (!resource) return { kind: 'None' };
    const result = await this.pass(key, resource);
    // Adding the finalizer is a pass of its own (nothing is created before it is stored); the next
    // pass follows at once with the patched object instead of waiting for the watch to return it.
    return typeof result === 'object' && 'continueWith' in result ? this.pass(key, result.continueWith) as Promise<RequeueDecision> : result;
  }

  private async pass(key: string, resource: MilvusIndex): Promise<RequeueDecision | { continueWith: MilvusIndex }> {
    const { observation, api } = await observe(resource, this.deps);
    const plan = decide(observation, this.deps.now());
    const log = { key, generation: resource.metadata.generation, resourceVersion: resource.metadata.resourceVersion };
    this.deps.log.debug({ ...log, milvus: observation.milvus.kind, actions: plan.actions.map((a) => a.type), requeue: plan.requeue }, 'reconcile planned');

    let current = resource;
    try {
      if (plan.intent && !statusEqual(plan.intent, current.status)) {
        current = await this.writeStatus(current, plan.intent);
      }
    } catch (e) {
      return this.kubeFailure(key, e);
    }

    if (plan.actions.length === 1 && plan.actions[0]!.type === 'AddFinalizer') {
      try {
        const rv = await this.deps.writer.addFinalizer(current);
        if (!rv) return { kind: 'None' };
        return { continueWith: { ...current, metadata: { ...current.metadata, resourceVersion: rv, finalizers: [...(current.metadata.finalizers ?? []), FINALIZER] } } };
      } catch (e) {
        return this.kubeFailure(key, e);
      }
    }
    for (const action of plan.actions) {
      try {
        await this.perform(action, current, api, observation.database);
      } catch (e) {
        if (e instanceof NotLeaderError) {
          this.deps.log.warn({ ...log, action: action.type }, e.message);
          return { kind: 'Backoff' };
        }
        if (action.type === 'RemoveFinalizer' || action.type === 'AddFinalizer') return this.kubeFailure(key, e);
        if (isWriteConflict(e)) {
          this.deps.log.debug({ ...log, action: action.type }, 'write conflict; retrying with a fresh view');
          return { kind: 'After', ms: 0 };
        }
        const failure = classifyFailure(action, e);
        this.deps.log.warn({ ...log, action: action.type, errorKind: failure.kind, error: failure.message }, 'action failed');
        const recovery = decideFailure({ ...observation, resource: current }, failure, this.deps.now());
        return this.finish(key, current, recovery);
      }
    }
    return this.finish(key, current, plan);
  }

  private async finish(key: string, current: MilvusIndex, plan: Plan): Promise<RequeueDecision> {
    const removing = plan.actions.some((a) => a.type === 'RemoveFinalizer');
    try {
      if (plan.status && !removing && !statusEqual(plan.status, current.status)) {
        current = await this.writeStatus(current, plan.status);
      }
    } catch (e) {
      return this.kubeFailure(key, e);
    }
    for (const ev of plan.events) await this.emit(current, ev);
    for (const m of plan.metrics) this.deps.metrics.mark(m, current);
    const idx = plan.status?.index;
    this.deps.metrics.buildProgress(current, removing ? undefined : idx?.totalRows ? (idx.indexedRows ?? 0) / idx.totalRows : idx?.state === 'Finished' ? 1 : undefined);
    return plan.requeue;
  }

  private async writeStatus(obj: MilvusIndex, status: NonNullable<Plan['status']>): Promise<MilvusIndex> {
    const rv = await this.deps.writer.writeStatus(obj, status);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv ?? obj.metadata.resourceVersion }, status };
  }

  private kubeFailure(key: string, e: unknown): RequeueDecision {
    if (isWriteConflict(e)) return { kind: 'After', ms: 0 };
    this.deps.log.warn({ key, status: httpStatus(e), error: describeKubeError(e) }, 'kubernetes write failed');
    return { kind: 'Backoff' };
  }

  private async perform(action: Action, obj: MilvusIndex, api: MilvusIndexApi | undefined, db: string): Promise<void> {
    const spec = obj.spec;
    switch (action.type) {
      case 'AddFinalizer': { await this.deps.writer.addFinalizer(obj); return; }
      case 'RemoveFinalizer': return this.deps.writer.removeFinalizer(obj);
      default: break;
    }
    if (!api) throw new Error(`cannot ${action.type}: no Milvus connection was observed`);
    if (this.deps.mayWrite && !this.deps.mayWrite()) throw new NotLeaderError(`leadership not confirmed (lost, or the Lease renewal is overdue): skipped ${action.type}`);
    // One info line per Milvus write, so tests and operators can count what was done.
    this.deps.log.info({ action: action.type, key: `${obj.metadata.namespace}/${obj.metadata.name}`, collection: spec.collectionName }, 'milvus write');
    const write: Omit<MilvusWrite, 'outcome'> = { action: action.type, namespace: obj.metadata.namespace, name: obj.metadata.name, database: db, collection: spec.collectionName };
    try {
      await this.performMilvus(action, spec.collectionName, api, db);
      this.deps.milvusWrites?.written({ ...write, outcome: 'ok' });
    } catch (e) {
      this.deps.milvusWrites?.written({ ...write, outcome: 'error' });
      throw e;
    }
  }

  private async performMilvus(action: Exclude<Action, { type: 'AddFinalizer' | 'RemoveFinalizer' }>, collection: string, api: MilvusIndexApi, db: string): Promise<void> {
    const spec = { collectionName: collection };
    switch (action.type) {
      case 'CreateIndex': return api.createIndex(action.request);
      case 'DropIndex': return api.dropIndex(db, spec.collectionName, action.fieldName, action.indexName);
      case 'AlterProperties': {
        const res = await api.alterIndexProperties(db, spec.collectionName, action.indexName, action.properties);
        if (res.kind === 'Unsupported') throw new UnsupportedError(res.message);
        return;
      }
      case 'ReleaseCollection': return api.releaseCollection(db, spec.collectionName);
      case 'LoadCollection': return api.loadCollection(db, spec.collectionName);
    }
  }

  private async emit(obj: MilvusIndex, ev: EventSpec): Promise<void> {
    const targets = [obj];
    if (ev.collectionWide) {
      const collection = collectionOf(obj, this.deps.connections);
      for (const other of this.deps.store.list()) {
        if (other.metadata.uid !== obj.metadata.uid && collectionOf(other, this.deps.connections) === collection) targets.push(other);
      }
    }
    for (const t of targets) {
      await this.deps.events.emit({ apiVersion: API_VERSION, kind: 'MilvusIndex', metadata: t.metadata }, { type: ev.type, reason: ev.reason, message: ev.message });
    }
  }
}

class UnsupportedError extends Error {}
class NotLeaderError extends Error {}

function classifyFailure(action: MilvusAction, e: unknown): ActionFailure {
  if (e instanceof UnsupportedError) return { action, kind: 'Unsupported', message: e.message };
  if (isMilvusError(e)) return { action, kind: e.kind, message: e.message };
  if (httpStatus(e) !== undefined) return { action, kind: 'Transient', message: describeKubeError(e) };
  return { action, kind: 'Transient', message: e instanceof Error ? e.message : String(e) };
}
