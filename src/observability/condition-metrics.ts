import { Gauge, type GaugeConfiguration } from 'prom-client';

/**
 * Per-resource condition series, as cert-manager's `certmanager_certificate_ready_status`: for each
 * condition a resource carries, one series per possible status, 1 for the current one and 0 for the
 * others, so `== 1` selects the state and `== 0` never hides a missing series.
 */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** What the condition gauges read from a cache: an Informer satisfies it. */
export interface ConditionedStore {
  list(): ReadonlyArray<ConditionedObject>;
}

export interface ConditionedObject {
  metadata?: { namespace?: string; name?: string };
  status?: { conditions?: ReadonlyArray<{ type: string; status: string }> };
}

export interface ConditionSeries {
  namespace: string;
  name: string;
  type: string;
  status: (typeof CONDITION_STATUSES)[number];
  value: 0 | 1;
}

/** The series of one resource; none before its first status write. */
export function conditionSeries(obj: ConditionedObject): ConditionSeries[] {
  const name = obj.metadata?.name;
  if (!name) return [];
  const namespace = obj.metadata?.namespace ?? '';
  return (obj.status?.conditions ?? []).flatMap((c) =>
    CONDITION_STATUSES.map((status) => ({ namespace, name, type: c.type, status, value: c.status === status ? 1 : 0 } as const)),
  );
}

type GaugeSnapshot<T extends string> = Awaited<ReturnType<Gauge<T>['get']>>;

/**
 * A gauge whose series are computed at scrape time from `values()`: nothing is stored between scrapes, so a
 * series exists exactly while `values()` returns it, and a scrape costs one pass over the source without
 * prom-client's per-series bookkeeping (10,000 resources × 3 conditions × 3 statuses are 90,000 series).
 */
export class SnapshotGauge<T extends string> extends Gauge<T> {
  constructor(config: Omit<GaugeConfiguration<T>, 'collect'>, private readonly values: () => GaugeSnapshot<T>['values']) {
    super(config);
  }

  override async get(): Promise<GaugeSnapshot<T>> {
    return { ...(await super.get()), values: this.values() };
  }
}
