import type {
  AppliedProperties, IndexStatus, MilvusIndexStatus, PendingOperation, Refusal, Unsupported,
} from '../../api/milvusindex.js';
import type { RequeueDecision } from '../../controller/types.js';
import type { ObservedIndex } from '../../milvus/types.js';
import { applySummary, type Summary } from '../conditions.js';
import type { Observation } from '../observation.js';
import type { EventSpec, MetricMark, Plan } from '../plan.js';

/** How often a build in progress is polled. Progress is written only when its coarse step changes. */
export const BUILD_POLL_MS = 5_000;

export const NONE: RequeueDecision = { kind: 'None' };
export const POLL: RequeueDecision = { kind: 'After', ms: BUILD_POLL_MS };
export const SOON: RequeueDecision = { kind: 'After', ms: 200 };
/** Right after a Milvus write: observe its effect at once (Milvus Lite builds inline; real Milvus then polls). */
export const OBSERVE_NOW: RequeueDecision = { kind: 'After', ms: 0 };

/**
 * What a step changes in status. For the remembered fields `undefined` keeps the previous value and
 * `null` removes it; `index` given as `undefined` removes status.index.
 */
export interface StatusParts {
  summary: Summary;
  index?: IndexStatus | undefined;
  ownership?: MilvusIndexStatus['ownership'] | null;
  pendingOperation?: PendingOperation | null;
  refusal?: Refusal | null;
  unsupported?: Unsupported | null;
  appliedProperties?: AppliedProperties | null;
}

const REMEMBERED = ['ownership', 'pendingOperation', 'refusal', 'unsupported', 'appliedProperties'] as const;

/**
 * The status after a step: the previous one with `parts` applied, conditions at this generation,
 * and records of an older generation (refusal, unsupported alter, applied properties) dropped: they
 * speak only for the generation they were made for. An IndexName record goes once an index under our
 * own name is reported.
 */
export function nextStatus(obs: Observation, parts: StatusParts, now: Date): MilvusIndexStatus {
  const prev = obs.resource.status ?? {};
  const gen = obs.resource.metadata.generation;
  const out: MilvusIndexStatus = {
    ...prev,
    observedGeneration: gen,
    conditions: applySummary(prev.conditions ?? [], parts.summary, gen, now),
    database: obs.database,
  };
  if ('index' in parts) out.index = parts.index;
  const patch = out as Record<string, unknown>;
  for (const key of REMEMBERED) {
    const value = parts[key];
    if (value === null) delete patch[key];
    else if (value !== undefined) patch[key] = value;
  }
  if (out.refusal && out.refusal.generation !== gen) delete out.refusal;
  if (out.appliedProperties && out.appliedProperties.generation !== gen) delete out.appliedProperties;
  if ((out.unsupported?.what === 'AlterIndexProperties' || out.unsupported?.what === 'JsonPathIndex') && out.unsupported.generation !== gen) delete out.unsupported;
  // The server-ignores-index_name record is stale once an index under our own name is reported.
  if (out.unsupported?.what === 'IndexName' && out.index?.name === obs.indexName) delete out.unsupported;
  return clean(out);
}

export function clean(s: MilvusIndexStatus): MilvusIndexStatus {
  const out = { ...s } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as MilvusIndexStatus;
}

/** status.index for an observed index. */
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

export function plan(p: Partial<Plan> & Pick<Plan, 'status'>): Plan {
  return {
    actions: p.actions ?? [],
    intent: p.intent,
    status: p.status,
    events: p.events ?? [],
    metrics: p.metrics ?? ([] as MetricMark[]),
    requeue: p.requeue ?? NONE,
  };
}

export function ready(idx: IndexStatus, note = ''): Summary {
  const message = `Index "${idx.name}" is built: ${idx.indexedRows}/${idx.totalRows} rows indexed.${note ? ` ${note}` : ''}`;
  return { ready: 'True', reason: 'IndexBuilt', message, reconciling: false, stalled: false };
}
export function progressing(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: true, stalled: false };
}
export function waiting(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: true, stalled: false };
}
export function stalled(reason: Summary['reason'], message: string): Summary {
  return { ready: 'False', reason, message, reconciling: false, stalled: true };
}

export function warn(reason: string, message: string): EventSpec {
  return { type: 'Warning', reason, message };
}
export function builtEvent(idx: ObservedIndex): EventSpec {
  return { type: 'Normal', reason: 'IndexBuilt', message: `Index "${idx.indexName}" is built (${idx.indexedRows} rows).` };
}
export function releasedEvent(collection: string, indexName: string): EventSpec {
  return { type: 'Normal', reason: 'CollectionReleased', message: `Released collection "${collection}" to change index "${indexName}"; it is not searchable until it is loaded again.`, collectionWide: true };
}
export function loadedEvent(collection: string, after: string): EventSpec {
  return { type: 'Normal', reason: 'CollectionLoaded', message: `Loading collection "${collection}" again after ${after}.`, collectionWide: true };
}

/** RFC 3339 with whole seconds, as every timestamp the operator writes. */
