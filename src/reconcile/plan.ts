import type { MilvusIndexStatus } from '../api/milvusindex.js';
import type { RequeueDecision } from '../controller/types.js';
import type { ErrorKind } from '../milvus/errors.js';
import type { CreateIndexRequest } from '../milvus/types.js';

/** One step against Kubernetes or Milvus. Executed in order; the first failure stops the rest. */
export type Action =
  /** `createIntent`: the startedAt of the first create the next step will issue, recorded with the finalizer (decide/create-intent.ts). */
  | { type: 'AddFinalizer'; createIntent?: string }
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
   * The status to write BEFORE the actions (when it differs from the stored one): it records intent
   * (a pendingOperation) that must survive a crash in the middle of the actions. `undefined` = none.
   * Set only with actions.
   */
  intent: MilvusIndexStatus | undefined;
  /**
   * The status to hold after the actions succeed (written when it differs from what is stored,
   * including `intent`). `undefined` = leave status alone (the object is about to disappear, or only
   * metadata changes). When an action fails, decideFailure's plan replaces this one.
   */
  status: MilvusIndexStatus | undefined;
  events: EventSpec[];
  metrics: MetricMark[];
  requeue: RequeueDecision;
  /**
   * The decision depends on the collection's load state, which observe did not read: read it and decide
   * again. Such a plan has no actions, status or events.
   */
  readLoadState?: true;
}

/**
 * A classified failure of one Milvus action. Kubernetes failures (409 conflicts included) never
 * reach decideFailure: the execute stage retries them itself.
 */
export interface ActionFailure {
  action: MilvusAction;
  kind: ErrorKind;
  message: string;
}
