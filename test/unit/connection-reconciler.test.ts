// ConnectionReconciler (src/reconcile/connection-reconciler.ts) with recording fakes (style rule 9):
// a SecretReader that records every get, a MilvusClientProvider whose serverVersion() resolves or
// throws errors built by the real classifier (classifyThrown, as the adapter does), and a writer
// that records finalizer and status writes. The registry is the real ConnectionRegistry.
// Design §1: connections carry a finalizer while a MilvusIndex uses them; Secrets are read with
// `get` on every pass (rotation without restart); the last working credentials are kept in memory
// for deletions; status is written only when it changed, and never holds a secret.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_FINALIZER,
  type AnyConnection, type ClusterMilvusConnection, type ConnectionStatus, type MilvusConnection,
} from '../../src/api/connection.js';
import type { Condition } from '../../src/api/conditions.js';
import type { MilvusIndex } from '../../src/api/milvusindex.js';
import type { ObjectKey, ObjectStore, RequeueDecision } from '../../src/controller/types.js';
import type { SecretReader } from '../../src/kube/secrets.js';
import { classifyThrown } from '../../src/milvus/classify.js';
import type { MilvusError } from '../../src/milvus/errors.js';
import type { ConnectionTarget, MilvusClientProvider, MilvusIndexApi } from '../../src/milvus/types.js';
import { ConnectionReconciler, type ConnectionWriter } from '../../src/reconcile/connection/reconciler.js';
import { ConnectionRegistry, type ConnectionState } from '../../src/reconcile/connection/registry.js';
import { connectionKey, connectionKeyOf } from '../../src/reconcile/connection/resolution.js';
import type { Logger as ReconcileLogger } from '../../src/observability/logger.js';

/** Does `index` use the connection `conn` (by connectionKey, as the claim index keys users)? */
function usesConnection(index: MilvusIndex, conn: AnyConnection): boolean {
  return connectionKeyOf(index) === connectionKey(conn.kind, conn.metadata.name, conn.metadata.namespace);
}
import { EARLIER, NAMESPACE, NOW, NOW_ISO, aMilvusIndex, type MilvusIndexBuilder } from './fakes.js';

// ---------------------------------------------------------------------------------------------
// Constants

const PROD_URI = 'milvus-prod.milvus.svc:19530';
const TLS_URI = 'https://milvus.example.com:443';
const TOKEN = 'tok-7c1e9a44d0';
const TOKEN_ROTATED = 'tok-rotated-51bb2e';
const USERNAME = 'svc-index';
const PASSWORD = 'pw-52f0aa19c3';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfake\n-----END CERTIFICATE-----\n';
const VERSION = 'v2.6.1';

const PROD_KEY = connectionKey('MilvusConnection', 'prod', NAMESPACE);
const SHARED_KEY = connectionKey('ClusterMilvusConnection', 'shared');

/** The target the default `aConnection()` with a token Secret builds. */
const TOKEN_TARGET: ConnectionTarget = { uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, token: TOKEN };

// ---------------------------------------------------------------------------------------------
// Builders

class ConnectionBuilder {
  private obj: AnyConnection;
  constructor(kind: 'MilvusConnection' | 'ClusterMilvusConnection', name: string, namespace: string | undefined) {
    const metadata = { name, uid: `uid-${kind}-${name}`, generation: 1, resourceVersion: '10', creationTimestamp: EARLIER };
    this.obj = kind === 'MilvusConnection'
      ? { apiVersion: 'index.milvus.io/v1alpha1', kind, metadata: { ...metadata, namespace: namespace! }, spec: { uri: PROD_URI } } satisfies MilvusConnection
      : { apiVersion: 'index.milvus.io/v1alpha1', kind, metadata, spec: { uri: PROD_URI } } satisfies ClusterMilvusConnection;
  }
  private patchSpec(patch: Record<string, unknown>): this {
    const next: Record<string, unknown> = { ...this.obj.spec, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    this.obj.spec = next as AnyConnection['spec'];
    return this;
  }
  uri(uri: string): this { return this.patchSpec({ uri }); }
  database(database: string): this { return this.patchSpec({ database }); }
  timeoutSeconds(s: number): this { return this.patchSpec({ timeoutSeconds: s }); }
  maxConcurrentRequests(n: number): this { return this.patchSpec({ maxConcurrentRequests: n }); }
  /** spec.credentialsSecretRef (namespace only for ClusterMilvusConnection). */
  credentials(name: string, namespace?: string): this { return this.patchSpec({ credentialsSecretRef: { name, ...(namespace ? { namespace } : {}) } }); }
  tls(tls: { enabled: boolean; caSecretRef?: { name: string; key?: string; namespace?: string }; serverName?: string }): this { return this.patchSpec({ tls }); }
  withFinalizer(): this { this.obj.metadata.finalizers = [CONNECTION_FINALIZER]; return this; }
  deleting(): this { this.obj.metadata.deletionTimestamp = EARLIER; return this; }
  status(status: ConnectionStatus): this { this.obj.status = structuredClone(status); return this; }
  build(): AnyConnection { return structuredClone(this.obj); }
}

/** MilvusConnection search/prod at PROD_URI, no credentials, no finalizer. */
function aConnection(name = 'prod', namespace = NAMESPACE): ConnectionBuilder {
  return new ConnectionBuilder('MilvusConnection', name, namespace);
}
/** ClusterMilvusConnection `shared` at PROD_URI, no credentials, no finalizer. */
function aClusterConnection(name = 'shared'): ConnectionBuilder {
  return new ConnectionBuilder('ClusterMilvusConnection', name, undefined);
}

/** A MilvusIndex (default search/docs-embedding) that references MilvusConnection `prod`. */
function anIndexUsing(name = 'prod', kind: 'MilvusConnection' | 'ClusterMilvusConnection' = 'MilvusConnection', resource = 'docs-embedding'): MilvusIndexBuilder {
  return aMilvusIndex(resource).spec({ connectionRef: { kind, name } });
}
function inNamespace(b: MilvusIndexBuilder, namespace: string): MilvusIndex {
  const r = b.build();
  return { ...r, metadata: { ...r.metadata, namespace, uid: `${r.metadata.uid}-${namespace}` } };
}

/** What a gRPC failure looks like after the adapter classified it (src/milvus/client.ts does this). */
function grpcFailure(code: number, text: string, details: string): MilvusError {
  const raw = Object.assign(new Error(`${code} ${text}: ${details}`), { code, details });
  return classifyThrown(raw, { method: 'serverVersion', action: 'get the server version', secrets: [TOKEN, TOKEN_ROTATED, PASSWORD] });
}
const UNAUTHENTICATED = () => grpcFailure(16, 'UNAUTHENTICATED', `invalid token ${TOKEN}`);
const PERMISSION_DENIED = () => grpcFailure(7, 'PERMISSION_DENIED', 'privilege not permitted');
const UNAVAILABLE = () => grpcFailure(14, 'UNAVAILABLE', 'No connection established. Last error: connect ECONNREFUSED 10.0.0.9:19530');

// ---------------------------------------------------------------------------------------------
// Fakes

class MemoryStore<T> implements ObjectStore<T> {
  private readonly items = new Map<ObjectKey, T>();
  constructor(entries: Array<[ObjectKey, T]> = []) { for (const [k, v] of entries) this.items.set(k, v); }
  get(key: ObjectKey): T | undefined { return this.items.get(key); }
  list(): T[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
  put(key: ObjectKey, obj: T): void { this.items.set(key, obj); }
  remove(key: ObjectKey): void { this.items.delete(key); }
}

/** Secrets by `namespace/name`; an Error is thrown by get. Records every get. */
class FakeSecrets implements SecretReader {
  readonly gets: string[] = [];
  readonly data: Record<string, Record<string, string> | Error>;
  constructor(data: Record<string, Record<string, string> | Error> = {}) {
    // A copy: tests rotate and delete Secrets in it.
    this.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v instanceof Error ? v : { ...v }]));
  }
  async get(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const key = `${namespace}/${name}`;
    this.gets.push(key);
    const d = this.data[key];
    if (d instanceof Error) throw d;
    return d === undefined ? undefined : { ...d };
  }
}

/** One client per call; serverVersion() resolves `version` or throws it. Records gets and evictions. */
class FakeMilvus implements MilvusClientProvider {
  readonly gets: Array<{ key: string; target: ConnectionTarget }> = [];
  readonly evicted: string[] = [];
  versionCalls = 0;
  constructor(public version: string | Error = VERSION) {}
  get(connectionKey: string, target: ConnectionTarget): MilvusIndexApi {
    this.gets.push({ key: connectionKey, target: structuredClone(target) });
    const unexpected = (method: string) => async (): Promise<never> => { throw new Error(`the connection reconciler must not call ${method}`); };
    return {
      serverVersion: async () => {
        this.versionCalls++;
        if (this.version instanceof Error) throw this.version;
        return this.version;
      },
      describeCollection: unexpected('describeCollection'),
      getLoadState: unexpected('getLoadState'),
      listIndexes: unexpected('listIndexes'),
      createIndex: unexpected('createIndex'),
      dropIndex: unexpected('dropIndex'),
      alterIndexProperties: unexpected('alterIndexProperties'),
      releaseCollection: unexpected('releaseCollection'),
      loadCollection: unexpected('loadCollection'),
    } satisfies MilvusIndexApi;
  }
  async close(): Promise<void> {}
  async evict(key: string): Promise<void> { this.evicted.push(key); }
}

type WriteOp = 'addFinalizer' | 'removeFinalizer' | 'writeStatus';

/**
 * Records finalizer and status writes. Models the precondition of the real CustomObjectWriter
 * (src/kube/object-writer.ts): a status write carries a JSON-patch `test` on
 * metadata.resourceVersion, and every successful write moves the server's resourceVersion on, so a
 * status write with an object read before a finalizer write in the same pass is refused with the
 * API server's 422 (a write conflict, see isWriteConflict).
 */
class FakeWriter implements ConnectionWriter {
  readonly calls: Array<{ op: WriteOp; name: string; finalizer?: string; status?: ConnectionStatus }> = [];
  /** Status writes refused because they carried a stale resourceVersion. */
  readonly refused: Array<{ name: string; sent: string; current: string }> = [];
  private readonly serverRv = new Map<string, number>();
  constructor(public failures: Partial<Record<WriteOp, unknown>> = {}) {}
  get ops(): WriteOp[] { return this.calls.map((c) => c.op); }
  get statuses(): ConnectionStatus[] { return this.calls.flatMap((c) => (c.status ? [c.status] : [])); }
  /** The resourceVersion the server holds now. */
  currentRv(obj: AnyConnection): string { return String(this.serverRv.get(obj.metadata.name) ?? Number(obj.metadata.resourceVersion)); }
  async addFinalizer(obj: AnyConnection, finalizer: string): Promise<void> { this.record('addFinalizer', obj, { finalizer }); this.bump(obj); }
  async removeFinalizer(obj: AnyConnection, finalizer: string): Promise<void> { this.record('removeFinalizer', obj, { finalizer }); this.bump(obj); }
  async writeStatus(obj: AnyConnection, status: ConnectionStatus): Promise<string | undefined> {
    this.record('writeStatus', obj, { status: structuredClone(status) });
    const current = this.currentRv(obj);
    if (obj.metadata.resourceVersion !== current) {
      this.refused.push({ name: obj.metadata.name, sent: obj.metadata.resourceVersion, current });
      throw new ApiException(422, 'Unprocessable Entity', JSON.stringify({ message: `the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed: test failed` }), {});
    }
    return this.bump(obj);
  }
  private bump(obj: AnyConnection): string {
    const next = Number(this.currentRv(obj)) + 1;
    this.serverRv.set(obj.metadata.name, next);
    return String(next);
  }
  private record(op: WriteOp, obj: AnyConnection, extra: { finalizer?: string; status?: ConnectionStatus }): void {
    this.calls.push({ op, name: obj.metadata.name, ...extra });
    const f = this.failures[op];
    if (f !== undefined) throw f;
  }
}

class RecordingLog implements ReconcileLogger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string): void { this.lines.push({ level: 'debug', obj, msg }); }
  info(obj: object, msg: string): void { this.lines.push({ level: 'info', obj, msg }); }
  warn(obj: object, msg: string): void { this.lines.push({ level: 'warn', obj, msg }); }
  error(obj: object, msg: string): void { this.lines.push({ level: 'error', obj, msg }); }
}

// ---------------------------------------------------------------------------------------------
// Harness

interface Setup {
  connection: AnyConnection | undefined;
  /** Reconciled key when `connection` is undefined. */
  key?: string;
  kind?: 'MilvusConnection' | 'ClusterMilvusConnection';
  secrets?: Record<string, Record<string, string> | Error>;
  indexes?: Array<MilvusIndex | MilvusIndexBuilder>;
  version?: string | Error;
  previous?: ConnectionState;
  writeFailures?: Partial<Record<WriteOp, unknown>>;
}

class Harness {
  readonly store: MemoryStore<AnyConnection>;
  readonly indexes: MemoryStore<MilvusIndex>;
  readonly registry = new ConnectionRegistry();
  readonly secrets: FakeSecrets;
  readonly milvus: FakeMilvus;
  readonly writer: FakeWriter;
  readonly log = new RecordingLog();
  readonly changed: string[] = [];
  readonly kind: 'MilvusConnection' | 'ClusterMilvusConnection';
  readonly key: string;
  readonly connKey: string;
  private readonly reconciler: ConnectionReconciler;

  constructor(setup: Setup) {
    const c = setup.connection;
    this.kind = c?.kind ?? setup.kind ?? 'MilvusConnection';
    this.key = c ? (c.kind === 'MilvusConnection' ? `${c.metadata.namespace}/${c.metadata.name}` : c.metadata.name) : setup.key!;
    this.connKey = c ? connectionKey(c.kind, c.metadata.name, c.metadata.namespace) : this.kind === 'MilvusConnection' ? connectionKey(this.kind, this.key.split('/')[1]!, this.key.split('/')[0]) : connectionKey(this.kind, this.key);
    this.store = new MemoryStore<AnyConnection>(c ? [[this.key, c]] : []);
    this.indexes = new MemoryStore<MilvusIndex>((setup.indexes ?? []).map((i) => {
      const r = 'build' in i ? i.build() : i;
      return [`${r.metadata.namespace}/${r.metadata.name}`, r];
    }));
    this.secrets = new FakeSecrets(setup.secrets ?? {});
    this.milvus = new FakeMilvus(setup.version ?? VERSION);
    this.writer = new FakeWriter(setup.writeFailures ?? {});
    if (setup.previous) this.registry.set(this.connKey, setup.previous);
    this.reconciler = new ConnectionReconciler({
      kind: this.kind,
      store: this.store,
      usersOf: (connKey) => this.indexes.list().filter((i) => connectionKeyOf(i) === connKey),
      registry: this.registry,
      secrets: this.secrets,
      milvus: this.milvus,
      writer: this.writer,
      now: () => NOW,
      log: this.log,
      onChanged: (k) => { this.changed.push(k); },
      events: { emit: async (t, e) => { this.events.push(`${t.metadata.namespace}/${t.metadata.name} ${e.type} ${e.reason}: ${e.message}`); } },
    });
  }

  readonly events: string[] = [];

  reconcile(): Promise<RequeueDecision> {
    return this.reconciler.reconcile(this.key);
  }

  /** What the informer would deliver after our own writes: the last status written, finalizer changes applied. */
  applyWrites(): void {
    const obj = this.store.get(this.key);
    if (!obj) return;
    const next = structuredClone(obj);
    for (const c of this.writer.calls) {
      if (c.op === 'writeStatus' && c.status) next.status = structuredClone(c.status);
      if (c.op === 'addFinalizer') next.metadata.finalizers = [...(next.metadata.finalizers ?? []), c.finalizer!];
      if (c.op === 'removeFinalizer') next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== c.finalizer);
    }
    next.metadata.resourceVersion = this.writer.currentRv(next);
    this.store.put(this.key, next);
    this.writer.calls.length = 0;
  }

  get state(): ConnectionState | undefined { return this.registry.get(this.connKey); }
  get lastStatus(): ConnectionStatus | undefined { return this.writer.statuses.at(-1); }
}

function cond(status: ConnectionStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

// ---------------------------------------------------------------------------------------------
// The table

interface Want {
  requeue: RequeueDecision;
  /** Writes in order. */
  writes: WriteOp[];
  /** Ready condition of the status written (when one was written). */
  ready?: { status: string; reason: string; message?: unknown };
  reconciling?: 'True' | 'False';
  stalled?: 'True' | 'False';
  serverVersion?: string | null;
  usedBy?: number;
  /** The registry entry after the pass; 'absent' = none. */
  registry?: Partial<ConnectionState> | 'absent';
  /** Secrets read (namespace/name), in order. */
  secretGets?: string[];
  /** Targets the Milvus client was built for; [] = Milvus never contacted. */
  milvusTargets?: ConnectionTarget[];
  onChanged?: string[];
}

interface Row {
  name: string;
  reason: string;
  given: Setup;
  want: Want;
}

const withTokenSecret = () => aConnection().credentials('milvus-creds').withFinalizer();
const TOKEN_SECRET = { [`${NAMESPACE}/milvus-creds`]: { token: TOKEN } };
const USED = [anIndexUsing()];

const rows: Row[] = [
  // ---- verification outcomes
  {
    name: 'Connected with a token',
    reason: 'the Secret has a token; the server answers its version: Ready True / Connected, registry ready, onChanged on the first verification',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'],
      ready: { status: 'True', reason: 'Connected', message: `Connected to Milvus ${VERSION} at ${PROD_URI}.` }, reconciling: 'False', stalled: 'False',
      serverVersion: VERSION, usedBy: 1,
      registry: { ready: true, reason: 'Connected', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION },
      secretGets: [`${NAMESPACE}/milvus-creds`], milvusTargets: [TOKEN_TARGET], onChanged: [PROD_KEY],
    },
  },
  {
    name: 'Connected with username and password',
    reason: 'Secret keys username + password become the target\'s credentials',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME, password: PASSWORD } }, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' },
      milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, username: USERNAME, password: PASSWORD }],
    },
  },
  {
    name: 'token wins over username and password',
    reason: 'a Secret with all three keys authenticates with the token only',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { token: TOKEN, username: USERNAME, password: PASSWORD } }, indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'Connected without credentials',
    reason: 'no credentialsSecretRef: no Secret is read, the target has no credentials',
    given: { connection: aConnection().withFinalizer().build(), indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' },
      secretGets: [], milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8 }],
    },
  },
  {
    name: 'spec settings reach the target',
    reason: 'database, timeoutSeconds and maxConcurrentRequests of the spec',
    given: { connection: aConnection().database('analytics').timeoutSeconds(5).maxConcurrentRequests(2).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], milvusTargets: [{ uri: PROD_URI, database: 'analytics', timeoutMs: 5_000, maxConcurrentRequests: 2 }] },
  },
  {
    name: 'Secret without token or username/password keys',
    reason: 'SecretNotFound names the keys it needs; Milvus is never contacted',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { user: USERNAME, pass: PASSWORD } }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretNotFound', message: expect.stringMatching(/Secret "milvus-creds" in namespace "search" has neither a "token" key nor "username" and "password" keys/) },
      reconciling: 'False', stalled: 'True',
      registry: { ready: false, reason: 'SecretNotFound', target: undefined, lastWorking: undefined },
      milvusTargets: [], onChanged: [PROD_KEY],
    },
  },
  {
    name: 'Secret with a username but no password',
    reason: 'half a credential is missing keys',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME } }, indexes: USED },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'SecretNotFound' }, milvusTargets: [] },
  },
  {
    name: 'Secret missing',
    reason: 'SecretNotFound says which Secret; Milvus is never contacted',
    given: { connection: withTokenSecret().build(), indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretNotFound', message: 'Secret "milvus-creds" in namespace "search" (spec.credentialsSecretRef) does not exist.' },
      stalled: 'True', secretGets: [`${NAMESPACE}/milvus-creds`], milvusTargets: [],
    },
  },
  {
    name: 'Secret unreadable',
    reason: 'a failed get (e.g. RBAC) is reported, not thrown',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: new ApiException(403, 'Forbidden', '{"message":"secrets \\"milvus-creds\\" is forbidden"}', {}) }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretNotFound', message: expect.stringMatching(/cannot read the connection's Secret: HTTP 403: secrets "milvus-creds" is forbidden/) },
      milvusTargets: [],
    },
  },
  {
    name: 'MilvusConnection reads its Secret in its own namespace',
    reason: 'design §1: a MilvusConnection\'s credentialsSecretRef is same-namespace only, even if a namespace is written in it',
    given: { connection: aConnection('prod', 'team-a').credentials('milvus-creds', 'kube-system').withFinalizer().build(), secrets: { 'team-a/milvus-creds': { token: TOKEN }, 'kube-system/milvus-creds': { token: 'stolen' } }, indexes: [inNamespace(anIndexUsing(), 'team-a')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: ['team-a/milvus-creds'], milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'ClusterMilvusConnection reads its Secret in the namespace the ref names',
    reason: 'design §1: credentialsSecretRef.namespace for cluster connections; the registry key is the cluster key',
    given: { connection: aClusterConnection().credentials('milvus-creds', 'milvus').withFinalizer().build(), secrets: { 'milvus/milvus-creds': { token: TOKEN } }, indexes: [anIndexUsing('shared', 'ClusterMilvusConnection')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: ['milvus/milvus-creds'], milvusTargets: [TOKEN_TARGET], onChanged: [SHARED_KEY], registry: { ready: true, target: TOKEN_TARGET } },
  },

  // ---- TLS
  {
    name: 'TLS from an https:// uri',
    reason: 'https implies TLS (system roots); no CA Secret is read',
    given: { connection: aConnection().uri(TLS_URI).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: [], milvusTargets: [{ uri: TLS_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, tls: { enabled: true } }] },
  },
  {
    name: 'TLS with a CA Secret and a server name',
    reason: 'the CA bundle from key ca.crt (default) and the SNI name reach the target',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca' }, serverName: 'milvus.example.com' }).withFinalizer().build(), secrets: { [`${NAMESPACE}/milvus-ca`]: { 'ca.crt': CA_PEM } }, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: [`${NAMESPACE}/milvus-ca`],
      milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, tls: { enabled: true, caPem: CA_PEM, serverName: 'milvus.example.com' } }],
    },
  },
  {
    name: 'CA Secret without the named key',
    reason: 'SecretNotFound names the missing key',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca', key: 'bundle.pem' } }).withFinalizer().build(), secrets: { [`${NAMESPACE}/milvus-ca`]: { 'ca.crt': CA_PEM } }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretNotFound', message: 'Secret "milvus-ca" in namespace "search" has no key "bundle.pem" with the CA bundle.' },
      milvusTargets: [],
    },
  },
  {
    name: 'CA Secret missing',
    reason: 'SecretNotFound names the CA Secret',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca' } }).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'SecretNotFound', message: expect.stringMatching(/Secret "milvus-ca" in namespace "search" \(spec.tls.caSecretRef\) does not exist/) }, milvusTargets: [] },
  },

  // ---- the server refuses or is gone
  {
    name: 'AuthenticationFailed (gRPC 16 UNAUTHENTICATED)',
    reason: 'an auth failure has its own reason; it needs a person (Stalled) but is re-checked with capped backoff; the token never shows',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAUTHENTICATED() },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'AuthenticationFailed', message: expect.stringMatching(/^Milvus at milvus-prod\.milvus\.svc:19530 refused the credentials: .*authentication failed.*invalid token \*\*\*.*Fix the Secret/) },
      reconciling: 'False', stalled: 'True',
      registry: { ready: false, reason: 'AuthenticationFailed', target: TOKEN_TARGET, lastWorking: undefined },
      milvusTargets: [TOKEN_TARGET],
    },
  },
  {
    name: 'AuthenticationFailed (gRPC 7 PERMISSION_DENIED)',
    reason: 'authorisation failures are reported the same way',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: PERMISSION_DENIED() },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'AuthenticationFailed' } },
  },
  {
    name: 'Unreachable (gRPC 14 UNAVAILABLE)',
    reason: 'an outage retries by itself: Reconciling, not Stalled; capped backoff',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'Unreachable', message: expect.stringMatching(/^Milvus at milvus-prod\.milvus\.svc:19530 cannot be reached: .*UNAVAILABLE.*Retrying with backoff\.$/) },
      reconciling: 'True', stalled: 'False', serverVersion: null,
      registry: { ready: false, reason: 'Unreachable', target: TOKEN_TARGET },
    },
  },
  {
    name: 'Unreachable keeps the last reported server version',
    reason: 'status.serverVersion is what the server last said; an outage does not erase it',
    given: { connection: withTokenSecret().status({ serverVersion: 'v2.5.4' }).build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'Unreachable' }, serverVersion: 'v2.5.4' },
  },

  // ---- the finalizer
  {
    name: 'finalizer added when a MilvusIndex uses the connection',
    reason: 'design §1: a connection in use carries a finalizer; the add is its own pass (the watch brings the next one)',
    given: { connection: aConnection().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['addFinalizer'], secretGets: [], milvusTargets: [], registry: 'absent', onChanged: [] },
  },
  {
    name: 'finalizer added to a ClusterMilvusConnection used from any namespace',
    reason: 'cluster connections are used across namespaces',
    given: { connection: aClusterConnection().build(), indexes: [inNamespace(anIndexUsing('shared', 'ClusterMilvusConnection'), 'team-b')] },
    want: { requeue: { kind: 'None' }, writes: ['addFinalizer'] },
  },
  {
    name: 'no finalizer for an index in another namespace',
    reason: 'a MilvusConnection serves its own namespace only: a same-named reference elsewhere is not a user',
    given: { connection: aConnection().build(), indexes: [inNamespace(anIndexUsing(), 'other')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], usedBy: 0, ready: { status: 'True', reason: 'Connected' } },
  },
  {
    name: 'no finalizer for an index referencing the other kind',
    reason: 'a ClusterMilvusConnection reference of the same name is not a user of the MilvusConnection',
    given: { connection: aConnection('prod').build(), indexes: [anIndexUsing('prod', 'ClusterMilvusConnection'), aMilvusIndex('no-ref')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], usedBy: 0 },
  },
  {
    name: 'deleting with users keeps the finalizer and still verifies',
    reason: 'the MilvusIndexes that use it must still be able to drop their indexes',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: [anIndexUsing().deleting()] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' }, registry: { ready: true, target: TOKEN_TARGET }, milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'deleting with users, Secret gone: keeps the finalizer and the last working credentials',
    reason: 'a namespace deletion removes Secrets first; deletions use lastWorking',
    given: { connection: withTokenSecret().deleting().build(), indexes: [anIndexUsing().deleting()], previous: { ready: true, reason: 'Connected', message: 'Connected.', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION } },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'SecretNotFound' }, registry: { ready: false, target: undefined, lastWorking: TOKEN_TARGET } },
  },
  {
    name: 'deleting without users removes the finalizer',
    reason: 'the connection may go; nothing else is done',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: [] },
    want: { requeue: { kind: 'None' }, writes: ['removeFinalizer'], secretGets: [], milvusTargets: [], onChanged: [] },
  },
  {
    name: 'deleting with users that lost the finalizer: none is added back',
    reason: 'Kubernetes refuses new finalizers on a deleting object; verify instead',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], registry: { ready: true } },
  },
  {
    name: 'finalizer write conflict',
    reason: 'a 409 retries through the key\'s rate limiter (no hot loop, backoff not reset) with a fresh view; nothing else is done',
    given: { connection: aConnection().build(), indexes: USED, writeFailures: { addFinalizer: new ApiException(409, 'Conflict', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 409: ' }, writes: ['addFinalizer'], secretGets: [], milvusTargets: [] },
  },
  {
    name: 'finalizer write fails',
    reason: 'any other failure backs off; nothing else is done',
    given: { connection: aConnection().withFinalizer().build(), indexes: [], writeFailures: { removeFinalizer: new ApiException(500, 'Internal', '{"message":"etcd timeout"}', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 500: etcd timeout' }, writes: ['removeFinalizer'], milvusTargets: [], registry: 'absent' },
  },
  {
    name: 'status write conflict',
    reason: 'a 409 retries through the key\'s rate limiter; the registry already holds the verification',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, writeFailures: { writeStatus: new ApiException(409, 'Conflict', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 409: ' }, writes: ['writeStatus'], registry: { ready: true } },
  },
  {
    name: 'status write fails',
    reason: 'a failed status write fails the pass (style rule 6): backoff',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, writeFailures: { writeStatus: new ApiException(500, 'Internal', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 500: ' }, writes: ['writeStatus'] },
  },

  // ---- the connection is gone
  {
    name: 'connection gone from the store, was known',
    reason: 'the registry entry is cleared, the client evicted and the users woken',
    given: { connection: undefined, key: `${NAMESPACE}/prod`, previous: { ready: true, reason: 'Connected', message: 'Connected.', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION } },
    want: { requeue: { kind: 'None' }, writes: [], registry: 'absent', onChanged: [PROD_KEY], secretGets: [], milvusTargets: [] },
  },
  {
    name: 'connection gone from the store, never known',
    reason: 'nothing to clear, nobody to wake',
    given: { connection: undefined, key: `${NAMESPACE}/prod` },
    want: { requeue: { kind: 'None' }, writes: [], registry: 'absent', onChanged: [] },
  },
];

describe('ConnectionReconciler: one pass', () => {
  it.each(rows)('$name', async ({ reason, given, want }) => {
    const h = new Harness(given);
    const requeue = await h.reconcile();
    expect(requeue, `requeue: ${reason}`).toEqual(want.requeue);
    expect(h.writer.ops, `writes: ${reason}`).toEqual(want.writes);
    for (const c of h.writer.calls) {
      expect(c.name, 'writes go to the reconciled connection').toBe(given.connection?.metadata.name);
      if (c.finalizer !== undefined) expect(c.finalizer, 'our finalizer only').toBe(CONNECTION_FINALIZER);
    }
    expect(h.writer.refused, `no write with a stale resourceVersion: ${reason}`).toEqual([]);
    const status = h.lastStatus;
    if (want.ready) expect(cond(status, 'Ready'), `Ready: ${reason}`).toMatchObject(want.ready);
    if (want.reconciling) expect(cond(status, 'Reconciling')?.status, `Reconciling: ${reason}`).toBe(want.reconciling);
    if (want.stalled) expect(cond(status, 'Stalled')?.status, `Stalled: ${reason}`).toBe(want.stalled);
    if (want.serverVersion !== undefined) expect(status?.serverVersion ?? null, `serverVersion: ${reason}`).toBe(want.serverVersion);
    if (want.usedBy !== undefined) expect(status?.usedBy, `usedBy: ${reason}`).toBe(want.usedBy);
    if (want.registry === 'absent') expect(h.state, `registry: ${reason}`).toBeUndefined();
    else if (want.registry) {
      expect(h.state, `registry: ${reason}`).toBeDefined();
      for (const [k, v] of Object.entries(want.registry)) expect(h.state![k as keyof ConnectionState], `registry.${k}: ${reason}`).toEqual(v);
    }
    if (want.secretGets) expect(h.secrets.gets, `Secrets read: ${reason}`).toEqual(want.secretGets);
    if (want.milvusTargets) expect(h.milvus.gets.map((g) => g.target), `Milvus clients: ${reason}`).toEqual(want.milvusTargets);
    for (const g of h.milvus.gets) expect(g.key, 'the client is keyed by the connection key').toBe(h.connKey);
    if (want.onChanged) expect(h.changed, `onChanged: ${reason}`).toEqual(want.onChanged);
    if (given.connection === undefined) {
      expect(h.milvus.evicted, `evicted: ${reason}`).toEqual(given.previous ? [h.connKey] : []);
    } else {
      expect(h.milvus.evicted, 'a live connection\'s client is never evicted').toEqual([]);
    }
  });

  it('every status written carries observedGeneration, on the status and on each condition', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    const s = h.lastStatus!;
    expect(s.observedGeneration).toBe(1);
    expect(s.conditions?.map((c) => c.observedGeneration)).toEqual([1, 1, 1]);
    expect(s.conditions?.map((c) => c.lastTransitionTime)).toEqual([NOW_ISO, NOW_ISO, NOW_ISO]);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets never reach the status

describe('secrets never appear in the status written', () => {
  const cases: Array<{ name: string; reason: string; given: Setup }> = [
    { name: 'Connected with a token', reason: 'the target holds the token; the status must not', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED } },
    { name: 'Connected with a password', reason: 'the target holds the password; the status must not', given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME, password: PASSWORD } }, indexes: USED } },
    { name: 'AuthenticationFailed quoting the token', reason: 'the server echoed the token; the adapter redacts it', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAUTHENTICATED() } },
    { name: 'Secret with wrong keys', reason: 'the message names keys, never values', given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { pass: PASSWORD, tok: TOKEN } }, indexes: USED } },
    { name: 'Unreachable', reason: 'the message names the uri only', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() } },
  ];
  it.each(cases)('$name', async ({ reason, given }) => {
    const h = new Harness(given);
    await h.reconcile();
    expect(h.writer.statuses.length, 'a status was written').toBe(1);
    const written = JSON.stringify(h.writer.statuses);
    for (const secret of [TOKEN, PASSWORD]) expect(written, reason).not.toContain(secret);
    const logged = JSON.stringify(h.log.lines);
    for (const secret of [TOKEN, PASSWORD]) expect(logged, `logs: ${reason}`).not.toContain(secret);
  });
});

// ---------------------------------------------------------------------------------------------
// Several passes

describe('ConnectionReconciler: across passes', () => {
  it('idle: a second pass with nothing changed writes nothing and does not wake the MilvusIndexes, but re-reads the Secret', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    expect(h.changed).toEqual([PROD_KEY]);
    h.applyWrites();

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.writer.ops, 'no status write when nothing changed').toEqual([]);
    expect(h.changed, 'onChanged on the first verification only').toEqual([PROD_KEY]);
    expect(h.secrets.gets, 'the Secret is read with get on every pass').toEqual([`${NAMESPACE}/milvus-creds`, `${NAMESPACE}/milvus-creds`]);
    expect(h.milvus.versionCalls, 'each pass verifies').toBe(2);
  });

  it('idle while unreachable: the same failure twice writes once', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() });
    await h.reconcile();
    h.applyWrites();
    expect(await h.reconcile()).toEqual({ kind: 'CappedBackoff' });
    expect(h.writer.ops).toEqual([]);
    expect(h.changed).toEqual([PROD_KEY]);
  });

  it('credential rotation: a changed Secret changes the target (fingerprint) → onChanged, new client target, no restart', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    h.secrets.data[`${NAMESPACE}/milvus-creds`] = { token: TOKEN_ROTATED };

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.changed, 'the users are woken to pick up the new client').toEqual([PROD_KEY, PROD_KEY]);
    expect(h.milvus.gets.at(-1)?.target.token).toBe(TOKEN_ROTATED);
    expect(h.state).toMatchObject({ ready: true, target: { token: TOKEN_ROTATED }, lastWorking: { token: TOKEN_ROTATED } });
    expect(h.writer.ops, 'nothing visible changed: no status write').toEqual([]);
  });

  it('rotation to a bad credential: AuthenticationFailed, lastWorking keeps the credential that worked', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    h.secrets.data[`${NAMESPACE}/milvus-creds`] = { token: TOKEN_ROTATED };
    h.milvus.version = UNAUTHENTICATED();

    expect(await h.reconcile()).toEqual({ kind: 'CappedBackoff' });
    expect(h.state).toMatchObject({ ready: false, reason: 'AuthenticationFailed', target: { token: TOKEN_ROTATED }, lastWorking: TOKEN_TARGET });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    expect(cond(h.lastStatus, 'Ready')).toMatchObject({ status: 'False', reason: 'AuthenticationFailed', lastTransitionTime: NOW_ISO });
  });

  it('the Secret disappears: SecretNotFound, lastWorking kept in memory across passes', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    delete h.secrets.data[`${NAMESPACE}/milvus-creds`];

    expect(await h.reconcile()).toEqual({ kind: 'CappedBackoff' });
    expect(h.state).toMatchObject({ ready: false, reason: 'SecretNotFound', target: undefined, lastWorking: TOKEN_TARGET });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    h.applyWrites();

    await h.reconcile();
    expect(h.state?.lastWorking, 'still there on the next pass').toEqual(TOKEN_TARGET);
    expect(h.changed, 'nothing changed the second time').toEqual([PROD_KEY, PROD_KEY]);
    expect(h.writer.ops).toEqual([]);
  });

  it('recovery: Unreachable → Connected flips Ready (new lastTransitionTime) and wakes the users', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() });
    await h.reconcile();
    h.applyWrites();
    const obj = h.store.get(h.key)!;
    // Pretend the outage was reported an hour ago.
    h.store.put(h.key, { ...obj, status: { ...obj.status, conditions: obj.status!.conditions!.map((c) => ({ ...c, lastTransitionTime: EARLIER })) } });
    h.milvus.version = VERSION;

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    expect(cond(h.lastStatus, 'Ready')).toMatchObject({ status: 'True', reason: 'Connected', lastTransitionTime: NOW_ISO });
    expect(cond(h.lastStatus, 'Stalled'), 'Stalled stayed False: its lastTransitionTime does not move').toMatchObject({ status: 'False', lastTransitionTime: EARLIER });
    expect(h.lastStatus?.serverVersion).toBe(VERSION);
  });

  it('the connection is deleted after it worked: registry cleared, client evicted, users woken; a repeat does nothing', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.store.remove(h.key);

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.state).toBeUndefined();
    expect(h.milvus.evicted).toEqual([PROD_KEY]);
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);

    await h.reconcile();
    expect(h.milvus.evicted, 'evict once').toEqual([PROD_KEY]);
    expect(h.changed, 'wake once').toEqual([PROD_KEY, PROD_KEY]);
  });

  it('finalizer removed when no MilvusIndex uses the connection: no status write against the pre-removal resourceVersion', async () => {
    // The finalizer patch moves the resourceVersion on; a status write in the same pass with the
    // object read before it is refused (422 test failed) and costs a wasted write and a requeue.
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: [] });
    const requeue = await h.reconcile();
    expect(h.writer.ops[0], 'the finalizer goes first').toBe('removeFinalizer');
    expect(h.writer.refused, 'no doomed status write in the same pass').toEqual([]);
    expect(requeue, 'no immediate conflict retry').not.toEqual({ kind: 'After', ms: 0 });
    h.applyWrites();

    // Whatever the pass split, the connection ends verified, with usedBy 0 written.
    await h.reconcile();
    h.applyWrites();
    expect(h.store.get(h.key)?.metadata.finalizers ?? []).not.toContain(CONNECTION_FINALIZER);
    expect(h.store.get(h.key)?.status).toMatchObject({ usedBy: 0, serverVersion: VERSION });
    expect(h.state).toMatchObject({ ready: true });
  });

  it('add finalizer, then verify: the pass after the finalizer write verifies and writes status', async () => {
    const h = new Harness({ connection: aConnection().credentials('milvus-creds').build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    expect(h.writer.ops).toEqual(['addFinalizer']);
    h.applyWrites();
    await h.reconcile();
    expect(h.writer.ops).toEqual(['writeStatus']);
    expect(h.state).toMatchObject({ ready: true });
  });

  it('usedBy follows the number of users', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: [anIndexUsing('prod', 'MilvusConnection', 'a'), anIndexUsing('prod', 'MilvusConnection', 'b')] });
    await h.reconcile();
    expect(h.lastStatus?.usedBy).toBe(2);
    h.applyWrites();
    h.indexes.remove(`${NAMESPACE}/b`);
    await h.reconcile();
    expect(h.writer.ops).toEqual(['writeStatus']);
    expect(h.lastStatus?.usedBy).toBe(1);
  });
});

describe('connectionKeyOf: which MilvusIndexes use a connection', () => {
  const prod = aConnection('prod').build();
  const shared = aClusterConnection('shared').build();
  it.each([
    { name: 'same kind, name and namespace', reason: 'a user', given: { index: anIndexUsing('prod').build(), conn: prod }, want: true },
    { name: 'no connectionRef', reason: 'uses the default connection', given: { index: aMilvusIndex().build(), conn: prod }, want: false },
    { name: 'other name', reason: 'another connection', given: { index: anIndexUsing('dev').build(), conn: prod }, want: false },
    { name: 'other namespace', reason: 'MilvusConnection is same-namespace only', given: { index: inNamespace(anIndexUsing('prod'), 'other'), conn: prod }, want: false },
    { name: 'other kind', reason: 'kind must match', given: { index: anIndexUsing('prod', 'ClusterMilvusConnection').build(), conn: prod }, want: false },
    { name: 'cluster connection from any namespace', reason: 'cluster-scoped', given: { index: inNamespace(anIndexUsing('shared', 'ClusterMilvusConnection'), 'other'), conn: shared }, want: true },
  ])('$name', ({ reason, given, want }) => {
    expect(usesConnection(given.index, given.conn), reason).toBe(want);
  });
});

describe('a connection re-targeted while in use', () => {
  const OLD = 'http://milvus-prod.milvus.svc:19530/default';
  it('is announced once on each MilvusIndex using it, and the new endpoint is recorded in status', async () => {
    const h = new Harness({
      connection: aConnection().uri('milvus-2.milvus.svc.cluster.local:19530').withFinalizer().status({ endpoint: OLD }).build(),
      indexes: [anIndexUsing('prod', 'MilvusConnection', 'a'), anIndexUsing('prod', 'MilvusConnection', 'b')],
    });
    await h.reconcile();
    expect(h.lastStatus?.endpoint).toBe('http://milvus-2.milvus.svc:19530/default');
    expect(h.events).toEqual([
      expect.stringMatching(new RegExp(`^${NAMESPACE}/a Warning ConnectionRetargeted: MilvusConnection "prod" now points at http://milvus-2\\.milvus\\.svc:19530/default \\(was ${OLD}\\).*kept, not dropped`)),
      expect.stringMatching(new RegExp(`^${NAMESPACE}/b Warning ConnectionRetargeted`)),
    ]);
    h.applyWrites();
    await h.reconcile();
    expect(h.events, 'the recorded endpoint matches now: not announced again').toHaveLength(2);
  });

  it('the same Milvus spelled another way, or a connection nobody uses, announces nothing', async () => {
    const respelled = new Harness({ connection: aConnection().uri('http://Milvus-Prod.milvus.svc.cluster.local:19530').withFinalizer().status({ endpoint: OLD }).build(), indexes: [anIndexUsing('prod', 'MilvusConnection', 'a')] });
    await respelled.reconcile();
    expect(respelled.events).toEqual([]);
    const unused = new Harness({ connection: aConnection().uri('milvus-2.milvus.svc:19530').status({ endpoint: OLD }).build(), indexes: [] });
    await unused.reconcile();
    expect(unused.events).toEqual([]);
  });
});
