// ClaimIndex (src/reconcile/claims.ts): peers, collection mates and connection users found by key,
// not by scanning the store; one identity for the same Milvus spelled two ways; claims re-derived
// when a connection appears or changes its endpoint.
import { describe, expect, it } from 'vitest';
import type { MilvusIndex } from '../../src/api/milvusindex.js';
import type { ObjectKey, ObjectStore } from '../../src/controller/types.js';
import { endpointIdentity } from '../../src/milvus/uri.js';
import { claimOf, ClaimIndex, collectionOf } from '../../src/reconcile/claims.js';
import { connectionKeyOf, type ConnectionIdentity, type ConnectionResolution, type ConnectionResolver } from '../../src/reconcile/connection/resolution.js';
import { aMilvusIndex, NAMESPACE } from './fakes.js';

class Store implements ObjectStore<MilvusIndex> {
  readonly items = new Map<ObjectKey, MilvusIndex>();
  lists = 0;
  get(key: ObjectKey): MilvusIndex | undefined { return this.items.get(key); }
  list(): MilvusIndex[] { this.lists++; return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
}

/** Connection URIs by connection key; an absent key is not resolvable (connection not cached yet). */
class Resolver implements ConnectionResolver {
  constructor(readonly uris: Record<string, string>) {}
  identity(r: MilvusIndex): ConnectionIdentity | undefined {
    const key = connectionKeyOf(r);
    const uri = this.uris[key];
    return uri === undefined ? undefined : { key, endpoint: endpointIdentity(uri, r.metadata.namespace), displayUri: uri, database: 'default' };
  }
  async resolve(): Promise<ConnectionResolution> { throw new Error('not used'); }
}

function index(name: string, patch: Partial<MilvusIndex['spec']> = {}, namespace = NAMESPACE): MilvusIndex {
  const r = aMilvusIndex().spec(patch).build();
  return { ...r, metadata: { ...r.metadata, name, namespace, uid: `uid-${namespace}-${name}` } };
}

function world(uris: Record<string, string>, ...resources: MilvusIndex[]) {
  const store = new Store();
  const resolver = new Resolver(uris);
  const claims = new ClaimIndex(store, resolver);
  for (const r of resources) { store.items.set(`${r.metadata.namespace}/${r.metadata.name}`, r); claims.upsert(r); }
  return { store, resolver, claims };
}
const names = (rs: MilvusIndex[]) => rs.map((r) => r.metadata.name).sort();
const REF = { kind: 'MilvusConnection' as const, name: 'prod' };

describe('ClaimIndex', () => {
  it('JSON path indexes: one claim per (field, json_path); two resources on one path are peers', () => {
    const json = (path: string, patch: Partial<MilvusIndex['spec']> = {}) => ({ fieldName: 'meta', indexType: 'AUTOINDEX', metricType: undefined, params: { json_path: path, json_cast_type: 'VARCHAR' }, ...patch });
    const a = index('a', json('meta["a"]'));
    const b = index('b', json('meta["b"]["c"]'));
    const a2 = index('a2', json('meta["a"]'));
    const named = index('named', json('meta["a"]', { indexName: 'meta_a' }));
    const { claims } = world({ default: 'milvus:19530' }, a, b, a2, named);
    expect(names(claims.peersOf(b))).toEqual([]);
    // spec.indexName equal to the derived default is the same Milvus index.
    expect(names(claims.peersOf(a))).toEqual(['a2', 'named']);
    expect(JSON.parse(claimOf(b, new Resolver({ default: 'milvus:19530' }))!)).toEqual([`http://milvus.${NAMESPACE}.svc:19530`, 'default', 'docs', 'meta_b_c']);
  });

  it('finds peers claiming the same index without listing the store', () => {
    const a = index('a');
    const b = index('b');
    const other = index('c', { indexName: 'other' });
    const w = world({ default: 'milvus.milvus.svc:19530' }, a, b, other);
    expect(names(w.claims.peersOf(a))).toEqual(['b']);
    expect(names(w.claims.collectionMatesOf(a))).toEqual(['b', 'c']);
    expect(w.store.lists, 'O(1): no scan of the store').toBe(0);
  });

  it('the same Milvus spelled two ways is one identity: default connection vs a MilvusConnection with the FQDN and a scheme', () => {
    const viaDefault = index('a');
    const viaRef = index('b', { connectionRef: REF });
    const w = world({ default: 'milvus.milvus.svc:19530', [`MilvusConnection/${NAMESPACE}/prod`]: 'http://Milvus.milvus.svc.cluster.local:19530/' }, viaDefault, viaRef);
    expect(claimOf(viaDefault, w.resolver)).toBe(claimOf(viaRef, w.resolver));
    expect(collectionOf(viaDefault, w.resolver)).toBe(collectionOf(viaRef, w.resolver));
    expect(names(w.claims.peersOf(viaDefault))).toEqual(['b']);
  });

  it('another Milvus, another database or another collection is another claim', () => {
    const a = index('a');
    const w = world({ default: 'milvus.milvus.svc:19530', [`MilvusConnection/${NAMESPACE}/prod`]: 'milvus-2.milvus.svc:19530' },
      a, index('b', { connectionRef: REF }), index('c', { database: 'analytics' }), index('d', { collectionName: 'other' }));
    expect(w.claims.peersOf(a)).toEqual([]);
  });

  it('a connection that appears later: claims are re-derived for its users only', () => {
    const a = index('a');
    const b = index('b', { connectionRef: REF });
    const w = world({ default: 'milvus.milvus.svc:19530' }, a, b);
    expect(w.claims.peersOf(a), 'b\'s connection is unknown: no claim yet').toEqual([]);
    w.resolver.uris[`MilvusConnection/${NAMESPACE}/prod`] = 'milvus.milvus.svc:19530';
    w.claims.refreshConnection(`MilvusConnection/${NAMESPACE}/prod`);
    expect(names(w.claims.peersOf(a))).toEqual(['b']);
  });

  it('a connection re-targeted to another endpoint moves its users\' claims', () => {
    const a = index('a');
    const b = index('b', { connectionRef: REF });
    const w = world({ default: 'milvus.milvus.svc:19530', [`MilvusConnection/${NAMESPACE}/prod`]: 'milvus.milvus.svc:19530' }, a, b);
    expect(names(w.claims.peersOf(a))).toEqual(['b']);
    w.resolver.uris[`MilvusConnection/${NAMESPACE}/prod`] = 'milvus-2.milvus.svc:19530';
    w.claims.refreshConnection(`MilvusConnection/${NAMESPACE}/prod`);
    expect(w.claims.peersOf(a)).toEqual([]);
  });

  it('usersOf lists a connection\'s users by connection key, deleting ones included; remove() forgets a resource everywhere', () => {
    const a = index('a', { connectionRef: REF });
    const b = { ...index('b', { connectionRef: REF }), metadata: { ...index('b').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const c = index('c', { connectionRef: REF }, 'other-namespace');
    const w = world({}, a, b, c);
    expect(names(w.claims.usersOf(`MilvusConnection/${NAMESPACE}/prod`))).toEqual(['a', 'b']);
    w.claims.remove(a);
    w.store.items.delete(`${NAMESPACE}/a`);
    expect(names(w.claims.usersOf(`MilvusConnection/${NAMESPACE}/prod`))).toEqual(['b']);
    expect(names(w.claims.usersOf(`MilvusConnection/other-namespace/prod`))).toEqual(['c']);
  });
});
