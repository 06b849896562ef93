// A real kube-controller-manager next to the harness's kube-apiserver, running only the controllers a bare
// apiserver lacks for namespace deletion: `namespace` (deletes a Terminating namespace's content, then removes
// the `kubernetes` finalizer) and `garbagecollector`. Neither needs --service-account-private-key-file or
// --root-ca-file (those serve the serviceaccount-token and root-ca-cert-publisher controllers, not started
// here), and with the admin kubeconfig (system:masters) no per-controller service accounts are used.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveControllerManager } from './binaries.js';
import { freePort, spawnManaged, waitFor, type Managed } from './proc.js';

export interface ControllerManager {
  binary: string;
  logPath: string;
  /** How long from spawn to /healthz 200 and the namespace controller started, in ms. */
  startupMs: number;
  /** SIGTERM, SIGKILL after 10 s, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

export interface ControllerManagerOptions {
  kubeconfigPath: string;
  /** Default: namespace and garbagecollector. */
  controllers?: string[];
  startTimeoutMs?: number;
}

function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its serving certificate is self-signed into --cert-dir; only liveness is read here.
    const req = request(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Starts kube-controller-manager (building it once if needed) and waits until the namespace controller runs. */
export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const binary = await resolveControllerManager();
  const dir = mkdtempSync(join(tmpdir(), 'mio-kcm-'));
  const logPath = join(dir, 'kube-controller-manager.log');
  const port = await freePort();
  const started = Date.now();
  const managed: Managed = spawnManaged('kube-controller-manager', binary, [
    `--kubeconfig=${opts.kubeconfigPath}`,
    `--controllers=${(opts.controllers ?? ['namespace', 'garbagecollector']).join(',')}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'certs')}`,
    // /healthz is always allowed; no delegated authentication lookups against the apiserver are needed.
    '--authentication-skip-lookup=true',
    '--v=2',
  ], { logPath, cwd: dir, orphanDir: dir });
  const read = () => readFileSync(logPath, 'utf8');
  try {
    await waitFor('kube-controller-manager /healthz and the namespace controller', async () =>
      (await healthz(port)) === 200 && /Starting namespace controller|"Starting controller" controller="namespace"/i.test(read()), {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 200,
      abort: () => (managed.exitCode !== undefined ? `exited with code ${managed.exitCode}:\n${managed.logTail(30)}` : undefined),
    });
  } catch (err) {
    await managed.stop('SIGKILL', 5000);
    throw new Error(`${(err as Error).message}\n--- ${logPath} (tail) ---\n${managed.logTail(30)}`);
  }
  const startupMs = Date.now() - started;
  let stopped: Promise<void> | undefined;
  return {
    binary,
    logPath,
    startupMs,
    logTail: (lines) => managed.logTail(lines),
    stop() {
      stopped ??= managed.stop('SIGTERM', 10_000).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
