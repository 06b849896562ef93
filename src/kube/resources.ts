import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import { CLUSTER_MILVUS_CONNECTION, MILVUS_CONNECTION, type AnyConnection } from '../api/connection.js';
import { GROUP, MILVUS_INDEX, CACHED_ANNOTATIONS, VERSION, type MilvusIndex } from '../api/milvusindex.js';
import type { ListFn } from '../controller/informer.js';
import { KubeJsonRequests } from './json-requests.js';

/** A page of a list: items, and where the next page starts. */
type ListPage<T> = { items: T[]; metadata?: { resourceVersion?: string; continue?: string } };

/** Lists `path` in pages of 500 (the informer asks for the next page with `continue`). */
function pagedList<T>(kc: KubeConfig, path: string): ListFn<T> {
  const requests = new KubeJsonRequests(kc);
  return (req) => requests.get<ListPage<T>>(path, { limit: 500, continue: req.continue, labelSelector: req.labelSelector });
}

/** Collection path of MilvusIndexes, for all namespaces or one. */
export function milvusIndexPath(namespace: string | undefined): string {
  return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${MILVUS_INDEX.plural}` : `/apis/${GROUP}/${VERSION}/${MILVUS_INDEX.plural}`;
}

export function milvusIndexList(kc: KubeConfig, namespace: string | undefined): ListFn<MilvusIndex> {
  return pagedList(kc, milvusIndexPath(namespace));
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
  for (const a of CACHED_ANNOTATIONS) if (m.annotations?.[a] !== undefined) annotations[a] = m.annotations[a];
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

export function connectionPath(kind: 'MilvusConnection' | 'ClusterMilvusConnection', namespace: string | undefined): string {
  if (kind === 'ClusterMilvusConnection') return `/apis/${GROUP}/${VERSION}/${CLUSTER_MILVUS_CONNECTION.plural}`;
  return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${MILVUS_CONNECTION.plural}` : `/apis/${GROUP}/${VERSION}/${MILVUS_CONNECTION.plural}`;
}

export function connectionList(kc: KubeConfig, kind: 'MilvusConnection' | 'ClusterMilvusConnection', namespace: string | undefined): ListFn<AnyConnection> {
  return pagedList(kc, connectionPath(kind, namespace));
}

export function secretsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/secrets`;
}

export function secretList(kc: KubeConfig, namespace: string): ListFn<V1Secret> {
  return pagedList(kc, secretsPath(namespace));
}

/** Secrets are watched only to notice changes: the cache keeps no data, just identity. */
export function slimSecret(s: V1Secret): V1Secret {
  return { metadata: { name: s.metadata?.name, namespace: s.metadata?.namespace, resourceVersion: s.metadata?.resourceVersion, uid: s.metadata?.uid } } as V1Secret;
}
