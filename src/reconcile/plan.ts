import type { MilvusIndexStatus } from '../api/milvusindex.js';
import type { RequeueDecision } from '../controller/types.js';
import type { ErrorKind } from '../milvus/errors.js';
import type { CreateIndexRequest } from '../milvus/types.js';

/** One step against Kubernetes or Milvus. Executed in order; the first failure stops the rest. */
export type Action =
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'CreateIndex'; request: CreateIndexRequest }
  /** Only with a name a describe in this very reconcile confirmed. */
  | { type: 'DropIndex'; fieldName: string; indexName: string }
  | { type: 'AlterProperties'; indexName: string; properties: Record<string, string> }
  | { type: 'ReleaseCollection' }
  | { type: 'LoadCollection' };

export type MilvusAction = Exclude<Action, { type: 'AddFinalizer' } | { type: 'RemoveFinalizer' }>;

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Also emit on every other resource of the same collection (a release is collection-wide). */
  collectionWide?: boolean;
}

export type MetricMark = 'DriftRepaired' | 'Orphaned' | 'BecameReady';

/** What one reconcile will do. Produced by decide(); carried out by execute(). */
export interface Plan {
  actions: Action[];
  /**
   * The status to hold after the actions succeed. `undefined` = leave status alone (the object is
   * about to disappear, or only metadata changes).
   */
  status: MilvusIndexStatus | undefined;
  /**
   * Write `status` BEFORE the actions: it records intent (ownership Created, a pendingOperation)
   * that must survive a crash in the middle of the actions.
   */
  writeStatusFirst: boolean;
  events: EventSpec[];
  metrics: MetricMark[];
  requeue: RequeueDecision;
}

/** A classified failure of one action. */
export interface ActionFailure {
  action: Action;
  kind: ErrorKind | 'Conflict';
  message: string;
}
