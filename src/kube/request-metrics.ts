import type { RequestContext } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** Told of every request to the Kubernetes API server (client-go's `rest_client_requests_total`). */
export interface KubeRequestMetrics {
  /** `code` is the HTTP status, or `<error>` when no response came (refused, reset, timed out). */
  kubeRequest(method: string, host: string, code: string): void;
}

/**
 * A KubeConfig whose every request is counted. client-node sends all of them, API clients and
 * watches alike, through `fetch` with the dispatcher `applySecurityAuthentication` puts on the
 * request context; this wraps that dispatcher (or the global one, which fetch would otherwise
 * use) with an interceptor, so no call site needs to know.
 */
export class InstrumentedKubeConfig extends KubeConfig {
  private constructor(private readonly interceptor: Dispatcher.DispatcherComposeInterceptor) {
    super();
  }

  /** A copy of `kc` (clusters, users, contexts, current context) that counts into `metrics`. */
  static from(kc: KubeConfig, metrics: KubeRequestMetrics): InstrumentedKubeConfig {
    const copy = new InstrumentedKubeConfig(countingInterceptor(metrics));
    copy.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    return copy;
  }

  /** One counting wrapper per underlying dispatcher, so a shared Agent (shared-connections.ts) stays one object. */
  private readonly counted = new WeakMap<Dispatcher, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const inner = context.getDispatcher() ?? getGlobalDispatcher();
    let counted = this.counted.get(inner);
    if (!counted) {
      counted = inner.compose(this.interceptor);
      this.counted.set(inner, counted);
    }
    context.setDispatcher(counted);
  }
}

/** Counts each dispatched request once: at its final response, or at its error if none came. */
export function countingInterceptor(metrics: KubeRequestMetrics): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const method = String(opts.method).toUpperCase();
    const host = hostOf(opts.origin);
    return dispatch(opts, new CountingHandler(handler, (code) => metrics.kubeRequest(method, host, code)));
  };
}

function hostOf(origin: string | URL | undefined): string {
  if (origin === undefined) return '';
  try {
    return new URL(String(origin)).host;
  } catch {
    return String(origin);
  }
}

/** Passes every callback through unchanged (fetch's handlers are of undici's controller style). */
class CountingHandler implements Dispatcher.DispatchHandler {
  private counted = false;

  constructor(private readonly inner: Dispatcher.DispatchHandler, private readonly count: (code: string) => void) {}

  private once(code: string): void {
    if (this.counted) return;
    this.counted = true;
    this.count(code);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.once(String(args[1]));
    this.inner.onRequestUpgrade?.(...args);
  }

  onResponseStarted(): void {
    this.inner.onResponseStarted?.();
  }

  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>): void {
    if (args[1] >= 200) this.once(String(args[1]));  // 1xx are interim: the final status comes later
    this.inner.onResponseStart?.(...args);
  }

  onResponseData(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>): void {
    this.inner.onResponseData?.(...args);
  }

  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>): void {
    this.inner.onResponseEnd?.(...args);
  }

  onResponseError(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>): void {
    this.once('<error>');
    this.inner.onResponseError?.(...args);
  }

  onBodySent(chunk: Buffer): void {
    this.inner.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.inner.onRequestSent?.();
  }
}
