// What the chart ships for monitoring: the PrometheusRule (rendered with helm, checked and unit-tested with
// promtool against test/alerts/*.test.yaml) and the Grafana dashboard (its queries read only metrics the operator
// exports, each scoped to one operator job and the selected controllers; shipped as a sidecar ConfigMap).
import { copyFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OperatorMetrics } from '../../src/observability/metrics.js';
import { CHART_DIR, renderChart, ROOT } from '../support/chart.js';
import { run } from '../support/proc.js';
import { metricNames, selectors } from '../support/promql.js';
import { resolveHelm, resolvePromtool, type ResolvedTool } from '../support/tools.js';

interface K8sObject { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: unknown }
interface AlertRule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
interface Panel { title: string; type: string; targets?: Array<{ expr: string }> }
interface Dashboard { panels: Panel[]; templating: { list: Array<Record<string, unknown>> } }

const ALERTS_DIR = join(ROOT, 'test', 'alerts');
const DASHBOARD = join(CHART_DIR, 'dashboards', 'milvus-index-operator.json');
const CONTROLLERS = ['milvusindex', 'milvusconnection', 'clustermilvusconnection'];
const RULE_VALUES = ['prometheusRule.enabled=true', 'prometheusRule.runbookBaseUrl=https://example.test/README.md', 'prometheusRule.alertLabels.team=search'];

const objects = (rendering: string) => parseAllDocuments(rendering).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);

/** Every series name the operator's registry exports (process metrics included; histograms with their suffixes). */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await new OperatorMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

let helmBin: ResolvedTool;
beforeAll(async () => {
  helmBin = await resolveHelm();
}, 1_800_000);

describe('PrometheusRule (prometheusRule.enabled) tested with promtool', () => {
  let promtool: ResolvedTool;
  let dir: string;
  let rules: AlertRule[];

  beforeAll(async () => {
    promtool = await resolvePromtool();
    const rule = objects(await renderChart(helmBin.path, { set: RULE_VALUES })).find((o) => o.kind === 'PrometheusRule');
    if (!rule) throw new Error('the chart rendered no PrometheusRule with prometheusRule.enabled=true');
    const spec = rule.spec as { groups: Array<{ name: string; rules: AlertRule[] }> };
    rules = spec.groups.flatMap((g) => g.rules);
    dir = mkdtempSync(join(tmpdir(), 'mio-alerts-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: spec.groups }));
  }, 1_800_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is not rendered by default', async () => {
    expect(objects(await renderChart(helmBin.path)).filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
  });

  it('has the six alerts, each with a summary, a description naming its runbook, and a runbook_url', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'MilvusConnectionNotReady', 'MilvusIndexNotReady', 'MilvusIndexOperatorNoLeader', 'MilvusIndexOperatorReconcileErrors', 'MilvusIndexStalled', 'MilvusIndexVerificationStale',
    ]);
    for (const r of rules) {
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toContain(`Runbook: README.md, section Alerts, ${r.alert}.`);
      expect(r.annotations.runbook_url, r.alert).toBe(`https://example.test/README.md#${r.alert.toLowerCase()}`);
    }
  });

  it('each alert has a section in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const r of rules) expect(readme, r.alert).toMatch(new RegExp(`^#### ${r.alert}$`, 'm'));
  });

  it('reads only metrics the operator exports, each selected by the operator job', async () => {
    const exported = await exportedNames();
    for (const r of rules) {
      for (const name of metricNames(r.expr)) expect(exported, `${r.alert} reads ${name}`).toContain(name);
      for (const s of selectors(r.expr)) expect(s.matchers, `${r.alert}: ${s.metric}`).toContain('job="milvus-index-operator-metrics"');
    }
  });

  it('MilvusIndexVerificationStale counts resync periods of operator.resyncPeriod (any unit the flag takes)', async () => {
    const threshold = async (resync: string) => {
      const rendered = objects(await renderChart(helmBin.path, { set: ['prometheusRule.enabled=true', 'prometheusRule.verificationStaleResyncs=2'], extraArgs: ['--set-string', `operator.resyncPeriod=${resync}`] }));
      const spec = rendered.find((o) => o.kind === 'PrometheusRule')!.spec as { groups: Array<{ rules: AlertRule[] }> };
      return /> (\d+)$/.exec(spec.groups[0]!.rules.find((r) => r.alert === 'MilvusIndexVerificationStale')!.expr)?.[1];
    };
    expect(await threshold('1h')).toBe('7200');
    expect(await threshold('90s')).toBe('180');
    expect(await threshold('1.5m')).toBe('180');
    expect(await threshold('45')).toBe('90');
  });

  it('promtool check rules accepts them', async () => {
    const res = await run(promtool.path, ['check', 'rules', join(dir, 'rules.yaml')]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  const cases = readdirSync(ALERTS_DIR).filter((f) => f.endsWith('.test.yaml'));
  it('test/alerts has a firing case for every alert', () => {
    const firing = new Set<string>();
    for (const f of cases) {
      const doc = parseYaml(readFileSync(join(ALERTS_DIR, f), 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
      for (const t of doc.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) firing.add(a.alertname);
    }
    expect([...firing].sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  for (const file of cases) {
    it(`promtool test rules ${file} passes`, async () => {
      copyFileSync(join(ALERTS_DIR, file), join(dir, file));
      const res = await run(promtool.path, ['test', 'rules', join(dir, file)]);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain('SUCCESS');
    });
  }

  it('promtool test rules fails on a wrong expectation (the cases are really checked)', async () => {
    const file = cases[0]!;
    const wrong = readFileSync(join(ALERTS_DIR, file), 'utf8').replaceAll('namespace: search, name: docs }', 'namespace: search, name: somebody-else }');
    writeFileSync(join(dir, 'wrong.test.yaml'), wrong);
    const res = await run(promtool.path, ['test', 'rules', join(dir, 'wrong.test.yaml')]);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain('somebody-else');
  });
});

describe('Grafana dashboard (dashboards/milvus-index-operator.json in the chart)', () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('deploy/grafana/milvus-index-operator.json is the chart\'s file (a link, so they cannot drift)', () => {
    const linked = join(ROOT, 'deploy', 'grafana', 'milvus-index-operator.json');
    expect(lstatSync(linked).isSymbolicLink()).toBe(true);
    expect(realpathSync(linked)).toBe(realpathSync(DASHBOARD));
  });

  it('queries only metrics the operator exports', async () => {
    const exported = await exportedNames();
    expect(exprs.length).toBeGreaterThan(20);
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${panel} queries ${name}`).toContain(name);
    }
  });

  it('every query is valid PromQL (promtool check rules over them as recording rules)', async () => {
    const promtool = await resolvePromtool();
    const dir = mkdtempSync(join(tmpdir(), 'mio-dashboard-'));
    try {
      // Grafana's variables as Grafana substitutes them: one job, the controllers' alternation.
      const rules = exprs.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$job', 'milvus-index-operator-metrics').replaceAll('$controller', CONTROLLERS.join('|')) }));
      writeFileSync(join(dir, 'dashboard.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      const res = await run(promtool.path, ['check', 'rules', join(dir, 'dashboard.rules.yaml')]);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_800_000);

  it('scopes every selector to one operator job, and controller metrics to the selected controllers', () => {
    for (const { panel, expr } of exprs) {
      for (const s of selectors(expr)) {
        expect(s.matchers, `${panel}: ${s.metric}`).toContain('job="$job"');
        if (s.metric.startsWith('controller_runtime_')) expect(s.matchers, `${panel}: ${s.metric}`).toContain('controller=~"$controller"');
        if (s.metric.startsWith('workqueue_')) expect(s.matchers, `${panel}: ${s.metric}`).toContain('name=~"$controller"');
      }
      expect(new Set(selectors(expr).map((s) => s.metric)), `${panel}: every metric has a selector`).toEqual(new Set(metricNames(expr)));
    }
  });

  it('offers one operator job at a time (no .* that sums other components) and the three controllers', () => {
    const vars = Object.fromEntries(dash.templating.list.map((v) => [v.name as string, v]));
    expect(vars.job).toMatchObject({ includeAll: false, multi: false, definition: 'label_values(milvus_index_operator_build_info, job)' });
    for (const v of dash.templating.list) expect(String(v.allValue ?? ''), `variable ${String(v.name)}`).not.toContain('.*');
    for (const { panel, expr } of exprs) expect(expr, panel).not.toMatch(/=~"\.[*+]"/);
    expect(vars.controller).toMatchObject({ includeAll: true, allValue: CONTROLLERS.join('|') });
  });

  it('shows not Ready and Stalled indexes, verification staleness, connections, errors and event-loop lag', () => {
    const reads = (pred: (e: string) => boolean) => exprs.some(({ expr }) => pred(expr));
    expect(reads((e) => e.includes('milvusindex_status_condition') && e.includes('type="Ready"'))).toBe(true);
    expect(reads((e) => e.includes('milvusindex_status_condition') && e.includes('type="Stalled"'))).toBe(true);
    expect(reads((e) => e.includes('time() - max by (namespace, name) (milvusindex_last_verified_timestamp_seconds'))).toBe(true);
    expect(reads((e) => e.includes('milvusconnection_status_condition'))).toBe(true);
    expect(reads((e) => e.includes('controller_runtime_reconcile_errors_total'))).toBe(true);
    expect(reads((e) => e.includes('nodejs_eventloop_lag_p99_seconds'))).toBe(true);
    expect(reads((e) => e.includes('rest_client_requests_total'))).toBe(true);
  });

  it('is shipped as a ConfigMap labelled grafana_dashboard "1" with grafana.dashboards.enabled, and not by default', async () => {
    expect(objects(await renderChart(helmBin.path)).filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    const cms = objects(await renderChart(helmBin.path, { set: ['grafana.dashboards.enabled=true', 'grafana.dashboards.annotations.grafana_folder=Operators'] })).filter((o) => o.kind === 'ConfigMap');
    expect(cms).toHaveLength(1);
    const cm = cms[0] as K8sObject & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Operators' });
    expect(JSON.parse(cm.data['milvus-index-operator.json']!)).toEqual(dash);
  });
});
