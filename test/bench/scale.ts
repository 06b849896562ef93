// Benchmark: N MilvusIndexes from apply to Ready through the operator CLI, against the same N createIndex
// calls issued directly through the SDK at the same concurrency; then an idle resync period.
// Prints tables. Real local kube-apiserver + etcd and Milvus Lite (the test harness).
// Run: make bench   (BENCH_N=1000 make bench for the design's scale target)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { startControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { kubeConfigFromProvided } from '../support/kube.js';
import { startMilvusLite } from '../support/milvus-lite.js';
import { createCollection, sdkClient } from '../support/milvus.js';

const N = Number(process.env.BENCH_N ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const RESYNC_S = Number(process.env.BENCH_RESYNC_S ?? 20);
const ROOT = join(import.meta.dirname, '..', '..');

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
function table(title: string, rows: [string, string | number][]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}
async function metric(port: number, re: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) { const m = re.exec(line); if (m) sum += Number(line.split(' ').pop()); }
  return sum;
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const [cp, lite] = await Promise.all([startControlPlane(), startMilvusLite()]);
  try {
    await installCrds(cp);
    const client = sdkClient(lite.uri);
    console.log(`creating ${2 * N} collections in Milvus Lite ${lite.uri} ...`);
    for (let i = 0; i < N; i++) { await createCollection(client, `bench_op_${i}`); await createCollection(client, `bench_sdk_${i}`); }

    // Baseline: the same createIndex calls directly through the SDK, CONCURRENCY at a time.
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < N; i = next++) {
        await client.createIndex({ collection_name: `bench_sdk_${i}`, field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } } as Parameters<typeof client.createIndex>[0]);
      }
    }));
    const sdkSeconds = (performance.now() - t0) / 1000;

    const operator = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), '--namespace', 'default', '--concurrency', String(CONCURRENCY), '--resync-period', `${RESYNC_S}s`, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'info', '--kube-api-qps', '200', '--kube-api-burst', '400'], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, MILVUS_URI: lite.uri }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    operator.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const deadline = Date.now() + 30_000;
    let port = 0;
    while (!port && Date.now() < deadline) { port = Number(/"port":(\d+),"msg":"metrics endpoint listening"/.exec(out)?.[1] ?? 0); await new Promise((r) => setTimeout(r, 50)); }
    while (!out.includes('"msg":"controller started"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const kc = kubeConfigFromProvided(cp.kubeconfigYaml);
    const api = kc.makeApiClient(CustomObjectsApi);
    const gvr = { group: 'index.milvus.io', version: 'v1alpha1', plural: 'milvusindexes', namespace: 'default' };
    const created = new Map<string, number>();
    const t1 = performance.now();
    next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = next++; i < N; i = next++) {
        created.set(`bench-${i}`, performance.now());
        await api.createNamespacedCustomObject({ ...gvr, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusIndex', metadata: { name: `bench-${i}` }, spec: { collectionName: `bench_op_${i}`, fieldName: 'vec', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 }, allowCollectionRelease: true } } });
      }
    }));
    const readyAt = new Map<string, number>();
    while (readyAt.size < N) {
      const list = (await api.listNamespacedCustomObject(gvr)) as { items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
      const now = performance.now();
      for (const o of list.items) if (!readyAt.has(o.metadata.name) && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt.set(o.metadata.name, now);
      await new Promise((r) => setTimeout(r, 100));
    }
    const opSeconds = (Math.max(...readyAt.values()) - t1) / 1000;
    const latencies = [...readyAt].map(([n, t]) => (t - created.get(n)!) / 1000);
    const statusWrites = await metric(port, /^milvusindex_kube_writes_total\{kind="status"\}/);
    const finalizerWrites = await metric(port, /^milvusindex_kube_writes_total\{kind="finalizer"\}/);
    const creates = await metric(port, /^milvus_request_duration_seconds_count\{method="createIndex"/);

    table(`apply → Ready, N=${N}, concurrency ${CONCURRENCY} (kube-apiserver 1.37 + Milvus Lite)`, [
      ['SDK createIndex directly (s)', sdkSeconds.toFixed(2)],
      ['operator, apply → all Ready (s)', opSeconds.toFixed(2)],
      ['ratio operator / SDK', (opSeconds / sdkSeconds).toFixed(2)],
      ['per resource apply → Ready p50 (s)', pct(latencies, 50).toFixed(2)],
      ['per resource apply → Ready p95 (s)', pct(latencies, 95).toFixed(2)],
      ['status writes per resource', (statusWrites / N).toFixed(2)],
      ['finalizer writes per resource', (finalizerWrites / N).toFixed(2)],
      ['createIndex calls', creates],
      ['operator RSS after Ready (MiB)', rssMiB(operator.pid!).toFixed(0)],
    ]);

    // Idle: one full resync period (plus jitter) with everything Ready.
    const w0 = await metric(port, /^milvusindex_kube_writes_total/);
    const m0 = await metric(port, /^milvus_request_duration_seconds_count/);
    const c0 = cpuSeconds(operator.pid!);
    const idleS = RESYNC_S * 1.2;
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const w1 = await metric(port, /^milvusindex_kube_writes_total/);
    const m1 = await metric(port, /^milvus_request_duration_seconds_count/);
    const c1 = cpuSeconds(operator.pid!);
    table(`idle for ${idleS}s (resync period ${RESYNC_S}s)`, [
      ['Kubernetes writes', w1 - w0],
      ['Milvus calls', m1 - m0],
      ['Milvus calls per resource', ((m1 - m0) / N).toFixed(2)],
      ['CPU (% of a core)', (((c1 - c0) / idleS) * 100).toFixed(2)],
      ['operator RSS (MiB)', rssMiB(operator.pid!).toFixed(0)],
    ]);
    operator.kill('SIGTERM');
    await new Promise((r) => operator.once('exit', r));
    await client.closeConnection();
  } finally {
    await Promise.allSettled([cp.stop(), lite.destroy()]);
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
