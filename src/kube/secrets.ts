import type { KubeConfig, V1Namespace, V1Secret } from '@kubernetes/client-node';
import { isNotFound } from './errors.js';
import { KubeJsonRequests, seg } from './json-requests.js';

/** Reads Secrets with `get` only (the operator needs no list/watch cluster-wide). */
export interface SecretReader {
  /** The decoded data of the Secret, or undefined when it does not exist. Throws on other failures. */
  get(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export class KubeSecretReader implements SecretReader {
  private readonly requests: KubeJsonRequests;
  constructor(kc: KubeConfig) {
    this.requests = new KubeJsonRequests(kc);
  }

  async get(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.requests.get<V1Secret>(`/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`);
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
      for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
      return out;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}

/** Labels of a namespace, cached briefly (allowedNamespaces selectors are evaluated on every resolve). */
export interface NamespaceLabels {
  labels(namespace: string): Promise<Record<string, string> | undefined>;
}

export class CachedNamespaceLabels implements NamespaceLabels {
  private readonly requests: KubeJsonRequests;
  private readonly cache = new Map<string, { at: number; labels: Record<string, string> | undefined }>();
  constructor(kc: KubeConfig, private readonly ttlMs = 30_000, private readonly now: () => number = Date.now) {
    this.requests = new KubeJsonRequests(kc);
  }

  async labels(namespace: string): Promise<Record<string, string> | undefined> {
    const hit = this.cache.get(namespace);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.labels;
    let labels: Record<string, string> | undefined;
    try {
      const ns = await this.requests.get<V1Namespace>(`/api/v1/namespaces/${seg(namespace)}`);
      labels = ns.metadata?.labels ?? {};
    } catch (e) {
      if (!isNotFound(e)) throw e;
      labels = undefined;
    }
    this.cache.set(namespace, { at: this.now(), labels });
    return labels;
  }
}
