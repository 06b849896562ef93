// etcd compaction under a broken watch (issue: lifetimes). Its own REAL kube-apiserver (watch cache off, so a
// watch from a compacted revision is answered 410 Gone straight from etcd) + etcd, the shared REAL Milvus Lite,
// toxiproxy between the operator and the API server. While the operator cannot reach the API server, a
// MilvusIndex is created, another is deleted and etcd is compacted past the operator's last resourceVersion:
// when it reconnects its watch is refused with 410, it relists, and no change is missed.
import { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { createTestNamespace } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, startTestOperator, type TestOperator } from '../support/operator.js';
import { Toxiproxy } from '../support/toxiproxy.js';

const SERVERS = '[kube-apiserver (watch cache off) + etcd, milvus-lite, toxiproxy]';

/** Compacts etcd (physically) at its current revision through the v3 JSON gateway; returns that revision. */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { header?: { revision?: string } };
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number(range.header?.revision);
  await post('/v3/kv/compaction', { revision, physical: true });
  return revision;
}

describe(`etcd compaction while the watch is down ${SERVERS}`, () => {
  let cp: ControlPlane;
  let client: MilvusClient;
  let proxy: Toxiproxy;
  let op: TestOperator | undefined;

  beforeAll(async () => {
    [cp, proxy] = await Promise.all([startControlPlane({ extraApiserverArgs: ['--watch-cache=false'] }), Toxiproxy.start()]);
    await installCrds(cp);
    client = sdkClient(inject('milvusUri'));
  });

  afterAll(async () => {
    await op?.stop();
    await proxy?.stop();
    await cp?.stop();
    await client?.closeConnection();
  });

  it(`the watch resumes from a compacted resourceVersion: 410, relist, the create and the delete made meanwhile are both done ${SERVERS}`, async () => {
    const admin = new KubeConfig();
    admin.loadFromString(cp.kubeconfigYaml);
    const ns = await createTestNamespace(admin, 'compaction');
    const mis = new MilvusIndexes(admin, ns);
    const server = new URL(cp.server);
    const listen = await proxy.proxy('compaction-apiserver', `${server.hostname}:${server.port}`);
    const proxied = new KubeConfig();
    proxied.loadFromString(cp.kubeconfigYaml);
    proxied.clusters = proxied.clusters.map((c) => ({ ...c, server: `https://${listen}` }));
    op = await startTestOperator(proxied, ns, ['--resync-period', '10m'], { MILVUS_URI: inject('milvusUri') });

    const [kept, added] = [uniqueCollection('cbefore'), uniqueCollection('cduring')];
    await createCollection(client, kept);
    await createCollection(client, added);
    const spec = (collectionName: string) => ({ collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true });
    await mis.create({ name: 'before', spec: spec(kept) });
    await mis.waitForReady('before');

    await proxy.setEnabled('compaction-apiserver', false);
    await mis.create({ name: 'during', spec: spec(added) });
    await mis.delete('before');
    const revision = await compactEtcd(cp.etcdUrl);
    await proxy.setEnabled('compaction-apiserver', true);
    const up = Date.now();

    await mis.waitForReady('during', 'True', undefined, 120_000);
    await mis.waitForGone('before', 120_000);
    console.log(`[compaction] etcd compacted at revision ${revision} while the watch was down: both changes done ${Date.now() - up} ms after reconnecting`);
    expect(op.logs.some((l) => l.includes('"msg":"watch expired; relisting"')), 'the 410 path was taken (relist)').toBe(true);
    expect(await describeIndexes(client, kept)).toEqual([]);
    expect(await describeIndexes(client, added)).toHaveLength(1);
  });
});
