import type { ClusterMilvusConnection, MilvusConnection } from '../api/connection.js';
import { matchesSelector } from '../api/label-selector.js';
import type { MilvusIndex } from '../api/milvusindex.js';
import type { ObjectStore } from '../controller/types.js';
import type { NamespaceLabels } from '../kube/secrets.js';
import { connectionKey, type ConnectionRegistry } from './connection-registry.js';
import type { ConnectionIdentity, ConnectionResolution, ConnectionResolver } from './connections.js';

export interface RefConnectionResolverDeps {
  namespaced: ObjectStore<MilvusConnection>;
  cluster: ObjectStore<ClusterMilvusConnection>;
  registry: ConnectionRegistry;
  namespaces: NamespaceLabels;
  /** Resolves resources without connectionRef (the operator's default connection). */
  fallback: ConnectionResolver;
}

/**
 * Resolves `spec.connectionRef` through the connection caches and the state the connection
 * reconciler established. A namespaced MilvusConnection serves its own namespace only; a
 * ClusterMilvusConnection serves the namespaces its allowedNamespaces selects.
 */
export class RefConnectionResolver implements ConnectionResolver {
  constructor(private readonly deps: RefConnectionResolverDeps) {}

  identity(resource: MilvusIndex): ConnectionIdentity | undefined {
    const ref = resource.spec.connectionRef;
    if (!ref) return this.deps.fallback.identity(resource);
    const conn = this.lookup(resource);
    if (!conn) return undefined;
    return { key: this.keyOf(resource), uri: conn.spec.uri, database: conn.spec.database ?? 'default' };
  }

  async resolve(resource: MilvusIndex): Promise<ConnectionResolution> {
    const ref = resource.spec.connectionRef;
    if (!ref) return this.deps.fallback.resolve(resource);
    const ns = resource.metadata.namespace;
    const conn = this.lookup(resource);
    const what = ref.kind === 'MilvusConnection' ? `MilvusConnection "${ref.name}" in namespace "${ns}"` : `ClusterMilvusConnection "${ref.name}"`;
    if (!conn) return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${what} does not exist; create it (a namespaced MilvusConnection serves its own namespace only).` };
    if (conn.kind === 'ClusterMilvusConnection' && conn.spec.allowedNamespaces?.from === 'Selector') {
      let labels: Record<string, string> | undefined;
      try {
        labels = await this.deps.namespaces.labels(ns);
      } catch (e) {
        return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `cannot read the labels of namespace "${ns}" to check ${what}'s allowedNamespaces: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (!labels || !matchesSelector(conn.spec.allowedNamespaces.selector ?? {}, labels)) {
        return { kind: 'NotReady', reason: 'ConnectionNotAllowed', message: `Namespace "${ns}" may not use ${what}: its labels do not match the connection's allowedNamespaces selector. Ask the platform team to label the namespace, or use another connection.` };
      }
    }
    const key = this.keyOf(resource);
    const state = this.deps.registry.get(key);
    const identity = { key, uri: conn.spec.uri, database: conn.spec.database ?? 'default' };
    if (!state) return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${what} has not been verified yet.` };
    if (state.ready && state.target) return { kind: 'Ready', ...identity, target: state.target };
    // A deletion may use the last credentials that worked (the Secret may be gone with its namespace).
    if (resource.metadata.deletionTimestamp && state.lastWorking) return { kind: 'Ready', ...identity, target: state.lastWorking };
    return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${what} is not ready (${state.reason}): ${state.message}` };
  }

  private keyOf(resource: MilvusIndex): string {
    const ref = resource.spec.connectionRef!;
    return connectionKey(ref.kind, ref.name, resource.metadata.namespace);
  }

  private lookup(resource: MilvusIndex): MilvusConnection | ClusterMilvusConnection | undefined {
    const ref = resource.spec.connectionRef!;
    return ref.kind === 'MilvusConnection' ? this.deps.namespaced.get(`${resource.metadata.namespace}/${ref.name}`) : this.deps.cluster.get(ref.name);
  }
}
