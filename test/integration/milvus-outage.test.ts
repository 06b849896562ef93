// Milvus outages: the operator reports MilvusUnavailable, keeps finalizers, and converges when the
// server returns. REAL kube-apiserver + etcd and a REAL Milvus Lite of this file's own, stopped and
// restarted on the same port and data directory.
import type { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { FINALIZER } from '../../src/api/milvusindex.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { startMilvusLite, type MilvusLite } from '../support/milvus-lite.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite, stopped and restarted]';

describe(`Milvus outage ${SERVERS}`, () => {
  let kc: KubeConfig;
  let milvus: MilvusLite;
  let op: TestOperator;
  let mis: MilvusIndexes;

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    milvus = await startMilvusLite();
    const ns = await createTestNamespace(kc, 'outage');
    op = await startTestOperator(kc, ns, ['--resync-period', '2s', '--milvus-timeout', '3s'], { MILVUS_URI: milvus.uri });
    mis = new MilvusIndexes(kc, ns);
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(`--- ${milvus?.logPath} (last 30 lines) ---\n${milvus?.logTail(30)}`);
  });

  afterAll(async () => {
    await op?.stop();
    await milvus?.destroy();
  });

  async function withClient<T>(fn: (c: MilvusClient) => Promise<T>): Promise<T> {
    const c = sdkClient(milvus.uri);
    try { return await fn(c); } finally { await c.closeConnection(); }
  }

  it(`reports MilvusUnavailable while Milvus is down and recovers when it returns ${SERVERS}`, async () => {
    const ready = uniqueCollection('up');
    const pending = uniqueCollection('pending');
    await withClient(async (c) => { await createCollection(c, ready); await createCollection(c, pending); });
    await mis.create({ name: 'up', spec: { collectionName: ready, fieldName: 'vec', indexType: 'IVF_FLAT', metricType: 'L2', params: { nlist: 8 }, allowCollectionRelease: true } });
    await mis.waitForReady('up');

    await milvus.stop();
    await mis.create({ name: 'pending', spec: { collectionName: pending, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true } });
    const down = await mis.waitForReady('pending', 'False', 'MilvusUnavailable');
    expect(readyOf(down)?.message).toContain(milvus.uri);
    // The Ready resource is re-verified on resync and reports the outage too.
    await mis.waitForReady('up', 'False', 'MilvusUnavailable');
    // A deletion during the outage keeps the finalizer: nothing is orphaned silently.
    await mis.delete('up');
    const blocked = await mis.waitFor('up', (r) => r?.metadata.deletionTimestamp !== undefined && readyOf(r)?.reason === 'MilvusUnavailable' && (readyOf(r)?.message ?? '').startsWith('Cannot drop index'), 'deleting and waiting for Milvus');
    expect(blocked?.metadata.finalizers).toContain(FINALIZER);
    expect(readyOf(blocked)?.message).toContain('index.milvus.io/skip-drop');

    await milvus.start();
    await mis.waitForReady('pending', 'True', 'IndexBuilt', 90_000);
    await mis.waitForGone('up', 90_000);
    await withClient(async (c) => {
      expect(await describeIndexes(c, pending)).toHaveLength(1);
      expect(await describeIndexes(c, ready)).toEqual([]);
    });
  });
});
