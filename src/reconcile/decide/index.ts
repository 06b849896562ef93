import { FINALIZER } from '../../api/milvusindex.js';
import type { LoadState } from '../../milvus/types.js';
import type { Observation } from '../observation.js';
import type { Plan } from '../plan.js';
import { decideBuild } from './build.js';
import { claimIndex, ownerConflict } from './claim.js';
import { indexContext } from './context.js';
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

function decideKnown(obs: Observation, now: Date): Plan {
  const meta = obs.resource.metadata;
  const deleting = meta.deletionTimestamp !== undefined;
  const hasFinalizer = (meta.finalizers ?? []).includes(FINALIZER);
  // Observed at once (in the same pass when the reconciler allows it): nothing else happens before the finalizer.
  if (!deleting && !hasFinalizer) return plan({ actions: [{ type: 'AddFinalizer' }], status: undefined, requeue: OBSERVE_NOW });
  if (deleting && !hasFinalizer) return plan({ status: undefined });
  if (deleting) return decideDeletion(obs, now);
  const live = decideLive(obs, now);
  // NotObserved (status undefined) is a transient view: nothing to report, paused or not.
  return isPaused(obs) && live.status !== undefined ? pause(obs, live, now) : live;
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
