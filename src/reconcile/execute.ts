import { ANNOTATION_CREATE_INTENT, FINALIZER, type MilvusIndex, type MilvusIndexStatus } from '../api/milvusindex.js';
import { isWriteConflict } from '../kube/errors.js';
import type { MilvusIndexWriter } from '../kube/milvusindex-writer.js';
import { isMilvusError } from '../milvus/errors.js';
import type { MilvusIndexApi, WriteOptions } from '../milvus/types.js';
import { statusEqual } from './conditions.js';
import type { Action, ActionFailure, MilvusAction, Plan } from './plan.js';
import type { MilvusWriteObserver } from './write-observer.js';

export interface ExecuteDeps {
  writer: MilvusIndexWriter;
  /**
   * Leadership fencing: milliseconds this process may still act as the leader (Infinity when not
   * electing). Checked before every write, to Kubernetes and to Milvus; at or below 0 the step is
   * not taken.
   */
  leadershipRemainingMs: () => number;
  milvusWrites?: MilvusWriteObserver | undefined;
}

/** Where one resource's Milvus writes go. */
export interface MilvusTarget {
  api: MilvusIndexApi | undefined;
  database: string;
}

/** How a plan's execution ended. Failures are classified once, here. */
export type Execution =
  | { kind: 'Done'; current: MilvusIndex }
  /** A Milvus action failed; decideFailure turns it into status and requeue. */
  | { kind: 'MilvusFailed'; current: MilvusIndex; failure: ActionFailure }
  /** A Kubernetes write failed; `conflict` for a stale view (409 / failed patch test). */
  | { kind: 'KubeFailed'; conflict: boolean; error: unknown }
  /** Leadership was not confirmed: nothing further was written. */
  | { kind: 'NotLeader'; step: string };

class NotLeader extends Error {}

/**
 * Performs a plan's writes in order: the intent status first (when the plan has one and it differs), then each
 * action; the first failure stops the rest. Does not write the final status (the reconciler does
 * that, once) and does not decide anything.
 */
export async function execute(plan: Plan, resource: MilvusIndex, target: MilvusTarget, deps: ExecuteDeps): Promise<Execution> {
  let current = resource;
  try {
    if (plan.intent && !statusEqual(plan.intent, current.status)) {
      current = await writeStatus(current, plan.intent, deps);
    }
    for (const action of plan.actions) {
      if (action.type === 'AddFinalizer') {
        current = await addFinalizer(current, action.createIntent, deps);
        continue;
      }
      const failure = await perform(action, current, target, deps);
      if (failure) return { kind: 'MilvusFailed', current, failure };
    }
  } catch (e) {
    if (e instanceof NotLeader) return { kind: 'NotLeader', step: e.message };
    return { kind: 'KubeFailed', conflict: isWriteConflict(e), error: e };
  }
  return { kind: 'Done', current };
}

/** Writes `status` if this process still leads; returns the object as written. */
export async function writeStatus(obj: MilvusIndex, status: MilvusIndexStatus, deps: ExecuteDeps): Promise<MilvusIndex> {
  fence('write status', deps);
  const rv = await deps.writer.writeStatus(obj, status);
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv ?? obj.metadata.resourceVersion }, status };
}

/** Adds our finalizer (and a create's intent with it) if this process still leads; returns the object as written. */
async function addFinalizer(obj: MilvusIndex, createIntent: string | undefined, deps: ExecuteDeps): Promise<MilvusIndex> {
  fence('AddFinalizer', deps);
  const rv = await deps.writer.addFinalizer(obj, createIntent);
  if (rv === undefined) return obj;
  const annotations = createIntent === undefined ? obj.metadata.annotations : { ...obj.metadata.annotations, [ANNOTATION_CREATE_INTENT]: createIntent };
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv, finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER], ...(annotations ? { annotations } : {}) } };
}

/** Kubernetes failures throw; Milvus failures come back classified. */
async function perform(action: Exclude<Action, { type: 'AddFinalizer' }>, obj: MilvusIndex, target: MilvusTarget, deps: ExecuteDeps): Promise<ActionFailure | undefined> {
  fence(action.type, deps);
  switch (action.type) {
    case 'RemoveFinalizer': await deps.writer.removeFinalizer(obj); return undefined;
    default: break;
  }
  if (!target.api) return { action, kind: 'Transient', message: `cannot ${action.type}: no Milvus connection was observed` };
  const write = { action: action.type, namespace: obj.metadata.namespace, name: obj.metadata.name, database: target.database, collection: obj.spec.collectionName };
  try {
    // A write may not outlive this process's leadership: its deadline is capped by what is left of it.
    const remaining = deps.leadershipRemainingMs();
    await milvusWrite(action, obj.spec.collectionName, target.api, target.database, Number.isFinite(remaining) ? { timeoutMs: remaining } : {});
    deps.milvusWrites?.written({ ...write, outcome: 'ok' });
    return undefined;
  } catch (e) {
    deps.milvusWrites?.written({ ...write, outcome: 'error' });
    if (isMilvusError(e)) return { action, kind: e.kind, message: e.message };
    return { action, kind: 'Transient', message: e instanceof Error ? e.message : String(e) };
  }
}

async function milvusWrite(action: MilvusAction, collection: string, api: MilvusIndexApi, db: string, options: WriteOptions): Promise<void> {
  switch (action.type) {
    case 'CreateIndex': return api.createIndex(action.request, options);
    case 'DropIndex': return api.dropIndex(db, collection, action.fieldName, action.indexName, options);
    case 'AlterProperties': return api.alterIndexProperties(db, collection, action.indexName, action.properties, options);
    case 'ReleaseCollection': return api.releaseCollection(db, collection, options);
    case 'LoadCollection': return api.loadCollection(db, collection, options);
  }
}

function fence(step: string, deps: ExecuteDeps): void {
  if (deps.leadershipRemainingMs() <= 0) throw new NotLeader(`leadership not confirmed (lost, or the Lease renewal is overdue): skipped ${step}`);
}
