// OperatorMetrics (src/observability/metrics.ts): per-resource series come and go with the resource, and the
// last-verified time is set only by a verification (a Milvus that answered), not by a progress report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatorMetrics } from '../../src/observability/metrics.js';
import { aMilvusIndex } from './fakes.js';

const series = async (m: OperatorMetrics, name: 'lastVerified' | 'buildProgressRatio') => (await m[name].get()).values.map((v) => `${v.labels.namespace}/${v.labels.name}`);

describe('OperatorMetrics per-resource series', () => {
  it('last verified moves only on verified(); progress alone does not set it', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const r = aMilvusIndex().build();
    m.buildProgress(r, 0.5);
    expect(await series(m, 'lastVerified'), 'a progress report (e.g. from a failed pass) is not a verification').toEqual([]);
    m.verified(r);
    expect(await series(m, 'lastVerified')).toEqual([`${r.metadata.namespace}/${r.metadata.name}`]);
  });

  it('forget() removes every series of a deleted resource', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const r = aMilvusIndex().build();
    m.verified(r);
    m.buildProgress(r, 1);
    m.forget(r);
    expect(await series(m, 'lastVerified')).toEqual([]);
    expect(await series(m, 'buildProgressRatio')).toEqual([]);
  });
});

describe('OperatorMetrics condition gauges (read from the caches at scrape time)', () => {
  const cond = (type: string, status: 'True' | 'False' | 'Unknown') => ({ type, status });
  const scrape = async (m: OperatorMetrics, name: string) => {
    const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
    return (metric?.values ?? []).map((v) => ({ ...v.labels, value: v.value }));
  };

  it('one series per condition and status, 1 for the current status; a deleted resource has none', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const items = [
      { metadata: { namespace: 'a', name: 'x' }, status: { conditions: [cond('Ready', 'False'), cond('Stalled', 'True')] } },
      { metadata: { namespace: 'a', name: 'new' } },
    ];
    m.exportConditions({ indexes: { list: () => items }, connections: {} });
    const got = await scrape(m, 'milvusindex_status_condition');
    expect(got).toEqual(expect.arrayContaining([
      { namespace: 'a', name: 'x', type: 'Ready', status: 'True', value: 0 },
      { namespace: 'a', name: 'x', type: 'Ready', status: 'False', value: 1 },
      { namespace: 'a', name: 'x', type: 'Ready', status: 'Unknown', value: 0 },
      { namespace: 'a', name: 'x', type: 'Stalled', status: 'True', value: 1 },
    ]));
    expect(got, 'a resource without status has no series yet').toHaveLength(6);
    items.shift();
    expect(await scrape(m, 'milvusindex_status_condition'), 'the series leave with the resource').toEqual([]);
  });

  it('connections carry their kind; a cluster connection has an empty namespace', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    m.exportConditions({
      indexes: { list: () => [] },
      connections: {
        MilvusConnection: { list: () => [{ metadata: { namespace: 'a', name: 'prod' }, status: { conditions: [cond('Ready', 'True')] } }] },
        ClusterMilvusConnection: { list: () => [{ metadata: { name: 'shared' }, status: { conditions: [cond('Ready', 'Unknown')] } }] },
      },
    });
    const ones = (await scrape(m, 'milvusconnection_status_condition')).filter((s) => s.value === 1);
    expect(ones).toEqual([
      { kind: 'MilvusConnection', namespace: 'a', name: 'prod', type: 'Ready', status: 'True', value: 1 },
      { kind: 'ClusterMilvusConnection', namespace: '', name: 'shared', type: 'Ready', status: 'Unknown', value: 1 },
    ]);
  });

  it('build_info names the package.json version and the Node.js version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const m = new OperatorMetrics({ processMetrics: false });
    expect(await scrape(m, 'milvus_index_operator_build_info')).toEqual([{ version: pkg.version, node_version: process.version, value: 1 }]);
  });

  it('the event-loop lag of prom-client\'s default metrics is exported', async () => {
    const names = (await new OperatorMetrics().registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds']));
  });

  it('each controller\'s hooks label its own series', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    m.controllerMetrics('milvusconnection').reconciled('error');
    m.controllerMetrics('milvusconnection').reconcileError();
    m.controllerMetrics('milvusindex').reconciled('success');
    expect(await scrape(m, 'controller_runtime_reconcile_errors_total')).toEqual([{ controller: 'milvusconnection', value: 1 }]);
    expect(await scrape(m, 'controller_runtime_reconcile_total')).toEqual(expect.arrayContaining([
      { controller: 'milvusconnection', result: 'error', value: 1 },
      { controller: 'milvusindex', result: 'success', value: 1 },
    ]));
  });
});
