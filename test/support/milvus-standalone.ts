// The embedded REAL Milvus standalone (PyPI `milvus` 2.3.x, "Embeded Milvus": the Milvus v2.3 binary with
// embedded etcd and local storage) for the standalone tier (`make test-milvus-standalone`, part of `make test`);
// milvus.md §3.1, §3.5, §3.6.
// Same shape as milvus-lite.ts: a pinned venv cached under ~/.cache/milvus-index-operator (flock), and a
// server per run on 127.0.0.1 with a fresh base dir (config, logs, data) in a temp dir, run by milvus-server.ts.
//
// What the package does and what we do instead (read from site-packages/milvus/__init__.py, 2.3.5):
// - The wheel ships LZMA-compressed binaries that `default_server.start()` unpacks into its base dir. We
//   unpack them once into the cache (`<venv>/milvus-base/bin`), not per run.
// - Its config template binds every component on a port that, if not given, is "the template default or the
//   next free one", and leaves each component's `ip:` empty ("the first unicastable address"). We render the
//   template through the package (`default_server.set_base_dir(<run dir>)`, `config.resolve()`) with every
//   `*_port` set to a free 127.0.0.1 port and every `<role>.ip` set to 127.0.0.1, so components register
//   and dial each other on loopback.
// - The embedded etcd ignores `etcd.endpoints` and would listen on localhost:2379/2380 (etcd's defaults,
//   clashing with any other etcd there): we add `etcd.config.path` pointing at an embed config with
//   free 127.0.0.1 client/peer ports.
// - METRICS_PORT (the /healthz + management HTTP server) is a free port too. Readiness = /healthz says OK
//   and the proxy port accepts connections (the package's own wait_started() polls /healthz).
// - We spawn `milvus run standalone` ourselves (own process group, log file, watchdog) rather than through
//   `default_server.start()`, whose stop() is "terminate, wait 1 s, kill" and whose child outlives a killed
//   test runner.
// Limits of the 2.3 binary itself (no config for them): its gRPC and HTTP servers listen on ":<port>"
// (all interfaces, though every address it registers and hands out is 127.0.0.1; `ss -ltnp` shows `*:<port>`
// for the 9 gRPC/HTTP ports and 127.0.0.1 for etcd), and it writes /run/milvus/standalone.pid (two
// instances started side by side both came up).
//
// Versions: PyPI's newest `milvus` is 2.3.9 but 2.3.6–2.3.9 are macOS arm64 wheels only; the newest wheel for
// Linux x86_64 (manylinux2014) is 2.3.5 (Milvus v2.3.5). There is no Linux arm64 wheel. MIO_MILVUS_STANDALONE_VERSION
// overrides the choice.
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { withFileLock } from './milvus-lite.js';
import { startMilvusServer, type MilvusServer } from './milvus-server.js';
import { cacheRoot, run } from './proc.js';

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[milvus-standalone] ${line}\n`);

/**
 * Thrown when the embedded Milvus cannot run on this machine at all (no wheel for the platform, PyPI
 * unreachable, no Python, the binary does not load or does not come up): as opposed to a test failing.
 */
export class CannotRunHereError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CannotRunHereError';
  }
}

/** The `milvus` wheel for this platform: PyPI has 2.3.5 as the newest Linux x86_64 wheel, 2.3.9 for macOS arm64. */
export function defaultStandaloneVersion(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (platform === 'linux' && arch === 'x64') return '2.3.5';
  if (platform === 'darwin' && arch === 'arm64') return '2.3.9';
  if (platform === 'darwin' && arch === 'x64') return '2.3.5';
  return undefined;
}

export function standaloneVersion(): string {
  const v = process.env.MIO_MILVUS_STANDALONE_VERSION || defaultStandaloneVersion();
  if (!v) {
    throw new CannotRunHereError(
      `PyPI has no \`milvus\` 2.3.x wheel for ${process.platform}/${process.arch} (wheels exist for Linux x86_64 ` +
        `up to 2.3.5 and macOS up to 2.3.9). Set MIO_MILVUS_STANDALONE_VERSION to try another version anyway.`,
    );
  }
  return v;
}

export interface MilvusStandaloneInstall {
  /** The venv's python. */
  python: string;
  /** The venv directory (`~/.cache/milvus-index-operator/milvus-standalone-2.3.5-py3.11`). */
  dir: string;
  /** Where the wheel's binaries are unpacked: `<dir>/milvus-base/bin` (milvus + its shared libraries). */
  binDir: string;
  /** `milvus` package version as installed (= the Milvus server version). */
  version: string;
  pythonVersion: string;
  /** Seconds the install took, when this call installed it (undefined: it was cached). */
  installSeconds?: number;
}

/** The embedded Milvus standalone (milvus-server.ts) and the ports and files of its run. */
export type MilvusStandalone = MilvusServer & {
  /** /healthz and metrics. */
  metricsPort: number;
  /** Every port it listens on, by config key (plus metrics_port and etcd_peer_port). */
  ports: Record<string, number>;
  /** The run's base dir (configs/, logs/, data/); kept after destroy() with MIO_KEEP_STANDALONE_LOGS=1. */
  baseDir: string;
};

export interface StartMilvusStandaloneOptions {
  /** Readiness timeout. Default MIO_MILVUS_STANDALONE_START_TIMEOUT (seconds) or 180 s (the package's own wait). */
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number;
  log?: Log;
  /**
   * Real authentication and/or one-way TLS on the proxy's gRPC port (`common.security.authorizationEnabled`,
   * `common.security.tlsMode: 1` with `tls.serverPemPath`/`serverKeyPath`). With authorization the superuser is
   * `root` with Milvus's default password `Milvus`.
   */
  security?: { authorization?: boolean; tls?: { certPem: string; keyPem: string; caPem: string } };
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function pythonVersion(python: string): Promise<string> {
  const probe =
    'import sys\n' +
    'if sys.version_info < (3, 7): sys.exit("Python >= 3.7 is required, this is %d.%d" % sys.version_info[:2])\n' +
    'import venv, ensurepip, lzma\n' +
    'print("%d.%d" % sys.version_info[:2])\n';
  let res;
  try {
    res = await run(python, ['-c', probe]);
  } catch (err) {
    throw new CannotRunHereError(
      `the embedded Milvus is installed with Python: cannot run '${python}' (${(err as Error).message}). ` +
        `Install python3 and python3-venv, or set MIO_PYTHON to an interpreter.`,
    );
  }
  if (res.code !== 0) {
    throw new CannotRunHereError(
      `the embedded Milvus needs Python >= 3.7 with venv, ensurepip and lzma; '${python}' says: ${res.stderr.trim()}. ` +
        `Install python3-venv, or set MIO_PYTHON to another interpreter.`,
    );
  }
  return res.stdout.trim();
}

function readMarker(dir: string, version: string): MilvusStandaloneInstall | undefined {
  const python = join(dir, 'bin', 'python');
  const binDir = join(dir, 'milvus-base', 'bin');
  const marker = join(dir, '.complete');
  if (!existsSync(marker) || !isExecutable(python) || !isExecutable(join(binDir, 'milvus'))) return undefined;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as Partial<MilvusStandaloneInstall>;
    if (m.version !== version) return undefined;
    return { python, dir, binDir, version, pythonVersion: m.pythonVersion ?? '' };
  } catch {
    return undefined;
  }
}

/** Environment for the milvus binary: its shared libraries sit next to it. */
function binaryEnv(binDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const key = process.platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : 'LD_LIBRARY_PATH';
  env[key] = [binDir, process.env[key]].filter(Boolean).join(':');
  return env;
}

/** Loader/CPU/platform failures in the binary's output, turned into one sentence. */
export function diagnoseBinaryOutput(text: string): string | undefined {
  const glibc = /version `(GLIBC_[\d.]+)' not found/.exec(text);
  if (glibc) return `the Milvus binary needs ${glibc[1]} but this system's glibc is older (manylinux2014 wheels need glibc >= 2.17)`;
  const lib = /error while loading shared libraries: ([^:\s]+)/.exec(text);
  if (lib) return `the Milvus binary cannot load the shared library ${lib[1]}`;
  if (/Illegal instruction|SIGILL/.test(text)) return 'the Milvus binary died with an illegal instruction (the CPU lacks an instruction set it was built for, e.g. AVX)';
  if (/exec format error|cannot execute binary file/i.test(text)) return `the Milvus binary is not for this platform (${process.platform}/${process.arch})`;
  if (/address already in use/i.test(text)) return 'a port Milvus wanted was taken (address already in use)';
  if (/no space left on device/i.test(text)) return 'no space left on device';
  const panic = /^panic: .*$/m.exec(text);
  if (panic) return `the Milvus binary panicked: ${panic[0].slice(0, 300)}`;
  return undefined;
}

/**
 * Ensures a venv with `milvus==<version>` under `~/.cache/milvus-index-operator/milvus-standalone-<v>-py<X.Y>/`,
 * its binaries unpacked into `<venv>/milvus-base/bin` and shown to execute here. Concurrent callers serialise on
 * a flock; a venv only counts once its `.complete` marker is written. `MIO_PYTHON` picks the interpreter.
 * Throws CannotRunHereError when it cannot be installed or the binary cannot execute on this machine.
 */
export async function ensureMilvusStandalone(opts: { log?: Log } = {}): Promise<MilvusStandaloneInstall> {
  const log = opts.log ?? defaultLog;
  const version = standaloneVersion();
  const python = process.env.MIO_PYTHON || 'python3';
  const pyver = await pythonVersion(python);
  const root = cacheRoot();
  const dir = join(root, `milvus-standalone-${version}-py${pyver}`);
  const ready = readMarker(dir, version);
  if (ready) return ready;

  mkdirSync(root, { recursive: true });
  return withFileLock(
    `${dir}.lock`,
    async () => {
      const again = readMarker(dir, version);
      if (again) return again;
      const started = Date.now();
      const installLog = `${dir}.install.log`;
      log(`installing milvus==${version} (embedded Milvus ${version} standalone) into ${dir} (log: ${installLog})`);
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(installLog, '');
      const step = async (what: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> => {
        const res = await run(bin, args, { env: env ?? { ...process.env, PIP_NO_INPUT: '1', PYTHONNOUSERSITE: '1' } });
        writeFileSync(installLog, `$ ${bin} ${args.join(' ')}\n${res.stdout}${res.stderr}\n`, { flag: 'a' });
        if (res.code !== 0) {
          const out = `${res.stdout}${res.stderr}`;
          const tail = out.trimEnd().split('\n').slice(-25).join('\n');
          rmSync(dir, { recursive: true, force: true });
          let hint = '';
          if (/No matching distribution|Could not find a version/.test(out)) {
            hint = ` PyPI has no milvus==${version} wheel for this platform (${process.platform}/${process.arch}); set MIO_MILVUS_STANDALONE_VERSION (Linux x86_64: 2.3.0–2.3.5).`;
          } else if (/pip/.test(args.join(' '))) {
            hint = ' Is PyPI (or the index in PIP_INDEX_URL / pip.conf) reachable?';
          }
          const diagnosis = diagnoseBinaryOutput(out);
          throw new CannotRunHereError(`${what} failed (exit ${res.code}).${hint}${diagnosis ? ` Diagnosis: ${diagnosis}.` : ''}\n${tail}\n(full log: ${installLog})`);
        }
        return res.stdout;
      };
      await step('creating the embedded Milvus venv', python, ['-m', 'venv', dir]);
      const vpy = join(dir, 'bin', 'python');
      await step(`pip install milvus==${version}`, vpy, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `milvus==${version}`]);
      const base = join(dir, 'milvus-base');
      const out = await step('unpacking the Milvus binaries', vpy, [
        '-c',
        'import sys, milvus; milvus._initialize_data_files(sys.argv[1]); print(milvus.__version__)',
        base,
      ]);
      const installed = out.trim();
      if (installed !== version) throw new CannotRunHereError(`unexpected milvus version in ${dir}: ${installed}, wanted ${version}`);
      const binDir = join(base, 'bin');
      // `milvus --help` prints its usage: it proves the binary and its libraries load on this system.
      await step('running the Milvus binary (milvus --help)', join(binDir, 'milvus'), ['--help'], binaryEnv(binDir));
      const info: MilvusStandaloneInstall = {
        python: vpy,
        dir,
        binDir,
        version,
        pythonVersion: pyver,
        installSeconds: (Date.now() - started) / 1000,
      };
      writeFileSync(join(dir, '.complete'), `${JSON.stringify({ version, pythonVersion: pyver })}\n`);
      log(`installed in ${info.installSeconds?.toFixed(1)} s`);
      return info;
    },
    log,
  );
}

// Renders <base>/configs/milvus.yaml through the package (default_server.set_base_dir + config.resolve),
// with free 127.0.0.1 ports, loopback addresses, and an embedded-etcd config on loopback. Prints JSON.
const RENDER_CONFIG = String.raw`
import json, socket, sys
from os.path import join
import milvus
from milvus import default_server

base = sys.argv[1]
settings = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
ip = '127.0.0.1'
cfg = default_server.config
port_keys = sorted(k for k in cfg.configurable_items if k.endswith('_port'))
names = port_keys + ['metrics_port', 'etcd_peer_port']
socks = []
for _ in names:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((ip, 0))
    socks.append(s)
ports = {n: s.getsockname()[1] for n, s in zip(names, socks)}
for s in socks:
    s.close()
default_server.set_base_dir(base)
for k in port_keys:
    cfg.update(**{k: ports[k]})
for role in ('rootCoord', 'proxy', 'queryCoord', 'queryNode', 'indexNode', 'dataCoord', 'dataNode'):
    cfg.set(role + '.ip', ip)
cfg.set('etcd.endpoints', '%s:%d' % (ip, ports['etcd_port']))
cfg.set('indexCoord.bindIndexNodeMode.address', '%s:%d' % (ip, ports['index_coord_port']))
cfg.set('etcd_log_level', 'warn')
for k, v in settings.items():
    cfg.configurable_items[k][1] = v  # the template's non-port items are read from here by write_config()
cfg.resolve()
etcd_yaml = join(base, 'configs', 'etcd.yaml')
c, p = ports['etcd_port'], ports['etcd_peer_port']
with open(etcd_yaml, 'w') as f:
    f.write('name: default\n')
    f.write('listen-client-urls: http://%s:%d\nadvertise-client-urls: http://%s:%d\n' % (ip, c, ip, c))
    f.write('listen-peer-urls: http://%s:%d\ninitial-advertise-peer-urls: http://%s:%d\n' % (ip, p, ip, p))
    f.write('initial-cluster: default=http://%s:%d\ninitial-cluster-state: new\n' % (ip, p))
config = join(base, 'configs', 'milvus.yaml')
with open(config) as f:
    text = f.read()
if text.count('\netcd:\n') != 1:
    sys.exit('unexpected config template: no top-level etcd section')
text = text.replace('\netcd:\n', '\netcd:\n  config:\n    path: %s\n' % etcd_yaml, 1)
with open(config, 'w') as f:
    f.write(text)
print(json.dumps({'ports': ports, 'config': config, 'version': milvus.__version__}))
`;

/** The config template's settings (config.yaml.template names) for `security`; writes the PEM files into `work`. */
function securitySettings(work: string, security: StartMilvusStandaloneOptions['security']): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (security?.authorization) settings.authorization_enabled = true;
  if (security?.tls) {
    const dir = join(work, 'tls');
    mkdirSync(dir, { recursive: true });
    const files = { server_pem_path: 'server.pem', server_key_path: 'server.key', ca_pem_path: 'ca.pem' };
    writeFileSync(join(dir, files.server_pem_path), security.tls.certPem);
    writeFileSync(join(dir, files.server_key_path), security.tls.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, files.ca_pem_path), security.tls.caPem);
    for (const [key, file] of Object.entries(files)) settings[key] = join(dir, file);
    settings.tls_mode = 1;
  }
  return settings;
}

/** GET http://127.0.0.1:port/healthz; true when the body says OK. */
function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('OK')));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Starts `milvus run standalone` (milvus-server.ts: own process group, SIGTERM then SIGKILL) with a fresh base dir
 * in a temp dir and every port free on 127.0.0.1, and waits for /healthz and the proxy port. Throws
 * CannotRunHereError (with the log tail and a diagnosis) when it does not come up.
 */
export async function startMilvusStandalone(opts: StartMilvusStandaloneOptions = {}): Promise<MilvusStandalone> {
  const log = opts.log ?? defaultLog;
  const install = await ensureMilvusStandalone({ log });
  const envTimeout = Number(process.env.MIO_MILVUS_STANDALONE_START_TIMEOUT);
  const bin = join(install.binDir, 'milvus');
  return startMilvusServer({
    name: 'milvus-standalone',
    version: install.version,
    attempts: 3,
    bindFailure: /address already in use/i,
    startTimeoutMs: opts.startTimeoutMs ?? (envTimeout > 0 ? envTimeout * 1000 : 180_000),
    stopSignal: 'SIGTERM',
    stopTimeoutMs: opts.stopTimeoutMs ?? 20_000,
    // MIO_KEEP_STANDALONE_LOGS=1 keeps the base dir (config, logs, data) after the run, for a post-mortem.
    keepWorkDir: process.env.MIO_KEEP_STANDALONE_LOGS === '1',
    diagnose: diagnoseBinaryOutput,
    startError: (message) => new CannotRunHereError(message),
    log,
    async prepare() {
      const work = mkdtempSync(join(tmpdir(), 'mio-milvus-standalone-'));
      const res = await run(install.python, ['-c', RENDER_CONFIG, work, JSON.stringify(securitySettings(work, opts.security))], { env: { ...process.env, PYTHONNOUSERSITE: '1' } });
      if (res.code !== 0) {
        rmSync(work, { recursive: true, force: true });
        throw new CannotRunHereError(`rendering the Milvus config with the \`milvus\` package failed (exit ${res.code}):\n${`${res.stdout}${res.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
      }
      const ports = (JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { ports: Record<string, number> }).ports;
      const metricsPort = ports.metrics_port!;
      return {
        port: ports.proxy_port!,
        workDir: work,
        logPath: join(work, 'logs', 'milvus-stdout.log'),
        bin,
        args: ['run', 'standalone'],
        cwd: work,
        env: binaryEnv(install.binDir, {
          DEPLOY_MODE: 'STANDALONE',
          METRICS_PORT: String(metricsPort),
          MILVUSCONF: join(work, 'configs'),
          // As the package's own start() sets it; the 2.3.5 binary ignores it and uses /run/milvus.
          MILVUS_RUN_DIR: join(work, 'run'),
        }),
        ready: () => healthz(metricsPort),
        details: { metricsPort, ports, baseDir: work },
      };
    },
  });
}

// `npm exec -- tsx test/support/milvus-standalone.ts`: install, start, print what it bound, stop. Exit 3 when it
// cannot run here (with the reason), 0 when it came up.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = Date.now();
  try {
    const s = await startMilvusStandalone();
    console.log(`Milvus ${s.version} standalone is up at ${s.uri} after ${((Date.now() - t0) / 1000).toFixed(1)} s (start ${s.startSeconds.toFixed(1)} s); ports ${JSON.stringify(s.ports)}; base dir ${s.baseDir}`);
    await s.destroy();
  } catch (err) {
    console.error(`${err instanceof CannotRunHereError ? 'CANNOT RUN HERE: ' : ''}${(err as Error).message}`);
    process.exitCode = err instanceof CannotRunHereError ? 3 : 1;
  }
}
