import type { Observation } from '../observation.js';
import type { ActionFailure, Plan } from '../plan.js';
import { requestedAtOf } from './context.js';
import { isJsonPathSpec } from '../../api/json-path.js';
import { describeAction, jsonPathUnsupportedMessage, refusedMessage, unsupportedMessage } from './messages.js';
import { indexStatus, nextStatus, NONE, plan, SOON, stalled, waiting, warn, type StatusParts } from './status.js';

/**
 * The status and requeue after a Milvus action failed (pure). `obs.resource` carries the status as
 * stored when the action ran (the plan's intent included). A refusal (InvalidSpec) of a create or an
 * alter, and an alter the server cannot do (Unsupported), are remembered for this generation in
 * status.refusal / status.unsupported so they are not re-sent on every resync. A failed create
 * leaves ownership as it was and clears its pendingOperation Create.
 */
export function decideFailure(obs: Observation, failure: ActionFailure, now: Date): Plan {
  const what = describeAction(failure.action, obs);
  const idx = obs.milvus.kind === 'Observed' ? obs.milvus.index : undefined;
  const index = { index: idx && indexStatus(idx) };
  const status = (parts: StatusParts) => nextStatus(obs, { ...abandonCreate(obs, failure), ...parts }, now);
  const record = { generation: obs.resource.metadata.generation, ...optional('requestedAt', requestedAtOf(obs)) };
  switch (failure.kind) {
    case 'Unsupported': {
      if (failure.action.type === 'CreateIndex' && isJsonPathSpec(obs.resource.spec)) {
        const message = jsonPathUnsupportedMessage(what, failure.message);
        return plan({ status: status({ summary: stalled('Unsupported', message), ...index, unsupported: { ...record, what: 'JsonPathIndex', message: failure.message } }), events: [warn('Unsupported', message)] });
      }
      const message = unsupportedMessage(what, failure.message);
      const unsupported = failure.action.type === 'AlterProperties' ? { unsupported: { ...record, what: 'AlterIndexProperties' as const, message: failure.message } } : {};
      // pendingOperation stays: a collection released for this attempt must still be reloaded.
      const reloadPending = obs.resource.status?.pendingOperation?.reloadCollection === true;
      return plan({ status: status({ summary: stalled('Unsupported', message), ...index, ...unsupported }), events: [warn('Unsupported', message)], requeue: reloadPending ? SOON : NONE });
    }
    case 'InvalidSpec': {
      const message = refusedMessage(what, failure.message);
      const a = failure.action.type;
      const refusal = a === 'CreateIndex' || a === 'AlterProperties' ? { refusal: { ...record, action: a, message: failure.message } } : {};
      return plan({ status: status({ summary: stalled('InvalidSpec', message), ...index, ...refusal }), events: [warn('InvalidSpec', message)] });
    }
    case 'DependencyMissing': {
      const message = `Cannot ${what}: ${failure.message}. Retrying.`;
      return plan({ status: status({ summary: waiting('CollectionNotFound', message) }), requeue: { kind: 'CappedBackoff' } });
    }
    case 'Transient': {
      const message = `Cannot ${what}: ${failure.message}. Retrying with backoff.`;
      return plan({ status: status({ summary: waiting('MilvusUnavailable', message) }), events: [warn('MilvusUnavailable', message)], requeue: { kind: 'Backoff' } });
    }
  }
}

/** A create that failed is not ours: the index a later observation shows is adopted, not claimed as Created. */
function abandonCreate(obs: Observation, failure: ActionFailure): Partial<StatusParts> {
  const pending = obs.resource.status?.pendingOperation;
  return failure.action.type === 'CreateIndex' && pending?.operation === 'Create' ? { pendingOperation: null } : {};
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
