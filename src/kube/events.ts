import { CoreV1Api, type KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { hostname } from 'node:os';
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
}

/** Emits Kubernetes Events; failures are reported to the caller's logger, never thrown. */
export interface EventRecorder {
  emit(target: EventTarget, event: EventInput): Promise<void>;
}

export interface EventRecorderOptions {
  /** An identical event (same object, type, reason, message) is not repeated within this window. */
  dedupeWindowMs: number;
  now: () => number;
  onError: (e: unknown) => void;
}

const COMPONENT = 'milvus-index-operator';

/** core/v1 Events, deduplicated in memory: no "still in sync" heartbeats, no storms on retries. */
export class KubeEventRecorder implements EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, number>();
  private readonly instance = hostname();

  constructor(kc: KubeConfig, private readonly metrics: KubeWriteMetrics, private readonly options: EventRecorderOptions) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async emit(target: EventTarget, event: EventInput): Promise<void> {
    const now = this.options.now();
    const key = `${target.metadata.uid}\u0000${event.type}\u0000${event.reason}\u0000${event.message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.options.dedupeWindowMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    const ts = new Date(now);
    const body: CoreV1Event = {
      metadata: { generateName: `${target.metadata.name}.`, namespace: target.metadata.namespace },
      involvedObject: {
        apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace: target.metadata.namespace,
        uid: target.metadata.uid, ...(target.metadata.resourceVersion ? { resourceVersion: target.metadata.resourceVersion } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: COMPONENT },
      reportingComponent: `index.milvus.io/${COMPONENT}`,
      reportingInstance: this.instance,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    try {
      this.metrics.kubeWrite('event');
      await this.api.createNamespacedEvent({ namespace: target.metadata.namespace, body });
    } catch (e) {
      this.recent.delete(key);
      this.options.onError(e);
    }
  }

  private prune(now: number): void {
    for (const [k, t] of this.recent) if (now - t >= this.options.dedupeWindowMs) this.recent.delete(k);
  }
}
