// MilvusIndexApi on top of @zilliz/milvus2-sdk-node 3.x. The SDK quirks handled here (milvus.md
// §0, §1, §3.3, §5): db_name is sent on every call; statuses are judged with isOk (error_code AND
// code); a response without status is the SDK's rendering of gRPC UNIMPLEMENTED; every request
// carries an explicit deadline (the SDK treats 0 as "its default", so 0 is never sent).
// Building the client and describing targets: target.ts; response shapes: normalize.ts.

import { MilvusClient, promisify } from '@zilliz/milvus2-sdk-node';
import pLimit, { type LimitFunction } from 'p-limit';

import { canonicalParamsObject } from './canonical.js';
import { ClassifiedMilvusError, classifyStatus, classifyThrown, redact, withoutNodeAdvice, type ClassifyContext } from './classify.js';
import type { ErrorKind } from './errors.js';
import { gateSdkDebugLogs } from './sdk-logger.js';
import { shareSdkProtoDefinitions } from './shared-protos.js';
import { normaliseLoadState, toFieldInfo, toObservedIndex, type RawField, type RawIndexDescription } from './normalize.js';
import { isOk, statusOf, type MilvusStatus } from './status.js';
import { buildClientConfig, describeTarget, nonEmpty } from './target.js';
import { probeTlsHandshake } from './tls-probe.js';
import type { CollectionLookup, ConnectionTarget, CreateIndexRequest, LoadState, MilvusIndexApi, ObservedIndex, WriteOptions } from './types.js';
import { userinfoSecrets } from './uri.js';

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

/** One SDK request; `timeoutMs` is its deadline (always >= 1). */
type SdkCall = (client: MilvusClient, timeoutMs: number) => Promise<unknown>;

/**
 * One Milvus connection. Methods throw MilvusError only (classified); every call carries `db_name`
 * and a deadline and is reported to MilvusMetrics ('success', or the error's kind).
 *
 * Secrets: the token, the password and any userinfo of the uri are redacted from every message; a
 * uri with userinfo is refused (InvalidSpec from every call), so it is neither sent nor shown.
 *
 * Caveats: the SDK retries UNAVAILABLE up to 3 times (fast, 20–80 ms apart) with a fresh deadline
 * each, so an unreachable server fails in well under a second while a black-holed one can take a
 * few timeouts; a caller's WriteOptions.timeoutMs is enforced on top (the call stops waiting, the
 * request cannot be recalled). Callers serialise DDL per collection (this class does not).
 */
export class SdkMilvusIndexApi implements MilvusIndexApi {
  private readonly client: MilvusClient | undefined;
  private readonly setupError: ClassifiedMilvusError | undefined;
  private readonly metrics: MilvusMetrics;
  private readonly limit: LimitFunction | undefined;
  private readonly secrets: string[];
  private readonly defaultDatabase: string;
  private readonly timeoutMs: number;
  private readonly target: ConnectionTarget;
  private closed = false;

  constructor(target: ConnectionTarget, options: SdkMilvusIndexApiOptions = {}) {
    this.metrics = options.metrics ?? noopMilvusMetrics;
    this.target = target;
    this.secrets = [target.token, target.password, target.tls?.clientKeyPem, ...userinfoSecrets(target.uri)].filter(nonEmpty);
    this.defaultDatabase = target.database || 'default';
    this.timeoutMs = target.timeoutMs >= 1 ? Math.floor(target.timeoutMs) : 15_000;
    const limit = Math.floor(target.maxConcurrentRequests ?? 0);
    this.limit = limit >= 1 ? pLimit(limit) : undefined;
    gateSdkDebugLogs();
    shareSdkProtoDefinitions();
    try {
      this.client = new MilvusClient(buildClientConfig(target, options.sdkLogLevel));
    } catch (e) {
      // Kept and thrown by every call, so neither this constructor nor a pool's `get` throws.
      const err = classifyThrown(e, { method: 'connect', action: `connect to ${describeTarget(target)}`, secrets: this.secrets });
      this.setupError = err instanceof ClassifiedMilvusError ? err : new ClassifiedMilvusError('Unknown', 'connect', err.message, { cause: e });
    }
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
      (res, ctx): CollectionLookup => {
        const status = requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          if (err.failure === 'DatabaseNotFound') return { kind: 'DatabaseNotFound', message: `database "${db}" does not exist` };
          if (err.failure === 'CollectionNotFound') return { kind: 'CollectionNotFound', message: `collection "${collection}" does not exist in database "${db}"` };
          throw err;
        }
        const schema = (res as { schema?: { fields?: RawField[] } | null }).schema;
        return { kind: 'Found', fields: (schema?.fields ?? []).map(toFieldInfo) };
      },
    );
  }

  async getLoadState(database: string, collection: string): Promise<LoadState> {
    const db = this.db(database);
    return this.run('getLoadState', `get the load state of collection ${db}/${collection}`, (c, timeout) =>
      c.getLoadState({ collection_name: collection, db_name: db, timeout }),
      (res, ctx): LoadState => {
        const status = requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          // Milvus and Lite answer NotExist for a missing collection; Lite 3.2.2 fails a missing database.
          if (err.failure === 'DatabaseNotFound' || err.failure === 'CollectionNotFound') return 'NotExist';
          throw err;
        }
        const raw = (res as { state?: unknown }).state;
        const state = normaliseLoadState(raw);
        if (!state) throw new ClassifiedMilvusError('Unknown', ctx.method, `cannot ${ctx.action}: unexpected load state ${JSON.stringify(raw)}`);
        return state;
      },
    );
  }

  async listIndexes(database: string, collection: string): Promise<ObservedIndex[]> {
    const db = this.db(database);
    return this.run('listIndexes', `list the indexes of collection ${db}/${collection}`, (c, timeout) =>
      // No index_name: every index of the collection (describe ignores field_name on Milvus anyway).
      c.describeIndex({ collection_name: collection, db_name: db, timeout }),
      (res, ctx): ObservedIndex[] => {
        const status = requireStatus(res, ctx);
        if (!isOk(status)) {
          const err = classifyStatus(status, ctx);
          // Milvus 700 "index not found[collection=…]", Lite 700 "no index on collection …".
          if (err.failure === 'IndexNotFound') return [];
          throw err;
        }
        const list = (res as { index_descriptions?: RawIndexDescription[] }).index_descriptions ?? [];
        return list.map(toObservedIndex);
      },
    );
  }

  async createIndex(req: CreateIndexRequest, options?: WriteOptions): Promise<void> {
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
      requireOk,
      options,
    );
  }

  async dropIndex(database: string, collection: string, fieldName: string, indexName: string, options?: WriteOptions): Promise<void> {
    const db = this.db(database);
    return this.run('dropIndex', `drop index "${indexName}" of collection ${db}/${collection}`, (c, timeout) =>
      // Both names: Milvus keys on index_name, Lite on field_name (milvus.md §0.7).
      c.dropIndex({ collection_name: collection, db_name: db, field_name: fieldName, index_name: indexName, timeout }),
      (res, ctx) => {
        const status = requireStatus(res, ctx);
        if (isOk(status)) return;
        const err = classifyStatus(status, ctx);
        // Already gone (Lite 700 "no index to drop"/"no index on field"; Milvus answers Success),
        // or its collection/database is gone: the goal of a drop is met.
        if (err.failure === 'IndexNotFound' || err.failure === 'CollectionNotFound' || err.failure === 'DatabaseNotFound') return;
        throw err;
      },
      options,
    );
  }

  async alterIndexProperties(database: string, collection: string, indexName: string, properties: Record<string, string>, options?: WriteOptions): Promise<void> {
    const db = this.db(database);
    const action = `alter the properties of index "${indexName}" of collection ${db}/${collection}`;
    return this.run('alterIndexProperties', action, async (c, timeout) => {
      try {
        return await c.alterIndexProperties({ collection_name: collection, db_name: db, index_name: indexName, params: { ...properties }, timeout });
      } catch (e) {
        // Milvus 2.3 registers AlterIndex but answers with no message: gRPC INTERNAL "Marshal called
        // with nil". That is the server lacking the feature, the same as UNIMPLEMENTED ({}).
        if (/Marshal called with nil/.test(e instanceof Error ? e.message : String(e))) return {};
        throw e;
      }
    },
      (res, ctx) => requireOk(res, ctx, 'the server does not implement AlterIndex (Milvus Lite, Milvus before 2.4)'),
      options,
    );
  }

  async releaseCollection(database: string, collection: string, options?: WriteOptions): Promise<void> {
    const db = this.db(database);
    return this.run('releaseCollection', `release collection ${db}/${collection}`, (c, timeout) =>
      c.releaseCollection({ collection_name: collection, db_name: db, timeout }),
      requireOk,
      options,
    );
  }

  async loadCollection(database: string, collection: string, options?: WriteOptions): Promise<void> {
    const db = this.db(database);
    return this.run('loadCollection', `load collection ${db}/${collection}`, (c, timeout) =>
      // Async: returns once the load is accepted (loadCollection would poll without a deadline).
      c.loadCollectionAsync({ collection_name: collection, db_name: db, timeout }),
      requireOk,
      options,
    );
  }

  /**
   * The server's version: the connection check. When it fails to connect over TLS, the message
   * carries what a plain TLS handshake meets (tls-probe.ts), since gRPC hides a refused client
   * certificate behind "Failed to connect".
   */
  async serverVersion(): Promise<string> {
    try {
      return await this.run('serverVersion', 'get the server version', (c) => c.getVersion(), (res, ctx) => {
        // UNIMPLEMENTED: not a Milvus server (any gRPC endpoint answers so), or Milvus Lite 2.x.
        requireOk(res, ctx, 'the server does not implement GetVersion (not a Milvus server, or Milvus Lite 2.x)');
        const version = (res as { version?: unknown }).version;
        return typeof version === 'string' && version !== '' ? version : 'unknown';
      });
    } catch (e) {
      if (!(e instanceof ClassifiedMilvusError) || e.failure !== 'Unavailable') throw e;
      const tls = await probeTlsHandshake(this.target, Math.min(this.timeoutMs, 5_000));
      if (!tls) throw e;
      throw new ClassifiedMilvusError('Unavailable', 'serverVersion', `${e.message} (TLS handshake: ${withoutNodeAdvice(redact(tls, this.secrets))})`, { cause: e });
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private db(database: string): string {
    return database || this.defaultDatabase;
  }

  /**
   * Runs one SDK call under the concurrency limit and the deadline, interprets the response, and
   * reports duration and outcome. Whatever escapes is a MilvusError (classifyThrown passes
   * classified errors through and classifies everything else).
   */
  private async run<T>(
    method: string,
    action: string,
    call: SdkCall,
    interpret: (res: unknown, ctx: ClassifyContext) => T,
    options?: WriteOptions,
  ): Promise<T> {
    const ctx: ClassifyContext = { method, action, secrets: this.secrets };
    const started = performance.now();
    let outcome: 'success' | ErrorKind = 'Transient';
    try {
      const value = interpret(await this.send(ctx, call, options?.timeoutMs), ctx);
      outcome = 'success';
      return value;
    } catch (e) {
      const err = classifyThrown(e, ctx);
      outcome = err.kind;
      throw err;
    } finally {
      this.metrics.observeRequest(method, outcome, (performance.now() - started) / 1000);
    }
  }

  /**
   * Sends one request. With a caller budget, the deadline is fixed now (time spent waiting for a
   * concurrency slot counts), the request is not sent once it has passed, the SDK deadline is the
   * smaller of the connection's timeout and what is left, and the caller stops waiting at the
   * deadline even while the SDK retries.
   */
  private send(ctx: ClassifyContext, call: SdkCall, budgetMs: number | undefined): Promise<unknown> {
    const deadline = budgetMs === undefined || budgetMs === Infinity ? undefined : performance.now() + (Number.isNaN(budgetMs) ? 0 : budgetMs);
    const progress = { sent: false };
    const attempt = async (): Promise<unknown> => {
      const client = this.usableClient(ctx);
      const timeout = this.timeoutBefore(deadline, ctx);
      progress.sent = true;
      return call(client, timeout);
    };
    const result = this.limit ? this.limit(attempt) : attempt();
    return deadline === undefined ? result : stopWaitingAt(deadline, result, ctx, progress);
  }

  private usableClient(ctx: ClassifyContext): MilvusClient {
    if (this.setupError) throw this.setupError;
    if (this.closed || !this.client) {
      throw new ClassifiedMilvusError('Unavailable', ctx.method, `cannot ${ctx.action}: the client was closed (connection changed or shutting down)`);
    }
    return this.client;
  }

  /**
   * The SDK deadline for a request sent now: the connection's timeout, capped by the caller's deadline plus
   * SDK_DEADLINE_GRACE_MS, so that the caller's own timer (stopWaitingAt) always fires first and the outcome is
   * one DeadlineExceeded, not a race with gRPC's DEADLINE_EXCEEDED.
   */
  private timeoutBefore(deadline: number | undefined, ctx: ClassifyContext): number {
    if (deadline === undefined) return this.timeoutMs;
    const left = Math.floor(deadline - performance.now());
    if (left < 1) throw new ClassifiedMilvusError('DeadlineExceeded', ctx.method, `cannot ${ctx.action}: the caller's deadline passed before the request was sent (not sent)`);
    return Math.min(this.timeoutMs, left + SDK_DEADLINE_GRACE_MS);
  }
}

/** How much later than the caller's deadline the SDK's own gRPC deadline falls (see timeoutBefore). */
const SDK_DEADLINE_GRACE_MS = 100;

/**
 * `result`, or a DeadlineExceeded MilvusError once `deadline` (performance.now() time) passes.
 * A request still in flight then is not recalled; its late outcome is dropped.
 */
function stopWaitingAt<T>(deadline: number, result: Promise<T>, ctx: ClassifyContext, progress: { sent: boolean }): Promise<T> {
  result.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const what = progress.sent ? 'no answer before the caller\'s deadline; the server may still apply the request' : 'the caller\'s deadline passed while waiting for a free request slot (not sent)';
      reject(new ClassifiedMilvusError('DeadlineExceeded', ctx.method, `cannot ${ctx.action}: ${what}`));
    }, Math.max(0, deadline - performance.now()));
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The status of a response; MilvusError(Unsupported) when there is none (the SDK's rendering of UNIMPLEMENTED). */
function requireStatus(res: unknown, ctx: ClassifyContext, unimplemented = 'the server does not implement this call (empty response)'): MilvusStatus {
  const status = statusOf(res);
  if (!status) throw new ClassifiedMilvusError('Unimplemented', ctx.method, `cannot ${ctx.action}: ${unimplemented}`);
  return status;
}

/** Returns when the response's status is ok; otherwise throws it classified. */
function requireOk(res: unknown, ctx: ClassifyContext, unimplemented?: string): void {
  const status = requireStatus(res, ctx, unimplemented);
  if (!isOk(status)) throw classifyStatus(status, ctx);
}
