// A real etcd + kube-apiserver on 127.0.0.1 for the integration tier and `make demo`: the "minimal"
// envtest port of control-plane.md §1.11. No X.509 code: kube-apiserver self-signs its serving cert into
// --cert-dir (apiserver.crt doubles as the CA bundle), service-account keys come from node:crypto, and the
// admin authenticates with a random static token in group system:masters.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { resolveBinaries, type ControlPlaneBinaries } from './binaries.js';
import { freePort, onExit, run, spawnManaged, waitFor, type Managed } from './proc.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** etcd's client URL (http://127.0.0.1:PORT), e.g. for its v3 JSON gateway (compaction). */
  etcdUrl: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** Directory holding kubectl (KUBEBUILDER_ASSETS layout unless TEST_ASSET_* point elsewhere). */
  binDir: string;
  /** Runs the matching kubectl with KUBECONFIG set; never throws for a non-zero exit. */
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** SIGTERM both process groups (apiserver first), SIGKILL after a timeout, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops kube-apiserver with `signal` (etcd keeps running), starts it again on the same port with the same
   * serving certificate and flags, and resolves once /readyz answers 200. Resolves with how long it was down.
   */
  restartApiserver(signal?: NodeJS.Signals): Promise<{ downMs: number }>;
  /** The admin bearer token (group system:masters). */
  token: string;
  /** PEM of the apiserver's self-signed serving cert + its CA (what the kubeconfig trusts). */
  caPem: string;
  binaries: ControlPlaneBinaries;
  /** The temp dir: etcd data, certs, kubeconfig, logs. */
  dir: string;
  logs: { etcd: string; apiserver: string };
}

export interface ControlPlaneOptions {
  /** Skip resolution (binaries.ts) and use these. */
  binaries?: ControlPlaneBinaries;
  /** For etcd, kube-apiserver /readyz and namespace `default` each. Default 60 s. */
  startTimeoutMs?: number;
  /** Per process, after SIGTERM. Default 10 s. */
  stopTimeoutMs?: number;
  /**
   * --advertise-address. Default: none when the host has a default route (the apiserver derives it), else
   * the first non-internal IPv4 address (a loopback address is rejected by kube-apiserver).
   * Env: MIO_APISERVER_ADVERTISE_ADDRESS.
   */
  advertiseAddress?: string;
  /** Appended to the kube-apiserver arguments (a later --flag wins). */
  extraApiserverArgs?: string[];
  /** Keep the temp dir after stop() (also MIO_KEEP_CONTROL_PLANE_DIR=1). */
  keepDir?: boolean;
  /** Start attempts (port races). Default 5, like envtest. */
  attempts?: number;
}

const CONTEXT = 'mio-test';

function hasDefaultRoute(): boolean {
  for (const file of ['/proc/net/route', '/proc/net/ipv6_route']) {
    try {
      const lines = readFileSync(file, 'utf8').split('\n');
      if (file.endsWith('/route') && lines.some((l) => l.split(/\s+/)[1] === '00000000')) return true;
      if (file.endsWith('ipv6_route') && lines.some((l) => l.startsWith('00000000000000000000000000000000 00 ') && !l.trimEnd().endsWith(' lo'))) {
        return true;
      }
    } catch {
      // not Linux, or no IPv6
    }
  }
  return false;
}

function defaultAdvertiseAddress(): string | undefined {
  if (hasDefaultRoute()) return undefined;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  // No usable interface at all: any non-loopback address outside the service range works for a local test apiserver.
  return '192.0.2.10';
}

/** GET https://127.0.0.1:port/path with the given CA (and token); resolves with status and body. */
function httpsGet(url: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers: token ? { Authorization: `Bearer ${token}` } : {}, timeout: 5000, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function httpGetStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function kubeconfigFor(server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: 'admin', namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  });
}

class StartError extends Error {
  constructor(
    message: string,
    readonly portRace: boolean,
  ) {
    super(message);
  }
}

const PORT_RACE = /address already in use|bind: /i;

async function startOnce(bins: ControlPlaneBinaries, opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'mio-control-plane-'));
  const keepDir = opts.keepDir ?? process.env.MIO_KEEP_CONTROL_PLANE_DIR === '1';
  const unhookDir = onExit(() => {
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  });
  const timeout = opts.startTimeoutMs ?? 60_000;
  const stopTimeout = opts.stopTimeoutMs ?? 10_000;
  const logs = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log') };
  const procs: Managed[] = [];

  const stopAll = async (): Promise<void> => {
    // apiserver first: it must not outlive etcd and retry forever.
    for (const p of [...procs].reverse()) await p.stop('SIGTERM', stopTimeout);
  };
  const fail = async (what: string, err: unknown): Promise<never> => {
    const alive = procs.map((p) => `${p.name}: ${p.exitCode === undefined ? 'running' : `exited ${p.exitCode}`}`).join(', ');
    const tails = procs.map((p) => `--- ${p.logPath} (tail) ---\n${p.logTail(25)}`).join('\n');
    const race = procs.some((p) => PORT_RACE.test(p.logTail(200)));
    await stopAll();
    // A port race is retried in a fresh dir; otherwise keep the logs (and the dir) for the reader.
    unhookDir();
    if (race) rmSync(dir, { recursive: true, force: true });
    throw new StartError(
      `control plane: ${what} failed: ${(err as Error).message} [${alive}]\nlogs: ${logs.etcd} ${logs.apiserver}\n${tails}`,
      race,
    );
  };

  // --- etcd -------------------------------------------------------------------------------------
  const etcdPort = await freePort();
  const peerPort = await freePort();
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = spawnManaged(
    'etcd',
    bins.etcd,
    [
      `--name=mio-test`,
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=mio-test=${peerUrl}`,
      `--unsafe-no-fsync=true`,
      `--log-level=warn`,
    ],
    { logPath: logs.etcd, cwd: dir, orphanDir: keepDir ? undefined : dir },
  );
  procs.push(etcd);
  try {
    await waitFor('etcd /health', async () => (await httpGetStatus(`${etcdUrl}/health`)) === 200, {
      timeoutMs: timeout,
      abort: () => (etcd.exitCode !== undefined ? `etcd exited with code ${etcd.exitCode}` : undefined),
    });
  } catch (err) {
    return fail('starting etcd', err);
  }

  // --- kube-apiserver -----------------------------------------------------------------------------
  const certDir = join(dir, 'certs');
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const saPub = join(dir, 'sa.pub');
  const saKey = join(dir, 'sa.key');
  writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const token = randomBytes(24).toString('hex');
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const advertise = opts.advertiseAddress ?? (process.env.MIO_APISERVER_ADVERTISE_ADDRESS || defaultAdvertiseAddress());
  const args = [
    '--allow-privileged=true',
    '--authorization-mode=RBAC',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    '--disable-admission-plugins=ServiceAccount',
    `--etcd-servers=${etcdUrl}`,
    `--service-account-issuer=${server}/`,
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    `--token-auth-file=${tokens}`,
    ...(advertise ? [`--advertise-address=${advertise}`] : []),
    ...(opts.extraApiserverArgs ?? []),
  ];
  const crt = join(certDir, 'apiserver.crt');
  let caPem = '';
  let apiserver: Managed | undefined;
  const apiserverGone = (): string | undefined =>
    apiserver?.exitCode !== undefined
      ? `kube-apiserver exited with code ${apiserver?.exitCode}`
      : etcd.exitCode !== undefined
        ? `etcd exited with code ${etcd.exitCode}`
        : undefined;
  /** Spawns kube-apiserver (replacing a stopped one in `procs`) and waits until it serves. */
  const startApiserver = async (): Promise<void> => {
    const next = spawnManaged('kube-apiserver', bins.kubeApiserver, args, { logPath: logs.apiserver, cwd: dir });
    if (apiserver) procs.splice(procs.indexOf(apiserver), 1);
    procs.push(next);
    apiserver = next;
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        if (!existsSync(crt)) return false;
        caPem = readFileSync(crt, 'utf8');
        return (await httpsGet(`${server}/readyz`, caPem, token)).status === 200;
      },
      { timeoutMs: timeout, intervalMs: 200, abort: apiserverGone },
    );
  };
  try {
    await startApiserver();
    await waitFor(
      'namespace default',
      async () => (await httpsGet(`${server}/api/v1/namespaces/default`, caPem, token)).status === 200,
      { timeoutMs: timeout, intervalMs: 100, abort: apiserverGone },
    );
  } catch (err) {
    return fail('starting kube-apiserver', err);
  }

  const kubeconfigYaml = kubeconfigFor(server, caPem, token);
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });

  let stopped: Promise<void> | undefined;
  return {
    server,
    etcdUrl,
    kubeconfigPath,
    kubeconfigYaml,
    binDir: bins.dir,
    token,
    caPem,
    binaries: bins,
    dir,
    logs,
    async kubectl(kargs, kopts = {}) {
      return run(bins.kubectl, kargs, {
        input: kopts.input,
        env: { ...process.env, KUBECONFIG: kubeconfigPath, ...kopts.env },
      });
    },
    async restartApiserver(signal = 'SIGTERM') {
      await apiserver?.stop(signal, stopTimeout);
      const down = Date.now();
      await startApiserver();
      return { downMs: Date.now() - down };
    },
    stop() {
      stopped ??= (async () => {
        await stopAll();
        unhookDir();
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * Starts etcd + kube-apiserver on 127.0.0.1 (free ports, retried on port races), waits for /readyz and for
 * namespace `default`, and writes a kubeconfig (token user `admin` in system:masters). The processes run in
 * their own process groups and are killed on stop() and when this process exits.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = opts.binaries ?? (await resolveBinaries());
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bins, opts);
    } catch (err) {
      if (!(err instanceof StartError) || !err.portRace || attempt >= attempts) throw err;
      process.stderr.write(`[control-plane] port race on attempt ${attempt}, retrying\n`);
    }
  }
}

/** `kube-apiserver --version` (e.g. "Kubernetes v1.37.2"). */
export async function apiserverVersion(bins: ControlPlaneBinaries): Promise<string> {
  return (await run(bins.kubeApiserver, ['--version'])).stdout.trim();
}

/** `etcd --version` first line's version (e.g. "3.7.3"). */
export async function etcdVersion(bins: ControlPlaneBinaries): Promise<string> {
  const out = (await run(bins.etcd, ['--version'])).stdout;
  return /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? out.trim().split('\n')[0] ?? '';
}
