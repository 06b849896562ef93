// `make manifests`: renders the Helm chart with its default values (release and namespace
// milvus-index-operator) into deploy/manifests/; test/integration/helm.test.ts fails when they drift.
// The CRDs are not repeated there: they live in crds/ (the chart's crds/ is a symlink to it).
import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { expectedManifests, MANIFESTS_DIR, renderChart, ROOT } from '../test/support/chart.js';
import { resolveHelm } from '../test/support/tools.js';

try {
  const helm = await resolveHelm();
  const files = expectedManifests(await renderChart(helm.path));
  mkdirSync(MANIFESTS_DIR, { recursive: true });
  for (const f of readdirSync(MANIFESTS_DIR)) if (!files.has(f)) rmSync(join(MANIFESTS_DIR, f));
  for (const [name, text] of files) writeFileSync(join(MANIFESTS_DIR, name), text);
  console.log(`[manifests] helm v${helm.version} (${helm.source}) → ${[...files.keys()].map((f) => relative(ROOT, join(MANIFESTS_DIR, f))).join(', ')}`);
} catch (err) {
  console.error(`[manifests] failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
