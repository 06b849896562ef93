// The three ways of doing the job the benchmark compares: the SDK floor, the kopf peer, and the operator CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';

import type { ControlPlane } from '../support/control-plane.js';
import { imageNodeArgs, imageNodeOptions } from '../support/dockerfile.js';
import { onExit } from '../support/proc.js';
import { parseProm, pool, sleep, type Sample } from './lib.js';
import type { IndexDef, Workload } from './workload.js';

const ROOT = join(import.meta.dirname, '..', '..');

type IndexDescriptions = Awaited<ReturnType<MilvusClient['describeIndex']>>['index_descriptions'];

/** Built as the operator's Ready means it: state Finished with every row indexed (Milvus 2.3 reports Finished while rows of a compacted segment still wait for their index). */
function builtIn(descriptions: IndexDescriptions | undefined, d: IndexDef): boolean {
  const index = descriptions?.find((x) => x.index_name === d.field);
  return index?.state === 'Finished' && Number(index.pending_index_rows ?? 0) === 0;
}

async function isBuilt(client: MilvusClient, d: IndexDef): Promise<boolean> {
  return builtIn((await client.describeIndex({ collection_name: d.collection, index_name: d.field })).index_descriptions, d);
}

/**
 * An observer independent of both controllers: polls each collection's indexes every `intervalMs` and records when
 * each resource's index was first built (Finished, no pending rows). Ready minus built is a controller's own
 * overhead on a long build, whatever Milvus took: Milvus 2.3 standalone's time for the same 20 builds varies
 * 11–59 s between identical runs here, so comparing against a floor measured minutes earlier says little.
 */
export function watchBuilds(client: MilvusClient, w: Workload, intervalMs: number): { builtAt: Map<string, number>; stop(): Promise<void> } {
  const builtAt = new Map<string, number>();
  const defsOf = new Map(w.collections.map((c) => [c, w.defs.filter((d) => d.collection === c)]));
  let stopped = false;
  const loop = (async () => {
    while (!stopped && builtAt.size < w.defs.length) {
      await pool(w.collections, 4, async (c) => {
        const waiting = defsOf.get(c)!.filter((d) => !builtAt.has(d.name));
        if (waiting.length === 0) return;
        const descriptions = (await client.describeIndex({ collection_name: c }).catch(() => undefined))?.index_descriptions;
        const now = Date.now();
        for (const d of waiting) if (builtIn(descriptions, d)) builtAt.set(d.name, now);
      });
      await sleep(intervalMs);
    }
  })();
  return { builtAt, stop: async () => { stopped = true; await loop; } };
}

/** One index created straight through the SDK and polled (50 ms more each time, at most 1 s apart) until built: the floor's unit of work. */
export async function createAndAwaitBuilt(client: MilvusClient, d: IndexDef): Promise<void> {
  const res = await client.createIndex({ collection_name: d.collection, field_name: d.field, index_name: d.field, index_type: d.indexType, ...(d.metricType ? { metric_type: d.metricType } : {}), params: d.params } as Parameters<MilvusClient['createIndex']>[0]);
  if ((res as { code?: number }).code) throw new Error(`createIndex ${d.collection}.${d.field}: ${JSON.stringify(res)}`);
  for (let wait = 0; !(await isBuilt(client, d)); wait = Math.min(1000, wait + 50)) await sleep(wait);
}

/** The floor: the same createIndex calls straight through the SDK, `concurrency` at a time, each polled until built. */
export async function runFloor(client: MilvusClient, w: Workload, concurrency: number): Promise<number> {
  const t0 = performance.now();
  await pool(w.defs, concurrency, (d) => createAndAwaitBuilt(client, d));
  return (performance.now() - t0) / 1000;
}

/** Releases each collection (Milvus refuses to drop an index of a loaded one) and drops every index; checks they are gone. */
export async function dropAllDirectly(client: MilvusClient, w: Workload): Promise<void> {
  await pool(w.collections, 8, async (c) => {
    await client.releaseCollection({ collection_name: c });
    for (const d of w.defs.filter((x) => x.collection === c)) {
      const res = await client.dropIndex({ collection_name: c, field_name: d.field, index_name: d.field });
      if (res.code && res.code !== 700) throw new Error(`drop ${c}.${d.field}: ${JSON.stringify(res)}`);
    }
    const left = (await client.describeIndex({ collection_name: c })).index_descriptions ?? [];
    if (left.length > 0) throw new Error(`indexes left on ${c} after the floor: ${left.map((i) => i.index_name).join(', ')}`);
  });
}

/** A child process whose stdout lines the benchmark reads. */
export class Proc {
  readonly lines: string[] = [];
  private readonly exited: Promise<void>;
  constructor(readonly child: ChildProcess, readonly label: string) {
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8').on('data', (d: string) => {
        const parts = (rest + d).split('\n');
        rest = parts.pop()!;
        for (const l of parts) this.lines.push(l);
      });
    }
    const off = onExit(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    this.exited = new Promise((r) => child.once('exit', () => { off(); r(); }));
  }
  get pid(): number { return this.child.pid!; }
  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; Date.now() < deadline; await sleep(25)) {
      for (; seen < this.lines.length; seen++) { const m = re.exec(this.lines[seen]!); if (m) return m; }
      if (this.child.exitCode !== null) throw new Error(`${this.label} exited (${this.child.exitCode}) before ${re}; last lines:\n${this.lines.slice(-20).join("\n")}`);
    }
    throw new Error(`${this.label}: no line matching ${re} within ${timeoutMs / 1000} s; last lines:\n${this.lines.slice(-20).join("\n")}`);
  }
  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

export interface OperatorOptions { kubeconfigPath: string; milvusUri: string; namespace: string; concurrency: number; resync: string; extraArgs: string[]; cpuProfDir?: string }

/**
 * Node's flags for the operator: the image's (Dockerfile ENTRYPOINT), so the bench measures the operator as
 * it ships; BENCH_OPERATOR_NODE_ARGS (space-separated, '' for none) replaces them to try others.
 */
export function operatorNodeArgs(): string[] {
  const env = process.env.BENCH_OPERATOR_NODE_ARGS;
  return env === undefined ? imageNodeArgs() : env.split(' ').filter(Boolean);
}

/** The operator's NODE_OPTIONS: the image's (none today), or BENCH_OPERATOR_NODE_OPTIONS. */
export function operatorNodeOptions(): string {
  return process.env.BENCH_OPERATOR_NODE_OPTIONS ?? imageNodeOptions();
}

/** BENCH_OPERATOR_ENV="K=V K2=V2": environment for the operator process only (the servers and the peer keep theirs). */
function operatorExtraEnv(): Record<string, string> {
  return Object.fromEntries((process.env.BENCH_OPERATOR_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** The operator CLI (dist/src/main.js), started as a user would; resolves once its controllers run. */
export async function startOperator(o: OperatorOptions): Promise<Proc & { port: number }> {
  const args = [
    ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
    ...operatorNodeArgs(),
    join(process.env.BENCH_OPERATOR_DIST ?? join(ROOT, 'dist'), 'src', 'main.js'), '--namespace', o.namespace, '--concurrency', String(o.concurrency), '--resync-period', o.resync,
    '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'info', ...o.extraArgs,
  ];
  const env = { ...process.env, ...operatorExtraEnv(), KUBECONFIG: o.kubeconfigPath, MILVUS_URI: o.milvusUri, NODE_OPTIONS: operatorNodeOptions() };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const p = new Proc(child, 'operator');
  const port = Number((await p.waitFor(/"port":(\d+),"msg":"metrics endpoint listening"/, 60_000))[1]);
  await p.waitFor(/"controller":"milvusindex".*"msg":"controller started"|"msg":"controller started".*"controller":"milvusindex"/, 120_000);
  return Object.assign(p, { port });
}

export async function operatorMetrics(port: number): Promise<Sample[]> {
  return parseProm(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

/** When the operator's audit line says createIndex returned, per resource name. */
export function createIndexTimes(p: Proc): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of p.lines) {
    if (!l.includes('"msg":"milvus write"') || !l.includes('"action":"CreateIndex"')) continue;
    const o = JSON.parse(l) as { name: string; time: string; outcome: string };
    if (o.outcome === 'ok' && !out.has(o.name)) out.set(o.name, Date.parse(o.time));
  }
  return out;
}

/** The peer: test/bench/peer/operator.py under kopf, standalone (no peering), one namespace. */
export async function startPeer(kopf: string, o: { kubeconfigPath: string; milvusUri: string; namespace: string; concurrency: number }): Promise<Proc> {
  const child = spawn(kopf, ['run', '--standalone', '--namespace', o.namespace, '--log-format', 'plain', join(import.meta.dirname, 'peer', 'operator.py')], {
    env: { ...withoutMilvusUri(process.env), KUBECONFIG: o.kubeconfigPath, PEER_MILVUS_URI: o.milvusUri, PEER_CONCURRENCY: String(o.concurrency), PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = new Proc(child, 'kopf peer');
  await p.waitFor(/Initial authentication has finished/, 60_000);
  return p;
}

/** kube-apiserver's own request counters: writes by resource (and subresource), for any client. */
export async function apiserverWrites(cp: ControlPlane): Promise<Map<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(`${cp.server}/metrics`, { headers: { Authorization: `Bearer ${cp.token}` }, ca: cp.caPem }, (res) => {
      let s = '';
      res.setEncoding('utf8').on('data', (d: string) => (s += d)).on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end();
  });
  const out = new Map<string, number>();
  for (const s of parseProm(text)) {
    if (s.name !== 'apiserver_request_total' || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(s.labels.verb ?? '')) continue;
    if (!['milvusindexes', 'events'].includes(s.labels.resource ?? '')) continue;
    const k = `${s.labels.verb} ${s.labels.resource}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

function withoutMilvusUri(e: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MILVUS_URI: _, ...rest } = e;
  return rest;
}
