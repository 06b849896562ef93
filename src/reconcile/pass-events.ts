import type { MilvusIndex } from '../api/milvusindex.js';
import type { EventSpec } from './plan.js';

/** An Event a step of one pass announced, and the object it is about (as that step left it). */
export interface PassEvent {
  target: MilvusIndex;
  spec: EventSpec;
}

/**
 * The Events of one pass, as they are sent: an index created and seen built in the same pass (Milvus Lite, and any
 * build over no flushed rows) is one IndexCreated Event saying both, where it would be two (one Kubernetes write per
 * resource less in a burst). Anything else is sent as announced, in order.
 */
export function passEvents(announced: readonly PassEvent[]): PassEvent[] {
  const created = announced.findIndex((e) => e.spec.reason === 'IndexCreated');
  const built = announced.findIndex((e, i) => i > created && e.spec.reason === 'IndexBuilt');
  if (created < 0 || built < 0) return [...announced];
  const both: PassEvent = { target: announced[built]!.target, spec: { ...announced[created]!.spec, message: `${announced[created]!.spec.message} ${announced[built]!.spec.message}` } };
  return announced.flatMap((e, i) => (i === created ? [] : i === built ? [both] : [e]));
}
