import { describe, expect, it } from 'vitest';
import { needsReconcile, type TriggerMetadata, type TriggerSubject } from '../../src/controller/triggers.js';

const FINALIZER = 'index.milvus.io/finalizer';
const OURS = ['index.milvus.io/reconcile-requested-at', 'index.milvus.io/adopt'] as const;

/** A reconciled object: generation 3, our finalizer, one foreign finalizer and annotation, a status. */
function obj(overrides: Partial<TriggerMetadata> = {}, status: object = { observedGeneration: 3 }): TriggerSubject & { status: object } {
  return {
    metadata: {
      uid: 'u-1',
      generation: 3,
      finalizers: ['other.io/finalizer', FINALIZER],
      annotations: { 'index.milvus.io/adopt': 'true', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      ...overrides,
    },
    status,
  };
}

interface Row {
  name: string;
  reason: string;
  given: { old: TriggerSubject; new: TriggerSubject };
  want: boolean;
}

const rows: Row[] = [
  {
    name: 'identical objects',
    reason: 'a relist or resync delivering the same state is not a change',
    given: { old: obj(), new: obj() },
    want: false,
  },
  {
    name: 'status-only change',
    reason: 'our own status writes must not re-trigger a reconcile',
    given: { old: obj(), new: obj({}, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] }) },
    want: false,
  },
  {
    name: 'generation bumped',
    reason: 'a spec write',
    given: { old: obj(), new: obj({ generation: 4 }) },
    want: true,
  },
  {
    name: 'deletionTimestamp appeared',
    reason: 'the object is being deleted; cleanup must run',
    given: { old: obj(), new: obj({ deletionTimestamp: '2026-11-01T10:00:00Z' }) },
    want: true,
  },
  {
    name: 'deletionTimestamp changed',
    reason: 'a different deletion',
    given: { old: obj({ deletionTimestamp: '2026-11-01T10:00:00Z' }), new: obj({ deletionTimestamp: '2026-11-01T10:05:00Z' }) },
    want: true,
  },
  {
    name: 'same deletionTimestamp as Date and as string',
    reason: 'typed models and raw JSON spell the same instant differently',
    given: { old: obj({ deletionTimestamp: new Date('2026-11-01T10:00:00Z') }), new: obj({ deletionTimestamp: '2026-11-01T10:00:00Z' }) },
    want: false,
  },
  {
    name: 'our finalizer added',
    reason: 'the write we make before creating anything must lead to the next step',
    given: { old: obj({ finalizers: ['other.io/finalizer'] }), new: obj() },
    want: true,
  },
  {
    name: 'our finalizer removed',
    reason: 'someone removed it; it must be re-added',
    given: { old: obj(), new: obj({ finalizers: undefined }) },
    want: true,
  },
  {
    name: 'foreign finalizer changed',
    reason: 'other controllers’ finalizers are not our business',
    given: { old: obj(), new: obj({ finalizers: [FINALIZER] }) },
    want: false,
  },
  {
    name: 'our annotation added',
    reason: 'a force-reconcile request',
    given: { old: obj(), new: obj({ annotations: { 'index.milvus.io/adopt': 'true', 'index.milvus.io/reconcile-requested-at': 'now' } }) },
    want: true,
  },
  {
    name: 'our annotation changed',
    reason: 'annotations drive behaviour without a generation bump',
    given: { old: obj(), new: obj({ annotations: { 'index.milvus.io/adopt': 'false' } }) },
    want: true,
  },
  {
    name: 'our annotation removed with all annotations',
    reason: 'a missing map equals missing keys',
    given: { old: obj(), new: obj({ annotations: undefined }) },
    want: true,
  },
  {
    name: 'foreign annotation changed',
    reason: 'kubectl and other tools annotate freely',
    given: { old: obj(), new: obj({ annotations: { 'index.milvus.io/adopt': 'true', 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}' } }) },
    want: false,
  },
  {
    name: 'labels and resourceVersion changed',
    reason: 'other metadata does not affect the index',
    given: { old: obj(), new: { metadata: { ...obj().metadata, labels: { team: 'a' }, resourceVersion: '99' } as TriggerMetadata } },
    want: false,
  },
  {
    name: 'uid changed, same generation',
    reason: 'deleted and recreated while the watch was down; the relist shows it as an update',
    given: { old: obj(), new: obj({ uid: 'u-2' }) },
    want: true,
  },
  {
    name: 'objects without metadata',
    reason: 'malformed objects must not throw',
    given: { old: {}, new: {} },
    want: false,
  },
];

describe('needsReconcile', () => {
  it.each(rows)('$name → $want ($reason)', ({ given, want }) => {
    expect(needsReconcile(given.old, given.new, OURS, FINALIZER)).toBe(want);
  });

  it('finalizerAddedInPass: the addition of our finalizer wakes nothing (the pass that added it went on), its removal still does', () => {
    const opts = { finalizerAddedInPass: true };
    expect(needsReconcile(obj({ finalizers: ['other.io/finalizer'] }), obj(), OURS, FINALIZER, opts)).toBe(false);
    expect(needsReconcile(obj(), obj({ finalizers: undefined }), OURS, FINALIZER, opts)).toBe(true);
    expect(needsReconcile(obj({ finalizers: undefined }), obj({ generation: 4, finalizers: [FINALIZER] }), OURS, FINALIZER, opts), 'a spec change in the same update still wakes').toBe(true);
  });
});
