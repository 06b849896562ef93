import { rfc3339 } from '../../api/time.js';
import type { PendingOperation } from '../../api/milvusindex.js';
import { canonicalParams, stableJson } from '../../milvus/canonical.js';
import { propertiesDiff } from '../compare.js';
import type { Action, Plan } from '../plan.js';
import type { Claim } from './claim.js';
import { stillHolds, type IndexContext } from './context.js';
import { refusedMessage, unsupportedMessage } from './messages.js';
import { indexStatus, loadedEvent, OBSERVE_NOW, plan, progressing, releasedEvent, stalled, warn } from './status.js';

/** What the properties step hands on to the build step. */
export interface PropertiesOutcome {
  /** Appended to the Ready message (properties accepted but not echoed by describeIndex). */
  note: string;
}

/**
 * Mutable properties. At most one AlterProperties per (generation, properties) accepted by the
 * server, remembered as status.appliedProperties: some servers never echo properties in
 * describeIndex, and re-sending on every observation would loop (and keep a collection released).
 * A server without AlterIndex (status.unsupported) or a refusal (status.refusal) is not retried
 * for this generation.
 */
export function decideProperties(c: IndexContext, claim: Claim): { plan: Plan } | { next: PropertiesOutcome } {
  const props = propertiesDiff(c.spec, claim.idx);
  const keys = Object.keys(props);
  if (keys.length === 0) return { next: { note: '' } };
  if (alreadyApplied(c)) return { next: { note: `Milvus does not report ${keys.join(', ')} back; the server accepted the change for this generation.` } };
  const what = `alter properties of index "${claim.idx.indexName}" of ${c.spec.collectionName}`;
  const unsupported = c.prev.unsupported;
  if (unsupported?.what === 'AlterIndexProperties' && stillHolds(unsupported, c)) return { plan: notRetried(c, claim, 'Unsupported', unsupportedMessage(what, unsupported.message)) };
  const refusal = c.prev.refusal;
  if (refusal?.action === 'AlterProperties' && stillHolds(refusal, c)) return { plan: notRetried(c, claim, 'InvalidSpec', refusedMessage(what, refusal.message)) };
  if (c.loaded && !c.mayRelease) {
    const message = `Collection "${c.spec.collectionName}" is loaded; changing index properties (${keys.join(', ')}) needs a release. Set spec.allowCollectionRelease: true, or release the collection yourself.`;
    return { plan: plan({ status: c.status({ summary: stalled('CollectionLoaded', message), index: indexStatus(claim.idx), ownership: claim.ownership }), events: [...claim.events, warn('CollectionLoaded', message)], requeue: { kind: 'CappedBackoff' } }) };
  }
  return { plan: alter(c, claim, props) };
}

function alreadyApplied(c: IndexContext): boolean {
  const applied = c.prev.appliedProperties;
  return applied !== undefined && applied.generation === c.generation && canonicalProperties(applied.properties) === canonicalProperties(c.spec.properties ?? {});
}

function canonicalProperties(p: Record<string, string>): string {
  return stableJson(canonicalParams(p));
}

/** Stalled for this generation; a collection released for the attempt is loaded again. */
function notRetried(c: IndexContext, claim: Claim, reason: 'Unsupported' | 'InvalidSpec', message: string): Plan {
  const reload = claim.pending?.reloadCollection === true && !c.loaded;
  return plan({
    actions: reload ? [{ type: 'LoadCollection' }] : [],
    status: c.status({ summary: stalled(reason, message), index: indexStatus(claim.idx), ownership: claim.ownership, pendingOperation: null }),
    events: reload ? [...claim.events, loadedEvent(c.spec.collectionName, 'the index change')] : claim.events,
  });
}

/** pendingOperation first (a released collection must be reloaded after a crash); the accepted change after. */
function alter(c: IndexContext, claim: Claim, props: Record<string, string>): Plan {
  const { idx, ownership, pending } = claim;
  const op: PendingOperation = pending?.operation === 'AlterProperties' ? pending : { operation: 'AlterProperties', reloadCollection: c.loaded, startedAt: rfc3339(c.now) };
  const actions: Action[] = [];
  if (c.loaded) actions.push({ type: 'ReleaseCollection' });
  actions.push({ type: 'AlterProperties', indexName: idx.indexName, properties: props });
  const summary = progressing('Building', `Applying index properties ${Object.keys(props).join(', ')}.`);
  const index = indexStatus(idx);
  const intent = c.status({ summary, index, ownership, pendingOperation: op, unsupported: null, refusal: null });
  const appliedProperties = { generation: c.generation, properties: { ...(c.spec.properties ?? {}) } };
  // Without a reload to do, the change is complete once the server accepts it.
  const status = c.status({ summary, index, ownership, pendingOperation: op.reloadCollection ? op : null, unsupported: null, refusal: null, appliedProperties });
  return plan({
    actions,
    intent,
    status,
    events: [...claim.events, ...(c.loaded ? [releasedEvent(c.spec.collectionName, idx.indexName)] : [])],
    requeue: OBSERVE_NOW,
  });
}
