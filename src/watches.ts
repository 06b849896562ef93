import type { V1Secret } from '@kubernetes/client-node';
import type { AnyConnection } from './api/connection.js';
import type { MilvusIndex } from './api/milvusindex.js';
import { objectKey, type InformerEventHandler } from './controller/informer.js';
import type { ClaimIndex } from './reconcile/claims.js';
import { secretRefsOf } from './reconcile/connection/credentials.js';
import { connectionKey } from './reconcile/connection/resolution.js';

type ConnectionKind = 'MilvusConnection' | 'ClusterMilvusConnection';

/** An informer as far as watches go: events to subscribe to, a cache to look into. */
export interface WatchedSource<T> {
  addEventHandler(handler: InformerEventHandler<T>): void;
  list(): T[];
}

export interface WatchTargets {
  indexes: WatchedSource<MilvusIndex>;
  /** Absent kinds are not served by this operator (e.g. --cluster-connections=false). */
  connections: Partial<Record<ConnectionKind, WatchedSource<AnyConnection>>>;
  /** Watched only in single-namespace mode. */
  secrets: WatchedSource<V1Secret> | undefined;
  claims: ClaimIndex;
  wakeIndex(key: string): void;
  wakeConnection(kind: ConnectionKind, key: string): void;
  /** A MilvusIndex is gone: drop its per-resource metric series. */
  forgetIndex(resource: MilvusIndex): void;
}

/**
 * Which event wakes which key — every cross-resource trigger, in one table. (Each controller also
 * wakes its own key on add/delete and on the updates `needsReconcile` lets through.)
 *
 * | event                                  | wakes                                                    |
 * |----------------------------------------|----------------------------------------------------------|
 * | MilvusIndex added                      | its connection (it is in use now: finalizer)             |
 * | MilvusIndex deletion started / deleted | resources claiming the same index (hand-over); its connection (re-count users) |
 * | MilvusIndex added / updated / deleted  | the claim index is kept current                          |
 * | connection added / updated / deleted   | claims of its MilvusIndexes re-derived (endpoint may change) |
 * | connection verified state changed      | its MilvusIndexes (`connectionChanged`, called by the connection reconciler) |
 * | Secret added / updated / deleted       | connections referring to it (credentials, CA)            |
 */
export function wireWatches(t: WatchTargets): { connectionChanged(connection: string): void } {
  const wakeConnectionOf = (r: MilvusIndex) => {
    const ref = r.spec.connectionRef;
    if (ref && t.connections[ref.kind]) t.wakeConnection(ref.kind, ref.kind === 'MilvusConnection' ? `${r.metadata.namespace}/${ref.name}` : ref.name);
  };
  const wakePeers = (r: MilvusIndex) => { for (const p of t.claims.peersOf(r)) t.wakeIndex(objectKey(p)); };
  t.indexes.addEventHandler({
    onAdd: (r) => { t.claims.upsert(r); wakeConnectionOf(r); },
    onUpdate: (o, r) => {
      t.claims.upsert(r);
      if (!o.metadata.deletionTimestamp && r.metadata.deletionTimestamp) { wakePeers(r); wakeConnectionOf(r); }
    },
    onDelete: (r) => { wakePeers(r); t.claims.remove(r); wakeConnectionOf(r); t.forgetIndex(r); },
  });
  for (const [kind, source] of Object.entries(t.connections) as Array<[ConnectionKind, WatchedSource<AnyConnection>]>) {
    const refresh = (c: AnyConnection) => t.claims.refreshConnection(connectionKey(kind, c.metadata.name, c.metadata.namespace));
    source.addEventHandler({ onAdd: refresh, onUpdate: (_o, c) => refresh(c), onDelete: refresh });
  }
  t.secrets?.addEventHandler({
    onAdd: (s) => wakeConnectionsOf(s, t),
    onUpdate: (_o, s) => wakeConnectionsOf(s, t),
    onDelete: (s) => wakeConnectionsOf(s, t),
  });
  return { connectionChanged: (connection) => { for (const r of t.claims.usersOf(connection)) t.wakeIndex(objectKey(r)); } };
}

function wakeConnectionsOf(secret: V1Secret, t: WatchTargets): void {
  const ns = secret.metadata?.namespace;
  const name = secret.metadata?.name;
  for (const [kind, source] of Object.entries(t.connections) as Array<[ConnectionKind, WatchedSource<AnyConnection>]>) {
    for (const c of source.list()) {
      const refersTo = secretRefsOf(c).some((r) => r.name === name && (kind === 'MilvusConnection' ? c.metadata.namespace === ns : r.namespace === ns));
      if (refersTo) t.wakeConnection(kind, objectKey(c));
    }
  }
}
