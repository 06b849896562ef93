// End to end in a kind cluster (needs a Docker engine; skipped with the reason printed otherwise):
// builds the image from the Dockerfile and loads it into kind, runs a standalone Milvus in the cluster
// (test/e2e/milvus-standalone.yaml), installs the Helm chart (CRDs from its crds/), applies the sample
// MilvusIndex (deploy/samples/milvusindex.yaml), waits for Ready, deletes it and checks that the index
// was dropped in Milvus. kind and helm come from the Go module proxy (test/support/tools.ts).
// Knobs: MIO_E2E_MILVUS_IMAGE, MIO_E2E_KIND_NODE_IMAGE, MIO_E2E_KEEP_CLUSTER=1.
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { GROUP, MILVUS_INDEX, VERSION } from '../../src/api/milvusindex.js';
import { CHART_DIR, ROOT } from '../support/chart.js';
import { describeIndexes, sdkClient } from '../support/milvus.js';
import { freePort, run, waitFor } from '../support/proc.js';
import { helmEnv, resolveHelm, resolveKind } from '../support/tools.js';

const skipReason = inject('e2eSkipReason');
const IMAGE_REPO = 'milvus-index-operator';
const IMAGE_TAG = 'e2e';
const OPERATOR_NS = 'milvus-index-operator';
const SAMPLE_NS = 'e2e';
const COLLECTION = 'docs';
const FIELD = 'embedding';

const log = (msg: string) => console.log(`[e2e] ${msg}`);

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${what} ...`);
  const out = await fn();
  log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** Runs a command, failing with the tail of its output. */
async function must(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const res = await run(bin, args, { cwd: ROOT, ...opts });
  if (res.code !== 0) {
    const tail = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${bin} ${args.join(' ')} failed (exit ${res.code}):\n${tail}`);
  }
  return res.stdout;
}

const status = (e: unknown): number | undefined => (e as { code?: number }).code;

describe.skipIf(skipReason !== '')(`kind cluster: image + Helm chart + in-cluster Milvus ${skipReason ? `(skipped: ${skipReason})` : ''}`, () => {
  const cluster = `mio-e2e-${process.pid}`;
  let work: string;
  let kubeconfig: string;
  let kindBin: string;
  let helmBin: string;
  let kc: KubeConfig;
  let milvus: MilvusClient | undefined;
  let hostPort: number;
  let created = false;

  const operatorLogs = async (): Promise<string> => {
    try {
      const core = kc.makeApiClient(CoreV1Api);
      const pods = await core.listNamespacedPod({ namespace: OPERATOR_NS, labelSelector: 'app.kubernetes.io/name=milvus-index-operator' });
      const logs = await Promise.all(
        pods.items.map(async (p) => `--- ${p.metadata?.name}\n${await core.readNamespacedPodLog({ namespace: OPERATOR_NS, name: p.metadata!.name!, tailLines: 60 }).catch((e: unknown) => String(e))}`),
      );
      return logs.join('\n');
    } catch (e) {
      return `(cannot read operator logs: ${String(e)})`;
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mio-e2e-'));
    kubeconfig = join(work, 'kubeconfig');
    const [kind, helm] = await step('resolve kind and helm (Go module proxy, cached)', () => Promise.all([resolveKind(), resolveHelm()]));
    kindBin = kind.path;
    helmBin = helm.path;
    log(`kind v${kind.version} (${kind.source}), helm v${helm.version} (${helm.source})`);

    await step(`docker build -t ${IMAGE_REPO}:${IMAGE_TAG}`, () => must('docker', ['build', '-t', `${IMAGE_REPO}:${IMAGE_TAG}`, ROOT], { env: { ...process.env, DOCKER_BUILDKIT: '1' } }));

    hostPort = await freePort();
    const kindConfig = join(work, 'kind.yaml');
    writeFileSync(
      kindConfig,
      [
        'kind: Cluster',
        'apiVersion: kind.x-k8s.io/v1alpha4',
        'nodes:',
        '  - role: control-plane',
        '    extraPortMappings:',
        `      - { containerPort: 30530, hostPort: ${hostPort}, listenAddress: "127.0.0.1", protocol: TCP }`,
        '',
      ].join('\n'),
    );
    const nodeImage = process.env.MIO_E2E_KIND_NODE_IMAGE ? ['--image', process.env.MIO_E2E_KIND_NODE_IMAGE] : [];
    created = true;
    await step(`kind create cluster ${cluster}`, () => must(kindBin, ['create', 'cluster', '--name', cluster, '--config', kindConfig, '--kubeconfig', kubeconfig, '--wait', '5m', ...nodeImage]));
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    await step('kind load docker-image', () => must(kindBin, ['load', 'docker-image', `${IMAGE_REPO}:${IMAGE_TAG}`, '--name', cluster]));

    await step('Milvus standalone in the cluster', async () => {
      let manifest = readFileSync(join(import.meta.dirname, 'milvus-standalone.yaml'), 'utf8');
      if (process.env.MIO_E2E_MILVUS_IMAGE) manifest = manifest.replace(/image: milvusdb\/milvus:\S+/, `image: ${process.env.MIO_E2E_MILVUS_IMAGE}`);
      await applyAll(kc, manifest);
      const apps = kc.makeApiClient(AppsV1Api);
      await waitFor('the Milvus Deployment to be available', async () => ((await apps.readNamespacedDeployment({ namespace: 'milvus', name: 'milvus' })).status?.availableReplicas ?? 0) >= 1, {
        timeoutMs: 15 * 60_000,
        intervalMs: 5000,
      });
      milvus = sdkClient(`127.0.0.1:${hostPort}`);
      await waitFor('Milvus to answer through the NodePort', async () => (await milvus!.checkHealth()).isHealthy, { timeoutMs: 5 * 60_000, intervalMs: 3000 });
    });

    await step('helm install (CRDs from the chart)', () =>
      must(
        helmBin,
        [
          'install', 'milvus-index-operator', CHART_DIR,
          '--namespace', OPERATOR_NS, '--create-namespace',
          '--kubeconfig', kubeconfig,
          '--set', `image.repository=${IMAGE_REPO}`, '--set', `image.tag=${IMAGE_TAG}`, '--set', 'image.pullPolicy=Never',
          '--set', 'defaultConnection.uri=milvus.milvus.svc.cluster.local:19530',
          '--set', 'operator.logLevel=debug',
          '--wait', '--timeout', '5m',
        ],
        { env: helmEnv(join(work, 'helm')) },
      ),
    );
  });

  afterAll(async () => {
    await milvus?.closeConnection().catch(() => {});
    if (created && process.env.MIO_E2E_KEEP_CLUSTER !== '1') {
      await run(kindBin, ['delete', 'cluster', '--name', cluster, '--kubeconfig', kubeconfig]).catch(() => undefined);
    } else if (created) {
      log(`kept cluster ${cluster} (kubeconfig ${kubeconfig})`);
    }
    if (work && process.env.MIO_E2E_KEEP_CLUSTER !== '1') rmSync(work, { recursive: true, force: true });
  });

  it('runs two operator replicas, one of them holding the leader Lease', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const dep = await apps.readNamespacedDeployment({ namespace: OPERATOR_NS, name: 'milvus-index-operator' });
    expect(dep.status?.readyReplicas, await operatorLogs()).toBe(2);
    const leases = kc.makeApiClient(CoordinationV1Api);
    await waitFor('a leader', async () => Boolean((await leases.readNamespacedLease({ namespace: OPERATOR_NS, name: 'milvus-index-operator.index.milvus.io' })).spec?.holderIdentity), {
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
  });

  it('a sample MilvusIndex goes Ready, and deleting it drops the index in Milvus', async () => {
    const client = milvus!;
    await step(`create collection ${COLLECTION}`, async () => {
      const res = await client.createCollection({
        collection_name: COLLECTION,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
          { name: FIELD, data_type: DataType.FloatVector, dim: 8 },
        ],
      });
      expect(res.error_code, JSON.stringify(res)).toBe('Success');
      const rows = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, [FIELD]: Array.from({ length: 8 }, (_, j) => Math.sin(i + j)) }));
      const ins = await client.insert({ collection_name: COLLECTION, data: rows });
      expect(ins.status.error_code, JSON.stringify(ins.status)).toBe('Success');
      await client.flushSync({ collection_names: [COLLECTION] });
    });

    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: SAMPLE_NS } } });
    const sample = loadAllYaml(readFileSync(join(ROOT, 'deploy', 'samples', 'milvusindex.yaml'), 'utf8'))[0] as KubernetesObject & { spec: { collectionName: string; fieldName: string } };
    expect(sample.spec.collectionName).toBe(COLLECTION);
    expect(sample.spec.fieldName).toBe(FIELD);
    sample.metadata = { ...sample.metadata, namespace: SAMPLE_NS };
    const name = sample.metadata.name!;
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, namespace: SAMPLE_NS, body: sample });

    let last: unknown;
    await step(`wait for mvi/${name} Ready`, () =>
      waitFor(
        `mvi/${name} Ready`,
        async () => {
          last = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, namespace: SAMPLE_NS, name });
          const conds = (last as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
          return conds.some((c) => c.type === 'Ready' && c.status === 'True');
        },
        { timeoutMs: 5 * 60_000, intervalMs: 2000 },
      ).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}\nlast: ${JSON.stringify(last, null, 2)}\noperator logs:\n${await operatorLogs()}`);
      }),
    );
    const indexes = await describeIndexes(client, COLLECTION);
    expect(indexes.map((i) => i.field_name)).toEqual([FIELD]);

    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, namespace: SAMPLE_NS, name });
    await step(`wait for mvi/${name} to be gone`, () =>
      waitFor(
        `mvi/${name} to be deleted (finalizer removed)`,
        async () => {
          try {
            await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, namespace: SAMPLE_NS, name });
            return false;
          } catch (e) {
            if (status(e) === 404) return true;
            throw e;
          }
        },
        { timeoutMs: 3 * 60_000, intervalMs: 2000 },
      ).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}\noperator logs:\n${await operatorLogs()}`);
      }),
    );
    expect(await describeIndexes(client, COLLECTION)).toEqual([]);
  });
});

/** Creates every object of a multi-document YAML (already existing ones are left alone). */
async function applyAll(kc: KubeConfig, text: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of loadAllYaml(text) as KubernetesObject[]) {
    if (!obj) continue;
    try {
      await api.create(obj);
    } catch (e) {
      if (status(e) !== 409) throw e;
    }
  }
}
