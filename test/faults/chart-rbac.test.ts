// The operator as the chart runs it: the operator CLI authenticated as the chart's ServiceAccount (a
// TokenRequest token), with exactly the ServiceAccount/Role/ClusterRole/bindings `helm template` renders
// and the container args of the rendered Deployment, against the REAL kube-apiserver + etcd and a REAL
// Milvus Lite (connections through a token-checking proxy, so the credentials Secret must really be read).
// Each RBAC mode: indexes on the default connection and on connection resources go Ready, deletion drops
// them in Milvus, Events are recorded, and the operator never logs a 403.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { renderChart } from '../support/chart.js';
import { listEvents } from '../support/events.js';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes } from '../support/operator.js';
import { cleanEnv, OperatorProcess, type LogLine } from '../support/operator-process.js';
import { run } from '../support/proc.js';
import { resolveHelm } from '../support/tools.js';

const SERVERS = '[kube-apiserver + milvus-lite, operator CLI as the chart ServiceAccount]';
const TOKEN = 'root:Milvus-rbac-7d2e';
const GVR = { group: 'index.milvus.io', version: 'v1alpha1' };
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** A log line that reports an authorization failure. */
const FORBIDDEN = /\b403\b|forbidden/i;

interface Mode {
  title: string;
  watchNamespace: boolean;
  clusterConnections: boolean;
}
const MODES: Mode[] = [
  { title: 'cluster-wide (default values)', watchNamespace: false, clusterConnections: true },
  { title: 'single-namespace (watchNamespace)', watchNamespace: true, clusterConnections: true },
  { title: 'single-namespace, rbac.clusterConnections=false', watchNamespace: true, clusterConnections: false },
];

interface K8sObject { kind: string; metadata: { name: string; namespace?: string }; spec?: unknown }
interface Container { args: string[]; env?: { name: string; value?: string }[] }

/** Figures per mode, printed as one table at the end. */
const figures: Record<string, string | number>[] = [];

describe(`operator with the chart's RBAC ${SERVERS}`, () => {
  let admin: KubeConfig;
  let helmBin: string;
  let proxy: AuthProxy;
  let direct: MilvusClient;
  let workDir: string;
  const kubectl = (args: string[], input?: string, kubeconfig = inject('kubeconfigPath')) =>
    run(join(inject('kubeBinDir'), 'kubectl'), args, { env: { ...process.env, KUBECONFIG: kubeconfig }, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    admin = kubeConfigFromProvided(inject('kubeconfigYaml'));
    helmBin = (await resolveHelm()).path;
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), credentials: [TOKEN] });
    direct = sdkClient(inject('milvusUri'));
    workDir = mkdtempSync(join(tmpdir(), 'mio-rbac-'));
  }, 1_800_000);

  afterAll(async () => {
    await proxy?.close();
    await direct?.closeConnection();
    if (figures.length > 0) {
      console.log('[chart-rbac] figures (operator CLI as the chart ServiceAccount, Milvus Lite):');
      console.table(figures);
    }
  });

  /** A kubeconfig for `system:serviceaccount:<ns>:<sa>` with a token from the TokenRequest API. */
  async function serviceAccountKubeconfig(ns: string, sa: string): Promise<string> {
    const token = await kubectl(['create', 'token', sa, '-n', ns, '--duration=1h']);
    expect(token.code, token.stderr).toBe(0);
    const base = parse(inject('kubeconfigYaml')) as { clusters: unknown[]; contexts: { name: string; context: Record<string, string> }[] };
    const path = join(workDir, `${ns}-${sa}.kubeconfig`);
    writeFileSync(path, stringify({
      apiVersion: 'v1', kind: 'Config', clusters: base.clusters,
      users: [{ name: sa, user: { token: token.stdout.trim() } }],
      contexts: [{ name: sa, context: { cluster: base.contexts[0]!.context.cluster, user: sa, namespace: ns } }],
      'current-context': sa,
    }), { mode: 0o600 });
    return path;
  }

  for (const [i, mode] of MODES.entries()) {
    it(`${mode.title}: default-connection and connection-backed indexes go Ready and are dropped; Events; no 403 ${SERVERS}`, async () => {
      const release = `rbac${i}-${randomBytes(3).toString('hex')}`;
      const core = admin.makeApiClient(CoreV1Api);
      const objects = admin.makeApiClient(CustomObjectsApi);
      const operatorNs = await createTestNamespace(admin, `op-${release}`);
      const appNs = await createTestNamespace(admin, `app-${release}`);
      const secretNs = await createTestNamespace(admin, `secrets-${release}`);
      const withCluster = mode.clusterConnections;

      // --- the chart's RBAC objects, applied as an admin would with `helm install` -----------------------
      const set = [`defaultConnection.uri=${inject('milvusUri')}`];
      if (mode.watchNamespace) set.push(`watchNamespace=${appNs}`, `rbac.extraSecretNamespaces={${secretNs}}`);
      if (!mode.clusterConnections) set.push('rbac.clusterConnections=false');
      const rendered = parseAllDocuments(await renderChart(helmBin, { release, namespace: operatorNs, set }))
        .map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
      const rbac = rendered.filter((o) => RBAC_KINDS.has(o.kind));
      const applied = await kubectl(['apply', '-f', '-'], rbac.map((o) => stringify(o)).join('---\n'));
      expect(applied.code, applied.stderr).toBe(0);
      const sa = rbac.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
      const saKubeconfig = await serviceAccountKubeconfig(operatorNs, sa);
      const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], undefined, saKubeconfig);
      expect(whoami.stdout).toBe(`system:serviceaccount:${operatorNs}:${sa}`);

      // --- what a user applies: a credentials Secret, connections, indexes ------------------------------
      await core.createNamespacedSecret({ namespace: appNs, body: { metadata: { name: 'milvus-token' }, stringData: { token: TOKEN } } });
      await objects.createNamespacedCustomObject({ ...GVR, plural: 'milvusconnections', namespace: appNs, body: {
        apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'local' },
        spec: { uri: proxy.address, credentialsSecretRef: { name: 'milvus-token' } },
      } });
      const clusterConnection = `shared-${release}`;
      if (withCluster) {
        await core.createNamespacedSecret({ namespace: secretNs, body: { metadata: { name: 'milvus-token' }, stringData: { token: TOKEN } } });
        await objects.createClusterCustomObject({ ...GVR, plural: 'clustermilvusconnections', body: {
          apiVersion: 'index.milvus.io/v1alpha1', kind: 'ClusterMilvusConnection', metadata: { name: clusterConnection },
          spec: {
            uri: proxy.address, credentialsSecretRef: { name: 'milvus-token', namespace: secretNs },
            // A selector, so that the namespace `get` the chart grants is exercised too.
            allowedNamespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': appNs } } },
          },
        } });
      }
      const indexes: { name: string; collection: string; connectionRef?: { kind: string; name: string } }[] = [
        { name: 'on-default', collection: uniqueCollection('rbac_default') },
        { name: 'on-namespaced', collection: uniqueCollection('rbac_mvc'), connectionRef: { kind: 'MilvusConnection', name: 'local' } },
        ...(withCluster ? [{ name: 'on-cluster', collection: uniqueCollection('rbac_cmvc'), connectionRef: { kind: 'ClusterMilvusConnection', name: clusterConnection } }] : []),
      ];
      const mis = new MilvusIndexes(admin, appNs);
      for (const x of indexes) {
        await createCollection(direct, x.collection);
        await mis.create({ name: x.name, spec: {
          collectionName: x.collection, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true,
          ...(x.connectionRef ? { connectionRef: x.connectionRef as { kind: 'MilvusConnection'; name: string } } : {}),
        } });
      }

      // --- the operator CLI, with the rendered Deployment's args, as the ServiceAccount ------------------
      const container = (rendered.find((o) => o.kind === 'Deployment')!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
      const args = container.args.map((a) => a.startsWith('--metrics-bind-address=') ? '--metrics-bind-address=127.0.0.1:0'
        : a.startsWith('--health-probe-bind-address=') ? '--health-probe-bind-address=127.0.0.1:0' : a);
      expect(args).toContain('--leader-elect');
      const literalEnv = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      const started = Date.now();
      const op = new OperatorProcess(`operator-${release}`, args, cleanEnv({ ...literalEnv, HOME: workDir, POD_NAMESPACE: operatorNs, KUBECONFIG: saKubeconfig }));
      try {
        const readyMs: Record<string, number> = {};
        await Promise.all(indexes.map(async (x) => {
          await mis.waitForReady(x.name, 'True', 'IndexBuilt', 60_000).catch((e: Error) => { throw new Error(`${e.message}\noperator log:\n${op.logTail(30)}`); });
          readyMs[x.name] = Date.now() - started;
        }));
        for (const x of indexes) expect(await describeIndexes(direct, x.collection), x.name).toHaveLength(1);
        expect(proxy.stats().calls, 'calls through the token-checking proxy').toBeGreaterThan(0);
        const readyz = await op.get('health', '/readyz');
        expect(readyz.status, readyz.body).toBe(200);

        const deleteStarted = Date.now();
        for (const x of indexes) await mis.delete(x.name);
        await Promise.all(indexes.map((x) => mis.waitForGone(x.name, 60_000)));
        const deleteMs = Date.now() - deleteStarted;
        for (const x of indexes) expect(await describeIndexes(direct, x.collection), x.name).toEqual([]);

        const events = await listEvents(admin, appNs);
        for (const x of indexes) {
          const reasons = events.filter((e) => e.regarding.name === x.name).map((e) => e.reason);
          expect(reasons, `events of ${x.name}`).toEqual(expect.arrayContaining(['IndexCreated', 'IndexDropped']));
        }
        expectNoForbidden(op.logs(), mode);
        figures.push({
          mode: mode.title, indexes: indexes.length,
          ...Object.fromEntries(Object.entries(readyMs).map(([k, v]) => [`${k} Ready (ms after start)`, v])),
          'delete → all gone (ms)': deleteMs, events: events.length,
        });
      } finally {
        await op.stop();
      }
      expect(op.exitCode, op.logTail(10)).toBe(0);
    });
  }
});

/**
 * No line may report a 403, except, where the chart grants no ClusterMilvusConnection access, the operator's
 * report that ClusterMilvusConnections are not available (which must be there).
 */
function expectNoForbidden(logs: LogLine[], mode: Mode): void {
  const text = logs.map((l) => JSON.stringify(l));
  const forbidden = text.filter((l) => FORBIDDEN.test(l));
  const aboutClusterConnections = (l: string) => /clustermilvusconnection/i.test(l);
  if (mode.clusterConnections) {
    expect(forbidden).toEqual([]);
    return;
  }
  expect(forbidden.filter((l) => !aboutClusterConnections(l))).toEqual([]);
  expect(text.some((l) => aboutClusterConnections(l) && /forbidden|not available|not allowed|rbac/i.test(l)),
    'a log line says ClusterMilvusConnections are not available').toBe(true);
}
