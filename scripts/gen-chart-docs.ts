// `make chart-docs`: regenerates deploy/helm/milvus-index-operator/README.md (the values table from the `# --`
// comments of values.yaml) with helm-docs, built from the Go module proxy and cached (test/support/tools.ts).
// test/integration/helm.test.ts fails when the checked-in README.md differs from what this writes.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

import { ROOT } from '../test/support/chart.js';
import { CHART_README, renderChartDocs } from '../test/support/chart-docs.js';
import { resolveHelmDocs } from '../test/support/tools.js';

try {
  const helmDocs = await resolveHelmDocs();
  writeFileSync(CHART_README, await renderChartDocs(helmDocs.path));
  console.log(`[chart-docs] helm-docs v${helmDocs.version} (${helmDocs.source}) → ${relative(ROOT, CHART_README)}`);
} catch (err) {
  console.error(`[chart-docs] failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
