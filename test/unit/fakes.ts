import { indexStatus } from '../../src/reconcile/decide/index.js';
import { resolvedIndexName } from '../../src/reconcile/claims.js';
// Test-only builders (rule 9: builders instead of object literals). Every builder starts from a
// valid, ordinary default — a live MilvusIndex with our finalizer on docs.embedding (HNSW/COSINE,
// M 16, efConstruction 200) against the default connection — and each method changes one thing.
import type { Condition } from '../../src/api/conditions.js';
import {
  ANNOTATION_PAUSED, ANNOTATION_RECONCILE_REQUESTED_AT, ANNOTATION_SKIP_DROP, API_VERSION, FINALIZER,
  type MilvusIndex, type MilvusIndexSpec, type MilvusIndexStatus, type ObjectMeta, type PendingOperation, type Refusal, type Unsupported,
} from '../../src/api/milvusindex.js';
import type { IndexDefinition } from '../../src/reconcile/compare.js';
import type { FieldInfo, IndexState, LoadState, ObservedIndex } from '../../src/milvus/types.js';
import type { ConnectionObservation, MilvusObservation, Observation, PeerClaim } from '../../src/reconcile/observation.js';
import type { Action, ActionFailure, MilvusAction } from '../../src/reconcile/plan.js';

/** The `now` every table row decides at. */
export const NOW = new Date('2026-11-20T12:00:00.000Z');
/** `NOW` as the operator writes timestamps (RFC 3339, whole seconds). */
export const NOW_ISO = '2026-11-20T12:00:00Z';
/** When earlier conditions flipped (status built by hand). */
export const EARLIER = '2026-11-20T11:00:00Z';
/** Default creationTimestamp of the resource under test. */
export const CREATED = '2026-11-10T08:00:00Z';
export const NAMESPACE = 'search';
export const DEFAULT_URI = 'milvus.milvus.svc:19530';

// ---------------------------------------------------------------------------------------------
// MilvusIndex

/** Options for a hand-built Ready/Reconciling/Stalled triple. */
export interface ConditionsOptions {
  message?: string;
  stalled?: boolean;
  reconciling?: boolean;
  /** observedGeneration of the conditions (default: the resource's generation). */
  generation?: number;
  lastTransitionTime?: string;
}

export class MilvusIndexBuilder {
  private meta: ObjectMeta;
  private specV: MilvusIndexSpec = {
    collectionName: 'docs',
    fieldName: 'embedding',
    indexType: 'HNSW',
    metricType: 'COSINE',
    params: { M: 16, efConstruction: 200 },
  };
  private statusV: MilvusIndexStatus | undefined;
  private pendingConditions: { ready: Condition['status']; reason: string; opts: ConditionsOptions } | undefined;

  constructor(name: string) {
    this.meta = {
      name,
      namespace: NAMESPACE,
      uid: `uid-${name}`,
      generation: 2,
      resourceVersion: '1000',
      creationTimestamp: CREATED,
      finalizers: [FINALIZER],
    };
  }

  uid(uid: string): this { this.meta.uid = uid; return this; }
  createdAt(timestamp: string): this { this.meta.creationTimestamp = timestamp; return this; }
  generation(n: number): this { this.meta.generation = n; return this; }

  /** Merges into the spec; a key given as `undefined` is removed. */
  spec(patch: Partial<MilvusIndexSpec>): this {
    const next: Record<string, unknown> = { ...this.specV, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    this.specV = next as MilvusIndexSpec;
    return this;
  }

  /** A fresh resource the operator has not touched yet. */
  withoutFinalizer(): this { delete this.meta.finalizers; return this; }
  /** Other controllers' finalizers only. */
  withForeignFinalizer(): this { this.meta.finalizers = ['example.com/other']; return this; }
  deleting(at = EARLIER): this { this.meta.deletionTimestamp = at; return this; }
  annotated(key: string, value: string): this { this.meta.annotations = { ...this.meta.annotations, [key]: value }; return this; }
  paused(): this { return this.annotated(ANNOTATION_PAUSED, 'true'); }
  skipDrop(): this { return this.annotated(ANNOTATION_SKIP_DROP, 'true'); }
  /** The reconcile-requested-at annotation set to `value`. */
  reconcileRequestedAt(value: string): this { return this.annotated(ANNOTATION_RECONCILE_REQUESTED_AT, value); }

  /** Replaces the whole status. */
  status(status: MilvusIndexStatus | undefined): this { this.statusV = status === undefined ? undefined : structuredClone(status); return this; }
  private patchStatus(patch: Partial<MilvusIndexStatus>): this { this.statusV = { ...this.statusV, ...patch }; return this; }
  ownership(ownership: 'Created' | 'Adopted'): this { return this.patchStatus({ ownership }); }
  /** status.index as the operator last reported `idx`. */
  reporting(idx: ObservedIndex | ObservedIndexBuilder): this { return this.patchStatus({ index: toIndexStatus(idx instanceof ObservedIndexBuilder ? idx.build() : idx) }); }
  pendingOperation(op: Pick<PendingOperation, 'operation'> & Partial<PendingOperation>): this {
    return this.patchStatus({ pendingOperation: { reloadCollection: false, startedAt: EARLIER, ...op } });
  }
  database(database: string): this { return this.patchStatus({ database }); }
  /** status.refusal: Milvus refused `action` for the resource's generation (or `generation`). */
  refused(action: Refusal['action'], message: string, patch: Partial<Refusal> = {}): this {
    return this.patchStatus({ refusal: { generation: this.meta.generation, action, message, ...patch } });
  }
  /** status.unsupported for the resource's generation (or `generation`). */
  unsupported(what: Unsupported['what'], message: string, patch: Partial<Unsupported> = {}): this {
    return this.patchStatus({ unsupported: { generation: this.meta.generation, what, message, ...patch } });
  }
  /** status.appliedProperties: the server accepted `properties` for the resource's generation (or `generation`). */
  appliedProperties(properties: Record<string, string>, generation = this.meta.generation): this {
    return this.patchStatus({ appliedProperties: { generation, properties } });
  }

  /** Ready=True / IndexBuilt (Reconciling=False, Stalled=False). */
  ready(opts: ConditionsOptions = {}): this { this.pendingConditions = { ready: 'True', reason: 'IndexBuilt', opts }; return this; }
  /** Ready=False with `reason`; Stalled/Reconciling as given. */
  notReady(reason: string, opts: ConditionsOptions = {}): this { this.pendingConditions = { ready: 'False', reason, opts }; return this; }

  build(): MilvusIndex {
    let status = this.statusV === undefined ? undefined : structuredClone(this.statusV);
    if (this.pendingConditions) {
      const { ready, reason, opts } = this.pendingConditions;
      status = { observedGeneration: opts.generation ?? this.meta.generation, ...status, conditions: conditions(ready, reason, { generation: this.meta.generation, ...opts }) };
    }
    return {
      apiVersion: API_VERSION,
      kind: 'MilvusIndex',
      metadata: structuredClone(this.meta),
      spec: structuredClone(this.specV),
      ...(status !== undefined ? { status } : {}),
    };
  }
}

/** A live MilvusIndex `search/<name>` that already carries our finalizer. */
export function aMilvusIndex(name = 'docs-embedding'): MilvusIndexBuilder {
  return new MilvusIndexBuilder(name);
}

/** The Ready/Reconciling/Stalled triple as the operator writes it. */
export function conditions(ready: Condition['status'], reason: string, opts: ConditionsOptions & { generation: number }): Condition[] {
  const at = opts.lastTransitionTime ?? EARLIER;
  const message = opts.message ?? (ready === 'True' ? 'Index "embedding" is built: 1000/1000 rows indexed.' : `Reason ${reason}.`);
  const stalled = opts.stalled ?? false;
  const reconciling = opts.reconciling ?? (!stalled && ready !== 'True');
  return [
    { type: 'Ready', status: ready, reason, message, lastTransitionTime: at, observedGeneration: opts.generation },
    reconciling
      ? { type: 'Reconciling', status: 'True', reason, message, lastTransitionTime: at, observedGeneration: opts.generation }
      : { type: 'Reconciling', status: 'False', reason: 'Idle', message: 'No work in progress.', lastTransitionTime: at, observedGeneration: opts.generation },
    stalled
      ? { type: 'Stalled', status: 'True', reason, message, lastTransitionTime: at, observedGeneration: opts.generation }
      : { type: 'Stalled', status: 'False', reason: 'NotStalled', message: 'Nothing needs a person.', lastTransitionTime: at, observedGeneration: opts.generation },
  ];
}

/** A single condition, for the condition-helper tests. */
export function aCondition(type: string, status: Condition['status'], patch: Partial<Condition> = {}): Condition {
  return { type, status, reason: 'SomeReason', message: 'Some message.', lastTransitionTime: EARLIER, observedGeneration: 1, ...patch };
}

/** The status.index decide() writes for an observed index (the real function, not a copy). */
export const toIndexStatus = indexStatus;

// ---------------------------------------------------------------------------------------------
// ObservedIndex (what describeIndex reports, normalised)

export class ObservedIndexBuilder {
  private idx: ObservedIndex = {
    indexName: 'embedding',
    indexId: '447000000000000001',
    fieldName: 'embedding',
    indexType: 'HNSW',
    metricType: 'COSINE',
    // The adapter reports canonical strings (src/milvus/canonical.ts).
    params: { M: '16', efConstruction: '200' },
    properties: {},
    state: 'Finished',
    indexedRows: 1000,
    totalRows: 1000,
    pendingIndexRows: 0,
    failReason: '',
  };

  named(name: string): this { this.idx.indexName = name; return this; }
  id(id: string): this { this.idx.indexId = id; return this; }
  onField(fieldName: string): this { this.idx.fieldName = fieldName; return this; }
  type(indexType: string): this { this.idx.indexType = indexType; return this; }
  /** '' = none reported. */
  metric(metricType: string): this { this.idx.metricType = metricType; return this; }
  /** Replaces the build params (values stored as the adapter's canonical strings). */
  params(params: Record<string, string | number | boolean>): this {
    this.idx.params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return this;
  }
  properties(properties: Record<string, string>): this { this.idx.properties = { ...properties }; return this; }
  state(state: IndexState): this { this.idx.state = state; return this; }
  building(indexedRows: number, totalRows: number, pendingIndexRows = totalRows - indexedRows): this {
    Object.assign(this.idx, { state: 'InProgress', indexedRows, totalRows, pendingIndexRows });
    return this;
  }
  finished(rows: number, pendingIndexRows = 0): this {
    Object.assign(this.idx, { state: 'Finished', indexedRows: rows, totalRows: rows + pendingIndexRows, pendingIndexRows });
    return this;
  }
  failed(failReason: string): this { Object.assign(this.idx, { state: 'Failed', failReason }); return this; }
  build(): ObservedIndex { return structuredClone(this.idx); }
}

/** The index the default spec describes, built (1000/1000 rows). */
export function anIndex(): ObservedIndexBuilder {
  return new ObservedIndexBuilder();
}

/** A scalar INVERTED index on `title` (VarChar). */
export function aScalarIndex(): ObservedIndexBuilder {
  return new ObservedIndexBuilder().named('title').onField('title').type('INVERTED').metric('').params({});
}

// ---------------------------------------------------------------------------------------------
// FieldInfo

export class FieldBuilder {
  private f: FieldInfo;
  constructor(name: string) { this.f = { name, dataType: 'FloatVector', isPrimaryKey: false, dim: 768, isFunctionOutput: false }; }
  /** A non-vector data type (drops `dim`). */
  type(dataType: string): this { this.f.dataType = dataType; delete this.f.dim; return this; }
  floatVector(dim = 768): this { this.f.dataType = 'FloatVector'; this.f.dim = dim; return this; }
  binaryVector(dim = 256): this { this.f.dataType = 'BinaryVector'; this.f.dim = dim; return this; }
  sparseVector(): this { this.f.dataType = 'SparseFloatVector'; delete this.f.dim; return this; }
  primaryKey(): this { this.f.isPrimaryKey = true; return this; }
  functionOutput(): this { this.f.isFunctionOutput = true; return this; }
  arrayOf(elementType: string): this { this.f.dataType = 'Array'; this.f.elementType = elementType; delete this.f.dim; return this; }
  build(): FieldInfo { return structuredClone(this.f); }
}

/** A FloatVector(768) field named `name`. */
export function aField(name: string): FieldBuilder {
  return new FieldBuilder(name);
}

/** The schema of the `docs` collection: id (Int64 PK), embedding (FloatVector 768), title (VarChar), sparse, text_sparse (BM25 output). */
export function docsFields(): FieldInfo[] {
  return [
    aField('id').type('Int64').primaryKey().build(),
    aField('embedding').floatVector(768).build(),
    aField('title').type('VarChar').build(),
    aField('sparse').sparseVector().build(),
    aField('text_sparse').sparseVector().functionOutput().build(),
  ];
}

// ---------------------------------------------------------------------------------------------
// PeerClaim

export class PeerBuilder {
  private p: PeerClaim;
  constructor(name: string) {
    this.p = { key: `${NAMESPACE}/${name}`, uid: `uid-${name}`, creationTimestamp: CREATED, deleting: false, definition: { indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 200 } } };
  }
  inNamespace(ns: string): this { this.p.key = `${ns}/${this.p.key.split('/')[1]}`; return this; }
  createdAt(timestamp: string): this { this.p.creationTimestamp = timestamp; return this; }
  deleting(): this { this.p.deleting = true; return this; }
  /** The peer's spec definition (default: the same as the default spec). */
  definition(definition: IndexDefinition): this { this.p.definition = structuredClone(definition); return this; }
  build(): PeerClaim { return structuredClone(this.p); }
}

/** Another MilvusIndex claiming the same Milvus index with the same definition, created at the same instant as the default resource. */
export function aPeer(name: string): PeerBuilder {
  return new PeerBuilder(name);
}

// ---------------------------------------------------------------------------------------------
// Observation

type MilvusKind = MilvusObservation['kind'];

export class ObservationBuilder {
  private connection: ConnectionObservation = { kind: 'Ready', key: 'default', uri: DEFAULT_URI, database: 'default' };
  private peers: PeerClaim[] = [];
  private kind: MilvusKind = 'Observed';
  private message = '';
  private fieldsV: FieldInfo[] = docsFields();
  private loadStateV: LoadState = 'NotLoad';
  private indexV: ObservedIndex | undefined;
  private others: ObservedIndex[] = [];

  constructor(private readonly resource: MilvusIndex) {}

  /** The default connection is missing/unusable (no --milvus-uri, secret missing, auth failed...). */
  connectionNotReady(message = 'The default connection has no URI (set --milvus-uri or MILVUS_URI).'): this {
    this.connection = { kind: 'NotReady', reason: 'ConnectionNotReady', message };
    return this;
  }
  /** --default-connection-namespaces does not include the resource's namespace. */
  connectionNotAllowed(message = 'Namespace "search" may not use the default connection (--default-connection-namespaces).'): this {
    this.connection = { kind: 'NotReady', reason: 'ConnectionNotAllowed', message };
    return this;
  }
  /** The connection's uri as observe.ts reports it (displayUri). */
  connectionUri(uri: string): this {
    if (this.connection.kind === 'Ready') this.connection = { ...this.connection, uri };
    return this;
  }
  connectionDatabase(database: string): this {
    if (this.connection.kind === 'Ready') this.connection = { ...this.connection, database };
    return this;
  }
  peer(peer: PeerBuilder | PeerClaim): this { this.peers.push(peer instanceof PeerBuilder ? peer.build() : peer); return this; }

  notObserved(): this { this.kind = 'NotObserved'; return this; }
  unavailable(message = '14 UNAVAILABLE: No connection established'): this { this.kind = 'Unavailable'; this.message = message; return this; }
  databaseNotFound(message = 'database not found[database=default]'): this { this.kind = 'DatabaseNotFound'; this.message = message; return this; }
  collectionNotFound(message = 'collection not found[database=default][collection=docs]'): this { this.kind = 'CollectionNotFound'; this.message = message; return this; }

  fields(...fields: Array<FieldInfo | FieldBuilder>): this { this.fieldsV = fields.map((f) => (f instanceof FieldBuilder ? f.build() : f)); return this; }
  withoutField(name: string): this { this.fieldsV = this.fieldsV.filter((f) => f.name !== name); return this; }
  loadState(state: LoadState): this { this.loadStateV = state; return this; }
  loaded(): this { return this.loadState('Loaded'); }
  /** The index named like the spec's index name. */
  index(idx: ObservedIndexBuilder | ObservedIndex): this { this.indexV = idx instanceof ObservedIndexBuilder ? idx.build() : idx; return this; }
  /** An index on the spec's field under another name. */
  otherIndexOnField(idx: ObservedIndexBuilder | ObservedIndex): this { this.others.push(idx instanceof ObservedIndexBuilder ? idx.build() : idx); return this; }

  build(): Observation {
    const r = structuredClone(this.resource);
    const connectionDatabase = this.connection.kind === 'Ready' ? this.connection.database : undefined;
    return {
      resource: r,
      indexName: resolvedIndexName(r),
      connection: { ...this.connection },
      database: r.spec.database ?? (connectionDatabase || 'default'),
      peers: this.peers.map((p) => ({ ...p })),
      milvus: this.milvus(),
    };
  }

  private milvus(): MilvusObservation {
    // observe.ts reads nothing without a usable connection.
    if (this.connection.kind === 'NotReady') return { kind: 'NotObserved' };
    switch (this.kind) {
      case 'NotObserved': return { kind: 'NotObserved' };
      case 'Unavailable': case 'DatabaseNotFound': case 'CollectionNotFound': return { kind: this.kind, message: this.message };
      case 'Observed':
        return { kind: 'Observed', fields: structuredClone(this.fieldsV), loadState: this.loadStateV, index: this.indexV && structuredClone(this.indexV), otherIndexesOnField: structuredClone(this.others) };
    }
  }
}

/** What observe.ts would report for `resource`: default connection Ready, collection `docs` not loaded, no index yet. */
export function anObservation(resource: MilvusIndexBuilder | MilvusIndex): ObservationBuilder {
  return new ObservationBuilder(resource instanceof MilvusIndexBuilder ? resource.build() : resource);
}

// ---------------------------------------------------------------------------------------------
// ActionFailure (what execute() reports to decideFailure)

/** `action` failed with the classified `kind`. */
export function aFailure(action: MilvusAction, kind: ActionFailure['kind'], message = 'the server said no'): ActionFailure {
  return { action: structuredClone(action), kind, message };
}

/** The CreateIndex the default spec asks for. */
export function createIndexAction(patch: Partial<Extract<Action, { type: 'CreateIndex' }>['request']> = {}): MilvusAction {
  return {
    type: 'CreateIndex',
    request: { database: 'default', collection: 'docs', fieldName: 'embedding', indexName: 'embedding', indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 200 }, ...patch },
  };
}
