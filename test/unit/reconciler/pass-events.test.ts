// The Events of one pass as they are sent (src/reconcile/pass-events.ts).
import { describe, expect, it } from 'vitest';
import type { EventSpec } from '../../../src/reconcile/plan.js';
import { passEvents, type PassEvent } from '../../../src/reconcile/pass-events.js';
import { aMilvusIndex } from '../fakes.js';

const early = aMilvusIndex().build();
const late = { ...early, metadata: { ...early.metadata, resourceVersion: '99' } };
const created: EventSpec = { type: 'Normal', reason: 'IndexCreated', message: 'Created index "embedding" (HNSW) on docs.embedding.' };
const built: EventSpec = { type: 'Normal', reason: 'IndexBuilt', message: 'Index "embedding" is built (20 rows).' };
const adopted: EventSpec = { type: 'Normal', reason: 'IndexAdopted', message: 'Adopted existing index "embedding".' };
const released: EventSpec = { type: 'Normal', reason: 'CollectionReleased', message: 'Released collection "docs".', collectionWide: true };
const loaded: EventSpec = { type: 'Normal', reason: 'CollectionLoaded', message: 'Loading collection "docs" again.', collectionWide: true };
const drift: EventSpec = { type: 'Normal', reason: 'DriftRepaired', message: 'Index "embedding" was missing from Milvus.' };

const summary = (events: PassEvent[]) => events.map((e) => `${e.spec.reason}: ${e.spec.message} @${e.target.metadata.resourceVersion}`);

describe('passEvents', () => {
  it.each<[string, PassEvent[], string[]]>([
    ['created and built in one pass: one IndexCreated saying both, about the object as the last step left it',
      [{ target: early, spec: created }, { target: late, spec: built }],
      [`IndexCreated: ${created.message} ${built.message} @99`]],
    ['created only (the build goes on): as announced', [{ target: early, spec: created }], [`IndexCreated: ${created.message} @${early.metadata.resourceVersion}`]],
    ['built only (a later pass): as announced', [{ target: late, spec: built }], [`IndexBuilt: ${built.message} @99`]],
    ['built before a create (a recreate after Ready is not a pair): as announced',
      [{ target: early, spec: built }, { target: late, spec: created }],
      [`IndexBuilt: ${built.message} @${early.metadata.resourceVersion}`, `IndexCreated: ${created.message} @99`]],
    ['a recreate with a release: the pair merges, the collection Events stay in order around it',
      [{ target: early, spec: released }, { target: early, spec: created }, { target: late, spec: loaded }, { target: late, spec: built }],
      [`CollectionReleased: ${released.message} @${early.metadata.resourceVersion}`, `CollectionLoaded: ${loaded.message} @99`, `IndexCreated: ${created.message} ${built.message} @99`]],
    ['an adoption and a drift repair are never merged', [{ target: early, spec: adopted }, { target: late, spec: built }, { target: late, spec: drift }],
      [`IndexAdopted: ${adopted.message} @${early.metadata.resourceVersion}`, `IndexBuilt: ${built.message} @99`, `DriftRepaired: ${drift.message} @99`]],
  ])('%s', (_name, announced, want) => {
    const before = structuredClone(announced);
    expect(summary(passEvents(announced))).toEqual(want);
    expect(announced, 'the input is not changed').toEqual(before);
  });

  it('keeps the collection-wide flag of what it does not merge', () => {
    expect(passEvents([{ target: early, spec: released }]).map((e) => e.spec.collectionWide)).toEqual([true]);
  });
});
