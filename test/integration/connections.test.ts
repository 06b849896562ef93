// MilvusConnection / ClusterMilvusConnection: credentials from Secrets, TLS, rotation, tenancy,
// the in-use finalizer and request limits. REAL kube-apiserver + etcd, REAL Milvus Lite behind a
// test proxy that terminates TLS (generated CA) and checks the token (Milvus Lite has neither).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONNECTION_FINALIZER } from '../../src/api/connection.js';
import { issueServerCertificate } from '../support/certs.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { listEvents } from '../support/events.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite behind a TLS/token proxy]';
const SERVER_NAME = 'milvus.test.local';
const TOKEN_1 = 'tok-first-6f1b2c';
const TOKEN_2 = 'tok-second-93ad7e';
const USER = 'alice';
const PASSWORD = 'pw-4c9e0f1a';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };

describe(`Milvus connections ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let core: CoreV1Api;
  let objects: CustomObjectsApi;
  let op: TestOperator;
  let proxy: AuthProxy;
  let direct: MilvusClient;
  let mis: MilvusIndexes;
  let caPem: string;
  let certs: { certPem: string; keyPem: string };

  const connectionStatus = async (kind: 'MilvusConnection' | 'ClusterMilvusConnection', name: string) => {
    try {
      const o = (kind === 'MilvusConnection'
        ? await objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name })
        : await objects.getClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', name })) as { metadata: { finalizers?: string[]; generation: number }; status?: { conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[]; serverVersion?: string; usedBy?: number } };
      return o;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  };
  const waitConnection = async (kind: 'MilvusConnection' | 'ClusterMilvusConnection', name: string, reason: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await connectionStatus(kind, name);
      const ready = last?.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.reason === reason && ready.observedGeneration === last?.metadata.generation) return last!;
      await new Promise((r) => setTimeout(r, 100));
    }
    const logTail = op.logs.filter((l) => !/milvusindexes/.test(l)).slice(0, 25).join('\n');
    throw new Error(`timed out waiting for ${kind} ${name} to be ${reason}; last: ${JSON.stringify(last?.status)}\noperator log (connections):\n${logTail}`);
  };
  const putSecret = async (name: string, data: Record<string, string>, namespace = ns) => {
    const body = { metadata: { name, namespace }, stringData: data };
    try {
      await core.replaceNamespacedSecret({ name, namespace, body });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await core.createNamespacedSecret({ namespace, body });
    }
  };
  const createConnection = async (name: string, spec: Record<string, unknown>) =>
    objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name }, spec } });
  const createClusterConnection = async (name: string, spec: Record<string, unknown>) =>
    objects.createClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'ClusterMilvusConnection', metadata: { name }, spec } });
  const tlsSpec = () => ({ enabled: true, caSecretRef: { name: 'milvus-ca' }, serverName: SERVER_NAME });
  const indexSpec = (collectionName: string, ref: { kind: 'MilvusConnection' | 'ClusterMilvusConnection'; name: string }) => ({
    connectionRef: ref, collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true,
  });

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    core = kc.makeApiClient(CoreV1Api);
    objects = kc.makeApiClient(CustomObjectsApi);
    ns = await createTestNamespace(kc, 'connections');
    await core.patchNamespace({ name: ns, body: { metadata: { labels: { 'milvus-access': 'dev' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const issued = await issueServerCertificate(SERVER_NAME);
    caPem = issued.caPem;
    certs = issued;
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), tls: { certPem: certs.certPem, keyPem: certs.keyPem }, credentials: [TOKEN_1, `${USER}:${PASSWORD}`] });
    await putSecret('milvus-ca', { 'ca.crt': caPem });
    await putSecret('milvus-token', { token: TOKEN_1 });
    op = await startTestOperator(kc, ns, ['--resync-period', '2s', '--default-connection-namespaces', 'somebody-else'], { MILVUS_URI: inject('milvusUri') });
    direct = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await proxy?.close();
    await direct?.closeConnection();
  });

  it(`token over TLS: the connection is Connected and a MilvusIndex through it goes Ready ${SERVERS}`, async () => {
    await createConnection('tls-token', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'milvus-token' } });
    const conn = await waitConnection('MilvusConnection', 'tls-token', 'Connected');
    expect(conn.status?.serverVersion).toMatch(/lite|\d/);
    const c = uniqueCollection('conn');
    await createCollection(direct, c);
    await mis.create({ name: 'via-tls', spec: indexSpec(c, { kind: 'MilvusConnection', name: 'tls-token' }) });
    await mis.waitForReady('via-tls');
    expect(await describeIndexes(direct, c)).toHaveLength(1);
    expect(proxy.stats().calls).toBeGreaterThan(0);
    const inUse = await waitConnection('MilvusConnection', 'tls-token', 'Connected');
    expect(inUse.metadata.finalizers).toContain(CONNECTION_FINALIZER);
  });

  it(`a rotated token: AuthenticationFailed, then Connected again after the Secret changes, without a restart ${SERVERS}`, async () => {
    proxy.setCredentials([TOKEN_2, `${USER}:${PASSWORD}`]);
    const failed = await waitConnection('MilvusConnection', 'tls-token', 'AuthenticationFailed');
    expect(failed.status?.conditions?.find((x) => x.type === 'Stalled')?.status).toBe('True');
    await mis.waitForReady('via-tls', 'False', 'ConnectionNotReady');
    await putSecret('milvus-token', { token: TOKEN_2 });
    await waitConnection('MilvusConnection', 'tls-token', 'Connected');
    await mis.waitForReady('via-tls', 'True');
  });

  it(`username and password from a Secret ${SERVERS}`, async () => {
    await putSecret('milvus-user', { username: USER, password: PASSWORD });
    await createConnection('tls-user', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'milvus-user' } });
    await waitConnection('MilvusConnection', 'tls-user', 'Connected');
  });

  it(`a missing Secret is SecretNotFound, and a wrong CA never connects ${SERVERS}`, async () => {
    await createConnection('no-secret', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'does-not-exist' } });
    const missing = await waitConnection('MilvusConnection', 'no-secret', 'SecretNotFound');
    expect(missing.status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('does-not-exist');
    const other = await issueServerCertificate(SERVER_NAME);
    await putSecret('other-ca', { 'ca.crt': other.caPem });
    await createConnection('wrong-ca', { uri: proxy.address, tls: { enabled: true, caSecretRef: { name: 'other-ca' }, serverName: SERVER_NAME }, credentialsSecretRef: { name: 'milvus-token' } });
    await waitConnection('MilvusConnection', 'wrong-ca', 'Unreachable');
  });

  it(`a Secret that does not exist yet is Reconciling, not Stalled; its creation makes the connection and its index Ready without any edit ${SERVERS}`, async () => {
    const c = uniqueCollection('latesecret');
    await createCollection(direct, c);
    await createConnection('late-secret', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'arrives-later' } });
    await mis.create({ name: 'via-late-secret', spec: indexSpec(c, { kind: 'MilvusConnection', name: 'late-secret' }) });
    const waiting = await waitConnection('MilvusConnection', 'late-secret', 'SecretNotFound');
    const cond = (type: string) => waiting.status?.conditions?.find((x) => x.type === type);
    expect(cond('Ready')).toMatchObject({ status: 'False', message: expect.stringMatching(/Secret "arrives-later" .* does not exist yet; it may still be on its way \(external-secrets, sealed-secrets\)/) });
    expect(cond('Reconciling')).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    expect(cond('Stalled')?.status).toBe('False');
    const index = await mis.waitForReady('via-late-secret', 'False', 'ConnectionNotReady');
    expect(index?.status?.conditions?.find((x) => x.type === 'Reconciling')?.status).toBe('True');
    expect(index?.status?.conditions?.find((x) => x.type === 'Stalled')?.status).toBe('False');
    const generation = waiting.metadata.generation;

    await putSecret('arrives-later', { username: USER, password: PASSWORD });
    const connected = await waitConnection('MilvusConnection', 'late-secret', 'Connected');
    expect(connected.metadata.generation, 'the connection was not edited').toBe(generation);
    await mis.waitForReady('via-late-secret', 'True');
    expect(await describeIndexes(direct, c)).toHaveLength(1);
  });

  it(`a Secret without the needed key is Stalled (SecretKeyMissing): its content must change ${SERVERS}`, async () => {
    await putSecret('wrong-keys', { user: USER, pass: PASSWORD });
    await createConnection('wrong-keys', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'wrong-keys' } });
    const stalled = await waitConnection('MilvusConnection', 'wrong-keys', 'SecretKeyMissing');
    expect(stalled.status?.conditions?.find((x) => x.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'SecretKeyMissing' });
    expect(stalled.status?.conditions?.find((x) => x.type === 'Reconciling')?.status).toBe('False');
    expect(JSON.stringify(stalled.status)).not.toContain(PASSWORD);
  });

  it(`the connection stays while used; deleting the index first drops through it, then the connection goes ${SERVERS}`, async () => {
    await createConnection('short-lived', { uri: proxy.address, tls: tlsSpec(), credentialsSecretRef: { name: 'milvus-token' } });
    await waitConnection('MilvusConnection', 'short-lived', 'Connected');
    const c = uniqueCollection('inuse');
    await createCollection(direct, c);
    await mis.create({ name: 'uses-short-lived', spec: indexSpec(c, { kind: 'MilvusConnection', name: 'short-lived' }) });
    await mis.waitForReady('uses-short-lived');
    await objects.deleteNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: 'short-lived' });
    const held = await connectionStatus('MilvusConnection', 'short-lived');
    expect(held?.metadata.finalizers).toContain(CONNECTION_FINALIZER);
    // The Secret disappears too (as in a namespace deletion): the last working credentials still drop the index.
    await core.deleteNamespacedSecret({ namespace: ns, name: 'milvus-token' });
    await mis.delete('uses-short-lived');
    await mis.waitForGone('uses-short-lived');
    expect(await describeIndexes(direct, c)).toEqual([]);
    const deadline = Date.now() + 30_000;
    while (await connectionStatus('MilvusConnection', 'short-lived')) {
      if (Date.now() > deadline) throw new Error('connection was not released after its last user went');
      await new Promise((r) => setTimeout(r, 100));
    }
    await putSecret('milvus-token', { token: TOKEN_2 });
  });

  it(`ClusterMilvusConnection allowedNamespaces: a namespace outside the selector is ConnectionNotAllowed ${SERVERS}`, async () => {
    await putSecret('cluster-token', { token: TOKEN_2 });
    const suffix = ns.slice(-5);
    await createClusterConnection(`prod-only-${suffix}`, { uri: proxy.address, tls: { enabled: true, caSecretRef: { name: 'milvus-ca', namespace: ns }, serverName: SERVER_NAME }, credentialsSecretRef: { name: 'cluster-token', namespace: ns }, allowedNamespaces: { from: 'Selector', selector: { matchLabels: { 'milvus-access': 'prod' } } } });
    await createClusterConnection(`dev-ok-${suffix}`, { uri: proxy.address, tls: { enabled: true, caSecretRef: { name: 'milvus-ca', namespace: ns }, serverName: SERVER_NAME }, credentialsSecretRef: { name: 'cluster-token', namespace: ns }, allowedNamespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'milvus-access', operator: 'In', values: ['dev', 'prod'] }] } } });
    await waitConnection('ClusterMilvusConnection', `dev-ok-${suffix}`, 'Connected');
    const c = uniqueCollection('cluster');
    await createCollection(direct, c);
    await mis.create({ name: 'not-allowed', spec: indexSpec(c, { kind: 'ClusterMilvusConnection', name: `prod-only-${suffix}` }) });
    const denied = await mis.waitForReady('not-allowed', 'False', 'ConnectionNotAllowed');
    expect(readyOf(denied)?.message).toContain(ns);
    expect(await describeIndexes(direct, c)).toEqual([]);
    await mis.create({ name: 'allowed', spec: indexSpec(c, { kind: 'ClusterMilvusConnection', name: `dev-ok-${suffix}` }) });
    await mis.waitForReady('allowed');
  });

  it(`the default connection is refused to namespaces outside --default-connection-namespaces ${SERVERS}`, async () => {
    const c = uniqueCollection('nodefault');
    await mis.create({ name: 'no-default', spec: { collectionName: c, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2' } });
    const r = await mis.waitForReady('no-default', 'False', 'ConnectionNotAllowed');
    expect(readyOf(r)?.message).toContain('somebody-else');
  });

  it(`maxConcurrentRequests bounds the calls in flight through one connection ${SERVERS}`, async () => {
    // A proxy of its own, so that only this connection's calls are counted.
    const own = await startAuthProxy({ upstream: inject('milvusUri'), tls: certs, credentials: [TOKEN_2] });
    try {
    await createConnection('one-at-a-time', { uri: own.address, tls: tlsSpec(), credentialsSecretRef: { name: 'milvus-token' }, maxConcurrentRequests: 1 });
    await waitConnection('MilvusConnection', 'one-at-a-time', 'Connected');
    const names = Array.from({ length: 6 }, (_, i) => `limited-${i}`);
    const cols = names.map(() => uniqueCollection('limited'));
    for (const c of cols) await createCollection(direct, c);
    own.resetStats();
    await Promise.all(names.map((n, i) => mis.create({ name: n, spec: indexSpec(cols[i]!, { kind: 'MilvusConnection', name: 'one-at-a-time' }) })));
    for (const n of names) await mis.waitForReady(n);
    expect(own.stats().calls).toBeGreaterThan(6);
    expect(own.stats().maxInFlight).toBe(1);
    } finally {
      await own.close();
    }
  });

  it(`connectionRef is immutable (refused by the API server) [kube-apiserver]`, async () => {
    await expect(mis.mergePatch('via-tls', { spec: { connectionRef: { kind: 'MilvusConnection', name: 'tls-user' } } })).rejects.toThrow(/connectionRef is immutable/);
  });

  it(`secrets never reach logs, Events or status ${SERVERS}`, async () => {
    const secrets = [TOKEN_1, TOKEN_2, PASSWORD, Buffer.from(TOKEN_1).toString('base64'), Buffer.from(TOKEN_2).toString('base64'), Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
    const logText = op.logs.join('\n');
    expect(op.logs.length).toBeGreaterThan(10);
    const events = await listEvents(kc, ns);
    const eventText = JSON.stringify(events.map((e) => [e.reason, e.note]));
    const statuses = JSON.stringify([
      await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns }),
      await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns }),
      await objects.listClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections' }),
    ]);
    for (const s of secrets) {
      expect(logText.includes(s), `a secret reached the logs`).toBe(false);
      expect(eventText.includes(s), `a secret reached an Event`).toBe(false);
      expect(statuses.includes(s), `a secret reached a status`).toBe(false);
    }
  });
});
