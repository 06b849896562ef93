// Restart invariants (issue: lifetimes). REAL kube-apiserver + etcd, REAL Milvus Lite, the real
// Operator in-process (stop() is what SIGTERM does; a new Operator is a new process's start-up).
// "A restart writes nothing": with every resource Ready, a restart changes no resourceVersion (no
// status, finalizer or metadata write), records no Event and makes no Milvus write — for every kind of
// connection, whether the process stops gracefully, is killed with SIGKILL (the built CLI as a child
// process), or hands leadership over (kill -9 of the leader: the Lease expires; SIGTERM: it is released).
// And a connection waiting on its in-use finalizer survives a restart, graceful or kill -9, until its last
// user is gone (no "in use" count is ever taken on an unsynced cache).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONNECTION_FINALIZER } from '../../src/api/connection.js';
import { issueServerCertificate } from '../support/certs.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { eventOccurrences } from '../support/events.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import { cleanEnv, OperatorProcess } from '../support/operator-process.js';
import { waitFor } from '../support/proc.js';

const SERVERS = '[kube-apiserver + milvus-lite]';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };
const PER_KIND = 4;
const SERVER_NAME = 'milvus.restart.test.local';
const TOKEN = 'tok-restart-5d1e9a';
const LEASE_GAUGE = 'leader_election_master_status{name="milvus-index-operator.index.milvus.io"}';

/** Sum of every sample of `metric` (any labels) in a Prometheus text exposition. */
function sumOf(exposition: string, metric: string): number {
  return exposition.split('\n').filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe(`restarts change nothing ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let objects: CustomObjectsApi;
  let core: CoreV1Api;
  let client: MilvusClient;
  let mis: MilvusIndexes;
  let op: TestOperator | undefined;
  const clusterConnection = `restart-shared-${process.pid}`;
  let proxy: AuthProxy | undefined;

  const start = async () => {
    op = await startTestOperator(kc, ns, ['--resync-period', '10m'], { MILVUS_URI: inject('milvusUri') });
    return op;
  };
  const restart = async () => {
    await op?.stop();
    return start();
  };
  /** Every resource of the namespace has been observed against Milvus by this process, and no worker is busy. */
  const settled = async (o: TestOperator, names: string[]) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const verified = new Set((await o.metrics.lastVerified.get()).values.map((v) => v.labels.name));
      const busy = (await o.metrics.activeWorkers.get()).values.reduce((s, v) => s + v.value, 0);
      const depth = (await o.metrics.queueDepth.get()).values.reduce((s, v) => s + v.value, 0);
      if (names.every((n) => verified.has(n)) && busy === 0 && depth === 0) return;
      if (Date.now() > deadline) throw new Error(`not every resource was re-verified within 60 s: ${names.filter((n) => !verified.has(n)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const versions = async () => {
    const idx = (await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns })) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> };
    const conns = (await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns })) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> };
    const cluster = (await objects.getClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', name: clusterConnection })) as { metadata: { resourceVersion: string } };
    return {
      ...Object.fromEntries(idx.items.map((o) => [`mvi/${o.metadata.name}`, o.metadata.resourceVersion])),
      ...Object.fromEntries(conns.items.map((o) => [`mc/${o.metadata.name}`, o.metadata.resourceVersion])),
      [`cmc/${clusterConnection}`]: cluster.metadata.resourceVersion,
    };
  };
  const eventCount = () => eventOccurrences(kc, ns);

  // The built CLI as child processes (what kill -9 and a leader hand-over need).
  const procs: OperatorProcess[] = [];
  const spawn = (name: string, extra: string[] = []) => {
    const p = new OperatorProcess(name, [
      '--namespace', ns, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--resync-period', '10m', '--shutdown-timeout', '10s', ...extra,
    ], cleanEnv({ KUBECONFIG: inject('kubeconfigPath'), MILVUS_URI: inject('milvusUri') }));
    procs.push(p);
    return p;
  };
  const spawnCandidate = (name: string) => spawn(name, ['--leader-elect', '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms']);
  /** `p` has observed every resource in `expected` against Milvus, its queues are empty and no worker is busy. */
  const processSettled = (p: OperatorProcess, expected: string[]) => waitFor(`${p.name}: every resource re-verified, queues empty`, async () => {
    const { body } = await p.get('metrics', '/metrics');
    const verified = expected.every((n) => body.includes(`milvusindex_last_verified_timestamp_seconds{namespace="${ns}",name="${n}"}`));
    return verified && sumOf(body, 'workqueue_depth') === 0 && sumOf(body, 'controller_runtime_active_workers') === 0;
  }, { timeoutMs: 60_000, intervalMs: 200, abort: () => (p.exitCode !== undefined ? `${p.name} exited with ${p.exitCode}:\n${p.logTail(20)}` : undefined) });
  const leads = async (p: OperatorProcess) => p.exitCode === undefined && (await p.metric(LEASE_GAUGE)) === 1;
  /** The "writes nothing" invariant against a snapshot: no object written, no Event, no Milvus write for a Ready resource by any process. */
  const expectUnchanged = async (label: string, before: Record<string, string>, eventsBefore: number) => {
    expect(await versions(), `${label}: no object was written (resourceVersions unchanged)`).toEqual(before);
    expect(await eventCount(), `${label}: no Event recorded`).toBe(eventsBefore);
    expect(procs.flatMap((p) => p.milvusWriteLines().filter((l) => l.namespace === ns && names.includes(String(l.name)))), `${label}: no Milvus write for the Ready resources`).toEqual([]);
  };

  const spec = (collectionName: string, connectionRef?: { kind: 'MilvusConnection' | 'ClusterMilvusConnection'; name: string }) => ({
    ...(connectionRef ? { connectionRef } : {}), collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true,
  });
  const names: string[] = [];

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    objects = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    client = sdkClient(inject('milvusUri'));
    ns = await createTestNamespace(kc, 'restart');
    mis = new MilvusIndexes(kc, ns);
    await objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'lite' }, spec: { uri: inject('milvusUri') } } });
    // The cluster connection goes through a TLS-terminating, token-checking proxy (Milvus Lite has neither).
    const certs = await issueServerCertificate(SERVER_NAME);
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), tls: { certPem: certs.certPem, keyPem: certs.keyPem }, credentials: [TOKEN] });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'milvus-ca' }, stringData: { 'ca.crt': certs.caPem } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'milvus-token' }, stringData: { token: TOKEN } } });
    await objects.createClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'ClusterMilvusConnection', metadata: { name: clusterConnection }, spec: {
      uri: proxy.address, allowedNamespaces: { from: 'All' },
      tls: { enabled: true, serverName: SERVER_NAME, caSecretRef: { name: 'milvus-ca', namespace: ns } },
      credentialsSecretRef: { name: 'milvus-token', namespace: ns },
    } } });
    const refs = [undefined, { kind: 'MilvusConnection' as const, name: 'lite' }, { kind: 'ClusterMilvusConnection' as const, name: clusterConnection }];
    for (const [k, ref] of refs.entries()) {
      for (let i = 0; i < PER_KIND; i++) {
        const c = uniqueCollection(`restart${k}`);
        await createCollection(client, c);
        const name = `r${k}-${i}`;
        names.push(name);
        await mis.create({ name, spec: spec(c, ref) });
      }
    }
    await start();
    for (const n of names) await mis.waitForReady(n);
    await settled(op!, names);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL', 5000)));
    await op?.stop();
    await objects.deleteClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', name: clusterConnection }).catch(() => {});
    await proxy?.close();
    await client?.closeConnection();
  });

  it(`a restart with everything Ready writes nothing to Kubernetes or Milvus and records no Event, for default, MilvusConnection and ClusterMilvusConnection (TLS + token) indexes ${SERVERS}`, async () => {
    const before = await versions();
    const eventsBefore = await eventCount();
    for (let round = 0; round < 2; round++) {
      const t0 = Date.now();
      const o = await restart();
      await settled(o, names);
      console.log(`[restart] round ${round}: ${names.length} resources (default, MilvusConnection, ClusterMilvusConnection over TLS + token) re-verified ${Date.now() - t0} ms after stop; Kubernetes writes 0, Milvus writes 0, Events 0 (asserted below)`);
      expect(await versions(), `round ${round}: no object was written (resourceVersions unchanged)`).toEqual(before);
      // (Process-wide write counters would also count ClusterMilvusConnections of other test files, which are
      // cluster-scoped and legitimately change when those files stop their servers: the resourceVersions above
      // and the namespace's Events are the exact measure for this file's objects.)
      expect(o.milvusWrites.writes.filter((w) => w.namespace === ns), 'no Milvus write by the new process').toEqual([]);
      expect(await eventCount(), 'no Event recorded').toBe(eventsBefore);
    }
    for (const n of names) expect(readyOf(await mis.get(n))?.status, `${n} still Ready`).toBe('True');
  });

  /**
   * A connection waiting on its in-use finalizer survives `restartAndSettle` (which must leave a process that has
   * observed the listed resources), then goes once its last MilvusIndex is deleted and the index dropped.
   */
  const doomedConnectionSurvives = async (connection: string, restartAndSettle: (expected: string[]) => Promise<void>) => {
    const user = `on-${connection}`;
    const c = uniqueCollection('doomed');
    await createCollection(client, c);
    await objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: connection }, spec: { uri: inject('milvusUri') } } });
    await mis.create({ name: user, spec: spec(c, { kind: 'MilvusConnection', name: connection }) });
    await mis.waitForReady(user);
    const getConnection = () => objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: connection }).then((o) => o as { metadata: { finalizers?: string[]; deletionTimestamp?: string } }, () => undefined);
    const waitConnection = async (pred: (o: Awaited<ReturnType<typeof getConnection>>) => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      for (let o = await getConnection(); !pred(o); o = await getConnection()) {
        if (Date.now() > deadline) throw new Error(`connection ${connection}: timed out waiting for ${what}; last ${JSON.stringify(o?.metadata)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitConnection((o) => o?.metadata.finalizers?.includes(CONNECTION_FINALIZER) === true, 'the in-use finalizer');
    await objects.deleteNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: connection });
    await waitConnection((o) => o?.metadata.deletionTimestamp !== undefined, 'deletionTimestamp');

    await restartAndSettle([...names, user]);
    const conn = await getConnection();
    expect(conn, 'the connection is still there: its MilvusIndex needs it to drop the index').toBeDefined();
    expect(conn?.metadata.finalizers).toContain(CONNECTION_FINALIZER);

    await mis.delete(user);
    await mis.waitForGone(user);
    expect(await describeIndexes(client, c), 'the index was dropped through the connection').toEqual([]);
    await waitConnection((x) => x === undefined, 'the connection to be gone');
  };

  it(`a connection waiting on its in-use finalizer survives a restart, then goes once its last MilvusIndex is deleted and dropped ${SERVERS}`, async () => {
    await doomedConnectionSurvives('doomed', async (expected) => settled(await restart(), expected));
  });

  it(`kill -9 with everything Ready writes nothing either: two SIGKILLed processes in a row re-verify every kind of index and write nothing, record no Event ${SERVERS}`, async () => {
    await op?.stop();
    op = undefined;
    const before = await versions();
    const eventsBefore = await eventCount();
    let current = spawn('plain-1');
    await processSettled(current, names);
    for (let round = 2; round <= 3; round++) {
      await current.stop('SIGKILL');
      const killed = Date.now();
      current = spawn(`plain-${round}`);
      await processSettled(current, names);
      console.log(`[restart] kill -9: ${names.length} resources (three kinds of connection) re-verified by the next process ${Date.now() - killed} ms after the kill; writes 0 (asserted below)`);
      await expectUnchanged(`after kill -9 #${round - 1}`, before, eventsBefore);
    }
  });

  it(`a connection waiting on its in-use finalizer survives kill -9 too ${SERVERS}`, async () => {
    await doomedConnectionSurvives('doomed-k9', async (expected) => {
      await procs.at(-1)!.stop('SIGKILL');
      await processSettled(spawn(`plain-${procs.length + 1}`), expected);
    });
    await procs.at(-1)!.stop('SIGKILL');
  });

  it(`leader hand-over with everything Ready writes nothing: kill -9 of the leader (its Lease expires), then SIGTERM (released) ${SERVERS}`, async () => {
    const before = await versions();
    const eventsBefore = await eventCount();
    const candidates = [spawnCandidate('leader-a'), spawnCandidate('leader-b')];
    let leader: OperatorProcess | undefined;
    await waitFor('one of two candidates leads', async () => (leader = (await Promise.all(candidates.map(async (p) => ((await leads(p)) ? p : undefined)))).find(Boolean)) !== undefined, { timeoutMs: 30_000 });
    await processSettled(leader!, names);
    const standby = candidates.find((p) => p !== leader)!;
    await leader!.stop('SIGKILL');
    const killed = Date.now();
    await waitFor(`${standby.name} leads`, () => leads(standby), { timeoutMs: 15_000, intervalMs: 100 });
    await processSettled(standby, names);
    console.log(`[restart] leader kill -9: ${standby.name} took over and re-verified ${names.length} resources ${Date.now() - killed} ms after the kill (lease 3 s); writes 0 (asserted below)`);
    await expectUnchanged('after the leader was killed', before, eventsBefore);

    const successor = spawnCandidate('leader-c');
    await waitFor('leader-c ready as a standby', async () => (await successor.get('health', '/readyz')).status === 200, { timeoutMs: 30_000 });
    const termed = Date.now();
    await standby.stop('SIGTERM', 20_000);
    expect(standby.exitCode, 'the leader stopped cleanly').toBe(0);
    await waitFor('leader-c leads', () => leads(successor), { timeoutMs: 15_000, intervalMs: 100 });
    await processSettled(successor, names);
    console.log(`[restart] leader SIGTERM: leader-c took over and re-verified ${names.length} resources ${Date.now() - termed} ms after SIGTERM; writes 0 (asserted below)`);
    await expectUnchanged('after the leader handed over on SIGTERM', before, eventsBefore);
    for (const n of names) expect(readyOf(await mis.get(n))?.status, `${n} still Ready`).toBe('True');
  });
});
