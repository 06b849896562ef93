// Fakes for MilvusIndexReconciler (src/reconcile/reconciler.ts), one for every port (style rules 7
// and 9): an in-memory store, a connection resolver, a MilvusClientProvider handing out a fake
// Milvus that keeps collections and indexes and records every call, a writer that records (and
// enforces the resourceVersion precondition of the real one), an event recorder, metrics, and
// the real KeyedMutex. One journal orders Milvus and Kubernetes calls, so tests can say "status
// before createIndex" and "dropIndex never called". Shared by test/unit/reconciler/*.test.ts and
// the model test (test/unit/model/).
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { ANNOTATION_CREATE_INTENT, FINALIZER, type MilvusIndex, type MilvusIndexStatus } from '../../../src/api/milvusindex.js';
import { KeyedMutex } from '../../../src/controller/keyed-mutex.js';
import type { ObjectKey, ObjectStore, RequeueDecision } from '../../../src/controller/types.js';
import type { EventInput, EventRecorder, EventTarget } from '../../../src/kube/events.js';
import type { MilvusIndexWriter } from '../../../src/kube/milvusindex-writer.js';
import { MilvusError, type ErrorKind } from '../../../src/milvus/errors.js';
import type { CollectionLookup, ConnectionTarget, CreateIndexRequest, FieldInfo, LoadState, MilvusClientProvider, MilvusIndexApi, ObservedIndex } from '../../../src/milvus/types.js';
import type { Logger } from '../../../src/observability/logger.js';
import { ClaimIndex } from '../../../src/reconcile/claims.js';
import type { ConnectionIdentity, ConnectionResolution, ConnectionResolver } from '../../../src/reconcile/connection/resolution.js';
import type { MetricMark } from '../../../src/reconcile/plan.js';
import { MilvusIndexReconciler, type ReconcileMetrics } from '../../../src/reconcile/reconciler.js';
import { DEFAULT_URI, NAMESPACE, NOW, aMilvusIndex, anIndex, docsFields, type MilvusIndexBuilder, type ObservedIndexBuilder } from '../fakes.js';

// ---------------------------------------------------------------------------------------------
// Fakes

export type MilvusMethod = keyof MilvusIndexApi;
export type KubeOp = 'addFinalizer' | 'removeFinalizer' | 'writeStatus';

/** Every call to Milvus and Kubernetes, in order: "milvus.createIndex", "kube.writeStatus". */
export type Journal = string[];

export interface CollectionState {
  fields: FieldInfo[];
  loadState: LoadState;
  indexes: ObservedIndex[];
}

/** A Milvus server in memory: collections by `database/collection`, their indexes and load state. */
export class FakeMilvus implements MilvusIndexApi {
  readonly calls: Array<{ method: MilvusMethod; args: unknown[] }> = [];
  readonly collections = new Map<string, CollectionState>();
  /** Thrown by the method (every call) until deleted. */
  readonly failures: Partial<Record<MilvusMethod, unknown>> = {};
  /** Awaited by the method before it answers (to hold a call in flight). */
  readonly gates: Partial<Record<MilvusMethod, Promise<void>>> = {};
  alterSupported = true;

  constructor(private readonly journal: Journal) {}

  collection(database: string, name: string, state: Partial<CollectionState> = {}): this {
    this.collections.set(`${database}/${name}`, { fields: docsFields(), loadState: 'NotLoad', indexes: [], ...state });
    return this;
  }
  state(database = 'default', name = 'docs'): CollectionState { return this.collections.get(`${database}/${name}`)!; }
  called(method: MilvusMethod): Array<unknown[]> { return this.calls.filter((c) => c.method === method).map((c) => c.args); }

  private async enter(method: MilvusMethod, args: unknown[]): Promise<void> {
    this.calls.push({ method, args: structuredClone(args) });
    this.journal.push(`milvus.${method}`);
    const gate = this.gates[method];
    if (gate) await gate;
    const f = this.failures[method];
    if (f !== undefined) throw f;
  }

  async describeCollection(database: string, collection: string): Promise<CollectionLookup> {
    await this.enter('describeCollection', [database, collection]);
    const s = this.collections.get(`${database}/${collection}`);
    if (!s) return { kind: 'CollectionNotFound', message: `collection not found[database=${database}][collection=${collection}]` };
    return { kind: 'Found', fields: structuredClone(s.fields) };
  }
  async getLoadState(database: string, collection: string): Promise<LoadState> {
    await this.enter('getLoadState', [database, collection]);
    return this.collections.get(`${database}/${collection}`)?.loadState ?? 'NotExist';
  }
  async listIndexes(database: string, collection: string): Promise<ObservedIndex[]> {
    await this.enter('listIndexes', [database, collection]);
    return structuredClone(this.collections.get(`${database}/${collection}`)?.indexes ?? []);
  }
  async createIndex(req: CreateIndexRequest): Promise<void> {
    await this.enter('createIndex', [req]);
    const s = this.collections.get(`${req.database}/${req.collection}`)!;
    s.indexes.push({
      indexName: req.indexName, indexId: `id-${req.indexName}`, fieldName: req.fieldName, indexType: req.indexType, metricType: req.metricType ?? '',
      params: Object.fromEntries(Object.entries(req.params).map(([k, v]) => [k, String(v)])), properties: {},
      state: 'Finished', indexedRows: 1000, totalRows: 1000, pendingIndexRows: 0, failReason: '',
    });
  }
  async dropIndex(database: string, collection: string, fieldName: string, indexName: string): Promise<void> {
    await this.enter('dropIndex', [database, collection, fieldName, indexName]);
    const s = this.collections.get(`${database}/${collection}`);
    if (s) s.indexes = s.indexes.filter((i) => !(i.indexName === indexName && i.fieldName === fieldName));
  }
  async alterIndexProperties(database: string, collection: string, indexName: string, properties: Record<string, string>): Promise<void> {
    await this.enter('alterIndexProperties', [database, collection, indexName, properties]);
    if (!this.alterSupported) throw new MilvusError('Unsupported', 'alterIndexProperties', 'the server does not implement AlterIndex');
    const idx = this.collections.get(`${database}/${collection}`)?.indexes.find((i) => i.indexName === indexName);
    if (idx) idx.properties = { ...idx.properties, ...properties };
  }
  async releaseCollection(database: string, collection: string): Promise<void> {
    await this.enter('releaseCollection', [database, collection]);
    this.collections.get(`${database}/${collection}`)!.loadState = 'NotLoad';
  }
  async loadCollection(database: string, collection: string): Promise<void> {
    await this.enter('loadCollection', [database, collection]);
    this.collections.get(`${database}/${collection}`)!.loadState = 'Loaded';
  }
  async serverVersion(): Promise<string> {
    await this.enter('serverVersion', []);
    return 'v2.6.1';
  }
}

export class FakeProvider implements MilvusClientProvider {
  readonly gets: Array<{ key: string; target: ConnectionTarget }> = [];
  constructor(private readonly api: FakeMilvus) {}
  get(connectionKey: string, target: ConnectionTarget): MilvusIndexApi {
    this.gets.push({ key: connectionKey, target });
    return this.api;
  }
  async close(): Promise<void> {}
}

export const DEFAULT_TARGET: ConnectionTarget = { uri: DEFAULT_URI, database: 'default', timeoutMs: 30_000 };

/** Resolves every resource to the default connection (or `resolution`), records resolves. */
export class FakeResolver implements ConnectionResolver {
  readonly resolved: string[] = [];
  resolution: ConnectionResolution = { kind: 'Ready', key: 'default', endpoint: DEFAULT_URI, displayUri: DEFAULT_URI, database: 'default', target: DEFAULT_TARGET };
  identity(_resource: MilvusIndex): ConnectionIdentity | undefined {
    return this.resolution.kind === 'Ready'
      ? { key: this.resolution.key, endpoint: this.resolution.endpoint, displayUri: this.resolution.displayUri, database: this.resolution.database }
      : { key: 'default', endpoint: DEFAULT_URI, displayUri: DEFAULT_URI, database: 'default' };
  }
  async resolve(resource: MilvusIndex): Promise<ConnectionResolution> {
    this.resolved.push(`${resource.metadata.namespace}/${resource.metadata.name}`);
    return structuredClone(this.resolution);
  }
}

/**
 * Records writes. Like the real writer (object-writer.ts), a status write carries a JSON-patch
 * `test` on resourceVersion: with a stale object it is refused (422), and every write moves the
 * resourceVersion on.
 */
export class FakeWriter implements MilvusIndexWriter {
  readonly calls: Array<{ op: KubeOp; key: string; resourceVersion: string; status?: MilvusIndexStatus; createIntent?: string }> = [];
  readonly refused: string[] = [];
  /** Thrown by the op; a function gets the op's call number (1-based) and returns what to throw (undefined: succeed). */
  readonly failures: Partial<Record<KubeOp, (n: number) => unknown>> = {};
  private readonly rv = new Map<string, number>();
  constructor(private readonly journal: Journal) {}

  get statuses(): MilvusIndexStatus[] { return this.calls.flatMap((c) => (c.status ? [c.status] : [])); }
  ops(op: KubeOp): number { return this.calls.filter((c) => c.op === op).length; }
  currentRv(obj: MilvusIndex): string { return String(this.rv.get(keyOf(obj)) ?? Number(obj.metadata.resourceVersion)); }

  async addFinalizer(obj: MilvusIndex, createIntent?: string): Promise<string | undefined> {
    if (obj.metadata.finalizers?.includes(FINALIZER)) return undefined;
    this.record('addFinalizer', obj);
    if (createIntent !== undefined) this.calls.at(-1)!.createIntent = createIntent;
    return this.bump(obj);
  }
  async removeFinalizer(obj: MilvusIndex): Promise<void> { this.record('removeFinalizer', obj); this.bump(obj); }
  async writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined> {
    this.record('writeStatus', obj, structuredClone(status));
    if (obj.metadata.resourceVersion !== this.currentRv(obj)) {
      this.refused.push(keyOf(obj));
      throw new ApiException(422, 'Unprocessable Entity', '{"message":"testing value /metadata/resourceVersion failed"}', {});
    }
    return this.bump(obj);
  }
  private bump(obj: MilvusIndex): string {
    const next = Number(this.currentRv(obj)) + 1;
    this.rv.set(keyOf(obj), next);
    return String(next);
  }
  private record(op: KubeOp, obj: MilvusIndex, status?: MilvusIndexStatus): void {
    this.calls.push({ op, key: keyOf(obj), resourceVersion: obj.metadata.resourceVersion, ...(status ? { status } : {}) });
    this.journal.push(`kube.${op}`);
    const f = this.failures[op]?.(this.ops(op));
    if (f !== undefined) throw f;
  }
}

export class FakeEvents implements EventRecorder {
  readonly emitted: Array<{ name: string; namespace: string; type: string; reason: string; message: string }> = [];
  async emit(target: EventTarget, event: EventInput): Promise<void> {
    this.emitted.push({ name: target.metadata.name, namespace: target.metadata.namespace, ...event });
  }
  /** "name Type Reason" of every event, in order. */
  get summary(): string[] { return this.emitted.map((e) => `${e.name} ${e.type} ${e.reason}`); }
}

export class FakeMetrics implements ReconcileMetrics {
  readonly marks: Array<{ mark: MetricMark; key: string }> = [];
  readonly progress: Array<{ key: string; ratio: number | undefined }> = [];
  mark(mark: MetricMark, resource: MilvusIndex): void { this.marks.push({ mark, key: keyOf(resource) }); }
  buildProgress(resource: MilvusIndex, ratio: number | undefined): void { this.progress.push({ key: keyOf(resource), ratio }); }
  verified(_resource: MilvusIndex): void {}
}

export class RecordingLog implements Logger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string): void { this.lines.push({ level: 'debug', obj, msg }); }
  info(obj: object, msg: string): void { this.lines.push({ level: 'info', obj, msg }); }
  warn(obj: object, msg: string): void { this.lines.push({ level: 'warn', obj, msg }); }
  error(obj: object, msg: string): void { this.lines.push({ level: 'error', obj, msg }); }
}

export class MemoryStore implements ObjectStore<MilvusIndex> {
  private readonly items = new Map<ObjectKey, MilvusIndex>();
  get(key: ObjectKey): MilvusIndex | undefined { return this.items.get(key); }
  list(): MilvusIndex[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
  put(obj: MilvusIndex): void { this.items.set(keyOf(obj), obj); }
}

export function keyOf(r: MilvusIndex): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

// ---------------------------------------------------------------------------------------------
// World

export const SUBJECT = `${NAMESPACE}/docs-embedding`;

export class World {
  readonly journal: Journal = [];
  readonly store = new MemoryStore();
  readonly milvus = new FakeMilvus(this.journal);
  readonly provider = new FakeProvider(this.milvus);
  readonly connections = new FakeResolver();
  readonly writer = new FakeWriter(this.journal);
  readonly events = new FakeEvents();
  readonly metrics = new FakeMetrics();
  readonly log = new RecordingLog();
  readonly locks = new KeyedMutex();
  mayWrite: (() => boolean) | undefined;
  readonly claims = new ClaimIndex(this.store, this.connections);
  readonly reconciler: MilvusIndexReconciler;

  constructor(...resources: Array<MilvusIndex | MilvusIndexBuilder>) {
    for (const r of resources) this.store.put('build' in r ? r.build() : r);
    this.milvus.collection('default', 'docs');
    this.reconciler = new MilvusIndexReconciler({
      store: this.store,
      claims: this.claims,
      connections: this.connections,
      milvus: this.provider,
      execute: { writer: this.writer, leadershipRemainingMs: () => ((this.mayWrite?.() ?? true) ? Number.POSITIVE_INFINITY : 0) },
      events: this.events,
      collectionLocks: this.locks,
      now: () => NOW,
      log: this.log,
      metrics: this.metrics,
    });
  }

  /** The index the default spec describes, present in Milvus. */
  withIndex(idx: ObservedIndexBuilder | ObservedIndex = anIndex(), database = 'default', collection = 'docs'): this {
    this.milvus.state(database, collection).indexes.push('build' in idx ? idx.build() : idx);
    return this;
  }

  reconcile(key = SUBJECT): Promise<RequeueDecision> {
    for (const r of this.store.list()) this.claims.upsert(r);
    return this.reconciler.reconcile(key);
  }

  /** What the informer delivers after our writes: last status, finalizer changes, new resourceVersion. */
  applyWrites(): void {
    for (const r of this.store.list()) {
      const key = keyOf(r);
      const mine = this.writer.calls.filter((c) => c.key === key);
      if (mine.length === 0) continue;
      const next = structuredClone(r);
      for (const c of mine) {
        if (c.op === 'writeStatus' && c.status && !this.writer.refused.includes(key)) next.status = structuredClone(c.status);
        if (c.op === 'addFinalizer') next.metadata.finalizers = [...(next.metadata.finalizers ?? []), FINALIZER];
        if (c.createIntent !== undefined) next.metadata.annotations = { ...next.metadata.annotations, [ANNOTATION_CREATE_INTENT]: c.createIntent };
        if (c.op === 'removeFinalizer') next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      }
      next.metadata.resourceVersion = this.writer.currentRv(r);
      this.store.put(next);
    }
    this.writer.calls.length = 0;
    this.journal.length = 0;
    this.events.emitted.length = 0;
    this.metrics.marks.length = 0;
    this.metrics.progress.length = 0;
    this.milvus.calls.length = 0;
  }

  /** Milvus writes and Kubernetes writes only (reads dropped), in order. */
  get writes(): string[] {
    const reads = new Set(['milvus.describeCollection', 'milvus.getLoadState', 'milvus.listIndexes', 'milvus.serverVersion']);
    return this.journal.filter((j) => !reads.has(j));
  }
}

export const READS = ['milvus.describeCollection', 'milvus.listIndexes'];
/** The reads of a pass whose decision depends on the collection's load state (decide asks for it). */
export const READS_WITH_LOAD_STATE = [...READS, 'milvus.getLoadState'];
export const ready = (s: MilvusIndexStatus | undefined) => s?.conditions?.find((c) => c.type === 'Ready');
export const condStatus = (s: MilvusIndexStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type)?.status;

export function milvusError(kind: ErrorKind, method = 'createIndex', message = 'cannot create index "embedding" on default/docs: the server said no'): MilvusError {
  return new MilvusError(kind, method, message);
}
export const conflict = () => new ApiException(409, 'Conflict', '{"message":"the object has been modified; please apply your changes to the latest version and try again"}', {});
export const serverError = () => new ApiException(500, 'Internal Server Error', '{"message":"etcdserver: request timed out"}', {});

/** A live resource the operator has not created anything for. */
export const fresh = () => aMilvusIndex();
/** A resource whose index the operator created. */
export const created = () => aMilvusIndex().ownership('Created');

/** Yields to the event loop until `cond` holds (at most 100 turns), then asserts it. */
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond(), 'condition reached').toBe(true);
}
