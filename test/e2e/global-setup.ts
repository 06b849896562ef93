// vitest globalSetup of the e2e tier: decides once whether a kind cluster can run here (a reachable
// Docker engine) and prints why not. MIO_E2E=0 skips on purpose; MIO_E2E_REQUIRE_DOCKER=1 (CI's e2e
// job) turns a missing engine into a failure instead of a skip.
import { spawnSync } from 'node:child_process';

import type { TestProject } from 'vitest/node';

function dockerProblem(): string {
  const res = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 30_000 });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'the docker CLI is not installed' : `'docker info' could not run: ${res.error.message}`;
  }
  if (res.status !== 0) {
    const why = (res.stderr || res.stdout).trim().split('\n').find((l) => l.trim()) ?? `exit ${res.status}`;
    return `no Docker engine is reachable ('docker info' failed: ${why.trim()})`;
  }
  return '';
}

export default function setup(project: TestProject): void {
  let reason = '';
  if (process.env.MIO_E2E === '0') reason = 'MIO_E2E=0';
  else reason = dockerProblem();
  if (reason && process.env.MIO_E2E_REQUIRE_DOCKER === '1') {
    throw new Error(`[e2e] MIO_E2E_REQUIRE_DOCKER=1 but the kind e2e cannot run: ${reason}`);
  }
  if (reason) {
    console.log(`[e2e] SKIP kind e2e (kind cluster + image + Helm chart + Milvus): ${reason}. It runs where Docker is available (CI job "e2e").`);
  } else {
    console.log('[e2e] Docker engine reachable: running the kind e2e');
  }
  project.provide('e2eSkipReason', reason);
}
