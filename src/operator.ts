import { CoordinationV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { CLUSTER_MILVUS_CONNECTION, CONNECTION_FINALIZER, MILVUS_CONNECTION, type AnyConnection, type ClusterMilvusConnection, type ConnectionStatus, type MilvusConnection } from './api/connection.js';
import { CustomObjectWriter } from './kube/object-writer.js';
import { CachedNamespaceLabels, KubeSecretReader } from './kube/secrets.js';
import { ConnectionReconciler } from './reconcile/connection-reconciler.js';
import { ConnectionRegistry, connectionKey } from './reconcile/connection-registry.js';
import { RefConnectionResolver } from './reconcile/connection-resolver.js';
import { FINALIZER, GROUP, MILVUS_INDEX, OUR_ANNOTATIONS, VERSION, type MilvusIndex } from './api/milvusindex.js';
import type { OperatorConfig } from './config.js';
import { Informer } from './controller/informer.js';
import { KeyedMutex } from './controller/keyed-mutex.js';
import { defaultIdentity, LeaderElector, resolveLeaseNamespace } from './controller/leader-election.js';
import { Controller } from './controller/runner.js';
import { needsReconcile } from './controller/triggers.js';
import { WorkQueue } from './controller/workqueue.js';
import { httpStatus, describeKubeError } from './kube/errors.js';
import { KubeEventRecorder, type EventRecorder } from './kube/events.js';
import { KubeMilvusIndexWriter, type MilvusIndexWriter } from './kube/milvusindex-writer.js';
import { TokenBucket } from './kube/rate-limiter.js';
import { connectionList, connectionPath, milvusIndexList, milvusIndexPath, secretList, secretsPath, slimMilvusIndex, slimSecret, watchClient } from './kube/resources.js';
import { MilvusClientPool } from './milvus/pool.js';
import type { ConnectionTarget } from './milvus/types.js';
import type { Logger } from './observability/logger.js';
import { startHealthServer, startMetricsServer, type RunningServer } from './observability/http-servers.js';
import type { OperatorMetrics } from './observability/metrics.js';
import { DefaultConnectionResolver } from './reconcile/connections.js';
import { MilvusIndexReconciler } from './reconcile/reconciler.js';
import type { MilvusWriteObserver } from './reconcile/write-observer.js';
import { resourceKey } from './reconcile/observe.js';

export interface OperatorDeps {
  kc: KubeConfig;
  log: Logger;
  metrics: OperatorMetrics;
  /**
   * Leader election only: called once when this process lost the Lease involuntarily (reconciling
   * has already stopped). The CLI exits non-zero so that the Pod restarts, as controller-runtime does.
   */
  onLeadershipLost?: (reason: string) => void;
  /** Leader election identity; default hostname + '_' + random suffix. */
  identity?: string;
  /** Told of every Milvus write (tests, benchmarks). */
  milvusWrites?: MilvusWriteObserver;
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
  /** MilvusConnection and ClusterMilvusConnection controllers; started (and synced) before the index controller. */
  private readonly connectionControllers: Controller<AnyConnection>[] = [];
  private readonly secretInformer: Informer<V1Secret> | undefined;
  private readonly pool: MilvusClientPool;
  private servers: RunningServer[] = [];
  private stopping = false;
  private crdsPresent = false;
  private started = false;
  // --- leader election (--leader-elect) ---
  private readonly elector: LeaderElector | undefined;
  private leadershipLost = false;

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
    const registry = new ConnectionRegistry();
    const connectionInformer = (kind: 'MilvusConnection' | 'ClusterMilvusConnection') => new Informer<AnyConnection>({
      path: connectionPath(kind, config.namespace),
      list: connectionList(kc, kind, config.namespace),
      watch: watchClient(kc),
      log: log.child({ informer: kind }),
    });
    const namespacedConnections = connectionInformer('MilvusConnection');
    const clusterConnections = connectionInformer('ClusterMilvusConnection');
    const connections = new RefConnectionResolver({
      namespaced: namespacedConnections as unknown as Informer<MilvusConnection>,
      cluster: clusterConnections as unknown as Informer<ClusterMilvusConnection>,
      registry,
      namespaces: new CachedNamespaceLabels(kc),
      fallback: new DefaultConnectionResolver({ target: defaultConnectionTarget(config), namespaces: config.defaultConnectionNamespaces }),
    });
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
      mayWrite: () => this.elector?.isLeader() ?? true,
      ...(deps.milvusWrites ? { milvusWrites: deps.milvusWrites } : {}),
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
    // wake every resource of the same collection. Its connection re-counts its users (finalizer).
    this.informer.addEventHandler({
      onAdd: (obj) => this.wakeConnection(obj),
      onDelete: (obj) => { this.wakeCollection(obj); this.wakeConnection(obj); },
      onUpdate: (o, n) => { if (!o.metadata.deletionTimestamp && n.metadata.deletionTimestamp) { this.wakeCollection(n); this.wakeConnection(n); } },
    });
    this.namespacedConnections = namespacedConnections;
    this.clusterConnections = clusterConnections;
    this.setUpConnectionControllers(kc, config, { registry, bucket });
    // Secrets are watched only in single-namespace mode (a namespaced Role may grant it); cluster-wide,
    // they are re-read with `get` on every connection reconcile (resync).
    this.secretInformer = config.namespace
      ? new Informer<V1Secret>({ path: secretsPath(config.namespace), list: secretList(kc, config.namespace), watch: watchClient(kc), log: log.child({ informer: 'secrets' }), transform: slimSecret })
      : undefined;
    this.secretInformer?.addEventHandler({
      onAdd: (s) => this.wakeConnectionsOfSecret(s),
      onUpdate: (_o, s) => this.wakeConnectionsOfSecret(s),
      onDelete: (s) => this.wakeConnectionsOfSecret(s),
    });
    // --- leader election: every replica keeps a warm cache; only the leader runs workers ---
    if (config.leaderElect) {
      this.elector = new LeaderElector({
        api: kc.makeApiClient(CoordinationV1Api),
        namespace: resolveLeaseNamespace(config.leaderElectionNamespace, config.namespace),
        name: config.leaderElectionId,
        identity: deps.identity ?? defaultIdentity(),
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        log,
        callbacks: {
          onStartedLeading: () => this.startedLeading(),
          onStoppedLeading: (reason) => this.stoppedLeading(reason),
        },
      });
    }
  }

  /**
   * Starts the HTTP endpoints, waits for the CRD, then runs the controller. Resolves once reconciling;
   * with leader election, once the cache synced (the workers start when this process becomes leader).
   */
  async start(): Promise<void> {
    const { log, metrics } = this.deps;
    const metricsServer = await startMetricsServer(this.config.metricsBindAddress, metrics.registry);
    if (metricsServer) { this.servers.push(metricsServer); log.info({ port: metricsServer.port }, 'metrics endpoint listening'); }
    const health = await startHealthServer(this.config.healthProbeBindAddress, {
      healthy: () => !this.stopping && !this.leadershipLost,
      ready: () => (!this.crdsPresent ? { ok: false, reason: 'MilvusIndex CRD not installed' }
        : !this.started ? { ok: false, reason: 'cache not synced' }
        : this.elector && !this.elector.healthy() ? { ok: false, reason: 'leader election: neither leader nor in contact with the Lease' }
        : { ok: true }),
    });
    if (health) { this.servers.push(health); log.info({ port: health.port }, 'health endpoint listening'); }
    await this.waitForCrd();
    if (this.stopping) return;
    this.secretInformer?.start();
    if (this.secretInformer && !(await this.secretInformer.waitForSync())) return;
    if (!this.elector) {
      // Connection caches first: the index reconciler resolves connectionRefs from them.
      for (const c of this.connectionControllers) if (!(await c.start())) return;
      this.started = await this.controller.start();
      return;
    }
    // --- leader election: campaign, and warm the cache meanwhile (workers start in startedLeading) ---
    metrics.isLeader.set({ name: this.config.leaderElectionId }, 0);
    this.elector.start();
    for (const c of this.connectionControllers) if (!(await c.startSource())) return;
    this.started = await this.controller.startSource();
  }

  /** True when not electing, or while this process holds the Lease. */
  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  private startedLeading(): void {
    this.deps.metrics.isLeader.set({ name: this.config.leaderElectionId }, 1);
    if (this.stopping) return;
    void (async () => {
      for (const c of this.connectionControllers) await c.start();
      await this.controller.start();
    })().catch((e: unknown) => this.deps.log.error({ err: e }, 'cannot start the controllers after becoming leader'));
  }

  private stoppedLeading(reason: string): void {
    this.leadershipLost = true;
    this.deps.metrics.isLeader.set({ name: this.config.leaderElectionId }, 0);
    // Stop taking keys at once; reconciles in flight are fenced by mayWrite.
    void this.controller.stop(0);
    for (const c of this.connectionControllers) void c.stop(0);
    this.deps.onLeadershipLost?.(reason);
  }

  get metricsPort(): number | undefined {
    return this.servers[0]?.port;
  }

  /**
   * Stops taking keys, lets reconciles in flight finish (up to the timeout), releases the leader
   * Lease if held (a standby takes over at once), closes clients.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.controller.stop(this.config.shutdownTimeoutMs);
    await Promise.all(this.connectionControllers.map((c) => c.stop(this.config.shutdownTimeoutMs)));
    this.secretInformer?.stop();
    if (this.elector) {
      await this.elector.release();
      this.deps.metrics.isLeader.set({ name: this.config.leaderElectionId }, 0);
    }
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

  private readonly namespacedConnections: Informer<AnyConnection>;
  private readonly clusterConnections: Informer<AnyConnection>;

  /** One controller per connection kind; they verify connections and guard them with a finalizer while used. */
  private setUpConnectionControllers(kc: KubeConfig, config: OperatorConfig, shared: { registry: ConnectionRegistry; bucket: TokenBucket }): void {
    const { log, metrics } = this.deps;
    const secrets = new KubeSecretReader(kc);
    const kinds = [['MilvusConnection', this.namespacedConnections], ['ClusterMilvusConnection', this.clusterConnections]] as const;
    for (const [kind, source] of kinds) {
      const writer = new CustomObjectWriter<AnyConnection, ConnectionStatus>(kc, { group: GROUP, version: VERSION, plural: kind === 'MilvusConnection' ? MILVUS_CONNECTION.plural : CLUSTER_MILVUS_CONNECTION.plural, namespaced: kind === 'MilvusConnection' }, metrics);
      const take = () => shared.bucket.take();
      const reconciler = new ConnectionReconciler({
        kind,
        store: source,
        indexes: this.informer,
        registry: shared.registry,
        secrets,
        milvus: this.pool,
        writer: {
          addFinalizer: async (o, f) => { await take(); await writer.addFinalizer(o, f); },
          removeFinalizer: async (o, f) => { await take(); return writer.removeFinalizer(o, f); },
          writeStatus: async (o, st) => { await take(); return writer.writeStatus(o, st); },
        },
        now: () => new Date(),
        log: log.child({ controller: kind }),
        onChanged: (connKey) => this.wakeIndexesOf(connKey),
      });
      this.connectionControllers.push(new Controller<AnyConnection>({
        name: kind.toLowerCase(),
        source,
        reconcile: reconciler.reconcile,
        log: log.child({ controller: kind }),
        concurrency: 2,
        resyncPeriodMs: config.resyncPeriodMs,
        updateFilter: (o, n) => needsReconcile(o, n, [], CONNECTION_FINALIZER),
      }));
    }
  }

  private wakeConnection(index: MilvusIndex): void {
    const ref = index.spec.connectionRef;
    if (!ref) return;
    const controller = this.connectionControllers[ref.kind === 'MilvusConnection' ? 0 : 1];
    controller?.enqueue(ref.kind === 'MilvusConnection' ? `${index.metadata.namespace}/${ref.name}` : ref.name);
  }

  private wakeIndexesOf(connKey: string): void {
    for (const index of this.informer.list()) {
      const ref = index.spec.connectionRef;
      if (ref && connectionKey(ref.kind, ref.name, index.metadata.namespace) === connKey) this.controller.enqueue(resourceKey(index));
    }
  }

  private wakeConnectionsOfSecret(secret: V1Secret): void {
    const ns = secret.metadata?.namespace;
    const name = secret.metadata?.name;
    const refersTo = (c: AnyConnection) => {
      const refs = [c.spec.credentialsSecretRef, c.spec.tls?.caSecretRef] as ({ name: string; namespace?: string } | undefined)[];
      return refs.some((r) => r && r.name === name && (c.kind === 'MilvusConnection' ? c.metadata.namespace === ns : r.namespace === ns));
    };
    for (const c of this.namespacedConnections.list()) if (refersTo(c)) this.connectionControllers[0]?.enqueue(`${c.metadata.namespace}/${c.metadata.name}`);
    for (const c of this.clusterConnections.list()) if (refersTo(c)) this.connectionControllers[1]?.enqueue(c.metadata.name);
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
