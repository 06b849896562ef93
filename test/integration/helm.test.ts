// The Helm chart (deploy/helm/milvus-index-operator) and the plain manifests (deploy/manifests/):
// helm lint, helm template in both RBAC modes, the rendering applied with server-side dry-run to the
// REAL kube-apiserver of the harness, the RBAC objects applied for real and checked with
// `kubectl auth can-i --as=system:serviceaccount:…`, manifests/CRDs drift (the dashboard and alerts: monitoring.test.ts).
import { cpSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';

import { parseConfig } from '../../src/config.js';
import { VERSION } from '../../src/version.js';
import { CHART_DOCS_INPUTS, CHART_README, renderChartDocs, valuesTable } from '../support/chart-docs.js';
import { CHART_DIR, CRD_DIR, expectedManifests, helm, MANIFESTS_DIR, renderChart, renderedImage } from '../support/chart.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { run } from '../support/proc.js';
import { resolveHelm, resolveHelmDocs, type ResolvedTool } from '../support/tools.js';

const SERVER = '[kube-apiserver]';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function objects(rendering: string): K8sObject[] {
  return parseAllDocuments(rendering)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}
const find = (objs: K8sObject[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objs: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = find(objs, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
};
const toYaml = (objs: K8sObject[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n');

// Every rule the operator needs, per mode. Nothing else may be granted.
const OWN = (resources: string[]): Rule[] => [
  { apiGroups: ['index.milvus.io'], resources, verbs: ['get', 'list', 'watch', 'patch', 'update'] },
  { apiGroups: ['index.milvus.io'], resources: resources.map((r) => `${r}/status`), verbs: ['get', 'patch', 'update'] },
];
const EVENTS: Rule[] = [
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];
const LEASES: Rule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

describe(`Helm chart deploy/helm/milvus-index-operator ${SERVER}`, () => {
  let helmBin: ResolvedTool;
  const kubectl = (args: string[], input?: string) =>
    run(join(inject('kubeBinDir'), 'kubectl'), args, { env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') }, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    helmBin = await resolveHelm();
  }, 1_800_000);

  describe('helm lint', () => {
    const variants: Record<string, string[]> = {
      'default values': [],
      'single-namespace mode': ['watchNamespace=team-a', 'rbac.extraSecretNamespaces={milvus}'],
      'everything optional on': [
        'defaultConnection.uri=milvus.milvus.svc:19530',
        'defaultConnection.token=s3cr3t',
        'defaultConnection.allowedNamespaces={a,b}',
        'metrics.serviceMonitor.enabled=true',
        'prometheusRule.enabled=true',
        'prometheusRule.labels.release=kube-prometheus-stack',
        'grafana.dashboards.enabled=true',
        'networkPolicy.enabled=true',
        'networkPolicy.egress[0].ports[0].port=53',
      ],
    };
    for (const [what, set] of Object.entries(variants)) {
      it(`is clean with --strict (${what})`, async () => {
        const args = ['lint', '--strict', CHART_DIR, ...set.flatMap((s) => ['--set', s])];
        const res = await helm(helmBin.path, args);
        expect(res.code, `${res.stdout}${res.stderr}`).toBe(0);
        expect(res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
        expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
        const plain = await helm(helmBin.path, ['lint', CHART_DIR, ...set.flatMap((s) => ['--set', s])]);
        expect(plain.code, plain.stdout).toBe(0);
      });
    }

    it('rejects values the schema does not know, and contradictory ones', async () => {
      const unknown = await helm(helmBin.path, ['template', CHART_DIR, '--set', 'replicas=3']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/additional properties 'replicas' not allowed|replicas/);
      const badLevel = await helm(helmBin.path, ['template', CHART_DIR, '--set', 'operator.logLevel=verbose']);
      expect(badLevel.code).not.toBe(0);
      const both = await helm(helmBin.path, ['template', CHART_DIR, '--set', 'defaultConnection.token=x', '--set', 'defaultConnection.existingSecret=y']);
      expect(both.code).not.toBe(0);
      expect(both.stderr).toContain('not both');
    });

    it('accepts `global` (what a parent chart passes to its subcharts), directly and as a real subchart', async () => {
      const direct = await helm(helmBin.path, ['template', CHART_DIR, '--set', 'global.foo=bar', '--set', 'global.imageRegistry=registry.example']);
      expect(direct.code, direct.stderr).toBe(0);
      expect(direct.stdout).toContain('kind: Deployment');
      const parent = mkdtempSync(join(tmpdir(), 'mio-parent-'));
      try {
        writeFileSync(
          join(parent, 'Chart.yaml'),
          'apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n  - name: milvus-index-operator\n    version: ">=0.0.0-0"\n',
        );
        writeFileSync(join(parent, 'values.yaml'), 'global:\n  foo: bar\n  nested: { a: 1 }\nmilvus-index-operator:\n  replicaCount: 1\n');
        cpSync(CHART_DIR, join(parent, 'charts', 'milvus-index-operator'), { recursive: true, dereference: true });
        const sub = await helm(helmBin.path, ['template', 'platform', parent, '--namespace', 'ops']);
        expect(sub.code, sub.stderr).toBe(0);
        const dep = one(objects(sub.stdout), 'Deployment');
        expect((dep.spec as { replicas: number }).replicas, 'the parent\'s values reach the subchart').toBe(1);
        const badSub = await helm(helmBin.path, ['template', 'platform', parent, '--set', 'milvus-index-operator.replicas=3']);
        expect(badSub.code, 'the subchart\'s schema still refuses unknown keys').not.toBe(0);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    });
  });

  describe('helm template', () => {
    it('cluster-wide mode (default): a ClusterRole with exactly the needed rules; Secrets get only; Lease Role in the release namespace', async () => {
      const objs = objects(await renderChart(helmBin.path, { release: 'mio', namespace: 'ops' }));
      expect(objs.map((o) => o.kind).sort()).toEqual(
        ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
      );
      const cr = one(objs, 'ClusterRole', 'mio-milvus-index-operator');
      expect(cr.rules).toEqual([
        ...OWN(['milvusindexes', 'milvusconnections', 'clustermilvusconnections']),
        ...EVENTS,
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      ]);
      const lease = one(objs, 'Role', 'mio-milvus-index-operator-leader-election');
      expect(lease.metadata.namespace).toBe('ops');
      expect(lease.rules).toEqual(LEASES);
      for (const b of [...find(objs, 'ClusterRoleBinding'), ...find(objs, 'RoleBinding')]) {
        expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'mio-milvus-index-operator', namespace: 'ops' }]);
      }
    });

    it('single-namespace mode: a Role in that namespace (Secrets get/list/watch), a ClusterRole for ClusterMilvusConnections only', async () => {
      const objs = objects(await renderChart(helmBin.path, { release: 'mio', namespace: 'ops', set: ['watchNamespace=team-a', 'rbac.extraSecretNamespaces={milvus}'] }));
      const role = one(objs, 'Role', 'mio-milvus-index-operator');
      expect(role.metadata.namespace).toBe('team-a');
      expect(role.rules).toEqual([...OWN(['milvusindexes', 'milvusconnections']), ...EVENTS, { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
      expect(one(objs, 'RoleBinding', 'mio-milvus-index-operator').metadata.namespace).toBe('team-a');
      const crs = find(objs, 'ClusterRole');
      expect(crs.map((c) => c.metadata.name)).toEqual(['mio-milvus-index-operator-cluster-connections']);
      expect(crs[0]!.rules).toEqual([...OWN(['clustermilvusconnections']), { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]);
      const secrets = one(objs, 'Role', 'mio-milvus-index-operator-secrets');
      expect(secrets.metadata.namespace).toBe('milvus');
      expect(secrets.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
      expect(one(objs, 'Role', 'mio-milvus-index-operator-leader-election').rules).toEqual(LEASES);
      const args = containerOf(one(objs, 'Deployment')).args as string[];
      expect(args).toContain('--namespace=team-a');
      const noCluster = objects(await renderChart(helmBin.path, { release: 'mio', namespace: 'ops', set: ['watchNamespace=team-a', 'rbac.clusterConnections=false'] }));
      expect(find(noCluster, 'ClusterRole')).toEqual([]);
      expect(find(noCluster, 'ClusterRoleBinding')).toEqual([]);
    });

    it('Deployment: 2 replicas, --leader-elect, probes on :8081, metrics :8080, hardened securityContext, /tmp emptyDir, POD_NAMESPACE; the CLI accepts every arg', async () => {
      const objs = objects(await renderChart(helmBin.path, { set: ['defaultConnection.uri=milvus.milvus.svc:19530', 'defaultConnection.allowedNamespaces={a,b}'] }));
      const dep = one(objs, 'Deployment');
      const spec = dep.spec as { replicas: number; template: { spec: PodSpec } };
      expect(spec.replicas).toBe(2);
      const pod = spec.template.spec;
      const c = containerOf(dep);
      const args = c.args as string[];
      expect(args).toContain('--leader-elect');
      expect(args).toContain('--metrics-bind-address=:8080');
      expect(args).toContain('--health-probe-bind-address=:8081');
      expect(args).toContain('--milvus-uri=milvus.milvus.svc:19530');
      expect(args).toContain('--default-connection-namespaces=a,b');
      // The operator's own parser accepts the chart's arguments.
      const parsed = parseConfig(args, { POD_NAMESPACE: 'milvus-index-operator' });
      expect(parsed.kind).toBe('config');
      if (parsed.kind === 'config') {
        expect(parsed.config.leaderElect).toBe(true);
        expect(parsed.config.milvusUri).toBe('milvus.milvus.svc:19530');
        expect(parsed.config.defaultConnectionNamespaces).toEqual(['a', 'b']);
      }
      expect(c.ports).toEqual([
        { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
        { name: 'health', containerPort: 8081, protocol: 'TCP' },
      ]);
      expect((c.livenessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect((c.readinessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/readyz', port: 'health' });
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
      expect(c.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
      expect((c.env as { name: string }[]).map((e) => e.name)).not.toContain('MILVUS_TOKEN');
      expect(c.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
      expect(one(objs, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
      expect(one(objs, 'Service').spec).toMatchObject({ ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }] });
    });

    it('default connection credentials are a mounted Secret the operator re-reads (existingSecret keys, or a chart-made Secret for defaultConnection.token, with checksum/secret)', async () => {
      const DIR = '/var/run/secrets/milvus-index-operator/default-connection';
      const existing = objects(await renderChart(helmBin.path, { set: ['defaultConnection.existingSecret=milvus-creds', 'defaultConnection.secretKeys.token=apiKey'] }));
      const dep = one(existing, 'Deployment');
      const c = containerOf(dep);
      const env = c.env as { name: string; value?: string }[];
      for (const name of ['MILVUS_TOKEN', 'MILVUS_USERNAME', 'MILVUS_PASSWORD']) expect(env.map((e) => e.name), `${name}: no credentials in the environment (a rotation would need a restart)`).not.toContain(name);
      expect(env.find((e) => e.name === 'MILVUS_CREDENTIALS_DIR')?.value).toBe(DIR);
      expect(c.volumeMounts).toContainEqual({ name: 'default-connection', mountPath: DIR, readOnly: true });
      const podSpec = (dep.spec as { template: { spec: { volumes: unknown[] }; metadata: { annotations?: Record<string, string> } } }).template;
      expect(podSpec.spec.volumes).toContainEqual({
        name: 'default-connection',
        secret: { secretName: 'milvus-creds', defaultMode: 0o440, optional: true, items: [{ key: 'apiKey', path: 'token' }, { key: 'username', path: 'username' }, { key: 'password', path: 'password' }] },
      });
      expect(podSpec.metadata.annotations?.['checksum/secret'], 'an existingSecret is re-read in place: no roll').toBeUndefined();
      expect(find(existing, 'Secret')).toEqual([]);

      const render = async (token: string) => objects(await renderChart(helmBin.path, { set: [`defaultConnection.token=${token}`] }));
      const token = await render('s3cr3t');
      const secret = one(token, 'Secret', 'milvus-index-operator-default-connection');
      expect(secret.data).toEqual({ token: Buffer.from('s3cr3t').toString('base64') });
      const tdep = one(token, 'Deployment') as unknown as { spec: { template: { spec: { volumes: unknown[] }; metadata: { annotations: Record<string, string> } } } };
      expect(tdep.spec.template.spec.volumes).toContainEqual({ name: 'default-connection', secret: { secretName: 'milvus-index-operator-default-connection', defaultMode: 0o440, optional: true, items: [{ key: 'token', path: 'token' }] } });
      const checksum = tdep.spec.template.metadata.annotations['checksum/secret'];
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);
      const rotated = one(await render('s3cr3t-2'), 'Deployment') as unknown as typeof tdep;
      expect(rotated.spec.template.metadata.annotations['checksum/secret'], 'a new chart-managed token rolls the pods').not.toBe(checksum);
      expect(JSON.stringify(one(token, 'Deployment'))).not.toContain('s3cr3t');
    });

    it('optional ServiceMonitor and NetworkPolicy', async () => {
      const objs = objects(await renderChart(helmBin.path, { set: ['metrics.serviceMonitor.enabled=true', 'networkPolicy.enabled=true'] }));
      const sm = one(objs, 'ServiceMonitor');
      expect(sm.spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics', honorLabels: true }] });
      const np = one(objs, 'NetworkPolicy');
      expect(np.spec).toMatchObject({ policyTypes: ['Ingress'] });
    });

    it('installs every CRD in crds/ (the chart\'s crds/ is the repository\'s crds/)', async () => {
      expect(realpathSync(join(CHART_DIR, 'crds'))).toBe(realpathSync(CRD_DIR));
      const withCrds = objects(await renderChart(helmBin.path, { extraArgs: ['--include-crds'] }));
      const crdNames = find(withCrds, 'CustomResourceDefinition').map((c) => c.metadata.name).sort();
      const fromRepo = readdirSync(CRD_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => objects(readFileSync(join(CRD_DIR, f), 'utf8')))
        .map((c) => c.metadata.name)
        .sort();
      expect(crdNames).toEqual(fromRepo);
      expect(crdNames).toContain('milvusindexes.index.milvus.io');
    });

    it('runs the published image by default, tagged with the chart\'s appVersion (= package.json\'s version); a digest wins', async () => {
      const repository = (parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { image: { repository: string } }).image.repository;
      expect(repository).toMatch(/^ghcr\.io\/[a-z0-9-]+\/milvus-index-operator$/);
      expect(containerOf(one(objects(await renderChart(helmBin.path)), 'Deployment')).image).toBe(`${repository}:${VERSION}`);
      const digest = `sha256:${'ab'.repeat(32)}`;
      const pinned = objects(await renderChart(helmBin.path, { set: [`image.digest=${digest}`, 'image.tag=ignored'] }));
      expect(containerOf(one(pinned, 'Deployment')).image).toBe(`${repository}@${digest}`);
    });

    it('helm package (what the release pushes) holds the CRDs and the LICENSE, versioned as package.json', async () => {
      const out = mkdtempSync(join(tmpdir(), 'mio-chart-'));
      try {
        const res = await helm(helmBin.path, ['package', CHART_DIR, '--destination', out]);
        expect(res.code, res.stderr).toBe(0);
        const listing = await run('tar', ['-tzf', join(out, `milvus-index-operator-${VERSION}.tgz`)]);
        expect(listing.code, listing.stderr).toBe(0);
        const files = listing.stdout.split('\n');
        for (const f of readdirSync(CRD_DIR).filter((n) => n.endsWith('.yaml'))) expect(files).toContain(`milvus-index-operator/crds/${f}`);
        expect(files).toContain('milvus-index-operator/LICENSE');
        expect(files).toContain('milvus-index-operator/values.schema.json');
        expect(files, 'the values table Artifact Hub shows').toContain('milvus-index-operator/README.md');
        expect(files, '.helmignore keeps the helm-docs template out').not.toContain('milvus-index-operator/README.md.gotmpl');
        expect(files, 'the dashboard that grafana.dashboards.enabled reads with .Files.Get').toContain('milvus-index-operator/dashboards/milvus-index-operator.json');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('the chart\'s README.md equals what helm-docs renders from values.yaml (regenerate with `make chart-docs`)', async () => {
      const helmDocs = await resolveHelmDocs();
      const rendered = await renderChartDocs(helmDocs.path);
      expect(readFileSync(CHART_README, 'utf8'), 'deploy/helm/milvus-index-operator/README.md is stale: run `make chart-docs`').toBe(rendered);
      // The table follows the comments: a changed comment changes the rendering.
      const edited = mkdtempSync(join(tmpdir(), 'mio-chart-edited-'));
      try {
        for (const f of CHART_DOCS_INPUTS) writeFileSync(join(edited, f), readFileSync(join(CHART_DIR, f), 'utf8'));
        const values = readFileSync(join(edited, 'values.yaml'), 'utf8');
        writeFileSync(join(edited, 'values.yaml'), values.replace('# -- Replicas;', '# -- Edited replicas;'));
        expect(valuesTable(await renderChartDocs(helmDocs.path, edited)).find((r) => r.key === 'replicaCount')?.description).toMatch(/^Edited replicas;/);
      } finally {
        rmSync(edited, { recursive: true, force: true });
      }
    }, 600_000);

    it('every value in values.yaml has a described row in the chart README\'s values table', () => {
      const rows = valuesTable(readFileSync(CHART_README, 'utf8'));
      for (const r of rows) expect(r.description, `${r.key}: no \`# --\` comment in values.yaml`).not.toBe('');
      const keys = rows.map((r) => r.key);
      const covered = (path: string) => keys.some((k) => path === k || path.startsWith(`${k}.`));
      const leaves = (v: unknown, path: string): string[] =>
        v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0
          ? Object.entries(v).flatMap(([k, c]) => leaves(c, path ? `${path}.${k}` : k))
          : [path];
      const all = leaves(parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')), '');
      expect(all.length).toBeGreaterThan(50);
      expect(all.filter((p) => !covered(p)), 'values without a row').toEqual([]);
    });

    it('deploy/manifests/ equals the default rendering (regenerate with `make manifests`)', async () => {
      const expected = expectedManifests(await renderChart(helmBin.path));
      expect(readdirSync(MANIFESTS_DIR).sort(), 'files in deploy/manifests/ (run `make manifests`)').toEqual([...expected.keys()].sort());
      for (const [file, text] of expected) {
        expect(readFileSync(join(MANIFESTS_DIR, file), 'utf8'), `deploy/manifests/${file} is stale: run \`make manifests\``).toBe(text);
      }
    });
  });

  describe(`against the real API server ${SERVER}`, () => {
    it(`the default rendering and the single-namespace rendering pass server-side apply --dry-run=server ${SERVER}`, async () => {
      const kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
      const release = await createTestNamespace(kc, 'helm-dry-run');
      const watched = await createTestNamespace(kc, 'helm-dry-run-watched');
      const cases: [string, string[]][] = [
        ['cluster-wide', ['defaultConnection.uri=milvus.milvus.svc:19530', 'defaultConnection.token=s3cr3t', 'networkPolicy.enabled=true']],
        ['single-namespace', [`watchNamespace=${watched}`, `rbac.extraSecretNamespaces={${watched}}`, 'defaultConnection.existingSecret=creds']],
      ];
      for (const [what, set] of cases) {
        const rendering = await renderChart(helmBin.path, { release: `dry-${what}`, namespace: release, set });
        const res = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=helm-test', '-f', '-'], rendering);
        expect(res.code, `${what}:\n${res.stderr}${res.stdout}`).toBe(0);
        expect(res.stdout).toMatch(/deployment\.apps\/\S+ serverside-applied \(server dry run\)/);
        expect(res.stdout).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/\S+ serverside-applied \(server dry run\)/);
      }
      // The plain manifests too. A dry-run does not create 00-namespace.yaml's namespace, so create it first.
      const created = await kubectl(['create', 'namespace', 'milvus-index-operator']);
      expect(created.code === 0 || created.stderr.includes('AlreadyExists'), created.stderr).toBe(true);
      const manifests = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=helm-test', '-k', MANIFESTS_DIR]);
      expect(manifests.code, `${manifests.stderr}${manifests.stdout}`).toBe(0);
      expect(manifests.stdout).toMatch(/deployment\.apps\/milvus-index-operator serverside-applied \(server dry run\)/);
    });

    it(`deploy/manifests/ is a kustomization: no Helm labels, the image overridable with images:, the result accepted by the API server ${SERVER}`, async () => {
      const base = await kubectl(['kustomize', MANIFESTS_DIR]);
      expect(base.code, base.stderr).toBe(0);
      const baseObjs = objects(base.stdout);
      expect(baseObjs.map((o) => o.kind)).toContain('Namespace');
      const defaultImage = renderedImage(await renderChart(helmBin.path));
      expect(containerOf(one(baseObjs, 'Deployment')).image).toBe(`${defaultImage.name}:${defaultImage.tag}`);
      for (const o of baseObjs) {
        const labels = (o.metadata as { labels?: Record<string, string> }).labels ?? {};
        expect(Object.keys(labels), `${o.kind}/${o.metadata.name}`).not.toContain('app.kubernetes.io/managed-by');
        expect(Object.keys(labels), `${o.kind}/${o.metadata.name}`).not.toContain('helm.sh/chart');
      }
      expect(base.stdout).not.toMatch(/managed-by: Helm|helm\.sh\/chart/);

      const overlay = mkdtempSync(join(tmpdir(), 'mio-overlay-'));
      try {
        writeFileSync(
          join(overlay, 'kustomization.yaml'),
          `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(overlay, MANIFESTS_DIR)}\n` +
            `images:\n  - name: ${defaultImage.name}\n    newName: registry.example/team/milvus-index-operator\n    newTag: 9.9.9-test\n`,
        );
        const rendered = await kubectl(['kustomize', overlay]);
        expect(rendered.code, rendered.stderr).toBe(0);
        const dep = one(objects(rendered.stdout), 'Deployment');
        expect(containerOf(dep).image).toBe('registry.example/team/milvus-index-operator:9.9.9-test');
        const created = await kubectl(['create', 'namespace', 'milvus-index-operator']);
        expect(created.code === 0 || created.stderr.includes('AlreadyExists'), created.stderr).toBe(true);
        const applied = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=kustomize-test', '-o', 'json', '-f', '-'], rendered.stdout);
        expect(applied.code, `${applied.stderr}${applied.stdout}`).toBe(0);
        const items = (JSON.parse(applied.stdout) as { items: K8sObject[] }).items;
        const served = one(items, 'Deployment');
        expect(containerOf(served).image, 'the API server kept the overridden image').toBe('registry.example/team/milvus-index-operator:9.9.9-test');
        expect(items.map((o) => o.kind).sort()).toEqual(objects(rendered.stdout).map((o) => o.kind).sort());
      } finally {
        rmSync(overlay, { recursive: true, force: true });
      }
    });

    it(`the Artifact Hub examples (Chart.yaml artifacthub.io/crdsExamples) pass server-side apply --dry-run=server ${SERVER}`, async () => {
      const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { annotations: Record<string, string> };
      const examples = parse(chart.annotations['artifacthub.io/crdsExamples']!) as K8sObject[];
      expect(examples.map((e) => e.kind)).toContain('MilvusIndex');
      const ns = await createTestNamespace(kubeConfigFromProvided(inject('kubeconfigYaml')), 'helm-examples');
      const res = await kubectl(['apply', '-n', ns, '--server-side', '--dry-run=server', '--field-manager=helm-test', '-f', '-'], toYaml(examples));
      expect(res.code, `${res.stderr}${res.stdout}`).toBe(0);
      expect(res.stdout).toMatch(/milvusindex\.index\.milvus\.io\/\S+ serverside-applied \(server dry run\)/);
    });

    for (const mode of ['cluster-wide', 'single-namespace'] as const) {
      it(`RBAC (${mode}): kubectl auth can-i as the operator's ServiceAccount allows exactly what it needs ${SERVER}`, async () => {
        const kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
        const ns = await createTestNamespace(kc, `rbac-${mode}`);
        const watched = await createTestNamespace(kc, `rbac-${mode}-watched`);
        const other = await createTestNamespace(kc, `rbac-${mode}-other`);
        const release = `rbac-${ns.slice(-5)}`;
        const set = mode === 'single-namespace' ? [`watchNamespace=${watched}`] : [];
        const objs = objects(await renderChart(helmBin.path, { release, namespace: ns, set }));
        const rbac = objs.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
        const applied = await kubectl(['apply', '--server-side', '--field-manager=helm-test', '-f', '-'], toYaml(rbac));
        expect(applied.code, applied.stderr).toBe(0);
        const sa = `system:serviceaccount:${ns}:${release}-milvus-index-operator`;
        const w = mode === 'single-namespace' ? ['-n', watched] : ['-n', other];
        const canI = async (args: string[]): Promise<string> => {
          const res = await kubectl(['auth', 'can-i', `--as=${sa}`, ...args]);
          return res.stdout.trim();
        };
        const allowed: string[][] = [
          ['list', 'milvusindexes.index.milvus.io', ...w],
          ['watch', 'milvusindexes.index.milvus.io', ...w],
          ['get', 'milvusindexes.index.milvus.io', ...w],
          ['patch', 'milvusindexes.index.milvus.io', ...w],
          ['update', 'milvusindexes.index.milvus.io', ...w],
          ['patch', 'milvusindexes.index.milvus.io', '--subresource=status', ...w],
          ['update', 'milvusindexes.index.milvus.io', '--subresource=status', ...w],
          ['list', 'milvusconnections.index.milvus.io', ...w],
          ['patch', 'milvusconnections.index.milvus.io', ...w],
          ['patch', 'milvusconnections.index.milvus.io', '--subresource=status', ...w],
          ['watch', 'clustermilvusconnections.index.milvus.io'],
          ['patch', 'clustermilvusconnections.index.milvus.io'],
          ['patch', 'clustermilvusconnections.index.milvus.io', '--subresource=status'],
          ['create', 'events.events.k8s.io', ...w],
          ['patch', 'events.events.k8s.io', ...w],
          ['get', 'secrets', ...w],
          ['create', 'leases.coordination.k8s.io', '-n', ns],
          ['get', 'leases.coordination.k8s.io', '-n', ns],
          ['update', 'leases.coordination.k8s.io', '-n', ns],
          ['get', 'namespaces'],
        ];
        const denied: string[][] = [
          ['list', 'secrets', '--all-namespaces'],
          ['watch', 'secrets', '--all-namespaces'],
          ['get', 'pods', ...w],
          ['list', 'pods', '--all-namespaces'],
          ['delete', 'milvusindexes.index.milvus.io', ...w],
          ['create', 'milvusindexes.index.milvus.io', ...w],
          ['delete', 'clustermilvusconnections.index.milvus.io'],
          ['create', 'configmaps', ...w],
          ['get', 'configmaps', ...w],
          ['delete', 'events', ...w],
          ['create', 'events', ...w],
          ['patch', 'events', ...w],
          ['delete', 'events.events.k8s.io', ...w],
          ['create', 'leases.coordination.k8s.io', '-n', other],
          ['delete', 'leases.coordination.k8s.io', '-n', ns],
          ['create', 'secrets', ...w],
          ['update', 'secrets', ...w],
          ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
          ['list', 'namespaces'],
          ['patch', 'namespaces'],
        ];
        if (mode === 'cluster-wide') {
          allowed.push(['list', 'milvusindexes.index.milvus.io', '--all-namespaces'], ['get', 'secrets', '-n', ns]);
          denied.push(['list', 'secrets', ...w], ['watch', 'secrets', ...w]);
        } else {
          allowed.push(['list', 'secrets', ...w], ['watch', 'secrets', ...w]);
          denied.push(
            ['list', 'milvusindexes.index.milvus.io', '-n', other],
            ['list', 'milvusindexes.index.milvus.io', '--all-namespaces'],
            ['patch', 'milvusindexes.index.milvus.io', '--subresource=status', '-n', other],
            ['get', 'secrets', '-n', other],
            ['create', 'events.events.k8s.io', '-n', other],
          );
        }
        const answers = await Promise.all([...allowed, ...denied].map(async (a) => [a.join(' '), await canI(a)] as const));
        const got = Object.fromEntries(answers);
        const want = Object.fromEntries([...allowed.map((a) => [a.join(' '), 'yes']), ...denied.map((a) => [a.join(' '), 'no'])]);
        expect(got).toEqual(want);
      });
    }
  });
});

interface PodSpec {
  securityContext: unknown;
  volumes: unknown;
  containers: Record<string, unknown>[];
}
function containerOf(dep: K8sObject): Record<string, unknown> {
  const c = (dep.spec as { template: { spec: PodSpec } }).template.spec.containers;
  expect(c).toHaveLength(1);
  return c[0]!;
}
