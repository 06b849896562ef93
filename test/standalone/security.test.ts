// Authentication and TLS against the REAL Milvus 2.3 standalone (not a proxy in front of Milvus Lite): a second
// embedded standalone of this tier with `authorizationEnabled` and one-way TLS (`tlsMode: 1`) on its gRPC port,
// the real kube-apiserver + etcd, the real Operator in-process. A MilvusConnection with a CA Secret and a
// username/password Secret gets its index built; a wrong password, a wrong CA and a token are each answered
// the way the README says, and the credentials never appear in a status or an Event.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueServerCertificate, type TestCertificates } from '../support/certs.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, uniqueCollection } from '../support/milvus.js';
import { startMilvusStandalone, type MilvusStandalone } from '../support/milvus-standalone.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import { waitFor } from '../support/proc.js';

const SERVERS = '[kube-apiserver + REAL Milvus 2.3 standalone with authorization and TLS]';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };
const SERVER_NAME = 'milvus.secured.test.local';
const ROOT_PASSWORD = 'Milvus'; // Milvus's documented default for root
const WRONG_PASSWORD = 'not-the-password-7c1f';

interface ConnectionView { status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }

describe(`authentication and TLS on the real server ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let objects: CustomObjectsApi;
  let core: CoreV1Api;
  let certs: TestCertificates;
  let milvus: MilvusStandalone;
  let admin: MilvusClient;
  let op: TestOperator;
  let mis: MilvusIndexes;

  const createConnection = (name: string, spec: Record<string, unknown>) =>
    objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name }, spec } });
  const connectionReady = async (name: string) =>
    ((await objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name })) as ConnectionView).status?.conditions?.find((c) => c.type === 'Ready');
  const waitConnection = async (name: string, status: 'True' | 'False', reason?: string) => {
    let last: Awaited<ReturnType<typeof connectionReady>>;
    await waitFor(`MilvusConnection ${name} Ready=${status}${reason ? `/${reason}` : ''}`, async () => {
      last = await connectionReady(name);
      return last?.status === status && (reason === undefined || last.reason === reason);
    }, { timeoutMs: 60_000, intervalMs: 200 });
    return last!;
  };
  const tlsSpec = (caSecret: string) => ({ enabled: true, serverName: SERVER_NAME, caSecretRef: { name: caSecret } });
  const indexSpec = (collectionName: string, connection: string) => ({
    connectionRef: { kind: 'MilvusConnection' as const, name: connection }, collectionName, fieldName: 'vec', indexType: 'IVF_FLAT', metricType: 'L2', params: { nlist: 8 }, allowCollectionRelease: true,
  });
  /** Every status and Event of the namespace, as text: where a leaked credential would show. */
  const everythingWritten = async () => {
    const idx = await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns });
    const conns = await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns });
    const events = await core.listNamespacedEvent({ namespace: ns });
    return JSON.stringify([idx, conns, events.items.map((e) => [e.reason, e.message])]);
  };

  beforeAll(async () => {
    certs = await issueServerCertificate(SERVER_NAME);
    milvus = await startMilvusStandalone({ security: { authorization: true, tls: certs } });
    console.log(`[security] Milvus ${milvus.version} standalone with authorization + TLS up at ${milvus.uri} in ${milvus.startSeconds.toFixed(1)} s`);
    admin = new MilvusClient({
      address: milvus.uri, ssl: true, tls: { rootCert: Buffer.from(certs.caPem), serverName: SERVER_NAME }, username: 'root', password: ROOT_PASSWORD,
      telemetry: { enabled: false }, timeout: 30_000, logLevel: 'error',
    } as ConstructorParameters<typeof MilvusClient>[0]);
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    objects = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    ns = await createTestNamespace(kc, 'secured');
    mis = new MilvusIndexes(kc, ns);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'milvus-ca' }, stringData: { 'ca.crt': certs.caPem } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'root' }, stringData: { username: 'root', password: ROOT_PASSWORD } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'root-token' }, stringData: { token: `root:${ROOT_PASSWORD}` } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'wrong' }, stringData: { username: 'root', password: WRONG_PASSWORD } } });
    op = await startTestOperator(kc, ns, ['--resync-period', '10m', '--milvus-timeout', '10s']);
  }, 300_000);

  afterAll(async () => {
    await op?.stop();
    await admin?.closeConnection();
    await milvus?.destroy();
  });

  it(`the server itself refuses what it should: no TLS, and TLS without credentials ${SERVERS}`, async () => {
    const plain = new MilvusClient({ address: milvus.uri, telemetry: { enabled: false }, timeout: 5_000, logLevel: 'error' } as ConstructorParameters<typeof MilvusClient>[0]);
    plain.connectPromise?.catch(() => {});
    await expect(plain.listCollections(), 'a plaintext client is refused by the TLS port').rejects.toThrow();
    await plain.closeConnection().catch(() => {});
    const anonymous = new MilvusClient({ address: milvus.uri, ssl: true, tls: { rootCert: Buffer.from(certs.caPem), serverName: SERVER_NAME }, telemetry: { enabled: false }, timeout: 5_000, logLevel: 'error' } as ConstructorParameters<typeof MilvusClient>[0]);
    anonymous.connectPromise?.catch(() => {});
    const res = await anonymous.listCollections().catch((e: Error) => ({ status: { reason: e.message } }));
    expect(JSON.stringify(res), 'a TLS client without credentials is refused').toMatch(/auth|credential|unauthenticated/i);
    await anonymous.closeConnection().catch(() => {});
  });

  it(`username/password over TLS with the CA from a Secret: the index is built ${SERVERS}`, async () => {
    const c = uniqueCollection('secured');
    await createCollection(admin, c);
    await createConnection('secured', { uri: milvus.uri, tls: tlsSpec('milvus-ca'), credentialsSecretRef: { name: 'root' } });
    const ready = await waitConnection('secured', 'True', 'Connected');
    expect(ready.message).toContain('Connected to Milvus');
    await mis.create({ name: 'secured', spec: indexSpec(c, 'secured') });
    await mis.waitForReady('secured', 'True', undefined, 120_000);
    expect((await describeIndexes(admin, c)).map((i) => i.params.index_type)).toEqual(['IVF_FLAT']);
  });

  it(`a token ("user:password") over TLS works too ${SERVERS}`, async () => {
    const c = uniqueCollection('token');
    await createCollection(admin, c);
    await createConnection('by-token', { uri: milvus.uri, tls: tlsSpec('milvus-ca'), credentialsSecretRef: { name: 'root-token' } });
    await waitConnection('by-token', 'True', 'Connected');
    await mis.create({ name: 'by-token', spec: indexSpec(c, 'by-token') });
    await mis.waitForReady('by-token', 'True', undefined, 120_000);
    expect(await describeIndexes(admin, c)).toHaveLength(1);
  });

  it(`a wrong password is AuthenticationFailed, its MilvusIndex waits with ConnectionNotReady, nothing is written to Milvus; fixing the Secret recovers ${SERVERS}`, async () => {
    const c = uniqueCollection('wrongpw');
    await createCollection(admin, c);
    await createConnection('wrong-password', { uri: milvus.uri, tls: tlsSpec('milvus-ca'), credentialsSecretRef: { name: 'wrong' } });
    const failed = await waitConnection('wrong-password', 'False', 'AuthenticationFailed');
    expect(failed.message).toMatch(/refused the credentials/);
    await mis.create({ name: 'wrong-password', spec: indexSpec(c, 'wrong-password') });
    await mis.waitForReady('wrong-password', 'False', 'ConnectionNotReady');
    expect(await describeIndexes(admin, c), 'nothing created through a refused connection').toEqual([]);
    expect(await everythingWritten(), 'the password never appears in a status or an Event').not.toContain(WRONG_PASSWORD);
    await core.replaceNamespacedSecret({ name: 'wrong', namespace: ns, body: { metadata: { name: 'wrong' }, stringData: { username: 'root', password: ROOT_PASSWORD } } });
    await waitConnection('wrong-password', 'True', 'Connected');
    await mis.waitForReady('wrong-password', 'True', undefined, 120_000);
    expect(await describeIndexes(admin, c)).toHaveLength(1);
  });

  it(`a CA that did not sign the server's certificate: the connection says so, nothing is written ${SERVERS}`, async () => {
    const other = await issueServerCertificate(SERVER_NAME);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'other-ca' }, stringData: { 'ca.crt': other.caPem } } });
    await createConnection('wrong-ca', { uri: milvus.uri, tls: tlsSpec('other-ca'), credentialsSecretRef: { name: 'root' } });
    const failed = await waitConnection('wrong-ca', 'False');
    console.log(`[security] wrong CA: ${failed.reason}: ${failed.message}`);
    expect(failed.reason).toBe('Unreachable');
    expect(failed.message).toContain('check spec.tls.caSecretRef');
    expect(failed.message).not.toContain('--use-system-ca');
    expect(failed.message).toMatch(/unable to verify the first certificate/);
    for (const n of ['secured', 'by-token']) expect(readyOf(await mis.get(n))?.status, `${n} unaffected`).toBe('True');
  });
});
