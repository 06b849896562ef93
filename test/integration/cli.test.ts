// The shipped CLI (dist/src/main.js, run with the project's Node 24) against the REAL
// kube-apiserver + etcd and a REAL Milvus Lite, driven with the harness's kubectl, as a person would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { run } from '../support/proc.js';

const SERVERS = '[kube-apiserver + milvus-lite, CLI process]';
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js');

describe(`milvus-index-operator CLI ${SERVERS}`, () => {
  let ns: string;
  let client: MilvusClient;
  let child: ChildProcess | undefined;
  let output = '';
  const kubectl = (args: string[], input?: string) =>
    run(join(inject('kubeBinDir'), 'kubectl'), args, { env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') }, ...(input ? { input } : {}) });

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (make test does)`);
    ns = await createTestNamespace(kubeConfigFromProvided(inject('kubeconfigYaml')), 'cli');
    client = sdkClient(inject('milvusUri'));
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
    await client?.closeConnection();
  });

  it('prints every flag with its environment variable in --help', async () => {
    const res = await run(process.execPath, [CLI, '--help']);
    expect(res.code).toBe(0);
    for (const flag of ['--namespace', '--concurrency', '--resync-period', '--leader-elect', '--metrics-bind-address', '--health-probe-bind-address', '--log-level', '--milvus-uri', '--milvus-database', '--default-connection-namespaces']) {
      expect(res.stdout).toContain(flag);
    }
    for (const env of ['MILVUS_URI', 'MILVUS_TOKEN', 'MILVUS_USERNAME', 'MILVUS_PASSWORD', 'KUBECONFIG']) expect(res.stdout).toContain(env);
  });

  it('exits non-zero with a clear message on a bad flag or an unreachable API server', async () => {
    const bad = await run(process.execPath, [CLI, '--concurrency', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--concurrency');
    const unreachable = await run(process.execPath, [CLI], { env: { ...process.env, KUBECONFIG: join(import.meta.dirname, 'fixtures', 'unreachable.kubeconfig') } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1/);
  });

  it(`kubectl explain describes the spec ${SERVERS}`, async () => {
    const res = await kubectl(['explain', 'milvusindex.spec']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('collectionName');
    expect(res.stdout).toContain('updatePolicy');
    expect(res.stdout).toMatch(/Immutable/);
  });

  it(`a MilvusIndex applied with kubectl goes Ready; kubectl delete drops the index ${SERVERS}`, async () => {
    const collection = uniqueCollection('cli');
    await createCollection(client, collection);
    child = spawn(process.execPath, [CLI, '--namespace', ns, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0'], {
      env: { ...process.env, KUBECONFIG: inject('kubeconfigPath'), MILVUS_URI: inject('milvusUri') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    const manifest = `apiVersion: index.milvus.io/v1alpha1
kind: MilvusIndex
metadata: { name: by-hand, namespace: ${ns} }
spec: { collectionName: ${collection}, fieldName: vec, indexType: IVF_FLAT, metricType: L2, params: { nlist: 16 }, allowCollectionRelease: true }
`;
    const applied = await kubectl(['apply', '-f', '-'], manifest);
    expect(applied.code, applied.stderr).toBe(0);
    const waited = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'mvi/by-hand', '--timeout=60s']);
    expect(waited.code, `${waited.stderr}\noperator output:\n${output}`).toBe(0);
    const got = await kubectl(['get', '-n', ns, 'mvi', 'by-hand']);
    expect(got.stdout).toMatch(/by-hand\s+\S+\s+vec\s+IVF_FLAT\s+100%\s+True\s+IndexBuilt/);
    expect(await describeIndexes(client, collection)).toHaveLength(1);
    // The metrics and probe endpoints of the running process.
    const portOf = (msg: string) => Number(/"port":(\d+)[^\n]*"msg":"/.exec(output.split('\n').find((l) => l.includes(`"msg":"${msg}"`)) ?? '')?.[1]);
    const metricsPort = portOf('metrics endpoint listening');
    const healthPort = portOf('health endpoint listening');
    expect(metricsPort).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const name of ['controller_runtime_reconcile_total', 'controller_runtime_reconcile_time_seconds', 'workqueue_depth', 'milvusindex_build_progress_ratio', 'milvusindex_time_to_ready_seconds', 'milvus_request_duration_seconds', 'milvusindex_kube_writes_total']) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="milvusindex",result="success"\} [1-9]/);
    expect(metrics).toMatch(/milvus_request_duration_seconds_count\{method="createIndex",outcome="success"\} 1/);
    // Every request to the API server is counted (lists/watches are GETs, the status write a PATCH).
    expect(metrics).toMatch(/rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} [1-9]/);
    expect(metrics).toMatch(/rest_client_requests_total\{code="200",method="PATCH",host="127\.0\.0\.1:\d+"\} [1-9]/);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(metrics).toContain(`milvus_index_operator_build_info{version="${version}",node_version="${process.version}"} 1`);
    expect(metrics).toContain(`milvusindex_status_condition{namespace="${ns}",name="by-hand",type="Ready",status="True"} 1`);
    expect(metrics).toContain(`milvusindex_status_condition{namespace="${ns}",name="by-hand",type="Ready",status="False"} 0`);
    expect(metrics).toContain(`milvusindex_status_condition{namespace="${ns}",name="by-hand",type="Stalled",status="False"} 1`);
    // A MilvusConnection is reconciled by its own controller, which exports the same metrics under its own label.
    const connection = `apiVersion: index.milvus.io/v1alpha1
kind: MilvusConnection
metadata: { name: lite, namespace: ${ns} }
spec: { uri: "${inject('milvusUri')}" }
`;
    const appliedConnection = await kubectl(['apply', '-f', '-'], connection);
    expect(appliedConnection.code, appliedConnection.stderr).toBe(0);
    const connected = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'milvusconnection/lite', '--timeout=60s']);
    expect(connected.code, `${connected.stderr}\noperator output:\n${output}`).toBe(0);
    const withConnection = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(withConnection).toMatch(/controller_runtime_reconcile_total\{controller="milvusconnection",result="success"\} [1-9]/);
    expect(withConnection).toMatch(/controller_runtime_reconcile_time_seconds_count\{controller="milvusconnection"\} [1-9]/);
    expect(withConnection).toMatch(/workqueue_adds_total\{name="milvusconnection"\} [1-9]/);
    expect(withConnection).toContain('controller_runtime_max_concurrent_reconciles{controller="milvusconnection"} 2');
    expect(withConnection).toContain(`milvusconnection_status_condition{kind="MilvusConnection",namespace="${ns}",name="lite",type="Ready",status="True"} 1`);
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
    const deleted = await kubectl(['delete', '-n', ns, 'mvi/by-hand', '--timeout=60s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await describeIndexes(client, collection)).toEqual([]);
    const deletedConnection = await kubectl(['delete', '-n', ns, 'milvusconnection/lite', '--timeout=60s']);
    expect(deletedConnection.code, deletedConnection.stderr).toBe(0);
    // The per-resource condition series go with their resources (once the operator's cache saw the deletions).
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await expect.poll(scrape, { timeout: 10_000, interval: 200 }).not.toContain('name="by-hand"');
    await expect.poll(scrape, { timeout: 10_000, interval: 200 }).not.toContain('name="lite"');
    // Graceful shutdown: SIGTERM ends the process with exit code 0.
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
    expect(output).toContain('"msg":"stopped"');
  });

  it(`grpc-js' own messages (here its subchannel trace) come out as JSON log lines of the operator, nothing on stderr ${SERVERS}`, async () => {
    const collection = uniqueCollection('cligrpc');
    await createCollection(client, collection);
    let stdout = '';
    let stderr = '';
    child = spawn(process.execPath, [CLI, '--namespace', ns, '--log-level', 'debug', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0'], {
      env: { ...process.env, KUBECONFIG: inject('kubeconfigPath'), MILVUS_URI: inject('milvusUri'), GRPC_VERBOSITY: 'DEBUG', GRPC_TRACE: 'subchannel' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const applied = await kubectl(['apply', '-f', '-'], `apiVersion: index.milvus.io/v1alpha1
kind: MilvusIndex
metadata: { name: traced, namespace: ${ns} }
spec: { collectionName: ${collection}, fieldName: vec, indexType: FLAT, metricType: L2, allowCollectionRelease: true }
`);
    expect(applied.code, applied.stderr).toBe(0);
    const waited = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'mvi/traced', '--timeout=60s']);
    expect(waited.code, `${waited.stderr}\noperator output:\n${stdout}${stderr}`).toBe(0);
    const deleted = await kubectl(['delete', '-n', ns, 'mvi/traced', '--timeout=60s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;

    const lines = stdout.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return l; } });
    expect(lines.filter((l) => typeof l === 'string'), 'every stdout line is JSON').toEqual([]);
    const grpc = (lines as Array<Record<string, unknown>>).filter((l) => l.source === 'grpc-js');
    expect(grpc.length, 'grpc-js trace lines routed into the log').toBeGreaterThan(0);
    expect(grpc.every((l) => l.level === 'debug' && l.msg === 'grpc transport event' && typeof l.detail === 'string')).toBe(true);
    expect(stderr, 'nothing written around the JSON log').toBe('');
  });
});
