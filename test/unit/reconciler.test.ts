// MilvusIndexReconciler (src/reconcile/reconciler.ts) with a fake for every port (style rules 7
// and 9): an in-memory store, a connection resolver, a MilvusClientProvider handing out a fake
// Milvus that keeps collections and indexes and records every call, a writer that records (and
// enforces the resourceVersion precondition of the real one), an event recorder, metrics, and
// the real KeyedMutex. One journal orders Milvus and Kubernetes calls, so rows can say "status
// before createIndex" and "dropIndex never called".
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FINALIZER, type MilvusIndex, type MilvusIndexStatus } from '../../src/api/milvusindex.js';
import { KeyedMutex } from '../../src/controller/keyed-mutex.js';
import type { ObjectKey, ObjectStore, RequeueDecision } from '../../src/controller/types.js';
import type { EventInput, EventRecorder, EventTarget } from '../../src/kube/events.js';
import type { MilvusIndexWriter } from '../../src/kube/milvusindex-writer.js';
import { MilvusError, type ErrorKind } from '../../src/milvus/errors.js';
import type {
  CollectionLookup, ConnectionTarget, CreateIndexRequest, FieldInfo, LoadState, MilvusClientProvider, MilvusIndexApi, ObservedIndex,
} from '../../src/milvus/types.js';
import { ClaimIndex } from '../../src/reconcile/claims.js';
import type { ConnectionIdentity, ConnectionResolution, ConnectionResolver } from '../../src/reconcile/connection/resolution.js';
import type { Logger } from '../../src/observability/logger.js';
import { decideFailure } from '../../src/reconcile/decide/index.js';
import type { MetricMark } from '../../src/reconcile/plan.js';
import { MilvusIndexReconciler, type ReconcileMetrics } from '../../src/reconcile/reconciler.js';
import {
  DEFAULT_URI, NAMESPACE, NOW,
  aFailure, aMilvusIndex, anIndex, anObservation, aScalarIndex, createIndexAction, docsFields,
  type MilvusIndexBuilder, type ObservedIndexBuilder,
} from './fakes.js';

// ---------------------------------------------------------------------------------------------
// Fakes

type MilvusMethod = keyof MilvusIndexApi;
type KubeOp = 'addFinalizer' | 'removeFinalizer' | 'writeStatus';

/** Every call to Milvus and Kubernetes, in order: "milvus.createIndex", "kube.writeStatus". */
type Journal = string[];

interface CollectionState {
  fields: FieldInfo[];
  loadState: LoadState;
  indexes: ObservedIndex[];
}

/** A Milvus server in memory: collections by `database/collection`, their indexes and load state. */
class FakeMilvus implements MilvusIndexApi {
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

class FakeProvider implements MilvusClientProvider {
  readonly gets: Array<{ key: string; target: ConnectionTarget }> = [];
  constructor(private readonly api: FakeMilvus) {}
  get(connectionKey: string, target: ConnectionTarget): MilvusIndexApi {
    this.gets.push({ key: connectionKey, target });
    return this.api;
  }
  async close(): Promise<void> {}
}

const DEFAULT_TARGET: ConnectionTarget = { uri: DEFAULT_URI, database: 'default', timeoutMs: 30_000 };

/** Resolves every resource to the default connection (or `resolution`), records resolves. */
class FakeResolver implements ConnectionResolver {
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
class FakeWriter implements MilvusIndexWriter {
  readonly calls: Array<{ op: KubeOp; key: string; resourceVersion: string; status?: MilvusIndexStatus }> = [];
  readonly refused: string[] = [];
  /** Thrown by the op; a function gets the op's call number (1-based) and returns what to throw (undefined: succeed). */
  readonly failures: Partial<Record<KubeOp, (n: number) => unknown>> = {};
  private readonly rv = new Map<string, number>();
  constructor(private readonly journal: Journal) {}

  get statuses(): MilvusIndexStatus[] { return this.calls.flatMap((c) => (c.status ? [c.status] : [])); }
  ops(op: KubeOp): number { return this.calls.filter((c) => c.op === op).length; }
  currentRv(obj: MilvusIndex): string { return String(this.rv.get(keyOf(obj)) ?? Number(obj.metadata.resourceVersion)); }

  async addFinalizer(obj: MilvusIndex): Promise<string | undefined> {
    if (obj.metadata.finalizers?.includes(FINALIZER)) return undefined;
    this.record('addFinalizer', obj);
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

class FakeEvents implements EventRecorder {
  readonly emitted: Array<{ name: string; namespace: string; type: string; reason: string; message: string }> = [];
  async emit(target: EventTarget, event: EventInput): Promise<void> {
    this.emitted.push({ name: target.metadata.name, namespace: target.metadata.namespace, ...event });
  }
  /** "name Type Reason" of every event, in order. */
  get summary(): string[] { return this.emitted.map((e) => `${e.name} ${e.type} ${e.reason}`); }
}

class FakeMetrics implements ReconcileMetrics {
  readonly marks: Array<{ mark: MetricMark; key: string }> = [];
  readonly progress: Array<{ key: string; ratio: number | undefined }> = [];
  mark(mark: MetricMark, resource: MilvusIndex): void { this.marks.push({ mark, key: keyOf(resource) }); }
  buildProgress(resource: MilvusIndex, ratio: number | undefined): void { this.progress.push({ key: keyOf(resource), ratio }); }
  verified(_resource: MilvusIndex): void {}
}

class RecordingLog implements Logger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string): void { this.lines.push({ level: 'debug', obj, msg }); }
  info(obj: object, msg: string): void { this.lines.push({ level: 'info', obj, msg }); }
  warn(obj: object, msg: string): void { this.lines.push({ level: 'warn', obj, msg }); }
  error(obj: object, msg: string): void { this.lines.push({ level: 'error', obj, msg }); }
}

class MemoryStore implements ObjectStore<MilvusIndex> {
  private readonly items = new Map<ObjectKey, MilvusIndex>();
  get(key: ObjectKey): MilvusIndex | undefined { return this.items.get(key); }
  list(): MilvusIndex[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }
  put(obj: MilvusIndex): void { this.items.set(keyOf(obj), obj); }
}

function keyOf(r: MilvusIndex): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

// ---------------------------------------------------------------------------------------------
// World

const SUBJECT = `${NAMESPACE}/docs-embedding`;

class World {
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

const READS = ['milvus.describeCollection', 'milvus.getLoadState', 'milvus.listIndexes'];
const ready = (s: MilvusIndexStatus | undefined) => s?.conditions?.find((c) => c.type === 'Ready');
const condStatus = (s: MilvusIndexStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type)?.status;

function milvusError(kind: ErrorKind, method = 'createIndex', message = 'cannot create index "embedding" on default/docs: the server said no'): MilvusError {
  return new MilvusError(kind, method, message);
}
const conflict = () => new ApiException(409, 'Conflict', '{"message":"the object has been modified; please apply your changes to the latest version and try again"}', {});
const serverError = () => new ApiException(500, 'Internal Server Error', '{"message":"etcdserver: request timed out"}', {});

// ---------------------------------------------------------------------------------------------
// One pass, as a table

interface Given {
  resources: Array<MilvusIndex | MilvusIndexBuilder>;
  setup?: (w: World) => void;
}

interface Want {
  requeue: RequeueDecision;
  /** Every call in order (Milvus reads included). */
  journal: string[];
  /** Ready of the last status written: [status, reason]; null = no status written. */
  ready?: [string, string] | null;
  stalled?: 'True' | 'False';
  reconciling?: 'True' | 'False';
  /** ownership of the last status written; null = absent. */
  ownership?: 'Created' | 'Adopted' | null;
  /** "name Type Reason" of every event. */
  events?: string[];
  marks?: MetricMark[];
  /** Milvus methods that must never be called. */
  never?: MilvusMethod[];
}

interface Row {
  name: string;
  reason: string;
  given: Given;
  want: Want;
}

const fresh = () => aMilvusIndex();
const created = () => aMilvusIndex().ownership('Created');

const rows: Row[] = [
  // ---- create
  {
    name: 'index absent: status first, then createIndex',
    reason: 'the plan\'s intent (pendingOperation Create) is written before the Milvus call, so a crash in between is not an orphan; ownership waits for the index to be observed; one write only; observe the effect at once',
    given: { resources: [fresh()] },
    want: {
      requeue: { kind: 'After', ms: 0 },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex'],
      ready: ['False', 'Building'], reconciling: 'True', stalled: 'False', ownership: null,
      events: ['docs-embedding Normal IndexCreated'],
    },
  },
  {
    name: 'createIndex fails Transient',
    reason: 'decideFailure: MilvusUnavailable, Reconciling, retry with backoff; the IndexCreated event of the failed plan is not emitted',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('Transient'); } },
    want: {
      requeue: { kind: 'Backoff', error: expect.any(String) },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'MilvusUnavailable'], reconciling: 'True', stalled: 'False',
      events: ['docs-embedding Warning MilvusUnavailable'],
    },
  },
  {
    name: 'createIndex fails InvalidSpec',
    reason: 'decideFailure: InvalidSpec stalls until the spec changes (no requeue) and drops the Created claim',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('InvalidSpec', 'createIndex', 'cannot create index: invalid index type: HNSWX'); } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'InvalidSpec'], stalled: 'True', reconciling: 'False', ownership: null,
      events: ['docs-embedding Warning InvalidSpec'],
    },
  },
  {
    name: 'createIndex fails Unsupported',
    reason: 'decideFailure: Unsupported stalls, no retry loop',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('Unsupported', 'createIndex', 'the server does not implement this call'); } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'Unsupported'], stalled: 'True',
      events: ['docs-embedding Warning Unsupported'],
    },
  },
  {
    name: 'createIndex fails DependencyMissing',
    reason: 'decideFailure: the collection vanished between observe and create: CollectionNotFound, capped backoff',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.createIndex = milvusError('DependencyMissing', 'createIndex', 'collection not found'); } },
    want: {
      requeue: { kind: 'CappedBackoff', error: expect.any(String) },
      journal: [...READS, 'kube.writeStatus', 'milvus.createIndex', 'kube.writeStatus'],
      ready: ['False', 'CollectionNotFound'], reconciling: 'True', events: [],
    },
  },
  {
    name: 'status write conflict (409) before createIndex',
    reason: 'a 409 retries through the per-key rate limiter (counted as an error, backoff not reset): no Milvus write on a stale view, no second status write, no event',
    given: { resources: [fresh()], setup: (w) => { w.writer.failures.writeStatus = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], never: ['createIndex'] },
  },
  {
    name: 'status write fails (500) before createIndex',
    reason: 'a failed status write fails the reconcile (style rule 6): backoff, and the Milvus write never happens',
    given: { resources: [fresh()], setup: (w) => { w.writer.failures.writeStatus = () => serverError(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], never: ['createIndex'] },
  },
  {
    name: 'status write conflict (409) after the build finished',
    reason: 'the final write conflicts: a rate-limited retry, no second write, and nothing announced (events and metrics wait for a written status)',
    given: { resources: [created().notReady('Building', { reconciling: true })], setup: (w) => { w.withIndex(); w.writer.failures.writeStatus = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'kube.writeStatus'], events: [], marks: [] },
  },
  {
    name: 'build finished: Ready',
    reason: 'the first Ready: one status write at the end, IndexBuilt event, BecameReady metric',
    given: { resources: [created().notReady('Building', { reconciling: true })], setup: (w) => { w.withIndex(); } },
    want: {
      requeue: { kind: 'None' }, journal: [...READS, 'kube.writeStatus'],
      ready: ['True', 'IndexBuilt'], stalled: 'False', reconciling: 'False', ownership: 'Created',
      events: ['docs-embedding Normal IndexBuilt'], marks: ['BecameReady'],
    },
  },

  // ---- finalizer
  {
    name: 'no finalizer yet',
    reason: 'the finalizer is stored before anything is created; the watch event of the patched object brings the next pass (no second pass inside this one)',
    given: { resources: [fresh().withoutFinalizer()] },
    want: {
      requeue: { kind: 'None' },
      journal: ['kube.addFinalizer'],
      ready: null, events: [],
    },
  },
  {
    name: 'no finalizer yet, the patch conflicts',
    reason: 'a 409 on the finalizer retries through the rate limiter: no Milvus read or write, no status write',
    given: { resources: [fresh().withoutFinalizer()], setup: (w) => { w.writer.failures.addFinalizer = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: ['kube.addFinalizer'], ready: null, events: [] },
  },
  {
    name: 'no finalizer yet, connection not ready',
    reason: 'nothing is read from Milvus before the finalizer is stored; the next pass reports the connection problem',
    given: { resources: [fresh().withoutFinalizer()], setup: (w) => { w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'not yet' }; } },
    want: { requeue: { kind: 'None' }, journal: ['kube.addFinalizer'], ready: null },
  },

  // ---- connection / Milvus not usable
  {
    name: 'connection not ready',
    reason: 'nothing is read from Milvus without a connection; ConnectionNotReady with the resolver\'s message, capped backoff',
    given: { resources: [fresh()], setup: (w) => { w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'MilvusConnection "prod" in namespace "search" does not exist.' }; } },
    want: { requeue: { kind: 'CappedBackoff' }, journal: ['kube.writeStatus'], ready: ['False', 'ConnectionNotReady'], events: ['docs-embedding Warning ConnectionNotReady'] },
  },
  {
    name: 'Milvus unreachable while observing',
    reason: 'MilvusUnavailable, backoff, no Milvus write',
    given: { resources: [fresh()], setup: (w) => { w.milvus.failures.describeCollection = milvusError('Transient', 'describeCollection', 'cannot describe collection: 14 UNAVAILABLE'); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: ['milvus.describeCollection', 'kube.writeStatus'], ready: ['False', 'MilvusUnavailable'], events: ['docs-embedding Warning MilvusUnavailable'], never: ['createIndex'] },
  },
  {
    name: 'leadership not confirmed',
    reason: 'the fence is checked before every write, to Kubernetes as well as Milvus: nothing is written and the key backs off',
    given: { resources: [fresh()], setup: (w) => { w.mayWrite = () => false; } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS], ready: null, never: ['createIndex'] },
  },

  // ---- deletion: RemoveFinalizer plans never write status at the end
  {
    name: 'deleting, collection not loaded',
    reason: 'dropIndex then remove the finalizer; the object is going away: no status write',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS, 'milvus.dropIndex', 'kube.removeFinalizer'], ready: null, events: ['docs-embedding Normal IndexDropped'] },
  },
  {
    name: 'deleting, collection loaded, release allowed',
    reason: 'the pendingOperation is written first (crash-safe), then release, drop, finalizer; no second status write',
    given: { resources: [created().spec({ allowCollectionRelease: true }).deleting()], setup: (w) => { w.withIndex(); w.milvus.state().loadState = 'Loaded'; } },
    want: {
      requeue: { kind: 'None' },
      journal: [...READS, 'kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex', 'kube.removeFinalizer'],
      ready: ['False', 'Deleting'],
      events: ['docs-embedding Normal CollectionReleased', 'docs-embedding Normal IndexDropped'],
    },
  },
  {
    name: 'deleting, deletionPolicy Retain',
    reason: 'keep the Milvus index; remove the finalizer only',
    given: { resources: [created().spec({ deletionPolicy: 'Retain' }).deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS, 'kube.removeFinalizer'], ready: null, never: ['dropIndex'] },
  },
  {
    name: 'deleting with skip-drop',
    reason: 'the escape hatch: remove the finalizer, Warning Orphaned, orphan metric, no status write',
    given: { resources: [created().skipDrop().deleting()], setup: (w) => { w.withIndex(); } },
    want: { requeue: { kind: 'None' }, journal: [...READS, 'kube.removeFinalizer'], ready: null, events: ['docs-embedding Warning Orphaned'], marks: ['Orphaned'], never: ['dropIndex'] },
  },
  {
    name: 'deleting, dropIndex fails Transient',
    reason: 'the finalizer stays; MilvusUnavailable, backoff',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); w.milvus.failures.dropIndex = milvusError('Transient', 'dropIndex', 'cannot drop index: 14 UNAVAILABLE'); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'milvus.dropIndex', 'kube.writeStatus'], ready: ['False', 'MilvusUnavailable'] },
  },
  {
    name: 'deleting, removeFinalizer conflicts',
    reason: 'a 409 retries through the rate limiter; no status write (the next pass sees the index gone and only removes the finalizer)',
    given: { resources: [created().deleting()], setup: (w) => { w.withIndex(); w.writer.failures.removeFinalizer = () => conflict(); } },
    want: { requeue: { kind: 'Backoff', error: expect.any(String) }, journal: [...READS, 'milvus.dropIndex', 'kube.removeFinalizer'], ready: null },
  },
];

describe('MilvusIndexReconciler: one pass', () => {
  it.each(rows)('$name', async ({ reason, given, want }) => {
    const w = new World(...given.resources);
    given.setup?.(w);
    const requeue = await w.reconcile();
    expect(requeue, `requeue: ${reason}`).toEqual(want.requeue);
    expect(w.journal, `calls: ${reason}`).toEqual(want.journal);
    expect(w.writer.refused, `no write with a stale resourceVersion: ${reason}`).toEqual([]);
    const last = w.writer.statuses.at(-1);
    if (want.ready === null) expect(w.writer.statuses, `no status write: ${reason}`).toEqual([]);
    else if (want.ready) expect([ready(last)?.status, ready(last)?.reason], `Ready: ${reason}`).toEqual(want.ready);
    if (want.stalled) expect(condStatus(last, 'Stalled'), `Stalled: ${reason}`).toBe(want.stalled);
    if (want.reconciling) expect(condStatus(last, 'Reconciling'), `Reconciling: ${reason}`).toBe(want.reconciling);
    if (want.ownership !== undefined) expect(last?.ownership ?? null, `ownership: ${reason}`).toBe(want.ownership);
    if (want.events) expect(w.events.summary, `events: ${reason}`).toEqual(want.events);
    if (want.marks) expect(w.metrics.marks.map((m) => m.mark), `metrics: ${reason}`).toEqual(want.marks);
    for (const m of want.never ?? []) expect(w.milvus.called(m), `never ${m}: ${reason}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The failure status is exactly what decideFailure produces

describe('a failing action ends in the status and requeue decideFailure produces', () => {
  const kinds: Array<{ name: string; reason: string; given: ErrorKind }> = [
    { name: 'Transient', reason: 'retry with backoff', given: 'Transient' },
    { name: 'InvalidSpec', reason: 'stall until the spec changes', given: 'InvalidSpec' },
    { name: 'Unsupported', reason: 'stall until the server changes', given: 'Unsupported' },
    { name: 'DependencyMissing', reason: 'capped backoff', given: 'DependencyMissing' },
  ];
  it.each(kinds)('createIndex fails $name', async ({ reason, given }) => {
    const message = 'cannot create index "embedding" on field "embedding" of collection default/docs: refused';
    const w = new World(fresh());
    w.milvus.failures.createIndex = milvusError(given, 'createIndex', message);
    const requeue = await w.reconcile();

    const [first, second] = w.writer.statuses;
    expect(w.writer.statuses, reason).toHaveLength(2);
    // The resource as it was when createIndex failed: the first status had been written.
    const afterFirst = fresh().status(first).build();
    const expected = decideFailure(anObservation(afterFirst).build(), aFailure(createIndexAction(), given, message), NOW);
    expect(second, `status: ${reason}`).toEqual(expected.status);
    // A failed Milvus write keeps decideFailure's timing and is counted as a reconcile error.
    expect(requeue, `requeue: ${reason}`).toEqual(expected.requeue.kind === 'Backoff' || expected.requeue.kind === 'CappedBackoff' ? { ...expected.requeue, error: expect.stringContaining('CreateIndex') } : expected.requeue);
    expect(w.events.summary, `events: ${reason}`).toEqual(expected.events.map((e) => `docs-embedding ${e.type} ${e.reason}`));
  });

  it('the second write carries the resourceVersion the first write returned', async () => {
    const w = new World(fresh());
    w.milvus.failures.createIndex = milvusError('Transient');
    await w.reconcile();
    const writes = w.writer.calls.filter((c) => c.op === 'writeStatus');
    expect(writes.map((c) => c.resourceVersion)).toEqual(['1000', '1001']);
    expect(w.writer.refused).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes write failures that are not conflicts

describe('a Kubernetes write failure is not reported as a Milvus outage', () => {
  const cases: Array<{ name: string; reason: string; given: { resource: MilvusIndexBuilder; op: KubeOp; index: boolean } }> = [
    { name: 'addFinalizer fails with 500', reason: 'the API server failed, not Milvus', given: { resource: fresh().withoutFinalizer(), op: 'addFinalizer', index: false } },
    { name: 'removeFinalizer fails with 500 after the drop', reason: 'the API server failed, not Milvus; the index is already dropped', given: { resource: created().deleting(), op: 'removeFinalizer', index: true } },
  ];
  it.each(cases)('$name', async ({ reason, given }) => {
    const w = new World(given.resource);
    if (given.index) w.withIndex();
    w.writer.failures[given.op] = () => serverError();
    const requeue = await w.reconcile();
    expect(requeue, `backoff: ${reason}`).toEqual({ kind: 'Backoff', error: expect.stringContaining('HTTP 500') });
    expect(w.events.summary.filter((e) => e.endsWith('MilvusUnavailable')), `no MilvusUnavailable event: ${reason}`).toEqual([]);
    expect(w.writer.statuses.filter((s) => ready(s)?.reason === 'MilvusUnavailable'), `no MilvusUnavailable status: ${reason}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Idle: no status write when nothing changed

describe('no status write when nothing changed', () => {
  it('apply → create → built → idle: at most 4 status writes to Ready (design §7), then 0 writes', async () => {
    const w = new World(fresh().withoutFinalizer());
    const statusWrites: number[] = [];
    for (let pass = 0; pass < 4; pass++) {
      await w.reconcile();
      statusWrites.push(w.writer.ops('writeStatus'));
      w.applyWrites();
    }
    expect(statusWrites, 'finalizer (0) / create (1) / Ready (1) / idle').toEqual([0, 1, 1, 0]);
    expect(ready(w.store.get(SUBJECT)?.status)).toMatchObject({ status: 'True', reason: 'IndexBuilt' });

    // Idle pass: reads only, no write of any kind, nothing announced.
    const requeue = await w.reconcile();
    expect(requeue).toEqual({ kind: 'None' });
    expect(w.journal).toEqual(READS);
    expect(w.events.emitted).toEqual([]);
    expect(w.metrics.marks).toEqual([]);
  });

  it('a Ready resource whose status is current writes nothing', async () => {
    const w = new World(created().ready());
    w.withIndex();
    await w.reconcile();
    w.applyWrites();
    await w.reconcile();
    expect(w.writes).toEqual([]);
    expect(w.events.emitted).toEqual([]);
  });

  it('an unchanged failure is not re-written (connection still not ready)', async () => {
    const w = new World(fresh());
    w.connections.resolution = { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'not yet' };
    await w.reconcile();
    expect(w.writer.ops('writeStatus')).toBe(1);
    w.applyWrites();
    await w.reconcile();
    expect(w.writer.ops('writeStatus')).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Collection-wide events

describe('collection-wide events go to every resource on the same collection', () => {
  function neighbours(): MilvusIndex[] {
    return [
      aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} }).ownership('Created').ready().build(),
      // Same collection, another namespace: a release hits it too.
      { ...aMilvusIndex('docs-sparse').spec({ fieldName: 'sparse', indexType: 'SPARSE_INVERTED_INDEX', metricType: 'IP', params: {} }).build(), metadata: { ...aMilvusIndex('docs-sparse').build().metadata, namespace: 'ml', uid: 'uid-ml-docs-sparse' } },
      // Another collection, and the same collection name in another database: not affected.
      aMilvusIndex('papers-embedding').spec({ collectionName: 'papers' }).build(),
      aMilvusIndex('analytics-docs').spec({ database: 'analytics' }).build(),
    ];
  }

  it('a release during deletion: CollectionReleased to all four on default/docs, IndexDropped to the subject only', async () => {
    const w = new World(created().spec({ allowCollectionRelease: true }).deleting(), ...neighbours());
    w.withIndex();
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile();
    const released = w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => `${e.namespace}/${e.name}`);
    expect(released.sort()).toEqual([`${NAMESPACE}/docs-embedding`, `${NAMESPACE}/docs-title`, 'ml/docs-sparse'].sort());
    expect(w.events.emitted.filter((e) => e.reason === 'IndexDropped').map((e) => e.name)).toEqual(['docs-embedding']);
  });

  it('a release for a Recreate: CollectionReleased to every resource on the collection', async () => {
    const w = new World(created().spec({ updatePolicy: 'Recreate', allowCollectionRelease: true, params: { M: 32, efConstruction: 200 } }), ...neighbours());
    w.withIndex();
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile();
    expect(w.writes).toEqual(['kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex']);
    const released = w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => e.name).sort();
    expect(released).toEqual(['docs-embedding', 'docs-sparse', 'docs-title']);
    expect(w.events.emitted.filter((e) => e.reason !== 'CollectionReleased').map((e) => e.name)).toEqual(['docs-embedding']);
  });

  it('a reload after a scalar deletion is announced to the collection too', async () => {
    const subject = aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {}, allowCollectionRelease: true }).ownership('Created').deleting();
    const w = new World(subject, aMilvusIndex().ready().ownership('Created'));
    w.withIndex(aScalarIndex());
    w.milvus.state().loadState = 'Loaded';
    await w.reconcile(`${NAMESPACE}/docs-title`);
    expect(w.writes).toEqual(['kube.writeStatus', 'milvus.releaseCollection', 'milvus.dropIndex', 'milvus.loadCollection', 'kube.removeFinalizer']);
    expect(w.events.emitted.filter((e) => e.reason === 'CollectionReleased').map((e) => e.name).sort()).toEqual(['docs-embedding', 'docs-title']);
  });

  it('a non-collection-wide event goes to the subject only', async () => {
    const w = new World(fresh(), ...neighbours());
    await w.reconcile();
    expect(w.events.emitted.map((e) => e.name)).toEqual(['docs-embedding']);
  });
});

// ---------------------------------------------------------------------------------------------
// DropIndex targets exactly what the observation confirmed

describe('DropIndex always targets the index the observation confirmed', () => {
  interface DropRow {
    name: string;
    reason: string;
    given: { resource: MilvusIndexBuilder; database?: string; connectionDatabase?: string; indexes: Array<ObservedIndexBuilder>; listFails?: boolean };
    want: { dropped: unknown[][]; finalizerRemoved: boolean };
  }
  const rows: DropRow[] = [
    {
      name: 'default names', reason: 'indexName defaults to fieldName; database to "default"',
      given: { resource: created().deleting(), indexes: [anIndex()] },
      want: { dropped: [['default', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'spec.indexName and spec.database', reason: 'the confirmed name in the spec\'s database',
      given: { resource: created().spec({ indexName: 'emb_hnsw', database: 'analytics' }).deleting(), database: 'analytics', indexes: [anIndex().named('emb_hnsw')] },
      want: { dropped: [['analytics', 'docs', 'embedding', 'emb_hnsw']], finalizerRemoved: true },
    },
    {
      name: 'database from the connection', reason: 'no spec.database: the connection\'s database',
      given: { resource: created().deleting(), connectionDatabase: 'tenant_a', database: 'tenant_a', indexes: [anIndex()] },
      want: { dropped: [['tenant_a', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'stale status.index.name', reason: 'status is not evidence; the name describe just confirmed is',
      given: { resource: created().reporting(anIndex().named('embedding_v0')).deleting(), indexes: [anIndex()] },
      want: { dropped: [['default', 'docs', 'embedding', 'embedding']], finalizerRemoved: true },
    },
    {
      name: 'only another index on the field', reason: 'never drop a name describe did not confirm (Milvus Lite drops every index for an unknown name)',
      given: { resource: created().deleting(), indexes: [anIndex().named('embedding_other')] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'our name on another field', reason: 'an index with our name on another field is not ours',
      given: { resource: created().deleting(), indexes: [aScalarIndex().named('embedding')] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'no index', reason: 'already gone: nothing to drop',
      given: { resource: created().deleting(), indexes: [] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'listing fails', reason: 'nothing confirmed: nothing dropped, the finalizer stays',
      given: { resource: created().deleting(), indexes: [anIndex()], listFails: true },
      want: { dropped: [], finalizerRemoved: false },
    },
    {
      name: 'not owned', reason: 'never drop an index this resource neither created nor adopted',
      given: { resource: aMilvusIndex().deleting(), indexes: [anIndex()] },
      want: { dropped: [], finalizerRemoved: true },
    },
    {
      name: 'Recreate', reason: 'the drop of a recreate uses the observed index too',
      given: { resource: created().spec({ indexName: 'emb_hnsw', updatePolicy: 'Recreate', params: { M: 32, efConstruction: 200 } }), indexes: [anIndex().named('emb_hnsw')] },
      want: { dropped: [['default', 'docs', 'embedding', 'emb_hnsw']], finalizerRemoved: false },
    },
  ];

  it.each(rows)('$name', async ({ reason, given, want }) => {
    const w = new World(given.resource);
    const db = given.database ?? 'default';
    if (db !== 'default') w.milvus.collection(db, 'docs');
    if (given.connectionDatabase) w.connections.resolution = { kind: 'Ready', key: 'default', endpoint: DEFAULT_URI, displayUri: DEFAULT_URI, database: given.connectionDatabase, target: { ...DEFAULT_TARGET, database: given.connectionDatabase } };
    for (const i of given.indexes) w.withIndex(i, db);
    if (given.listFails) w.milvus.failures.listIndexes = milvusError('Transient', 'listIndexes', 'cannot list indexes: 14 UNAVAILABLE');
    await w.reconcile();
    expect(w.milvus.called('dropIndex'), reason).toEqual(want.dropped);
    expect(w.writer.ops('removeFinalizer') === 1, `finalizer removed: ${reason}`).toBe(want.finalizerRemoved);
    if (want.dropped.length > 0) {
      const listed = w.journal.lastIndexOf('milvus.listIndexes');
      expect(listed, 'a describe (listIndexes) in this very pass precedes the drop').toBeGreaterThanOrEqual(0);
      expect(listed).toBeLessThan(w.journal.indexOf('milvus.dropIndex'));
      expect(w.milvus.called('listIndexes').at(-1), 'listed in the same database and collection').toEqual([db, 'docs']);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The per-collection lock (real KeyedMutex)

describe('one collection, one reconcile at a time', () => {
  it('a second resource on the same collection waits until the first is done; another collection does not', async () => {
    const other = aMilvusIndex('docs-title').spec({ fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: {} });
    const elsewhere = aMilvusIndex('papers-embedding').spec({ collectionName: 'papers' });
    const w = new World(fresh(), other, elsewhere);
    w.milvus.collection('default', 'papers');
    let open!: () => void;
    w.milvus.gates.createIndex = new Promise<void>((resolve) => { open = resolve; });

    const first = w.reconcile();
    await until(() => w.milvus.called('createIndex').length === 1);
    const second = w.reconcile(`${NAMESPACE}/docs-title`);
    const third = w.reconcile(`${NAMESPACE}/papers-embedding`);
    await until(() => w.milvus.called('createIndex').length === 2);

    // papers-embedding got through (its createIndex is the 2nd call, also held at the gate);
    // docs-title has not even read the collection yet.
    expect(w.milvus.called('createIndex').map((a) => (a[0] as CreateIndexRequest).collection)).toEqual(['docs', 'papers']);
    expect(w.milvus.calls.filter((c) => c.method === 'describeCollection').map((c) => c.args[1])).toEqual(['docs', 'papers']);

    open();
    await Promise.all([first, second, third]);
    const createdOnDocs = w.milvus.called('createIndex').map((a) => (a[0] as CreateIndexRequest)).filter((r) => r.collection === 'docs').map((r) => r.fieldName);
    expect(createdOnDocs).toEqual(['embedding', 'title']);
    expect(w.locks.size, 'the lock is released').toBe(0);
  });

  it('a resource missing from the store is not reconciled (no lock, no call)', async () => {
    const w = new World();
    expect(await w.reconcile(`${NAMESPACE}/gone`)).toEqual({ kind: 'None' });
    expect(w.journal).toEqual([]);
    expect(w.connections.resolved).toEqual([]);
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond(), 'condition reached').toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Metrics

describe('metrics', () => {
  it('build progress follows status.index; a deletion removes the series', async () => {
    const w = new World(created().notReady('Building', { reconciling: true }));
    w.withIndex(anIndex().building(250, 1000));
    await w.reconcile();
    expect(w.metrics.progress).toEqual([{ key: SUBJECT, ratio: 0.25 }]);

    const d = new World(created().deleting());
    d.withIndex();
    await d.reconcile();
    expect(d.metrics.progress).toEqual([{ key: SUBJECT, ratio: undefined }]);
  });

  it('the client comes from the resolved connection key and target', async () => {
    const w = new World(fresh());
    await w.reconcile();
    expect(w.provider.gets).toEqual([{ key: 'default', target: DEFAULT_TARGET }]);
  });
});
