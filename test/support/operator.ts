// Runs the real Operator in-process against the harness's servers, with logs captured in memory.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { GROUP, MILVUS_INDEX, VERSION, type MilvusIndex } from '../../src/api/milvusindex.js';
import { parseConfig, type OperatorConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { OperatorMetrics } from '../../src/observability/metrics.js';
import { Operator, type OperatorDeps } from '../../src/operator.js';
import type { MilvusWrite, MilvusWriteObserver } from '../../src/reconcile/write-observer.js';
import { listEvents } from './events.js';

/** Records every Milvus write the operator reports through OperatorDeps.milvusWrites, in order. */
export class MilvusWriteRecorder implements MilvusWriteObserver {
  readonly writes: MilvusWrite[] = [];

  written(write: MilvusWrite): void {
    this.writes.push(write);
  }

  /** The writes (any outcome) on one collection: other tests' collections do not count. */
  on(collection: string): MilvusWrite[] {
    return this.writes.filter((w) => w.collection === collection);
  }

  /** The actions of on(collection), in order. */
  actionsOn(collection: string): MilvusWrite['action'][] {
    return this.on(collection).map((w) => w.action);
  }
}

export interface TestOperator {
  operator: Operator;
  metrics: OperatorMetrics;
  config: OperatorConfig;
  /** Every Milvus write the operator made, as its write observer saw them. */
  milvusWrites: MilvusWriteRecorder;
  /** Every JSON log line the operator wrote. */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts an operator watching `namespace`; `flags` are CLI flags, `env` its environment. */
export async function startTestOperator(kc: KubeConfig, namespace: string, flags: string[] = [], env: Record<string, string> = {}, deps: Pick<OperatorDeps, 'eventSeries'> = {}): Promise<TestOperator> {
  const parsed = parseConfig(
    ['--namespace', namespace, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-level', 'debug', '--shutdown-timeout', '10s', ...flags],
    env,
  );
  if (parsed.kind !== 'config') throw new Error('unexpected --help');
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)); cb(); } });
  const log = createLogger('debug', sink);
  const metrics = new OperatorMetrics({ processMetrics: false });
  const milvusWrites = new MilvusWriteRecorder();
  const operator = new Operator(parsed.config, { kc, log, metrics, milvusWrites, ...deps });
  await operator.start();
  return { operator, metrics, config: parsed.config, milvusWrites, logs, stop: () => operator.stop() };
}

/** Number of Milvus calls of `method` the operator made (any outcome, or one outcome). */
export async function milvusCalls(metrics: OperatorMetrics, method: string, outcome?: string): Promise<number> {
  const m = await metrics.milvusRequestDuration.get();
  return m.values
    .filter((v) => v.metricName === 'milvus_request_duration_seconds_count' && v.labels.method === method && (outcome === undefined || v.labels.outcome === outcome))
    .reduce((sum, v) => sum + v.value, 0);
}

export async function kubeWrites(metrics: OperatorMetrics, kind: 'status' | 'finalizer' | 'event'): Promise<number> {
  const m = await metrics.kubeWrites.get();
  return m.values.filter((v) => v.labels.kind === kind).reduce((s, v) => s + v.value, 0);
}

const GVR = { group: GROUP, version: VERSION, plural: MILVUS_INDEX.plural } as const;

export interface MilvusIndexInput {
  name: string;
  annotations?: Record<string, string>;
  /** Set at create: how a test reproduces what a stopped operator process left behind. */
  finalizers?: string[];
  spec: MilvusIndex['spec'];
}

/** Typed access to MilvusIndexes for tests (the real API; no mocks). */
export class MilvusIndexes {
  private readonly api: CustomObjectsApi;
  constructor(private readonly kc: KubeConfig, readonly namespace: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async create(input: MilvusIndexInput): Promise<MilvusIndex> {
    return (await this.api.createNamespacedCustomObject({
      ...GVR, namespace: this.namespace,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'MilvusIndex', metadata: { name: input.name, ...(input.annotations ? { annotations: input.annotations } : {}), ...(input.finalizers ? { finalizers: input.finalizers } : {}) }, spec: input.spec },
    })) as MilvusIndex;
  }

  async get(name: string): Promise<MilvusIndex | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...GVR, namespace: this.namespace, name })) as MilvusIndex;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  async mergePatch(name: string, patch: object): Promise<MilvusIndex> {
    const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    return (await this.api.patchNamespacedCustomObject({ ...GVR, namespace: this.namespace, name, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as MilvusIndex;
  }

  async delete(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...GVR, namespace: this.namespace, name });
  }

  /** Polls until `predicate` holds for the resource (undefined = gone); returns the last view. */
  async waitFor(name: string, predicate: (r: MilvusIndex | undefined) => boolean, what: string, timeoutMs = 60_000): Promise<MilvusIndex | undefined> {
    const deadline = Date.now() + timeoutMs;
    let last: MilvusIndex | undefined;
    while (Date.now() < deadline) {
      last = await this.get(name);
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for MilvusIndex ${this.namespace}/${name} to be ${what}; last seen: ${JSON.stringify(last?.status ?? last?.metadata ?? null)}`);
  }

  waitForReady(name: string, status: 'True' | 'False' = 'True', reason?: string, timeoutMs?: number): Promise<MilvusIndex | undefined> {
    return this.waitFor(name, (r) => {
      const c = r?.status?.conditions?.find((x) => x.type === 'Ready');
      return c !== undefined && c.status === status && (reason === undefined || c.reason === reason) && c.observedGeneration === r?.metadata.generation;
    }, `Ready=${status}${reason ? `/${reason}` : ''}`, timeoutMs);
  }

  waitForGone(name: string, timeoutMs?: number): Promise<MilvusIndex | undefined> {
    return this.waitFor(name, (r) => r === undefined, 'gone', timeoutMs);
  }

  /** Events recorded for one resource. */
  async events(name: string): Promise<{ type: string; reason: string; message: string; count: number }[]> {
    return (await listEvents(this.kc, this.namespace, name)).map((e) => ({ type: e.type, reason: e.reason, message: e.note, count: e.count }));
  }

  /**
   * The reasons of the resource's Events once every one of `reasons` is among them. Events are recorded after the
   * status write they accompany, so a test that has just seen the status waits for them instead of reading once.
   */
  async waitForEvents(name: string, reasons: string[], timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = (await this.events(name)).map((e) => e.reason);
      if (reasons.every((r) => seen.includes(r))) return seen;
      if (Date.now() > deadline) throw new Error(`MilvusIndex ${this.namespace}/${name}: Events ${reasons.filter((r) => !seen.includes(r)).join(', ')} not recorded within ${timeoutMs} ms; recorded: ${seen.join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function readyOf(r: MilvusIndex | undefined): { status: string; reason: string; message: string } | undefined {
  const c = r?.status?.conditions?.find((x) => x.type === 'Ready');
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

export function conditionOf(r: MilvusIndex | undefined, type: string): string | undefined {
  return r?.status?.conditions?.find((x) => x.type === type)?.status;
}
