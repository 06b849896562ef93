// deploy/flux/: the Flux example installs the chart this repository ships (name, version range, values
// that exist in values.yaml), replaces CRDs on install and upgrade, and health-checks our kinds.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

type Json = Record<string, unknown>;
const FLUX_DIR = fileURLToPath(new URL('../../deploy/flux/', import.meta.url));
const CHART_DIR = fileURLToPath(new URL('../../deploy/helm/milvus-index-operator/', import.meta.url));
const chart = parse(readFileSync(`${CHART_DIR}Chart.yaml`, 'utf8')) as { name: string; version: string };
const chartValues = parse(readFileSync(`${CHART_DIR}values.yaml`, 'utf8')) as Json;
const docs = readdirSync(FLUX_DIR).filter((f) => f.endsWith('.yaml')).flatMap((f) =>
  parseAllDocuments(readFileSync(`${FLUX_DIR}${f}`, 'utf8')).map((d) => ({ file: f, doc: d.toJS() as Json & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec: Json } })));
const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const at = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Json)[k] : undefined), o);

/** Every leaf path of `values` (maps descended, anything else a leaf). */
function leaves(values: unknown, prefix = ''): string[] {
  if (!values || typeof values !== 'object' || Array.isArray(values) || Object.keys(values).length === 0) return [prefix];
  return Object.entries(values as Json).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** Does the Flux/Helm version range `range` ("0.1.x", "0.1.0", ">=0.1.0 <0.2.0") admit `version`? Only the forms used here. */
function admits(range: string, version: string): boolean {
  const x = /^(\d+)\.(\d+)\.x$/.exec(range);
  if (x) return version.startsWith(`${x[1]}.${x[2]}.`);
  return range === version;
}

describe('Flux example (deploy/flux/)', () => {
  const [repo] = ofKind('HelmRepository');
  const [release] = ofKind('HelmRelease');

  it('has an OCI HelmRepository on ghcr.io and one HelmRelease', () => {
    expect(ofKind('HelmRepository')).toHaveLength(1);
    expect(ofKind('HelmRelease')).toHaveLength(1);
    expect(repo!.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(repo!.spec).toMatchObject({ type: 'oci', url: expect.stringMatching(/^oci:\/\/ghcr\.io\/[a-z0-9-]+\/charts$/) });
  });

  it('the HelmRelease creates and replaces CRDs on install and on upgrade', () => {
    expect(release!.apiVersion).toBe('helm.toolkit.fluxcd.io/v2');
    expect(at(release, 'spec.install.crds')).toBe('CreateReplace');
    expect(at(release, 'spec.upgrade.crds')).toBe('CreateReplace');
  });

  it('the HelmRelease installs this chart from that HelmRepository, in a range admitting the chart version', () => {
    expect(at(release, 'spec.chart.spec.chart')).toBe(chart.name);
    expect(at(release, 'spec.chart.spec.sourceRef')).toEqual({ kind: 'HelmRepository', name: repo!.metadata.name });
    expect(release!.metadata.namespace).toBe(repo!.metadata.namespace);
    const range = String(at(release, 'spec.chart.spec.version'));
    expect(admits(range, chart.version), `${range} admits ${chart.version}`).toBe(true);
  });

  it('every value the HelmRelease sets exists in the chart\'s values.yaml, with the same type', () => {
    const set = leaves(at(release, 'spec.values'));
    expect(set.length).toBeGreaterThan(0);
    for (const path of set) {
      const ours = at(chartValues, path);
      expect(ours, `values.yaml has ${path}`).not.toBeUndefined();
      expect(typeof at(release, `spec.values.${path}`), `type of ${path}`).toBe(typeof ours);
    }
  });

  it('the Kustomization health-checks MilvusIndexes (and connections) after the operator', () => {
    const kustomizations = ofKind('Kustomization');
    const indexes = kustomizations.find((k) => (at(k, 'spec.healthChecks') as Json[] | undefined)?.some((h) => h.kind === 'MilvusIndex'));
    expect(indexes, 'a Kustomization health-checking a MilvusIndex').toBeDefined();
    for (const h of at(indexes, 'spec.healthChecks') as Json[]) {
      expect(h.apiVersion).toBe('index.milvus.io/v1alpha1');
      expect(['MilvusIndex', 'MilvusConnection', 'ClusterMilvusConnection']).toContain(h.kind);
      expect(h.name).toEqual(expect.any(String));
    }
    expect(at(indexes, 'spec.wait'), 'wait: true would ignore healthChecks').not.toBe(true);
    const deps = (at(indexes, 'spec.dependsOn') as Array<{ name: string }>).map((d) => d.name);
    for (const d of deps) expect(kustomizations.map((k) => k.metadata.name), `dependsOn ${d}`).toContain(d);
  });
});
