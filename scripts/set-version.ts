// `make set-version VERSION=X.Y.Z[-pre]`: writes a new version into package.json (and package-lock.json) and
// everything that repeats it: Chart.yaml's version, appVersion, artifacthub.io/images tag and
// artifacthub.io/prerelease; then `make manifests chart-docs` re-renders deploy/manifests/ (which carries the chart
// version) and the chart's README.md (its version badges and install command). CHANGELOG.md is left to a person: move the [Unreleased] entries under "## [X.Y.Z] - YYYY-MM-DD".
// scripts/release-check.ts says what still disagrees.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CHART_YAML = join(ROOT, 'deploy', 'helm', 'milvus-index-operator', 'Chart.yaml');
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Chart.yaml with every occurrence of the version set to `version` (comments and layout kept). */
export function chartWithVersion(chartYaml: string, version: string): string {
  const edits: [RegExp, string][] = [
    [/^version: .*$/m, `version: ${version}`],
    [/^appVersion: .*$/m, `appVersion: "${version}"`],
    [/^(\s+image: ghcr\.io\/[^:\s]+):\S+$/m, `$1:${version}`],
    [/^(\s+artifacthub\.io\/prerelease: ).*$/m, `$1"${version.includes('-')}"`],
  ];
  return edits.reduce((text, [pattern, replacement]) => {
    if (!pattern.test(text)) throw new Error(`Chart.yaml: nothing matches ${String(pattern)}`);
    return text.replace(pattern, replacement);
  }, chartYaml);
}

function main(version: string | undefined): number {
  if (!version || !SEMVER.test(version)) {
    console.error(`usage: make set-version VERSION=X.Y.Z[-pre] (got ${JSON.stringify(version ?? '')})`);
    return 2;
  }
  execFileSync('npm', ['version', version, '--no-git-tag-version', '--allow-same-version'], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(CHART_YAML, chartWithVersion(readFileSync(CHART_YAML, 'utf8'), version));
  execFileSync('make', ['manifests', 'chart-docs'], { cwd: ROOT, stdio: 'inherit' });
  console.log(`version ${version}: package.json, package-lock.json, Chart.yaml, deploy/manifests/, the chart's README.md. Now date it in CHANGELOG.md.`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = main(process.argv[2]);
