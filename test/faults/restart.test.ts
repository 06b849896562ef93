// Restart invariants (issue: lifetimes). REAL kube-apiserver + etcd, REAL Milvus Lite, the real
// Operator in-process (stop() is what SIGTERM does; a new Operator is a new process's start-up).
// "A restart writes nothing": with every resource Ready, a restart changes no resourceVersion (no
// status, finalizer or metadata write), records no Event and makes no Milvus write — for every kind of
// connection. And a connection waiting on its in-use finalizer survives a restart until its last user
// is gone (no "in use" count is ever taken on an unsynced cache).
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

const SERVERS = '[kube-apiserver + milvus-lite]';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };
const PER_KIND = 4;
const SERVER_NAME = 'milvus.restart.test.local';
const TOKEN = 'tok-restart-5d1e9a';

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

  it(`a connection waiting on its in-use finalizer survives a restart, then goes once its last MilvusIndex is deleted and dropped ${SERVERS}`, async () => {
    const c = uniqueCollection('doomed');
    await createCollection(client, c);
    await objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'doomed' }, spec: { uri: inject('milvusUri') } } });
    await mis.create({ name: 'on-doomed', spec: spec(c, { kind: 'MilvusConnection', name: 'doomed' }) });
    await mis.waitForReady('on-doomed');
    const getConnection = () => objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: 'doomed' }).then((o) => o as { metadata: { finalizers?: string[]; deletionTimestamp?: string } }, () => undefined);
    const waitConnection = async (pred: (o: Awaited<ReturnType<typeof getConnection>>) => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      for (let o = await getConnection(); !pred(o); o = await getConnection()) {
        if (Date.now() > deadline) throw new Error(`connection doomed: timed out waiting for ${what}; last ${JSON.stringify(o?.metadata)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitConnection((o) => o?.metadata.finalizers?.includes(CONNECTION_FINALIZER) === true, 'the in-use finalizer');
    await objects.deleteNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: 'doomed' });
    await waitConnection((o) => o?.metadata.deletionTimestamp !== undefined, 'deletionTimestamp');

    const o = await restart();
    await settled(o, [...names, 'on-doomed']);
    const conn = await getConnection();
    expect(conn, 'the connection is still there: its MilvusIndex needs it to drop the index').toBeDefined();
    expect(conn?.metadata.finalizers).toContain(CONNECTION_FINALIZER);

    await mis.delete('on-doomed');
    await mis.waitForGone('on-doomed');
    expect(await describeIndexes(client, c), 'the index was dropped through the connection').toEqual([]);
    await waitConnection((x) => x === undefined, 'the connection to be gone');
  });
});
