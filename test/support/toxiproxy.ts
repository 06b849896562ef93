// toxiproxy-server (built from the Go module proxy, test/support/build-toxiproxy.sh) as a child process: TCP
// proxies between the operator and a real server, with toxics (latency, resets, a blackhole) switched on and off
// through its HTTP API. Loopback only.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnManaged, waitFor, type Managed } from './proc.js';
import { resolveToxiproxy } from './tools.js';

export type Toxic =
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  /** Holds data and closes the connection after `timeout` ms; 0 = never (a blackhole). */
  | { type: 'timeout'; attributes: { timeout: number } }
  /** Resets connections (TCP RST) after `timeout` ms of data. */
  | { type: 'reset_peer'; attributes: { timeout: number } };

export class Toxiproxy {
  private constructor(private readonly managed: Managed, private readonly api: string) {}

  static async start(): Promise<Toxiproxy> {
    const bin = (await resolveToxiproxy()).path;
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mio-toxiproxy-'));
    const managed = spawnManaged('toxiproxy', bin, ['-host', '127.0.0.1', '-port', String(port)], { logPath: join(dir, 'toxiproxy.log'), orphanDir: dir });
    const api = `http://127.0.0.1:${port}`;
    await waitFor('toxiproxy API', async () => (await fetch(`${api}/version`)).ok, { timeoutMs: 15_000, abort: () => (managed.exitCode !== undefined ? `exited ${managed.exitCode}: ${managed.logTail(10)}` : undefined) });
    return new Toxiproxy(managed, api);
  }

  /** A proxy to `upstream` (host:port) on a free loopback port; returns that host:port. */
  async proxy(name: string, upstream: string): Promise<string> {
    const res = await this.call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, enabled: true });
    return (res as { listen: string }).listen;
  }

  /** Adds a toxic to both directions; returns its names for `removeToxic`. */
  async addToxic(proxy: string, toxic: Toxic): Promise<string[]> {
    const names: string[] = [];
    for (const stream of ['downstream', 'upstream'] as const) {
      const name = `${toxic.type}_${stream}`;
      await this.call('POST', `/proxies/${proxy}/toxics`, { name, stream, toxicity: 1, ...toxic });
      names.push(name);
    }
    return names;
  }

  async removeToxics(proxy: string, names: string[]): Promise<void> {
    for (const name of names) await this.call('DELETE', `/proxies/${proxy}/toxics/${name}`);
  }

  /** Disabled: every connection closed and new ones refused (the server looks down or restarting). */
  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    await this.call('POST', `/proxies/${proxy}`, { enabled });
  }

  stop(): Promise<void> {
    return this.managed.stop('SIGTERM', 5_000);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}
