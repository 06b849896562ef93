// The version has one home (package.json): --version (src/version.ts), the chart's version and appVersion,
// the chart's default image and Artifact Hub annotations, CHANGELOG.md and the release tag must follow it.
// The repository's own files must agree; each drift below must be found (scripts/release-metadata.ts, which
// the release workflow runs through scripts/release-check.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { changelogSection, readReleaseFiles, releaseFindings, type ReleaseContext, type ReleaseFiles } from '../../scripts/release-metadata.js';
import { chartWithVersion } from '../../scripts/set-version.js';
import { readPackageVersion, VERSION } from '../../src/version.js';

const repo = readReleaseFiles();
const version = (JSON.parse(repo.packageJson) as { version: string }).version;

describe('the repository agrees with package.json', () => {
  it('has no release finding', () => {
    expect(releaseFindings(repo)).toEqual([]);
  });

  it('reports package.json\'s version as VERSION (what --version prints)', () => {
    expect(VERSION).toBe(version);
  });

  it(`has a CHANGELOG.md section for ${version} with entries`, () => {
    expect(changelogSection(repo.changelog, version)?.body).toMatch(/^- /m);
  });
});

describe('readPackageVersion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mio-version-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the nearest milvus-index-operator package.json above, skipping other packages (dist/src in the image)', () => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'milvus-index-operator', version: '9.8.7-rc.1' }));
    mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '1.0.0' }));
    expect(readPackageVersion(join(dir, 'dist', 'src'))).toBe('9.8.7-rc.1');
  });

  it('fails, naming where it looked, when there is none', () => {
    expect(() => readPackageVersion(tmpdir())).toThrow(/no package\.json of milvus-index-operator at or above/);
  });
});

interface DriftRow {
  name: string;
  edit: (f: ReleaseFiles) => ReleaseFiles;
  context?: ReleaseContext;
  finding: RegExp;
}

const replace = (key: keyof Omit<ReleaseFiles, 'crds'>, from: string | RegExp, to: string) => (f: ReleaseFiles): ReleaseFiles => {
  const next = f[key].replace(from, to);
  if (next === f[key]) throw new Error(`the edit of ${key} changed nothing: ${String(from)}`);
  return { ...f, [key]: next };
};
const bump = (f: ReleaseFiles) => replace('packageJson', `"version": "${version}"`, '"version": "7.7.7"')(f);
const same = (f: ReleaseFiles) => f;
// A release-ready CHANGELOG.md: Unreleased emptied, the version's section dated.
const releasable = (f: ReleaseFiles): ReleaseFiles => ({
  ...f,
  changelog: `# Changelog\n\n## [Unreleased]\n\n## [${version}] - 2026-12-03\n\n### Added\n- everything\n`,
});

const drifts: DriftRow[] = [
  { name: 'package.json bumped alone', edit: bump, finding: /Chart\.yaml appVersion .* differs from package\.json's version 7\.7\.7/ },
  { name: 'package.json bumped alone: chart version', edit: bump, finding: /Chart\.yaml version .* differs from package\.json's version 7\.7\.7/ },
  { name: 'package.json bumped alone: image annotation', edit: bump, finding: /artifacthub\.io\/images does not list ghcr\.io\/.*:7\.7\.7/ },
  { name: 'package.json bumped alone: changelog', edit: bump, finding: /CHANGELOG\.md has no "## \[7\.7\.7\]" section/ },
  { name: 'appVersion edited alone', edit: replace('chartYaml', /^appVersion: .*$/m, 'appVersion: "0.0.9"'), finding: /appVersion 0\.0\.9 differs/ },
  { name: 'chart version edited alone', edit: replace('chartYaml', /^version: .*$/m, 'version: 0.0.9'), finding: /Chart\.yaml version 0\.0\.9 differs/ },
  { name: 'image not the published one', edit: replace('valuesYaml', /repository: ghcr\.io\/.*$/m, 'repository: milvus-index-operator'), finding: /image\.repository milvus-index-operator is not the published image/ },
  { name: 'image tag pinned in values', edit: replace('valuesYaml', /^  tag: ""$/m, '  tag: "0.0.1"'), finding: /image\.tag must be ""/ },
  { name: 'license annotation differs', edit: replace('chartYaml', 'artifacthub.io/license: Apache-2.0', 'artifacthub.io/license: MIT'), finding: /artifacthub\.io\/license MIT differs from package\.json's license Apache-2\.0/ },
  { name: 'prerelease version not flagged', edit: (f) => replace('packageJson', `"version": "${version}"`, '"version": "1.0.0-rc.1"')(f), finding: /artifacthub\.io\/prerelease must be "true" for version 1\.0\.0-rc\.1/ },
  { name: 'a CRD missing from the annotation', edit: replace('chartYaml', /    - kind: ClusterMilvusConnection[\s\S]*?description: .*\n/, ''), finding: /artifacthub\.io\/crds lists .* but crds\/ serves .*ClusterMilvusConnection/ },
  { name: 'home elsewhere than the image owner', edit: replace('chartYaml', /^home: .*$/m, 'home: https://example.com'), finding: /Chart\.yaml home https:\/\/example\.com is not https:\/\/github\.com\// },
  { name: 'no Unreleased section', edit: replace('changelog', '## [Unreleased]', '## Next'), finding: /no "## \[Unreleased\]" section/ },
  { name: 'tag is not v<version>', edit: same, context: { tag: '0.1.0-wrong' }, finding: /tag 0\.1\.0-wrong does not match package\.json's version/ },
  { name: 'release to another owner', edit: releasable, context: { tag: `v${version}`, owner: 'someone-else' }, finding: /is not where this release publishes \(ghcr\.io\/someone-else\/milvus-index-operator\)/ },
  { name: 'release with entries left under Unreleased', edit: (f) => ({ ...releasable(f), changelog: `${releasable(f).changelog.replace('## [Unreleased]\n', '## [Unreleased]\n- late change\n')}` }), context: { tag: `v${version}` }, finding: /still lists changes under \[Unreleased\]/ },
  { name: 'release of an undated section', edit: (f) => ({ ...f, changelog: `## [Unreleased]\n\n## [${version}]\n- x\n` }), context: { tag: `v${version}` }, finding: /has no date/ },
];

describe('drift is found', () => {
  it.each(drifts)('$name', ({ edit, context, finding }) => {
    const findings = releaseFindings(edit(repo), context);
    expect(findings.some((f) => finding.test(f)), findings.join('\n') || '(no finding)').toBe(true);
  });

  it('a release-ready repository with the matching tag and owner has no finding', () => {
    const owner = /ghcr\.io\/([^/]+)\//.exec(repo.valuesYaml)![1]!;
    expect(releaseFindings(releasable(repo), { tag: `v${version}`, owner })).toEqual([]);
  });
});

describe('make set-version (chartWithVersion)', () => {
  it.each(['7.7.7', '7.8.0-rc.1'])('leaves only CHANGELOG.md to write for %s', (next) => {
    const bumped: ReleaseFiles = {
      ...repo,
      packageJson: repo.packageJson.replace(`"version": "${version}"`, `"version": "${next}"`),
      chartYaml: chartWithVersion(repo.chartYaml, next),
    };
    expect(releaseFindings(bumped)).toEqual([`CHANGELOG.md has no "## [${next}]" section`]);
  });
});
