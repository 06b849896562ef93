import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { FINALIZER, GROUP, MILVUS_INDEX, VERSION, type MilvusIndex, type MilvusIndexStatus } from '../api/milvusindex.js';
import { isNotFound } from './errors.js';

/** Counts Kubernetes writes by kind (so tests and benchmarks can assert on them). */
export interface KubeWriteMetrics {
  kubeWrite(kind: 'finalizer' | 'status' | 'event'): void;
}

/** Writes to MilvusIndex objects. Every write is guarded against a stale view (409/422 on conflict). */
export interface MilvusIndexWriter {
  addFinalizer(obj: MilvusIndex): Promise<void>;
  /** Removes our finalizer; an object already gone is success. */
  removeFinalizer(obj: MilvusIndex): Promise<void>;
  /** Replaces `.status` if the object is still at `obj`'s resourceVersion; returns the new resourceVersion. */
  writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined>;
}

const GVR = { group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural } as const;
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export class KubeMilvusIndexWriter implements MilvusIndexWriter {
  private readonly api: CustomObjectsApi;
  constructor(kc: KubeConfig, private readonly metrics: KubeWriteMetrics) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async addFinalizer(obj: MilvusIndex): Promise<void> {
    const current = obj.metadata.finalizers;
    const body = current === undefined
      ? [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }]
      : [{ op: 'test', path: '/metadata/finalizers', value: current }, { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }];
    this.metrics.kubeWrite('finalizer');
    await this.api.patchNamespacedCustomObject({ ...GVR, namespace: obj.metadata.namespace, name: obj.metadata.name, body }, JSON_PATCH);
  }

  async removeFinalizer(obj: MilvusIndex): Promise<void> {
    const i = (obj.metadata.finalizers ?? []).indexOf(FINALIZER);
    if (i < 0) return;
    const body = [{ op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER }, { op: 'remove', path: `/metadata/finalizers/${i}` }];
    this.metrics.kubeWrite('finalizer');
    try {
      await this.api.patchNamespacedCustomObject({ ...GVR, namespace: obj.metadata.namespace, name: obj.metadata.name, body }, JSON_PATCH);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined> {
    const body = [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'add', path: '/status', value: status }];
    this.metrics.kubeWrite('status');
    try {
      const res = (await this.api.patchNamespacedCustomObjectStatus({ ...GVR, namespace: obj.metadata.namespace, name: obj.metadata.name, body }, JSON_PATCH)) as MilvusIndex;
      return res.metadata.resourceVersion;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}
