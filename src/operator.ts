import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { CLUSTER_MILVUS_CONNECTION, CONNECTION_FINALIZER, MILVUS_CONNECTION, type AnyConnection, type ClusterMilvusConnection, type ConnectionStatus, type MilvusConnection } from './api/connection.js';
import { FINALIZER, GROUP, OUR_ANNOTATIONS, VERSION, type MilvusIndex } from './api/milvusindex.js';
import type { OperatorConfig } from './config.js';
import { systemClock } from './controller/clock.js';
import { Informer } from './controller/informer.js';
import { KeyedMutex } from './controller/keyed-mutex.js';
import { defaultIdentity, LeaderElector, resolveLeaseNamespace } from './controller/leader-election.js';
import { Controller } from './controller/runner.js';
import { needsReconcile } from './controller/triggers.js';
import { WorkQueue } from './controller/workqueue.js';
import { describeKubeError } from './kube/errors.js';
import type { SeriesOptions } from './kube/event-series.js';
import { InstrumentedKubeConfig } from './kube/request-metrics.js';
import { shareConnections } from './kube/shared-connections.js';
import { KubeEventRecorder, type EventRecorder } from './kube/events.js';
import { KubeMilvusIndexWriter } from './kube/milvusindex-writer.js';
import { CustomObjectWriter } from './kube/object-writer.js';
import { throttled, TokenBucket } from './kube/rate-limiter.js';
import { connectionList, connectionPath, milvusIndexList, milvusIndexPath, secretList, secretsPath, slimMilvusIndex, slimSecret, watchClient } from './kube/resources.js';
import { KubeLeaseApi } from './kube/leases.js';
import { CachedNamespaceLabels, KubeSecretReader } from './kube/secrets.js';
import { Manager } from './manager.js';
import { MilvusClientPool } from './milvus/pool.js';
import type { ConnectionTarget } from './milvus/types.js';
import { startHealthServer, startMetricsServer, type RunningServer } from './observability/http-servers.js';
import type { ProcessLogger as Logger } from './observability/logger.js';
import type { OperatorMetrics } from './observability/metrics.js';
import { ClaimIndex, collectionOf } from './reconcile/claims.js';
import { CollectionReadCache } from './reconcile/collection-reads.js';
import { ByReferenceConnectionResolver } from './reconcile/connection/by-reference.js';
import { CredentialFiles } from './reconcile/connection/credential-files.js';
import { DefaultConnectionResolver } from './reconcile/connection/default-connection.js';
import { DEFAULT_CONNECTION_KEY } from './reconcile/connection/resolution.js';
import { ConnectionReconciler } from './reconcile/connection/reconciler.js';
import { ConnectionRegistry } from './reconcile/connection/registry.js';
import type { ExecuteDeps } from './reconcile/execute.js';
import { MAX_STEPS, MilvusIndexReconciler } from './reconcile/reconciler.js';
import type { MilvusWriteObserver } from './reconcile/write-observer.js';
import { wireWatches } from './watches.js';

/**
 * How long one collection's reads answer its other steady MilvusIndexes (collection-reads.ts): long enough for a
 * resync group to pass through a busy queue, short against the resync period.
 */
const COLLECTION_READS_TTL_MS = 5_000;

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
  /** Event series timing; default EVENT_SERIES (tests shorten the interval). */
  eventSeries?: Partial<SeriesOptions>;
}

type ConnectionKind = 'MilvusConnection' | 'ClusterMilvusConnection';
/** Repeats within 10 min extend one Event's series; each series is written at most every 30 s. */
const EVENT_SERIES = { windowMs: 10 * 60_000, minPatchIntervalMs: 30_000, maxEntries: 10_000 } as const;
const SOURCE = { indexes: 'milvusindexes', MilvusConnection: 'milvusconnections', ClusterMilvusConnection: 'clustermilvusconnections', secrets: 'secrets' } as const;

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
 * Plain wiring: builds the caches, the controllers and their reconcilers, the watches between
 * them and the manager that runs them. One instance per process; nothing module-level.
 */
export class Operator {
  private readonly manager: Manager;
  private readonly pool: MilvusClientPool;
  private readonly elector: LeaderElector | undefined;
  /** deps.kc, counting every request into rest_client_requests_total; everything here uses this one. */
  private readonly kc: KubeConfig;

  constructor(private readonly config: OperatorConfig, private readonly deps: OperatorDeps) {
    const { log, metrics } = deps;
    this.kc = shareConnections(InstrumentedKubeConfig.from(deps.kc, metrics));
    this.pool = new MilvusClientPool({
      metrics: { observeRequest: (method, outcome, seconds) => metrics.observeMilvusRequest(method, outcome, seconds) },
      onClientCreated: (key, description, reason) => log.info({ connection: key, target: description, reason }, 'milvus client created'),
    });
    this.elector = config.leaderElect ? this.buildElector() : undefined;
    this.manager = new Manager({
      log,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...(this.elector ? { elector: this.elector } : {}),
      metrics: {
        sourceAvailable: (source, ok) => metrics.sourceAvailable.set({ source }, ok ? 1 : 0),
        isLeader: (leading) => metrics.isLeader.set({ name: config.leaderElectionId }, leading ? 1 : 0),
      },
      servers: [
        () => announced('metrics', startMetricsServer(config.metricsBindAddress, metrics.registry)),
        () => announced('health', startHealthServer(config.healthProbeBindAddress, {
          healthy: () => !this.leadershipLost,
          ready: () => { const r = this.manager.readiness(); return r.ok ? { ok: true } : { ok: false, reason: r.reason ?? 'not ready' }; },
        })),
      ],
    });
    this.wire();
    async function announced(endpoint: string, starting: Promise<RunningServer | undefined>): Promise<RunningServer | undefined> {
      const server = await starting;
      if (server) log.info({ port: server.port }, `${endpoint} endpoint listening`);
      return server;
    }
  }

  private leadershipLost = false;

  private wire(): void {
    const { log, metrics } = this.deps;
    const kc = this.kc;
    const config = this.config;
    const indexes = this.informer<MilvusIndex>(SOURCE.indexes, milvusIndexPath(config.namespace), milvusIndexList(kc, config.namespace), slimMilvusIndex);
    const connections: Partial<Record<ConnectionKind, Informer<AnyConnection>>> = {
      MilvusConnection: this.informer<AnyConnection>(SOURCE.MilvusConnection, connectionPath('MilvusConnection', config.namespace), connectionList(kc, 'MilvusConnection', config.namespace)),
      ...(config.clusterConnections ? { ClusterMilvusConnection: this.informer<AnyConnection>(SOURCE.ClusterMilvusConnection, connectionPath('ClusterMilvusConnection', config.namespace), connectionList(kc, 'ClusterMilvusConnection', config.namespace)) } : {}),
    };
    // Secrets are watched only in single-namespace mode (a namespaced Role may grant it); cluster-wide,
    // they are re-read with `get` on every connection reconcile (resync).
    const secrets = config.namespace ? this.informer<V1Secret>(SOURCE.secrets, secretsPath(config.namespace), secretList(kc, config.namespace), slimSecret) : undefined;
    this.manager.addSource({ name: SOURCE.indexes, source: indexes, essential: true, remedy: 'Install the CRDs ("kubectl apply --server-side -f crds/" or the Helm chart) and check the operator\'s RBAC.' });
    for (const [kind, source] of Object.entries(connections) as Array<[ConnectionKind, Informer<AnyConnection>]>) {
      this.manager.addSource({ name: SOURCE[kind], source, essential: false, remedy: `Install the ${kind} CRD and grant list/watch on it, or (for ClusterMilvusConnections) start the operator with --cluster-connections=false.` });
    }
    metrics.exportConditions({ indexes, connections });
    if (secrets) this.manager.addSource({ name: SOURCE.secrets, source: secrets, essential: false, remedy: `Grant list/watch on Secrets in namespace ${config.namespace} (the chart's Role does).` });

    const registry = new ConnectionRegistry();
    const defaultConnection = new DefaultConnectionResolver({
      target: defaultConnectionTarget(config),
      namespaces: config.defaultConnectionNamespaces,
      ownNamespace: process.env.POD_NAMESPACE,
      credentialFiles: config.milvusCredentialsDir ? new CredentialFiles(config.milvusCredentialsDir) : undefined,
    });
    const resolver = new ByReferenceConnectionResolver({
      namespaced: connections.MilvusConnection as Informer<MilvusConnection> | undefined,
      cluster: connections.ClusterMilvusConnection as Informer<ClusterMilvusConnection> | undefined,
      registry,
      namespaces: new CachedNamespaceLabels(kc),
      unavailable: (kind) => this.manager.unavailable().find((u) => u.name === SOURCE[kind])?.message,
      fallback: defaultConnection,
    });
    // Built now, while the caches sync: the SDK client's construction (its .proto files) blocks the event loop
    // for most of a second, which would otherwise stall the first burst of reconciles.
    const defaultTarget = defaultConnection.currentTarget();
    if (defaultTarget) this.pool.get(DEFAULT_CONNECTION_KEY, defaultTarget);
    const claims = new ClaimIndex(indexes, resolver);
    const bucket = new TokenBucket(config.kubeQps, config.kubeBurst);
    // Events have their own budget (as client-go's event broadcaster has its own client): they never delay a status write.
    const eventBucket = new TokenBucket(config.kubeQps, config.kubeBurst);
    const events: EventRecorder = new KubeEventRecorder(kc, metrics, {
      ...EVENT_SERIES, ...this.deps.eventSeries, clock: systemClock, beforeWrite: () => eventBucket.take(),
      onError: (e) => log.warn({ error: describeKubeError(e) }, 'cannot record event'),
    });
    const indexController = this.indexController(indexes, claims, resolver, bucket, events);
    const connectionControllers = new Map<ConnectionKind, Controller<AnyConnection>>();
    const watches = wireWatches({
      indexes, connections, secrets, claims,
      wakeIndex: (key) => indexController.enqueue(key),
      wakeConnection: (kind, key) => connectionControllers.get(kind)?.enqueue(key),
      forgetIndex: (r) => metrics.forget(r),
    });
    for (const [kind, source] of Object.entries(connections) as Array<[ConnectionKind, Informer<AnyConnection>]>) {
      const controller = this.connectionController(kind, source, { registry, bucket, events, usersOf: (key) => (indexes.hasSynced() ? claims.usersOf(key) : undefined), changed: watches.connectionChanged });
      connectionControllers.set(kind, controller);
      this.manager.addController({ name: kind, controller, needs: [SOURCE.indexes, SOURCE[kind]] });
    }
    this.manager.addController({ name: metrics.controllerName, controller: indexController, needs: [SOURCE.indexes] });
    if (!config.clusterConnections) log.info({}, 'ClusterMilvusConnections are not available: disabled by --cluster-connections=false (chart value rbac.clusterConnections: false); MilvusIndexes that reference one report ConnectionNotReady');
    log.debug({ sources: Object.values(SOURCE) }, 'operator wired');
  }

  private informer<T extends { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }>(name: string, path: string, list: ConstructorParameters<typeof Informer<T>>[0]['list'], transform?: (o: T) => T): Informer<T> {
    return new Informer<T>({ path, list, watch: watchClient(this.kc), log: this.deps.log.child({ informer: name }), ...(transform ? { transform } : {}) });
  }

  private executeDeps(bucket: TokenBucket): ExecuteDeps {
    const writer = throttled(new KubeMilvusIndexWriter(this.kc, this.deps.metrics), bucket, ['addFinalizer', 'removeFinalizer', 'writeStatus']);
    const log = this.deps.log.child({ controller: this.deps.metrics.controllerName });
    const observer = this.deps.milvusWrites;
    return {
      writer,
      leadershipRemainingMs: () => (this.elector ? this.elector.leadershipRemainingMs() : Number.POSITIVE_INFINITY),
      // Every Milvus write leaves one audit line (what, on whose behalf, outcome); tests count through the observer.
      milvusWrites: { written: (w) => { log.info({ ...w, key: `${w.namespace}/${w.name}` }, 'milvus write'); observer?.written(w); } },
    };
  }

  private indexController(indexes: Informer<MilvusIndex>, claims: ClaimIndex, connections: ByReferenceConnectionResolver, bucket: TokenBucket, events: EventRecorder): Controller<MilvusIndex> {
    const { log, metrics } = this.deps;
    const name = metrics.controllerName;
    const reconciler = new MilvusIndexReconciler({
      store: indexes, claims, connections, milvus: this.pool, reads: new CollectionReadCache(COLLECTION_READS_TTL_MS), maxSteps: MAX_STEPS, execute: this.executeDeps(bucket), events,
      collectionLocks: new KeyedMutex(), now: () => new Date(), log: log.child({ controller: name }), metrics,
    });
    metrics.maxWorkers.set({ controller: name }, this.config.concurrency);
    const collection = (o: MilvusIndex): string => collectionOf(o, connections);
    return new Controller<MilvusIndex>({
      name, source: indexes, reconcile: reconciler.reconcile, log: log.child({ controller: name }),
      concurrency: this.config.concurrency, resyncPeriodMs: this.config.resyncPeriodMs,
      updateFilter: (o, n) => needsReconcile(o, n, OUR_ANNOTATIONS, FINALIZER, { finalizerAddedInPass: true }),
      resyncGroup: collection,
      // The reconciler's lock key: a collection's mates run one after another on one worker, so the lock
      // stays uncontended and no worker idles on it while other collections' keys wait.
      serializeBy: collection,
      queue: new WorkQueue({ metrics: metrics.workqueueMetrics(name) }),
      metrics: metrics.controllerMetrics(name),
    });
  }

  private connectionController(kind: ConnectionKind, source: Informer<AnyConnection>, shared: { registry: ConnectionRegistry; bucket: TokenBucket; events: EventRecorder; usersOf: (key: string) => MilvusIndex[] | undefined; changed: (key: string) => void }): Controller<AnyConnection> {
    const { log, metrics } = this.deps;
    const kc = this.kc;
    const plural = kind === 'MilvusConnection' ? MILVUS_CONNECTION.plural : CLUSTER_MILVUS_CONNECTION.plural;
    const writer = throttled(new CustomObjectWriter<AnyConnection, ConnectionStatus>(kc, { group: GROUP, version: VERSION, plural, namespaced: kind === 'MilvusConnection' }, metrics), shared.bucket, ['addFinalizer', 'removeFinalizer', 'writeStatus']);
    const name = kind.toLowerCase();
    const concurrency = 2;
    metrics.maxWorkers.set({ controller: name }, concurrency);
    const reconciler = new ConnectionReconciler({
      kind, store: source, usersOf: shared.usersOf, registry: shared.registry, secrets: new KubeSecretReader(kc), milvus: this.pool, writer,
      now: () => new Date(), log: log.child({ controller: kind }), onChanged: shared.changed, events: shared.events,
    });
    return new Controller<AnyConnection>({
      name, source, reconcile: reconciler.reconcile, log: log.child({ controller: kind }), concurrency,
      resyncPeriodMs: this.config.resyncPeriodMs,
      updateFilter: (o, n) => needsReconcile(o, n, [], CONNECTION_FINALIZER),
      queue: new WorkQueue({ metrics: metrics.workqueueMetrics(name) }),
      metrics: metrics.controllerMetrics(name),
    });
  }

  private buildElector(): LeaderElector {
    const { log } = this.deps;
    const kc = this.kc;
    return new LeaderElector({
      api: new KubeLeaseApi(kc),
      namespace: resolveLeaseNamespace(this.config.leaderElectionNamespace, this.config.namespace),
      name: this.config.leaderElectionId,
      identity: this.deps.identity ?? defaultIdentity(),
      leaseDurationMs: this.config.leaseDurationMs,
      renewDeadlineMs: this.config.renewDeadlineMs,
      retryPeriodMs: this.config.retryPeriodMs,
      clock: systemClock,
      log,
      callbacks: {
        onStartedLeading: () => this.manager.startedLeading(),
        onStoppedLeading: (reason) => {
          this.leadershipLost = true;
          this.manager.stopWorkersNow();
          this.deps.onLeadershipLost?.(reason);
        },
      },
    });
  }

  /** Resolves once the caches synced (workers run, or wait for leadership when electing). */
  start(): Promise<void> {
    return this.manager.start();
  }

  /** True when not electing, or while this process holds the Lease. */
  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  get metricsPort(): number | undefined {
    return this.manager.servers[0]?.port;
  }

  /** Sources known to be forbidden or absent (the controllers that need them wait). */
  unavailable(): Array<{ name: string; message: string }> {
    return this.manager.unavailable();
  }

  /** Stops taking keys, drains reconciles, stops caches, releases the Lease, closes clients and endpoints. */
  async stop(): Promise<void> {
    await this.manager.stop();
    await this.pool.close();
  }
}
