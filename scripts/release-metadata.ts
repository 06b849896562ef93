// The release's facts must agree wherever they are written: package.json's version (the one home of the
// version) in Chart.yaml, the chart's default image, its Artifact Hub annotations, CHANGELOG.md and the tag.
// releaseFindings is pure (file contents in, findings out; readReleaseFiles reads them): test/unit/release-metadata.test.ts
// runs it on the repository's files and on broken copies; scripts/release-check.ts runs it in the release workflow.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** Where the project publishes: ghcr.io/<owner>/<IMAGE_NAME> and oci://ghcr.io/<owner>/charts/<chart>. */
export const REGISTRY = 'ghcr.io';
export const IMAGE_NAME = 'milvus-index-operator';

export interface ReleaseFiles {
  packageJson: string;
  chartYaml: string;
  valuesYaml: string;
  changelog: string;
  /** The CRDs (crds/*.yaml), one document each. */
  crds: string[];
}

const ROOT = resolve(import.meta.dirname, '..');

/** The repository's release files. */
export function readReleaseFiles(root = ROOT): ReleaseFiles {
  const read = (...p: string[]) => readFileSync(join(root, ...p), 'utf8');
  const chart = ['deploy', 'helm', 'milvus-index-operator'];
  const crdDir = join(root, 'crds');
  return {
    packageJson: read('package.json'),
    chartYaml: read(...chart, 'Chart.yaml'),
    valuesYaml: read(...chart, 'values.yaml'),
    changelog: read('CHANGELOG.md'),
    crds: readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => read('crds', f)),
  };
}

/** What the release workflow knows: the pushed tag and the (lower-cased) repository owner. */
export interface ReleaseContext {
  tag?: string;
  owner?: string;
}

interface Chart {
  version?: unknown;
  appVersion?: unknown;
  home?: unknown;
  annotations?: Record<string, unknown>;
}
interface CrdEntry {
  kind?: unknown;
  version?: unknown;
  name?: unknown;
}

type Check = (facts: Facts) => string[];
interface Facts {
  version: string;
  license: string;
  chart: Chart;
  values: { image?: { repository?: unknown; tag?: unknown } };
  changelog: string;
  crds: { name: string; kind: string; versions: string[] }[];
  context: ReleaseContext;
}

/** Every disagreement between the files (and the context), as sentences; empty when all agree. */
export function releaseFindings(files: ReleaseFiles, context: ReleaseContext = {}): string[] {
  const pkg = JSON.parse(files.packageJson) as { version?: unknown; license?: unknown };
  if (typeof pkg.version !== 'string') return ['package.json has no "version"'];
  const facts: Facts = {
    version: pkg.version,
    license: String(pkg.license),
    chart: (parse(files.chartYaml) ?? {}) as Chart,
    values: (parse(files.valuesYaml) ?? {}) as Facts['values'],
    changelog: files.changelog,
    crds: files.crds.map(crdFacts),
    context,
  };
  return CHECKS.flatMap((check) => check(facts));
}

const CHECKS: Check[] = [checkTag, checkChartVersions, checkImage, checkAnnotations, checkCrdAnnotation, checkChangelog];

function checkTag({ version, context }: Facts): string[] {
  if (context.tag === undefined || context.tag === `v${version}`) return [];
  return [`tag ${context.tag} does not match package.json's version ${version} (expected v${version})`];
}

function checkChartVersions({ version, chart }: Facts): string[] {
  const out: string[] = [];
  if (chart.appVersion !== version) out.push(`Chart.yaml appVersion ${String(chart.appVersion)} differs from package.json's version ${version}`);
  if (chart.version !== version) out.push(`Chart.yaml version ${String(chart.version)} differs from package.json's version ${version}`);
  return out;
}

/** The owner in values.yaml's image.repository, ghcr.io/<owner>/milvus-index-operator. */
export function imageOwner(repository: unknown): string | undefined {
  const m = typeof repository === 'string' ? new RegExp(`^${REGISTRY.replace('.', '\\.')}/([a-z0-9][a-z0-9-]*)/${IMAGE_NAME}$`).exec(repository) : null;
  return m?.[1];
}

function checkImage({ values, context }: Facts): string[] {
  const repository = values.image?.repository;
  const owner = imageOwner(repository);
  const out: string[] = [];
  if (!owner) out.push(`values.yaml image.repository ${String(repository)} is not the published image ${REGISTRY}/<owner>/${IMAGE_NAME}`);
  else if (context.owner !== undefined && owner !== context.owner) {
    out.push(`values.yaml image.repository ${String(repository)} is not where this release publishes (${REGISTRY}/${context.owner}/${IMAGE_NAME})`);
  }
  if (values.image?.tag !== '') out.push(`values.yaml image.tag must be "" (the chart's appVersion), not ${JSON.stringify(values.image?.tag)}`);
  return out;
}

function annotationList(chart: Chart, key: string): unknown[] | string {
  const raw = chart.annotations?.[key];
  if (typeof raw !== 'string') return `Chart.yaml annotation ${key} is missing`;
  const list = parse(raw) as unknown;
  return Array.isArray(list) ? list : `Chart.yaml annotation ${key} is not a YAML list`;
}

function checkAnnotations({ version, license, chart, values }: Facts): string[] {
  const out: string[] = [];
  const a = chart.annotations ?? {};
  if (a['artifacthub.io/license'] !== license) out.push(`Chart.yaml artifacthub.io/license ${String(a['artifacthub.io/license'])} differs from package.json's license ${license}`);
  const prerelease = String(version.includes('-'));
  if (a['artifacthub.io/prerelease'] !== prerelease) out.push(`Chart.yaml artifacthub.io/prerelease must be "${prerelease}" for version ${version}`);
  const images = annotationList(chart, 'artifacthub.io/images');
  const want = `${String(values.image?.repository)}:${version}`;
  if (typeof images === 'string') out.push(images);
  else if (!images.some((i) => (i as { image?: unknown }).image === want)) out.push(`Chart.yaml artifacthub.io/images does not list ${want}`);
  const owner = imageOwner(values.image?.repository);
  const source = `https://github.com/${owner}/${IMAGE_NAME}`;
  if (owner && chart.home !== source) out.push(`Chart.yaml home ${String(chart.home)} is not ${source} (the image's owner)`);
  return out;
}

function crdFacts(doc: string): Facts['crds'][number] {
  const crd = parse(doc) as { metadata: { name: string }; spec: { names: { kind: string }; versions: { name: string; served: boolean }[] } };
  return { name: crd.metadata.name, kind: crd.spec.names.kind, versions: crd.spec.versions.filter((v) => v.served).map((v) => v.name) };
}

function checkCrdAnnotation({ chart, crds }: Facts): string[] {
  const listed = annotationList(chart, 'artifacthub.io/crds');
  if (typeof listed === 'string') return [listed];
  const out: string[] = [];
  const shown = (listed as CrdEntry[]).map((e) => `${String(e.kind)} ${String(e.name)} ${String(e.version)}`).sort();
  const actual = crds.flatMap((c) => c.versions.map((v) => `${c.kind} ${c.name} ${v}`)).sort();
  if (JSON.stringify(shown) !== JSON.stringify(actual)) {
    out.push(`Chart.yaml artifacthub.io/crds lists [${shown.join(', ')}] but crds/ serves [${actual.join(', ')}]`);
  }
  return out;
}

/** The body of the CHANGELOG.md section `## [heading]...`, or undefined when there is none. */
export function changelogSection(changelog: string, heading: string): { title: string; body: string } | undefined {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## [${heading}]`));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('## ') || /^\[[^\]]+\]: /.test(l)));
  return { title: lines[start]!, body: lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim() };
}

function checkChangelog({ version, changelog, context }: Facts): string[] {
  const out: string[] = [];
  const section = changelogSection(changelog, version);
  if (!changelogSection(changelog, 'Unreleased')) out.push('CHANGELOG.md has no "## [Unreleased]" section');
  if (!section) return [...out, `CHANGELOG.md has no "## [${version}]" section`];
  if (context.tag === undefined) return out;
  // Releasing: the version's section is dated and nothing is left under Unreleased.
  if (!/^## \[[^\]]+\] - \d{4}-\d{2}-\d{2}$/.test(section.title)) out.push(`CHANGELOG.md "${section.title}" has no date (## [${version}] - YYYY-MM-DD)`);
  if (/^\s*- /m.test(changelogSection(changelog, 'Unreleased')?.body ?? '')) {
    out.push(`CHANGELOG.md still lists changes under [Unreleased]: move them into [${version}] before tagging`);
  }
  return out;
}
