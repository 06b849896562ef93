/** `namespace/name` (or `name` for cluster-scoped objects). Queues hold keys, never events. */
export type ObjectKey = string;

/** What a reconcile asks the runner to do with its key next. */
export type RequeueDecision =
  /** Done; the key comes back on the next watch event or resync. */
  | { kind: 'None' }
  /**
   * Retry with per-key exponential backoff (Transient errors). `error` says the reconcile failed
   * (counted as result="error" and in reconcile_errors_total, as a returned error in controller-runtime).
   */
  | { kind: 'Backoff'; error?: string }
  /** Retry with exponential backoff capped at the long cap (DependencyMissing: never give up). */
  | { kind: 'CappedBackoff'; error?: string }
  /** Come back after a fixed delay (polling build progress); resets the key's backoff. */
  | { kind: 'After'; ms: number };

/** Reconciles one key. Must be idempotent; may throw (treated as Backoff). */
export type ReconcileFn = (key: ObjectKey) => Promise<RequeueDecision>;

/** Read-only view of an informer's cache. */
export interface ObjectStore<T> {
  get(key: ObjectKey): T | undefined;
  list(): T[];
  /** True once the initial list has been loaded. */
  hasSynced(): boolean;
}
