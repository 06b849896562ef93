import type { MilvusIndexStatus } from '../../api/milvusindex.js';
import type { ObservedIndex } from '../../milvus/types.js';
import { definitionDiff, formatDiff, type DefinitionDiff } from '../compare.js';
import type { Observation, PeerClaim } from '../observation.js';
import type { EventSpec, Plan } from '../plan.js';
import { afterOurCreate, type IndexContext, type Step } from './context.js';
import { indexStatus, nextStatus, plan, stalled, warn } from './status.js';

/** The oldest non-deleting claimant other than this resource, if it is older than us (ties: by key). */
export function ownerOf(obs: Observation): PeerClaim | undefined {
  const me = { key: `${obs.resource.metadata.namespace}/${obs.resource.metadata.name}`, uid: obs.resource.metadata.uid, creationTimestamp: obs.resource.metadata.creationTimestamp };
  const contenders = [me, ...obs.peers.filter((p) => !p.deleting && p.uid !== me.uid)];
  contenders.sort(byAge);
  const winner = contenders[0]!;
  return winner.uid === me.uid ? undefined : (winner as PeerClaim);
}

export function byAge(a: { creationTimestamp: string; key: string }, b: { creationTimestamp: string; key: string }): number {
  return a.creationTimestamp.localeCompare(b.creationTimestamp) || a.key.localeCompare(b.key);
}

/** Another, older resource manages the same Milvus index: this one does nothing in Milvus. */
export function ownerConflict(obs: Observation, now: Date): Plan | undefined {
  const owner = ownerOf(obs);
  if (owner === undefined) return undefined;
  const message = `Index "${obs.indexName}" of collection "${obs.resource.spec.collectionName}" is already managed by MilvusIndex ${owner.key} (the oldest resource wins). Delete this resource or point it at another index.`;
  return plan({ status: nextStatus(obs, { summary: stalled('Conflict', message), ownership: null }, now), events: [warn('Conflict', message)], requeue: { kind: 'CappedBackoff' } });
}

/** Who holds the observed index after this reconcile, and what that announces. */
export interface Claim {
  idx: ObservedIndex;
  diff: DefinitionDiff[];
  ownership: MilvusIndexStatus['ownership'];
  /** The pending operation once a finished Create is cleared. */
  pending: IndexContext['pending'];
  events: EventSpec[];
}

/**
 * Decides whether the observed index is ours. Ownership Created is set only here, when the index
 * Milvus shows has our definition after our own create; a matching index we did not create is
 * adopted (adoptionPolicy IfMatching); anything else is a Conflict and is never dropped.
 */
export function claimIndex(c: IndexContext, idx: ObservedIndex): Step<Claim> {
  const conflict = (message: string, withIndex: boolean): Step<Claim> => ({
    plan: plan({ status: c.status({ summary: stalled('Conflict', message), ownership: null, ...(c.pending?.operation === 'Create' ? { pendingOperation: null } : {}), ...(withIndex ? { index: indexStatus(idx) } : {}) }), events: [warn('Conflict', message)], ...(withIndex ? {} : { requeue: { kind: 'CappedBackoff' } }) }),
  });
  if (idx.fieldName !== c.spec.fieldName) {
    return conflict(`The index name "${idx.indexName}" is already used by field "${idx.fieldName}" of collection "${c.spec.collectionName}". Set spec.indexName to a free name (index names are unique per collection).`, false);
  }
  const diff = definitionDiff(c.spec, idx);
  const pending = c.pending?.operation === 'Create' ? undefined : c.pending;
  if (diff.length === 0 && afterOurCreate(c.pending)) return { next: { idx, diff, ownership: 'Created', pending, events: [] } };
  if (c.owned) return { next: { idx, diff, ownership: c.prev.ownership, pending, events: [] } };
  const where = `${c.spec.collectionName}.${c.spec.fieldName}`;
  if (diff.length > 0) {
    return conflict(`An index "${idx.indexName}" already exists on ${where} with a different definition (${formatDiff(diff)}). The operator never drops an index it did not create or adopt: change the spec to match, or drop the index in Milvus.`, true);
  }
  if ((c.spec.adoptionPolicy ?? 'IfMatching') === 'Never') {
    return conflict(`An index "${idx.indexName}" already exists on ${where} and adoptionPolicy is Never. Set adoptionPolicy: IfMatching to take it over, or drop it in Milvus.`, true);
  }
  const adopted: EventSpec = { type: 'Normal', reason: 'IndexAdopted', message: `Adopted existing index "${idx.indexName}": its definition matches the spec.` };
  return { next: { idx, diff, ownership: 'Adopted', pending, events: [adopted] } };
}
