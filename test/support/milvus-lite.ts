// Milvus Lite (pure-Python milvus-lite 3.x from PyPI, gRPC on a TCP port) for the integration tier and
// `make demo`: a pinned venv cached under ~/.cache/milvus-index-operator, and servers on 127.0.0.1
// (started, stopped and restarted by milvus-server.ts).
// milvus.md §3.2/§3.3 describe the server and how the Node SDK sees it.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startMilvusServer, type MilvusServer } from './milvus-server.js';
import { cacheRoot, freePort, run } from './proc.js';

export const MILVUS_LITE_VERSION = '3.2.2';
export const PYMILVUS_VERSION = '3.0.2';

export interface MilvusLiteInstall {
  /** The `milvus-lite` console script. */
  bin: string;
  /** The venv's python. */
  python: string;
  /** The venv directory (`~/.cache/milvus-index-operator/milvus-lite-3.2.2-py3.11`). */
  dir: string;
  /** milvus-lite version as installed. */
  version: string;
  /** pymilvus version as installed. */
  pymilvusVersion: string;
  /** Python major.minor of the venv. */
  pythonVersion: string;
}

/** A Milvus Lite server (milvus-server.ts); `dataDir` survives stop()/start(). */
export type MilvusLite = MilvusServer & { dataDir: string };

export interface StartMilvusLiteOptions {
  /** Default: a free port (retried on a bind race). A given port is used as is. */
  port?: number;
  /** Default: a fresh temp dir, removed by destroy() and at process exit. */
  dataDir?: string;
  /** Readiness timeout. Default 60 s. */
  startTimeoutMs?: number;
  /** Grace period after SIGINT before SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
}

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[milvus-lite] ${line}\n`);

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds an exclusive flock(1) on lockPath while fn runs. The lock is held by a `flock … cat` child
 * whose stdin we keep open, so it is released when we close stdin or when this process dies.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, log: Log = defaultLog): Promise<T> {
  const holder = spawn('flock', ['-x', lockPath, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  holder.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  holder.stdin.on('error', () => {});
  const waiting = setTimeout(() => log(`waiting for the lock ${lockPath} (another install running?)`), 2000);
  try {
    await new Promise<void>((resolve, reject) => {
      holder.once('error', (err) =>
        reject(new Error(`cannot run flock (util-linux) to lock ${lockPath}: ${err.message}`)),
      );
      holder.once('exit', (code) => reject(new Error(`flock ${lockPath} exited with ${code}: ${stderr.trim()}`)));
      holder.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('locked')) resolve();
      });
    });
  } finally {
    clearTimeout(waiting);
  }
  try {
    return await fn();
  } finally {
    holder.removeAllListeners('exit');
    holder.stdin.end();
  }
}

async function pythonInfo(python: string): Promise<string> {
  const probe =
    'import sys\n' +
    'if sys.version_info < (3, 10): sys.exit("Python >= 3.10 is required, this is %d.%d" % sys.version_info[:2])\n' +
    'import venv, ensurepip\n' +
    'print("%d.%d" % sys.version_info[:2])\n';
  let res;
  try {
    res = await run(python, ['-c', probe]);
  } catch (err) {
    throw new Error(
      `Milvus Lite needs Python >= 3.10 with venv: cannot run '${python}' (${(err as Error).message}). ` +
        `Install python3 and python3-venv (Debian: apt-get install python3 python3-venv), or set MIO_PYTHON to an interpreter.`,
    );
  }
  if (res.code !== 0) {
    throw new Error(
      `Milvus Lite needs Python >= 3.10 with the venv and ensurepip modules; '${python}' says: ${res.stderr.trim()}. ` +
        `Install python3-venv (Debian: apt-get install python3-venv), or set MIO_PYTHON to another interpreter.`,
    );
  }
  return res.stdout.trim();
}

function readMarker(dir: string): MilvusLiteInstall | undefined {
  const marker = join(dir, '.complete');
  const bin = join(dir, 'bin', 'milvus-lite');
  const python = join(dir, 'bin', 'python');
  if (!existsSync(marker) || !isExecutable(bin) || !isExecutable(python)) return undefined;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as Partial<MilvusLiteInstall>;
    if (m.version !== MILVUS_LITE_VERSION || m.pymilvusVersion !== PYMILVUS_VERSION) return undefined;
    return { bin, python, dir, version: m.version, pymilvusVersion: m.pymilvusVersion, pythonVersion: m.pythonVersion ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * Ensures a venv with milvus-lite==3.2.2 and pymilvus==3.0.2 (pinned) under
 * `~/.cache/milvus-index-operator/milvus-lite-3.2.2-py<X.Y>/` and returns its `milvus-lite` script.
 * Concurrent callers serialise on a flock; a venv only counts once its `.complete` marker is written.
 * `MIO_PYTHON` picks the interpreter (default python3).
 */
export async function ensureMilvusLite(opts: { log?: Log } = {}): Promise<MilvusLiteInstall> {
  const log = opts.log ?? defaultLog;
  const python = process.env.MIO_PYTHON || 'python3';
  const pyver = await pythonInfo(python);
  const root = cacheRoot();
  const dir = join(root, `milvus-lite-${MILVUS_LITE_VERSION}-py${pyver}`);
  const ready = readMarker(dir);
  if (ready) return ready;

  mkdirSync(root, { recursive: true });
  return withFileLock(
    `${dir}.lock`,
    async () => {
      const again = readMarker(dir);
      if (again) return again;
      const started = Date.now();
      const installLog = `${dir}.install.log`;
      log(`installing milvus-lite==${MILVUS_LITE_VERSION} pymilvus==${PYMILVUS_VERSION} into ${dir} (log: ${installLog})`);
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(installLog, '');
      const step = async (what: string, bin: string, args: string[]): Promise<string> => {
        const res = await run(bin, args, { env: { ...process.env, PIP_NO_INPUT: '1', PYTHONNOUSERSITE: '1' } });
        writeFileSync(installLog, `$ ${bin} ${args.join(' ')}\n${res.stdout}${res.stderr}\n`, { flag: 'a' });
        if (res.code !== 0) {
          const tail = `${res.stdout}${res.stderr}`.trimEnd().split('\n').slice(-25).join('\n');
          rmSync(dir, { recursive: true, force: true });
          const hint = /pip/.test(args.join(' '))
            ? ' Is PyPI (or the index in PIP_INDEX_URL / pip.conf) reachable? Both packages come from PyPI.'
            : '';
          throw new Error(`${what} failed (exit ${res.code}).${hint}\n${tail}\n(full log: ${installLog})`);
        }
        return res.stdout;
      };
      await step('creating the Milvus Lite venv', python, ['-m', 'venv', dir]);
      const vpy = join(dir, 'bin', 'python');
      await step('pip install milvus-lite', vpy, [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        `milvus-lite==${MILVUS_LITE_VERSION}`,
        `pymilvus==${PYMILVUS_VERSION}`,
      ]);
      const out = await step('checking the Milvus Lite install', vpy, [
        '-c',
        'import milvus_lite, pymilvus, importlib.metadata as m; ' +
          'import milvus_lite.adapter.grpc.server; ' +
          'print(m.version("milvus-lite"), m.version("pymilvus"))',
      ]);
      const [version = '', pymilvusVersion = ''] = out.trim().split(/\s+/);
      if (version !== MILVUS_LITE_VERSION || pymilvusVersion !== PYMILVUS_VERSION) {
        throw new Error(`unexpected versions in ${dir}: milvus-lite ${version}, pymilvus ${pymilvusVersion}`);
      }
      const info: MilvusLiteInstall = {
        bin: join(dir, 'bin', 'milvus-lite'),
        python: vpy,
        dir,
        version,
        pymilvusVersion,
        pythonVersion: pyver,
      };
      writeFileSync(join(dir, '.complete'), `${JSON.stringify({ version, pymilvusVersion, pythonVersion: pyver })}\n`);
      log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return info;
    },
    log,
  );
}

const LISTENING = /MilvusLite gRPC server listening on \S+:(\d+)/;

/**
 * Starts `milvus-lite server --data-dir D --host 127.0.0.1 --port P` (milvus-server.ts: own process group,
 * log file next to the data dir, SIGINT so the server drains and closes its db) and waits for its
 * "listening" line and the port.
 */
export async function startMilvusLite(opts: StartMilvusLiteOptions = {}): Promise<MilvusLite> {
  const install = await ensureMilvusLite();
  return startMilvusServer({
    name: 'milvus-lite',
    version: install.version,
    attempts: opts.port ? 1 : 5,
    bindFailure: /bind|address already in use/i,
    startTimeoutMs: opts.startTimeoutMs ?? 60_000,
    stopSignal: 'SIGINT',
    stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
    log: defaultLog,
    async prepare() {
      // The work dir holds the log and, unless opts.dataDir was given, the data dir.
      const workDir = mkdtempSync(join(tmpdir(), 'mio-milvus-lite-'));
      const dataDir = opts.dataDir ?? join(workDir, 'data');
      mkdirSync(dataDir, { recursive: true });
      const port = opts.port ?? (await freePort());
      return {
        port,
        workDir,
        logPath: join(workDir, 'server.log'),
        bin: install.bin,
        args: ['server', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)],
        env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONNOUSERSITE: '1' },
        ready: async (output) => LISTENING.test(output),
        details: { dataDir },
      };
    },
  });
}

/** The version string Milvus Lite reports (from the installed package; GetVersion says `milvus_lite-<version>`). */
export async function milvusLiteVersion(): Promise<string> {
  return (await ensureMilvusLite()).version;
}
