import { jsonPathOf } from '../api/json-path.js';
import { FINALIZER, type MilvusIndex } from '../api/milvusindex.js';
import { objectKey } from '../controller/informer.js';
import { isMilvusError } from '../milvus/errors.js';
import type { MilvusClientProvider, MilvusIndexApi, ObservedIndex } from '../milvus/types.js';
import { resolvedDatabase, resolvedIndexName, type ClaimIndex } from './claims.js';
import type { ConnectionResolution, ConnectionResolver } from './connection/resolution.js';
import type { CollectionReadCache } from './collection-reads.js';
import { definitionOf } from './compare.js';
import { serverlessRefuses } from './serverless.js';
import type { MilvusObservation, Observation, PeerClaim } from './observation.js';
import type { LoadState } from '../milvus/types.js';

/** Other resources in the cache claiming the same Milvus index. */
export function peersOf(r: MilvusIndex, claims: ClaimIndex): PeerClaim[] {
  return claims
    .peersOf(r)
    // A resource that may not use its connection never acts, so it must not block one that may
    // (otherwise a disallowed tenant could take over another tenant's index by being older).
    .filter((o) => !isConnectionNotAllowed(o))
    .map((o) => ({ key: objectKey(o), uid: o.metadata.uid, creationTimestamp: o.metadata.creationTimestamp, deleting: o.metadata.deletionTimestamp !== undefined, definition: definitionOf(o.spec) }));
}

function isConnectionNotAllowed(r: MilvusIndex): boolean {
  return r.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'ConnectionNotAllowed') ?? false;
}

export interface ObserveDeps {
  claims: ClaimIndex;
  connections: ConnectionResolver;
  milvus: MilvusClientProvider;
  /** Batched observation per collection; without it every pass reads Milvus itself. */
  reads?: CollectionReadCache;
}

/** What observe saw: a full observation, or a connection whose state is not known yet. */
export type ObserveResult =
  | { kind: 'Observed'; observation: Observation; api: MilvusIndexApi | undefined }
  /** Nothing may be decided (or written) from an unverified connection; it wakes the resource. */
  | { kind: 'ConnectionUnknown'; message: string };

/**
 * Reads everything decide() needs. Only reads: never writes to Milvus or Kubernetes. Never throws
 * for Milvus failures (they become part of the observation).
 */
export async function observe(resource: MilvusIndex, deps: ObserveDeps): Promise<ObserveResult> {
  const conn: ConnectionResolution = await deps.connections.resolve(resource);
  if (conn.kind === 'Unknown') return { kind: 'ConnectionUnknown', message: conn.message };
  const database = resolvedDatabase(resource, conn.kind === 'Ready' ? conn.database : undefined);
  const indexName = resolvedIndexName(resource);
  const base = {
    resource,
    indexName,
    database,
    connection: conn.kind === 'Ready' ? { kind: 'Ready' as const, key: conn.key, uri: conn.displayUri, database: conn.database } : conn,
    peers: peersOf(resource, deps.claims),
  };
  const deleting = resource.metadata.deletionTimestamp !== undefined;
  const hasFinalizer = (resource.metadata.finalizers ?? []).includes(FINALIZER);
  // A spec a serverless endpoint cannot build is answered from the uri alone: no Milvus call at all.
  const refusedUpFront = conn.kind === 'Ready' && !deleting && serverlessRefuses(resource.spec, conn.displayUri);
  const notObserved: ObserveResult = { kind: 'Observed', observation: { ...base, milvus: { kind: 'NotObserved' } }, api: undefined };
  if (conn.kind !== 'Ready' || (deleting && !hasFinalizer) || refusedUpFront) return notObserved;
  const client = deps.milvus.get(conn.key, conn.target);
  const api = deps.reads ? deps.reads.view(conn.key, client, deps.reads.freshnessFor(resource)) : client;
  // Without the finalizer, Milvus is read too: nothing is done in Milvus before the finalizer is stored, but a first
  // create's intent is recorded with it (decide/create-intent.ts), and the read cache hands these reads to the next step.
  return { kind: 'Observed', observation: { ...base, milvus: await readMilvus(api, resource, database, indexName) }, api };
}

/**
 * The schema, then the index list. The load state is not read here: few decisions depend on it,
 * and decide() asks for it when one does (Plan.readLoadState; see withLoadState).
 */
async function readMilvus(api: MilvusIndexApi, r: MilvusIndex, database: string, indexName: string): Promise<MilvusObservation> {
  try {
    // One after the other: an unreachable Milvus costs one call per pass, not two (the schema is mostly kept anyway).
    const collection = await api.describeCollection(database, r.spec.collectionName);
    if (collection.kind !== 'Found') return collection;
    const indexes = await api.listIndexes(database, r.spec.collectionName);
    return {
      kind: 'Observed',
      fields: collection.fields,
      loadState: undefined,
      index: indexes.find((i) => i.indexName === indexName),
      otherIndexesOnField: indexes.filter((i) => i.fieldName === r.spec.fieldName && i.indexName !== indexName && samePath(i, jsonPathOf(r.spec))),
    };
  } catch (e) {
    return unreadable(e);
  }
}

/** `observation` with the collection's load state read (decide() asked for it). */
export async function withLoadState(observation: Observation, api: MilvusIndexApi | undefined): Promise<Observation> {
  const m = observation.milvus;
  if (m.kind !== 'Observed' || m.loadState !== undefined || !api) return observation;
  let loadState: LoadState;
  try {
    loadState = await api.getLoadState(observation.database, observation.resource.spec.collectionName);
  } catch (e) {
    return { ...observation, milvus: unreadable(e) };
  }
  return { ...observation, milvus: { ...m, loadState } };
}

function unreadable(e: unknown): MilvusObservation {
  if (isMilvusError(e) && e.kind === 'DependencyMissing') return { kind: 'CollectionNotFound', message: e.message };
  return { kind: 'Unavailable', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Milvus holds one index per field, except on JSON fields: one per json_path. An index on the same
 * field blocks ours only when it covers the same path (or neither has one).
 */
function samePath(other: ObservedIndex, path: string | undefined): boolean {
  return (other.params.json_path ?? undefined) === path;
}
