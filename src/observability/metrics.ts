import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MilvusIndex } from '../api/milvusindex.js';
import type { KubeWriteMetrics } from '../kube/milvusindex-writer.js';
import type { MetricMark } from '../reconcile/plan.js';
import type { ReconcileMetrics } from '../reconcile/reconciler.js';
import type { ControllerMetrics } from '../controller/runner.js';
import type { WorkqueueMetrics } from '../controller/workqueue.js';
import type { KubeRequestMetrics } from '../kube/request-metrics.js';
import { VERSION } from '../version.js';
import { conditionSeries, SnapshotGauge, type ConditionedStore } from './condition-metrics.js';

const CONTROLLER = 'milvusindex';

export type ConnectionKindLabel = 'MilvusConnection' | 'ClusterMilvusConnection';

/**
 * How often `nodejs_eventloop_lag_*` samples the event loop. prom-client's default (10 ms) wakes an idle
 * process 100 times a second and cost ~1 % of a core on its own, the whole idle budget (docs/benchmarks.md);
 * at 100 ms it costs ~0.15 %, and a stall long enough to matter for reconciles is still recorded in full.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * Every metric the operator exports, on its own Registry (no global default registry).
 * Names follow controller-runtime (controller_runtime_*, workqueue_*) plus the domain metrics of
 * design §4.
 */
export class OperatorMetrics implements KubeWriteMetrics, ReconcileMetrics, KubeRequestMetrics {
  readonly registry = new Registry();
  private indexStore: ConditionedStore | undefined;
  private readonly connectionStores = new Map<ConnectionKindLabel, ConditionedStore>();
  readonly reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly maxWorkers = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly queueLatency = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name'], buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry] });
  readonly workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name'], buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly buildProgressRatio = new Gauge({ name: 'milvusindex_build_progress_ratio', help: 'Indexed rows / total rows of each MilvusIndex (1 when built)', labelNames: ['namespace', 'name'], registers: [this.registry] });
  readonly timeToReady = new Histogram({ name: 'milvusindex_time_to_ready_seconds', help: 'Seconds from resource creation to its first Ready', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600], registers: [this.registry] });
  readonly driftRepairs = new Counter({ name: 'milvusindex_drift_repairs_total', help: 'Indexes re-created after they disappeared out of band', registers: [this.registry] });
  readonly orphaned = new Counter({ name: 'milvusindex_orphaned_total', help: 'Deletions finished without dropping an owned index (skip-drop)', registers: [this.registry] });
  readonly milvusRequestDuration = new Histogram({ name: 'milvus_request_duration_seconds', help: 'Milvus requests by method and outcome', labelNames: ['method', 'outcome'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [this.registry] });
  readonly kubeWrites = new Counter({ name: 'milvusindex_kube_writes_total', help: 'Kubernetes writes by kind (finalizer, status, event)', labelNames: ['kind'], registers: [this.registry] });
  readonly lastVerified = new Gauge({ name: 'milvusindex_last_verified_timestamp_seconds', help: 'When the operator last verified a resource against Milvus', labelNames: ['namespace', 'name'], registers: [this.registry] });
  readonly sourceAvailable = new Gauge({ name: 'milvus_index_operator_source_available', help: '1 while a watched resource kind is readable and its cache synced, 0 while it is forbidden or its CRD absent', labelNames: ['source'], registers: [this.registry] });
  readonly isLeader = new Gauge({ name: 'leader_election_master_status', help: '1 when this replica is the leader', labelNames: ['name'], registers: [this.registry] });
  readonly restClientRequests = new Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests to the Kubernetes API server, partitioned by status code (<error> when no response came), method, and host', labelNames: ['code', 'method', 'host'], registers: [this.registry] });
  readonly buildInfo = new Gauge({ name: 'milvus_index_operator_build_info', help: 'Always 1; the labels say which operator version runs on which Node.js', labelNames: ['version', 'node_version'], registers: [this.registry] });
  readonly indexConditions = new SnapshotGauge(
    { name: 'milvusindex_status_condition', help: 'Status of each condition of each MilvusIndex: 1 for the current status (True, False or Unknown), 0 for the others', labelNames: ['namespace', 'name', 'type', 'status'] as const, registers: [this.registry] },
    () => (this.indexStore?.list() ?? []).flatMap((obj) => conditionSeries(obj).map(({ value, ...labels }) => ({ labels, value }))),
  );
  readonly connectionConditions = new SnapshotGauge(
    { name: 'milvusconnection_status_condition', help: 'Status of each condition of each MilvusConnection and ClusterMilvusConnection (namespace empty): 1 for the current status, 0 for the others', labelNames: ['kind', 'namespace', 'name', 'type', 'status'] as const, registers: [this.registry] },
    () => [...this.connectionStores].flatMap(([kind, store]) => store.list().flatMap((obj) => conditionSeries(obj).map(({ value, ...labels }) => ({ labels: { kind, ...labels }, value })))),
  );

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.buildInfo.set({ version: VERSION, node_version: process.version }, 1);
  }

  /**
   * The caches the condition gauges are read from at scrape time, so a series exists exactly while
   * its resource does (a deleted resource's series go with the next scrape).
   */
  exportConditions(stores: { indexes: ConditionedStore; connections: Partial<Record<ConnectionKindLabel, ConditionedStore>> }): void {
    this.indexStore = stores.indexes;
    this.connectionStores.clear();
    for (const [kind, store] of Object.entries(stores.connections) as Array<[ConnectionKindLabel, ConditionedStore]>) this.connectionStores.set(kind, store);
  }

  kubeRequest(method: string, host: string, code: string): void {
    this.restClientRequests.inc({ code, method, host });
  }

  kubeWrite(kind: 'finalizer' | 'status' | 'event'): void {
    this.kubeWrites.inc({ kind });
  }

  mark(mark: MetricMark, resource: MilvusIndex): void {
    switch (mark) {
      case 'DriftRepaired': this.driftRepairs.inc(); break;
      case 'Orphaned': this.orphaned.inc(); break;
      case 'BecameReady': {
        const created = Date.parse(resource.metadata.creationTimestamp);
        if (Number.isFinite(created)) this.timeToReady.observe(Math.max(0, (Date.now() - created) / 1000));
        break;
      }
    }
  }

  buildProgress(resource: MilvusIndex, ratio: number | undefined): void {
    const labels = { namespace: resource.metadata.namespace, name: resource.metadata.name };
    if (ratio === undefined) this.buildProgressRatio.remove(labels);
    else this.buildProgressRatio.set(labels, ratio);
  }

  /** Set only when Milvus answered the observation (not when it was unreachable). */
  verified(resource: MilvusIndex): void {
    this.lastVerified.set({ namespace: resource.metadata.namespace, name: resource.metadata.name }, Date.now() / 1000);
  }

  /** A resource is gone: its per-resource series go with it. */
  forget(resource: MilvusIndex): void {
    const labels = { namespace: resource.metadata.namespace, name: resource.metadata.name };
    this.buildProgressRatio.remove(labels);
    this.lastVerified.remove(labels);
  }

  /** controller_runtime_* hooks of one controller. */
  controllerMetrics(controller: string): ControllerMetrics {
    return {
      reconciled: (result) => this.reconcileTotal.inc({ controller, result }),
      reconcileError: () => this.reconcileErrors.inc({ controller }),
      reconcileDuration: (s) => this.reconcileTime.observe({ controller }, s),
      activeWorkers: (n) => this.activeWorkers.set({ controller }, n),
    };
  }

  /** workqueue_* hooks of one queue. */
  workqueueMetrics(name: string): WorkqueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      queueLatency: (s) => this.queueLatency.observe({ name }, s),
      workDuration: (s) => this.workDuration.observe({ name }, s),
      retried: () => this.queueRetries.inc({ name }),
    };
  }

  observeMilvusRequest(method: string, outcome: string, seconds: number): void {
    this.milvusRequestDuration.observe({ method, outcome }, seconds);
  }

  get controllerName(): string {
    return CONTROLLER;
  }
}
