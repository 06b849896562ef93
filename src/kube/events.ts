import type { EventsV1Event, KubeConfig } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
import { KubeJsonRequests } from './json-requests.js';
import { hostname } from 'node:os';
import type { Clock } from '../controller/clock.js';
import { isNotFound } from './errors.js';
import { EventSeries, type SeriesOptions, type SeriesUpdate } from './event-series.js';
import type { KubeWriteMetrics } from './milvusindex-writer.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string };
}

export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What the operator did or tried (events.k8s.io `action`); default `Reconcile`. */
  action?: string;
}

/** Emits Kubernetes Events; failures are reported to the caller's logger, never thrown. */
export interface EventRecorder {
  emit(target: EventTarget, event: EventInput): Promise<void>;
}

export interface EventRecorderOptions extends SeriesOptions {
  clock: Clock;
  /** Awaited before every write (the process's Kubernetes write budget); coalesced repeats take nothing. */
  beforeWrite: () => Promise<void>;
  onError: (e: unknown) => void;
}

/** `reportingController` of every Event (a qualified name, as the API requires). */
export const REPORTING_CONTROLLER = 'index.milvus.io/milvus-index-operator';
const NOTE_LIMIT_BYTES = 1024;

/**
 * events.k8s.io/v1 Events with series for repeats (client-go's tools/events behaviour): the first
 * occurrence creates an Event; repeats within the window PATCH its `series` {count, lastObservedTime},
 * at most once per interval per series, so a hot loop costs one write per interval, not one per repeat.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly requests: KubeJsonRequests;
  private readonly series: EventSeries;
  private readonly timers = new Map<string, unknown>();
  private sequence = 0;
  private readonly instance = `milvus-index-operator-${hostname()}`.slice(0, 128);

  constructor(kc: KubeConfig, private readonly metrics: KubeWriteMetrics, private readonly options: EventRecorderOptions) {
    this.requests = new KubeJsonRequests(kc);
    this.series = new EventSeries(options);
  }

  async emit(target: EventTarget, event: EventInput): Promise<void> {
    const action = event.action ?? 'Reconcile';
    const note = truncateBytes(event.message, NOTE_LIMIT_BYTES);
    const key = [target.metadata.uid, event.type, event.reason, action, note].join('\u0000');
    const now = this.options.clock.now();
    const step = this.series.observe(key, now);
    if (step.kind === 'Create') return this.create(key, target, { ...event, action, message: note }, now);
    return this.write(key, target.metadata.namespace, step);
  }

  private async create(key: string, target: EventTarget, event: Required<EventInput>, now: number): Promise<void> {
    const { name, namespace, uid, resourceVersion } = target.metadata;
    const body: EventsV1Event = {
      metadata: { name: this.eventName(name, now), namespace },
      eventTime: new V1MicroTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      action: event.action,
      reason: event.reason,
      regarding: { apiVersion: target.apiVersion, kind: target.kind, name, namespace, uid, ...(resourceVersion ? { resourceVersion } : {}) },
      note: event.message,
      type: event.type,
    };
    try {
      await this.options.beforeWrite();
      this.metrics.kubeWrite('event');
      const created = await this.requests.send<EventsV1Event>('POST', eventsPath(namespace), body);
      this.series.created(key, created.metadata!.name!, this.options.clock.now());
      this.scheduleFlush(key, namespace);
    } catch (e) {
      this.series.forget(key);
      this.options.onError(e);
    }
  }

  private async write(key: string, namespace: string, step: SeriesUpdate): Promise<void> {
    if (step.kind === 'Coalesced') {
      this.scheduleAt(key, namespace, step.flushAt);
      return;
    }
    const body = { series: { count: step.count, lastObservedTime: new V1MicroTime(step.lastObservedTime) } };
    try {
      await this.options.beforeWrite();
      this.metrics.kubeWrite('event');
      await this.requests.send('PATCH', `${eventsPath(namespace)}/${encodeURIComponent(step.name)}`, body, 'application/merge-patch+json');
      this.series.patched(key, step.count);
      this.scheduleFlush(key, namespace);
    } catch (e) {
      // Gone (expired, or deleted): the next occurrence creates a new Event.
      this.series.forget(key);
      if (!isNotFound(e)) this.options.onError(e);
    }
  }

  /**
   * `<regarded name>.<hex time>`, as client-go names Events (events.k8s.io refuses a generateName
   * ending in '.'); the sequence number keeps two Events of one millisecond apart.
   */
  private eventName(regarded: string, now: number): string {
    const stamp = (BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16);
    return `${regarded.slice(0, 253 - 1 - stamp.length)}.${stamp}`;
  }

  /** After a write: a timer writes the count repeats reached meanwhile, once the interval allows. */
  private scheduleFlush(key: string, namespace: string): void {
    const step = this.series.flush(key, this.options.clock.now());
    if (!step) return;
    this.scheduleAt(key, namespace, step.kind === 'Patch' ? this.options.clock.now() : step.flushAt);
  }

  /** One timer per series. */
  private scheduleAt(key: string, namespace: string, at: number | undefined): void {
    if (at === undefined || this.timers.has(key)) return;
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(key);
      const next = this.series.flush(key, this.options.clock.now());
      if (next) void this.write(key, namespace, next);
    }, Math.max(0, at - this.options.clock.now()));
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.timers.set(key, handle);
  }
}

function eventsPath(namespace: string): string {
  return `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
}

/** `text` cut to at most `limit` UTF-8 bytes, never inside a character. */
export function truncateBytes(text: string, limit: number): string {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  let out = Buffer.from(text, 'utf8').subarray(0, limit).toString('utf8');
  while (Buffer.byteLength(out, 'utf8') > limit || out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return out;
}
