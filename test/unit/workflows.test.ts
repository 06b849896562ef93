// What actionlint (`make lint-workflows`) does not check in .github/workflows: every action is pinned to a
// version (a major tag at least, or a commit), and the release keeps its promises: it runs on v* tags only,
// builds both architectures with SBOM and provenance, and signs what it pushes by digest, keylessly (which
// needs the job's id-token: write).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

import { ROOT } from '../support/chart.js';

interface Step { uses?: string; run?: string; with?: Record<string, unknown> }
interface Job { permissions?: Record<string, string>; steps: Step[] }
interface Workflow { on: unknown; jobs: Record<string, Job> }

const DIR = join(ROOT, '.github', 'workflows');
const workflows = new Map(readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => [f, parse(readFileSync(join(DIR, f), 'utf8')) as Workflow]));
const release = workflows.get('release.yaml')!;
const steps = (job: string) => release.jobs[job]!.steps;

describe('.github/workflows', () => {
  it('has the CI and the release workflows', () => {
    expect([...workflows.keys()]).toEqual(expect.arrayContaining(['ci.yaml', 'release.yaml']));
  });

  it.each([...workflows.keys()])('%s pins every action to a version tag or a commit', (file) => {
    const unpinned = Object.values(workflows.get(file)!.jobs)
      .flatMap((j) => j.steps.map((s) => s.uses))
      .filter((u): u is string => u !== undefined && !/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(u));
    expect(unpinned).toEqual([]);
  });
});

describe('release.yaml', () => {
  it('runs on v* tags only', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
  });

  it('checks the tag against package.json before any job that publishes', () => {
    expect(steps('verify').some((s) => s.run?.includes('scripts/release-check.ts --tag "$GITHUB_REF_NAME"'))).toBe(true);
    for (const job of ['image', 'chart', 'github-release']) expect(JSON.stringify((release.jobs[job] as { needs?: unknown }).needs)).toContain('verify');
  });

  it('builds linux/amd64 and linux/arm64 with an SBOM and max-mode provenance, pushed', () => {
    const build = steps('image').find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', push: true, sbom: true, provenance: 'mode=max' });
    expect(steps('image').some((s) => s.uses?.startsWith('docker/setup-qemu-action@'))).toBe(true);
  });

  it.each(['image', 'chart'])('%s: signs by digest with keyless cosign and attests provenance, with id-token: write', (job) => {
    expect(release.jobs[job]!.permissions).toMatchObject({ 'id-token': 'write', packages: 'write', attestations: 'write' });
    expect(steps(job).some((s) => s.uses?.startsWith('sigstore/cosign-installer@'))).toBe(true);
    expect(steps(job).some((s) => /cosign sign --yes "\$\{\w+\}(\/milvus-index-operator)?@\$\{DIGEST\}"/.test(s.run ?? ''))).toBe(true);
    expect(steps(job).some((s) => s.uses?.startsWith('actions/attest-build-provenance@'))).toBe(true);
  });

  it('pushes the chart to oci://ghcr.io/<owner>/charts with its Artifact Hub metadata', () => {
    const runs = steps('chart').map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('helm push ".release/milvus-index-operator-${VERSION}.tgz" "oci://${CHARTS}"');
    expect(JSON.stringify(release.jobs.chart)).toContain('ghcr.io/${{ needs.verify.outputs.owner }}/charts');
    expect(runs).toMatch(/oras push "\$\{CHARTS\}\/milvus-index-operator:artifacthub\.io"[\s\S]*artifacthub-repo\.yml:application\/vnd\.cncf\.artifacthub\.repository-metadata\.layer\.v1\.yaml/);
  });
});
