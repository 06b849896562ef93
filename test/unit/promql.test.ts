// test/support/promql.ts: the metric-name lexer the dashboard and alert checks rely on.
import { describe, expect, it } from 'vitest';
import { metricNames, selectors } from '../support/promql.js';

describe('metricNames', () => {
  it.each([
    ['max by (namespace, name) (milvusindex_status_condition{job="$job",type="Ready"}) == 0', ['milvusindex_status_condition']],
    ['histogram_quantile(0.99, sum by (le, method) (rate(milvus_request_duration_seconds_bucket{job="x"}[5m])))', ['milvus_request_duration_seconds_bucket']],
    ['a_total / on (controller) group_left (x) b_total > 0.1 unless c', ['a_total', 'b_total', 'c']],
    ['(max(leader_election_master_status{job="j"}) or vector(0)) < 1', ['leader_election_master_status']],
    ['time() - max(x_seconds{name=~"a|b"}) offset 5m', ['x_seconds']],
    ['topk(20, up)', ['up']],
    ['sum without (instance) (rate(y_total[$__rate_interval]))', ['y_total']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });
});

describe('selectors', () => {
  it('returns each metric with its matchers', () => {
    expect(selectors('sum(a{job="$job"}) / sum(b{job="$job",x="y"})')).toEqual([
      { metric: 'a', matchers: 'job="$job"' },
      { metric: 'b', matchers: 'job="$job",x="y"' },
    ]);
  });
});
