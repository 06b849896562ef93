import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './errors.js';
import { KubeJsonRequests } from './json-requests.js';

/** Counts Kubernetes writes by kind (so tests and benchmarks can assert on them). */
export interface KubeWriteMetrics {
  kubeWrite(kind: 'finalizer' | 'status' | 'event'): void;
}

export interface WritableObject {
  metadata: { name: string; namespace?: string; resourceVersion: string; finalizers?: string[] };
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';

/**
 * Finalizer and status writes for one custom resource type. Every write is guarded against a stale
 * view: a JSON-patch `test` on resourceVersion or on the finalizer list, so a concurrent change
 * fails with 409/422 (see errors.ts isWriteConflict) instead of being overwritten.
 */
export class CustomObjectWriter<T extends WritableObject, S> {
  private readonly requests: KubeJsonRequests;
  constructor(kc: KubeConfig, private readonly type: ResourceType, private readonly metrics: KubeWriteMetrics) {
    this.requests = new KubeJsonRequests(kc);
  }

  /**
   * Adds `finalizer`, and `annotations` in the same write; returns the new resourceVersion (undefined when it was
   * already there). With annotations it is a merge patch (annotations merge key by key: the view may be trimmed of
   * foreign ones) whose resourceVersion is the precondition, so the finalizer list it sets is the current one.
   */
  async addFinalizer(obj: T, finalizer: string, annotations?: Record<string, string>): Promise<string | undefined> {
    const current = obj.metadata.finalizers;
    if (current?.includes(finalizer)) return undefined;
    if (annotations !== undefined) {
      const body = { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: [...(current ?? []), finalizer], annotations } };
      this.metrics.kubeWrite('finalizer');
      const res = (await this.send(obj, body, false, MERGE_PATCH)) as WritableObject;
      return res.metadata.resourceVersion;
    }
    const body = current === undefined
      ? [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'add', path: '/metadata/finalizers', value: [finalizer] }]
      : [{ op: 'test', path: '/metadata/finalizers', value: current }, { op: 'add', path: '/metadata/finalizers/-', value: finalizer }];
    this.metrics.kubeWrite('finalizer');
    const res = (await this.patch(obj, body, false)) as WritableObject;
    return res.metadata.resourceVersion;
  }

  /** Removes `finalizer`; an object already gone is success. */
  async removeFinalizer(obj: T, finalizer: string): Promise<void> {
    const i = (obj.metadata.finalizers ?? []).indexOf(finalizer);
    if (i < 0) return;
    const body = [{ op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer }, { op: 'remove', path: `/metadata/finalizers/${i}` }];
    this.metrics.kubeWrite('finalizer');
    try {
      await this.patch(obj, body, false);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Replaces `.status` if the object is still at `obj`'s resourceVersion; returns the new resourceVersion (undefined: object gone). */
  async writeStatus(obj: T, status: S): Promise<string | undefined> {
    const body = [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'add', path: '/status', value: status }];
    this.metrics.kubeWrite('status');
    try {
      const res = (await this.patch(obj, body, true)) as WritableObject;
      return res.metadata.resourceVersion;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private patch(obj: T, body: object[], status: boolean): Promise<unknown> {
    return this.send(obj, body, status, JSON_PATCH);
  }

  private send(obj: T, body: object, status: boolean, contentType: string): Promise<unknown> {
    const { group, version, plural, namespaced } = this.type;
    const scope = namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace!)}` : '';
    return this.requests.send('PATCH', `/apis/${group}/${version}${scope}/${plural}/${encodeURIComponent(obj.metadata.name)}${status ? '/status' : ''}`, body, contentType);
  }
}
