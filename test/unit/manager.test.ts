// Manager (src/manager.ts) with fake sources, controllers and elector: the start-up order of
// controller-runtime's manager. No worker before every cache synced (or a non-essential one is known
// forbidden/absent); leadership gates workers, never caches; a late source starts its controllers then.
import { describe, expect, it } from 'vitest';
import { Manager, type ManagedController, type ManagedElector, type ManagedSource } from '../../src/manager.js';

class FakeSource implements ManagedSource {
  started = false;
  stopped = false;
  private synced = false;
  private readonly waiters: Array<(ok: boolean) => void> = [];
  private readonly errorHandlers: Array<(status: number | undefined, err: unknown) => void> = [];
  constructor(readonly journal: string[], readonly name: string) {}
  start(): void { this.started = true; this.journal.push(`start ${this.name}`); }
  stop(): void { this.stopped = true; this.journal.push(`stop ${this.name}`); this.waiters.splice(0).forEach((w) => w(false)); }
  hasSynced(): boolean { return this.synced; }
  waitForSync(): Promise<boolean> { return this.synced ? Promise.resolve(true) : new Promise((r) => this.waiters.push(r)); }
  addListErrorHandler(h: (status: number | undefined, err: unknown) => void): void { this.errorHandlers.push(h); }
  sync(): void { this.synced = true; this.journal.push(`synced ${this.name}`); this.waiters.splice(0).forEach((w) => w(true)); }
  failList(status: number | undefined): void { this.errorHandlers.forEach((h) => h(status, new Error(`HTTP ${status}`))); }
}

class FakeController implements ManagedController {
  running = false;
  constructor(readonly journal: string[], readonly name: string) {}
  startWorkers(): boolean { if (this.running) return false; this.running = true; this.journal.push(`workers ${this.name}`); return true; }
  async stop(): Promise<boolean> { this.running = false; this.journal.push(`stop workers ${this.name}`); return true; }
}

class FakeElector implements ManagedElector {
  started = false;
  constructor(readonly journal: string[]) {}
  start(): void { this.started = true; this.journal.push('elect'); }
  async release(): Promise<void> { this.journal.push('release lease'); }
  healthy(): boolean { return true; }
}

const tick = () => new Promise((r) => setImmediate(r));
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function world(options: { elect?: boolean } = {}) {
  const journal: string[] = [];
  const available: Record<string, boolean> = {};
  const indexes = new FakeSource(journal, 'indexes');
  const conns = new FakeSource(journal, 'conns');
  const cluster = new FakeSource(journal, 'cluster');
  const elector = options.elect ? new FakeElector(journal) : undefined;
  const manager = new Manager({
    log: silent, shutdownTimeoutMs: 1000, servers: [],
    metrics: { sourceAvailable: (s, ok) => { available[s] = ok; }, isLeader: () => {} },
    ...(elector ? { elector } : {}),
  });
  manager.addSource({ name: 'indexes', source: indexes, essential: true, remedy: 'Install the CRDs.' });
  manager.addSource({ name: 'conns', source: conns, essential: false, remedy: 'Grant list.' });
  manager.addSource({ name: 'cluster', source: cluster, essential: false, remedy: 'Use --cluster-connections=false.' });
  const indexCtl = new FakeController(journal, 'index');
  const connCtl = new FakeController(journal, 'conn');
  const clusterCtl = new FakeController(journal, 'cluster');
  manager.addController({ name: 'conn', controller: connCtl, needs: ['indexes', 'conns'] });
  manager.addController({ name: 'cluster', controller: clusterCtl, needs: ['indexes', 'cluster'] });
  manager.addController({ name: 'index', controller: indexCtl, needs: ['indexes'] });
  return { journal, available, manager, indexes, conns, cluster, indexCtl, connCtl, clusterCtl, elector };
}

describe('Manager start-up', () => {
  it('starts every cache, and starts no worker until every cache has synced', async () => {
    const w = world();
    const started = w.manager.start();
    await tick();
    expect(w.journal).toEqual(['start indexes', 'start conns', 'start cluster']);
    w.conns.sync();
    w.cluster.sync();
    await tick();
    expect(w.indexCtl.running || w.connCtl.running, 'the connection controller must not count users on an unsynced MilvusIndex cache').toBe(false);
    expect(w.manager.readiness().ok).toBe(false);
    w.indexes.sync();
    await started;
    expect(w.journal.slice(-3)).toEqual(['workers conn', 'workers cluster', 'workers index']);
    expect(w.manager.readiness()).toEqual({ ok: true });
  });

  it('a forbidden non-essential source is reported, the other controllers run, and its controller starts once it syncs', async () => {
    const w = world();
    const started = w.manager.start();
    w.indexes.sync();
    w.conns.sync();
    w.cluster.failList(403);
    await started;
    expect(w.indexCtl.running).toBe(true);
    expect(w.connCtl.running).toBe(true);
    expect(w.clusterCtl.running, 'its cache never synced').toBe(false);
    expect(w.available.cluster).toBe(false);
    expect(w.manager.unavailable()).toEqual([{ name: 'cluster', message: expect.stringMatching(/cluster unavailable: the operator may not list them \(403 Forbidden\)\. Use --cluster-connections=false/) }]);
    const ready = w.manager.readiness();
    expect(ready.ok, 'a documented configuration does not make the Pod unready').toBe(true);
    expect(ready.reason).toMatch(/degraded: cluster unavailable/);
    w.cluster.sync();
    await tick();
    expect(w.clusterCtl.running, 'granted later: it starts then').toBe(true);
    expect(w.available.cluster).toBe(true);
    expect(w.manager.unavailable()).toEqual([]);
  });

  it('a passing network error of a non-essential source does not skip it: start-up waits for its sync', async () => {
    const w = world();
    const started = w.manager.start();
    w.indexes.sync();
    w.conns.sync();
    w.cluster.failList(undefined);
    w.cluster.failList(500);
    await tick();
    expect(w.indexCtl.running).toBe(false);
    w.cluster.sync();
    await started;
    expect(w.indexCtl.running && w.clusterCtl.running).toBe(true);
  });

  it('an absent essential CRD (404) keeps everything waiting and unready, with the reason', async () => {
    const w = world();
    const started = w.manager.start();
    w.conns.sync();
    w.cluster.sync();
    w.indexes.failList(404);
    await tick();
    expect(w.indexCtl.running || w.connCtl.running).toBe(false);
    expect(w.manager.readiness()).toEqual({ ok: false, reason: expect.stringMatching(/indexes unavailable: their CRD is not installed \(404 Not Found\)\. Install the CRDs/) });
    w.indexes.sync();
    await started;
    expect(w.indexCtl.running).toBe(true);
  });

  it('with leader election: caches sync first, the campaign starts after, workers start only when leading', async () => {
    const w = world({ elect: true });
    const started = w.manager.start();
    w.indexes.sync(); w.conns.sync(); w.cluster.sync();
    await started;
    expect(w.elector!.started).toBe(true);
    expect(w.indexCtl.running, 'a standby keeps warm caches but runs no worker').toBe(false);
    w.manager.startedLeading();
    expect(w.indexCtl.running && w.connCtl.running && w.clusterCtl.running).toBe(true);
    expect(w.journal.indexOf('elect')).toBeGreaterThan(w.journal.indexOf('synced indexes'));
  });

  it('stops in reverse: workers, caches, the Lease', async () => {
    const w = world({ elect: true });
    const started = w.manager.start();
    w.indexes.sync(); w.conns.sync(); w.cluster.sync();
    await started;
    w.manager.startedLeading();
    w.journal.length = 0;
    await w.manager.stop();
    const firstCacheStop = w.journal.findIndex((j) => j.startsWith('stop ') && !j.startsWith('stop workers'));
    const lastWorkerStop = w.journal.map((j) => j.startsWith('stop workers')).lastIndexOf(true);
    expect(lastWorkerStop).toBeLessThan(firstCacheStop);
    expect(w.journal.at(-1)).toBe('release lease');
  });

  it('refuses a controller that needs an unknown source', () => {
    const w = world();
    expect(() => w.manager.addController({ name: 'x', controller: new FakeController([], 'x'), needs: ['nope'] })).toThrow(/needs unknown source nope/);
  });
});
