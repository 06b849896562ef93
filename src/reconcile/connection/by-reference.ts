import type { ClusterMilvusConnection, MilvusConnection } from '../../api/connection.js';
import { matchesSelector } from '../../api/label-selector.js';
import type { MilvusIndex } from '../../api/milvusindex.js';
import type { ObjectStore } from '../../controller/types.js';
import type { NamespaceLabels } from '../../kube/secrets.js';
import { displayUri, endpointIdentity } from '../../milvus/uri.js';
import type { ConnectionRegistry } from './registry.js';
import { connectionKey, type ConnectionIdentity, type ConnectionResolution, type ConnectionResolver } from './resolution.js';

export interface ByReferenceResolverDeps {
  /** Undefined when the operator does not serve that kind (e.g. --cluster-connections=false). */
  namespaced: ObjectStore<MilvusConnection> | undefined;
  cluster: ObjectStore<ClusterMilvusConnection> | undefined;
  registry: ConnectionRegistry;
  namespaces: NamespaceLabels;
  /** Why a kind's cache is unavailable (forbidden, CRD absent), if it is. */
  unavailable: (kind: 'MilvusConnection' | 'ClusterMilvusConnection') => string | undefined;
  /** Resolves resources without connectionRef (the operator's default connection). */
  fallback: ConnectionResolver;
}

/**
 * Resolves `spec.connectionRef` through the connection caches and the state the connection
 * reconciler established. A namespaced MilvusConnection serves its own namespace only; a
 * ClusterMilvusConnection serves the namespaces its allowedNamespaces selects.
 */
export class ByReferenceConnectionResolver implements ConnectionResolver {
  constructor(private readonly deps: ByReferenceResolverDeps) {}

  identity(resource: MilvusIndex): ConnectionIdentity | undefined {
    if (!resource.spec.connectionRef) return this.deps.fallback.identity(resource);
    const conn = this.lookup(resource);
    return conn ? identityOf(conn, this.keyOf(resource)) : undefined;
  }

  async resolve(resource: MilvusIndex): Promise<ConnectionResolution> {
    const ref = resource.spec.connectionRef;
    if (!ref) return this.deps.fallback.resolve(resource);
    const ns = resource.metadata.namespace;
    const what = ref.kind === 'MilvusConnection' ? `MilvusConnection "${ref.name}" in namespace "${ns}"` : `ClusterMilvusConnection "${ref.name}"`;
    const store = ref.kind === 'MilvusConnection' ? this.deps.namespaced : this.deps.cluster;
    if (!store) return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `This operator does not serve ${ref.kind}s (started with --cluster-connections=false, chart value rbac.clusterConnections: false); use a MilvusConnection or the default connection.` };
    if (!store.hasSynced()) {
      const why = this.deps.unavailable(ref.kind);
      return why ? { kind: 'NotReady', reason: 'ConnectionNotReady', message: `Cannot resolve ${what}: ${why}` } : { kind: 'Unknown', message: `${ref.kind}s are not synced yet` };
    }
    const conn = this.lookup(resource);
    if (!conn) return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${what} does not exist; create it (a namespaced MilvusConnection serves its own namespace only).` };
    const denied = await this.denied(conn, ns, what);
    if (denied) return denied;
    const identity = identityOf(conn, this.keyOf(resource));
    const state = this.deps.registry.get(identity.key);
    if (!state) return { kind: 'Unknown', message: `${what} has not been verified since the operator started` };
    if (state.ready && state.target) return { kind: 'Ready', ...identity, target: state.target };
    // A deletion may use the last credentials that worked (the Secret may be gone with its namespace).
    if (resource.metadata.deletionTimestamp && state.lastWorking) return { kind: 'Ready', ...identity, target: state.lastWorking };
    return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${what} is not ready (${state.reason}): ${state.message}` };
  }

  private async denied(conn: MilvusConnection | ClusterMilvusConnection, ns: string, what: string): Promise<ConnectionResolution | undefined> {
    if (conn.kind !== 'ClusterMilvusConnection' || conn.spec.allowedNamespaces?.from !== 'Selector') return undefined;
    let labels: Record<string, string> | undefined;
    try {
      labels = await this.deps.namespaces.labels(ns);
    } catch (e) {
      return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `cannot read the labels of namespace "${ns}" to check ${what}'s allowedNamespaces: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (labels && matchesSelector(conn.spec.allowedNamespaces.selector ?? {}, labels)) return undefined;
    return { kind: 'NotReady', reason: 'ConnectionNotAllowed', message: `Namespace "${ns}" may not use ${what}: its labels do not match the connection's allowedNamespaces selector. Ask the platform team to label the namespace, or use another connection.` };
  }

  private keyOf(resource: MilvusIndex): string {
    const ref = resource.spec.connectionRef!;
    return connectionKey(ref.kind, ref.name, resource.metadata.namespace);
  }

  private lookup(resource: MilvusIndex): MilvusConnection | ClusterMilvusConnection | undefined {
    const ref = resource.spec.connectionRef!;
    return ref.kind === 'MilvusConnection' ? this.deps.namespaced?.get(`${resource.metadata.namespace}/${ref.name}`) : this.deps.cluster?.get(ref.name);
  }
}

function identityOf(conn: MilvusConnection | ClusterMilvusConnection, key: string): ConnectionIdentity {
  return { key, endpoint: endpointIdentity(conn.spec.uri, conn.metadata.namespace), displayUri: displayUri(conn.spec.uri), database: conn.spec.database ?? 'default' };
}
