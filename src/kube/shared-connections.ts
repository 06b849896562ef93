import { isDeepStrictEqual } from 'node:util';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** What client-node 2.x passes to its (private) `createDispatcher`: the TLS material it read for this request. */
interface AgentOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  pfx?: unknown;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

interface DispatcherFactory {
  createDispatcher(cluster: Cluster | null, agentOptions: AgentOptions): Dispatcher | undefined;
}

/** Identities (rotations) kept at once; the oldest one's Agent is closed when a new one arrives. */
const KEPT_IDENTITIES = 4;

/**
 * client-node 2.x builds a new undici Agent for every request (`applySecurityAuthentication` calls its
 * private `createDispatcher`), so every Kubernetes call would open its own TLS connection: a full handshake
 * per write (the largest CPU cost of a burst in the profile, docs/benchmarks.md) and idle sockets left
 * behind. This makes `kc` reuse one Agent, and so its keep-alive connections, per cluster and TLS identity
 * (server, proxy, CA, client certificate and key as read for this very request): a rotated certificate or
 * CA gives a new identity and a new Agent, and the Agent of an identity four rotations old is closed
 * (gracefully: requests in flight finish). Headers (tokens) are still applied per request by client-node.
 * Returns `kc`. Throws if client-node no longer has the hook, so an upgrade cannot silently bring back a
 * handshake per request.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const factory = kc as unknown as DispatcherFactory;
  if (typeof factory.createDispatcher !== 'function') {
    throw new Error('@kubernetes/client-node has no KubeConfig.createDispatcher any more: src/kube/shared-connections.ts must follow it');
  }
  const create = factory.createDispatcher.bind(kc);
  const made: Array<{ identity: unknown[]; dispatcher: Dispatcher | undefined }> = [];
  factory.createDispatcher = (cluster, options) => {
    const identity = [
      cluster?.server, cluster?.proxyUrl, cluster?.skipTLSVerify, cluster?.tlsServerName,
      options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername,
    ];
    const known = made.find((m) => isDeepStrictEqual(m.identity, identity));
    if (known) return known.dispatcher;
    const dispatcher = create(cluster, options);
    made.push({ identity, dispatcher });
    if (made.length > KEPT_IDENTITIES) void made.shift()?.dispatcher?.close().catch(() => {});
    return dispatcher;
  };
  return kc;
}
