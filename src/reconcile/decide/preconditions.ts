import { formatProblems, validateAgainstField, validateSpec } from '../../api/validation.js';
import { serverlessRefuses } from '../serverless.js';
import type { Observation } from '../observation.js';
import type { Plan } from '../plan.js';
import type { Observed, Step } from './context.js';
import { indexStatus, nextStatus, plan, SOON, stalled, waiting, warn } from './status.js';

/**
 * Everything that must hold before the index itself is looked at: a valid spec, a usable
 * connection, a reachable Milvus, the collection and the field, and a spec that fits the field.
 * Nothing here is remembered: each is observed again on every reconcile, so fixing the world
 * (a new collection, a fixed connection) clears it without a spec change.
 */
export function checkPreconditions(obs: Observation, now: Date): Step<Observed> {
  const specPlan = checkSpec(obs, now);
  if (specPlan) return { plan: specPlan };
  if (obs.connection.kind === 'NotReady') {
    const { reason, message } = obs.connection;
    return { plan: plan({ status: nextStatus(obs, { summary: waiting(reason, message) }, now), events: [warn(reason, message)], requeue: { kind: 'CappedBackoff' } }) };
  }
  const serverless = checkServerless(obs, obs.connection.uri, now);
  if (serverless) return { plan: serverless };
  const reach = checkReachable(obs, obs.connection.uri, now);
  if ('plan' in reach) return reach;
  const fieldPlan = checkField(obs, reach.next, now);
  return fieldPlan ? { plan: fieldPlan } : reach;
}

function checkSpec(obs: Observation, now: Date): Plan | undefined {
  const problems = validateSpec(obs.resource.spec);
  if (problems.length === 0) return undefined;
  const message = `The spec is invalid: ${formatProblems(problems)}. Fix the spec; nothing was changed in Milvus.`;
  return plan({ status: nextStatus(obs, { summary: stalled('InvalidSpec', message) }, now), events: [warn('InvalidSpec', message)] });
}

/** A Zilliz Cloud serverless cluster builds AUTOINDEX only: say so before anything is sent. */
function checkServerless(obs: Observation, uri: string, now: Date): Plan | undefined {
  const spec = obs.resource.spec;
  if (!serverlessRefuses(spec, uri)) return undefined;
  const message = `${uri} is a Zilliz Cloud serverless cluster, which builds AUTOINDEX only; indexType ${spec.indexType} would be refused. Set spec.indexType: AUTOINDEX (keep metricType for a vector field, remove build params) in a new resource, or use a dedicated cluster. Nothing was sent to Milvus.`;
  return plan({ status: nextStatus(obs, { summary: stalled('Unsupported', message) }, now), events: [warn('Unsupported', message)] });
}

function checkReachable(obs: Observation, uri: string, now: Date): Step<Observed> {
  const m = obs.milvus;
  const spec = obs.resource.spec;
  switch (m.kind) {
    case 'NotObserved':
      return { plan: plan({ status: undefined, requeue: SOON }) };
    case 'Unavailable': {
      const message = `Milvus at ${uri} cannot be reached: ${m.message}. Retrying with backoff.`;
      return { plan: plan({ status: nextStatus(obs, { summary: waiting('MilvusUnavailable', message) }, now), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } }) };
    }
    case 'DatabaseNotFound':
    case 'CollectionNotFound': {
      const what = m.kind === 'DatabaseNotFound' ? `database "${obs.database}"` : `collection "${spec.collectionName}" in database "${obs.database}"`;
      const message = `The ${what} does not exist yet; the index will be created when it appears.`;
      return { plan: plan({ status: nextStatus(obs, { summary: waiting('CollectionNotFound', message), index: undefined, ownership: null }, now), requeue: { kind: 'CappedBackoff' } }) };
    }
    case 'Observed':
      return { next: m };
  }
}

function checkField(obs: Observation, m: Observed, now: Date): Plan | undefined {
  const spec = obs.resource.spec;
  const field = m.fields.find((f) => f.name === spec.fieldName);
  if (!field) {
    const message = `Collection "${spec.collectionName}" has no field "${spec.fieldName}" (fields: ${m.fields.map((f) => f.name).join(', ')}); the index will be created when the field exists.`;
    return plan({ status: nextStatus(obs, { summary: waiting('FieldNotFound', message), index: undefined }, now), requeue: { kind: 'CappedBackoff' } });
  }
  const problems = validateAgainstField(spec, field);
  if (problems.length === 0) return undefined;
  // Observed, not remembered: a collection recreated with a fitting field clears it on the next
  // reconcile (the resync re-observes a Stalled resource).
  const message = `The spec does not fit the collection: ${formatProblems(problems)}. Fix the spec or the collection; nothing was changed in Milvus.`;
  return plan({ status: nextStatus(obs, { summary: stalled('InvalidSpec', message), index: m.index && indexStatus(m.index) }, now), events: [warn('InvalidSpec', message)] });
}
