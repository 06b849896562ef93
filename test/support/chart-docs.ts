// The chart's README.md (deploy/helm/milvus-index-operator/README.md): helm-docs renders it from
// README.md.gotmpl, Chart.yaml and the `# --` comments of values.yaml. Shared by `make chart-docs`
// (scripts/gen-chart-docs.ts) and the drift test (test/integration/helm.test.ts).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHART_DIR } from './chart.js';
import { run } from './proc.js';

/** The inputs helm-docs reads; nothing else of the chart affects README.md. */
export const CHART_DOCS_INPUTS = ['Chart.yaml', 'values.yaml', 'README.md.gotmpl'];
export const CHART_README = join(CHART_DIR, 'README.md');

/** The helm-docs command line (file order keeps the table in values.yaml's order; no version footer). */
export function helmDocsArgs(searchRoot: string): string[] {
  return [
    '--chart-search-root', searchRoot,
    '--template-files', 'README.md.gotmpl',
    '--sort-values-order', 'file',
    '--skip-version-footer',
    '--log-level', 'warning',
  ];
}

/**
 * Runs helm-docs over a copy of the chart's inputs in a temp dir and returns the README.md it writes
 * there: the checked-in file is never touched, so a test can compare.
 */
export async function renderChartDocs(helmDocsBin: string, chartDir = CHART_DIR): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'mio-chart-docs-'));
  try {
    const chart = join(root, 'milvus-index-operator');
    mkdirSync(chart);
    for (const f of CHART_DOCS_INPUTS) copyFileSync(join(chartDir, f), join(chart, f));
    const res = await run(helmDocsBin, helmDocsArgs(root), { cwd: root });
    if (res.code !== 0) throw new Error(`helm-docs failed (exit ${res.code}):\n${res.stderr}${res.stdout}`);
    return readFileSync(join(chart, 'README.md'), 'utf8');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface ValuesRow {
  key: string;
  type: string;
  description: string;
}

/** The rows of the generated "## Values" table. */
export function valuesTable(readme: string): ValuesRow[] {
  const section = readme.split(/^## Values$/m)[1] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Key ') && !l.startsWith('|---'))
    .map((l) => {
      const cells = l.slice(2, -2).split(' | ');
      return { key: cells[0]!, type: cells[1]!, description: cells.at(-1)!.trim() };
    });
}
