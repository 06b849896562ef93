import type { KubeConfig } from '@kubernetes/client-node';
import { ANNOTATION_CREATE_INTENT, FINALIZER, GROUP, MILVUS_INDEX, VERSION, type MilvusIndex, type MilvusIndexStatus } from '../api/milvusindex.js';
import { CustomObjectWriter, type KubeWriteMetrics } from './object-writer.js';

export type { KubeWriteMetrics };

/** Writes to MilvusIndex objects. Every write is guarded against a stale view (409/422 on conflict). */
export interface MilvusIndexWriter {
  /**
   * Adds our finalizer, and with `createIntent` the create-intent annotation in the same write; returns the new
   * resourceVersion (undefined when the finalizer was already there or the object is gone).
   */
  addFinalizer(obj: MilvusIndex, createIntent?: string): Promise<string | undefined>;
  /** Removes our finalizer; an object already gone is success. */
  removeFinalizer(obj: MilvusIndex): Promise<void>;
  /** Replaces `.status` if the object is still at `obj`'s resourceVersion; returns the new resourceVersion. */
  writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined>;
}

export class KubeMilvusIndexWriter implements MilvusIndexWriter {
  private readonly writer: CustomObjectWriter<MilvusIndex, MilvusIndexStatus>;
  constructor(kc: KubeConfig, metrics: KubeWriteMetrics) {
    this.writer = new CustomObjectWriter(kc, { group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, namespaced: true }, metrics);
  }

  addFinalizer(obj: MilvusIndex, createIntent?: string): Promise<string | undefined> {
    return this.writer.addFinalizer(obj, FINALIZER, createIntent === undefined ? undefined : { [ANNOTATION_CREATE_INTENT]: createIntent });
  }

  removeFinalizer(obj: MilvusIndex): Promise<void> {
    return this.writer.removeFinalizer(obj, FINALIZER);
  }

  writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined> {
    return this.writer.writeStatus(obj, status);
  }
}
