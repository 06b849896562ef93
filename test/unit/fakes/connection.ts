// Fakes for ConnectionReconciler (src/reconcile/connection/reconciler.ts), recording (style rule 9):
// a SecretReader that records every get, a MilvusClientProvider whose serverVersion() resolves or
// throws errors built by the real classifier (classifyThrown, as the adapter does), and a writer
// that records finalizer and status writes. The registry is the real ConnectionRegistry.
// Design §1: connections carry a finalizer while a MilvusIndex uses them; Secrets are read with
// `get` on every pass (rotation without restart); the last working credentials are kept in memory
// for deletions; status is written only when it changed, and never holds a secret.
// Shared by test/unit/connection/*.test.ts.
import { ApiException } from '@kubernetes/client-node';
import type { Condition } from '../../../src/api/conditions.js';
import { CONNECTION_FINALIZER, type AnyConnection, type ClusterMilvusConnection, type ConnectionStatus, type MilvusConnection } from '../../../src/api/connection.js';
import type { MilvusIndex } from '../../../src/api/milvusindex.js';
import type { ObjectKey, ObjectStore, RequeueDecision } from '../../../src/controller/types.js';
import type { SecretReader } from '../../../src/kube/secrets.js';
import { classifyThrown } from '../../../src/milvus/classify.js';
import type { MilvusError } from '../../../src/milvus/errors.js';
import type { ConnectionTarget, MilvusClientProvider, MilvusIndexApi } from '../../../src/milvus/types.js';
import type { Logger as ReconcileLogger } from '../../../src/observability/logger.js';
import { ConnectionReconciler, type ConnectionWriter } from '../../../src/reconcile/connection/reconciler.js';
import { ConnectionRegistry, type ConnectionState } from '../../../src/reconcile/connection/registry.js';
import { connectionKey, connectionKeyOf } from '../../../src/reconcile/connection/resolution.js';
import { EARLIER, NAMESPACE, NOW, aMilvusIndex, type MilvusIndexBuilder } from '../fakes.js';

/** Does `index` use the connection `conn` (by connectionKey, as the claim index keys users)? */
export function usesConnection(index: MilvusIndex, conn: AnyConnection): boolean {
  return connectionKeyOf(index) === connectionKey(conn.kind, conn.metadata.name, conn.metadata.namespace);
}

// ---------------------------------------------------------------------------------------------
// Constants

export const PROD_URI = 'milvus-prod.milvus.svc:19530';
export const TLS_URI = 'https://milvus.example.com:443';
export const TOKEN = 'tok-7c1e9a44d0';
export const TOKEN_ROTATED = 'tok-rotated-51bb2e';
export const USERNAME = 'svc-index';
export const PASSWORD = 'pw-52f0aa19c3';
export const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfake\n-----END CERTIFICATE-----\n';
export const VERSION = 'v2.6.1';

export const PROD_KEY = connectionKey('MilvusConnection', 'prod', NAMESPACE);
export const SHARED_KEY = connectionKey('ClusterMilvusConnection', 'shared');

/** The target the default `aConnection()` with a token Secret builds. */
export const TOKEN_TARGET: ConnectionTarget = { uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, token: TOKEN };

// ---------------------------------------------------------------------------------------------
// Builders

export class ConnectionBuilder {
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
export function aConnection(name = 'prod', namespace = NAMESPACE): ConnectionBuilder {
  return new ConnectionBuilder('MilvusConnection', name, namespace);
}
/** ClusterMilvusConnection `shared` at PROD_URI, no credentials, no finalizer. */
export function aClusterConnection(name = 'shared'): ConnectionBuilder {
  return new ConnectionBuilder('ClusterMilvusConnection', name, undefined);
}

/** A MilvusIndex (default search/docs-embedding) that references MilvusConnection `prod`. */
export function anIndexUsing(name = 'prod', kind: 'MilvusConnection' | 'ClusterMilvusConnection' = 'MilvusConnection', resource = 'docs-embedding'): MilvusIndexBuilder {
  return aMilvusIndex(resource).spec({ connectionRef: { kind, name } });
}
export function inNamespace(b: MilvusIndexBuilder, namespace: string): MilvusIndex {
  const r = b.build();
  return { ...r, metadata: { ...r.metadata, namespace, uid: `${r.metadata.uid}-${namespace}` } };
}

/** What a gRPC failure looks like after the adapter classified it (src/milvus/client.ts does this). */
export function grpcFailure(code: number, text: string, details: string): MilvusError {
  const raw = Object.assign(new Error(`${code} ${text}: ${details}`), { code, details });
  return classifyThrown(raw, { method: 'serverVersion', action: 'get the server version', secrets: [TOKEN, TOKEN_ROTATED, PASSWORD] });
}
export const UNAUTHENTICATED = () => grpcFailure(16, 'UNAUTHENTICATED', `invalid token ${TOKEN}`);
export const PERMISSION_DENIED = () => grpcFailure(7, 'PERMISSION_DENIED', 'privilege not permitted');
export const UNAVAILABLE = () => grpcFailure(14, 'UNAVAILABLE', 'No connection established. Last error: connect ECONNREFUSED 10.0.0.9:19530');

// ---------------------------------------------------------------------------------------------
// Fakes

export class MemoryStore<T> implements ObjectStore<T> {
  private readonly items = new Map<ObjectKey, T>();
  constructor(entries: Array<[ObjectKey, T]> = []) { for (const [k, v] of entries) this.items.set(k, v); }
  get(key: ObjectKey): T | undefined { return this.items.get(key); }
  list(): T[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
  put(key: ObjectKey, obj: T): void { this.items.set(key, obj); }
  remove(key: ObjectKey): void { this.items.delete(key); }
}

/** Secrets by `namespace/name`; an Error is thrown by get. Records every get. */
export class FakeSecrets implements SecretReader {
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
export class FakeMilvus implements MilvusClientProvider {
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

export type WriteOp = 'addFinalizer' | 'removeFinalizer' | 'writeStatus';

/**
 * Records finalizer and status writes. Models the precondition of the real CustomObjectWriter
 * (src/kube/object-writer.ts): a status write carries a JSON-patch `test` on
 * metadata.resourceVersion, and every successful write moves the server's resourceVersion on, so a
 * status write with an object read before a finalizer write in the same pass is refused with the
 * API server's 422 (a write conflict, see isWriteConflict).
 */
export class FakeWriter implements ConnectionWriter {
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

export class RecordingLog implements ReconcileLogger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string): void { this.lines.push({ level: 'debug', obj, msg }); }
  info(obj: object, msg: string): void { this.lines.push({ level: 'info', obj, msg }); }
  warn(obj: object, msg: string): void { this.lines.push({ level: 'warn', obj, msg }); }
  error(obj: object, msg: string): void { this.lines.push({ level: 'error', obj, msg }); }
}

// ---------------------------------------------------------------------------------------------
// Harness

export interface Setup {
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

export class Harness {
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

export function cond(status: ConnectionStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** A MilvusConnection "prod" with a token Secret and our finalizer. */
export const withTokenSecret = () => aConnection().credentials('milvus-creds').withFinalizer();
export const TOKEN_SECRET = { [`${NAMESPACE}/milvus-creds`]: { token: TOKEN } };
export const USED = [anIndexUsing()];
