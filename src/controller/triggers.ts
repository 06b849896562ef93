/** The metadata fields the trigger predicate reads; structurally satisfied by V1ObjectMeta and ours. */
export interface TriggerMetadata {
  uid?: string;
  generation?: number;
  /** A string from raw custom objects, a Date from client-node's typed models. */
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  annotations?: Record<string, string>;
}

export interface TriggerSubject {
  metadata?: TriggerMetadata;
}

/**
 * Decides whether an informer update of one object should enqueue its key.
 *
 * True when, between `oldObj` and `newObj`:
 * - `metadata.generation` changed (a spec write; the apiserver also bumps it on deletion),
 * - `metadata.deletionTimestamp` appeared or changed,
 * - `finalizer` was removed, or added unless `options.finalizerAddedInPass` (the reconciler goes on in the
 *   same pass after adding it, so the event of its own write would only repeat that pass),
 * - any annotation named in `ourAnnotations` was added, removed or changed,
 * - `metadata.uid` changed (the object was deleted and recreated under the same name while the
 *   watch was down; the new object may well have the same generation).
 *
 * False for anything else, in particular status-only writes (the status subresource never bumps
 * the generation) and foreign labels, annotations or finalizers, so our own status patches do not
 * re-trigger a reconcile. Creates and deletes are not filtered by this predicate at all.
 *
 * Pure: no I/O, does not mutate its arguments.
 */
export function needsReconcile(
  oldObj: TriggerSubject,
  newObj: TriggerSubject,
  ourAnnotations: readonly string[],
  finalizer: string,
  options: { finalizerAddedInPass?: boolean } = {},
): boolean {
  const before = oldObj.metadata ?? {};
  const after = newObj.metadata ?? {};
  if (before.uid !== after.uid) return true;
  if (before.generation !== after.generation) return true;
  if (instantOf(before.deletionTimestamp) !== instantOf(after.deletionTimestamp)) return true;
  const had = hasFinalizer(before, finalizer);
  if (had !== hasFinalizer(after, finalizer)) return had || options.finalizerAddedInPass !== true;
  return ourAnnotations.some((name) => before.annotations?.[name] !== after.annotations?.[name]);
}

function hasFinalizer(metadata: TriggerMetadata, finalizer: string): boolean {
  return metadata.finalizers?.includes(finalizer) ?? false;
}

/**
 * Compares timestamps by instant, so the same time as a Date and as an RFC 3339 string (with or
 * without fractional seconds) counts as unchanged.
 */
function instantOf(timestamp: string | Date | undefined): number | string | undefined {
  if (timestamp === undefined) return undefined;
  const ms = timestamp instanceof Date ? timestamp.getTime() : Date.parse(timestamp);
  return Number.isNaN(ms) ? String(timestamp) : ms;
}
