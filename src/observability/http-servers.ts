import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Parses "host:port", ":port" or "0" (disabled). */
export function parseBindAddress(addr: string): { host: string | undefined; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new Error(`bind address "${addr}" must look like ":8080" or "127.0.0.1:8080"`);
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bind address "${addr}" has an invalid port`);
  return { host: host === '' ? undefined : host, port };
}

export interface HealthChecks {
  /** Liveness: the process's loops are running. */
  healthy(): boolean;
  /** Readiness: caches synced and (when electing) leader or a healthy standby. Returns a reason when not ready. */
  ready(): { ok: true } | { ok: false; reason: string };
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, bind: { host: string | undefined; port: number }): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

export async function startMetricsServer(addr: string, registry: Registry): Promise<RunningServer | undefined> {
  const bind = parseBindAddress(addr);
  if (!bind) return undefined;
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') { res.writeHead(404).end('not found\n'); return; }
    registry.metrics().then(
      (text) => { res.writeHead(200, { 'Content-Type': registry.contentType }).end(text); },
      (e: unknown) => { res.writeHead(500).end(String(e)); },
    );
  });
  return listen(server, bind);
}

export async function startHealthServer(addr: string, checks: HealthChecks): Promise<RunningServer | undefined> {
  const bind = parseBindAddress(addr);
  if (!bind) return undefined;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      const ok = checks.healthy();
      res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const r = checks.ready();
      res.writeHead(r.ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(r.ok ? 'ok\n' : `${r.reason}\n`);
    } else {
      res.writeHead(404).end('not found\n');
    }
  });
  return listen(server, bind);
}
