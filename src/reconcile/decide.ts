import {
  ANNOTATION_PAUSED, ANNOTATION_SKIP_DROP, FINALIZER,
  type IndexStatus, type MilvusIndex, type MilvusIndexStatus, type PendingOperation,
} from '../api/milvusindex.js';
import { fieldFamily, isVectorFamily } from '../api/index-catalog.js';
import { formatProblems, validateAgainstField, validateSpec } from '../api/validation.js';
import type { RequeueDecision } from '../controller/types.js';
import type { ObservedIndex } from '../milvus/types.js';
import { applySummary, getCondition, type Summary } from './conditions.js';
import { definitionDiff, formatDiff, propertiesDiff } from './compare.js';
import type { Observation, PeerClaim } from './observation.js';
import type { Action, ActionFailure, EventSpec, MetricMark, Plan } from './plan.js';

/** How often a build in progress is polled. Progress writes happen only when the numbers change. */
export const BUILD_POLL_MS = 5_000;

const NONE: RequeueDecision = { kind: 'None' };
const POLL: RequeueDecision = { kind: 'After', ms: BUILD_POLL_MS };
const SOON: RequeueDecision = { kind: 'After', ms: 200 };
/** Right after a Milvus write: observe its effect at once (Milvus Lite builds inline; real Milvus then polls). */
const OBSERVE_NOW: RequeueDecision = { kind: 'After', ms: 0 };

type Observed = Extract<Observation['milvus'], { kind: 'Observed' }>;

interface StatusParts {
  summary: Summary;
  index?: ObservedIndex | undefined;
  /** `null` clears it. */
  ownership?: MilvusIndexStatus['ownership'] | null;
  pendingOperation?: PendingOperation | null;
}

/**
 * The whole behaviour table of design §2 as one pure function: observation in, plan out.
 * Never performs I/O; `now` comes in as an argument. The same observation always gives the same plan.
 */
export function decide(obs: Observation, now: Date): Plan {
  const r = obs.resource;
  const deleting = r.metadata.deletionTimestamp !== undefined;
  const hasFinalizer = (r.metadata.finalizers ?? []).includes(FINALIZER);

  if (!deleting && !hasFinalizer) return plan({ actions: [{ type: 'AddFinalizer' }], status: undefined });
  if (deleting && !hasFinalizer) return plan({ status: undefined });
  if (deleting) return decideDeletion(obs, now);
  return decideLive(obs, now);
}

function decideLive(obs: Observation, now: Date): Plan {
  const r = obs.resource;
  const spec = r.spec;
  const paused = r.metadata.annotations?.[ANNOTATION_PAUSED] === 'true';
  const status = (parts: StatusParts) => nextStatus(obs, parts, now);
  const pausedPlan = (p: Plan): Plan => (paused ? pause(obs, p, now) : p);

  const problems = validateSpec(spec);
  if (problems.length > 0) {
    const message = `The spec is invalid: ${formatProblems(problems)}. Fix the spec; nothing was changed in Milvus.`;
    return pausedPlan(plan({
      status: status({ summary: stalled('InvalidSpec', message) }),
      events: [warn('InvalidSpec', message)],
    }));
  }

  if (obs.connection.kind === 'NotReady') {
    return pausedPlan(plan({
      status: status({ summary: waiting(obs.connection.reason, obs.connection.message) }),
      events: [warn(obs.connection.reason, obs.connection.message)],
      requeue: { kind: 'CappedBackoff' },
    }));
  }

  const m = obs.milvus;
  switch (m.kind) {
    case 'NotObserved':
      return plan({ status: undefined, requeue: SOON });
    case 'Unavailable': {
      const message = `Milvus at ${obs.connection.uri} cannot be reached: ${m.message}. Retrying with backoff.`;
      return pausedPlan(plan({ status: status({ summary: waiting('MilvusUnavailable', message) }), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } }));
    }
    case 'DatabaseNotFound':
    case 'CollectionNotFound': {
      const what = m.kind === 'DatabaseNotFound' ? `database "${obs.database}"` : `collection "${spec.collectionName}" in database "${obs.database}"`;
      const message = `The ${what} does not exist yet; the index will be created when it appears.`;
      return pausedPlan(plan({ status: status({ summary: waiting('CollectionNotFound', message), index: undefined, ownership: null }), requeue: { kind: 'CappedBackoff' } }));
    }
    case 'Observed':
      break;
  }

  const field = m.fields.find((f) => f.name === spec.fieldName);
  if (!field) {
    const message = `Collection "${spec.collectionName}" has no field "${spec.fieldName}" (fields: ${m.fields.map((f) => f.name).join(', ')}); the index will be created when the field exists.`;
    return pausedPlan(plan({ status: status({ summary: waiting('FieldNotFound', message), index: undefined }), requeue: { kind: 'CappedBackoff' } }));
  }
  const fieldProblems = validateAgainstField(spec, field);
  if (fieldProblems.length > 0) {
    const message = `The spec does not fit the collection: ${formatProblems(fieldProblems)}. Fix the spec; nothing was changed in Milvus.`;
    return pausedPlan(plan({ status: status({ summary: stalled('InvalidSpec', message), index: m.index }), events: [warn('InvalidSpec', message)] }));
  }

  const owner = ownerOf(obs);
  if (owner !== undefined) {
    const message = `Index "${obs.indexName}" of collection "${spec.collectionName}" is already managed by MilvusIndex ${owner.key} (the oldest resource wins). Delete this resource or point it at another index.`;
    return pausedPlan(plan({ status: status({ summary: stalled('Conflict', message), ownership: null }), events: [warn('Conflict', message)], requeue: { kind: 'CappedBackoff' } }));
  }

  return pausedPlan(decideIndex(obs, m, now));
}

/** The oldest non-deleting claimant other than this resource, if it is older than us. */
function ownerOf(obs: Observation): PeerClaim | undefined {
  const me: PeerClaim = { key: `${obs.resource.metadata.namespace}/${obs.resource.metadata.name}`, uid: obs.resource.metadata.uid, creationTimestamp: obs.resource.metadata.creationTimestamp, deleting: false };
  const contenders = [me, ...obs.peers.filter((p) => !p.deleting && p.uid !== me.uid)];
  contenders.sort((a, b) => (a.creationTimestamp === b.creationTimestamp ? a.key.localeCompare(b.key) : a.creationTimestamp.localeCompare(b.creationTimestamp)));
  const winner = contenders[0]!;
  return winner.uid === me.uid ? undefined : winner;
}

function decideIndex(obs: Observation, m: Observed, now: Date): Plan {
  const r = obs.resource;
  const spec = r.spec;
  const prev = r.status ?? {};
  const status = (parts: StatusParts) => nextStatus(obs, parts, now);
  const loaded = m.loadState === 'Loaded' || m.loadState === 'Loading';
  const mayRelease = spec.allowCollectionRelease === true;
  const idx = m.index;
  const owned = prev.ownership === 'Created' || prev.ownership === 'Adopted';
  const pending = prev.pendingOperation;

  if (!idx) {
    const other = m.otherIndexesOnField[0];
    if (other) {
      // Sticky: once reported, the same observation keeps saying Unsupported (not Conflict).
      if (owned && (prev.index?.name === undefined || prev.index.name === other.indexName) && definitionDiff(spec, other).length === 0) {
        const message = `Milvus stored the index as "${other.indexName}" instead of "${obs.indexName}": this server ignores index_name. Set spec.indexName to "${other.indexName}" (or omit it) in a new resource.`;
        return plan({ status: status({ summary: stalled('Unsupported', message), index: other }), events: [warn('Unsupported', message)] });
      }
      const message = `Field "${spec.fieldName}" already has index "${other.indexName}" and Milvus allows one index per field. Set spec.indexName to "${other.indexName}" to adopt it, or drop it in Milvus.`;
      return plan({ status: status({ summary: stalled('Conflict', message), ownership: null }), events: [warn('Conflict', message)], requeue: { kind: 'CappedBackoff' } });
    }
    // The server refused this very generation's create (static checks passed, so the refusal came from
    // Milvus): do not send it again on every resync; a new generation (a fixed spec) retries.
    const refused = getCondition(prev.conditions, 'Ready');
    // (A refused create clears ownership; an owned index that vanished is drift and is re-created.)
    if (refused?.reason === 'InvalidSpec' && refused.observedGeneration === r.metadata.generation && refused.status === 'False' && !owned) {
      return plan({ status: status({ summary: stalled(refused.reason, refused.message) }) });
    }
    const request = {
      database: obs.database, collection: spec.collectionName, fieldName: spec.fieldName, indexName: obs.indexName,
      indexType: spec.indexType, ...(spec.metricType !== undefined ? { metricType: spec.metricType } : {}), params: spec.params ?? {},
    };
    const drift = owned && prev.index?.id !== undefined && pending === undefined;
    const events: EventSpec[] = [drift
      ? { type: 'Normal', reason: 'DriftRepaired', message: `Index "${obs.indexName}" was missing from Milvus (dropped out of band); creating it again.` }
      : { type: 'Normal', reason: 'IndexCreated', message: `Creating index "${obs.indexName}" (${spec.indexType}) on ${spec.collectionName}.${spec.fieldName}.` }];
    return plan({
      actions: [{ type: 'CreateIndex', request }],
      status: status({
        summary: progressing('Building', `Creating index "${obs.indexName}" on ${spec.collectionName}.${spec.fieldName}.`),
        index: undefined,
        ownership: 'Created',
        pendingOperation: pending ?? null,
      }),
      writeStatusFirst: true,
      events,
      metrics: drift ? ['DriftRepaired'] : [],
      requeue: OBSERVE_NOW,
    });
  }

  if (idx.fieldName !== spec.fieldName) {
    const message = `The index name "${idx.indexName}" is already used by field "${idx.fieldName}" of collection "${spec.collectionName}". Set spec.indexName to a free name (index names are unique per collection).`;
    return plan({ status: status({ summary: stalled('Conflict', message), ownership: null }), events: [warn('Conflict', message)], requeue: { kind: 'CappedBackoff' } });
  }

  const diff = definitionDiff(spec, idx);
  let ownership = prev.ownership;
  const events: EventSpec[] = [];

  if (!owned) {
    if (diff.length > 0) {
      const message = `An index "${idx.indexName}" already exists on ${spec.collectionName}.${spec.fieldName} with a different definition (${formatDiff(diff)}). The operator never drops an index it did not create or adopt: change the spec to match, or drop the index in Milvus.`;
      return plan({ status: status({ summary: stalled('Conflict', message), index: idx, ownership: null }), events: [warn('Conflict', message)] });
    }
    if ((spec.adoptionPolicy ?? 'IfMatching') === 'Never') {
      const message = `An index "${idx.indexName}" already exists on ${spec.collectionName}.${spec.fieldName} and adoptionPolicy is Never. Set adoptionPolicy: IfMatching to take it over, or drop it in Milvus.`;
      return plan({ status: status({ summary: stalled('Conflict', message), index: idx, ownership: null }), events: [warn('Conflict', message)] });
    }
    ownership = 'Adopted';
    events.push({ type: 'Normal', reason: 'IndexAdopted', message: `Adopted existing index "${idx.indexName}": its definition matches the spec.` });
  }

  if (diff.length > 0) {
    if ((spec.updatePolicy ?? 'Reject') === 'Reject' && pending?.operation !== 'Recreate') {
      const message = `The index definition changed (${formatDiff(diff)}) but updatePolicy is Reject. Revert the change, or set updatePolicy: Recreate to drop and rebuild the index.`;
      return plan({ status: status({ summary: stalled('ImmutableChange', message), index: idx, ownership }), events: [...events, warn('ImmutableChange', message)] });
    }
    if (loaded && !mayRelease) {
      const message = `Collection "${spec.collectionName}" is loaded; recreating the index (${formatDiff(diff)}) needs a release. Set spec.allowCollectionRelease: true, or release the collection yourself.`;
      return plan({ status: status({ summary: stalled('CollectionLoaded', message), index: idx, ownership }), events: [...events, warn('CollectionLoaded', message)], requeue: { kind: 'CappedBackoff' } });
    }
    const op: PendingOperation = pending?.operation === 'Recreate' ? pending : { operation: 'Recreate', reloadCollection: loaded, startedAt: iso(now) };
    const actions: Action[] = [];
    if (loaded) actions.push({ type: 'ReleaseCollection' });
    actions.push({ type: 'DropIndex', fieldName: idx.fieldName, indexName: idx.indexName });
    return plan({
      actions,
      status: status({ summary: progressing('Building', `Recreating index "${idx.indexName}": ${formatDiff(diff)}.`), index: idx, ownership: 'Created', pendingOperation: op }),
      writeStatusFirst: true,
      events: [...events, ...(loaded ? [releasedEvent(spec.collectionName, idx.indexName)] : []), { type: 'Normal', reason: 'IndexDropped', message: `Dropped index "${idx.indexName}" to recreate it with the new definition.` }],
      requeue: OBSERVE_NOW,
    });
  }

  const props = propertiesDiff(spec, idx);
  if (Object.keys(props).length > 0) {
    const ready = getCondition(prev.conditions, 'Ready');
    if (ready?.reason === 'Unsupported' && ready.observedGeneration === r.metadata.generation) {
      // Not retried for this generation; but a collection released for the attempt is loaded again.
      const reload = pending?.reloadCollection === true && !loaded;
      return plan({
        actions: reload ? [{ type: 'LoadCollection' }] : [],
        status: status({ summary: stalled('Unsupported', ready.message), index: idx, ownership, pendingOperation: null }),
        events: reload ? [...events, { type: 'Normal', reason: 'CollectionLoaded', message: `Loading collection "${spec.collectionName}" again after the index change.`, collectionWide: true }] : events,
      });
    }
    if (loaded && !mayRelease) {
      const message = `Collection "${spec.collectionName}" is loaded; changing index properties (${Object.keys(props).join(', ')}) needs a release. Set spec.allowCollectionRelease: true, or release the collection yourself.`;
      return plan({ status: status({ summary: stalled('CollectionLoaded', message), index: idx, ownership }), events: [...events, warn('CollectionLoaded', message)], requeue: { kind: 'CappedBackoff' } });
    }
    const op: PendingOperation = pending?.operation === 'AlterProperties' ? pending : { operation: 'AlterProperties', reloadCollection: loaded, startedAt: iso(now) };
    const actions: Action[] = [];
    if (loaded) actions.push({ type: 'ReleaseCollection' });
    actions.push({ type: 'AlterProperties', indexName: idx.indexName, properties: props });
    return plan({
      actions,
      status: status({ summary: progressing('Building', `Applying index properties ${Object.keys(props).join(', ')}.`), index: idx, ownership, pendingOperation: op }),
      writeStatusFirst: true,
      events: [...events, ...(loaded ? [releasedEvent(spec.collectionName, idx.indexName)] : [])],
      requeue: OBSERVE_NOW,
    });
  }

  if (idx.state === 'Failed') {
    const message = `Milvus failed to build index "${idx.indexName}": ${idx.failReason || 'no reason given'}. Fix the cause (or the params) and change the spec, or drop the index in Milvus to retry.`;
    return plan({ status: status({ summary: stalled('BuildFailed', message), index: idx, ownership }), events: [...events, warn('BuildFailed', message)] });
  }

  const wasReady = getCondition(prev.conditions, 'Ready')?.status === 'True';
  const built = idx.state === 'Finished' && (idx.pendingIndexRows === 0 || wasReady);
  if (!built) {
    return plan({
      status: status({ summary: progressing('Building', `Index "${idx.indexName}" is building: ${idx.indexedRows}/${idx.totalRows} rows indexed (${idx.pendingIndexRows} pending), state ${idx.state}.`), index: idx, ownership, pendingOperation: pending ?? null }),
      events,
      requeue: POLL,
    });
  }

  if (pending?.reloadCollection && !loaded) {
    return plan({
      actions: [{ type: 'LoadCollection' }],
      status: status({ summary: ready(idx), index: idx, ownership, pendingOperation: null }),
      events: [...events, { type: 'Normal', reason: 'CollectionLoaded', message: `Loading collection "${spec.collectionName}" again after the index change.`, collectionWide: true }, ...(wasReady ? [] : [builtEvent(idx)])],
      metrics: wasReady ? [] : ['BecameReady'],
    });
  }
  return plan({
    status: status({ summary: ready(idx), index: idx, ownership, pendingOperation: null }),
    events: wasReady ? events : [...events, builtEvent(idx)],
    metrics: wasReady ? [] : ['BecameReady'],
  });
}

function decideDeletion(obs: Observation, now: Date): Plan {
  const r = obs.resource;
  const spec = r.spec;
  const prev = r.status ?? {};
  const status = (parts: StatusParts) => nextStatus(obs, parts, now);
  const annotations = r.metadata.annotations ?? {};
  const release: Plan = plan({ actions: [{ type: 'RemoveFinalizer' }], status: undefined });

  if (annotations[ANNOTATION_SKIP_DROP] === 'true') {
    const owned = prev.ownership !== undefined;
    return plan({
      actions: [{ type: 'RemoveFinalizer' }],
      status: undefined,
      events: owned ? [warn('Orphaned', `Deletion finished without dropping index "${obs.indexName}" (annotation ${ANNOTATION_SKIP_DROP}); the index stays in Milvus.`)] : [],
      metrics: owned ? ['Orphaned'] : [],
    });
  }
  if ((spec.deletionPolicy ?? 'Delete') === 'Retain') return release;
  if (annotations[ANNOTATION_PAUSED] === 'true') {
    const message = `Paused: deletion is blocked while the ${ANNOTATION_PAUSED} annotation is set. Remove the annotation to drop the index, or annotate ${ANNOTATION_SKIP_DROP}="true" to finish without dropping it.`;
    return plan({ status: status({ summary: stalled('DeletionBlocked', message) }), events: [warn('DeletionBlocked', message)] });
  }
  if (prev.ownership === undefined) return release;
  const heir = obs.peers.filter((p) => !p.deleting && p.uid !== r.metadata.uid).sort((a, b) => a.creationTimestamp.localeCompare(b.creationTimestamp) || a.key.localeCompare(b.key))[0];
  if (heir) {
    return plan({ actions: [{ type: 'RemoveFinalizer' }], status: undefined, events: [{ type: 'Normal', reason: 'OwnershipHandedOver', message: `Index "${obs.indexName}" is kept: MilvusIndex ${heir.key} manages it now.` }] });
  }
  const escape = `To finish the deletion without dropping the index, annotate ${ANNOTATION_SKIP_DROP}="true".`;
  if (obs.connection.kind === 'NotReady') {
    const message = `Cannot drop index "${obs.indexName}": ${obs.connection.message} ${escape}`;
    return plan({ status: status({ summary: waiting(obs.connection.reason, message) }), events: [warn(obs.connection.reason, message)], requeue: { kind: 'CappedBackoff' } });
  }
  const m = obs.milvus;
  switch (m.kind) {
    case 'NotObserved':
      return plan({ status: undefined, requeue: SOON });
    case 'Unavailable': {
      const message = `Cannot drop index "${obs.indexName}": Milvus at ${obs.connection.uri} cannot be reached: ${m.message}. Retrying with backoff. ${escape}`;
      return plan({ status: status({ summary: waiting('MilvusUnavailable', message) }), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } });
    }
    case 'DatabaseNotFound':
    case 'CollectionNotFound':
      return release;
    case 'Observed':
      break;
  }
  // An index with our name on another field is not ours to drop.
  const idx = m.index?.fieldName === spec.fieldName ? m.index : undefined;
  const pending = prev.pendingOperation;
  const field = m.fields.find((f) => f.name === spec.fieldName);
  const scalar = field !== undefined && !isVectorFamily(fieldFamily(field.dataType));
  const loaded = m.loadState === 'Loaded' || m.loadState === 'Loading';
  if (!idx) {
    if (pending?.operation === 'Delete' && pending.reloadCollection && !loaded) {
      return plan({ actions: [{ type: 'LoadCollection' }, { type: 'RemoveFinalizer' }], status: undefined, events: [{ type: 'Normal', reason: 'CollectionLoaded', message: `Loading collection "${spec.collectionName}" again after dropping index "${obs.indexName}".`, collectionWide: true }] });
    }
    return release;
  }
  if (loaded && spec.allowCollectionRelease !== true) {
    const message = `Cannot drop index "${idx.indexName}": collection "${spec.collectionName}" is loaded. Set spec.allowCollectionRelease: true, release the collection yourself, or set deletionPolicy: Retain. ${escape}`;
    return plan({ status: status({ summary: stalled('DeletionBlocked', message), index: idx }), events: [warn('DeletionBlocked', message)], requeue: { kind: 'CappedBackoff' } });
  }
  const dropped: EventSpec = { type: 'Normal', reason: 'IndexDropped', message: `Dropped index "${idx.indexName}" from ${spec.collectionName}.${spec.fieldName}.` };
  if (loaded) {
    const op: PendingOperation = pending?.operation === 'Delete' ? pending : { operation: 'Delete', reloadCollection: scalar, startedAt: iso(now) };
    const actions: Action[] = [{ type: 'ReleaseCollection' }, { type: 'DropIndex', fieldName: idx.fieldName, indexName: idx.indexName }];
    if (op.reloadCollection) actions.push({ type: 'LoadCollection' });
    actions.push({ type: 'RemoveFinalizer' });
    return plan({
      actions,
      status: status({ summary: progressing('Deleting', `Releasing collection "${spec.collectionName}" to drop index "${idx.indexName}".`), index: idx, pendingOperation: op }),
      writeStatusFirst: true,
      events: [releasedEvent(spec.collectionName, idx.indexName), dropped],
    });
  }
  const actions: Action[] = [{ type: 'DropIndex', fieldName: idx.fieldName, indexName: idx.indexName }];
  if (pending?.operation === 'Delete' && pending.reloadCollection) actions.push({ type: 'LoadCollection' });
  actions.push({ type: 'RemoveFinalizer' });
  return plan({ actions, status: undefined, events: [dropped] });
}

/**
 * The status and requeue after an action failed. Pure. A Kubernetes write conflict (409) is a
 * quiet immediate retry; Unsupported stalls; InvalidSpec stalls until the spec changes.
 */
export function decideFailure(obs: Observation, failure: ActionFailure, now: Date): Plan {
  const status = (parts: StatusParts) => nextStatus(obs, parts, now);
  const what = describeAction(failure.action, obs);
  const idx = obs.milvus.kind === 'Observed' ? obs.milvus.index : undefined;
  switch (failure.kind) {
    case 'Conflict':
      return plan({ status: undefined, requeue: SOON });
    case 'Unsupported': {
      const message = `The Milvus server cannot ${what}: ${failure.message}. Nothing will be retried until the spec or the server changes.`;
      // pendingOperation stays: a collection released for this attempt must still be reloaded.
      const reloadPending = obs.resource.status?.pendingOperation?.reloadCollection === true;
      return plan({ status: status({ summary: stalled('Unsupported', message), index: idx }), events: [warn('Unsupported', message)], requeue: reloadPending ? SOON : NONE });
    }
    case 'InvalidSpec': {
      const message = `Milvus refused to ${what}: ${failure.message}. Fix the spec.`;
      return plan({ status: status({ summary: stalled('InvalidSpec', message), index: idx, ...(failure.action.type === 'CreateIndex' ? { ownership: null } : {}) }), events: [warn('InvalidSpec', message)] });
    }
    case 'DependencyMissing': {
      const message = `Cannot ${what}: ${failure.message}. Retrying.`;
      return plan({ status: status({ summary: waiting('CollectionNotFound', message) }), requeue: { kind: 'CappedBackoff' } });
    }
    case 'Transient': {
      const message = `Cannot ${what}: ${failure.message}. Retrying with backoff.`;
      return plan({ status: status({ summary: waiting('MilvusUnavailable', message) }), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } });
    }
  }
}

function describeAction(a: Action, obs: Observation): string {
  const c = obs.resource.spec.collectionName;
  switch (a.type) {
    case 'CreateIndex': return `create index "${a.request.indexName}" on ${c}.${a.request.fieldName}`;
    case 'DropIndex': return `drop index "${a.indexName}" of ${c}`;
    case 'AlterProperties': return `alter properties of index "${a.indexName}" of ${c}`;
    case 'ReleaseCollection': return `release collection "${c}"`;
    case 'LoadCollection': return `load collection "${c}"`;
    case 'AddFinalizer': return 'add the finalizer';
    case 'RemoveFinalizer': return 'remove the finalizer';
  }
}

/** Paused: no Milvus writes; Ready keeps status and reason, its message says Paused. */
function pause(obs: Observation, p: Plan, now: Date): Plan {
  const prev = obs.resource.status ?? {};
  const prevReady = getCondition(prev.conditions, 'Ready');
  const base = p.status ?? prev;
  const message = `Paused: the ${ANNOTATION_PAUSED} annotation is set; observing only, nothing is changed in Milvus. ${prevReady ? stripPaused(prevReady.message) : ''}`.trim();
  const summary: Summary = {
    ready: prevReady?.status ?? 'Unknown',
    reason: (prevReady?.reason ?? 'Pending') as Summary['reason'],
    message,
    reconciling: false,
    stalled: false,
  };
  const status: MilvusIndexStatus = {
    ...base,
    ownership: prev.ownership,
    pendingOperation: prev.pendingOperation,
    observedGeneration: obs.resource.metadata.generation,
    conditions: applySummary(prev.conditions ?? [], summary, obs.resource.metadata.generation, now),
  };
  return plan({ status: clean(status), requeue: NONE });
}

function stripPaused(message: string): string {
  return message.startsWith('Paused:') ? (message.split('. ').slice(1).join('. ').replace(/^observing only, nothing is changed in Milvus\. ?/, '')) : message;
}

function nextStatus(obs: Observation, parts: StatusParts, now: Date): MilvusIndexStatus {
  const prev = obs.resource.status ?? {};
  const gen = obs.resource.metadata.generation;
  const out: MilvusIndexStatus = {
    ...prev,
    observedGeneration: gen,
    conditions: applySummary(prev.conditions ?? [], parts.summary, gen, now),
    database: obs.database,
  };
  if ('index' in parts) out.index = parts.index ? indexStatus(parts.index) : undefined;
  if (parts.ownership === null) delete out.ownership;
  else if (parts.ownership !== undefined) out.ownership = parts.ownership;
  if (parts.pendingOperation === null) delete out.pendingOperation;
  else if (parts.pendingOperation !== undefined) out.pendingOperation = parts.pendingOperation;
  return clean(out);
}

function clean(s: MilvusIndexStatus): MilvusIndexStatus {
  const out = { ...s } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as MilvusIndexStatus;
}

export function indexStatus(idx: ObservedIndex): IndexStatus {
  const progress = idx.totalRows === 0 ? (idx.state === 'Finished' ? '100%' : '0%') : `${Math.floor((idx.indexedRows / idx.totalRows) * 100)}%`;
  return {
    name: idx.indexName,
    id: idx.indexId,
    state: idx.state,
    indexedRows: idx.indexedRows,
    totalRows: idx.totalRows,
    pendingIndexRows: idx.pendingIndexRows,
    progress,
    ...(idx.failReason ? { failReason: idx.failReason } : {}),
  };
}

function plan(p: Partial<Plan> & Pick<Plan, 'status'>): Plan {
  return { actions: p.actions ?? [], status: p.status, writeStatusFirst: p.writeStatusFirst ?? false, events: p.events ?? [], metrics: p.metrics ?? ([] as MetricMark[]), requeue: p.requeue ?? NONE };
}

function ready(idx: ObservedIndex): Summary {
  return { ready: 'True', reason: 'IndexBuilt', message: `Index "${idx.indexName}" is built: ${idx.indexedRows}/${idx.totalRows} rows indexed.`, reconciling: false, stalled: false };
}
function progressing(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: true, stalled: false };
}
function waiting(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: true, stalled: false };
}
function stalled(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: false, stalled: true };
}
function warn(reason: string, message: string): EventSpec {
  return { type: 'Warning', reason, message };
}
function builtEvent(idx: ObservedIndex): EventSpec {
  return { type: 'Normal', reason: 'IndexBuilt', message: `Index "${idx.indexName}" is built (${idx.indexedRows} rows).` };
}
function releasedEvent(collection: string, indexName: string): EventSpec {
  return { type: 'Normal', reason: 'CollectionReleased', message: `Released collection "${collection}" to change index "${indexName}"; it is not searchable until it is loaded again.`, collectionWide: true };
}
function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type { MilvusIndex };
