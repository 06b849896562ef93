import { FINALIZER, type MilvusIndex } from '../api/milvusindex.js';
import type { ObjectStore } from '../controller/types.js';
import { isMilvusError } from '../milvus/errors.js';
import type { MilvusClientProvider, MilvusIndexApi } from '../milvus/types.js';
import { definitionOf } from './compare.js';
import type { ConnectionResolution, ConnectionResolver } from './connections.js';
import type { MilvusObservation, Observation, PeerClaim } from './observation.js';

export function resourceKey(r: MilvusIndex): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

export function resolvedIndexName(r: MilvusIndex): string {
  return r.spec.indexName ?? r.spec.fieldName;
}

/** The database an index lives in: the spec's, else the connection's, else "default". */
export function resolvedDatabase(r: MilvusIndex, connectionDatabase: string | undefined): string {
  return r.spec.database ?? (connectionDatabase || 'default');
}

/** Identity of the Milvus index a resource claims, or undefined while its connection is unknown. */
export function claimOf(r: MilvusIndex, resolver: ConnectionResolver): string | undefined {
  const id = resolver.identity(r);
  if (!id) return undefined;
  return JSON.stringify([id.uri, resolvedDatabase(r, id.database), r.spec.collectionName, resolvedIndexName(r)]);
}

/** Identity of the collection a resource's index lives in (the per-collection lock key). */
export function collectionOf(r: MilvusIndex, resolver: ConnectionResolver): string {
  const id = resolver.identity(r);
  return JSON.stringify([id?.uri ?? `unresolved:${r.spec.connectionRef?.kind}/${r.spec.connectionRef?.name}`, resolvedDatabase(r, id?.database), r.spec.collectionName]);
}

/** Other resources in the store claiming the same Milvus index. */
export function peersOf(r: MilvusIndex, store: ObjectStore<MilvusIndex>, resolver: ConnectionResolver): PeerClaim[] {
  const mine = claimOf(r, resolver);
  if (mine === undefined) return [];
  return store
    .list()
    // A resource that may not use its connection never acts, so it must not block one that may
    // (otherwise a disallowed tenant could take over another tenant's index by being older).
    .filter((o) => o.metadata.uid !== r.metadata.uid && claimOf(o, resolver) === mine && !isConnectionNotAllowed(o))
    .map((o) => ({ key: resourceKey(o), uid: o.metadata.uid, creationTimestamp: o.metadata.creationTimestamp, deleting: o.metadata.deletionTimestamp !== undefined, definition: definitionOf(o.spec) }));
}

function isConnectionNotAllowed(r: MilvusIndex): boolean {
  return r.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'ConnectionNotAllowed') ?? false;
}

export interface ObserveDeps {
  store: ObjectStore<MilvusIndex>;
  connections: ConnectionResolver;
  milvus: MilvusClientProvider;
}

/**
 * Reads everything decide() needs. Only reads: never writes to Milvus or Kubernetes. Never throws
 * for Milvus failures (they become part of the observation).
 */
export async function observe(resource: MilvusIndex, deps: ObserveDeps): Promise<{ observation: Observation; api: MilvusIndexApi | undefined }> {
  const conn: ConnectionResolution = await deps.connections.resolve(resource);
  const database = resolvedDatabase(resource, conn.kind === 'Ready' ? conn.database : undefined);
  const indexName = resolvedIndexName(resource);
  const base = {
    resource,
    indexName,
    database,
    connection: conn.kind === 'Ready' ? { kind: 'Ready' as const, key: conn.key, uri: conn.uri, database: conn.database } : conn,
    peers: peersOf(resource, deps.store, deps.connections),
  };
  const deleting = resource.metadata.deletionTimestamp !== undefined;
  const hasFinalizer = (resource.metadata.finalizers ?? []).includes(FINALIZER);
  if (conn.kind !== 'Ready' || (!deleting && !hasFinalizer) || (deleting && !hasFinalizer)) {
    return { observation: { ...base, milvus: { kind: 'NotObserved' } }, api: undefined };
  }
  const api = deps.milvus.get(conn.key, conn.target);
  return { observation: { ...base, milvus: await readMilvus(api, resource, database, indexName) }, api };
}

async function readMilvus(api: MilvusIndexApi, r: MilvusIndex, database: string, indexName: string): Promise<MilvusObservation> {
  try {
    const collection = await api.describeCollection(database, r.spec.collectionName);
    if (collection.kind !== 'Found') return collection;
    const [loadState, indexes] = [await api.getLoadState(database, r.spec.collectionName), await api.listIndexes(database, r.spec.collectionName)];
    return {
      kind: 'Observed',
      fields: collection.fields,
      loadState,
      index: indexes.find((i) => i.indexName === indexName),
      otherIndexesOnField: indexes.filter((i) => i.fieldName === r.spec.fieldName && i.indexName !== indexName),
    };
  } catch (e) {
    if (isMilvusError(e) && e.kind === 'DependencyMissing') return { kind: 'CollectionNotFound', message: e.message };
    return { kind: 'Unavailable', message: e instanceof Error ? e.message : String(e) };
  }
}
