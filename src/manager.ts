import type { Logger } from './observability/logger.js';
import type { RunningServer } from './observability/http-servers.js';

/** A cache the manager starts and waits for: an Informer satisfies it. */
export interface ManagedSource {
  start(): void;
  stop(): void;
  hasSynced(): boolean;
  /** Resolves true once synced, false if stopped first. */
  waitForSync(): Promise<boolean>;
  addListErrorHandler(handler: (status: number | undefined, err: unknown) => void): void;
}

/** Workers over synced caches: a Controller satisfies it. */
export interface ManagedController {
  startWorkers(): boolean;
  stop(timeoutMs: number): Promise<boolean>;
}

/** Leader election as the manager sees it. */
export interface ManagedElector {
  start(): void;
  release(): Promise<unknown>;
  healthy(): boolean;
}

export interface SourceRegistration {
  /** Shown in /readyz, logs and the availability metric, e.g. "milvusconnections". */
  name: string;
  source: ManagedSource;
  /**
   * An essential source must sync before anything runs (the MilvusIndex cache). A non-essential
   * one that is forbidden or absent (list answered 403/404) is reported and skipped: controllers
   * that need it wait for it, the others run.
   */
  essential: boolean;
  /** What a person should do when the list is refused, for the log and /readyz. */
  remedy: string;
}

export interface ControllerRegistration {
  name: string;
  controller: ManagedController;
  /** Names of the sources whose caches must have synced before its workers start. */
  needs: string[];
}

export interface ManagerMetrics {
  /** 1 while a source's cache is synced, 0 while it is unavailable (forbidden or absent). */
  sourceAvailable(source: string, available: boolean): void;
  isLeader(leading: boolean): void;
}

export interface ManagerOptions {
  log: Logger;
  metrics: ManagerMetrics;
  shutdownTimeoutMs: number;
  /** Leader election; without it this process runs the workers once the caches synced. */
  elector?: ManagedElector;
  /** HTTP endpoints, started first (so probes answer during start-up) and closed last. */
  servers: Array<() => Promise<RunningServer | undefined>>;
}

type SourceState = { kind: 'Starting' } | { kind: 'Synced' } | { kind: 'Unavailable'; status: number; since: number };

/**
 * Owns the process's lifetime, as controller-runtime's manager does: starts the HTTP endpoints,
 * every cache, waits until each cache has synced (or a non-essential one is known to be
 * forbidden or absent), and only then starts workers — gated by leadership when electing. A
 * controller whose caches sync later starts then. Stops in reverse: workers (drained), caches,
 * the Lease (released, so a standby takes over at once), the endpoints.
 *
 * Invariant: no worker ever runs against a cache that has not synced, so no finalizer is removed
 * and no "in use" count is taken on a partial view.
 */
export class Manager {
  private readonly sources = new Map<string, { reg: SourceRegistration; state: SourceState }>();
  private readonly controllers: Array<ControllerRegistration & { running: boolean }> = [];
  private readonly running: RunningServer[] = [];
  private leading = false;
  private stopping = false;
  private cachesReady = false;

  constructor(private readonly options: ManagerOptions) {}

  addSource(reg: SourceRegistration): void {
    this.sources.set(reg.name, { reg, state: { kind: 'Starting' } });
    reg.source.addListErrorHandler((status) => this.onListError(reg.name, status));
  }

  addController(reg: ControllerRegistration): void {
    for (const need of reg.needs) if (!this.sources.has(need)) throw new Error(`controller ${reg.name} needs unknown source ${need}`);
    this.controllers.push({ ...reg, running: false });
  }

  /** Resolves once the caches are ready (workers run, or wait for leadership); early on stop(). */
  async start(): Promise<void> {
    for (const start of this.options.servers) {
      const server = await start();
      if (server) this.running.push(server);
    }
    for (const { reg } of this.sources.values()) reg.source.start();
    await Promise.all([...this.sources.values()].map(({ reg }) => this.awaitSource(reg)));
    if (this.stopping) return;
    this.cachesReady = true;
    this.options.log.info({ unavailable: this.unavailable().map((u) => u.name) }, 'caches synced');
    if (this.options.elector) {
      this.options.metrics.isLeader(false);
      this.options.elector.start();
    } else {
      this.startedLeading();
    }
  }

  /** Leader election callback: this process may now run workers. */
  startedLeading(): void {
    this.leading = true;
    this.options.metrics.isLeader(true);
    this.startRunnableControllers();
  }

  /**
   * Readiness: caches synced and leader election healthy. Unavailable optional sources do not make
   * the process unready (the other controllers work), but they are named in the answer.
   */
  readiness(): { ok: boolean; reason?: string } {
    const missing = [...this.sources.values()].filter((s) => s.reg.essential && s.state.kind !== 'Synced');
    if (missing.length > 0) return { ok: false, reason: missing.map((s) => this.describe(s.reg, s.state)).join('; ') };
    if (!this.cachesReady) return { ok: false, reason: 'caches not synced' };
    if (this.options.elector && !this.options.elector.healthy()) return { ok: false, reason: 'leader election: neither leader nor in contact with the Lease' };
    const degraded = this.unavailable();
    return degraded.length === 0 ? { ok: true } : { ok: true, reason: `degraded: ${degraded.map((d) => d.message).join('; ')}` };
  }

  /** Sources known to be forbidden or absent, with what to do about them. */
  unavailable(): Array<{ name: string; message: string }> {
    return [...this.sources.values()].filter((s) => s.state.kind === 'Unavailable').map((s) => ({ name: s.reg.name, message: this.describe(s.reg, s.state) }));
  }

  /** Stops workers at once (leadership lost); in-flight reconciles are fenced by the elector. */
  stopWorkersNow(): void {
    this.leading = false;
    this.options.metrics.isLeader(false);
    for (const c of this.controllers) void c.controller.stop(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.controllers.map((c) => c.controller.stop(this.options.shutdownTimeoutMs)));
    for (const { reg } of this.sources.values()) reg.source.stop();
    if (this.options.elector) await this.options.elector.release();
    this.options.metrics.isLeader(false);
    await Promise.all(this.running.map((s) => s.close()));
  }

  get servers(): readonly RunningServer[] {
    return this.running;
  }

  /** Waits until synced; a non-essential source that is refused stops blocking start-up. */
  private async awaitSource(reg: SourceRegistration): Promise<void> {
    const synced = reg.source.waitForSync().then((ok) => {
      if (!ok) return;
      const entry = this.sources.get(reg.name)!;
      if (entry.state.kind === 'Unavailable') this.options.log.info({ source: reg.name }, 'source available again');
      entry.state = { kind: 'Synced' };
      this.options.metrics.sourceAvailable(reg.name, true);
      if (this.cachesReady) this.startRunnableControllers();
    });
    if (reg.essential) return synced;
    const refused = new Promise<void>((resolve) => this.refusedWaiters.set(reg.name, resolve));
    await Promise.race([synced, refused]);
  }

  private readonly refusedWaiters = new Map<string, () => void>();

  private onListError(name: string, status: number | undefined): void {
    const entry = this.sources.get(name)!;
    if (status !== 403 && status !== 404) return;
    if (entry.state.kind !== 'Unavailable') {
      entry.state = { kind: 'Unavailable', status, since: Date.now() };
      this.options.metrics.sourceAvailable(name, false);
      const log = entry.reg.essential ? this.options.log.error.bind(this.options.log) : this.options.log.warn.bind(this.options.log);
      log({ source: name, status }, `${this.describe(entry.reg, entry.state)}${entry.reg.essential ? '; nothing runs until it is' : '; the other controllers run without it'}`);
    }
    if (!entry.reg.essential) this.refusedWaiters.get(name)?.();
  }

  private startRunnableControllers(): void {
    if (!this.leading || this.stopping) return;
    for (const c of this.controllers) {
      if (c.running || !c.needs.every((n) => this.sources.get(n)!.state.kind === 'Synced')) continue;
      c.running = c.controller.startWorkers();
    }
  }

  private describe(reg: SourceRegistration, state: SourceState): string {
    if (state.kind !== 'Unavailable') return `${reg.name}: cache not synced yet`;
    const why = state.status === 403 ? 'the operator may not list them (403 Forbidden)' : 'their CRD is not installed (404 Not Found)';
    return `${reg.name} unavailable: ${why}. ${reg.remedy}`;
  }
}
