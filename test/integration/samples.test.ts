// deploy/samples/: every sample, as written, passes server-side apply --dry-run=server on the REAL kube-apiserver;
// then each is applied for real (server-side, into a test namespace; collection names, endpoints and cluster-scoped
// names patched for the test, nothing else) and the REAL operator drives it against REAL Milvus Lite to the condition
// the sample's comments and the README promise: Ready where Lite can build it, the documented answer where it
// cannot (JSON paths: Unsupported; BITMAP/STL_SORT: Lite's refusal; Zilliz serverless: no Milvus call for the index).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { issueServerCertificate } from '../support/certs.js';
import { ROOT } from '../support/chart.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createSamplesCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { conditionOf, MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import { run } from '../support/proc.js';

const SERVERS = '[kube-apiserver + milvus-lite]';
const SAMPLES_DIR = join(ROOT, 'deploy', 'samples');
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };
const TLS_SERVER_NAME = 'milvus.example.com'; // the serverName of milvusconnection.yaml
const TOKEN = 'samples-token-5d2e81';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown> & { collectionName?: string; connectionRef?: { kind: string; name: string }; credentials?: { token?: { namespace?: string } } };
}
type ConnectionKind = 'MilvusConnection' | 'ClusterMilvusConnection';
interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number }

const readSample = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(SAMPLES_DIR, file), 'utf8')).map((d) => d.toJS() as Doc).filter((d) => d !== null);

describe(`deploy/samples/ against the real servers ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let objects: CustomObjectsApi;
  let op: TestOperator;
  let proxy: AuthProxy;
  let direct: MilvusClient;
  let mis: MilvusIndexes;
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const clusterConnections: string[] = [];
  const collections: string[] = [];

  const kubectl = (args: string[], input?: string) =>
    run(join(inject('kubeBinDir'), 'kubectl'), args, { env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') }, ...(input !== undefined ? { input } : {}) });

  /** Server-side applies a sample into the test namespace: its MilvusIndexes on a fresh collection, then `patch`. */
  const applySample = async (file: string, patch: (d: Doc) => void = () => {}): Promise<{ docs: Doc[]; collection: string }> => {
    const collection = uniqueCollection('sample');
    await createSamplesCollection(direct, collection);
    collections.push(collection);
    const docs = readSample(file);
    for (const d of docs) {
      if (d.kind === 'MilvusIndex') d.spec.collectionName = collection;
      patch(d);
    }
    const res = await kubectl(['apply', '--server-side', '--field-manager=samples-test', '-n', ns, '-f', '-'], docs.map((d) => JSON.stringify(d)).join('\n---\n'));
    expect(res.code, `${file}: ${res.stderr}${res.stdout}`).toBe(0);
    return { docs, collection };
  };

  const connectionReady = async (kind: ConnectionKind, name: string): Promise<{ generation: number; ready?: Condition; conditions: Condition[] }> => {
    const o = (kind === 'MilvusConnection'
      ? await objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name })
      : await objects.getClusterCustomObject({ ...GROUP, plural: 'clustermilvusconnections', name })) as { metadata: { generation: number }; status?: { conditions?: Condition[] } };
    const conditions = o.status?.conditions ?? [];
    return { generation: o.metadata.generation, ready: conditions.find((c) => c.type === 'Ready'), conditions };
  };
  const waitConnection = async (kind: ConnectionKind, name: string, status: 'True' | 'False', reason: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: Awaited<ReturnType<typeof connectionReady>> | undefined;
    while (Date.now() < deadline) {
      last = await connectionReady(kind, name);
      if (last.ready?.status === status && last.ready.reason === reason && last.ready.observedGeneration === last.generation) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${kind} ${name}: not Ready=${status}/${reason} within ${timeoutMs} ms; last: ${JSON.stringify(last?.conditions)}`);
  };

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    objects = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    ns = await createTestNamespace(kc, 'samples');
    // clustermilvusconnection.yaml's allowedNamespaces selects milvus-access=granted.
    await core.patchNamespace({ name: ns, body: { metadata: { labels: { 'milvus-access': 'granted' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const certs = await issueServerCertificate(TLS_SERVER_NAME);
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), tls: { certPem: certs.certPem, keyPem: certs.keyPem }, credentials: [TOKEN] });
    // The Secrets the samples' comments tell the reader to create.
    for (const [name, data] of [['milvus-token', { token: TOKEN }], ['milvus-ca', { 'ca.crt': certs.caPem }], ['zilliz', { apiKey: 'not-a-real-key' }]] as const) {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    }
    op = await startTestOperator(kc, ns, ['--resync-period', '5s'], { MILVUS_URI: inject('milvusUri') });
    direct = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    // Only after a failure: the last test deletes everything itself.
    if (ns) await kubectl(['delete', 'milvusindexes', '--all', '-n', ns, '--wait=false']);
    for (const name of clusterConnections) await kubectl(['delete', 'clustermilvusconnection', name, '--wait=true', '--timeout=30s']);
    await op?.stop();
    await proxy?.close();
    await direct?.closeConnection();
  });

  it('covers every file in deploy/samples/', () => {
    expect(readdirSync(SAMPLES_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()).toEqual(
      ['bm25-index.yaml', 'clustermilvusconnection.yaml', 'json-path-index.yaml', 'milvusconnection.yaml', 'milvusindex.yaml', 'scalar-indexes.yaml', 'sparse-index.yaml', 'zilliz-serverless.yaml'],
    );
  });

  it(`every sample, exactly as written, passes server-side apply --dry-run=server ${SERVERS}`, async () => {
    for (const file of readdirSync(SAMPLES_DIR).filter((f) => /\.ya?ml$/.test(f))) {
      const res = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=samples-test', '-n', ns, '-f', join(SAMPLES_DIR, file)]);
      expect(res.code, `${file}: ${res.stderr}${res.stdout}`).toBe(0);
      expect(res.stdout.match(/serverside-applied \(server dry run\)/g)?.length, `${file}: ${res.stdout}`).toBe(readSample(file).length);
    }
  });

  it(`milvusindex.yaml (the default connection): Ready, the index in Milvus ${SERVERS}`, async () => {
    const { collection } = await applySample('milvusindex.yaml');
    await mis.waitForReady('docs-embedding');
    expect((await describeIndexes(direct, collection)).map((i) => i.field_name)).toEqual(['embedding']);
  });

  it(`milvusconnection.yaml (token Secret, private CA over TLS): Connected, its MilvusIndex Ready ${SERVERS}`, async () => {
    const { collection } = await applySample('milvusconnection.yaml', (d) => {
      // The TLS/token proxy in front of Lite, serving a certificate for the sample's serverName.
      if (d.kind === 'MilvusConnection') d.spec.uri = `https://${proxy.address}`;
    });
    await waitConnection('MilvusConnection', 'milvus-tls', 'True', 'Connected');
    await mis.waitForReady('docs-embedding-tls');
    expect((await describeIndexes(direct, collection)).map((i) => i.field_name)).toEqual(['embedding']);
    expect(proxy.stats().calls, 'the calls went through the TLS proxy with the token').toBeGreaterThan(0);
    expect(proxy.stats().rejected).toBe(0);
  });

  it(`clustermilvusconnection.yaml (allowedNamespaces by label): Connected, its MilvusIndex in a selected namespace Ready ${SERVERS}`, async () => {
    const name = `shared-milvus-${suffix}`;
    clusterConnections.push(name);
    const { collection } = await applySample('clustermilvusconnection.yaml', (d) => {
      if (d.kind === 'ClusterMilvusConnection') {
        d.metadata.name = name;
        d.spec.uri = inject('milvusUri');
        d.spec.credentials!.token!.namespace = ns;
      }
      if (d.kind === 'MilvusIndex') d.spec.connectionRef!.name = name;
    });
    await waitConnection('ClusterMilvusConnection', name, 'True', 'Connected');
    await mis.waitForReady('docs-embedding-shared');
    expect((await describeIndexes(direct, collection)).map((i) => i.field_name)).toEqual(['embedding']);
  });

  it(`zilliz-serverless.yaml: admitted (port-less https, AUTOINDEX); unreachable from here, so the index waits for its connection and nothing is sent to Milvus ${SERVERS}`, async () => {
    const { collection } = await applySample('zilliz-serverless.yaml');
    const conn = await waitConnection('MilvusConnection', 'zilliz', 'False', 'Unreachable', 90_000);
    expect(conn.conditions.find((c) => c.type === 'Reconciling')?.status, 'unreachable is retried, not Stalled').toBe('True');
    const index = await mis.waitForReady('docs-embedding-zilliz', 'False', 'ConnectionNotReady');
    expect(conditionOf(index, 'Stalled'), 'AUTOINDEX is what a serverless cluster builds: not refused').not.toBe('True');
    expect(op.milvusWrites.on(collection)).toEqual([]);
  });

  it(`sparse-index.yaml (SPARSE_INVERTED_INDEX, IP): Ready, the index in Milvus ${SERVERS}`, async () => {
    const { collection } = await applySample('sparse-index.yaml');
    await mis.waitForReady('docs-sparse');
    const [idx] = await describeIndexes(direct, collection);
    expect(idx?.field_name).toBe('sparse_embedding');
    expect(idx?.params).toMatchObject({ index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'IP' });
  });

  it(`bm25-index.yaml (SPARSE_INVERTED_INDEX, BM25 on a BM25 function's output): Ready, the index in Milvus ${SERVERS}`, async () => {
    const { collection } = await applySample('bm25-index.yaml');
    await mis.waitForReady('docs-text-bm25');
    const [idx] = await describeIndexes(direct, collection);
    expect(idx?.field_name).toBe('text_sparse');
    expect(idx?.params).toMatchObject({ index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' });
  });

  it(`scalar-indexes.yaml: INVERTED Ready; BITMAP and STL_SORT, which Lite does not implement, InvalidSpec with its message ${SERVERS}`, async () => {
    const { collection } = await applySample('scalar-indexes.yaml');
    await mis.waitForReady('docs-category');
    for (const [name, type] of [['docs-in-stock', 'BITMAP'], ['docs-year', 'STL_SORT']] as const) {
      const r = await mis.waitForReady(name, 'False', 'InvalidSpec');
      expect(readyOf(r)?.message).toContain(`'${type}' is not implemented`);
      expect(conditionOf(r, 'Stalled')).toBe('True');
    }
    expect((await describeIndexes(direct, collection)).map((i) => i.field_name)).toEqual(['category']);
  });

  it(`json-path-index.yaml: Lite has no JSON indexes: Ready=False/Unsupported, Stalled ${SERVERS}`, async () => {
    const { collection } = await applySample('json-path-index.yaml');
    const r = await mis.waitForReady('docs-meta-supplier-city', 'False', 'Unsupported');
    expect(readyOf(r)?.message).toMatch(/JSON path indexes need Milvus 2\.5 or newer/);
    expect(conditionOf(r, 'Stalled')).toBe('True');
    expect(await describeIndexes(direct, collection)).toEqual([]);
  });

  it(`deleting the samples' MilvusIndexes drops every index they created (each sample allows the collection release Milvus needs) ${SERVERS}`, async () => {
    const res = await kubectl(['delete', 'milvusindexes', '--all', '-n', ns, '--wait=true', '--timeout=60s']);
    expect(res.code, `${res.stderr}${res.stdout}`).toBe(0);
    for (const c of collections) expect(await describeIndexes(direct, c), c).toEqual([]);
  });
});
