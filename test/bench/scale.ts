// `make bench`: the reference benchmark. For each N in BENCH_N, on a fresh local kube-apiserver + etcd and a real
// Milvus (Lite by default, BENCH_MILVUS=standalone for the Milvus 2.3 standalone), in one run:
//   apply     the same resources applied with no controller running: what the apiserver alone takes
//   floor     the same createIndex calls straight through the SDK at the same concurrency, polled until built
//   writes    the floor plus the contract's Kubernetes requests (finalizer, Ready status, one Event per resource),
//             fed by a watch as resources are applied, nothing else (test/bench/write-floor.ts)
//   peer      test/bench/peer/operator.py (kopf + pymilvus, venv from PyPI cached under ~/.cache/milvus-index-operator)
//   operator  the CLI (dist/src/main.js): apply → all Ready, per-resource latencies, writes and Milvus calls
//   onebyone  with everything Ready, 20 more resources applied one at a time, each after the last is Ready (what a
//             single `kubectl apply` sees): apply → createIndex returned and apply → Ready; then deleted again
//   idle      everything Ready for BENCH_IDLE (default 1.1 × the resync period, default 5m): CPU, RSS, writes, calls
//   restart   a new operator process over everything Ready: time until all re-verified, writes
// Prints the tables and records the run in docs/benchmarks/results.json, docs/benchmarks.md and the SVG plot.
// Knobs: BENCH_N (list, default "200,1000"), BENCH_CONCURRENCY (4), BENCH_RESYNC (5m), BENCH_IDLE, BENCH_SCENARIOS
// (apply,floor,writes,peer,operator,onebyone,idle,restart), BENCH_PER_COLLECTION (2; 40 from N ≥ 10,000), BENCH_ROWS (20; 20000 with
// standalone), BENCH_OPERATOR_ARGS (extra CLI flags), BENCH_LABEL (the row's name, default "current"),
// BENCH_CPU_PROF=dir (--cpu-prof of the operator during apply), BENCH_RECORD=0 (print only), BENCH_OPERATOR_DIST (another
// build's dist/, e.g. of the commit before a change), BENCH_OPERATOR_NODE_ARGS / BENCH_OPERATOR_NODE_OPTIONS (Node's
// flags / NODE_OPTIONS; default: the image's, read from the Dockerfile), BENCH_READY_TIMEOUT (30m),
// BENCH_RENDER_ONLY=1 (re-render the doc and plot from docs/benchmarks/results.json), BENCH_OPERATOR_LOG=file (the
// operator's log lines), BENCH_BUILD_WATCH=1 (the bench's own poll of each build; default on with the standalone),
// BENCH_OPERATOR_ENV="K=V …" (environment of the operator process only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { freemem, totalmem, cpus } from 'node:os';

import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { shareConnections } from '../../src/kube/shared-connections.js';
import { kubeConfigFromProvided } from '../support/kube.js';
import { startMilvusLite } from '../support/milvus-lite.js';
import { startMilvusStandalone } from '../support/milvus-standalone.js';
import { sdkClient } from '../support/milvus.js';
import { parseDuration } from '../../src/config.js';
import { cpuSeconds, cpuSecondsOf, diff, loadavg, memorySplit, p50p95max, pct, rssMiB, rssPeak, sleep, sumBy, table, total } from './lib.js';
import { ensurePeerVenv } from './peer/venv.js';
import { releaseWriteFloor, startWriteFloor } from './write-floor.js';
import { record, type RunResult } from './report.js';
import { apiserverWrites, createIndexTimes, dropAllDirectly, operatorMetrics, operatorNodeArgs, operatorNodeOptions, runFloor, startOperator, startPeer, watchBuilds } from './systems.js';
import { applyAll, body, createCollections, crdServed, deleteAll, GVR, until, watchReadiness, workload, type Workload } from './workload.js';

const env = process.env;
const NS = (env.BENCH_N ?? '200,1000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 4);
const RESYNC = env.BENCH_RESYNC ?? '5m';
const IDLE_MS = env.BENCH_IDLE ? parseDuration(env.BENCH_IDLE) : Math.round(1.1 * parseDuration(RESYNC));
const SCENARIOS = new Set((env.BENCH_SCENARIOS ?? 'apply,floor,writes,peer,operator,onebyone,idle,restart').split(','));
const STANDALONE = env.BENCH_MILVUS === 'standalone';
/** The independent build watch (systems.ts `watchBuilds`): on by default where builds take seconds. */
const BUILD_WATCH = (env.BENCH_BUILD_WATCH ?? (STANDALONE ? '1' : '0')) === '1';
const BUILD_WATCH_MS = 250;
const ROWS = Number(env.BENCH_ROWS ?? (STANDALONE ? 20_000 : 20));
const EXTRA = (env.BENCH_OPERATOR_ARGS ?? '').split(' ').filter(Boolean);
const LABEL = env.BENCH_LABEL ?? 'current';
const READY_TIMEOUT_MS = parseDuration(env.BENCH_READY_TIMEOUT ?? '30m');

const s2 = (ms: number): string => (ms / 1000).toFixed(2);
const perRes = (m: Map<string, number>, n: number): string => [...m].sort().map(([k, v]) => `${k || 'total'} ${(v / n).toFixed(2)}`).join(', ') || '0';

/** CPU seconds so far of the servers and of this process (its apply clients and watches). */
function serversCpu(cp: ControlPlane): Record<string, number> {
  const self = process.cpuUsage();
  return {
    'kube-apiserver': cpuSecondsOf('kube-apiserver', cp.dir),
    etcd: cpuSecondsOf('--data-dir', cp.dir),
    Milvus: STANDALONE ? cpuSecondsOf('milvus', 'standalone') : cpuSecondsOf('milvus-lite'),
    'bench clients': (self.user + self.system) / 1e6,
  };
}

function cpuSince(cp: ControlPlane, before: Record<string, number>): Record<string, number> {
  const now = serversCpu(cp);
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

async function benchOne(n: number): Promise<RunResult> {
  const perCollection = Number(env.BENCH_PER_COLLECTION ?? (n >= 10_000 ? 40 : 2));
  const w = workload(n, perCollection, ROWS, 'bench', STANDALONE ? 'Trie' : 'INVERTED');
  const dim = STANDALONE ? 128 : 8;
  const [cp, milvus] = await Promise.all([startControlPlane(), STANDALONE ? startMilvusStandalone() : startMilvusLite()]);
  const r: RunResult = { label: LABEL, n, date: new Date().toISOString(), milvus: STANDALONE ? 'Milvus 2.3 standalone' : 'Milvus Lite', collections: w.collections.length, perCollection, rows: ROWS, concurrency: CONCURRENCY, operatorArgs: EXTRA.join(' '), load: [loadavg()], machine: `${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} free)` };
  const client = sdkClient(milvus.uri);
  try {
    await installCrds(cp);
    await crdServed(kubeConfigFromProvided(cp.kubeconfigYaml));
    const t = Date.now();
    await createCollections(client, w, dim);
    console.log(`\n== N=${n}: ${w.collections.length} collections × ${perCollection} indexes, ${ROWS} rows each, in ${r.milvus} (${s2(Date.now() - t)} s to create); load ${loadavg()}`);
    if (SCENARIOS.has('apply')) { Object.assign(r, await benchApplyAlone(cp, w)); r.load.push(loadavg()); }
    if (SCENARIOS.has('floor')) {
      console.log('floor: SDK createIndex + describeIndex until built ...');
      r.floorS = await runFloor(client, w, CONCURRENCY);
      await dropAllDirectly(client, w);
      r.load.push(loadavg());
    }
    if (SCENARIOS.has('writes')) { Object.assign(r, await benchWriteFloor(cp, client, w)); r.load.push(loadavg()); }
    if (SCENARIOS.has('peer')) { Object.assign(r, await benchPeer(cp, milvus.uri, w, client)); r.load.push(loadavg()); }
    if (SCENARIOS.has('operator')) await benchOperator(cp, milvus.uri, w, r, client);
    report(r);
    return r;
  } finally {
    await client.closeConnection().catch(() => {});
    await Promise.allSettled([cp.stop(), milvus.destroy()]);
  }
}

/**
 * The bench's own clients (8 appliers, the readiness watch, deletes) keep their connections, as kubectl or Argo CD
 * do: client-node alone opens a TLS connection per request, which cost the kube-apiserver ~8 % of its CPU in
 * handshakes during a burst and the bench process 4–6 CPU-s at N = 1,000 (docs/benchmarks.md, session 13).
 */
function benchKubeConfig(cp: ControlPlane): KubeConfig {
  return shareConnections(kubeConfigFromProvided(cp.kubeconfigYaml));
}

async function namespace(cp: ControlPlane, name: string): Promise<string> {
  const res = await cp.kubectl(['create', 'namespace', name]);
  if (res.code !== 0) throw new Error(res.stderr);
  return name;
}

/** kopf says nothing at its default level once it watches: one resource applied, Ready and deleted shows it does. */
async function canary(kc: KubeConfig, ns: string, client: MilvusClient, watch: Awaited<ReturnType<typeof watchReadiness>>, lines: () => string): Promise<void> {
  const c = workload(1, 1, 0, 'canary');
  await createCollections(client, c, 8);
  const def = { ...c.defs[0]!, name: 'canary' };
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...GVR, namespace: ns, body: body(def) });
  await until('the peer: a canary Ready', () => watch.readyAt.has('canary'), 120_000, () => 'not yet', lines);
  await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...GVR, namespace: ns, name: 'canary' });
  await until('the peer: the canary deleted', () => watch.goneAt.has('canary'), 120_000, () => 'not yet', lines);
  watch.readyAt.clear();
  watch.goneAt.clear();
}

/** The same resources applied with no controller running: what the apiserver alone takes to accept them. */
async function benchApplyAlone(cp: ControlPlane, w: Workload): Promise<Partial<RunResult>> {
  console.log('apply alone: the same resources, no controller ...');
  const kc = benchKubeConfig(cp);
  const ns = await namespace(cp, 'apply-alone');
  const s0 = serversCpu(cp);
  const applied = await applyAll(kc, ns, w);
  const out = { applyAloneS: (Math.max(...applied.values()) - Math.min(...applied.values())) / 1000, applyAloneCpuS: cpuSince(cp, s0) };
  await deleteAll(kc, ns, w);
  return out;
}

/** The floor with the contract's Kubernetes requests (write-floor.ts), in its own namespace; indexes dropped after. */
async function benchWriteFloor(cp: ControlPlane, client: MilvusClient, w: Workload): Promise<Partial<RunResult>> {
  console.log('writes: SDK floor + finalizer, Ready status and one Event per resource, fed by a watch ...');
  const kc = benchKubeConfig(cp);
  const ns = await namespace(cp, 'write-floor');
  const floor = await startWriteFloor(kc, ns, client, w, CONCURRENCY);
  // Ready as the bench's own watch sees it, as for the peer and the operator (and the same extra watcher on the apiserver).
  const watch = await watchReadiness(kc, ns);
  try {
    const s0 = serversCpu(cp);
    const applied = await applyAll(kc, ns, w);
    await until('the write floor: every resource Ready', () => watch.readyAt.size >= w.n, READY_TIMEOUT_MS, () => `${watch.readyAt.size}/${w.n} Ready`);
    const out = { writeFloorS: (Math.max(...watch.readyAt.values()) - Math.min(...applied.values())) / 1000, writeFloorCpuS: cpuSince(cp, s0) };
    await releaseWriteFloor(kc, ns, floor.readyAt.keys());
    await deleteAll(kc, ns, w);
    await dropAllDirectly(client, w);
    return out;
  } finally {
    watch.stop();
    await floor.stop();
  }
}

async function benchPeer(cp: ControlPlane, uri: string, w: Workload, client: MilvusClient): Promise<Partial<RunResult>> {
  console.log('peer: kopf + pymilvus ...');
  const venv = await ensurePeerVenv();
  const kc = benchKubeConfig(cp);
  const ns = await namespace(cp, 'peer');
  const peer = await startPeer(venv.kopf, { kubeconfigPath: cp.kubeconfigPath, milvusUri: uri, namespace: ns, concurrency: CONCURRENCY });
  const watch = await watchReadiness(kc, ns);
  let builds: ReturnType<typeof watchBuilds> | undefined;
  try {
    await canary(kc, ns, client, watch, () => peer.lines.slice(-20).join('\n'));
    const w0 = await apiserverWrites(cp);
    const peak = rssPeak(peer.pid);
    const c0 = cpuSeconds(peer.pid);
    const s0 = serversCpu(cp);
    builds = BUILD_WATCH ? watchBuilds(client, w, BUILD_WATCH_MS) : undefined;
    const applied = await applyAll(kc, ns, w);
    await until('the peer: every resource Ready', () => watch.readyAt.size >= w.n, READY_TIMEOUT_MS, () => `${watch.readyAt.size}/${w.n} Ready`, () => peer.lines.slice(-20).join('\n'));
    const t1 = Math.min(...applied.values());
    const peerBuilds = builds ? await buildsOf(builds, applied, watch.readyAt, w) : undefined;
    const cpu = { peer: cpuSeconds(peer.pid) - c0, ...cpuSince(cp, s0) };
    const writes = diff(await apiserverWrites(cp), w0);
    writes.set('POST milvusindexes', (writes.get('POST milvusindexes') ?? 0) - w.n);
    const lat = [...watch.readyAt].map(([k, v]) => v - applied.get(k)!);
    const out = { peerVersions: venv.versions, peerS: (Math.max(...watch.readyAt.values()) - t1) / 1000, peerRssMiB: peak.stop(), peerReadyP50: pct(lat, 50) / 1000, peerWritesPerRes: Object.fromEntries([...writes].filter(([, v]) => v).map(([k, v]) => [k, v / w.n])), peerCpuS: cpu, ...(peerBuilds ? { peerBuiltS: peerBuilds.builtS, peerReadyAfterBuiltP: peerBuilds.p } : {}) };
    await deleteAll(kc, ns, w);
    await until('the peer: every resource deleted', () => watch.goneAt.size >= w.n, READY_TIMEOUT_MS, () => `${watch.goneAt.size}/${w.n} gone`, () => peer.lines.slice(-20).join('\n'));
    return out;
  } finally {
    watch.stop();
    await builds?.stop();
    await peer.stop();
  }
}

async function benchOperator(cp: ControlPlane, uri: string, w: Workload, r: RunResult, milvusClient: MilvusClient): Promise<void> {
  const kc = benchKubeConfig(cp);
  const ns = await namespace(cp, 'operator');
  const opts = { kubeconfigPath: cp.kubeconfigPath, milvusUri: uri, namespace: ns, concurrency: CONCURRENCY, resync: RESYNC, extraArgs: EXTRA, ...(env.BENCH_CPU_PROF ? { cpuProfDir: env.BENCH_CPU_PROF } : {}) };
  if (opts.cpuProfDir) mkdirSync(opts.cpuProfDir, { recursive: true });
  console.log(`operator: ${EXTRA.join(' ') || 'default flags'}; node ${operatorNodeArgs().join(' ')}, NODE_OPTIONS=${JSON.stringify(operatorNodeOptions())} ...`);
  let op = await startOperator(opts);
  r.operatorStartRssMiB = rssMiB(op.pid);
  const started = memorySplit(op.pid);
  console.log(`  ... the operator started (controllers running): RSS ${r.operatorStartRssMiB} MiB`);
  const watch = await watchReadiness(kc, ns);
  let builds: ReturnType<typeof watchBuilds> | undefined;
  try {
    const peak = rssPeak(op.pid);
    const c0 = cpuSeconds(op.pid);
    const s0 = serversCpu(cp);
    builds = BUILD_WATCH ? watchBuilds(milvusClient, w, BUILD_WATCH_MS) : undefined;
    const applied = await applyAll(kc, ns, w);
    await until('the operator: every resource Ready', () => watch.readyAt.size >= w.n, READY_TIMEOUT_MS, () => `${watch.readyAt.size}/${w.n} Ready`, () => op.lines.slice(-20).join('\n'));
    const t1 = Math.min(...applied.values());
    if (builds) {
      const b = await buildsOf(builds, applied, watch.readyAt, w);
      r.operatorBuiltS = b.builtS;
      r.readyAfterBuiltP = b.p;
    }
    r.operatorS = (Math.max(...watch.readyAt.values()) - t1) / 1000;
    r.operatorCpuS = cpuSeconds(op.pid) - c0;
    r.operatorCpuSplitS = { operator: r.operatorCpuS, ...cpuSince(cp, s0) };
    r.operatorRssMiB = peak.stop();
    r.operatorMemory = { started, allReady: memorySplit(op.pid), idle: { anon: NaN, file: NaN } };
    const created = createIndexTimes(op);
    const toCreate = [...created].map(([k, v]) => v - applied.get(k)!);
    const toReady = [...watch.readyAt].map(([k, v]) => v - applied.get(k)!);
    r.createP = [50, 95, 99].map((p) => pct(toCreate, p));
    r.readyP = [50, 95, 99].map((p) => pct(toReady, p));
    const m = await operatorMetrics(op.port);
    r.kubeWritesPerRes = Object.fromEntries([...sumBy(m, 'milvusindex_kube_writes_total', 'kind')].map(([k, v]) => [k, v / w.n]));
    r.milvusCallsPerRes = Object.fromEntries([...sumBy(m, 'milvus_request_duration_seconds_count', 'method')].map(([k, v]) => [k, v / w.n]));
    r.applyWindowS = (Math.max(...applied.values()) - t1) / 1000;
    const msPerCall = (sum: Map<string, number>, count: Map<string, number>): Record<string, number> => Object.fromEntries([...count].map(([k, c]) => [k, (1000 * (sum.get(k) ?? 0)) / c]));
    r.milvusMeanMs = msPerCall(sumBy(m, 'milvus_request_duration_seconds_sum', 'method'), sumBy(m, 'milvus_request_duration_seconds_count', 'method'));
    r.reconcileMeanMs = msPerCall(sumBy(m, 'controller_runtime_reconcile_time_seconds_sum', 'controller'), sumBy(m, 'controller_runtime_reconcile_time_seconds_count', 'controller'))['milvusindex'];
    r.reconciles = total(sumBy(m, 'controller_runtime_reconcile_total', 'controller', (l) => l.controller === 'milvusindex'));
    r.load.push(loadavg());
    if (opts.cpuProfDir) { await op.stop(); op = await startOperator({ ...opts, cpuProfDir: undefined }); }
    if (SCENARIOS.has('onebyone')) await oneByOne(kc, ns, op, watch, milvusClient, r);
    if (SCENARIOS.has('idle')) await idle(op, w, r);
    if (SCENARIOS.has('restart')) op = await restart(op, opts, w, r);
  } finally {
    watch.stop();
    await builds?.stop();
    await op.stop();
    if (env.BENCH_OPERATOR_LOG) writeFileSync(env.BENCH_OPERATOR_LOG, op.lines.join('\n') + '\n');
  }
}

/** Waits (≤ 60 s) until the build watch saw every index built, stops it: apply → all built, Ready − built p50/p95/max. */
async function buildsOf(builds: ReturnType<typeof watchBuilds>, applied: Map<string, number>, readyAt: Map<string, number>, w: Workload): Promise<{ builtS: number; p: number[] }> {
  await until('the build watch: every index built', () => builds.builtAt.size >= w.n, 60_000, () => `${builds.builtAt.size}/${w.n} built`).finally(() => builds.stop());
  const lag = [...readyAt].filter(([k]) => builds.builtAt.has(k)).map(([k, v]) => v - builds.builtAt.get(k)!);
  const builtS = (Math.max(...builds.builtAt.values()) - Math.min(...applied.values())) / 1000;
  return { builtS, p: p50p95max(lag) };
}

/**
 * With everything Ready, applies 20 more resources (on 10 collections of their own, 20 rows each, so builds are short
 * on either Milvus) one at a time, each once the previous one is Ready: the latency a single `kubectl apply` sees,
 * without a burst's queue. Deletes them after and waits until they are gone, so idle and restart see the same N.
 */
async function oneByOne(kc: KubeConfig, ns: string, op: Awaited<ReturnType<typeof startOperator>>, watch: Awaited<ReturnType<typeof watchReadiness>>, client: MilvusClient, r: RunResult): Promise<void> {
  console.log('one by one: 20 resources applied one at a time, everything else Ready ...');
  const one = workload(20, 2, 20, 'onebyone', STANDALONE ? 'Trie' : 'INVERTED');
  await createCollections(client, one, STANDALONE ? 128 : 8);
  const defs = one.defs.map((d) => ({ ...d, name: `one-${d.name}` }));
  const api = kc.makeApiClient(CustomObjectsApi);
  const applied = new Map<string, number>();
  for (const d of defs) {
    applied.set(d.name, Date.now());
    await api.createNamespacedCustomObject({ ...GVR, namespace: ns, body: body(d) });
    await until(`one by one: ${d.name} Ready`, () => watch.readyAt.has(d.name), READY_TIMEOUT_MS, () => 'not yet', () => op.lines.slice(-20).join('\n'));
  }
  const created = createIndexTimes(op);
  r.oneByOneCreateP = p50p95max(defs.map((d) => created.get(d.name)! - applied.get(d.name)!));
  r.oneByOneReadyP = p50p95max(defs.map((d) => watch.readyAt.get(d.name)! - applied.get(d.name)!));
  for (const d of defs) await api.deleteNamespacedCustomObject({ ...GVR, namespace: ns, name: d.name });
  await until('one by one: the 20 deleted', () => defs.every((d) => watch.goneAt.has(d.name)), READY_TIMEOUT_MS, () => `${defs.filter((d) => watch.goneAt.has(d.name)).length}/20 gone`, () => op.lines.slice(-20).join('\n'));
}

/** Stops the operator and starts a new one over everything Ready: time until all are re-verified, writes. */
async function restart(old: Awaited<ReturnType<typeof startOperator>>, opts: Parameters<typeof startOperator>[0], w: Workload, r: RunResult): Promise<Awaited<ReturnType<typeof startOperator>>> {
  console.log('restart ...');
  await old.stop();
  const t0 = Date.now();
  const op = await startOperator(opts);
  for (;;) {
    const v = (await operatorMetrics(op.port)).filter((s) => s.name === 'milvusindex_last_verified_timestamp_seconds' && s.value * 1000 >= t0).length;
    if (v >= w.n) break;
    if (Date.now() - t0 > READY_TIMEOUT_MS) throw new Error(`restart: ${v}/${w.n} re-verified`);
    await sleep(100);
  }
  r.restartS = (Date.now() - t0) / 1000;
  r.restartWrites = total(sumBy(await operatorMetrics(op.port), 'milvusindex_kube_writes_total'));
  r.restartRssMiB = rssMiB(op.pid);
  r.load.push(loadavg());
  return op;
}

async function idle(op: Awaited<ReturnType<typeof startOperator>>, w: Workload, r: RunResult): Promise<void> {
  const m0 = await operatorMetrics(op.port);
  const c0 = cpuSeconds(op.pid);
  console.log(`idle for ${s2(IDLE_MS)} s (resync period ${RESYNC}) ...`);
  await sleep(IDLE_MS);
  const m1 = await operatorMetrics(op.port);
  const cpu = cpuSeconds(op.pid) - c0;
  if (r.operatorMemory) r.operatorMemory.idle = memorySplit(op.pid);
  const calls = diff(sumBy(m1, 'milvus_request_duration_seconds_count', 'method'), sumBy(m0, 'milvus_request_duration_seconds_count', 'method'));
  const resyncs = (IDLE_MS / parseDuration(RESYNC));
  r.idle = {
    seconds: IDLE_MS / 1000, resync: RESYNC, cpuPct: (cpu / (IDLE_MS / 1000)) * 100, rssMiB: rssMiB(op.pid),
    kubeWrites: total(diff(sumBy(m1, 'milvusindex_kube_writes_total'), sumBy(m0, 'milvusindex_kube_writes_total'))),
    reconciles: total(diff(sumBy(m1, 'controller_runtime_reconcile_total', '', (l) => l.controller === 'milvusindex'), sumBy(m0, 'controller_runtime_reconcile_total', '', (l) => l.controller === 'milvusindex'))),
    milvusCallsPerCollectionPerResync: Object.fromEntries([...calls].map(([k, v]) => [k, v / w.collections.length / resyncs])),
    heapMiB: Object.fromEntries(['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes'].map((name) => [name.replace(/^nodejs_|_bytes$/g, ''), total(sumBy(m1, name)) / 2 ** 20])),
  };
  r.load.push(loadavg());
}

function cpuLine(m: Record<string, number> | undefined): string {
  return m ? Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ') : '—';
}

function report(r: RunResult): void {
  const f = (x: number | undefined, d = 2): string => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
  table(`apply → all Ready, N=${r.n} (${r.collections} collections, ${r.milvus}, concurrency ${r.concurrency}, label ${r.label}); load ${r.load.join(' | ')}`, ['', 'apply → all Ready (s)', 'ratio to floor', 'RSS peak (MiB)'], [
    ['floor: SDK createIndex + poll until built', f(r.floorS), '1.00', '—'],
    ['apply alone: the same resources created, no controller', f(r.applyAloneS), f(r.applyAloneS && r.floorS ? r.applyAloneS / r.floorS : undefined), '—'],
    ['floor + writes: the floor with finalizer, Ready status, one Event', f(r.writeFloorS), f(r.writeFloorS && r.floorS ? r.writeFloorS / r.floorS : undefined), '—'],
    ['peer: kopf + pymilvus', f(r.peerS), f(r.peerS && r.floorS ? r.peerS / r.floorS : undefined), f(r.peerRssMiB, 0)],
    [`milvus-index-operator ${r.operatorArgs}`, f(r.operatorS), f(r.operatorS && r.floorS ? r.operatorS / r.floorS : undefined), f(r.operatorRssMiB, 0)],
  ]);
  if (r.operatorS !== undefined) {
    table('operator per resource', ['', 'p50', 'p95', 'p99'], [
      ['apply → createIndex returned (ms)', ...(r.createP ?? []).map((x) => f(x, 0))],
      ['apply → Ready (ms)', ...(r.readyP ?? []).map((x) => f(x, 0))],
    ]);
    if (r.oneByOneCreateP) {
      table('one at a time: 20 resources applied each after the last is Ready, everything else Ready', ['', 'p50', 'p95', 'max'], [
        ['apply → createIndex returned (ms)', ...r.oneByOneCreateP.map((x) => f(x, 0))],
        ['apply → Ready (ms)', ...(r.oneByOneReadyP ?? []).map((x) => f(x, 0))],
      ]);
    }
    if (r.readyAfterBuiltP) {
      table(`long builds: each index's build end as the bench's own ${BUILD_WATCH_MS} ms poll saw it, in the same run`, ['', 'apply → all built (s)', 'apply → all Ready (s)', 'Ready − built p50 / p95 / max (ms)'], [
        ['peer: kopf + pymilvus', f(r.peerBuiltS), f(r.peerS), (r.peerReadyAfterBuiltP ?? []).map((x) => f(x, 0)).join(' / ') || '—'],
        ['milvus-index-operator', f(r.operatorBuiltS), f(r.operatorS), r.readyAfterBuiltP.map((x) => f(x, 0)).join(' / ')],
      ]);
    }
    table('per resource to Ready', ['', 'by kind / method'], [
      ['operator Kubernetes writes', perRes(new Map(Object.entries(r.kubeWritesPerRes ?? {})), 1)],
      ['operator Milvus calls', perRes(new Map(Object.entries(r.milvusCallsPerRes ?? {})), 1)],
      ['peer Kubernetes writes (apiserver counters)', perRes(new Map(Object.entries(r.peerWritesPerRes ?? {})), 1)],
    ]);
    table('where the operator\'s time goes', ['', ''], [
      ['apply window: first → last resource created (s)', f(r.applyWindowS)],
      ['operator CPU during apply → all Ready (s)', f(r.operatorCpuS)],
      ['CPU s during apply → all Ready, operator run', cpuLine(r.operatorCpuSplitS)],
      ['CPU s during the apply alone (no controller)', cpuLine(r.applyAloneCpuS)],
      ['CPU s during apply → all Ready, floor + writes', cpuLine(r.writeFloorCpuS)],
      ['CPU s during apply → all Ready, peer run', cpuLine(r.peerCpuS)],
      ['reconciles (per resource), mean time (ms)', `${r.reconciles ?? '—'} (${f(r.reconciles === undefined ? undefined : r.reconciles / r.n)}), ${f(r.reconcileMeanMs, 1)}`],
      ['Milvus mean latency by method (ms)', Object.entries(r.milvusMeanMs ?? {}).sort().map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ') || '—'],
    ]);
  }
  if (r.idle) table(`idle ${r.idle.seconds} s, resync ${r.idle.resync}`, ['', ''], [
    ['CPU (% of a core)', f(r.idle.cpuPct)], ['RSS (MiB)', f(r.idle.rssMiB, 0)], ['Kubernetes writes', r.idle.kubeWrites], ['reconciles', r.idle.reconciles],
    ['Milvus calls per collection per resync', perRes(new Map(Object.entries(r.idle.milvusCallsPerCollectionPerResync)), 1)],
    ['V8 heap / external (MiB)', perRes(new Map(Object.entries(r.idle.heapMiB ?? {})), 1)],
  ]);
  if (r.operatorMemory) {
    const m = r.operatorMemory;
    table('operator RSS split (MiB, /proc/<pid>/smaps_rollup)', ['', 'anonymous', 'file-backed'], (['started', 'allReady', 'idle'] as const).map((k) => [k, f(m[k].anon, 1), f(m[k].file, 1)]));
  }
  if (r.restartS !== undefined) table('restart with everything Ready', ['', ''], [['time until all re-verified (s)', f(r.restartS)], ['Kubernetes writes', r.restartWrites ?? '—'], ['RSS (MiB)', f(r.restartRssMiB, 0)]]);
}

async function main(): Promise<void> {
  if (env.BENCH_RENDER_ONLY === '1') return record([]);
  const results: RunResult[] = [];
  for (const n of NS) results.push(await benchOne(n));
  if (env.BENCH_RECORD !== '0') record(results);
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
