import type { INDEX_STATES } from '../api/milvusindex.js';
import type { ErrorKind } from './errors.js';

/** Where and how to reach a Milvus server. Secrets live only in `token`/`password`, never logged. */
export interface ConnectionTarget {
  /**
   * `host[:port]` or `http(s)://host[:port]` (https turns TLS on; ports default to 19530 / 443,
   * see uri.ts). Userinfo is refused when the client is built (InvalidSpec) and never shown.
   */
  uri: string;
  /** Default database of the connection ("default" when unset). */
  database: string;
  token?: string;
  username?: string;
  password?: string;
  /** Per-request deadline. */
  timeoutMs: number;
  /** caPem: the only root (default: system roots). clientCertPem + clientKeyPem: mutual TLS. */
  tls?: { enabled: boolean; caPem?: string; serverName?: string; clientCertPem?: string; clientKeyPem?: string };
  /** At most this many Milvus calls in flight on this connection (unset or <= 0: no limit). */
  maxConcurrentRequests?: number;
}

export type LoadState = 'NotExist' | 'NotLoad' | 'Loading' | 'Loaded';

export interface FieldInfo {
  name: string;
  /** Milvus data type name as the SDK decodes it: FloatVector, BinaryVector, SparseFloatVector, Float16Vector, BFloat16Vector, Int8Vector, VarChar, Int64, Bool, Float, Double, JSON, Array, ... */
  dataType: string;
  isPrimaryKey: boolean;
  /** Vector dimension, when the field has one. */
  dim?: number;
  /** Element type of an Array field. */
  elementType?: string;
  /** True for the output field of a function (e.g. BM25). */
  isFunctionOutput: boolean;
}

export type CollectionLookup =
  | { kind: 'Found'; fields: FieldInfo[] }
  | { kind: 'DatabaseNotFound'; message: string }
  | { kind: 'CollectionNotFound'; message: string };

export type IndexState = (typeof INDEX_STATES)[number];

/** One index as describeIndex reports it, normalised. */
export interface ObservedIndex {
  indexName: string;
  indexId: string;
  fieldName: string;
  indexType: string;
  /** Empty string when the server reports none (scalar indexes; Lite says NONE). */
  metricType: string;
  /** Build params, values in canonical string form (see canonical.ts). */
  params: Record<string, string>;
  /** Mutable properties (mmap.enabled, ...), values as strings. */
  properties: Record<string, string>;
  state: IndexState;
  indexedRows: number;
  totalRows: number;
  pendingIndexRows: number;
  failReason: string;
}

export interface CreateIndexRequest {
  database: string;
  collection: string;
  fieldName: string;
  indexName: string;
  indexType: string;
  metricType?: string;
  /** Build params; sent as canonical JSON (sorted keys) so repeats are byte-identical. */
  params: Record<string, string | number | boolean>;
}

/**
 * Per-call options of a write. `timeoutMs` caps the whole call, counted from the moment it is
 * made, including any wait for the connection's concurrency limit: a caller holding leadership
 * passes the time it still holds it. The connection's own timeout still applies when shorter.
 * When the time is up before the request is sent, it is not sent (MilvusError Transient,
 * failure DeadlineExceeded); when it runs out in flight, the call fails the same way but the
 * server may still apply the request.
 */
export interface WriteOptions {
  timeoutMs?: number;
}

/**
 * Narrow port the reconciler uses. Every method throws MilvusError only (errors.ts, classified
 * once in classify.ts); server-side statuses are judged by `error_code === 'Success' && code === 0`.
 * Messages never contain secrets or a uri's userinfo.
 * Implementations serialise nothing themselves: callers hold the per-collection lock.
 */
export interface MilvusIndexApi {
  /** Schema of the collection, or which of database/collection is missing. Read only. */
  describeCollection(database: string, collection: string): Promise<CollectionLookup>;
  getLoadState(database: string, collection: string): Promise<LoadState>;
  /** Every index of the collection (empty list when it has none). Read only. */
  listIndexes(database: string, collection: string): Promise<ObservedIndex[]>;
  /** createIndex; throws MilvusError on refusal. */
  createIndex(req: CreateIndexRequest, options?: WriteOptions): Promise<void>;
  /**
   * Drops `indexName` of `fieldName`. Precondition: a describe just confirmed that exactly this
   * index exists (Milvus Lite drops every index of the collection for an unknown name).
   * An index already gone is success.
   */
  dropIndex(database: string, collection: string, fieldName: string, indexName: string, options?: WriteOptions): Promise<void>;
  /** alterIndexProperties; MilvusError kind Unsupported on servers without AlterIndex (Milvus Lite, 2.3). */
  alterIndexProperties(database: string, collection: string, indexName: string, properties: Record<string, string>, options?: WriteOptions): Promise<void>;
  releaseCollection(database: string, collection: string, options?: WriteOptions): Promise<void>;
  /** Starts loading and returns (loadCollectionAsync). */
  loadCollection(database: string, collection: string, options?: WriteOptions): Promise<void>;
  /** Server version string, e.g. "v2.6.1" or "milvus_lite-3.2.2". Also a health probe. */
  serverVersion(): Promise<string>;
}

/** One client per connection; `get` is cheap and returns the same client while `target` is unchanged. */
export interface MilvusClientProvider {
  get(connectionKey: string, target: ConnectionTarget): MilvusIndexApi;
  /** Closes every client (shutdown). */
  close(): Promise<void>;
}

export type { ErrorKind };
