import { FINALIZER, type MilvusIndex } from '../api/milvusindex.js';
import type { CreateIndexRequest, MilvusIndexApi, WriteOptions } from '../milvus/types.js';

type Slot = 'collection' | 'loadState' | 'indexes';
/** The reads of one collection, each with when it was sent, and when the entry last answered anyone. */
interface Entry {
  slots: Partial<Record<Slot, { at: number; value: Promise<unknown> }>>;
  usedAt: number;
}

/**
 * How old a kept read may be for one pass, in ms, per kind of read: `state` for what our writes and
 * others' DDL change (the index list, the load state), `schema` for describeCollection.
 */
export interface ReadFreshness {
  state: number;
  schema: number;
}

/** Reads made this long ago still answer a pass that may act (see `freshnessFor`). */
export const ACTING_STATE_REUSE_MS = 1_000;
export const ACTING_SCHEMA_REUSE_MS = 10_000;
/** An entry nobody read for this long is forgotten (its collection is no longer reconciled). */
const UNUSED_ENTRY_MS = 3_600_000;

/**
 * Batched observation per collection: the reads of one collection (describeCollection, getLoadState,
 * listIndexes) answer every MilvusIndex on it, so a resync of N resources over C collections costs reads per
 * collection, not per resource, and the resources of one collection applied together share their reads.
 * Concurrent identical reads share one request.
 *
 * Contract:
 * - A pass states how old a kept read may be (`freshnessFor`): a steady resource accepts state reads up to
 *   `steadyStateMs` old and any schema; a pass that may act accepts reads of the last second only (the
 *   collection lock serialises our own DDL on a collection, so such a read was made after our last write
 *   there, by the pass before it); a deletion reads the state afresh.
 * - Every write through a view forgets the collection's state reads before it is sent, so an effect of ours
 *   is never hidden. None of our writes changes a schema, so the schema is kept: Milvus schemas only grow
 *   (fields are never dropped or retyped), and a collection dropped behind our back fails the fresh
 *   listIndexes every pass makes at least once per `steadyStateMs`.
 * - A failed read is never kept; a failed read forgets the whole collection (schema included).
 */
export class CollectionReadCache {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(private readonly steadyStateMs: number, private readonly now: () => number = Date.now) {}

  /** `api` with reads shared per collection of `connectionKey`; writes pass through after invalidating. */
  view(connectionKey: string, api: MilvusIndexApi, freshness: ReadFreshness): MilvusIndexApi {
    const key = (db: string, c: string): string => `${connectionKey}\u0000${db}\u0000${c}`;
    const forget = (db: string, c: string): void => {
      const e = this.entries.get(key(db, c));
      if (e) { delete e.slots.indexes; delete e.slots.loadState; }
    };
    return {
      describeCollection: (db, c) => this.read(key(db, c), 'collection', freshness.schema, () => api.describeCollection(db, c)),
      getLoadState: (db, c) => this.read(key(db, c), 'loadState', freshness.state, () => api.getLoadState(db, c)),
      listIndexes: (db, c) => this.read(key(db, c), 'indexes', freshness.state, () => api.listIndexes(db, c)),
      createIndex: (req: CreateIndexRequest, o?: WriteOptions) => { forget(req.database, req.collection); return api.createIndex(req, o); },
      dropIndex: (db, c, f, i, o) => { forget(db, c); return api.dropIndex(db, c, f, i, o); },
      alterIndexProperties: (db, c, i, p, o) => { forget(db, c); return api.alterIndexProperties(db, c, i, p, o); },
      releaseCollection: (db, c, o) => { forget(db, c); return api.releaseCollection(db, c, o); },
      loadCollection: (db, c, o) => { forget(db, c); return api.loadCollection(db, c, o); },
      serverVersion: () => api.serverVersion(),
    };
  }

  /** How old a kept read may be for a pass over `r` (see the class contract). */
  freshnessFor(r: MilvusIndex): ReadFreshness {
    if (r.metadata.deletionTimestamp !== undefined) return { state: 0, schema: ACTING_SCHEMA_REUSE_MS };
    if (isSteady(r)) return { state: this.steadyStateMs, schema: Number.POSITIVE_INFINITY };
    return { state: ACTING_STATE_REUSE_MS, schema: ACTING_SCHEMA_REUSE_MS };
  }

  get size(): number {
    return this.entries.size;
  }

  private read<T>(key: string, slot: Slot, maxAgeMs: number, fetch: () => Promise<T>): Promise<T> {
    const t = this.now();
    this.sweep(t);
    const entry = this.entries.get(key) ?? { slots: {}, usedAt: t };
    entry.usedAt = t;
    this.entries.set(key, entry);
    const kept = entry.slots[slot];
    if (kept && t - kept.at < maxAgeMs) return kept.value as Promise<T>;
    const value = fetch();
    entry.slots[slot] = { at: t, value };
    value.catch(() => { if (this.entries.get(key)?.slots[slot]?.value === value) this.entries.delete(key); });
    return value;
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < this.steadyStateMs) return;
    this.lastSweep = t;
    for (const [k, e] of this.entries) {
      if (t - e.usedAt > UNUSED_ENTRY_MS) { this.entries.delete(k); continue; }
      for (const slot of ['indexes', 'loadState'] as const) {
        const kept = e.slots[slot];
        if (kept && t - kept.at > this.steadyStateMs) delete e.slots[slot];
      }
    }
  }
}

/** Steady state: Ready for the current generation, no operation under way, not deleting, finalizer in place. */
export function isSteady(r: MilvusIndex): boolean {
  const s = r.status;
  return r.metadata.deletionTimestamp === undefined && (r.metadata.finalizers ?? []).includes(FINALIZER) && s !== undefined &&
    s.observedGeneration === r.metadata.generation && s.pendingOperation === undefined &&
    (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
