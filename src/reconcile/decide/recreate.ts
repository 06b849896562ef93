import { rfc3339 } from '../../api/time.js';
import type { PendingOperation } from '../../api/milvusindex.js';
import { formatDiff } from '../compare.js';
import type { Action, Plan } from '../plan.js';
import type { Claim } from './claim.js';
import type { IndexContext } from './context.js';
import { indexStatus, loadedEvent, OBSERVE_NOW, plan, progressing, releasedEvent, stalled, warn } from './status.js';
import { canonicalMetricType } from '../../milvus/canonical.js';
import { stillHolds } from './context.js';
import { refusedMessage } from './messages.js';

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
  const refusal = c.prev.refusal;
  if (refusal?.action === 'CreateIndex' && stillHolds(refusal, c)) return keepRestored(c, claim, refusal.message);
  if ((spec.updatePolicy ?? 'Reject') === 'Reject' && pending?.operation !== 'Recreate') {
    const message = `The index definition changed (${formatDiff(diff)}) but updatePolicy is Reject. Revert the change, or set updatePolicy: Recreate to drop and rebuild the index.`;
    return plan({ status: c.status({ summary: stalled('ImmutableChange', message), index, ownership }), events: [...events, warn('ImmutableChange', message)] });
  }
  if (c.loaded && !c.mayRelease) {
    const message = `Collection "${spec.collectionName}" is loaded; recreating the index (${formatDiff(diff)}) needs a release. Set spec.allowCollectionRelease: true, or release the collection yourself.`;
    return plan({ status: c.status({ summary: stalled('CollectionLoaded', message), index, ownership }), events: [...events, warn('CollectionLoaded', message)], requeue: { kind: 'CappedBackoff' } });
  }
  const previous = { indexType: idx.indexType, ...(canonicalMetricType(idx.metricType) ? { metricType: idx.metricType } : {}), params: idx.params };
  const op: PendingOperation = pending?.operation === 'Recreate' ? pending : { operation: 'Recreate', reloadCollection: c.loaded, startedAt: rfc3339(c.now), previous };
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

/**
 * Milvus refused this generation's new definition and the previous one was restored (create.ts):
 * no further drop for this generation; once the restored index is built, a collection released for
 * the attempt is loaded again.
 */
function keepRestored(c: IndexContext, claim: Claim, refused: string): Plan {
  const { idx, ownership, pending } = claim;
  const message = `${refusedMessage(`create index "${idx.indexName}" with the new definition`, refused)} The index was restored with its previous definition.`;
  const built = idx.state === 'Finished';
  const reload = built && pending?.operation === 'Recreate' && pending.reloadCollection && !c.loaded;
  return plan({
    actions: reload ? [{ type: 'LoadCollection' }] : [],
    status: c.status({ summary: stalled('InvalidSpec', message), index: indexStatus(idx), ownership, ...(built ? { pendingOperation: null } : {}) }),
    events: reload ? [loadedEvent(c.spec.collectionName, `restoring index "${idx.indexName}"`)] : [],
  });
}
