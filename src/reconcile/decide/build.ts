import type { IndexStatus } from '../../api/milvusindex.js';
import type { ObservedIndex } from '../../milvus/types.js';
import { getCondition } from '../conditions.js';
import type { Plan } from '../plan.js';
import type { Claim } from './claim.js';
import { afterOurCreate, type IndexContext } from './context.js';
import { statusWritten } from './create-intent.js';
import { BUILD_POLL_MS, builtEvent, indexStatus, loadedEvent, plan, POLL, progressing, ready, stalled, warn } from './status.js';

/**
 * Progress is reported in steps of this many percent while a build runs, so a long build writes
 * status a bounded number of times (apply → Building, one or two progress steps, Ready: at most 4
 * writes, design §7) instead of once per poll; a build shorter than BUILD_QUIET_MS writes 2.
 */
export const PROGRESS_STEP_PERCENT = 50;

/**
 * The owned index with the right definition and properties: Failed, building, or built. The FIRST
 * Ready needs state Finished and 0 pending rows; afterwards it stays Ready while Finished (new rows
 * show in status.index, not as a flapping Ready). A recorded reload is done once the build is.
 */
export function decideBuild(c: IndexContext, claim: Claim, note: string): Plan {
  const { idx, ownership, pending, events } = claim;
  if (idx.state === 'Failed') {
    const message = `Milvus failed to build index "${idx.indexName}": ${idx.failReason || 'no reason given'}. Fix the cause (or the params) and change the spec, or drop the index in Milvus to retry.`;
    return plan({ status: c.status({ summary: stalled('BuildFailed', message), index: indexStatus(idx), ownership, pendingOperation: pending ?? null }), events: [...events, warn('BuildFailed', message)] });
  }
  const wasReady = getCondition(c.prev.conditions, 'Ready')?.status === 'True';
  const built = idx.state === 'Finished' && (idx.pendingIndexRows === 0 || wasReady);
  if (!built) {
    // A build of ours reports no progress for its first BUILD_QUIET_MS once status says Building (the intent written
    // before the create, or the first report after a create whose intent rode on the finalizer write, which status
    // does not show): a build that ends meanwhile costs two status writes in all, Building and Ready.
    const age = ourBuildAgeMs(c);
    const requeue = age === undefined ? POLL : { kind: 'After' as const, ms: buildPollMs(age) };
    if (age !== undefined && age < BUILD_QUIET_MS && saysBuilding(c)) return plan({ status: c.prev, events, requeue });
    const index = reportedProgress(c.prev.index, idx);
    const message = `Index "${idx.indexName}" is building: ${index.indexedRows}/${index.totalRows} rows indexed (${index.pendingIndexRows} pending), state ${index.state}.`;
    // A young build's pending Create stays until the quiet window ends: its startedAt is the build's age.
    const young = age !== undefined && age < BUILD_QUIET_MS ? c.pending : undefined;
    return plan({ status: c.status({ summary: progressing('Building', message), index, ownership, pendingOperation: pending ?? young ?? null }), events, requeue });
  }
  const index = indexStatus(idx);
  const becameReady = wasReady ? {} : { metrics: ['BecameReady' as const] };
  const status = c.status({ summary: ready(index, note), index, ownership, pendingOperation: null });
  if (pending?.reloadCollection && !c.loaded) {
    return plan({
      actions: [{ type: 'LoadCollection' }],
      status,
      events: [...events, loadedEvent(c.spec.collectionName, 'the index change'), ...(wasReady ? [] : [builtEvent(idx)])],
      ...becameReady,
    });
  }
  return plan({ status, events: wasReady ? events : [...events, builtEvent(idx)], ...becameReady });
}

/** The stored status says Building for this generation (an intent recorded only with the finalizer says nothing). */
function saysBuilding(c: IndexContext): boolean {
  return statusWritten(c.prev) && c.prev.observedGeneration === c.generation && getCondition(c.prev.conditions, 'Ready')?.reason === 'Building';
}

/** How long a build this resource started runs before its progress is written (after the first report, if any). */
export const BUILD_QUIET_MS = 30_000;

/** The age of a build this resource started (its pending Create or Recreate); undefined for any other build. */
function ourBuildAgeMs(c: IndexContext): number | undefined {
  const pending = c.pending;
  if (!afterOurCreate(pending)) return undefined;
  const age = c.now.getTime() - Date.parse(pending!.startedAt);
  return Number.isFinite(age) ? Math.max(0, age) : undefined;
}

/**
 * A build of ours is polled every twentieth of its age, 1 s at least and BUILD_POLL_MS at most: its end is
 * seen within 5 % of its duration (1 s for builds under 20 s, the SDK floor's own poll), so following a
 * build costs the operator no more than 5 % over Milvus' build time. The reads are shared per collection
 * (collection-reads.ts): Milvus sees at most one poll a second per collection, whatever the builds on it.
 */
export function buildPollMs(ageMs: number): number {
  return Math.min(BUILD_POLL_MS, Math.max(1_000, Math.round(ageMs / 20)));
}

/**
 * status.index during a build: the previous report while the same index is in the same progress
 * step, so polls that only move the row counts write nothing.
 */
export function reportedProgress(previous: IndexStatus | undefined, idx: ObservedIndex): IndexStatus {
  const now = indexStatus(idx);
  if (previous === undefined || previous.name !== now.name || previous.id !== now.id) return now;
  return progressStep(previous) === progressStep(now) ? previous : now;
}

function progressStep(s: IndexStatus): number {
  const total = s.totalRows ?? 0;
  const ratio = total === 0 ? 0 : (s.indexedRows ?? 0) / total;
  return Math.floor((ratio * 100) / PROGRESS_STEP_PERCENT);
}
