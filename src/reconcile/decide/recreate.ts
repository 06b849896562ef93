import { rfc3339 } from '../../api/time.js';
import type { PendingOperation } from '../../api/milvusindex.js';
import { formatDiff } from '../compare.js';
import type { Action, Plan } from '../plan.js';
import type { Claim } from './claim.js';
import type { IndexContext } from './context.js';
import { indexStatus, OBSERVE_NOW, plan, progressing, releasedEvent, stalled, warn } from './status.js';

/**
 * The owned index's immutable definition differs from the spec. updatePolicy Reject reports it;
 * Recreate records pendingOperation Recreate first, then (releases and) drops; the next reconcile
 * creates the new index (create.ts) and the build step reloads the collection.
 * A recorded Recreate is finished even if updatePolicy went back to Reject.
 */
export function decideRecreate(c: IndexContext, claim: Claim): Plan | undefined {
  const { idx, diff, ownership, pending, events } = claim;
  if (diff.length === 0) return undefined;
  const { spec } = c;
  const index = indexStatus(idx);
  if ((spec.updatePolicy ?? 'Reject') === 'Reject' && pending?.operation !== 'Recreate') {
    const message = `The index definition changed (${formatDiff(diff)}) but updatePolicy is Reject. Revert the change, or set updatePolicy: Recreate to drop and rebuild the index.`;
    return plan({ status: c.status({ summary: stalled('ImmutableChange', message), index, ownership }), events: [...events, warn('ImmutableChange', message)] });
  }
  if (c.loaded && !c.mayRelease) {
    const message = `Collection "${spec.collectionName}" is loaded; recreating the index (${formatDiff(diff)}) needs a release. Set spec.allowCollectionRelease: true, or release the collection yourself.`;
    return plan({ status: c.status({ summary: stalled('CollectionLoaded', message), index, ownership }), events: [...events, warn('CollectionLoaded', message)], requeue: { kind: 'CappedBackoff' } });
  }
  const op: PendingOperation = pending?.operation === 'Recreate' ? pending : { operation: 'Recreate', reloadCollection: c.loaded, startedAt: rfc3339(c.now) };
  const actions: Action[] = [];
  if (c.loaded) actions.push({ type: 'ReleaseCollection' });
  actions.push({ type: 'DropIndex', fieldName: idx.fieldName, indexName: idx.indexName });
  const status = c.status({ summary: progressing('Building', `Recreating index "${idx.indexName}": ${formatDiff(diff)}.`), index, ownership, pendingOperation: op });
  return plan({
    actions,
    intent: status,
    status,
    events: [
      ...events,
      ...(c.loaded ? [releasedEvent(spec.collectionName, idx.indexName)] : []),
      { type: 'Normal', reason: 'IndexDropped', message: `Dropped index "${idx.indexName}" to recreate it with the new definition.` },
    ],
    requeue: OBSERVE_NOW,
  });
}
