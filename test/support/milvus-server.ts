// One process helper for every Milvus the tests run (Milvus Lite, the embedded Milvus 2.3 standalone): start
// in its own process group with output appended to one log file, wait until ready, stop gracefully then kill,
// restart on the same address and data, and the log tail (plus a diagnosis) in every start failure.
// What differs between servers (install, command line, readiness probe, ports) is a MilvusProcessSpec.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { onExit, portOpen, spawnManaged, waitFor, type Managed } from './proc.js';

/** A running (or stopped) Milvus server of the test harness. */
export interface MilvusServer {
  /** "127.0.0.1:PORT": pass as `address` to MilvusClient. */
  readonly uri: string;
  readonly port: number;
  /** Server output, appended across restarts. */
  readonly logPath: string;
  /** Server version as installed (milvus-lite 3.2.2, milvus 2.3.5). */
  readonly version: string;
  /** Seconds the last start took (spawn → ready). */
  readonly startSeconds: number;
  /** Graceful signal, then SIGKILL of the process group after the spec's grace period. Idempotent. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data (after stop()). */
  start(): Promise<void>;
  /** stop(), then start(). */
  restart(): Promise<void>;
  /** stop(), then remove the work dir (log and data) unless the spec keeps it. */
  destroy(): Promise<void>;
  /** The last `lines` lines of the server log. */
  logTail(lines?: number): string;
}

/** One prepared start of a server: where it listens and how to run it. Restarts reuse it. */
export interface MilvusLaunch<D> {
  port: number;
  logPath: string;
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Temp dir holding log and data: removed on destroy() and by the watchdog of an orphaned server. */
  workDir: string;
  /** Ready when this holds; `output` is what the current start has written to the log. */
  ready(output: string): Promise<boolean>;
  /** Server-specific facts exposed on the returned server (data dir, metrics port, …). */
  details: D;
}

export interface MilvusProcessSpec<D> {
  /** Process name and log prefix, e.g. "milvus-lite". */
  name: string;
  version: string;
  /** Allocates ports and files for one attempt; a bind race discards it and prepares again. */
  prepare(): Promise<MilvusLaunch<D>>;
  /** Attempts when the start fails with `bindFailure` in the output. */
  attempts: number;
  bindFailure: RegExp;
  startTimeoutMs: number;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Keeps the work dir after destroy() (post-mortems). */
  keepWorkDir?: boolean;
  /** One sentence on why the output shows a failed start (missing library, panic, …). */
  diagnose?(output: string): string | undefined;
  /** Wraps a start failure (e.g. as "cannot run here"); default Error. */
  startError?(message: string): Error;
  log?(line: string): void;
}

class BindRace extends Error {}

function startError(spec: MilvusProcessSpec<unknown>, message: string): Error {
  return spec.startError ? spec.startError(message) : new Error(message);
}

/** Starts the server the spec describes and waits until it is ready. */
export async function startMilvusServer<D extends object>(spec: MilvusProcessSpec<D>): Promise<MilvusServer & D> {
  for (let attempt = 1; ; attempt++) {
    const launch = await spec.prepare();
    const unhookTemp = spec.keepWorkDir ? () => {} : onExit(() => rmSync(launch.workDir, { recursive: true, force: true }));
    const supervisor = new Supervisor(spec, launch);
    try {
      await supervisor.launch();
      return Object.assign(supervisor.server(unhookTemp), launch.details);
    } catch (err) {
      unhookTemp();
      if (!spec.keepWorkDir) rmSync(launch.workDir, { recursive: true, force: true });
      if (!(err instanceof BindRace)) throw err;
      if (attempt >= spec.attempts) throw startError(spec, err.message);
      spec.log?.(`port race on start (attempt ${attempt}); retrying with new ports`);
    }
  }
}

class Supervisor<D> {
  private proc: Managed | undefined;
  private startSeconds = 0;

  constructor(private readonly spec: MilvusProcessSpec<D>, private readonly launchSpec: MilvusLaunch<D>) {}

  /** Spawns the process and waits for readiness; on failure kills it and throws with the log tail. */
  async launch(): Promise<void> {
    const { spec, launchSpec: l } = this;
    const logStart = existsSync(l.logPath) ? readFileSync(l.logPath, 'utf8').length : 0;
    writeFileSync(l.logPath, `--- ${new Date().toISOString()} starting ${spec.name} ${spec.version} on 127.0.0.1:${l.port}\n`, { flag: 'a' });
    const started = Date.now();
    const m = spawnManaged(spec.name, l.bin, l.args, { logPath: l.logPath, env: l.env, ...(l.cwd ? { cwd: l.cwd } : {}), ...(spec.keepWorkDir ? {} : { orphanDir: l.workDir }) });
    this.proc = m;
    const output = (): string => (existsSync(l.logPath) ? readFileSync(l.logPath, 'utf8').slice(logStart) : '');
    try {
      await waitFor(`${spec.name} ${spec.version} on 127.0.0.1:${l.port}`, async () => (await l.ready(output())) && (await portOpen(l.port)), {
        timeoutMs: spec.startTimeoutMs,
        intervalMs: 250,
        abort: () => (m.exitCode !== undefined ? `the ${spec.name} process exited with code ${m.exitCode}` : undefined),
      });
      this.startSeconds = (Date.now() - started) / 1000;
    } catch (err) {
      await m.stop('SIGKILL', 2000);
      const text = output();
      const diagnosis = spec.diagnose?.(text);
      const message = `${(err as Error).message}${diagnosis ? `\nDiagnosis: ${diagnosis}.` : ''}\n--- ${l.logPath} (last 40 lines) ---\n${m.logTail(40)}`;
      throw spec.bindFailure.test(text) ? new BindRace(message) : startError(spec, message);
    }
  }

  server(unhookTemp: () => void): MilvusServer {
    const { spec, launchSpec: l } = this;
    const stop = async (): Promise<void> => {
      const m = this.proc;
      if (!m || m.exitCode !== undefined) return;
      await m.stop(spec.stopSignal, spec.stopTimeoutMs);
    };
    const start = async (): Promise<void> => {
      if (this.proc && this.proc.exitCode === undefined) throw new Error(`${spec.name} on 127.0.0.1:${l.port} is already running`);
      // The old process may have closed its socket only just now.
      await waitFor(`port ${l.port} to be free`, async () => !(await portOpen(l.port)), { timeoutMs: 10_000 });
      try {
        await this.launch();
      } catch (err) {
        throw err instanceof BindRace ? startError(spec, err.message) : err;
      }
    };
    const supervisor = this;
    return {
      uri: `127.0.0.1:${l.port}`,
      port: l.port,
      logPath: l.logPath,
      version: spec.version,
      get startSeconds() {
        return supervisor.startSeconds;
      },
      stop,
      start,
      async restart() {
        await stop();
        await start();
      },
      async destroy() {
        await stop();
        if (spec.keepWorkDir) return;
        unhookTemp();
        rmSync(l.workDir, { recursive: true, force: true });
      },
      logTail(lines = 40) {
        return supervisor.proc?.logTail(lines) ?? '';
      },
    };
  }
}
