// A Milvus server in memory for the model test: collections, their indexes and load state, one
// injectable fault, and the checks that need to see calls as they happen. Every call yields to
// the event loop on entry, and a DDL call yields again before it leaves, so concurrent reconciles
// interleave and two DDL calls on one collection would be seen in flight together.
import { MilvusError } from '../../../src/milvus/errors.js';
import type { CollectionLookup, CreateIndexRequest, LoadState, MilvusIndexApi, ObservedIndex } from '../../../src/milvus/types.js';
import { docsFields } from '../fakes.js';

/** `before`: refused before it reached the server; `after`: the server applied a DDL call, the answer was lost. */
export type MilvusFault = 'before' | 'after';

interface Collection {
  loadState: LoadState;
  indexes: ObservedIndex[];
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ModelMilvus implements MilvusIndexApi {
  readonly collections = new Map<string, Collection>();
  /** Broken invariants seen during calls: (b) create of an existing index, (c) parallel DDL. */
  readonly violations: string[] = [];
  /** Every DDL call, in order: "createIndex default/docs embedding". */
  readonly ddl: string[] = [];
  /** Thrown by the next call (then cleared). */
  fault: MilvusFault | undefined;
  /** Injected faults that were thrown. */
  faultsHit = 0;
  private readonly inFlight = new Map<string, string[]>();

  collection(database: string, name: string, loadState: LoadState, indexes: ObservedIndex[] = []): this {
    this.collections.set(`${database}/${name}`, { loadState, indexes: structuredClone(indexes) });
    return this;
  }
  indexNames(database: string, name: string): string[] {
    return (this.collections.get(`${database}/${name}`)?.indexes ?? []).map((i) => i.indexName);
  }

  async describeCollection(database: string, collection: string): Promise<CollectionLookup> {
    await this.read('describeCollection');
    if (!this.collections.has(`${database}/${collection}`)) return { kind: 'CollectionNotFound', message: `collection not found[collection=${collection}]` };
    return { kind: 'Found', fields: docsFields() };
  }
  async getLoadState(database: string, collection: string): Promise<LoadState> {
    await this.read('getLoadState');
    return this.collections.get(`${database}/${collection}`)?.loadState ?? 'NotExist';
  }
  async listIndexes(database: string, collection: string): Promise<ObservedIndex[]> {
    await this.read('listIndexes');
    return structuredClone(this.collections.get(`${database}/${collection}`)?.indexes ?? []);
  }
  async createIndex(req: CreateIndexRequest): Promise<void> {
    await this.write(req.database, req.collection, `createIndex ${req.indexName}`, (c) => {
      if (c.indexes.some((i) => i.indexName === req.indexName || i.fieldName === req.fieldName)) {
        this.violations.push(`(b) createIndex ${req.database}/${req.collection} ${req.indexName}: an index on field "${req.fieldName}" or with that name exists (${c.indexes.map((i) => i.indexName).join(', ')})`);
        return;
      }
      c.indexes.push({
        indexName: req.indexName, indexId: `id-${req.indexName}-${this.ddl.length}`, fieldName: req.fieldName, indexType: req.indexType, metricType: req.metricType ?? '',
        params: Object.fromEntries(Object.entries(req.params).map(([k, v]) => [k, String(v)])), properties: {},
        state: 'Finished', indexedRows: 1000, totalRows: 1000, pendingIndexRows: 0, failReason: '',
      });
    });
  }
  async dropIndex(database: string, collection: string, fieldName: string, indexName: string): Promise<void> {
    await this.write(database, collection, `dropIndex ${fieldName}/${indexName}`, (c) => {
      c.indexes = c.indexes.filter((i) => !(i.indexName === indexName && i.fieldName === fieldName));
    });
  }
  async alterIndexProperties(database: string, collection: string, indexName: string, properties: Record<string, string>): Promise<void> {
    await this.write(database, collection, `alterIndexProperties ${indexName}`, (c) => {
      const idx = c.indexes.find((i) => i.indexName === indexName);
      if (idx) idx.properties = { ...idx.properties, ...properties };
    });
  }
  async releaseCollection(database: string, collection: string): Promise<void> {
    await this.write(database, collection, 'releaseCollection', (c) => { c.loadState = 'NotLoad'; });
  }
  async loadCollection(database: string, collection: string): Promise<void> {
    await this.write(database, collection, 'loadCollection', (c) => { c.loadState = 'Loaded'; });
  }
  async serverVersion(): Promise<string> {
    await this.read('serverVersion');
    return 'v2.6.1';
  }

  private async read(method: string): Promise<void> {
    await turn();
    if (this.fault === undefined) return;
    this.fault = undefined;
    this.faultsHit++;
    throw new MilvusError('Transient', method, `cannot ${method}: 14 UNAVAILABLE (injected)`);
  }

  private async write(database: string, collection: string, call: string, apply: (c: Collection) => void): Promise<void> {
    const key = `${database}/${collection}`;
    const others = this.inFlight.get(key) ?? [];
    if (others.length > 0) this.violations.push(`(c) ${call} on ${key} while ${others.join(', ')} is in flight`);
    this.inFlight.set(key, [...others, call]);
    this.ddl.push(`${call} ${key}`);
    try {
      await turn();
      const fault = this.fault;
      this.fault = undefined;
      if (fault !== undefined) this.faultsHit++;
      if (fault === 'before') throw new MilvusError('Transient', call, `cannot ${call}: 14 UNAVAILABLE (injected)`);
      const c = this.collections.get(key);
      if (c) apply(c);
      await turn();
      if (fault === 'after') throw new MilvusError('Transient', call, `${call}: deadline exceeded (injected; the server applied it)`);
    } finally {
      const left = (this.inFlight.get(key) ?? []).filter((_, i, all) => i !== all.indexOf(call));
      if (left.length === 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    }
  }
}
