// Process plumbing shared by the real-server harness (control-plane.ts, milvus-lite.ts):
// free ports, detached children with output in log files, process-group kills, a cleanup
// registry that runs when the test runner exits, and a watchdog that reaps the children
// even when the runner itself is killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator` */
export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'milvus-index-operator');
}

/** A port that was free on 127.0.0.1 a moment ago (bind to 0, read it, close). Callers retry on races. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not read the port of a probe socket'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit

const cleanups = new Set<() => void>();
let hooked = false;

function runCleanups(): void {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}

/**
 * Registers a synchronous cleanup that runs when this process exits (normally, via process.exit, or on
 * SIGINT/SIGTERM/SIGHUP). Returns a function that unregisters it.
 */
export function onExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', runCleanups);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = (): void => {
        runCleanups();
        process.off(sig, handler);
        // Somebody else (e.g. vitest) handles the signal: let them. Otherwise keep the default behaviour.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      };
      process.on(sig, handler);
    }
  }
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

// ---------------------------------------------------------------------------------------------
// Children

/** Sends a signal to a whole process group; ignores "no such process". */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves with the exit code (or 128+signal) once the process has exited. */
  readonly exited: Promise<number>;
  /** Set once the process has exited. */
  exitCode: number | undefined;
  /** Signal, wait up to timeoutMs, then SIGKILL the process group. Resolves once it has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** The last `lines` lines of the log file. */
  logTail(lines?: number): string;
}

const SIGNUMS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Spawns `bin args` detached (own process group), with stdin closed and stdout+stderr appended to
 * logPath. The group is SIGKILLed when this process exits, and by a watchdog if this process dies
 * without running exit handlers.
 */
export function spawnManaged(
  name: string,
  bin: string,
  args: string[],
  opts: {
    logPath: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** A directory the watchdog removes after killing an orphaned process (this process died without cleanup). */
    orphanDir?: string;
  },
): Managed {
  const fd = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  const unhook = onExit(() => killGroup(pid, 'SIGKILL'));
  const watchdog = pid ? startWatchdog(pid, opts.orphanDir) : undefined;
  let spawnError: Error | undefined;
  const m: Managed = {
    name,
    child,
    logPath: opts.logPath,
    exitCode: undefined,
    exited: new Promise<number>((resolve) => {
      const finish = (code: number): void => {
        if (m.exitCode !== undefined) return;
        m.exitCode = code;
        unhook();
        if (watchdog) killGroup(watchdog.pid, 'SIGKILL');
        resolve(code);
      };
      child.once('exit', (code, signal) => finish(code ?? 128 + (signal ? (SIGNUMS[signal] ?? 0) : 0)));
      child.once('error', (err) => {
        spawnError = err;
        finish(127);
      });
    }),
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (m.exitCode !== undefined) return;
      killGroup(pid, signal);
      let timer: NodeJS.Timeout | undefined;
      const t = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const first = await Promise.race([m.exited, t]);
      clearTimeout(timer);
      if (first === 'timeout') {
        killGroup(pid, 'SIGKILL');
        await m.exited;
      }
      // Stragglers in the group (children of the child) go too.
      killGroup(pid, 'SIGKILL');
    },
    logTail(lines = 40) {
      const text = existsSync(opts.logPath) ? readFileSync(opts.logPath, 'utf8') : '';
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
      return spawnError ? `${tail}\n(spawn ${bin}: ${spawnError.message})` : tail;
    },
  };
  // The test runner must be able to exit while a server runs; the exit hook reaps it.
  child.unref();
  return m;
}

/**
 * A tiny detached shell that SIGKILLs process group `pgid` (and removes `dir`) once this Node process is
 * gone: covers `kill -9` of the test runner, which runs no exit handlers. (dash: `kill -s KILL -- -PGID`.)
 */
function startWatchdog(pgid: number, dir?: string): ChildProcess | undefined {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -s KILL -- "-$2" 2>/dev/null; ' +
    'if [ -n "$3" ]; then sleep 1; rm -rf -- "$3"; fi';
  try {
    const w = spawn('sh', ['-c', script, 'mio-watchdog', String(process.pid), String(pgid), dir ?? ''], {
      detached: true,
      stdio: 'ignore',
    });
    w.on('error', () => {});
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}

/** Polls `check` every intervalMs until it returns true; throws on timeout or when `abort` returns a reason. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const detail = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Runs a command to completion and collects its output (never throws for a non-zero exit; throws if it cannot start). */
export async function run(
  bin: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; onStderr?: (chunk: string) => void } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? (SIGNUMS[signal] ?? 0) : 0), stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
