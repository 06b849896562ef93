// Crash mid-work and mid-deletion (issue: lifetimes). The built CLI as a child process against the REAL
// kube-apiserver + etcd and a REAL Milvus Lite; kill -9 at random moments while 200 MilvusIndexes are
// applied and later deleted. Nothing is lost: every index exists once and goes Ready, none is created
// twice (per the processes' audit lines), every deletion finishes and nothing is left in Milvus.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventOccurrences } from '../support/events.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf } from '../support/operator.js';
import { cleanEnv, OperatorProcess } from '../support/operator-process.js';
import { waitFor } from '../support/proc.js';

const SERVERS = '[kube-apiserver + milvus-lite, operator processes killed with SIGKILL]';
const COLLECTIONS = 100;
const KILLS = 5;

/** Deterministic pseudo-random delays (the seed is printed, so a failure can be replayed). */
function delays(seed: number, n: number, minMs: number, maxMs: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return minMs + (x % (maxMs - minMs));
  });
}

describe(`crashes lose nothing ${SERVERS}`, () => {
  let kc: KubeConfig;
  let ns: string;
  let client: MilvusClient;
  let mis: MilvusIndexes;
  const procs: OperatorProcess[] = [];
  const collections: string[] = [];
  const names: string[] = [];
  const seed = Date.now() % 100_000;

  const spawn = (i: number, extra: string[] = ['--metrics-bind-address', '0']) => {
    const p = new OperatorProcess(`crash-${i}`, ['--namespace', ns, ...extra, '--health-probe-bind-address', '0', '--concurrency', '4', '--kube-api-qps', '200', '--kube-api-burst', '400'],
      cleanEnv({ KUBECONFIG: inject('kubeconfigPath'), MILVUS_URI: inject('milvusUri') }));
    procs.push(p);
    return p;
  };
  /** Kills the running operator with SIGKILL after each delay and starts a new one. */
  const crashRepeatedly = async (label: string, waits: number[]) => {
    for (const ms of waits) {
      await new Promise((r) => setTimeout(r, ms));
      await procs.at(-1)!.stop('SIGKILL');
      console.log(`[crash] ${label}: SIGKILL after ${ms} ms`);
      spawn(procs.length);
    }
  };
  const auditLines = (action: string) => procs.flatMap((p) => p.logs().filter((l) => l.msg === 'milvus write' && l.action === action && l.outcome === 'ok').map((l) => String(l.key)));

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    ns = await createTestNamespace(kc, 'crash');
    client = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
    for (let i = 0; i < COLLECTIONS; i++) {
      const c = uniqueCollection('crash');
      await createCollection(client, c);
      collections.push(c);
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await client?.closeConnection();
  });

  it(`200 applies with ${KILLS} kill -9 at random moments: every index created once, all Ready ${SERVERS}`, async () => {
    console.log(`[crash] seed ${seed}`);
    spawn(0);
    const started = Date.now();
    const applying = (async () => {
      for (const [i, c] of collections.entries()) {
        names.push(`v${i}`, `t${i}`);
        await mis.create({ name: `v${i}`, spec: { collectionName: c, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true } });
        await mis.create({ name: `t${i}`, spec: { collectionName: c, fieldName: 'title', indexType: 'INVERTED', allowCollectionRelease: true } });
      }
    })();
    await crashRepeatedly('apply', delays(seed, KILLS, 300, 2500));
    await applying;
    for (const n of names) await mis.waitForReady(n, 'True', undefined, 120_000);
    console.log(`[crash] 200 applies, ${KILLS} kills: all Ready after ${Date.now() - started} ms`);
    for (const c of collections) expect((await describeIndexes(client, c)).map((x) => x.index_name).sort(), c).toEqual(['title', 'vec']);
    const creates = auditLines('CreateIndex');
    expect(creates.length, 'the audit lines are there to count (a renamed message must not make this vacuous)').toBeGreaterThan(names.length / 2);
    const twice = creates.filter((k, i) => creates.indexOf(k) !== i);
    expect(twice, 'no index was created twice').toEqual([]);
    console.log(`[crash] CreateIndex audit lines: ${creates.length} (lines a SIGKILL cut off before they were written are not counted)`);
  });

  it(`kill -9 with all 200 Ready: the next process re-verifies them and writes nothing ${SERVERS}`, async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const versions = async () => Object.fromEntries(((await objects.listNamespacedCustomObject({ group: 'index.milvus.io', version: 'v1alpha1', plural: 'milvusindexes', namespace: ns })) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> }).items.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    const before = await versions();
    expect(Object.keys(before)).toHaveLength(names.length);
    const events = () => eventOccurrences(kc, ns);
    const eventsBefore = await events();
    await procs.at(-1)!.stop('SIGKILL');
    const killed = Date.now();
    const next = spawn(procs.length, ['--metrics-bind-address', '127.0.0.1:0']);
    await waitFor('all 200 re-verified by the new process', async () => {
      const { body } = await next.get('metrics', '/metrics');
      return body.split('\n').filter((l) => l.startsWith('milvusindex_last_verified_timestamp_seconds{')).length === names.length;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    console.log(`[crash] kill -9 with 200 Ready: all re-verified ${Date.now() - killed} ms after the kill`);
    expect(await versions(), 'no MilvusIndex was written').toEqual(before);
    expect(await events(), 'no Event was recorded').toBe(eventsBefore);
    expect(next.logs().filter((l) => l.msg === 'milvus write'), 'no Milvus write').toEqual([]);
  });

  it(`deleting all 200 with kill -9 in the middle: every deletion finishes, nothing is left in Milvus ${SERVERS}`, async () => {
    const started = Date.now();
    await Promise.all(names.map((n) => mis.delete(n)));
    await crashRepeatedly('delete', delays(seed + 1, 2, 200, 1500));
    await waitFor('every MilvusIndex gone', async () => {
      for (const n of names) if ((await mis.get(n)) !== undefined) return false;
      return true;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    console.log(`[crash] 200 deletions, 2 kills: all gone after ${Date.now() - started} ms`);
    for (const c of collections) expect(await describeIndexes(client, c), c).toEqual([]);
    for (const n of names.slice(0, 3)) expect(readyOf(await mis.get(n))).toBeUndefined();
  });
});
