// ByReferenceConnectionResolver (connection/by-reference.ts) and DefaultConnectionResolver (connection/default-connection.ts) as
// decision tables (style rule 9) over in-memory ObjectStores, a real ConnectionRegistry and a fake
// NamespaceLabels that records what it was asked. Design §1: a namespaced MilvusConnection serves
// its own namespace only; a ClusterMilvusConnection serves the namespaces allowedNamespaces selects;
// resources without connectionRef use the default connection, restricted by
// --default-connection-namespaces; deletions may use the last credentials that worked.
import { describe, expect, it } from 'vitest';
import type { ClusterMilvusConnection, ClusterMilvusConnectionSpec, MilvusConnection, MilvusConnectionSpec } from '../../src/api/connection.js';
import type { LabelSelector } from '../../src/api/label-selector.js';
import type { MilvusIndex } from '../../src/api/milvusindex.js';
import type { ObjectKey, ObjectStore } from '../../src/controller/types.js';
import type { NamespaceLabels } from '../../src/kube/secrets.js';
import type { ConnectionTarget } from '../../src/milvus/types.js';
import { endpointIdentity } from '../../src/milvus/uri.js';
import { ByReferenceConnectionResolver as RefConnectionResolver } from '../../src/reconcile/connection/by-reference.js';
import { DefaultConnectionResolver, type DefaultConnectionConfig } from '../../src/reconcile/connection/default-connection.js';
import { ConnectionRegistry, type ConnectionState } from '../../src/reconcile/connection/registry.js';
import { connectionKey, DEFAULT_CONNECTION_KEY, type ConnectionIdentity, type ConnectionResolution } from '../../src/reconcile/connection/resolution.js';
import { DEFAULT_URI, EARLIER, NAMESPACE, aMilvusIndex, type MilvusIndexBuilder } from './fakes.js';

// ---------------------------------------------------------------------------------------------
// Builders and fakes

const PROD_URI = 'milvus-prod.milvus.svc:19530';
const SHARED_URI = 'https://milvus-shared.example.com:443';

const DEFAULT_TARGET: ConnectionTarget = { uri: DEFAULT_URI, database: 'default', timeoutMs: 30_000 };
const PROD_TARGET: ConnectionTarget = { uri: PROD_URI, database: 'default', token: 'tok-current', timeoutMs: 30_000, maxConcurrentRequests: 8 };
const PROD_OLD_TARGET: ConnectionTarget = { ...PROD_TARGET, token: 'tok-that-worked' };
const SHARED_TARGET: ConnectionTarget = { uri: SHARED_URI, database: 'analytics', username: 'svc', password: 'pw', timeoutMs: 30_000, tls: { enabled: true }, maxConcurrentRequests: 8 };

class MilvusConnectionBuilder {
  private obj: MilvusConnection;
  constructor(name: string, namespace: string) {
    this.obj = {
      apiVersion: 'index.milvus.io/v1alpha1',
      kind: 'MilvusConnection',
      metadata: { name, namespace, uid: `uid-conn-${namespace}-${name}`, generation: 1, resourceVersion: '10', creationTimestamp: EARLIER },
      spec: { uri: PROD_URI },
    };
  }
  spec(patch: Partial<MilvusConnectionSpec>): this { this.obj.spec = { ...this.obj.spec, ...patch }; return this; }
  build(): MilvusConnection { return structuredClone(this.obj); }
}

class ClusterConnectionBuilder {
  private obj: ClusterMilvusConnection;
  constructor(name: string) {
    this.obj = {
      apiVersion: 'index.milvus.io/v1alpha1',
      kind: 'ClusterMilvusConnection',
      metadata: { name, uid: `uid-cconn-${name}`, generation: 1, resourceVersion: '20', creationTimestamp: EARLIER },
      spec: { uri: SHARED_URI, database: 'analytics' },
    };
  }
  spec(patch: Partial<ClusterMilvusConnectionSpec>): this { this.obj.spec = { ...this.obj.spec, ...patch }; return this; }
  allowAll(): this { return this.spec({ allowedNamespaces: { from: 'All' } }); }
  allowSelector(selector: LabelSelector): this { return this.spec({ allowedNamespaces: { from: 'Selector', selector } }); }
  build(): ClusterMilvusConnection { return structuredClone(this.obj); }
}

/** A MilvusConnection `<namespace>/<name>` (default: search/prod) at PROD_URI, no database. */
function aConnection(name = 'prod', namespace = NAMESPACE): MilvusConnectionBuilder {
  return new MilvusConnectionBuilder(name, namespace);
}
/** A ClusterMilvusConnection `<name>` (default: shared) at SHARED_URI, database analytics, no allowedNamespaces. */
function aClusterConnection(name = 'shared'): ClusterConnectionBuilder {
  return new ClusterConnectionBuilder(name);
}

/** The resource under test, referencing `search/prod`. */
function usingConnection(name = 'prod'): MilvusIndexBuilder {
  return aMilvusIndex().spec({ connectionRef: { kind: 'MilvusConnection', name } });
}
function usingClusterConnection(name = 'shared'): MilvusIndexBuilder {
  return aMilvusIndex().spec({ connectionRef: { kind: 'ClusterMilvusConnection', name } });
}

/** An informer cache; records every key asked for. */
class MemoryStore<T> implements ObjectStore<T> {
  readonly gets: ObjectKey[] = [];
  private readonly items = new Map<ObjectKey, T>();
  constructor(entries: Array<[ObjectKey, T]> = []) { for (const [k, v] of entries) this.items.set(k, v); }
  get(key: ObjectKey): T | undefined { this.gets.push(key); return this.items.get(key); }
  list(): T[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
}

/** Namespace labels by name; `undefined` = the namespace does not exist. Records every lookup. */
class FakeNamespaceLabels implements NamespaceLabels {
  readonly asked: string[] = [];
  constructor(private readonly byNamespace: Record<string, Record<string, string>>, private readonly failure?: Error) {}
  async labels(namespace: string): Promise<Record<string, string> | undefined> {
    this.asked.push(namespace);
    if (this.failure) throw this.failure;
    return this.byNamespace[namespace];
  }
}

/** A connection state as the connection reconciler records it. */
function readyState(target: ConnectionTarget): ConnectionState {
  return { ready: true, reason: 'Connected', message: `Connected to Milvus v2.6.1 at ${target.uri}.`, target, lastWorking: target, serverVersion: 'v2.6.1' };
}
function notReadyState(reason: ConnectionState['reason'], message: string, opts: { target?: ConnectionTarget; lastWorking?: ConnectionTarget } = {}): ConnectionState {
  return { ready: false, reason, message, target: opts.target, lastWorking: opts.lastWorking, serverVersion: undefined };
}

const PROD_KEY = connectionKey('MilvusConnection', 'prod', NAMESPACE);
const SHARED_KEY = connectionKey('ClusterMilvusConnection', 'shared');

interface Given {
  resource: MilvusIndexBuilder;
  namespaced?: MilvusConnection[];
  cluster?: ClusterMilvusConnection[];
  registry?: Record<string, ConnectionState>;
  /** Labels of each namespace that exists. Default: `search` labelled milvus-access=prod. */
  namespaces?: Record<string, Record<string, string>>;
  /** NamespaceLabels.labels throws this. */
  labelsFail?: Error;
  defaultConnection?: DefaultConnectionConfig;
}

interface World {
  resolver: RefConnectionResolver;
  namespaced: MemoryStore<MilvusConnection>;
  cluster: MemoryStore<ClusterMilvusConnection>;
  labels: FakeNamespaceLabels;
}

function world(given: Given): World {
  const namespaced = new MemoryStore<MilvusConnection>((given.namespaced ?? []).map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));
  const cluster = new MemoryStore<ClusterMilvusConnection>((given.cluster ?? []).map((c) => [c.metadata.name, c]));
  const registry = new ConnectionRegistry();
  for (const [k, v] of Object.entries(given.registry ?? {})) registry.set(k, v);
  const labels = new FakeNamespaceLabels(given.namespaces ?? { [NAMESPACE]: { 'milvus-access': 'prod', 'kubernetes.io/metadata.name': NAMESPACE } }, given.labelsFail);
  const fallback = new DefaultConnectionResolver(given.defaultConnection ?? { target: DEFAULT_TARGET, namespaces: [] });
  return { resolver: new RefConnectionResolver({ namespaced, cluster, registry, namespaces: labels, unavailable: () => undefined, fallback }), namespaced, cluster, labels };
}

/** Identity of a connection at `uri`: canonical endpoint (short names resolved in `namespace`) and the display form. */
function id(key: string, uri: string, database = 'default', namespace?: string): ConnectionIdentity {
  return { key, endpoint: endpointIdentity(uri, namespace), displayUri: uri, database };
}
function ready(key: string, target: ConnectionTarget, uri = target.uri, database = 'default'): ConnectionResolution {
  return { kind: 'Ready', ...id(key, uri, database, key.startsWith('MilvusConnection/') ? NAMESPACE : undefined), target };
}
function unknown(message: RegExp): unknown {
  return { kind: 'Unknown', message: expect.stringMatching(message) };
}
function notReady(reason: 'ConnectionNotReady' | 'ConnectionNotAllowed', message: RegExp): unknown {
  return { kind: 'NotReady', reason, message: expect.stringMatching(message) };
}

// ---------------------------------------------------------------------------------------------
// resolve()

interface Row {
  name: string;
  reason: string;
  given: Given;
  want: {
    resolution: unknown;
    /** Namespaces whose labels were read (exactly, in order). */
    labelsAsked?: string[];
    namespacedGets?: string[];
    clusterGets?: string[];
  };
}

const rows: Row[] = [
  // ---- no connectionRef: the default connection
  {
    name: 'no ref, default connection configured',
    reason: 'design §1: resources without connectionRef use the operator\'s default connection',
    given: { resource: aMilvusIndex() },
    want: { resolution: ready(DEFAULT_CONNECTION_KEY, DEFAULT_TARGET), labelsAsked: [], namespacedGets: [], clusterGets: [] },
  },
  {
    name: 'no ref, default connection not configured',
    reason: 'without --milvus-uri there is nothing to connect to; the message says how to fix it',
    given: { resource: aMilvusIndex(), defaultConnection: { target: undefined, namespaces: [] } },
    want: { resolution: notReady('ConnectionNotReady', /--milvus-uri or MILVUS_URI/), labelsAsked: [] },
  },
  {
    name: 'no ref, namespace not in --default-connection-namespaces',
    reason: 'design §1: the default connection is restricted by --default-connection-namespaces',
    given: { resource: aMilvusIndex(), defaultConnection: { target: DEFAULT_TARGET, namespaces: ['ml', 'team-a'] } },
    want: { resolution: notReady('ConnectionNotAllowed', /Namespace "search" may not use the default connection \(allowed: ml, team-a\)/), labelsAsked: [] },
  },
  {
    name: 'no ref, namespace in --default-connection-namespaces',
    reason: 'a listed namespace may use it',
    given: { resource: aMilvusIndex(), defaultConnection: { target: DEFAULT_TARGET, namespaces: ['ml', NAMESPACE] } },
    want: { resolution: ready(DEFAULT_CONNECTION_KEY, DEFAULT_TARGET) },
  },
  {
    name: 'no ref, default connection in another database',
    reason: 'the identity carries the default connection\'s database (--milvus-database)',
    given: { resource: aMilvusIndex(), defaultConnection: { target: { ...DEFAULT_TARGET, database: 'analytics' }, namespaces: [] } },
    want: { resolution: ready(DEFAULT_CONNECTION_KEY, { ...DEFAULT_TARGET, database: 'analytics' }, DEFAULT_URI, 'analytics') },
  },

  // ---- MilvusConnection
  {
    name: 'ref to a MilvusConnection that does not exist',
    reason: 'nothing to resolve; the message says to create it',
    given: { resource: usingConnection('prod') },
    want: { resolution: notReady('ConnectionNotReady', /MilvusConnection "prod" in namespace "search" does not exist; create it/), namespacedGets: [`${NAMESPACE}/prod`], clusterGets: [] },
  },
  {
    name: 'ref to a MilvusConnection of the same name in another namespace only',
    reason: 'design §1: a namespaced MilvusConnection serves its own namespace only; it is looked up in the resource\'s namespace, nowhere else',
    given: { resource: usingConnection('prod'), namespaced: [aConnection('prod', 'other').build()], registry: { [connectionKey('MilvusConnection', 'prod', 'other')]: readyState(PROD_TARGET) } },
    want: { resolution: notReady('ConnectionNotReady', /does not exist/), namespacedGets: [`${NAMESPACE}/prod`], clusterGets: [] },
  },
  {
    name: 'MilvusConnection exists, registry has no state yet',
    reason: 'the connection reconciler has not verified it yet',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().build()] },
    want: { resolution: unknown(/MilvusConnection "prod" in namespace "search" has not been verified since the operator started/) },
  },
  {
    name: 'MilvusConnection exists, only another namespace\'s connection of that name is verified',
    reason: 'registry keys include the namespace: another tenant\'s state is never used',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().build(), aConnection('prod', 'other').build()], registry: { [connectionKey('MilvusConnection', 'prod', 'other')]: readyState(PROD_TARGET) } },
    want: { resolution: unknown(/has not been verified since the operator started/) },
  },
  {
    name: 'MilvusConnection verified and ready',
    reason: 'Ready with the registry\'s target; key, uri and database from the connection',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().build()], registry: { [PROD_KEY]: readyState(PROD_TARGET) } },
    want: { resolution: ready(PROD_KEY, PROD_TARGET, PROD_URI, 'default'), labelsAsked: [] },
  },
  {
    name: 'MilvusConnection verified and ready, with its own database',
    reason: 'the identity carries spec.database of the connection',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().spec({ database: 'analytics' }).build()], registry: { [PROD_KEY]: readyState({ ...PROD_TARGET, database: 'analytics' }) } },
    want: { resolution: ready(PROD_KEY, { ...PROD_TARGET, database: 'analytics' }, PROD_URI, 'analytics') },
  },
  {
    name: 'MilvusConnection not ready: authentication failed',
    reason: 'the connection\'s reason and message are passed on so the user knows what to fix',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().build()], registry: { [PROD_KEY]: notReadyState('AuthenticationFailed', 'Milvus at milvus-prod refused the credentials.', { target: PROD_TARGET, lastWorking: PROD_OLD_TARGET }) } },
    want: { resolution: notReady('ConnectionNotReady', /MilvusConnection "prod" in namespace "search" is not ready \(AuthenticationFailed\): Milvus at milvus-prod refused the credentials\./) },
  },
  {
    name: 'MilvusConnection not ready: Secret gone, live resource',
    reason: 'lastWorking is for deletions only; a live resource waits for the connection',
    given: { resource: usingConnection('prod'), namespaced: [aConnection().build()], registry: { [PROD_KEY]: notReadyState('SecretNotFound', 'Secret "creds" does not exist.', { lastWorking: PROD_OLD_TARGET }) } },
    want: { resolution: notReady('ConnectionNotReady', /is not ready \(SecretNotFound\): Secret "creds" does not exist\./) },
  },
  {
    name: 'MilvusConnection not ready: Secret gone, DELETING resource with lastWorking',
    reason: 'design §1: the operator keeps the last working credentials so deletions still drop after a namespace deletion removed the Secret',
    given: { resource: usingConnection('prod').deleting(), namespaced: [aConnection().build()], registry: { [PROD_KEY]: notReadyState('SecretNotFound', 'Secret "creds" does not exist.', { lastWorking: PROD_OLD_TARGET }) } },
    want: { resolution: ready(PROD_KEY, PROD_OLD_TARGET, PROD_URI, 'default') },
  },
  {
    name: 'MilvusConnection not ready: unreachable, DELETING resource with lastWorking',
    reason: 'a deletion tries the last credentials that worked whatever the connection\'s reason',
    given: { resource: usingConnection('prod').deleting(), namespaced: [aConnection().build()], registry: { [PROD_KEY]: notReadyState('Unreachable', 'cannot be reached', { target: PROD_TARGET, lastWorking: PROD_OLD_TARGET }) } },
    want: { resolution: ready(PROD_KEY, PROD_OLD_TARGET, PROD_URI, 'default') },
  },
  {
    name: 'MilvusConnection not ready, DELETING resource, nothing ever worked',
    reason: 'no lastWorking: the deletion waits like everything else',
    given: { resource: usingConnection('prod').deleting(), namespaced: [aConnection().build()], registry: { [PROD_KEY]: notReadyState('SecretNotFound', 'Secret "creds" does not exist.') } },
    want: { resolution: notReady('ConnectionNotReady', /is not ready \(SecretNotFound\)/) },
  },
  {
    name: 'MilvusConnection ready, DELETING resource',
    reason: 'a ready connection\'s current target wins over lastWorking',
    given: { resource: usingConnection('prod').deleting(), namespaced: [aConnection().build()], registry: { [PROD_KEY]: { ...readyState(PROD_TARGET), lastWorking: PROD_OLD_TARGET } } },
    want: { resolution: ready(PROD_KEY, PROD_TARGET, PROD_URI, 'default') },
  },
  {
    name: 'ref to a MilvusConnection is never looked up among ClusterMilvusConnections',
    reason: 'the kind in connectionRef decides which cache is read',
    given: { resource: usingConnection('shared'), cluster: [aClusterConnection('shared').build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: notReady('ConnectionNotReady', /MilvusConnection "shared" in namespace "search" does not exist/), clusterGets: [] },
  },

  // ---- ClusterMilvusConnection
  {
    name: 'ref to a ClusterMilvusConnection that does not exist',
    reason: 'nothing to resolve',
    given: { resource: usingClusterConnection('shared') },
    want: { resolution: notReady('ConnectionNotReady', /ClusterMilvusConnection "shared" does not exist/), clusterGets: ['shared'], namespacedGets: [] },
  },
  {
    name: 'ClusterMilvusConnection without allowedNamespaces, ready',
    reason: 'allowedNamespaces defaults to All; no namespace lookup is needed',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: ready(SHARED_KEY, SHARED_TARGET, SHARED_URI, 'analytics'), labelsAsked: [] },
  },
  {
    name: 'ClusterMilvusConnection allowedNamespaces All, ready',
    reason: 'every namespace may use it; no namespace lookup',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowAll().build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: ready(SHARED_KEY, SHARED_TARGET, SHARED_URI, 'analytics'), labelsAsked: [] },
  },
  {
    name: 'ClusterMilvusConnection Selector matches the namespace labels',
    reason: 'design §1: allowedNamespaces.selector on namespace labels',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchLabels: { 'milvus-access': 'prod' } }).build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: ready(SHARED_KEY, SHARED_TARGET, SHARED_URI, 'analytics'), labelsAsked: [NAMESPACE] },
  },
  {
    name: 'ClusterMilvusConnection Selector with matchExpressions matches',
    reason: 'full label-selector semantics',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchExpressions: [{ key: 'milvus-access', operator: 'In', values: ['prod', 'staging'] }] }).build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: ready(SHARED_KEY, SHARED_TARGET, SHARED_URI, 'analytics'), labelsAsked: [NAMESPACE] },
  },
  {
    name: 'ClusterMilvusConnection Selector does not match',
    reason: 'design §1: a MilvusIndex that references a connection it may not use is ConnectionNotAllowed',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchLabels: { 'milvus-access': 'staging' } }).build()], registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: notReady('ConnectionNotAllowed', /Namespace "search" may not use ClusterMilvusConnection "shared"/), labelsAsked: [NAMESPACE] },
  },
  {
    name: 'ClusterMilvusConnection Selector does not match, connection not verified either',
    reason: 'ConnectionNotAllowed is decided before the connection state',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchLabels: { 'milvus-access': 'staging' } }).build()] },
    want: { resolution: notReady('ConnectionNotAllowed', /may not use/) },
  },
  {
    name: 'ClusterMilvusConnection Selector, namespace gone',
    reason: 'a namespace that no longer exists has no labels: not allowed',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchLabels: { 'milvus-access': 'prod' } }).build()], namespaces: {}, registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: notReady('ConnectionNotAllowed', /may not use ClusterMilvusConnection "shared"/), labelsAsked: [NAMESPACE] },
  },
  {
    name: 'ClusterMilvusConnection Selector, namespace lookup fails',
    reason: 'resolve never throws; a failed lookup is ConnectionNotReady (retry), not a verdict on access',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowSelector({ matchLabels: { 'milvus-access': 'prod' } }).build()], labelsFail: new Error('namespaces "search" is forbidden'), registry: { [SHARED_KEY]: readyState(SHARED_TARGET) } },
    want: { resolution: notReady('ConnectionNotReady', /cannot read the labels of namespace "search".*namespaces "search" is forbidden/), labelsAsked: [NAMESPACE] },
  },
  {
    name: 'ClusterMilvusConnection allowed, not verified yet',
    reason: 'an empty registry means not verified',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowAll().build()] },
    want: { resolution: unknown(/ClusterMilvusConnection "shared" has not been verified since the operator started/) },
  },
  {
    name: 'ClusterMilvusConnection allowed, not ready',
    reason: 'the connection\'s reason and message are passed on',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().allowAll().build()], registry: { [SHARED_KEY]: notReadyState('Unreachable', 'Milvus at milvus-shared cannot be reached.', { target: SHARED_TARGET }) } },
    want: { resolution: notReady('ConnectionNotReady', /ClusterMilvusConnection "shared" is not ready \(Unreachable\): Milvus at milvus-shared cannot be reached\./) },
  },
  {
    name: 'ClusterMilvusConnection allowed, Secret gone, DELETING resource with lastWorking',
    reason: 'deletions use the last working credentials for cluster connections too',
    given: { resource: usingClusterConnection().deleting(), cluster: [aClusterConnection().allowAll().build()], registry: { [SHARED_KEY]: notReadyState('SecretNotFound', 'gone', { lastWorking: SHARED_TARGET }) } },
    want: { resolution: ready(SHARED_KEY, SHARED_TARGET, SHARED_URI, 'analytics') },
  },
  {
    name: 'ClusterMilvusConnection without database',
    reason: 'the connection\'s database defaults to "default"',
    given: { resource: usingClusterConnection(), cluster: [aClusterConnection().spec({ database: undefined }).build()], registry: { [SHARED_KEY]: readyState({ ...SHARED_TARGET, database: 'default' }) } },
    want: { resolution: ready(SHARED_KEY, { ...SHARED_TARGET, database: 'default' }, SHARED_URI, 'default') },
  },
  {
    name: 'ref to a ClusterMilvusConnection is never looked up among MilvusConnections',
    reason: 'the kind in connectionRef decides which cache is read',
    given: { resource: usingClusterConnection('prod'), namespaced: [aConnection('prod').build()], registry: { [PROD_KEY]: readyState(PROD_TARGET) } },
    want: { resolution: notReady('ConnectionNotReady', /ClusterMilvusConnection "prod" does not exist/), namespacedGets: [] },
  },
];

describe('RefConnectionResolver.resolve', () => {
  it.each(rows)('$name', async ({ reason, given, want }) => {
    const w = world(given);
    const got = await w.resolver.resolve(given.resource.build());
    expect(got, reason).toEqual(want.resolution);
    if (want.labelsAsked) expect(w.labels.asked, `namespace labels read: ${reason}`).toEqual(want.labelsAsked);
    if (want.namespacedGets) expect(w.namespaced.gets, `MilvusConnection cache reads: ${reason}`).toEqual(want.namespacedGets);
    if (want.clusterGets) expect(w.cluster.gets, `ClusterMilvusConnection cache reads: ${reason}`).toEqual(want.clusterGets);
  });

  it('never hands out one connection\'s target for another connection (the target is the registry state of this key)', async () => {
    const w = world({
      resource: usingConnection('prod'),
      namespaced: [aConnection('prod').build(), aConnection('dev').build()],
      registry: { [PROD_KEY]: readyState(PROD_TARGET), [connectionKey('MilvusConnection', 'dev', NAMESPACE)]: readyState({ ...PROD_TARGET, token: 'dev-token' }) },
    });
    const got = await w.resolver.resolve(usingConnection('dev').build());
    expect(got).toMatchObject({ kind: 'Ready', key: connectionKey('MilvusConnection', 'dev', NAMESPACE), target: { token: 'dev-token' } });
  });
});

// ---------------------------------------------------------------------------------------------
// identity(): synchronous, from caches, used to find peers and the collection lock

interface IdentityRow {
  name: string;
  reason: string;
  given: Given;
  want: ConnectionIdentity | undefined;
}

const identityRows: IdentityRow[] = [
  { name: 'no ref, default configured', reason: 'the default connection\'s identity', given: { resource: aMilvusIndex() }, want: id(DEFAULT_CONNECTION_KEY, DEFAULT_URI) },
  { name: 'no ref, default not configured', reason: 'cannot be resolved now', given: { resource: aMilvusIndex(), defaultConnection: { target: undefined, namespaces: [] } }, want: undefined },
  { name: 'no ref, namespace not allowed', reason: 'identity names where the index would live, independent of permission (peers are filtered by their status)', given: { resource: aMilvusIndex(), defaultConnection: { target: DEFAULT_TARGET, namespaces: ['ml'] } }, want: id(DEFAULT_CONNECTION_KEY, DEFAULT_URI) },
  { name: 'MilvusConnection present, not verified', reason: 'identity comes from the cache, not the registry', given: { resource: usingConnection(), namespaced: [aConnection().build()] }, want: id(PROD_KEY, PROD_URI, 'default', NAMESPACE) },
  { name: 'MilvusConnection with a database', reason: 'spec.database of the connection', given: { resource: usingConnection(), namespaced: [aConnection().spec({ database: 'analytics' }).build()] }, want: id(PROD_KEY, PROD_URI, 'analytics', NAMESPACE) },
  { name: 'MilvusConnection missing', reason: 'cannot be resolved now', given: { resource: usingConnection() }, want: undefined },
  { name: 'MilvusConnection only in another namespace', reason: 'own namespace only', given: { resource: usingConnection(), namespaced: [aConnection('prod', 'other').build()] }, want: undefined },
  { name: 'ClusterMilvusConnection present', reason: 'uri and database of the cluster connection', given: { resource: usingClusterConnection(), cluster: [aClusterConnection().build()] }, want: id(SHARED_KEY, SHARED_URI, 'analytics') },
  { name: 'ClusterMilvusConnection missing', reason: 'cannot be resolved now', given: { resource: usingClusterConnection() }, want: undefined },
];

describe('RefConnectionResolver.identity', () => {
  it.each(identityRows)('$name', ({ reason, given, want }) => {
    const w = world(given);
    expect(w.resolver.identity(given.resource.build()), reason).toEqual(want);
    expect(w.labels.asked, 'identity is synchronous: it never reads namespaces').toEqual([]);
  });

  it('two resources in different namespaces using same-named MilvusConnections have different identities (keys)', () => {
    const w = world({ resource: usingConnection(), namespaced: [aConnection('prod', NAMESPACE).build(), aConnection('prod', 'other').build()] });
    const mine = w.resolver.identity(usingConnection().build());
    const theirs = w.resolver.identity({ ...usingConnection().build(), metadata: { ...usingConnection().build().metadata, namespace: 'other' } });
    expect(mine?.key).toBe(PROD_KEY);
    expect(theirs?.key).toBe(connectionKey('MilvusConnection', 'prod', 'other'));
  });

  it('a namespaced and a cluster connection of one name have different keys', () => {
    expect(connectionKey('MilvusConnection', 'x', NAMESPACE)).not.toBe(connectionKey('ClusterMilvusConnection', 'x'));
  });
});

// ---------------------------------------------------------------------------------------------
// DefaultConnectionResolver on its own

describe('DefaultConnectionResolver', () => {
  it('has no identity for a resource with a connectionRef (the by-reference resolver serves those)', () => {
    const r = new DefaultConnectionResolver({ target: DEFAULT_TARGET, namespaces: [] });
    expect(r.identity(usingConnection('prod').build())).toBeUndefined();
  });

  it('hands out the configured target itself', async () => {
    const target: ConnectionTarget = { ...DEFAULT_TARGET, token: 'root:Milvus' };
    const r = new DefaultConnectionResolver({ target, namespaces: [] });
    const got = await r.resolve(aMilvusIndex().build() satisfies MilvusIndex);
    expect(got).toEqual({ kind: 'Ready', ...id(DEFAULT_CONNECTION_KEY, DEFAULT_URI), target });
  });
});
