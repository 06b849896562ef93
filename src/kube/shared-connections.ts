import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * client-node 2.x builds a new undici Agent for every request (KubeConfig.applySecurityAuthentication), so
 * every Kubernetes call opens its own TLS connection: a full handshake per write (the largest CPU cost of a
 * burst in the profile, docs/benchmarks.md) and idle sockets left behind. This makes `kc` reuse one Agent,
 * and so its keep-alive connections, per cluster and TLS identity (server, CA, client certificate); a
 * rotated certificate or CA gives a new identity and a new Agent. Headers (tokens) are still applied per
 * request by client-node. Returns `kc`.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const agents = new Map<string, Dispatcher>();
  const apply = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await apply(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = tlsIdentity(kc);
    const shared = agents.get(key);
    if (!shared) {
      agents.set(key, fresh);
      return;
    }
    // Never connected: closing it releases nothing but its object.
    void fresh.close().catch(() => {});
    context.setDispatcher(shared);
  };
  return kc;
}

function tlsIdentity(kc: KubeConfig): string {
  const c = kc.getCurrentCluster();
  const u = kc.getCurrentUser();
  const file = (path: string | undefined): string | undefined => {
    if (!path) return undefined;
    try { return readFileSync(path, 'utf8'); } catch { return undefined; }
  };
  const parts = [c?.name, c?.server, c?.caData, file(c?.caFile), c?.skipTLSVerify, c?.tlsServerName, c?.proxyUrl, u?.name, u?.certData, file(u?.certFile), u?.keyData, file(u?.keyFile)];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
