import type { Logger } from '../observability/logger.js';
import { JitteredBackoff } from './backoff.js';
import type { ObjectKey, ObjectStore } from './types.js';
import { systemClock, type Clock } from './clock.js';

/** The least an object needs for the informer to key and version it. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** One page of a list call, as the apiserver returns it. */
export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export interface ListRequest {
  labelSelector?: string;
  fieldSelector?: string;
  /** Continue token of the previous page; absent for the first page. */
  continue?: string;
}

/**
 * Lists the same collection the informer watches, one page per call (a caller that does not
 * paginate simply never returns `metadata.continue`). Throws on failure, e.g. client-node's
 * `ApiException` whose `code` is the HTTP status.
 */
export type ListFn<T> = (request: ListRequest) => Promise<ObjectList<T>>;

/** The part of client-node's `Watch` the informer uses; `new Watch(kc)` satisfies it. */
export interface WatchClient {
  watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController>;
}

/** Callbacks for cache changes. They run synchronously inside the informer and must not throw. */
export interface InformerEventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** Receives the last known state (the event's object, or the cached one after a relist). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  /**
   * Collection path on the apiserver, e.g. `/apis/g/v1/plural` (all namespaces or cluster-scoped)
   * or `/apis/g/v1/namespaces/ns/plural` (one namespace). Must name what `list` lists.
   */
  path: string;
  list: ListFn<T>;
  watch: WatchClient;
  log: Logger;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before it is cached or handed out, e.g. to drop managedFields. */
  transform?: (obj: T) => T;
  clock?: Clock;
  /** Uniform [0, 1); jitters restart delays. */
  random?: () => number;
  /** First restart delay after an error; doubles per consecutive failure. Default 1 s. */
  initialBackoffMs?: number;
  /** Cap of the restart delay. Default 30 s. */
  maxBackoffMs?: number;
  /** Server-side watch timeout. Default random in [300, 600) s, as client-go's reflector. */
  watchTimeoutSeconds?: number;
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function objectKey(obj: KubeObject): ObjectKey {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** A watch that ended: why, and whether it was healthy enough to reconnect without delay. */
interface WatchEnd {
  error: unknown;
  events: number;
  durationMs: number;
}

/** A watch that lived this long is not a tight reconnect loop even if it delivered nothing. */
const HEALTHY_WATCH_MS = 1000;

/**
 * A list+watch informer over one collection, with its own cache.
 *
 * Guarantees:
 * - `start()` lists, then watches from the list's resourceVersion with `allowWatchBookmarks`.
 * - After a normal close or client-side timeout, the watch resumes from the last resourceVersion
 *   seen (object events and bookmarks); no relist.
 * - On 410 Gone (HTTP at connect or an in-stream ERROR) it relists and diffs the cache: `onDelete`
 *   for vanished objects, `onAdd` for new ones, `onUpdate` where the resourceVersion changed.
 * - Any other failure (list or watch, HTTP or network, in-stream non-410 ERROR) never stops the
 *   informer: it retries with jittered exponential backoff, capped at `maxBackoffMs`, resuming the
 *   watch from the last resourceVersion (or relisting if no list has succeeded yet). Backoff
 *   resets once a watch delivers an event or stays open for a while.
 * - Handlers run after the cache was updated, so the store already reflects the event.
 * - No handler runs after `stop()` returns.
 *
 * Assumptions:
 * - Objects in one collection have unique keys (`objectKey`) and carry `metadata.resourceVersion`.
 *
 * Caveats:
 * - Restarts do not re-emit unchanged objects; consumers needing periodic reconciles resync
 *   from `list()` themselves.
 * - A list in flight is not cancelled by `stop()`; its result is discarded.
 * - Hung connections are detected by client-node's 30 s watch inactivity timeout (2.0.1), not here.
 */
export class Informer<T extends KubeObject> implements ObjectStore<T> {
  private readonly options: InformerOptions<T>;
  private readonly clock: Clock;
  private readonly backoff: JitteredBackoff;
  private readonly handlers: Array<InformerEventHandler<T>> = [];
  private readonly listErrorHandlers: Array<(status: number | undefined, err: unknown) => void> = [];
  private cache = new Map<ObjectKey, T>();
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: Array<(synced: boolean) => void> = [];
  private running = false;
  private stopped = false;
  private abortWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.backoff = new JitteredBackoff(options.initialBackoffMs ?? 1000, options.maxBackoffMs ?? 30_000, options.random ?? Math.random);
  }

  /** Registers handlers; call before `start()` to see the initial list as adds. */
  addEventHandler(handler: InformerEventHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching in the background. Throws if already running or stopped. */
  /**
   * Called with the HTTP status (undefined for network errors) each time a list fails, before the
   * retry; lets the owner tell a forbidden or missing resource (403/404) from a passing fault.
   */
  addListErrorHandler(handler: (status: number | undefined, err: unknown) => void): void {
    this.listErrorHandlers.push(handler);
  }

  start(): void {
    if (this.running || this.stopped) throw new Error('cannot start informer: already started or stopped');
    this.running = true;
    // run() handles every expected failure itself; this only catches bugs, which must be visible.
    this.run().catch((err: unknown) => this.options.log.error({ err, path: this.options.path }, 'informer loop crashed'));
  }

  /** Stops watching and retrying; `waitForSync()` callers still waiting get `false`. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.abortWatch?.();
    this.wake?.();
    this.syncWaiters.splice(0).forEach((resolve) => resolve(false));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the cache, or false if stopped before that. */
  waitForSync(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: ObjectKey): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The resourceVersion the next watch would start from ('' before the first list). */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private async run(): Promise<void> {
    const { log, path } = this.options;
    let mustList = true;
    let consecutiveGone = 0;
    while (!this.stopped) {
      if (mustList) {
        try {
          await this.relist();
          mustList = false;
        } catch (err) {
          if (this.stopped) break;
          const delayMs = this.backoff.next();
          log.warn({ err, path, delayMs }, 'cannot list; retrying');
          for (const handler of this.listErrorHandlers) handler(statusCodeOf(err), err);
          await this.sleep(delayMs);
          continue;
        }
      }
      const end = await this.watchOnce();
      if (this.stopped) break;
      if (end.events > 0) this.backoff.reset();
      if (statusCodeOf(end.error) === 410) {
        // A stale resourceVersion must never be reused (client-node #1933 hammered the apiserver).
        mustList = true;
        consecutiveGone = end.events > 0 ? 1 : consecutiveGone + 1;
        log.info({ path, resourceVersion: this.resourceVersion }, 'watch expired; relisting');
        // One relist is the normal answer; back off only if relists keep expiring at once.
        if (consecutiveGone > 1) await this.sleep(this.backoff.next());
        continue;
      }
      consecutiveGone = 0;
      if (end.error === null || end.error === undefined || isTimeout(end.error)) {
        // The inactivity timeout fires only after 30 s of silence, so resuming at once cannot spin.
        if (isTimeout(end.error) || end.events > 0 || end.durationMs >= HEALTHY_WATCH_MS) {
          this.backoff.reset();
          log.debug({ path, resourceVersion: this.resourceVersion }, 'watch closed; resuming');
          continue;
        }
        // A stream that closes at once and empty would otherwise become a tight reconnect loop.
        await this.sleep(this.backoff.next());
        continue;
      }
      const delayMs = this.backoff.next();
      log.warn({ err: end.error, path, delayMs }, 'watch failed; restarting');
      await this.sleep(delayMs);
    }
    this.running = false;
  }

  private async relist(): Promise<void> {
    const { list, labelSelector, fieldSelector } = this.options;
    const items: T[] = [];
    let resourceVersion = '';
    let continueToken: string | undefined;
    do {
      const page = await list({ labelSelector, fieldSelector, continue: continueToken });
      for (const item of page.items) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined && !this.stopped);
    if (this.stopped) return;
    this.replace(items);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      this.syncWaiters.splice(0).forEach((resolve) => resolve(true));
    }
  }

  /** Swaps in a full list and emits the difference to the previous cache. */
  private replace(items: T[]): void {
    const next = new Map<ObjectKey, T>();
    for (const raw of items) {
      const obj = this.transform(raw);
      if (obj !== undefined) next.set(objectKey(obj), obj);
    }
    const previous = this.cache;
    this.cache = next;
    for (const [key, old] of previous) {
      if (!next.has(key)) this.emit((h) => h.onDelete?.(old));
    }
    for (const [key, obj] of next) {
      const old = previous.get(key);
      if (old === undefined) this.emit((h) => h.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
  }

  /** Runs one watch until it ends; never rejects. */
  private watchOnce(): Promise<WatchEnd> {
    const { watch, path, labelSelector, fieldSelector, watchTimeoutSeconds } = this.options;
    const startedAt = this.clock.now();
    const query = {
      resourceVersion: this.resourceVersion || undefined,
      allowWatchBookmarks: true,
      timeoutSeconds: watchTimeoutSeconds ?? Math.floor(300 * (1 + (this.options.random ?? Math.random)())),
      labelSelector,
      fieldSelector,
    };
    return new Promise<WatchEnd>((resolve) => {
      let events = 0;
      let streamError: unknown;
      let controller: AbortController | undefined;
      let aborted = false;
      let finished = false;
      const abort = (): void => {
        aborted = true;
        controller?.abort();
      };
      const finish = (err: unknown): void => {
        if (finished) return;
        finished = true;
        if (this.abortWatch === abort) this.abortWatch = undefined;
        resolve({ error: streamError ?? err, events, durationMs: this.clock.now() - startedAt });
      };
      this.abortWatch = abort;
      const onEvent = (phase: string, obj: unknown): void => {
        // Lines already buffered may still arrive after we aborted; they belong to a dead stream.
        if (aborted || finished || this.stopped) return;
        if (phase === 'ERROR') {
          // client-node swallows in-stream errors; surface them and stop reading this stream.
          streamError = new WatchStatusError(obj);
          abort();
          return;
        }
        events++;
        this.applyWatchEvent(phase, obj);
      };
      try {
        watch.watch(path, query, onEvent, finish).then(
          (c) => {
            controller = c;
            if (aborted) c.abort();
          },
          finish,
        );
      } catch (err) {
        finish(err);
      }
    });
  }

  private applyWatchEvent(phase: string, raw: unknown): void {
    if (!isKubeObject(raw)) {
      this.options.log.warn({ path: this.options.path, phase }, 'ignoring watch event without an object');
      return;
    }
    const resourceVersion = raw.metadata?.resourceVersion;
    if (phase !== 'BOOKMARK') {
      const obj = this.transform(raw as T);
      if (obj !== undefined) {
        const key = objectKey(obj);
        const old = this.cache.get(key);
        if (phase === 'ADDED' || phase === 'MODIFIED') {
          this.cache.set(key, obj);
          if (old === undefined) this.emit((h) => h.onAdd?.(obj));
          else this.emit((h) => h.onUpdate?.(old, obj));
        } else if (phase === 'DELETED') {
          this.cache.delete(key);
          this.emit((h) => h.onDelete?.(obj));
        } else {
          this.options.log.debug({ path: this.options.path, phase }, 'ignoring unknown watch event type');
        }
      }
    }
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  /** Applies the transform; drops (with a warning) objects that cannot be keyed. */
  private transform(raw: T): T | undefined {
    const obj = this.options.transform ? this.options.transform(raw) : raw;
    if (!obj.metadata?.name) {
      this.options.log.warn({ path: this.options.path }, 'ignoring object without metadata.name');
      return undefined;
    }
    return obj;
  }

  private emit(call: (handler: InformerEventHandler<T>) => void): void {
    for (const handler of this.handlers) {
      try {
        call(handler);
      } catch (err) {
        this.options.log.error({ err, path: this.options.path }, 'informer event handler threw');
      }
    }
  }

  /** Waits `ms`, or less if `stop()` is called meanwhile. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.wake = undefined;
        this.clock.clearTimeout(handle);
        resolve();
      };
    });
  }
}

/** An in-stream `ERROR` event; `code` is the Status code (410 for an expired resourceVersion). */
export class WatchStatusError extends Error {
  readonly code: number | undefined;
  readonly reason: string | undefined;
  constructor(status: unknown) {
    const s = typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : {};
    const code = typeof s['code'] === 'number' ? s['code'] : undefined;
    const reason = typeof s['reason'] === 'string' ? s['reason'] : undefined;
    const message = typeof s['message'] === 'string' ? s['message'] : 'unknown error';
    super(`watch error ${code ?? '?'} ${reason ?? ''}: ${message}`);
    this.name = 'WatchStatusError';
    this.code = code;
    this.reason = reason;
  }
}

/** HTTP status of a watch connect error (`statusCode`), ApiException or Status (`code`). */
function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** client-node's inactivity timeout ends a watch with a DOMException named TimeoutError. */
function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TimeoutError';
}

function isKubeObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && typeof (value as KubeObject).metadata === 'object';
}
