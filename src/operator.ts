import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { FINALIZER, GROUP, MILVUS_INDEX, OUR_ANNOTATIONS, VERSION, type MilvusIndex } from './api/milvusindex.js';
import type { OperatorConfig } from './config.js';
import { Informer } from './controller/informer.js';
import { KeyedMutex } from './controller/keyed-mutex.js';
import { Controller } from './controller/runner.js';
import { needsReconcile } from './controller/triggers.js';
import { WorkQueue } from './controller/workqueue.js';
import { httpStatus, describeKubeError } from './kube/errors.js';
import { KubeEventRecorder, type EventRecorder } from './kube/events.js';
import { KubeMilvusIndexWriter, type MilvusIndexWriter } from './kube/milvusindex-writer.js';
import { TokenBucket } from './kube/rate-limiter.js';
import { milvusIndexList, milvusIndexPath, slimMilvusIndex, watchClient } from './kube/resources.js';
import { MilvusClientPool } from './milvus/pool.js';
import type { ConnectionTarget } from './milvus/types.js';
import type { Logger } from './observability/logger.js';
import { startHealthServer, startMetricsServer, type RunningServer } from './observability/http-servers.js';
import type { OperatorMetrics } from './observability/metrics.js';
import { DefaultConnectionResolver } from './reconcile/connections.js';
import { MilvusIndexReconciler } from './reconcile/reconciler.js';
import { resourceKey } from './reconcile/observe.js';

export interface OperatorDeps {
  kc: KubeConfig;
  log: Logger;
  metrics: OperatorMetrics;
}

/** The default connection from flags/environment, or undefined without --milvus-uri. */
export function defaultConnectionTarget(c: OperatorConfig): ConnectionTarget | undefined {
  if (!c.milvusUri) return undefined;
  return {
    uri: c.milvusUri,
    database: c.milvusDatabase,
    timeoutMs: c.milvusTimeoutMs,
    maxConcurrentRequests: c.milvusMaxConcurrentRequests,
    ...(c.milvusToken ? { token: c.milvusToken } : {}),
    ...(c.milvusUsername ? { username: c.milvusUsername, password: c.milvusPassword ?? '' } : {}),
    ...(c.milvusUri.startsWith('https://') ? { tls: { enabled: true } } : {}),
  };
}

/**
 * Wires informer → queue → reconciler and the HTTP endpoints. One instance per process;
 * everything it uses is passed in or built here (no module singletons).
 */
export class Operator {
  private readonly informer: Informer<MilvusIndex>;
  private readonly controller: Controller<MilvusIndex>;
  private readonly pool: MilvusClientPool;
  private servers: RunningServer[] = [];
  private stopping = false;
  private crdsPresent = false;
  private started = false;

  constructor(private readonly config: OperatorConfig, private readonly deps: OperatorDeps) {
    const { kc, log, metrics } = deps;
    const controllerName = metrics.controllerName;
    this.informer = new Informer<MilvusIndex>({
      path: milvusIndexPath(config.namespace),
      list: milvusIndexList(kc, config.namespace),
      watch: watchClient(kc),
      log: log.child({ informer: 'milvusindexes' }),
      transform: slimMilvusIndex,
    });
    this.pool = new MilvusClientPool({
      metrics: { observeRequest: (method, outcome, seconds) => metrics.observeMilvusRequest(method, outcome, seconds) },
      onClientCreated: (key, description, reason) => log.info({ connection: key, target: description, reason }, 'milvus client created'),
    });
    const bucket = new TokenBucket(config.kubeQps, config.kubeBurst);
    const writer = rateLimitedWriter(new KubeMilvusIndexWriter(kc, metrics), bucket);
    const recorder = new KubeEventRecorder(kc, metrics, {
      dedupeWindowMs: 10 * 60_000,
      now: Date.now,
      onError: (e) => log.warn({ error: describeKubeError(e) }, 'cannot record event'),
    });
    const events: EventRecorder = { emit: async (t, e) => { await bucket.take(); await recorder.emit(t, e); } };
    const connections = new DefaultConnectionResolver({ target: defaultConnectionTarget(config), namespaces: config.defaultConnectionNamespaces });
    const reconciler = new MilvusIndexReconciler({
      store: this.informer,
      connections,
      milvus: this.pool,
      writer,
      events,
      collectionLocks: new KeyedMutex(),
      now: () => new Date(),
      log: log.child({ controller: controllerName }),
      metrics,
    });
    const queueName = controllerName;
    const queue = new WorkQueue({
      metrics: {
        depth: (n) => metrics.queueDepth.set({ name: queueName }, n),
        added: () => metrics.queueAdds.inc({ name: queueName }),
        queueLatency: (s) => metrics.queueLatency.observe({ name: queueName }, s),
        workDuration: (s) => metrics.workDuration.observe({ name: queueName }, s),
        retried: () => metrics.queueRetries.inc({ name: queueName }),
      },
    });
    metrics.maxWorkers.set({ controller: controllerName }, config.concurrency);
    this.controller = new Controller<MilvusIndex>({
      name: controllerName,
      source: this.informer,
      reconcile: reconciler.reconcile,
      log: log.child({ controller: controllerName }),
      concurrency: config.concurrency,
      resyncPeriodMs: config.resyncPeriodMs,
      updateFilter: (o, n) => needsReconcile(o, n, OUR_ANNOTATIONS, FINALIZER),
      queue,
      metrics: {
        reconciled: (result) => metrics.reconcileTotal.inc({ controller: controllerName, result }),
        reconcileError: () => metrics.reconcileErrors.inc({ controller: controllerName }),
        reconcileDuration: (s) => metrics.reconcileTime.observe({ controller: controllerName }, s),
        activeWorkers: (n) => metrics.activeWorkers.set({ controller: controllerName }, n),
      },
    });
    // A deleted or deleting resource may hand its index over to a peer claiming the same index:
    // wake every resource of the same collection.
    this.informer.addEventHandler({
      onDelete: (obj) => this.wakeCollection(obj),
      onUpdate: (o, n) => { if (!o.metadata.deletionTimestamp && n.metadata.deletionTimestamp) this.wakeCollection(n); },
    });
  }

  /** Starts the HTTP endpoints, waits for the CRD, then runs the controller. Resolves once reconciling. */
  async start(): Promise<void> {
    const { log, metrics } = this.deps;
    const metricsServer = await startMetricsServer(this.config.metricsBindAddress, metrics.registry);
    if (metricsServer) { this.servers.push(metricsServer); log.info({ port: metricsServer.port }, 'metrics endpoint listening'); }
    const health = await startHealthServer(this.config.healthProbeBindAddress, {
      healthy: () => !this.stopping,
      ready: () => (!this.crdsPresent ? { ok: false, reason: 'MilvusIndex CRD not installed' } : !this.started ? { ok: false, reason: 'cache not synced' } : { ok: true }),
    });
    if (health) { this.servers.push(health); log.info({ port: health.port }, 'health endpoint listening'); }
    await this.waitForCrd();
    if (this.stopping) return;
    this.started = await this.controller.start();
  }

  get metricsPort(): number | undefined {
    return this.servers[0]?.port;
  }

  /** Stops taking keys, lets reconciles in flight finish (up to the timeout), closes clients. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.controller.stop(this.config.shutdownTimeoutMs);
    await this.pool.close();
    await Promise.all(this.servers.map((s) => s.close()));
  }

  private async waitForCrd(): Promise<void> {
    const api = this.deps.kc.makeApiClient(CustomObjectsApi);
    for (let delay = 1000; !this.stopping; delay = Math.min(delay * 2, 30_000)) {
      try {
        const gvr = { group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural, limit: 1 };
        if (this.config.namespace) await api.listNamespacedCustomObject({ ...gvr, namespace: this.config.namespace });
        else await api.listClusterCustomObject(gvr);
        this.crdsPresent = true;
        return;
      } catch (e) {
        const status = httpStatus(e);
        if (status === 404) this.deps.log.error({ retryInMs: delay }, `the ${MILVUS_INDEX.plural}.${GROUP} CRD is not installed: run "kubectl apply --server-side -f crds/" (or install the Helm chart); retrying`);
        else if (status === 401 || status === 403) this.deps.log.error({ status, retryInMs: delay, error: describeKubeError(e) }, 'the operator may not list MilvusIndexes: check its RBAC; retrying');
        else this.deps.log.error({ status, retryInMs: delay, error: describeKubeError(e) }, 'cannot reach the Kubernetes API server; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private wakeCollection(obj: MilvusIndex): void {
    for (const other of this.informer.list()) {
      if (other.metadata.uid !== obj.metadata.uid && other.spec.collectionName === obj.spec.collectionName) this.controller.enqueue(resourceKey(other));
    }
  }
}

function rateLimitedWriter(inner: MilvusIndexWriter, bucket: TokenBucket): MilvusIndexWriter {
  return {
    addFinalizer: async (o) => { await bucket.take(); return inner.addFinalizer(o); },
    removeFinalizer: async (o) => { await bucket.take(); return inner.removeFinalizer(o); },
    writeStatus: async (o, s) => { await bucket.take(); return inner.writeStatus(o, s); },
  };
}
