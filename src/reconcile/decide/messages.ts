import { ANNOTATION_RECONCILE_REQUESTED_AT } from '../../api/milvusindex.js';
import type { Observation } from '../observation.js';
import type { MilvusAction } from '../plan.js';

const RETRY = `change the ${ANNOTATION_RECONCILE_REQUESTED_AT} annotation to retry once`;

/** Ready message for a request Milvus refused as invalid (status.refusal). */
export function refusedMessage(what: string, serverMessage: string): string {
  return `Milvus refused to ${what}: ${serverMessage}. Fix the spec (or ${RETRY}).`;
}

/** Ready message for a capability the server lacks (status.unsupported). */
export function unsupportedMessage(what: string, serverMessage: string): string {
  return `The Milvus server cannot ${what}: ${serverMessage}. Not retried for this generation: change the spec, upgrade the server and ${RETRY}.`;
}

export function describeAction(a: MilvusAction, obs: Observation): string {
  const c = obs.resource.spec.collectionName;
  switch (a.type) {
    case 'CreateIndex': return `create index "${a.request.indexName}" on ${c}.${a.request.fieldName}`;
    case 'DropIndex': return `drop index "${a.indexName}" of ${c}`;
    case 'AlterProperties': return `alter properties of index "${a.indexName}" of ${c}`;
    case 'ReleaseCollection': return `release collection "${c}"`;
    case 'LoadCollection': return `load collection "${c}"`;
  }
}

/** Ready message for a server without JSON path indexes (status.unsupported JsonPathIndex). */
export function jsonPathUnsupportedMessage(what: string, serverMessage: string): string {
  return `This Milvus version cannot index JSON paths, so it cannot ${what} (the server answered: ${serverMessage}). JSON path indexes need Milvus 2.5 or newer (or Zilliz Cloud); Milvus Lite and Milvus 2.3/2.4 have none. Upgrade the server, or delete this resource; not retried for this generation (${RETRY}).`;
}
