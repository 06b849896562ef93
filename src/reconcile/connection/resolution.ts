import type { MilvusIndex } from '../../api/milvusindex.js';
import type { ConnectionTarget } from '../../milvus/types.js';

/** Where a resource's index lives: enough to tell whether two resources claim the same index. */
export interface ConnectionIdentity {
  /** Stable key of the connection (also the client-pool key). */
  key: string;
  /** Canonical endpoint: the same Milvus spelled two ways gives the same string. */
  endpoint: string;
  /** The URI without credentials, for messages, Events and status. */
  displayUri: string;
  /** The connection's default database. */
  database: string;
}

export type ConnectionResolution =
  | ({ kind: 'Ready'; target: ConnectionTarget } & ConnectionIdentity)
  /**
   * The connection exists but has not been verified since this process started: nothing may be
   * written from it (not "not ready": its last known state, in the resource's status, stands).
   * The connection controller wakes the resource once it knows.
   */
  | { kind: 'Unknown'; message: string }
  | { kind: 'NotReady'; reason: 'ConnectionNotReady' | 'ConnectionNotAllowed'; message: string };

/** Resolves `spec.connectionRef` (or the default connection) of a MilvusIndex. */
export interface ConnectionResolver {
  /** Synchronous, from caches: used to find peers. `undefined` when it cannot be resolved now. */
  identity(resource: MilvusIndex): ConnectionIdentity | undefined;
  /** Full resolution including credentials; never throws. */
  resolve(resource: MilvusIndex): Promise<ConnectionResolution>;
}

export const DEFAULT_CONNECTION_KEY = 'default';

export function connectionKey(kind: 'MilvusConnection' | 'ClusterMilvusConnection', name: string, namespace?: string): string {
  return kind === 'MilvusConnection' ? `MilvusConnection/${namespace}/${name}` : `ClusterMilvusConnection/${name}`;
}

/** The key of the connection a MilvusIndex uses (its connectionRef, or the default connection). */
export function connectionKeyOf(resource: MilvusIndex): string {
  const ref = resource.spec.connectionRef;
  return ref ? connectionKey(ref.kind, ref.name, resource.metadata.namespace) : DEFAULT_CONNECTION_KEY;
}
