// Bad input gets a clear answer. Each case is either refused by the REAL kube-apiserver at admission
// with a message naming the problem, or (when only the operator can judge it: field types, param
// ranges, missing references) reaches Ready=False with an actionable message through a REAL operator
// in-process against REAL Milvus Lite, with 0 Milvus writes and a bounded number of reconciles.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { OperatorMetrics } from '../../src/observability/metrics.js';
import { Operator } from '../../src/operator.js';
import type { MilvusWrite } from '../../src/reconcile/write-observer.js';
import { issueServerCertificate } from '../support/certs.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { conditionOf, MilvusIndexes, readyOf } from '../support/operator.js';

const ADMISSION = '[kube-apiserver]';
const JUDGED = '[kube-apiserver + milvus-lite + operator]';
const GVR = { group: 'index.milvus.io', version: 'v1alpha1' };
const SERVER_NAME = 'milvus.faults.local';
const TOKEN = 'tok-faults-5d2a';
/** Reconciles of one bad resource, from create until 2 s after its answer; a hot loop makes hundreds. */
const MAX_RECONCILES = 30;
const SETTLE_MS = 2_000;

type Kind = 'MilvusIndex' | 'MilvusConnection' | 'ClusterMilvusConnection';
const PLURAL: Record<Kind, string> = { MilvusIndex: 'milvusindexes', MilvusConnection: 'milvusconnections', ClusterMilvusConnection: 'clustermilvusconnections' };

const long = (n: number, c = 'a') => c.repeat(n);
const manyEntries = (n: number, value: (i: number) => unknown) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));
/** A per-run suffix for cluster-scoped names (the etcd is shared by every file of the run). */
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** An HNSW index on `vec`, valid as it is; a case changes one thing (undefined removes a field). */
const index = (patch: Record<string, unknown>) => ({ collectionName: 'docs', fieldName: 'vec', indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 64 }, ...patch });
const connection = (patch: Record<string, unknown>) => ({ uri: 'milvus.milvus.svc:19530', ...patch });
const clusterConnection = (patch: Record<string, unknown>) => ({ uri: 'milvus.milvus.svc:19530', credentialsSecretRef: { name: 'creds', namespace: 'milvus' }, ...patch });

interface Refusal {
  name: string;
  kind: Kind;
  spec: Record<string, unknown>;
  /** metadata.name; default a fresh valid one. */
  objectName?: string;
  /** The API server's message must match. */
  says: RegExp;
  /** And must not contain (e.g. a password). */
  hides?: string;
}

const REFUSALS: Refusal[] = [
  // --- index and metric types
  { name: 'unknown indexType', kind: 'MilvusIndex', spec: index({ indexType: 'ANNOY' }), says: /spec\.indexType: Unsupported value: "ANNOY": supported values: .*"HNSW"/ },
  { name: 'indexType in the wrong case', kind: 'MilvusIndex', spec: index({ indexType: 'hnsw' }), says: /spec\.indexType: Unsupported value: "hnsw"/ },
  { name: 'missing indexType', kind: 'MilvusIndex', spec: index({ indexType: undefined }), says: /spec\.indexType: Required value/ },
  { name: 'unknown metricType', kind: 'MilvusIndex', spec: index({ metricType: 'EUCLID' }), says: /spec\.metricType: Unsupported value: "EUCLID": supported values: .*"COSINE"/ },
  { name: 'metricType in the wrong case', kind: 'MilvusIndex', spec: index({ metricType: 'cosine' }), says: /spec\.metricType: Unsupported value: "cosine"/ },
  { name: 'a vector index without metricType', kind: 'MilvusIndex', spec: index({ metricType: undefined }), says: /indexType HNSW is a vector index and needs metricType: set spec\.metricType \(float vector types take L2, IP or COSINE/ },
  { name: 'a scalar index with a metric', kind: 'MilvusIndex', spec: index({ fieldName: 'title', indexType: 'INVERTED', metricType: 'L2', params: undefined }), says: /indexType INVERTED is a scalar index and has no metric: remove spec\.metricType/ },
  { name: 'a binary metric with a float index type', kind: 'MilvusIndex', spec: index({ metricType: 'HAMMING' }), says: /metricType HAMMING does not go with HNSW \(float vector types take L2, IP or COSINE/ },
  { name: 'MINHASH_LSH with JACCARD', kind: 'MilvusIndex', spec: index({ indexType: 'MINHASH_LSH', metricType: 'JACCARD', params: undefined }), says: /metricType JACCARD does not go with MINHASH_LSH \(.*MINHASH_LSH takes MHJACCARD/ },
  // --- params and properties: wrong type or size
  { name: 'a 40 KB param value (defect 6: admitted, then no status could ever be written)', kind: 'MilvusIndex', spec: index({ params: { M: 16, note: long(40_000, 'x') } }), says: /spec\.params\.note: Too long: may not be (longer|more) than 1024/ },
  { name: 'a 40 KB numeric param', kind: 'MilvusIndex', spec: index({ params: { M: long(40_000, '1') } }), says: /spec\.params\.M: Too long/ },
  { name: '65 params', kind: 'MilvusIndex', spec: index({ params: manyEntries(65, (i) => i) }), says: /spec\.params: Too many: 65: must have at most 64/ },
  { name: 'a property value that is not a string', kind: 'MilvusIndex', spec: index({ properties: { 'mmap.enabled': true } }), says: /spec\.properties.*mmap\.enabled.*must be of type string/ },
  { name: 'a 2 KB property value', kind: 'MilvusIndex', spec: index({ properties: { 'mmap.enabled': long(2048) } }), says: /spec\.properties.*mmap\.enabled.*Too long/ },
  { name: '33 properties', kind: 'MilvusIndex', spec: index({ properties: manyEntries(33, () => 'true') }), says: /spec\.properties: Too many: 33: must have at most 32/ },
  // --- Milvus names
  { name: 'a 256-character collectionName', kind: 'MilvusIndex', spec: index({ collectionName: long(256) }), says: /spec\.collectionName: Too long: may not be (longer|more) than 255/ },
  { name: 'a collectionName with a hyphen', kind: 'MilvusIndex', spec: index({ collectionName: 'my-docs' }), says: /spec\.collectionName in body should match '\^\[A-Za-z_\]/ },
  { name: 'a unicode collectionName', kind: 'MilvusIndex', spec: index({ collectionName: 'dökümanlar' }), says: /spec\.collectionName in body should match/ },
  { name: 'an empty collectionName', kind: 'MilvusIndex', spec: index({ collectionName: '' }), says: /spec\.collectionName.*at least 1 chars long/ },
  { name: 'a missing collectionName', kind: 'MilvusIndex', spec: index({ collectionName: undefined }), says: /spec\.collectionName: Required value/ },
  { name: 'a fieldName starting with a digit', kind: 'MilvusIndex', spec: index({ fieldName: '1vec' }), says: /spec\.fieldName in body should match/ },
  { name: 'an indexName with a space', kind: 'MilvusIndex', spec: index({ indexName: 'my index' }), says: /spec\.indexName in body should match/ },
  { name: 'a 300-character database', kind: 'MilvusIndex', spec: index({ database: long(300) }), says: /spec\.database: Too long: may not be (longer|more) than 255/ },
  // --- references
  { name: 'a connectionRef name in upper case', kind: 'MilvusIndex', spec: index({ connectionRef: { name: 'Prod' } }), says: /spec\.connectionRef\.name in body should match/ },
  { name: 'a 300-character connectionRef name', kind: 'MilvusIndex', spec: index({ connectionRef: { name: long(300) } }), says: /spec\.connectionRef\.name: Too long/ },
  { name: 'a connectionRef to a Secret', kind: 'MilvusIndex', spec: index({ connectionRef: { kind: 'Secret', name: 'prod' } }), says: /spec\.connectionRef\.kind: Unsupported value: "Secret"/ },
  { name: 'an unknown deletionPolicy', kind: 'MilvusIndex', spec: index({ deletionPolicy: 'Keep' }), says: /spec\.deletionPolicy: Unsupported value: "Keep"/ },
  { name: 'an unknown updatePolicy', kind: 'MilvusIndex', spec: index({ updatePolicy: 'Always' }), says: /spec\.updatePolicy: Unsupported value: "Always"/ },
  // --- object names (the API server's own rules)
  { name: 'a 254-character resource name', kind: 'MilvusIndex', spec: index({}), objectName: long(254), says: /metadata\.name: Invalid value: .*must be no more than 253 characters/ },
  { name: 'a resource name in upper case', kind: 'MilvusIndex', spec: index({}), objectName: 'MyIndex', says: /metadata\.name: Invalid value: "MyIndex": a lowercase RFC 1123 subdomain/ },
  { name: 'a unicode resource name', kind: 'MilvusIndex', spec: index({}), objectName: 'índice', says: /metadata\.name: Invalid value: .*RFC 1123 subdomain/ },
  // --- connections
  { name: 'credentials in an http uri', kind: 'MilvusConnection', spec: connection({ uri: 'http://user:s3cr3t-pw@milvus:19530' }), says: /spec\.uri: Invalid value: .*uri must not contain credentials.*credentialsSecretRef/, hides: 's3cr3t-pw' },
  { name: 'credentials in an https uri (cluster)', kind: 'ClusterMilvusConnection', spec: clusterConnection({ uri: 'https://alice:pa55w0rd@milvus.example.com:443' }), says: /spec\.uri: Invalid value: .*credentialsSecretRef/, hides: 'pa55w0rd' },
  { name: 'credentials in a uri without a scheme', kind: 'MilvusConnection', spec: connection({ uri: 'root:Milvus-pw@milvus:19530' }), says: /uri must not contain credentials/, hides: 'Milvus-pw' },
  { name: 'a grpc:// uri', kind: 'MilvusConnection', spec: connection({ uri: 'grpc://milvus:19530' }), says: /uri scheme must be http:\/\/ or https:\/\// },
  { name: 'a 3000-character uri', kind: 'MilvusConnection', spec: connection({ uri: `https://${long(2990)}.com` }), says: /spec\.uri: Too long: may not be (longer|more) than 2048/ },
  { name: 'timeoutSeconds 0', kind: 'MilvusConnection', spec: connection({ timeoutSeconds: 0 }), says: /spec\.timeoutSeconds: Invalid value: 0: spec\.timeoutSeconds in body should be greater than or equal to 1/ },
  { name: 'maxConcurrentRequests 100000', kind: 'MilvusConnection', spec: connection({ maxConcurrentRequests: 100_000 }), says: /spec\.maxConcurrentRequests.*less than or equal to 1000/ },
  { name: 'a Secret name with an underscore', kind: 'MilvusConnection', spec: connection({ credentialsSecretRef: { name: 'my_secret' } }), says: /spec\.credentialsSecretRef\.name in body should match/ },
  { name: 'a CA key with a space', kind: 'MilvusConnection', spec: connection({ tls: { enabled: true, caSecretRef: { name: 'ca', key: 'ca crt' } } }), says: /spec\.tls\.caSecretRef\.key in body should match/ },
  { name: 'a connection database with a hyphen', kind: 'MilvusConnection', spec: connection({ database: 'my-db' }), says: /spec\.database in body should match/ },
  { name: 'a cluster Secret reference without a namespace', kind: 'ClusterMilvusConnection', spec: clusterConnection({ credentialsSecretRef: { name: 'creds' } }), says: /spec\.credentialsSecretRef\.namespace: Required value/ },
  { name: 'credentials with a token and a username', kind: 'MilvusConnection', spec: connection({ credentials: { token: { name: 't', key: 'token' }, username: { name: 'u', key: 'u' }, password: { name: 'u', key: 'p' } } }), says: /credentials: set token, or username and password \(not both, not neither\)/ },
  { name: 'credentials with a username and no password', kind: 'MilvusConnection', spec: connection({ credentials: { username: { name: 'u', key: 'u' } } }), says: /username and password go together/ },
  { name: 'credentials and the deprecated credentialsSecretRef', kind: 'MilvusConnection', spec: connection({ credentials: { token: { name: 't', key: 'token' } }, credentialsSecretRef: { name: 't' } }), says: /set credentials or the deprecated credentialsSecretRef, not both/ },
  { name: 'a credentials selector without a key', kind: 'MilvusConnection', spec: connection({ credentials: { token: { name: 't' } } }), says: /spec\.credentials\.token\.key: Required value/ },
  { name: 'a cluster credentials selector without a namespace', kind: 'ClusterMilvusConnection', spec: clusterConnection({ credentialsSecretRef: undefined, credentials: { token: { name: 't', key: 'token' } } }), says: /spec\.credentials\.token\.namespace: Required value/ },
  { name: 'a client certificate Secret name with an underscore', kind: 'MilvusConnection', spec: connection({ tls: { enabled: true, clientCertSecretRef: { name: 'my_cert' } } }), says: /spec\.tls\.clientCertSecretRef\.name in body should match/ },
  { name: 'allowedNamespaces from Selector without a selector', kind: 'ClusterMilvusConnection', spec: clusterConnection({ allowedNamespaces: { from: 'Selector' } }), says: /allowedNamespaces\.selector is required when from is Selector/ },
  { name: '65 matchLabels', kind: 'ClusterMilvusConnection', spec: clusterConnection({ allowedNamespaces: { from: 'Selector', selector: { matchLabels: manyEntries(65, () => 'x') } } }), says: /matchLabels: Too many: 65: must have at most 64/ },
  { name: 'a 100-character label value', kind: 'ClusterMilvusConnection', spec: clusterConnection({ allowedNamespaces: { from: 'Selector', selector: { matchLabels: { team: long(100) } } } }), says: /matchLabels.*team.*Too long: may not be (longer|more) than 63/ },
  { name: 'a matchExpressions operator "Like"', kind: 'ClusterMilvusConnection', spec: clusterConnection({ allowedNamespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'Like' }] } } }), says: /matchExpressions\[0\]\.operator: Unsupported value: "Like"/ },
  { name: '33 matchExpressions', kind: 'ClusterMilvusConnection', spec: clusterConnection({ allowedNamespaces: { from: 'Selector', selector: { matchExpressions: Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' })) } } }), says: /matchExpressions: Too many: 33: must have at most 32/ },
];

/** What the API server answered to a refused request. */
interface Refused { code: number; message: string }

/** The status code and message of a refused request; fails if the request was accepted. */
async function refusal(request: Promise<unknown>): Promise<Refused> {
  try {
    await request;
  } catch (e) {
    const err = e as { code?: number; body?: unknown; message?: string };
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try { body = JSON.parse(body); } catch { /* not JSON: keep the text */ }
    }
    const message = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : String(body ?? err.message);
    return { code: err.code ?? 0, message };
  }
  throw new Error('the API server accepted it');
}

describe('bad input', () => {
  let kc: KubeConfig;
  let ns: string;
  let objects: CustomObjectsApi;
  let core: CoreV1Api;
  let operator: Operator;
  let metrics: OperatorMetrics;
  let proxy: AuthProxy;
  let milvus: MilvusClient;
  let mis: MilvusIndexes;
  let collection: string;
  let caPem: string;
  const writes: MilvusWrite[] = [];
  const logs: string[] = [];
  let counter = 0;
  const freshName = (prefix: string) => `${prefix}-${++counter}`;

  const create = (kind: Kind, name: string, spec: Record<string, unknown>, dryRun = false) => {
    const body = { apiVersion: `${GVR.group}/${GVR.version}`, kind, metadata: { name }, spec };
    const opts = dryRun ? { dryRun: 'All' } : {};
    return kind === 'ClusterMilvusConnection'
      ? objects.createClusterCustomObject({ ...GVR, plural: PLURAL[kind], body, ...opts })
      : objects.createNamespacedCustomObject({ ...GVR, plural: PLURAL[kind], namespace: ns, body, ...opts });
  };
  const remove = (kind: Kind, name: string) => kind === 'ClusterMilvusConnection'
    ? objects.deleteClusterCustomObject({ ...GVR, plural: PLURAL[kind], name })
    : objects.deleteNamespacedCustomObject({ ...GVR, plural: PLURAL[kind], namespace: ns, name });
  const putSecret = (name: string, data: Record<string, string>) => core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, namespace: ns }, stringData: data } });
  const reconciles = async () => (await metrics.reconcileTotal.get()).values.filter((v) => v.labels.controller === metrics.controllerName).reduce((s, v) => s + v.value, 0);

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    objects = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    ns = await createTestNamespace(kc, 'bad-input');
    mis = new MilvusIndexes(kc, ns);
    milvus = sdkClient(inject('milvusUri'));
    collection = uniqueCollection('faults');
    await createCollection(milvus, collection);
    const certs = await issueServerCertificate(SERVER_NAME);
    caPem = certs.caPem;
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), tls: { certPem: certs.certPem, keyPem: certs.keyPem }, credentials: [TOKEN] });
    // The operator is built here rather than by startTestOperator, to pass the Milvus write observer.
    const parsed = parseConfig(['--namespace', ns, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-level', 'info', '--shutdown-timeout', '10s'], { MILVUS_URI: inject('milvusUri') });
    if (parsed.kind !== 'config') throw new Error('unexpected --help');
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)); cb(); } });
    metrics = new OperatorMetrics({ processMetrics: false });
    operator = new Operator(parsed.config, { kc, log: createLogger('info', sink), metrics, milvusWrites: { written: (w) => writes.push(w) } });
    await operator.start();
  });

  afterAll(async () => {
    await operator?.stop();
    await proxy?.close();
    await milvus?.closeConnection();
  });

  describe(`is refused by the API server, with a message naming the problem ${ADMISSION}`, () => {
    it.each(REFUSALS.map((r) => [r.name, r] as [string, Refusal]))('%s', async (_name, c) => {
      const name = c.objectName ?? freshName(c.kind === 'MilvusIndex' ? 'mvi' : `conn-${RUN}`);
      const answer = await refusal(create(c.kind, name, c.spec));
      expect(answer.code, answer.message).toBe(422);
      expect(answer.message).toMatch(c.says);
      if (c.hides) expect(answer.message).not.toContain(c.hides);
    });

    it('the limits are generous: a spec at every bound is admitted (server-side dry run)', async () => {
      const atBounds = index({
        collectionName: long(255), fieldName: long(255, 'f'), indexName: long(255, 'i'), database: long(255, 'd'),
        params: { ...manyEntries(62, () => long(1024, 'v')), M: 16, [long(128, 'p')]: 1 },
        properties: { ...manyEntries(31, () => long(1024)), [long(128, 'q')]: 'true' },
        connectionRef: { kind: 'MilvusConnection', name: long(253) },
      });
      await expect(create('MilvusIndex', 'at-bounds', atBounds, true)).resolves.toBeDefined();
    });

    it('a port-less https uri (Zilliz Cloud) is admitted on both connection kinds (server-side dry run)', async () => {
      const uri = 'https://in03-0123456789abcdef.serverless.gcp-us-west1.cloud.zilliz.com';
      await expect(create('MilvusConnection', 'zilliz', connection({ uri }), true)).resolves.toBeDefined();
      await expect(create('ClusterMilvusConnection', `zilliz-${RUN}`, clusterConnection({ uri }), true)).resolves.toBeDefined();
      await expect(create('MilvusConnection', 'plain-http', connection({ uri: 'http://milvus.milvus.svc' }), true)).resolves.toBeDefined();
    });
  });

  describe(`an edit of an immutable field is refused by the API server ${ADMISSION}`, () => {
    const NAME = 'immutable';
    const patch = (body: object) => objects.patchNamespacedCustomObject({ ...GVR, plural: PLURAL.MilvusIndex, namespace: ns, name: NAME, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

    beforeAll(async () => {
      // Paused: the operator only observes it (and the collection does not exist).
      await mis.create({ name: NAME, annotations: { 'index.milvus.io/paused': 'true' }, spec: index({ collectionName: uniqueCollection('never'), database: 'default' }) as never });
    });

    afterAll(async () => {
      await patch({ metadata: { annotations: { 'index.milvus.io/paused': null } } });
      await mis.delete(NAME);
      await mis.waitForGone(NAME);
    });

    it.each([
      ['a changed collectionName', { spec: { collectionName: 'other' } }, /spec\.collectionName: Invalid value: .*collectionName is immutable: delete and re-create the resource to change it/],
      ['a changed fieldName', { spec: { fieldName: 'title' } }, /fieldName is immutable/],
      ['an added indexName', { spec: { indexName: 'vec_idx' } }, /indexName is immutable: it cannot be added or removed/],
      ['a removed database', { spec: { database: null } }, /database is immutable: it cannot be added or removed/],
      ['an added connectionRef', { spec: { connectionRef: { name: 'prod' } } }, /connectionRef is immutable: it cannot be added or removed/],
      ['a metric that does not go with the type', { spec: { metricType: 'HAMMING' } }, /metricType HAMMING does not go with HNSW/],
      ['a 40 KB param value added by an edit (defect 6)', { spec: { params: { note: long(40_000, 'x') } } }, /spec\.params\.note: Too long/],
    ] as [string, object, RegExp][])('%s', async (_name, body, says) => {
      const answer = await refusal(patch(body));
      expect(answer.code, answer.message).toBe(422);
      expect(answer.message).toMatch(says);
    });
  });

  interface Judged {
    name: string;
    /** Creates what the case needs (connections, Secrets); returns the MilvusIndex spec. */
    arrange: (name: string) => Promise<Record<string, unknown>>;
    reason: string;
    stalled: 'True' | 'False';
    says: (name: string) => RegExp;
    /** Connections it created, deleted afterwards. */
    connections?: (name: string) => [Kind, string][];
  }

  const judged: Judged[] = [
    // spec.params is invisible to CEL (untyped values), so its types and key sizes are the operator's.
    { name: 'AUTOINDEX with build params', arrange: async () => index({ collectionName: collection, indexType: 'AUTOINDEX' }), reason: 'InvalidSpec', stalled: 'True', says: () => /AUTOINDEX takes no build params/ },
    { name: 'a param value that is a list', arrange: async () => index({ collectionName: collection, params: { M: [16] } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.M must be a string, number or boolean, not a list/ },
    { name: 'a param value that is an object', arrange: async () => index({ collectionName: collection, params: { M: { value: 16 } } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.M must be a string, number or boolean, not object/ },
    { name: 'a 200-character param key', arrange: async () => index({ collectionName: collection, params: { M: 16, [long(200, 'k')]: 1 } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params key "k+… \(202 characters\) is longer than 128 characters/ },
    { name: 'HNSW M out of range', arrange: async () => index({ collectionName: collection, params: { M: 100_000 } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.M of HNSW must be between 2 and 2048, got 100000/ },
    { name: 'HNSW M not a number', arrange: async () => index({ collectionName: collection, params: { M: 'sixteen' } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.M of HNSW must be an integer between 2 and 2048, got "sixteen"/ },
    { name: 'IVF_FLAT nlist not an integer', arrange: async () => index({ collectionName: collection, indexType: 'IVF_FLAT', metricType: 'L2', params: { nlist: 1.5 } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.nlist of IVF_FLAT must be an integer/ },
    { name: 'IVF_PQ nbits out of range', arrange: async () => index({ collectionName: collection, indexType: 'IVF_PQ', metricType: 'L2', params: { nlist: 4, m: 2, nbits: 99 } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.nbits of IVF_PQ must be between 1 and 24, got 99/ },
    { name: 'a scalar index type on a vector field', arrange: async () => index({ collectionName: collection, indexType: 'INVERTED', metricType: undefined, params: undefined }), reason: 'InvalidSpec', stalled: 'True', says: () => /indexType INVERTED cannot index field "vec" of type FloatVector; use one of/ },
    { name: 'a binary index type on a float vector field', arrange: async () => index({ collectionName: collection, indexType: 'BIN_FLAT', metricType: 'HAMMING', params: undefined }), reason: 'InvalidSpec', stalled: 'True', says: () => /indexType BIN_FLAT cannot index field "vec" of type FloatVector/ },
    { name: 'a binary metric with AUTOINDEX on a float vector field', arrange: async () => index({ collectionName: collection, indexType: 'AUTOINDEX', metricType: 'HAMMING', params: undefined }), reason: 'InvalidSpec', stalled: 'True', says: () => /metricType HAMMING does not fit field "vec" of type FloatVector; use one of L2, IP, COSINE/ },
    { name: 'a numeric index type on a VarChar field', arrange: async () => index({ collectionName: collection, fieldName: 'title', indexType: 'STL_SORT', metricType: undefined, params: undefined }), reason: 'InvalidSpec', stalled: 'True', says: () => /indexType STL_SORT cannot index field "title" of type VarChar/ },
    { name: 'a JSON path on a VarChar field', arrange: async () => index({ collectionName: collection, fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: { json_path: 'title', json_cast_type: 'VARCHAR' } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.json_path applies to JSON fields only; field "title" is VarChar/ },
    { name: 'json_cast_type without json_path', arrange: async () => index({ collectionName: collection, fieldName: 'title', indexType: 'INVERTED', metricType: undefined, params: { json_cast_type: 'VARCHAR' } }), reason: 'InvalidSpec', stalled: 'True', says: () => /params\.json_cast_type applies to a JSON path index only/ },
    { name: 'a field the collection does not have', arrange: async () => index({ collectionName: collection, fieldName: 'embedding' }), reason: 'FieldNotFound', stalled: 'False', says: () => /embedding/ },
    { name: 'a collection that does not exist', arrange: async () => index({ collectionName: 'no_such_collection_faults' }), reason: 'CollectionNotFound', stalled: 'False', says: () => /no_such_collection_faults/ },
    { name: 'a MilvusConnection that does not exist', arrange: async () => index({ collectionName: collection, connectionRef: { name: 'nowhere' } }), reason: 'ConnectionNotReady', stalled: 'False', says: () => /MilvusConnection "nowhere" in namespace ".*" does not exist; create it/ },
    {
      name: 'a connection whose credentials Secret is missing',
      arrange: async (n) => {
        await create('MilvusConnection', `${n}-conn`, { uri: proxy.address, tls: { enabled: true, caSecretRef: { name: 'faults-ca' }, serverName: SERVER_NAME }, credentialsSecretRef: { name: 'missing-secret' } });
        return index({ collectionName: collection, connectionRef: { name: `${n}-conn` } });
      },
      reason: 'ConnectionNotReady', stalled: 'False', says: () => /not ready \(SecretNotFound\).*missing-secret/, connections: (n) => [['MilvusConnection', `${n}-conn`]],
    },
    {
      name: 'a connection whose CA did not sign the server certificate',
      arrange: async (n) => {
        await create('MilvusConnection', `${n}-conn`, { uri: proxy.address, tls: { enabled: true, caSecretRef: { name: 'faults-other-ca' }, serverName: SERVER_NAME }, credentialsSecretRef: { name: 'faults-token' } });
        return index({ collectionName: collection, connectionRef: { name: `${n}-conn` } });
      },
      reason: 'ConnectionNotReady', stalled: 'False', says: () => /not ready \(Unreachable\)/, connections: (n) => [['MilvusConnection', `${n}-conn`]],
    },
    {
      name: 'a ClusterMilvusConnection the namespace may not use',
      arrange: async (n) => {
        await create('ClusterMilvusConnection', `${n}-${RUN}`, { uri: inject('milvusUri'), allowedNamespaces: { from: 'Selector', selector: { matchLabels: { 'milvus-access': 'prod' } } } });
        return index({ collectionName: collection, connectionRef: { kind: 'ClusterMilvusConnection', name: `${n}-${RUN}` } });
      },
      reason: 'ConnectionNotAllowed', stalled: 'False', says: (n) => new RegExp(`may not use ClusterMilvusConnection "${n}-${RUN}".*allowedNamespaces`), connections: (n) => [['ClusterMilvusConnection', `${n}-${RUN}`]],
    },
  ];

  describe(`only the operator can judge: Ready=False with an actionable message, 0 Milvus writes, bounded reconciles ${JUDGED}`, () => {
    beforeAll(async () => {
      const other = await issueServerCertificate(SERVER_NAME);
      await putSecret('faults-ca', { 'ca.crt': caPem });
      await putSecret('faults-other-ca', { 'ca.crt': other.caPem });
      await putSecret('faults-token', { token: TOKEN });
    });

    it.each(judged.map((j, i) => [j.name, j, i] as [string, Judged, number]))('%s', async (_name, c, i) => {
      const name = `judged-${i}`;
      const before = await reconciles();
      const spec = await c.arrange(name);
      await mis.create({ name, spec: spec as never });
      const answered = await mis.waitFor(name, (r) => {
        const ready = readyOf(r);
        return ready?.status === 'False' && ready.reason === c.reason && c.says(name).test(ready.message) && r?.status?.observedGeneration === r?.metadata.generation;
      }, `Ready=False/${c.reason} saying ${c.says(name)}`, 60_000);
      expect(conditionOf(answered, 'Stalled')).toBe(c.stalled);
      // Still answered, and not reconciled in a loop, a little later.
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const after = await mis.get(name);
      expect(readyOf(after)?.reason).toBe(c.reason);
      const count = (await reconciles()) - before;
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count, 'reconciles of one bad resource').toBeLessThanOrEqual(MAX_RECONCILES);
      expect(writes.filter((w) => w.namespace === ns && w.name === name)).toEqual([]);
      await mis.delete(name);
      await mis.waitForGone(name);
      for (const [kind, connName] of c.connections?.(name) ?? []) await remove(kind, connName);
    });
  });

  it(`the operator made no Milvus write at all and the collection has no index ${JUDGED}`, async () => {
    expect(writes).toEqual([]);
    expect(await describeIndexes(milvus, collection)).toEqual([]);
  });
});
