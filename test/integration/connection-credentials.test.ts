// Connection credentials from {name, key} Secret selectors and an mTLS client certificate from a
// kubernetes.io/tls Secret. REAL kube-apiserver + etcd, REAL Milvus Lite behind the test proxy, here
// requiring TLS, a client certificate from its own CA, and the token (Milvus Lite has none of them).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueClientCertificate, issueServerCertificate, type ClientCertificate } from '../support/certs.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite behind an mTLS/token proxy]';
const SERVER_NAME = 'milvus.mtls.local';
const API_KEY = 'zilliz-apikey-0c4f7d2e';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };

type Status = { conditions?: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number }> };

describe(`connection credentials from Secret key selectors, and mTLS ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let core: CoreV1Api;
  let objects: CustomObjectsApi;
  let op: TestOperator;
  let proxy: AuthProxy;
  let direct: MilvusClient;
  let mis: MilvusIndexes;
  let client: ClientCertificate;
  let strangerClient: ClientCertificate;

  const putSecret = async (name: string, data: Record<string, string>, type?: string) => {
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, namespace: ns }, ...(type ? { type } : {}), stringData: data } });
  };
  const createConnection = async (name: string, spec: Record<string, unknown>) =>
    objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name }, spec } });
  const waitConnection = async (name: string, reason: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: { metadata: { generation: number }; status?: Status } | undefined;
    while (Date.now() < deadline) {
      last = (await objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name })) as typeof last;
      const ready = last?.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.reason === reason && ready.observedGeneration === last?.metadata.generation) return ready;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for MilvusConnection ${name} to be ${reason}; last: ${JSON.stringify(last?.status)}`);
  };
  const mtls = (clientCert: string) => ({ enabled: true, caSecretRef: { name: 'server-ca' }, serverName: SERVER_NAME, clientCertSecretRef: { name: clientCert } });
  const token = { token: { name: 'zilliz-api-key', key: 'apiKey' } };

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    core = kc.makeApiClient(CoreV1Api);
    objects = kc.makeApiClient(CustomObjectsApi);
    ns = await createTestNamespace(kc, 'conn-creds');
    const server = await issueServerCertificate(SERVER_NAME);
    const clientCa = await issueServerCertificate('client-ca.mtls.local');
    client = await issueClientCertificate(clientCa, 'milvus-index-operator');
    strangerClient = await issueClientCertificate(await issueServerCertificate('stranger.mtls.local'), 'milvus-index-operator');
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), tls: { certPem: server.certPem, keyPem: server.keyPem, clientCaPem: clientCa.caPem }, credentials: [API_KEY] });
    await putSecret('server-ca', { 'ca.crt': server.caPem });
    await putSecret('zilliz-api-key', { apiKey: API_KEY });
    await putSecret('client-cert', { 'tls.crt': client.certPem, 'tls.key': client.keyPem }, 'kubernetes.io/tls');
    await putSecret('stranger-cert', { 'tls.crt': strangerClient.certPem, 'tls.key': strangerClient.keyPem }, 'kubernetes.io/tls');
    op = await startTestOperator(kc, ns, ['--resync-period', '2s', '--default-connection-namespaces', 'somebody-else'], { MILVUS_URI: inject('milvusUri') });
    direct = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await proxy?.close();
    await direct?.closeConnection();
  });

  it(`a token from key "apiKey" of a Secret and a client certificate: Connected, and an index through it goes Ready ${SERVERS}`, async () => {
    await createConnection('mtls', { uri: proxy.address, credentials: token, tls: mtls('client-cert') });
    await waitConnection('mtls', 'Connected');
    const c = uniqueCollection('mtls');
    await createCollection(direct, c);
    await mis.create({ name: 'via-mtls', spec: { connectionRef: { kind: 'MilvusConnection', name: 'mtls' }, collectionName: c, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2' } });
    await mis.waitForReady('via-mtls');
    expect(await describeIndexes(direct, c)).toHaveLength(1);
  });

  it(`without a client certificate, or with one from another CA, the connection is not Connected and says why ${SERVERS}`, async () => {
    await createConnection('no-client-cert', { uri: proxy.address, credentials: token, tls: { enabled: true, caSecretRef: { name: 'server-ca' }, serverName: SERVER_NAME } });
    const none = await waitConnection('no-client-cert', 'Unreachable');
    await createConnection('stranger', { uri: proxy.address, credentials: token, tls: mtls('stranger-cert') });
    const stranger = await waitConnection('stranger', 'Unreachable');
    for (const ready of [none, stranger]) expect(ready.message).toMatch(/client certificate/i);
    expect(stranger.message).toContain('spec.tls.clientCertSecretRef');
  });

  it(`a selector naming an absent key is SecretKeyMissing (Stalled) and says which Secret and key ${SERVERS}`, async () => {
    await createConnection('bad-key', { uri: proxy.address, credentials: { token: { name: 'zilliz-api-key', key: 'token' } }, tls: mtls('client-cert') });
    const ready = await waitConnection('bad-key', 'SecretKeyMissing');
    expect(ready.message).toBe(`Secret "zilliz-api-key" in namespace "${ns}" (spec.credentials.token) has no "token" key.`);
  });

  it(`token and username together are refused by the API server (CEL) [kube-apiserver]`, async () => {
    const refused = createConnection('both', { uri: proxy.address, credentials: { ...token, username: { name: 'u', key: 'u' }, password: { name: 'p', key: 'p' } } });
    await expect(refused).rejects.toThrow(/set token, or username and password/);
    await expect(createConnection('two-sources', { uri: proxy.address, credentials: token, credentialsSecretRef: { name: 'x' } })).rejects.toThrow(/not both/);
  });

  it(`the API key and the client key never reach logs, Events or status ${SERVERS}`, async () => {
    const secrets = [API_KEY, Buffer.from(API_KEY).toString('base64'), client.keyPem.split('\n')[1]!, strangerClient.keyPem.split('\n')[1]!];
    const events = await core.listNamespacedEvent({ namespace: ns });
    const texts = {
      logs: op.logs.join('\n'),
      events: JSON.stringify(events.items.map((e) => [e.reason, e.message])),
      status: JSON.stringify([
        await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns }),
        await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns }),
      ]),
    };
    expect(op.logs.length).toBeGreaterThan(5);
    for (const [where, text] of Object.entries(texts)) for (const s of secrets) expect(text.includes(s), `a secret reached the ${where}`).toBe(false);
  });
});
