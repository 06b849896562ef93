// OperatorMetrics (src/observability/metrics.ts): per-resource series come and go with the resource, and the
// last-verified time is set only by a verification (a Milvus that answered), not by a progress report.
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
