import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, MILVUS_INDEX, OUR_ANNOTATIONS, VERSION, type MilvusIndex } from '../api/milvusindex.js';
import type { ListFn } from '../controller/informer.js';

/** Collection path of MilvusIndexes, for all namespaces or one. */
export function milvusIndexPath(namespace: string | undefined): string {
  return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${MILVUS_INDEX.plural}` : `/apis/${GROUP}/${VERSION}/${MILVUS_INDEX.plural}`;
}

export function milvusIndexList(kc: KubeConfig, namespace: string | undefined): ListFn<MilvusIndex> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const gvr = { group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural };
  return async (req) => {
    const common = { ...gvr, limit: 500, ...(req.continue ? { _continue: req.continue } : {}), ...(req.labelSelector ? { labelSelector: req.labelSelector } : {}) };
    const res = namespace ? await api.listNamespacedCustomObject({ ...common, namespace }) : await api.listClusterCustomObject(common);
    return res as { items: MilvusIndex[]; metadata?: { resourceVersion?: string; continue?: string } };
  };
}

export function watchClient(kc: KubeConfig): Watch {
  return new Watch(kc);
}

/**
 * Keeps only what reconcile needs, so 10,000 cached resources stay small: no managedFields,
 * labels or foreign annotations.
 */
export function slimMilvusIndex(obj: MilvusIndex): MilvusIndex {
  const m = obj.metadata;
  const annotations: Record<string, string> = {};
  for (const a of OUR_ANNOTATIONS) if (m.annotations?.[a] !== undefined) annotations[a] = m.annotations[a];
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, generation: m.generation, resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.finalizers ? { finalizers: m.finalizers } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: obj.spec,
    ...(obj.status ? { status: obj.status } : {}),
  };
}
