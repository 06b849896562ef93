// MilvusIndexApi on top of @zilliz/milvus2-sdk-node 3.x. Every SDK quirk the operator depends on is
// handled here (milvus.md §0, §1, §3.3, §5):
// - clients are built with telemetry off, __SKIP_CONNECT__ (the constructor's Connect promise
//   would otherwise crash the process when the server is down, and a rejected Connect poisons
//   getVersion for the client's lifetime), the connection's timeout as every call's deadline;
// - db_name is sent on every call; statuses are judged with isOk (error_code AND code);
// - a response without status is the SDK's rendering of gRPC UNIMPLEMENTED;
// - int64 fields arrive as strings and enums as names.

import { MilvusClient, promisify, type ClientConfig } from '@zilliz/milvus2-sdk-node';

import { canonicalParamsObject, parseObservedParams } from './canonical.js';
import { ClassifiedMilvusError, classifyStatus, classifyThrown, redact, type ClassifyContext } from './classify.js';
import { MilvusError, type ErrorKind } from './errors.js';
import { isOk, statusOf } from './status.js';
import type {
  CollectionLookup,
  ConnectionTarget,
  CreateIndexRequest,
  FieldInfo,
  IndexState,
  LoadState,
  MilvusIndexApi,
  ObservedIndex,
  SupportResult,
} from './types.js';

/** Narrow metrics port; the composition root wires prom-client `milvus_request_duration_seconds{method,outcome}`. */
export interface MilvusMetrics {
  observeRequest(method: string, outcome: 'success' | ErrorKind, seconds: number): void;
}

export const noopMilvusMetrics: MilvusMetrics = { observeRequest: () => {} };

export interface SdkMilvusIndexApiOptions {
  metrics?: MilvusMetrics;
  /** Winston level of the SDK's (process-wide) logger. Default 'warn': 'debug' would log every request. */
  sdkLogLevel?: string;
}

// ---- addresses and descriptions --------------------------------------------------------------

export interface ParsedMilvusUri {
  /** host:port as the SDK wants it (no scheme). */
  address: string;
  /** True for https://. */
  https: boolean;
}

/**
 * Parses `host:port`, `http://host:port` or `https://host:port` (IPv6 in brackets). A port is
 * required (the SDK would silently use port 80/443 semantics otherwise); credentials in the URI
 * are refused so they can never be logged. Throws MilvusError(InvalidSpec).
 */
export function parseMilvusUri(uri: string): ParsedMilvusUri {
  const fail = (why: string): never => {
    throw new ClassifiedMilvusError('InvalidParameter', 'connect', `cannot use milvus uri "${redact(uri.trim())}": ${why}`);
  };
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^\s/]+)\/?$/.exec(uri.trim());
  if (!m) return fail('expected host:port, http://host:port or https://host:port');
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== '' && scheme !== 'http' && scheme !== 'https') return fail(`unsupported scheme "${scheme}" (use http or https)`);
  const hostPort = m[2] ?? '';
  if (hostPort.includes('@')) return fail('credentials in the uri are not supported; put them in the connection secret');
  const hp = /^(\[[0-9a-fA-F:.%a-zA-Z]+\]|[^:[\]]+):(\d{1,5})$/.exec(hostPort);
  const port = hp ? Number(hp[2]) : NaN;
  if (!hp || !(port >= 1 && port <= 65535)) return fail('a port is required (the Milvus default is 19530)');
  return { address: `${hp[1] ?? ''}:${port}`, https: scheme === 'https' };
}

/** A loggable one-line description of a target, without token or password. */
export function describeTarget(target: ConnectionTarget): string {
  let where: string;
  let https = false;
  try {
    const p = parseMilvusUri(target.uri);
    where = p.address;
    https = p.https;
  } catch {
    where = `invalid uri "${redact(target.uri.trim())}"`;
  }
  const tlsOn = https || target.tls?.enabled === true;
  const tls = tlsOn
    ? `tls=on${target.tls?.caPem ? ' (custom ca)' : ''}${target.tls?.serverName ? ` serverName=${target.tls.serverName}` : ''}`
    : 'tls=off';
  const auth = nonEmpty(target.token)
    ? 'auth=token'
    : nonEmpty(target.username) && nonEmpty(target.password)
      ? `auth=user:${target.username ?? ''}`
      : 'auth=none';
  const limit = target.maxConcurrentRequests && target.maxConcurrentRequests > 0 ? ` maxConcurrentRequests=${target.maxConcurrentRequests}` : '';
  return `${where} database=${target.database || 'default'} ${auth} ${tls} timeout=${target.timeoutMs}ms${limit}`;
}

function nonEmpty(s: string | undefined): s is string {
  return typeof s === 'string' && s.length > 0;
}

/**
 * The SDK configuration for a target. Throws MilvusError(InvalidSpec) for an unusable uri.
 * Token wins over username/password (as in the SDK); TLS is on for https:// or tls.enabled,
 * with caPem as the only root (one-way TLS) and serverName as the TLS name override.
 */
export function buildClientConfig(target: ConnectionTarget, sdkLogLevel = 'warn'): ClientConfig {
  const { address, https } = parseMilvusUri(target.uri);
  const config: ClientConfig = {
    address,
    database: target.database || 'default',
    timeout: target.timeoutMs,
    telemetry: { enabled: false },
    __SKIP_CONNECT__: true,
    // A Zilliz global-cluster endpoint needs the skipped Connect; the operator does not support it.
    isGlobal: false,
    logLevel: sdkLogLevel,
  };
  if (nonEmpty(target.token)) config.token = target.token;
  else if (nonEmpty(target.username) && nonEmpty(target.password)) {
    config.username = target.username;
    config.password = target.password;
  }
  if (https || target.tls?.enabled === true) {
    const tls: NonNullable<ClientConfig['tls']> = {};
    if (nonEmpty(target.tls?.caPem)) tls.rootCert = Buffer.from(target.tls.caPem, 'utf8');
    if (nonEmpty(target.tls?.serverName)) tls.serverName = target.tls.serverName;
    if (tls.rootCert) config.tls = tls;
    else {
      config.ssl = true;
      if (tls.serverName) config.tls = tls;
    }
  }
  return config;
}

// ---- concurrency limit -----------------------------------------------------------------------

/** A FIFO counting semaphore. `acquire` resolves to the release function (call it exactly once). */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`semaphore limit must be >= 1, got ${limit}`);
  }
  get inFlight(): number {
    return this.active;
  }
  get waiting(): number {
    return this.queue.length;
  }
  async acquire(): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter; `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}

// ---- the client ------------------------------------------------------------------------------

type Outcome = 'success' | ErrorKind;
interface Settled<T> {
  value: T;
  outcome: Outcome;
}
const ok = <T>(value: T): Settled<T> => ({ value, outcome: 'success' });

interface RawKeyValue {
  key: string;
  value: unknown;
}
interface RawField {
  name?: string;
  data_type?: string | number;
  is_primary_key?: boolean;
  type_params?: RawKeyValue[];
  element_type?: string | number;
  is_function_output?: boolean;
}
interface RawIndexDescription {
  index_name?: string;
  indexID?: string | number;
  field_name?: string;
  params?: RawKeyValue[];
  indexed_rows?: string | number;
  total_rows?: string | number;
  pending_index_rows?: string | number;
  state?: string | number;
  index_state_fail_reason?: string;
}

const INDEX_STATES: readonly IndexState[] = ['None', 'Unissued', 'InProgress', 'Finished', 'Failed', 'Retry'];
const LOAD_STATES: readonly LoadState[] = ['NotExist', 'NotLoad', 'Loading', 'Loaded'];

/** 'Finished' / 'IndexStateNone' / 3 → IndexState; anything unknown → 'None'. */
export function normaliseIndexState(state: unknown): IndexState {
  if (typeof state === 'number') return INDEX_STATES[state] ?? 'None';
  const s = String(state ?? '').replace(/^IndexState/, '');
  return INDEX_STATES.find((x) => x.toLowerCase() === s.toLowerCase()) ?? 'None';
}

/** 'LoadStateLoaded' / 3 → 'Loaded'; undefined for anything unknown. */
export function normaliseLoadState(state: unknown): LoadState | undefined {
  if (typeof state === 'number') return LOAD_STATES[state];
  const s = String(state ?? '').replace(/^LoadState/, '');
  return LOAD_STATES.find((x) => x.toLowerCase() === s.toLowerCase());
}

function toCount(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v ?? '0'));
  return Number.isFinite(n) ? n : 0;
}

/** Parses one describeIndex entry (SDK-decoded) into an ObservedIndex. */
export function toObservedIndex(d: RawIndexDescription): ObservedIndex {
  const p = parseObservedParams(d.params);
  return {
    indexName: d.index_name ?? '',
    indexId: String(d.indexID ?? '0'),
    fieldName: d.field_name ?? '',
    indexType: p.indexType,
    metricType: p.metricType,
    params: p.params,
    properties: p.properties,
    state: normaliseIndexState(d.state),
    indexedRows: toCount(d.indexed_rows),
    totalRows: toCount(d.total_rows),
    pendingIndexRows: toCount(d.pending_index_rows),
    failReason: d.index_state_fail_reason ?? '',
  };
}

/** Parses one schema field (SDK-decoded DescribeCollection response) into a FieldInfo. */
export function toFieldInfo(f: RawField): FieldInfo {
  const info: FieldInfo = {
    name: f.name ?? '',
    dataType: String(f.data_type ?? ''),
    isPrimaryKey: f.is_primary_key === true,
    isFunctionOutput: f.is_function_output === true,
  };
  const dim = f.type_params?.find((kv) => kv.key === 'dim')?.value;
  if (dim !== undefined && Number.isFinite(Number(dim))) info.dim = Number(dim);
  const element = f.element_type === undefined ? '' : String(f.element_type);
  if (element !== '' && element !== 'None' && element !== '0') info.elementType = element;
  return info;
}

/**
 * One Milvus connection. Methods never throw anything but MilvusError (classified); every call
 * carries `db_name` and the connection's timeout and is reported to MilvusMetrics.
 *
 * Caveats: the SDK retries UNAVAILABLE up to 3 times (fast, 20–80 ms apart) with a fresh deadline
 * each, so an unreachable server fails in well under a second while a black-holed one can take a
 * few timeouts. Callers serialise DDL per collection (this class does not).
 */
export class SdkMilvusIndexApi implements MilvusIndexApi {
  private readonly client: MilvusClient | undefined;
  private readonly setupError: MilvusError | undefined;
  private readonly metrics: MilvusMetrics;
  private readonly limiter: Semaphore | undefined;
  private readonly secrets: string[];
  private readonly defaultDatabase: string;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(target: ConnectionTarget, options: SdkMilvusIndexApiOptions = {}) {
    this.metrics = options.metrics ?? noopMilvusMetrics;
    this.secrets = [target.token, target.password].filter(nonEmpty);
    this.defaultDatabase = target.database || 'default';
    this.timeoutMs = target.timeoutMs > 0 ? target.timeoutMs : 15_000;
    const limit = target.maxConcurrentRequests;
    this.limiter = limit !== undefined && limit > 0 ? new Semaphore(Math.floor(limit)) : undefined;
    let client: MilvusClient | undefined;
    let setupError: MilvusError | undefined;
    try {
      client = new MilvusClient(buildClientConfig(target, options.sdkLogLevel));
    } catch (e) {
      // Kept and thrown by every call, so `get()` on a pool never throws.
      setupError = classifyThrown(e, { method: 'connect', action: `connect to ${describeTarget(target)}`, secrets: this.secrets });
    }
    this.client = client;
    this.setupError = setupError;
  }

  /** Closes the gRPC channels after in-flight calls finish. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.client?.closeConnection();
    } catch {
      // Closing is best effort; nothing useful to report.
    }
  }

  async describeCollection(database: string, collection: string): Promise<CollectionLookup> {
    const db = this.db(database);
    return this.run('describeCollection', `describe collection ${db}/${collection}`, async (c, timeout) =>
      // The raw RPC: the SDK wrapper dereferences `status` (TypeError on an UNIMPLEMENTED `{}`),
      // reformats the schema, and caches per metadata database.
      promisify(c.channelPool, 'DescribeCollection', { collection_name: collection, db_name: db }, timeout),
      (res, ctx): Settled<CollectionLookup> => {
        const status = this.requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          if (err.failure === 'DatabaseNotFound') return ok({ kind: 'DatabaseNotFound', message: `database "${db}" does not exist` });
          if (err.failure === 'CollectionNotFound') return ok({ kind: 'CollectionNotFound', message: `collection "${collection}" does not exist in database "${db}"` });
          throw err;
        }
        const schema = (res as { schema?: { fields?: RawField[] } | null }).schema;
        return ok({ kind: 'Found', fields: (schema?.fields ?? []).map(toFieldInfo) });
      },
    );
  }

  async getLoadState(database: string, collection: string): Promise<LoadState> {
    const db = this.db(database);
    return this.run('getLoadState', `get the load state of collection ${db}/${collection}`, (c, timeout) =>
      c.getLoadState({ collection_name: collection, db_name: db, timeout }),
      (res, ctx): Settled<LoadState> => {
        const status = this.requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          // Milvus and Lite answer NotExist for a missing collection; Lite 3.2.2 fails a missing database.
          if (err.failure === 'DatabaseNotFound' || err.failure === 'CollectionNotFound') return ok('NotExist');
          throw err;
        }
        const raw = (res as { state?: unknown }).state;
        const state = normaliseLoadState(raw);
        if (!state) throw new ClassifiedMilvusError('Unknown', ctx.method, `cannot ${ctx.action}: unexpected load state ${JSON.stringify(raw)}`);
        return ok(state);
      },
    );
  }

  async listIndexes(database: string, collection: string): Promise<ObservedIndex[]> {
    const db = this.db(database);
    return this.run('listIndexes', `list the indexes of collection ${db}/${collection}`, (c, timeout) =>
      // No index_name: every index of the collection (describe ignores field_name on Milvus anyway).
      c.describeIndex({ collection_name: collection, db_name: db, timeout }),
      (res, ctx): Settled<ObservedIndex[]> => {
        const status = this.requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          // Milvus 700 "index not found[collection=…]", Lite 700 "no index on collection …".
          if (err.failure === 'IndexNotFound') return ok([]);
          throw err;
        }
        const list = (res as { index_descriptions?: RawIndexDescription[] }).index_descriptions ?? [];
        return ok(list.map(toObservedIndex));
      },
    );
  }

  async createIndex(req: CreateIndexRequest): Promise<void> {
    const db = this.db(req.database);
    const action = `create index "${req.indexName}" on field "${req.fieldName}" of collection ${db}/${req.collection}`;
    return this.run('createIndex', action, (c, timeout) =>
      // The simple form (never the array form, which runs in parallel and hides failures). The
      // SDK JSON.stringifies `params`: a sorted, canonically typed object gives canonicalParamsJson.
      c.createIndex({
        collection_name: req.collection,
        db_name: db,
        field_name: req.fieldName,
        index_name: req.indexName,
        index_type: req.indexType,
        ...(req.metricType ? { metric_type: req.metricType } : {}),
        ...(Object.keys(req.params).length > 0 ? { params: canonicalParamsObject(req.params) } : {}),
        timeout,
      }),
      (res, ctx) => {
        this.requireOk(res, ctx);
        return ok(undefined);
      },
    );
  }

  async dropIndex(database: string, collection: string, fieldName: string, indexName: string): Promise<void> {
    const db = this.db(database);
    return this.run('dropIndex', `drop index "${indexName}" of collection ${db}/${collection}`, (c, timeout) =>
      // Both names: Milvus keys on index_name, Lite on field_name (milvus.md §0.7).
      c.dropIndex({ collection_name: collection, db_name: db, field_name: fieldName, index_name: indexName, timeout }),
      (res, ctx) => {
        const status = this.requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          // Already gone (Lite 700 "no index to drop"/"no index on field"; Milvus answers Success),
          // or its collection/database is gone: the goal of a drop is met.
          if (err.failure === 'IndexNotFound' || err.failure === 'CollectionNotFound' || err.failure === 'DatabaseNotFound') return ok(undefined);
          throw err;
        }
        return ok(undefined);
      },
    );
  }

  async alterIndexProperties(database: string, collection: string, indexName: string, properties: Record<string, string>): Promise<SupportResult> {
    const db = this.db(database);
    return this.run('alterIndexProperties', `alter the properties of index "${indexName}" of collection ${db}/${collection}`, async (c, timeout) => {
      try {
        return await c.alterIndexProperties({ collection_name: collection, db_name: db, index_name: indexName, params: { ...properties }, timeout });
      } catch (e) {
        // Milvus 2.3 registers AlterIndex but answers with no message: gRPC INTERNAL "Marshal called
        // with nil". That is the server lacking the feature, the same as UNIMPLEMENTED ({}).
        if (/Marshal called with nil/.test(e instanceof Error ? e.message : String(e))) return {};
        throw e;
      }
    },
      (res, ctx): Settled<SupportResult> => {
        const unsupported: Settled<SupportResult> = {
          value: { kind: 'Unsupported', message: `cannot ${ctx.action}: the server does not implement AlterIndex (Milvus Lite, Milvus before 2.4)` },
          outcome: 'Unsupported',
        };
        const status = statusOf(res);
        if (!status) return unsupported;
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          if (err.failure === 'Unimplemented') return unsupported;
          throw err;
        }
        return ok({ kind: 'Done' });
      },
    );
  }

  async releaseCollection(database: string, collection: string): Promise<void> {
    const db = this.db(database);
    return this.run('releaseCollection', `release collection ${db}/${collection}`, (c, timeout) =>
      c.releaseCollection({ collection_name: collection, db_name: db, timeout }),
      (res, ctx) => {
        this.requireOk(res, ctx);
        return ok(undefined);
      },
    );
  }

  async loadCollection(database: string, collection: string): Promise<void> {
    const db = this.db(database);
    return this.run('loadCollection', `load collection ${db}/${collection}`, (c, timeout) =>
      // Async: returns once the load is accepted (loadCollection would poll without a deadline).
      c.loadCollectionAsync({ collection_name: collection, db_name: db, timeout }),
      (res, ctx) => {
        this.requireOk(res, ctx);
        return ok(undefined);
      },
    );
  }

  async serverVersion(): Promise<string> {
    return this.run('serverVersion', 'get the server version', (c) => c.getVersion(), (res, ctx) => {
      const status = statusOf(res);
      // UNIMPLEMENTED: not a Milvus server (any gRPC endpoint answers so), or Milvus Lite 2.x.
      if (!status) {
        throw new ClassifiedMilvusError('Unimplemented', ctx.method, `cannot ${ctx.action}: the server does not implement GetVersion (not a Milvus server, or Milvus Lite 2.x)`);
      }
      if (!isOk(status)) throw classifyStatus(status, ctx);
      const version = (res as { version?: unknown }).version;
      return ok(typeof version === 'string' && version !== '' ? version : 'unknown');
    });
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private db(database: string): string {
    return database || this.defaultDatabase;
  }

  /** The status of a response, or MilvusError(Unsupported) when there is none (UNIMPLEMENTED). */
  private requireStatus(res: unknown, ctx: ClassifyContext) {
    const status = statusOf(res);
    if (!status) {
      throw new ClassifiedMilvusError('Unimplemented', ctx.method, `cannot ${ctx.action}: the server does not implement this call (empty response)`);
    }
    return status;
  }

  private requireOk(res: unknown, ctx: ClassifyContext): void {
    const status = this.requireStatus(res, ctx);
    if (!isOk(status)) throw classifyStatus(status, ctx);
  }

  /**
   * Runs one SDK call under the concurrency limit, classifies whatever comes back, and reports
   * duration and outcome ('success' for every normal return, 'Unsupported' for an Unsupported
   * result, the error's kind for a throw).
   */
  private async run<T>(
    method: string,
    action: string,
    call: (client: MilvusClient, timeoutMs: number) => Promise<unknown>,
    interpret: (res: unknown, ctx: ClassifyContext) => Settled<T>,
  ): Promise<T> {
    const ctx: ClassifyContext = { method, action, secrets: this.secrets };
    if (this.setupError || !this.client) {
      const err = this.setupError ?? new ClassifiedMilvusError('Unknown', method, `cannot ${action}: no client`);
      this.metrics.observeRequest(method, err.kind, 0);
      throw err;
    }
    if (this.closed) {
      const err = new ClassifiedMilvusError('Unavailable', method, `cannot ${action}: the client was closed (connection changed or shutting down)`);
      this.metrics.observeRequest(method, err.kind, 0);
      throw err;
    }
    const client = this.client;
    const release = this.limiter ? await this.limiter.acquire() : undefined;
    const started = performance.now();
    let outcome: Outcome = 'Transient';
    try {
      let res: unknown;
      try {
        res = await call(client, this.timeoutMs);
      } catch (e) {
        throw classifyThrown(e, ctx);
      }
      const settled = interpret(res, ctx);
      outcome = settled.outcome;
      return settled.value;
    } catch (e) {
      const err = e instanceof MilvusError ? e : classifyThrown(e, ctx);
      outcome = err.kind;
      throw err;
    } finally {
      release?.();
      this.metrics.observeRequest(method, outcome, (performance.now() - started) / 1000);
    }
  }
}
