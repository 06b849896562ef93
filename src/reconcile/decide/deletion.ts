import { rfc3339 } from '../../api/time.js';
import { ANNOTATION_PAUSED, ANNOTATION_SKIP_DROP, type PendingOperation } from '../../api/milvusindex.js';
import { fieldFamily, isVectorFamily } from '../../api/index-catalog.js';
import { definitionDiff, definitionOf, formatDiff } from '../compare.js';
import type { Observation, PeerClaim } from '../observation.js';
import type { Action, EventSpec, Plan } from '../plan.js';
import { byAge } from './claim.js';
import { afterOurCreate, isLoaded, type Observed } from './context.js';
import { indexStatus, loadedEvent, nextStatus, plan, progressing, releasedEvent, SOON, stalled, waiting, warn } from './status.js';

const ESCAPE = `To finish the deletion without dropping the index, annotate ${ANNOTATION_SKIP_DROP}="true".`;

function release(p: Partial<Plan> = {}): Plan {
  return plan({ ...p, actions: [...(p.actions ?? []), { type: 'RemoveFinalizer' }], status: undefined });
}

/**
 * A resource being deleted (with our finalizer). The finalizer goes once nothing of ours is left
 * to drop: Retain, skip-drop, never owned, handed over to the next claimant, or dropped.
 */
export function decideDeletion(obs: Observation, now: Date): Plan {
  const early = deletionShortcut(obs, now);
  if (early) return early;
  const heir = obs.peers.filter((p) => !p.deleting && p.uid !== obs.resource.metadata.uid).sort(byAge)[0];
  if (heir) return handOver(obs, heir);
  const m = reachable(obs, now);
  if ('plan' in m) return m.plan;
  // A pending Create is decided only on an observation: an index of another definition is not ours.
  if (obs.resource.status?.ownership === undefined && !createdByUs(obs)) return release();
  return dropSteps(obs, m.next, now);
}

function deletionShortcut(obs: Observation, now: Date): Plan | undefined {
  const r = obs.resource;
  const annotations = r.metadata.annotations ?? {};
  const owned = r.status?.ownership !== undefined || createdByUs(obs);
  if (annotations[ANNOTATION_SKIP_DROP] === 'true') {
    if (!owned) return release();
    return release({ events: [warn('Orphaned', `Deletion finished without dropping index "${obs.indexName}" (annotation ${ANNOTATION_SKIP_DROP}); the index stays in Milvus.`)], metrics: ['Orphaned'] });
  }
  if ((r.spec.deletionPolicy ?? 'Delete') === 'Retain') return release();
  if (annotations[ANNOTATION_PAUSED] === 'true') {
    const message = `Paused: deletion is blocked while the ${ANNOTATION_PAUSED} annotation is set. Remove the annotation to drop the index, or annotate ${ANNOTATION_SKIP_DROP}="true" to finish without dropping it.`;
    return plan({ status: nextStatus(obs, { summary: stalled('DeletionBlocked', message) }, now), events: [warn('DeletionBlocked', message)] });
  }
  // With our Create pending and Milvus not observed, whether the index is ours is not known yet: never release then.
  const undecided = r.status?.ownership === undefined && afterOurCreate(r.status?.pendingOperation) && obs.milvus.kind !== 'Observed';
  return owned || undecided ? undefined : release();
}

/**
 * A create of ours may have reached Milvus before its ownership was recorded (that happens with the build's first
 * report): with our Create pending and an index of our definition on our field, the index is ours, as claimIndex
 * rules for a live resource; it is dropped, never orphaned.
 */
function createdByUs(obs: Observation): boolean {
  const m = obs.milvus;
  if (!afterOurCreate(obs.resource.status?.pendingOperation) || m.kind !== 'Observed') return false;
  const idx = m.index?.fieldName === obs.resource.spec.fieldName ? m.index : undefined;
  return idx !== undefined && definitionDiff(definitionOf(obs.resource.spec), idx).length === 0;
}

/**
 * Another resource claims the same index. It is never dropped under a claimant. The heir takes it
 * over only if its definition matches the index (it adopts it); otherwise the heir will report a
 * Conflict and the index is left unowned: a Warning (Orphaned) says so here, naming the heir and the
 * difference, so the orphan is not silent.
 */
function handOver(obs: Observation, heir: PeerClaim): Plan {
  const idx = obs.milvus.kind === 'Observed' && obs.milvus.index?.fieldName === obs.resource.spec.fieldName ? obs.milvus.index : undefined;
  const diff = idx ? definitionDiff(heir.definition, idx) : definitionDiffOfSpecs(obs, heir);
  if (diff.length === 0) {
    return release({ events: [{ type: 'Normal', reason: 'OwnershipHandedOver', message: `Index "${obs.indexName}" is kept: MilvusIndex ${heir.key} manages it now.` }] });
  }
  const message = `Index "${obs.indexName}" is kept but left unowned: the next claimant, MilvusIndex ${heir.key}, has a different definition (${formatDiff(diff)}) and will not adopt it. Make its spec match, or drop the index in Milvus.`;
  return release({ events: [warn('Orphaned', message)], metrics: ['Orphaned'] });
}

/** Without an observed index, the deleting resource's own spec stands for it. */
function definitionDiffOfSpecs(obs: Observation, heir: PeerClaim) {
  const spec = obs.resource.spec;
  const params = Object.fromEntries(Object.entries(spec.params ?? {}).map(([k, v]) => [k, String(v)]));
  return definitionDiff(heir.definition, { indexType: spec.indexType, metricType: spec.metricType ?? '', params });
}

function reachable(obs: Observation, now: Date): { plan: Plan } | { next: Observed } {
  if (obs.connection.kind === 'NotReady') {
    const message = `Cannot drop index "${obs.indexName}": ${obs.connection.message} ${ESCAPE}`;
    return { plan: plan({ status: nextStatus(obs, { summary: waiting(obs.connection.reason, message) }, now), events: [warn(obs.connection.reason, message)], requeue: { kind: 'CappedBackoff' } }) };
  }
  const m = obs.milvus;
  switch (m.kind) {
    case 'NotObserved':
      return { plan: plan({ status: undefined, requeue: SOON }) };
    case 'Unavailable': {
      const message = `Cannot drop index "${obs.indexName}": Milvus at ${obs.connection.uri} cannot be reached: ${m.message}. Retrying with backoff. ${ESCAPE}`;
      return { plan: plan({ status: nextStatus(obs, { summary: waiting('MilvusUnavailable', message) }, now), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } }) };
    }
    case 'DatabaseNotFound':
    case 'CollectionNotFound':
      return { plan: release() };
    case 'Observed':
      return { next: m };
  }
}

/** (release) → drop → (reload a scalar-only change) → remove the finalizer; the pendingOperation first. */
function dropSteps(obs: Observation, m: Observed, now: Date): Plan {
  const spec = obs.resource.spec;
  // An index with our name on another field is not ours to drop.
  const idx = m.index?.fieldName === spec.fieldName ? m.index : undefined;
  const pending = obs.resource.status?.pendingOperation;
  const loaded = isLoaded(m);
  if (!idx) {
    const reload = pending?.operation === 'Delete' && pending.reloadCollection && !loaded;
    return reload ? release({ actions: [{ type: 'LoadCollection' }], events: [loadedEvent(spec.collectionName, `dropping index "${obs.indexName}"`)] }) : release();
  }
  if (loaded && spec.allowCollectionRelease !== true) {
    const message = `Cannot drop index "${idx.indexName}": collection "${spec.collectionName}" is loaded. Set spec.allowCollectionRelease: true, release the collection yourself, or set deletionPolicy: Retain. ${ESCAPE}`;
    return plan({ status: nextStatus(obs, { summary: stalled('DeletionBlocked', message), index: indexStatus(idx) }, now), events: [warn('DeletionBlocked', message)], requeue: { kind: 'CappedBackoff' } });
  }
  const drop: Action = { type: 'DropIndex', fieldName: idx.fieldName, indexName: idx.indexName };
  const dropped: EventSpec = { type: 'Normal', reason: 'IndexDropped', message: `Dropped index "${idx.indexName}" from ${spec.collectionName}.${spec.fieldName}.` };
  if (!loaded) {
    const reload: Action[] = pending?.operation === 'Delete' && pending.reloadCollection ? [{ type: 'LoadCollection' }] : [];
    return release({ actions: [drop, ...reload], events: [dropped] });
  }
  const field = m.fields.find((f) => f.name === spec.fieldName);
  // A collection without its vector index cannot be loaded again; one that lost a scalar index can.
  const scalar = field !== undefined && !isVectorFamily(fieldFamily(field.dataType));
  const op: PendingOperation = pending?.operation === 'Delete' ? pending : { operation: 'Delete', reloadCollection: scalar, startedAt: rfc3339(now) };
  // The Delete replaces a pending Create: the ownership that Create implied is recorded with it.
  const ownership = obs.resource.status?.ownership ?? (createdByUs(obs) ? 'Created' : undefined);
  const intent = nextStatus(obs, { summary: progressing('Deleting', `Releasing collection "${spec.collectionName}" to drop index "${idx.indexName}".`), index: indexStatus(idx), pendingOperation: op, ...(ownership ? { ownership } : {}) }, now);
  return plan({
    actions: [{ type: 'ReleaseCollection' }, drop, ...(op.reloadCollection ? [{ type: 'LoadCollection' } as const] : []), { type: 'RemoveFinalizer' }],
    intent,
    status: undefined,
    events: [releasedEvent(spec.collectionName, idx.indexName), dropped],
  });
}
