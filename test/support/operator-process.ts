// The built CLI (dist/src/main.js) as a child process of the test runner, run with the project's
// Node 24 (process.execPath), its JSON log lines read back from a log file. Children run in their
// own process group and are SIGKILLed when the runner exits (proc.ts spawnManaged + watchdog).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnManaged, waitFor, type Managed } from './proc.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js');

/** One parsed JSON log line of the operator (pino). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export class OperatorProcess {
  readonly managed: Managed;

  constructor(readonly name: string, args: string[], env: NodeJS.ProcessEnv, dir = mkdtempSync(join(tmpdir(), 'mio-op-'))) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (make test does)`);
    this.managed = spawnManaged(name, process.execPath, [CLI, ...args], { logPath: join(dir, `${name}.log`), env });
  }

  get pid(): number | undefined {
    return this.managed.child.pid;
  }

  /** Exit code (128 + signal number when killed), or undefined while running. */
  get exitCode(): number | undefined {
    return this.managed.exitCode;
  }

  /** Every JSON line written so far (other output is skipped). */
  logs(): LogLine[] {
    const text = existsSync(this.managed.logPath) ? readFileSync(this.managed.logPath, 'utf8') : '';
    const out: LogLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // a line being written right now
      }
    }
    return out;
  }

  /**
   * The "milvus write" log lines (one per Milvus write the reconciler made; a child process cannot be handed a
   * write observer, and a killed one cannot be scraped for its metrics any more). Throws when the log holds no
   * JSON line at all: then the log was not written or its format changed, and "no writes" would be a lie.
   */
  milvusWriteLines(): LogLine[] {
    const all = this.logs();
    if (all.length === 0) throw new Error(`${this.name}: no JSON log line at all in ${this.managed.logPath}; cannot count its Milvus writes:\n${this.logTail(10)}`);
    return all.filter((l) => l.msg === 'milvus write');
  }

  /** Waits for a log line matching `predicate`; fails early if the process exits. */
  async waitForLog(predicate: (l: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(`${this.name}: ${what}`, () => (found = this.logs().find(predicate)) !== undefined, {
      timeoutMs,
      abort: () => (this.exitCode !== undefined ? `process exited with ${this.exitCode}:\n${this.managed.logTail(20)}` : undefined),
    });
    return found!;
  }

  /** Port of an HTTP endpoint from its "… endpoint listening" log line. */
  async port(endpoint: 'metrics' | 'health'): Promise<number> {
    const l = await this.waitForLog((x) => x.msg === `${endpoint} endpoint listening`, `${endpoint} endpoint`);
    return l.port as number;
  }

  /** GET on the health or metrics endpoint: status and body. */
  async get(endpoint: 'metrics' | 'health', path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${await this.port(endpoint)}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** Value of one sample on /metrics, e.g. `leader_election_master_status{name="x"}`. */
  async metric(sample: string): Promise<number | undefined> {
    const { body } = await this.get('metrics', '/metrics');
    const line = body.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
  }

  /** Sends `signal` to the process group; SIGKILL after `timeoutMs`. Resolves once it exited. */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    return this.managed.stop(signal, timeoutMs);
  }

  logTail(lines = 40): string {
    return this.managed.logTail(lines);
  }
}

/** The environment of the test runner without variables that would change the operator's flags. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('MIO_') || k.startsWith('MILVUS_') || ['POD_NAMESPACE', 'WATCH_NAMESPACE', 'KUBECONFIG', 'LOG_LEVEL'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
