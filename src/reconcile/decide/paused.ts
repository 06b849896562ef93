import { ANNOTATION_PAUSED, type MilvusIndexStatus } from '../../api/milvusindex.js';
import { applySummary, getCondition, type Summary } from '../conditions.js';
import type { Observation } from '../observation.js';
import type { Plan } from '../plan.js';
import { clean, NONE, plan } from './status.js';

export function isPaused(obs: Observation): boolean {
  return obs.resource.metadata.annotations?.[ANNOTATION_PAUSED] === 'true';
}

/**
 * Paused: observe and report only. No actions; Ready keeps its status and reason and its message
 * starts with "Paused:"; what the resource remembers (ownership, pendingOperation, refusal,
 * unsupported, appliedProperties) is kept as it was; status.index shows what was observed.
 */
export function pause(obs: Observation, p: Plan, now: Date): Plan {
  const prev = obs.resource.status ?? {};
  const prevReady = getCondition(prev.conditions, 'Ready');
  const base = p.status ?? prev;
  const message = `Paused: the ${ANNOTATION_PAUSED} annotation is set; observing only, nothing is changed in Milvus. ${prevReady ? stripPaused(prevReady.message) : ''}`.trim();
  const summary: Summary = {
    ready: prevReady?.status ?? 'Unknown',
    reason: (prevReady?.reason ?? 'Pending') as Summary['reason'],
    message,
    reconciling: false,
    stalled: false,
  };
  const status: MilvusIndexStatus = {
    ...base,
    ownership: prev.ownership,
    pendingOperation: prev.pendingOperation,
    refusal: prev.refusal,
    unsupported: prev.unsupported,
    appliedProperties: prev.appliedProperties,
    observedGeneration: obs.resource.metadata.generation,
    database: obs.database,
    conditions: applySummary(prev.conditions ?? [], summary, obs.resource.metadata.generation, now),
  };
  return plan({ status: clean(status), requeue: NONE });
}

function stripPaused(message: string): string {
  return message.startsWith('Paused:') ? (message.split('. ').slice(1).join('. ').replace(/^observing only, nothing is changed in Milvus\. ?/, '')) : message;
}
