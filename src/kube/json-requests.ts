import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { getGlobalDispatcher, request, type Dispatcher } from 'undici';

export type JsonRequestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

/** Query parameters of a request; undefined values are left out. */
export type Query = Record<string, string | number | undefined>;

/**
 * Every request the operator makes to the API server, except watches (client-node's `Watch`), without
 * client-node's generated API classes: credentials, TLS, proxy and the (shared, counted) connection come
 * from `kc.applySecurityAuthentication`, exactly as for every client-node call, but the request goes through
 * undici's `request` instead of WHATWG `fetch` + the generated serializers, which cost about twice the CPU
 * per write (docs/benchmarks.md; `test/bench/kube-write-cost.ts`: 2.6 → 1.3 ms per status patch) and whose
 * models take ~30 MiB of memory to load (src/kube/lean-client-node.ts). Answers are plain JSON (times
 * stay strings). Failures are client-node `ApiException`s (status, body), so kube/errors.ts classifies them.
 *
 * Bodies are serialised with JSON.stringify: Dates as ISO strings, client-node's `V1MicroTime` with microseconds.
 */
export class KubeJsonRequests {
  constructor(private readonly kc: KubeConfig) {}

  /** Reads `path` (absolute API path, e.g. `/api/v1/namespaces/ns/secrets/name`); the parsed answer. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.send<T>('GET', withQuery(path, query), undefined);
  }

  /** Sends `body` to `path` (absolute API path, e.g. `/apis/g/v1/namespaces/ns/things/name/status`); the parsed answer. */
  async send<T>(method: JsonRequestMethod, path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const url = `${server.replace(/\/+$/, '')}${path}`;
    const context = new RequestContext(url, HttpMethod[method]);
    await this.kc.applySecurityAuthentication(context);
    const dispatcher: Dispatcher = context.getDispatcher() ?? getGlobalDispatcher();
    const res = await request(url, {
      method,
      headers: { ...context.getHeaders(), accept: 'application/json', ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new ApiException(res.statusCode, `HTTP ${res.statusCode} ${method} ${path}`, text, flatHeaders(res.headers));
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** `path` with `query` appended (values URL-encoded, undefined ones left out). */
export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

/** One path segment (a namespace or object name), encoded. */
export const seg = (s: string): string => encodeURIComponent(s);

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
