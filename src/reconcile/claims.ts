import { defaultJsonIndexName, jsonPathOf } from '../api/json-path.js';
import type { MilvusIndex } from '../api/milvusindex.js';
import { objectKey } from '../controller/informer.js';
import type { ObjectStore } from '../controller/types.js';
import { connectionKeyOf, type ConnectionResolver } from './connection/resolution.js';

/**
 * The Milvus index name: spec.indexName, else the field name (Milvus's own default), except for a
 * JSON path index, whose default names the path (several paths of one field each get their own).
 */
export function resolvedIndexName(r: MilvusIndex): string {
  if (r.spec.indexName !== undefined) return r.spec.indexName;
  const path = jsonPathOf(r.spec);
  return path === undefined ? r.spec.fieldName : defaultJsonIndexName(r.spec.fieldName, path);
}

/** The database an index lives in: the spec's, else the connection's, else "default". */
export function resolvedDatabase(r: MilvusIndex, connectionDatabase: string | undefined): string {
  return r.spec.database ?? (connectionDatabase || 'default');
}

/**
 * Identity of the Milvus index a resource claims: (canonical endpoint, database, collection, index
 * name); undefined while its connection cannot be resolved from the caches.
 */
export function claimOf(r: MilvusIndex, resolver: ConnectionResolver): string | undefined {
  const id = resolver.identity(r);
  if (!id) return undefined;
  return JSON.stringify([id.endpoint, resolvedDatabase(r, id.database), r.spec.collectionName, resolvedIndexName(r)]);
}

/** Identity of the collection a resource's index lives in: the per-collection lock key. */
export function collectionOf(r: MilvusIndex, resolver: ConnectionResolver): string {
  const id = resolver.identity(r);
  return JSON.stringify([id?.endpoint ?? `unresolved:${connectionKeyOf(r)}`, resolvedDatabase(r, id?.database), r.spec.collectionName]);
}

interface Entry {
  claim: string | undefined;
  collection: string;
  connection: string;
}

/**
 * Secondary indexes over the MilvusIndex cache, kept current by informer events: resources by
 * claimed index, by collection and by connection, so peers, collection-mates and connection users
 * are found in O(1) instead of a scan of the store. Claims depend on the connection's endpoint:
 * `refreshConnection` re-derives them when a connection appears or changes.
 */
export class ClaimIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly byClaim = new Map<string, Set<string>>();
  private readonly byCollection = new Map<string, Set<string>>();
  private readonly byConnection = new Map<string, Set<string>>();

  constructor(private readonly store: ObjectStore<MilvusIndex>, private readonly resolver: ConnectionResolver) {}

  upsert(r: MilvusIndex): void {
    const key = objectKey(r);
    this.remove(r);
    const entry: Entry = { claim: claimOf(r, this.resolver), collection: collectionOf(r, this.resolver), connection: connectionKeyOf(r) };
    this.entries.set(key, entry);
    if (entry.claim !== undefined) add(this.byClaim, entry.claim, key);
    add(this.byCollection, entry.collection, key);
    add(this.byConnection, entry.connection, key);
  }

  remove(r: MilvusIndex): void {
    const key = objectKey(r);
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.claim !== undefined) drop(this.byClaim, entry.claim, key);
    drop(this.byCollection, entry.collection, key);
    drop(this.byConnection, entry.connection, key);
  }

  /** Re-derives the claims of every resource using `connection` (its endpoint may have changed). */
  refreshConnection(connection: string): void {
    for (const key of [...(this.byConnection.get(connection) ?? [])]) {
      const r = this.store.get(key);
      if (r) this.upsert(r);
    }
  }

  /** Other resources in the cache claiming the same Milvus index as `r`. */
  peersOf(r: MilvusIndex): MilvusIndex[] {
    const claim = claimOf(r, this.resolver);
    return claim === undefined ? [] : this.others(r, this.byClaim.get(claim));
  }

  /** Other resources whose index lives in the same collection as `r`'s. */
  collectionMatesOf(r: MilvusIndex): MilvusIndex[] {
    return this.others(r, this.byCollection.get(collectionOf(r, this.resolver)));
  }

  /** Resources that use `connection` (a connectionKey), including ones being deleted. */
  usersOf(connection: string): MilvusIndex[] {
    return this.resolve(this.byConnection.get(connection));
  }

  private others(r: MilvusIndex, keys: Set<string> | undefined): MilvusIndex[] {
    return this.resolve(keys).filter((o) => o.metadata.uid !== r.metadata.uid);
  }

  private resolve(keys: Set<string> | undefined): MilvusIndex[] {
    const out: MilvusIndex[] = [];
    for (const key of keys ?? []) {
      const r = this.store.get(key);
      if (r) out.push(r);
    }
    return out;
  }
}

function add(map: Map<string, Set<string>>, k: string, v: string): void {
  let set = map.get(k);
  if (!set) map.set(k, (set = new Set()));
  set.add(v);
}

function drop(map: Map<string, Set<string>>, k: string, v: string): void {
  const set = map.get(k);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) map.delete(k);
}
