import {
  ANNOTATION_RECONCILE_REQUESTED_AT,
  type MilvusIndexSpec, type MilvusIndexStatus, type PendingOperation,
} from '../../api/milvusindex.js';
import type { ObservedIndex } from '../../milvus/types.js';
import type { Observation } from '../observation.js';
import type { Plan } from '../plan.js';
import { nextStatus, type StatusParts } from './status.js';

export type Observed = Extract<Observation['milvus'], { kind: 'Observed' }>;

/** What every step of a live (not deleting) resource with a readable collection reads. */
export interface IndexContext {
  obs: Observation;
  m: Observed;
  spec: MilvusIndexSpec;
  prev: MilvusIndexStatus;
  generation: number;
  now: Date;
  /** The reconcile-requested-at annotation: a new value retries a remembered refusal once. */
  requestedAt: string | undefined;
  /** Read only by the rules that depend on it (decide() reads the load state only then). */
  readonly loaded: boolean;
  mayRelease: boolean;
  /** The resource created or adopted the index before this reconcile. */
  owned: boolean;
  pending: PendingOperation | undefined;
  status(parts: StatusParts): MilvusIndexStatus;
}

/** A step either decides the plan or hands on what it learnt. */
export type Step<T> = { plan: Plan } | { next: T };

export function indexContext(obs: Observation, m: Observed, now: Date): IndexContext {
  const r = obs.resource;
  const prev = r.status ?? {};
  return {
    obs,
    m,
    spec: r.spec,
    prev,
    generation: r.metadata.generation,
    now,
    requestedAt: requestedAtOf(obs),
    get loaded() { return isLoaded(m); },
    mayRelease: r.spec.allowCollectionRelease === true,
    owned: prev.ownership === 'Created' || prev.ownership === 'Adopted',
    pending: prev.pendingOperation,
    status: (parts) => nextStatus(obs, parts, now),
  };
}

export function requestedAtOf(obs: Observation): string | undefined {
  return obs.resource.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED_AT];
}

export function isLoaded(m: Observed): boolean {
  return m.loadState === 'Loaded' || m.loadState === 'Loading';
}

/** A remembered record still holds: same generation and the annotation was not changed since. */
export function stillHolds(record: { generation: number; requestedAt?: string } | undefined, c: Pick<IndexContext, 'generation' | 'requestedAt'>): boolean {
  return record !== undefined && record.generation === c.generation && record.requestedAt === c.requestedAt;
}

/** The create (or recreate) this resource issued is what Milvus now shows. */
export function afterOurCreate(pending: PendingOperation | undefined): boolean {
  return pending?.operation === 'Create' || pending?.operation === 'Recreate';
}

export type { ObservedIndex };
