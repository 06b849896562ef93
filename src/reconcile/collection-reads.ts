import { FINALIZER, type MilvusIndex } from '../api/milvusindex.js';
import type { CreateIndexRequest, MilvusIndexApi, WriteOptions } from '../milvus/types.js';

type Slot = 'collection' | 'loadState' | 'indexes';
/** The reads of one collection, each with when it was sent. */
type Entry = Partial<Record<Slot, { at: number; value: Promise<unknown> }>>;

/**
 * Batched observation per collection: the reads of one collection (describeCollection, getLoadState,
 * listIndexes) answer every MilvusIndex on it for `ttlMs`, so a resync of N resources over C collections
 * costs reads per collection, not per resource. Concurrent identical reads share one request.
 *
 * Contract: only a resource in steady state (`mayReuse`) is answered from earlier reads; every other pass
 * (new generation, pending operation, deletion, not Ready) reads Milvus afresh, and its reads refresh the
 * entry for its mates. Any write through a view forgets the collection's entry before it is sent, so an
 * effect of ours is never hidden. A failed read is never kept. What changes behind the operator's back is
 * seen at most `ttlMs` late.
 */
export class CollectionReadCache {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** `api` with reads shared per collection of `connectionKey`; writes pass through after invalidating. */
  view(connectionKey: string, api: MilvusIndexApi, mayReuse: boolean): MilvusIndexApi {
    const key = (db: string, c: string): string => `${connectionKey}\u0000${db}\u0000${c}`;
    const forget = (db: string, c: string): void => void this.entries.delete(key(db, c));
    return {
      describeCollection: (db, c) => this.read(key(db, c), 'collection', mayReuse, () => api.describeCollection(db, c)),
      getLoadState: (db, c) => this.read(key(db, c), 'loadState', mayReuse, () => api.getLoadState(db, c)),
      listIndexes: (db, c) => this.read(key(db, c), 'indexes', mayReuse, () => api.listIndexes(db, c)),
      createIndex: (req: CreateIndexRequest, o?: WriteOptions) => { forget(req.database, req.collection); return api.createIndex(req, o); },
      dropIndex: (db, c, f, i, o) => { forget(db, c); return api.dropIndex(db, c, f, i, o); },
      alterIndexProperties: (db, c, i, p, o) => { forget(db, c); return api.alterIndexProperties(db, c, i, p, o); },
      releaseCollection: (db, c, o) => { forget(db, c); return api.releaseCollection(db, c, o); },
      loadCollection: (db, c, o) => { forget(db, c); return api.loadCollection(db, c, o); },
      serverVersion: () => api.serverVersion(),
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private read<T>(key: string, slot: Slot, mayReuse: boolean, fetch: () => Promise<T>): Promise<T> {
    const t = this.now();
    this.sweep(t);
    const entry = this.entries.get(key) ?? {};
    const kept = entry[slot];
    if (kept && mayReuse && t - kept.at <= this.ttlMs) return kept.value as Promise<T>;
    const value = fetch();
    entry[slot] = { at: t, value };
    this.entries.set(key, entry);
    value.catch(() => { if (this.entries.get(key)?.[slot]?.value === value) this.entries.delete(key); });
    return value;
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < this.ttlMs) return;
    this.lastSweep = t;
    for (const [k, e] of this.entries) if (Object.values(e).every((v) => t - v.at > this.ttlMs)) this.entries.delete(k);
  }
}

/** Steady state: Ready for the current generation, no operation under way, not deleting, finalizer in place. */
export function mayReuseReads(r: MilvusIndex): boolean {
  const s = r.status;
  return r.metadata.deletionTimestamp === undefined && (r.metadata.finalizers ?? []).includes(FINALIZER) && s !== undefined &&
    s.observedGeneration === r.metadata.generation && s.pendingOperation === undefined &&
    (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
