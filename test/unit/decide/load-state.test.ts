// decide() without the collection's load state (observe does not read it): the plan, unless a rule looks at it.
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/reconcile/decide/index.js';
import type { Observation } from '../../../src/reconcile/observation.js';
import { NOW, anIndex, anObservation } from '../fakes.js';
import { owned } from './table.js';

const unread = (o: Observation): Observation => (o.milvus.kind === 'Observed' ? { ...o, milvus: { ...o.milvus, loadState: undefined } } : o);

describe('decide: the load state is asked for only by the rules that depend on it', () => {
  it('a steady Ready resource and a new index: decided without it, the same plan as with either answer', () => {
    for (const o of [anObservation(owned()).index(anIndex()).build(), anObservation(owned().status(undefined)).build()]) {
      const plan = decide(unread(o), NOW);
      expect(plan.readLoadState).toBeUndefined();
      expect(plan).toEqual(decide({ ...o, milvus: { ...o.milvus, loadState: 'Loaded' } as Observation['milvus'] }, NOW));
      expect(plan).toEqual(decide({ ...o, milvus: { ...o.milvus, loadState: 'NotLoad' } as Observation['milvus'] }, NOW));
    }
  });

  it('dropping an owned index and changing index properties: asks for it, with nothing else in the plan', () => {
    const deleting = anObservation(owned().deleting()).index(anIndex()).build();
    const altered = anObservation(owned().spec({ properties: { 'mmap.enabled': 'true' } }).generation(2)).index(anIndex()).build();
    for (const o of [deleting, altered]) {
      const plan = decide(unread(o), NOW);
      expect(plan).toMatchObject({ readLoadState: true, actions: [], status: undefined, events: [] });
      expect(decide(o, NOW).readLoadState, 'once read, decided').toBeUndefined();
    }
  });
});
