import { FINALIZER } from '../../api/milvusindex.js';
import type { LoadState } from '../../milvus/types.js';
import type { Observation } from '../observation.js';
import type { Plan } from '../plan.js';
import { decideBuild } from './build.js';
import { claimIndex, ownerConflict } from './claim.js';
import { indexContext } from './context.js';
import { statusWritten, withCreateIntent } from './create-intent.js';
import { decideAbsent } from './create.js';
import { decideDeletion } from './deletion.js';
import { isPaused, pause } from './paused.js';
import { checkPreconditions } from './preconditions.js';
import { decideProperties } from './properties.js';
import { decideRecreate } from './recreate.js';
import { OBSERVE_NOW, plan } from './status.js';

export { decideFailure } from './failure.js';
export { BUILD_POLL_MS, indexStatus } from './status.js';
export { PROGRESS_STEP_PERCENT } from './build.js';

/**
 * The whole behaviour table of design §2 as one pure function: observation in, plan out.
 * Never performs I/O; `now` comes in as an argument. The same observation always gives the same plan.
 *
 * Order: finalizer (rule 3) → deletion, or: preconditions (spec, connection, reachability, field)
 * → claim (older owner; our index absent → create; ours, adopted or a Conflict) → recreate →
 * properties → build progress / Ready. A paused resource runs the same steps and keeps only their
 * report.
 */
export function decide(obs: Observation, now: Date): Plan {
  const m = obs.milvus;
  if (m.kind !== 'Observed' || m.loadState !== undefined) return decideKnown(obs, now);
  // Not read yet: decided without it, unless a rule looks at it, in which case that plan is discarded and the
  // reconciler reads it and decides again (Plan.readLoadState).
  let asked = false;
  const unread = { ...m, get loadState(): LoadState { asked = true; return 'NotLoad'; } };
  const decided = decideKnown({ ...obs, milvus: unread }, now);
  return asked ? { ...plan({ status: undefined }), readLoadState: true } : decided;
}

function decideKnown(seen: Observation, now: Date): Plan {
  const meta = seen.resource.metadata;
  const deleting = meta.deletionTimestamp !== undefined;
  const hasFinalizer = (meta.finalizers ?? []).includes(FINALIZER);
  // Observed at once (in the same pass when the reconciler allows it): nothing else happens before the finalizer.
  if (!deleting && !hasFinalizer) return addFinalizer(seen, now);
  if (deleting && !hasFinalizer) return plan({ status: undefined });
  const obs = withCreateIntent(seen);
  if (deleting) return decideDeletion(obs, now);
  const live = decideLive(obs, now);
  // NotObserved (no status, no action) is a transient view: nothing to report, paused or not. A first create whose
  // intent is recorded has no status of its own, but an action: paused, it is withheld like any other.
  return isPaused(obs) && (live.status !== undefined || live.actions.length > 0) ? pause(obs, live, now) : live;
}

/**
 * The finalizer first. When the next step would be a new resource's first create, its intent is recorded with the
 * finalizer (create-intent.ts): what the next step decides is decided here already, on the same observation.
 */
function addFinalizer(obs: Observation, now: Date): Plan {
  const createIntent = statusWritten(obs.resource.status) || obs.milvus.kind !== 'Observed' ? undefined : firstCreateOf(obs, now);
  return plan({ actions: [{ type: 'AddFinalizer', ...(createIntent ? { createIntent } : {}) }], status: undefined, requeue: OBSERVE_NOW });
}

function firstCreateOf(obs: Observation, now: Date): string | undefined {
  const meta = obs.resource.metadata;
  const next = decideKnown({ ...obs, resource: { ...obs.resource, metadata: { ...meta, finalizers: [...(meta.finalizers ?? []), FINALIZER] } } }, now);
  const pending = next.actions[0]?.type === 'CreateIndex' ? next.intent?.pendingOperation : undefined;
  return pending?.operation === 'Create' ? pending.startedAt : undefined;
}

function decideLive(obs: Observation, now: Date): Plan {
  const pre = checkPreconditions(obs, now);
  if ('plan' in pre) return pre.plan;
  const conflict = ownerConflict(obs, now);
  if (conflict) return conflict;
  const c = indexContext(obs, pre.next, now);
  const idx = pre.next.index;
  if (!idx) return decideAbsent(c);
  const claim = claimIndex(c, idx);
  if ('plan' in claim) return claim.plan;
  const recreate = decideRecreate(c, claim.next);
  if (recreate) return recreate;
  const props = decideProperties(c, claim.next);
  if ('plan' in props) return props.plan;
  return decideBuild(c, claim.next, props.next.note);
}
