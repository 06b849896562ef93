// kube-apiserver process restarts (issue: lifetimes). Its own REAL kube-apiserver + etcd (restarted here, so
// not the shared one), the shared REAL Milvus Lite, the real Operator in-process. The API server is stopped
// (SIGTERM, then kill -9), started again on the same port, and changed the moment it serves again, before the
// operator's watches have re-established: nothing is missed (the create and the delete are both done), and
// nothing Ready is written (a restart of the API server is not a change of the world).
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { installCrds } from '../support/global-setup.js';
import { createTestNamespace } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[own kube-apiserver (restarted) + etcd, milvus-lite]';
const GROUP = { group: 'index.milvus.io', version: 'v1alpha1' };
const STEADY = 4;

describe(`kube-apiserver restarts ${SERVERS}`, () => {
  let cp: ControlPlane;
  let client: MilvusClient;
  let op: TestOperator | undefined;
  let ns: string;
  let mis: MilvusIndexes;
  let objects: CustomObjectsApi;
  let core: CoreV1Api;
  const steady: string[] = [];
  const spec = (collectionName: string, viaConnection: boolean) => ({
    ...(viaConnection ? { connectionRef: { kind: 'MilvusConnection' as const, name: 'lite' } } : {}),
    collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2', allowCollectionRelease: true,
  });
  const steadyVersions = async () => {
    const list = (await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns })) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> };
    return Object.fromEntries(list.items.filter((o) => steady.includes(o.metadata.name)).map((o) => [o.metadata.name, o.metadata.resourceVersion]));
  };
  /** The connection's conditions (its `usedBy` count legitimately follows the creates and deletes). */
  const connection = async () => ((await objects.getNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, name: 'lite' })) as { status: { conditions: unknown[]; usedBy?: number } }).status;
  const connectionUsers = async () => ((await objects.listNamespacedCustomObject({ ...GROUP, plural: 'milvusindexes', namespace: ns })) as { items: Array<{ spec: { connectionRef?: unknown } }> }).items.filter((o) => o.spec.connectionRef !== undefined).length;
  const steadyEvents = async () => (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => steady.includes(e.involvedObject.name ?? '')).length;

  beforeAll(async () => {
    cp = await startControlPlane();
    await installCrds(cp);
    client = sdkClient(inject('milvusUri'));
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfigYaml);
    objects = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    ns = await createTestNamespace(kc, 'apiserver-restart');
    mis = new MilvusIndexes(kc, ns);
    await objects.createNamespacedCustomObject({ ...GROUP, plural: 'milvusconnections', namespace: ns, body: { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'lite' }, spec: { uri: inject('milvusUri') } } });
    for (let i = 0; i < STEADY; i++) {
      const c = uniqueCollection('asteady');
      await createCollection(client, c);
      steady.push(`steady-${i}`);
      await mis.create({ name: `steady-${i}`, spec: spec(c, i % 2 === 1) });
    }
    op = await startTestOperator(kc, ns, ['--resync-period', '10m'], { MILVUS_URI: inject('milvusUri') });
    for (const n of steady) await mis.waitForReady(n);
  });

  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
    await client?.closeConnection();
  });

  for (const [round, signal] of (['SIGTERM', 'SIGKILL'] as const).entries()) {
    it(`${signal} to the API server: a create and a delete made the moment it serves again are both done; the Ready ones are not written ${SERVERS}`, async () => {
      const doomed = uniqueCollection('adoomed');
      const added = uniqueCollection('aadded');
      await createCollection(client, doomed);
      await createCollection(client, added);
      await mis.create({ name: `doomed-${round}`, spec: spec(doomed, round === 1) });
      await mis.waitForReady(`doomed-${round}`);
      const versionsBefore = await steadyVersions();
      const conditionsBefore = (await connection()).conditions;
      const eventsBefore = await steadyEvents();
      const steadyWrites = () => op!.milvusWrites.writes.filter((w) => w.namespace === ns && steady.includes(w.name)).length;
      const writesBefore = steadyWrites();

      const { downMs } = await cp.restartApiserver(signal);
      const up = Date.now();
      await mis.create({ name: `added-${round}`, spec: spec(added, round === 0) });
      await mis.delete(`doomed-${round}`);

      await mis.waitForReady(`added-${round}`, 'True', undefined, 120_000);
      await mis.waitForGone(`doomed-${round}`, 120_000);
      console.log(`[apiserver-restart] ${signal}: API server down ${downMs} ms; the create and the delete made on its return were done ${Date.now() - up} ms later`);
      expect(await describeIndexes(client, added), 'the index of the resource created on return').toHaveLength(1);
      expect(await describeIndexes(client, doomed), 'the index of the resource deleted on return was dropped').toEqual([]);
      expect(await steadyVersions(), 'no write to the Ready resources').toEqual(versionsBefore);
      const after = await connection();
      expect(after.conditions, 'the connection stayed as it was').toEqual(conditionsBefore);
      expect(after.usedBy, 'the connection counts the users that exist now').toBe(await connectionUsers());
      expect(await steadyEvents(), 'no Event for the Ready resources').toBe(eventsBefore);
      expect(steadyWrites(), 'no Milvus write for the Ready resources').toBe(writesBefore);
      for (const n of steady) expect(readyOf(await mis.get(n))?.status, n).toBe('True');
    });
  }
});
