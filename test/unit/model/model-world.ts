// The world the model test drives: an API server and a Milvus that persist, and a reconciler
// (with its claims, locks and connection resolver) that a restart replaces. Users' edits go to
// the API server; reconciles go through the real MilvusIndexReconciler.
import { ANNOTATION_PAUSED, API_VERSION, type MilvusIndex, type MilvusIndexSpec } from '../../../src/api/milvusindex.js';
import { KeyedMutex } from '../../../src/controller/keyed-mutex.js';
import type { ObjectStore, RequeueDecision } from '../../../src/controller/types.js';
import type { LoadState } from '../../../src/milvus/types.js';
import { ClaimIndex } from '../../../src/reconcile/claims.js';
import { afterOurCreate } from '../../../src/reconcile/decide/context.js';
import { createIntentOf } from '../../../src/reconcile/decide/create-intent.js';
import type { ConnectionResolution } from '../../../src/reconcile/connection/resolution.js';
import { CollectionReadCache } from '../../../src/reconcile/collection-reads.js';
import { MAX_STEPS, MilvusIndexReconciler } from '../../../src/reconcile/reconciler.js';
import type { MilvusWrite } from '../../../src/reconcile/write-observer.js';
import { NAMESPACE, anIndex, aScalarIndex } from '../fakes.js';
import { FakeEvents, FakeMetrics, FakeResolver, RecordingLog } from '../fakes/reconcile.js';
import { ApiServer, keyOf } from './api-server.js';
import { ModelMilvus } from './model-milvus.js';

/** The resources a sequence may create: two claim the same index (docs.embedding). */
export const NAMES = ['emb-a', 'emb-b', 'title', 'papers'] as const;
export type Name = (typeof NAMES)[number];
export type Definition = 'A' | 'B';

/** An index of another definition on papers.embedding that no resource names: never ours to drop. */
export const FOREIGN = { database: 'default', collection: 'papers', indexName: 'legacy' };

const TARGETS: Record<Name, Pick<MilvusIndexSpec, 'collectionName' | 'fieldName'>> = {
  'emb-a': { collectionName: 'docs', fieldName: 'embedding' },
  'emb-b': { collectionName: 'docs', fieldName: 'embedding' },
  title: { collectionName: 'docs', fieldName: 'title' },
  papers: { collectionName: 'papers', fieldName: 'embedding' },
};

/** A: the ordinary definition (matches a seeded index); B: another one, applied by Recreate. */
function definition(name: Name, def: Definition): Omit<MilvusIndexSpec, 'collectionName' | 'fieldName'> {
  const scalar = name === 'title';
  const common = { allowCollectionRelease: true, ...(def === 'B' ? { updatePolicy: 'Recreate' as const } : {}) };
  if (scalar) return { ...common, indexType: def === 'A' ? 'INVERTED' : 'BITMAP', params: {} };
  return { ...common, indexType: 'HNSW', metricType: 'COSINE', params: { M: def === 'A' ? 16 : 32, efConstruction: 200 } };
}

/** What the connection resolver says about the (one) connection: it outlives a restart. */
export type ConnectionState = 'Ready' | 'NotReady' | 'Unknown';

export interface InitialState {
  docsLoad: LoadState;
  /** docs.embedding already holds the index definition A describes (adoptable). */
  seedEmbedding: boolean;
  /** docs.title already holds the INVERTED index (adoptable). */
  seedTitle: boolean;
  /** Resources applied before the first step (not reconciled yet). */
  applied: Array<[Name, Definition]>;
}

/**
 * The informer cache the reconciler reads: the API server as it is, or, while lagging, as it was
 * when the lag began (watch events not delivered yet). Writes always go to the API server.
 */
class InformerCache implements ObjectStore<MilvusIndex> {
  private frozen: Map<string, MilvusIndex> | undefined;
  constructor(private readonly server: ApiServer) {}
  lag(): void { this.frozen ??= new Map(this.server.list().map((o) => [keyOf(o), structuredClone(o)])); }
  catchUp(): void { this.frozen = undefined; }
  get(key: string): MilvusIndex | undefined { return this.frozen ? this.frozen.get(key) : this.server.get(key); }
  list(): MilvusIndex[] { return this.frozen ? [...this.frozen.values()] : this.server.list(); }
  hasSynced(): boolean { return true; }
}

const START = Date.parse('2026-11-20T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class ModelWorld {
  readonly server = new ApiServer();
  readonly milvus = new ModelMilvus();
  readonly cache = new InformerCache(this.server);
  /** Broken invariants seen when a Milvus write returns: (d), and (a) in its strong form. */
  readonly writeViolations: string[] = [];
  readonly events = new FakeEvents();
  /** Every Milvus write, as the reconciler reported it. */
  readonly milvusWrites: MilvusWrite[] = [];
  /** Concurrent reconciles in which two resources wrote to one collection (what the lock serialises). */
  concurrentWriters = 0;
  connection: ConnectionState = 'Ready';
  private clock = START;
  private created = 0;
  private reconciler!: MilvusIndexReconciler;
  private claims!: ClaimIndex;
  private readonly claimed = new Map<string, MilvusIndex>();

  /** `asOperator`: the reconciler as the operator builds it (reads shared per collection, MAX_STEPS per pass). */
  constructor(init: InitialState, private readonly asOperator = false) {
    this.milvus.collection('default', 'docs', init.docsLoad, [
      ...(init.seedEmbedding ? [anIndex().build()] : []),
      ...(init.seedTitle ? [aScalarIndex().build()] : []),
    ]);
    this.milvus.collection('default', 'papers', 'NotLoad', [anIndex().named(FOREIGN.indexName).type('IVF_FLAT').metric('L2').params({ nlist: 128 }).build()]);
    this.restart();
    for (const [name, def] of init.applied) this.apply(name, def);
  }

  /** A new process: fresh claims, locks and resolver; the API server and Milvus stay. */
  restart(): void {
    this.restartsWithIntentOnlyAnnotated += this.server.list().filter((r) => createIntentOf(r) !== undefined).length;
    // A new process lists everything afresh.
    this.cache.catchUp();
    const resolver = new FakeResolver();
    const ready = resolver.resolution;
    Object.defineProperty(resolver, 'resolution', {
      get: (): ConnectionResolution => this.connection === 'Ready' ? ready
        : this.connection === 'NotReady' ? { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'MilvusConnection "default" is not ready (model).' }
        : { kind: 'Unknown', message: 'the connection has not been verified yet (model)' },
    });
    this.claims = new ClaimIndex(this.cache, resolver);
    this.claimed.clear();
    this.reconciler = new MilvusIndexReconciler({
      store: this.cache,
      claims: this.claims,
      connections: resolver,
      milvus: { get: () => this.milvus, close: async () => {} },
      ...(this.asOperator ? { reads: new CollectionReadCache(5_000, () => this.clock), maxSteps: MAX_STEPS } : {}),
      execute: { writer: this.server, leadershipRemainingMs: () => Number.POSITIVE_INFINITY, milvusWrites: { written: (w) => this.recordWrite(w) } },
      events: this.events,
      collectionLocks: new KeyedMutex(),
      now: () => new Date(this.clock),
      log: new RecordingLog(),
      metrics: new FakeMetrics(),
    });
  }

  /** Restarts that found a resource whose create intent was recorded only with its finalizer (no status yet). */
  restartsWithIntentOnlyAnnotated = 0;

  tick(): void { this.clock += 1000; }

  get(name: Name): MilvusIndex | undefined { return this.server.get(`${NAMESPACE}/${name}`); }

  /** kubectl apply: creates the resource, or sets its definition (a new generation). */
  apply(name: Name, def: Definition): void {
    const live = this.get(name);
    const spec = { ...TARGETS[name], ...definition(name, def) };
    if (live) {
      if (JSON.stringify(live.spec) !== JSON.stringify(spec)) this.server.put({ ...live, spec, metadata: { ...live.metadata, generation: (live.metadata.generation ?? 1) + 1 } });
      return;
    }
    this.created++;
    this.server.put({
      apiVersion: API_VERSION, kind: 'MilvusIndex',
      metadata: { name, namespace: NAMESPACE, uid: `uid-${name}-${this.created}`, generation: 1, resourceVersion: '0', creationTimestamp: iso(this.clock + this.created) },
      spec,
    });
  }

  /** Switches an existing resource to the other definition. */
  edit(name: Name): void {
    const live = this.get(name);
    if (!live) return;
    const isB = live.spec.updatePolicy === 'Recreate';
    this.apply(name, isB ? 'A' : 'B');
  }

  setPaused(name: Name, paused: boolean): void {
    const live = this.get(name);
    if (!live) return;
    const annotations = { ...live.metadata.annotations };
    if (paused) annotations[ANNOTATION_PAUSED] = 'true';
    else delete annotations[ANNOTATION_PAUSED];
    this.server.put({ ...live, metadata: { ...live.metadata, annotations } });
  }

  delete(name: Name): void { this.server.delete(`${NAMESPACE}/${name}`, iso(this.clock)); }

  /** What the informer has told the claim index by now: every object as the cache holds it. */
  private syncClaims(): void {
    for (const [key, obj] of this.claimed) if (!this.cache.get(key)) { this.claims.remove(obj); this.claimed.delete(key); }
    for (const obj of this.cache.list()) { this.claims.upsert(obj); this.claimed.set(keyOf(obj), obj); }
  }

  async reconcile(...names: Name[]): Promise<RequeueDecision[]> {
    this.syncClaims();
    const from = this.milvusWrites.length;
    const done = await Promise.all(names.map((n) => this.reconciler.reconcile(`${NAMESPACE}/${n}`)));
    const writers = new Map<string, Set<string>>();
    for (const w of this.milvusWrites.slice(from)) writers.set(w.collection, (writers.get(w.collection) ?? new Set()).add(w.name));
    if ([...writers.values()].some((s) => s.size > 1)) this.concurrentWriters++;
    return done;
  }

  /**
   * Checks as the write returns, against the cache (what the pass saw: user edits never happen
   * during a reconcile): (d) the pause the operator could know of; (a) a drop is made for a
   * resource whose status says it created (ownership, or a pending Create of its own, or the create intent its
   * finalizer write recorded before any status) or adopted the index.
   */
  private recordWrite(w: MilvusWrite): void {
    this.milvusWrites.push(w);
    const r = this.cache.get(`${w.namespace}/${w.name}`);
    if (w.action === 'DropIndex' && r?.status?.ownership === undefined && !afterOurCreate(r?.status?.pendingOperation ?? (r && createIntentOf(r)))) {
      this.writeViolations.push(`(a) DropIndex on ${w.database}/${w.collection} for ${w.namespace}/${w.name}, which neither created nor adopted it`);
    }
    if (r && r.metadata.annotations?.[ANNOTATION_PAUSED] === 'true' && r.metadata.deletionTimestamp === undefined) {
      this.writeViolations.push(`(d) ${w.action} on ${w.database}/${w.collection} for paused ${w.namespace}/${w.name}`);
    }
  }

  get faultsHit(): number { return this.milvus.faultsHit + this.server.faultsHit; }

  /** Writes of any kind so far: Kubernetes and Milvus. */
  get writeCount(): number { return this.server.writes.length + this.milvus.ddl.length; }
}
