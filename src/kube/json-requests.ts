import { ApiException, HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { getGlobalDispatcher, request, type Dispatcher } from 'undici';

export type JsonRequestMethod = 'POST' | 'PATCH';

/**
 * JSON writes to the API server without client-node's generated API classes: credentials, TLS, proxy and the
 * (shared, counted) connection come from `kc.applySecurityAuthentication`, exactly as for every client-node call,
 * but the request goes through undici's `request` instead of WHATWG `fetch` + the generated serializers, which
 * cost about twice the CPU per write (docs/benchmarks.md; `test/bench/kube-write-cost.ts`: 2.6 → 1.3 ms per
 * status patch). Failures are client-node `ApiException`s (status, body), so kube/errors.ts classifies both alike.
 *
 * Bodies are serialised with JSON.stringify: Dates as ISO strings, client-node's `V1MicroTime` with microseconds.
 */
export class KubeJsonRequests {
  constructor(private readonly kc: KubeConfig) {}

  /** Sends `body` to `path` (absolute API path, e.g. `/apis/g/v1/namespaces/ns/things/name/status`); the parsed answer. */
  async send<T>(method: JsonRequestMethod, path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const url = `${server.replace(/\/+$/, '')}${path}`;
    const context = new RequestContext(url, method === 'POST' ? HttpMethod.POST : HttpMethod.PATCH);
    await this.kc.applySecurityAuthentication(context);
    const dispatcher: Dispatcher = context.getDispatcher() ?? getGlobalDispatcher();
    const res = await request(url, {
      method,
      headers: { ...context.getHeaders(), accept: 'application/json', 'content-type': contentType },
      body: JSON.stringify(body),
      dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new ApiException(res.statusCode, `HTTP ${res.statusCode} ${method} ${path}`, text, flatHeaders(res.headers));
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
