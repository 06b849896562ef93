import { isJsonPathSpec, jsonPathOf } from '../../api/json-path.js';
import { rfc3339 } from '../../api/time.js';
import type { PendingOperation, Refusal } from '../../api/milvusindex.js';
import type { CreateIndexRequest, ObservedIndex } from '../../milvus/types.js';
import { definitionDiff } from '../compare.js';
import type { EventSpec, Plan } from '../plan.js';
import { jsonPathUnsupportedMessage, refusedMessage } from './messages.js';
import { afterOurCreate, stillHolds, type IndexContext } from './context.js';
import { statusWritten } from './create-intent.js';
import { indexStatus, OBSERVE_NOW, plan, progressing, stalled, warn } from './status.js';

/**
 * No index with our name: explain another index on the field, keep a refusal of this generation,
 * or create the index (recording the intent as pendingOperation Create first; ownership follows
 * only when the index is observed).
 */
export function decideAbsent(c: IndexContext): Plan {
  const other = c.m.otherIndexesOnField[0];
  if (other) return otherIndexOnField(c, other);
  const moved = jsonPathMoved(c);
  if (moved) return moved;
  const unsupported = c.prev.unsupported;
  if (unsupported?.what === 'JsonPathIndex' && stillHolds(unsupported, c)) {
    const message = jsonPathUnsupportedMessage(`create index "${c.obs.indexName}" on ${c.spec.collectionName}.${c.spec.fieldName}`, unsupported.message);
    return plan({ status: c.status({ summary: stalled('Unsupported', message) }) });
  }
  const refusal = c.prev.refusal;
  if (refusal?.action === 'CreateIndex' && stillHolds(refusal, c)) {
    const previous = c.pending?.operation === 'Recreate' ? c.pending.previous : undefined;
    return previous ? restorePrevious(c, previous, refusal) : keepRefusal(c, refusal);
  }
  return createIndex(c);
}

function otherIndexOnField(c: IndexContext, other: ObservedIndex): Plan {
  const ours = c.prev.unsupported?.what === 'IndexName' || afterOurCreate(c.pending) || c.owned;
  const sameName = c.prev.index?.name === undefined || c.prev.index.name === other.indexName;
  if (ours && sameName && definitionDiff(c.spec, other).length === 0) {
    // Level-triggered and sticky: the next observation says Unsupported again, never Conflict.
    const message = `Milvus stored the index as "${other.indexName}" instead of "${c.obs.indexName}": this server ignores index_name. Set spec.indexName to "${other.indexName}" (or omit it) in a new resource.`;
    const unsupported = { generation: c.generation, what: 'IndexName' as const, message };
    const created = c.pending?.operation === 'Create' ? { pendingOperation: null } : {};
    return plan({ status: c.status({ summary: stalled('Unsupported', message), index: indexStatus(other), unsupported, ...created }), events: [warn('Unsupported', message)] });
  }
  const path = jsonPathOf(c.spec);
  const message = path === undefined
    ? `Field "${c.spec.fieldName}" already has index "${other.indexName}" and Milvus allows one index per field. Set spec.indexName to "${other.indexName}" to adopt it, or drop it in Milvus.`
    : `JSON path ${path} of field "${c.spec.fieldName}" already has index "${other.indexName}" and Milvus allows one index per path. Set spec.indexName to "${other.indexName}" to adopt it, or drop it in Milvus.`;
  return plan({ status: c.status({ summary: stalled('Conflict', message), ownership: null }), events: [warn('Conflict', message)], requeue: { kind: 'CappedBackoff' } });
}

/**
 * A JSON path index named after its path (no spec.indexName) whose json_path was edited: the path is
 * its identity, so the edit would leave the index this resource owns behind and create another.
 * Refused until reverted (level-triggered: reverting finds the owned index again).
 */
function jsonPathMoved(c: IndexContext): Plan | undefined {
  const was = c.prev.index?.name;
  if (!c.owned || c.spec.indexName !== undefined || !isJsonPathSpec(c.spec) || was === undefined || was === c.obs.indexName) return undefined;
  const message = `params.json_path is the identity of this JSON path index: this resource owns index "${was}", and the edited path would be index "${c.obs.indexName}". Revert params.json_path, or create another MilvusIndex for the new path (deleting this one drops "${was}"). Nothing was changed in Milvus.`;
  return plan({ status: c.status({ summary: stalled('InvalidSpec', message) }), events: [warn('InvalidSpec', message)] });
}

/** Milvus refused this generation's create: not sent again until the spec or the annotation changes. */
function keepRefusal(c: IndexContext, refusal: Refusal): Plan {
  const message = refusedMessage(`create index "${c.obs.indexName}" on ${c.spec.collectionName}.${c.spec.fieldName}`, refusal.message);
  return plan({ status: c.status({ summary: stalled('InvalidSpec', message) }) });
}

/**
 * A Recreate dropped the old index and Milvus refused the new definition: create the index again with the
 * definition that was dropped (pendingOperation.previous), and say so. No further drop for this generation
 * (recreate.ts keeps the restored index).
 */
function restorePrevious(c: IndexContext, previous: NonNullable<PendingOperation['previous']>, refusal: Refusal): Plan {
  const message = `${refusedMessage(`create index "${c.obs.indexName}" with the new definition`, refusal.message)} Restoring the index with its previous definition (${previous.indexType}).`;
  const request: CreateIndexRequest = { ...createRequest(c), indexType: previous.indexType, params: previous.params ?? {} };
  if (previous.metricType !== undefined) request.metricType = previous.metricType;
  else delete request.metricType;
  const status = c.status({ summary: stalled('InvalidSpec', message), index: undefined });
  return plan({
    actions: [{ type: 'CreateIndex', request }],
    intent: status,
    status,
    events: [warn('IndexRestored', message)],
    requeue: OBSERVE_NOW,
  });
}

export function createRequest(c: IndexContext): CreateIndexRequest {
  const { spec } = c;
  return {
    database: c.obs.database, collection: spec.collectionName, fieldName: spec.fieldName, indexName: c.obs.indexName,
    indexType: spec.indexType, ...(spec.metricType !== undefined ? { metricType: spec.metricType } : {}), params: spec.params ?? {},
  };
}

function createIndex(c: IndexContext): Plan {
  const { spec } = c;
  const drift = c.owned && c.prev.index?.id !== undefined && c.pending === undefined;
  const event: EventSpec = drift
    ? { type: 'Normal', reason: 'DriftRepaired', message: `Index "${c.obs.indexName}" was missing from Milvus (dropped out of band); creating it again.` }
    : { type: 'Normal', reason: 'IndexCreated', message: `Created index "${c.obs.indexName}" (${spec.indexType}) on ${spec.collectionName}.${spec.fieldName}.` };
  const status = c.status({
    summary: progressing('Building', `Creating index "${c.obs.indexName}" on ${spec.collectionName}.${spec.fieldName}.`),
    index: undefined,
    pendingOperation: c.pending ?? { operation: 'Create', reloadCollection: false, startedAt: rfc3339(c.now) },
    refusal: null,
  });
  // A first create whose intent the finalizer write recorded (create-intent.ts) writes no status of its own: the
  // observation right after it reports the index, built or building, in one write.
  const recorded = c.pending?.operation === 'Create' && !statusWritten(c.prev);
  return plan({
    actions: [{ type: 'CreateIndex', request: createRequest(c) }],
    intent: recorded ? undefined : status,
    status: recorded ? undefined : status,
    events: [event],
    metrics: drift ? ['DriftRepaired'] : [],
    requeue: OBSERVE_NOW,
  });
}
