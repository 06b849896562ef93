// A Secret created after the connection that names it (external-secrets, sealed-secrets) wakes that
// connection: no edit of the connection is needed (src/watches.ts, the Secret rows of the table).
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AnyConnection } from '../../src/api/connection.js';
import type { MilvusIndex } from '../../src/api/milvusindex.js';
import type { InformerEventHandler } from '../../src/controller/informer.js';
import type { ClaimIndex } from '../../src/reconcile/claims.js';
import { wireWatches, type WatchedSource } from '../../src/watches.js';

class Source<T> implements WatchedSource<T> {
  readonly handlers: InformerEventHandler<T>[] = [];
  constructor(private readonly items: T[] = []) {}
  addEventHandler(h: InformerEventHandler<T>): void { this.handlers.push(h); }
  list(): T[] { return this.items; }
  add(o: T): void { for (const h of this.handlers) h.onAdd?.(o); }
}

const conn = (kind: AnyConnection['kind'], name: string, namespace: string | undefined, spec: Record<string, unknown>) =>
  ({ apiVersion: 'index.milvus.io/v1alpha1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { uri: 'm:19530', ...spec } }) as unknown as AnyConnection;
const secret = (namespace: string, name: string): V1Secret => ({ metadata: { namespace, name } });

function wire(connections: { ns: AnyConnection[]; cluster: AnyConnection[] }) {
  const woken: string[] = [];
  const secrets = new Source<V1Secret>();
  const claims = { upsert() {}, remove() {}, peersOf: () => [], refreshConnection() {}, usersOf: () => [] } as unknown as ClaimIndex;
  wireWatches({
    indexes: new Source<MilvusIndex>(),
    connections: { MilvusConnection: new Source(connections.ns), ClusterMilvusConnection: new Source(connections.cluster) },
    secrets, claims,
    wakeIndex: () => {}, wakeConnection: (kind, key) => woken.push(`${kind} ${key}`), forgetIndex: () => {},
  });
  return { woken, secrets };
}

describe('Secret events wake the connections that name them', () => {
  const ns = [
    conn('MilvusConnection', 'prod', 'search', { credentialsSecretRef: { name: 'milvus-token' } }),
    conn('MilvusConnection', 'tls', 'search', { tls: { enabled: true, caSecretRef: { name: 'milvus-ca' } } }),
    conn('MilvusConnection', 'prod', 'other', { credentialsSecretRef: { name: 'milvus-token' } }),
    conn('MilvusConnection', 'selectors', 'search', { credentials: { username: { name: 'users', key: 'u' }, password: { name: 'passwords', key: 'p' } }, tls: { enabled: true, clientCertSecretRef: { name: 'client-cert' } } }),
  ];
  const cluster = [
    conn('ClusterMilvusConnection', 'shared', undefined, { credentialsSecretRef: { name: 'milvus-token', namespace: 'search' } }),
    conn('ClusterMilvusConnection', 'zilliz', undefined, { credentials: { token: { name: 'zilliz', namespace: 'platform', key: 'apiKey' } } }),
  ];

  it.each([
    { created: secret('search', 'milvus-token'), wakes: ['MilvusConnection search/prod', 'ClusterMilvusConnection shared'] },
    { created: secret('search', 'milvus-ca'), wakes: ['MilvusConnection search/tls'] },
    { created: secret('other', 'milvus-token'), wakes: ['MilvusConnection other/prod'] },
    { created: secret('search', 'passwords'), wakes: ['MilvusConnection search/selectors'] },
    { created: secret('search', 'client-cert'), wakes: ['MilvusConnection search/selectors'] },
    { created: secret('platform', 'zilliz'), wakes: ['ClusterMilvusConnection zilliz'] },
    { created: secret('search', 'zilliz'), wakes: [] },
    { created: secret('search', 'unrelated'), wakes: [] },
  ])('creating $created.metadata.namespace/$created.metadata.name wakes $wakes', ({ created, wakes }) => {
    const w = wire({ ns, cluster });
    w.secrets.add(created);
    expect(w.woken.sort()).toEqual([...wakes].sort());
  });
});
