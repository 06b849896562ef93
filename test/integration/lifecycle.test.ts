// MilvusIndex lifecycle end to end. Every test here runs against the REAL kube-apiserver + etcd
// built by the harness and a REAL Milvus Lite 3.x server: no mocks.
import type { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FINALIZER } from '../../src/api/milvusindex.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, createIndexDirectly, describeIndexes, dropIndexDirectly, sdkClient, uniqueCollection } from '../support/milvus.js';
import { conditionOf, MilvusIndexes, milvusWriteActions, milvusWritesOn, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite]';

describe(`MilvusIndex lifecycle ${SERVERS}`, () => {
  let kc: KubeConfig;
  let op: TestOperator;
  let client: MilvusClient;
  let mis: MilvusIndexes;

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    const ns = await createTestNamespace(kc, 'lifecycle');
    op = await startTestOperator(kc, ns, ['--resync-period', '2s'], { MILVUS_URI: inject('milvusUri') });
    client = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await client?.closeConnection();
  });

  const hnsw = (collectionName: string, extra: Record<string, unknown> = {}) => ({
    collectionName, fieldName: 'vec', indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 64 }, allowCollectionRelease: true, ...extra,
  });

  it(`creates the index and goes Ready; describeIndex shows it ${SERVERS}`, async () => {
    const c = uniqueCollection('create');
    await createCollection(client, c);
    await mis.create({ name: 'create', spec: hnsw(c) });
    const r = await mis.waitForReady('create');
    expect(r?.metadata.finalizers).toContain(FINALIZER);
    expect(r?.status?.ownership).toBe('Created');
    expect(r?.status?.database).toBe('default');
    expect(r?.status?.index?.state).toBe('Finished');
    expect(r?.status?.index?.progress).toBe('100%');
    expect(conditionOf(r, 'Reconciling')).toBe('False');
    expect(conditionOf(r, 'Stalled')).toBe('False');
    const indexes = await describeIndexes(client, c);
    expect(indexes).toHaveLength(1);
    expect(indexes[0]).toMatchObject({ index_name: 'vec', field_name: 'vec' });
    expect(indexes[0]!.params.index_type).toBe('HNSW');
    expect(indexes[0]!.params.metric_type).toBe('COSINE');
    const reasons = (await mis.events('create')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['IndexCreated', 'IndexBuilt']));
  });

  it(`adopts a pre-existing index whose definition matches ${SERVERS}`, async () => {
    const c = uniqueCollection('adopt');
    await createCollection(client, c);
    await createIndexDirectly(client, c, 'vec', 'HNSW', 'COSINE', { M: 16, efConstruction: 64 });
    await mis.create({ name: 'adopt', spec: hnsw(c) });
    const r = await mis.waitForReady('adopt');
    expect(r?.status?.ownership).toBe('Adopted');
    expect(milvusWritesOn(op, c)).toBe(0);
    expect((await mis.events('adopt')).map((e) => e.reason)).toContain('IndexAdopted');
  });

  it(`reports CollectionNotFound until the collection exists, then goes Ready ${SERVERS}`, async () => {
    const c = uniqueCollection('later');
    await mis.create({ name: 'later', spec: hnsw(c) });
    const waiting = await mis.waitForReady('later', 'False', 'CollectionNotFound');
    expect(readyOf(waiting)?.message).toContain(c);
    expect(conditionOf(waiting, 'Stalled')).toBe('False');
    expect(await describeIndexes(client, c).catch(() => [])).toEqual([]);
    await createCollection(client, c);
    await mis.waitForReady('later', 'True', 'IndexBuilt');
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`reports FieldNotFound for a field the collection lacks ${SERVERS}`, async () => {
    const c = uniqueCollection('nofield');
    await createCollection(client, c);
    await mis.create({ name: 'nofield', spec: { ...hnsw(c), fieldName: 'embedding' } });
    const r = await mis.waitForReady('nofield', 'False', 'FieldNotFound');
    expect(readyOf(r)?.message).toContain('embedding');
    expect(await describeIndexes(client, c)).toEqual([]);
  });

  it(`drops the index when the resource is deleted, then the resource is gone ${SERVERS}`, async () => {
    const c = uniqueCollection('delete');
    await createCollection(client, c);
    await mis.create({ name: 'delete', spec: hnsw(c) });
    await mis.waitForReady('delete');
    expect(await describeIndexes(client, c)).toHaveLength(1);
    await mis.delete('delete');
    await mis.waitForGone('delete');
    expect(await describeIndexes(client, c)).toEqual([]);
  });

  it(`keeps the index with deletionPolicy Retain ${SERVERS}`, async () => {
    const c = uniqueCollection('retain');
    await createCollection(client, c);
    await mis.create({ name: 'retain', spec: hnsw(c, { deletionPolicy: 'Retain' }) });
    await mis.waitForReady('retain');
    await mis.delete('retain');
    await mis.waitForGone('retain');
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`re-creates an index dropped out of band on the next resync (DriftRepaired) ${SERVERS}`, async () => {
    const c = uniqueCollection('drift');
    await createCollection(client, c);
    await mis.create({ name: 'drift', spec: hnsw(c) });
    await mis.waitForReady('drift');
    await dropIndexDirectly(client, c, 'vec', 'vec');
    expect(await describeIndexes(client, c)).toEqual([]);
    const deadline = Date.now() + 30_000;
    while ((await describeIndexes(client, c)).length === 0) {
      if (Date.now() > deadline) throw new Error('index was not re-created within 30 s of resync');
      await new Promise((r) => setTimeout(r, 200));
    }
    await mis.waitForReady('drift');
    expect((await mis.events('drift')).map((e) => e.reason)).toContain('DriftRepaired');
  });

  it(`reports Conflict for a pre-existing index with another definition and drops nothing ${SERVERS}`, async () => {
    const c = uniqueCollection('mismatch');
    await createCollection(client, c);
    await createIndexDirectly(client, c, 'vec', 'HNSW', 'L2', { M: 8, efConstruction: 32 });
    await mis.create({ name: 'mismatch', spec: hnsw(c, { updatePolicy: 'Recreate' }) });
    const r = await mis.waitForReady('mismatch', 'False', 'Conflict');
    expect(readyOf(r)?.message).toMatch(/metricType: Milvus has L2, spec wants COSINE/);
    expect(conditionOf(r, 'Stalled')).toBe('True');
    expect(r?.status?.ownership).toBeUndefined();
    const idx = await describeIndexes(client, c);
    expect(idx).toHaveLength(1);
    expect(idx[0]!.params.metric_type).toBe('L2');
    // Deleting a resource that never owned the index leaves the index alone.
    await mis.delete('mismatch');
    await mis.waitForGone('mismatch');
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`refuses a changed definition with updatePolicy Reject (ImmutableChange) and keeps the index ${SERVERS}`, async () => {
    const c = uniqueCollection('reject');
    await createCollection(client, c);
    await mis.create({ name: 'reject', spec: hnsw(c) });
    await mis.waitForReady('reject');
    const before = milvusWritesOn(op, c);
    await mis.mergePatch('reject', { spec: { params: { M: 32 } } });
    const r = await mis.waitForReady('reject', 'False', 'ImmutableChange');
    expect(readyOf(r)?.message).toContain('params.M: Milvus has 16, spec wants 32');
    expect(readyOf(r)?.message).toContain('updatePolicy: Recreate');
    expect(milvusWritesOn(op, c)).toBe(before);
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`recreates the index with updatePolicy Recreate when release is allowed ${SERVERS}`, async () => {
    const c = uniqueCollection('recreate');
    await createCollection(client, c);
    await mis.create({ name: 'recreate', spec: hnsw(c, { updatePolicy: 'Recreate' }) });
    await mis.waitForReady('recreate');
    const gen = (await mis.mergePatch('recreate', { spec: { params: { M: 32 } } })).metadata.generation;
    const r = await mis.waitFor('recreate', (x) => readyOf(x)?.status === 'True' && x?.status?.observedGeneration === gen, 'Ready at the new generation');
    expect(r?.status?.pendingOperation).toBeUndefined();
    const idx = await describeIndexes(client, c);
    expect(idx).toHaveLength(1);
    expect(JSON.parse(idx[0]!.params.params ?? '{}')).toMatchObject({ M: 32 });
  });

  it(`blocks deletion of an index on a loaded collection without allowCollectionRelease; skip-drop finishes it ${SERVERS}`, async () => {
    const c = uniqueCollection('blocked');
    await createCollection(client, c);
    await mis.create({ name: 'blocked', spec: hnsw(c, { allowCollectionRelease: false }) });
    await mis.waitForReady('blocked');
    const load = await client.getLoadState({ collection_name: c });
    expect(load.state).toBe('LoadStateLoaded');
    await mis.delete('blocked');
    const r = await mis.waitForReady('blocked', 'False', 'DeletionBlocked');
    expect(readyOf(r)?.message).toContain('allowCollectionRelease');
    expect(readyOf(r)?.message).toContain('index.milvus.io/skip-drop');
    expect(r?.metadata.finalizers).toContain(FINALIZER);
    await mis.mergePatch('blocked', { metadata: { annotations: { 'index.milvus.io/skip-drop': 'true' } } });
    await mis.waitForGone('blocked');
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`lets the oldest of two resources on one index own it; deleting the owner hands over without dropping ${SERVERS}`, async () => {
    const c = uniqueCollection('twins');
    await createCollection(client, c);
    await mis.create({ name: 'twin-a', spec: hnsw(c) });
    await mis.waitForReady('twin-a');
    await mis.create({ name: 'twin-b', spec: hnsw(c) });
    const b = await mis.waitForReady('twin-b', 'False', 'Conflict');
    expect(readyOf(b)?.message).toContain('twin-a');
    await mis.delete('twin-a');
    await mis.waitForGone('twin-a');
    expect(await describeIndexes(client, c)).toHaveLength(1);
    const taken = await mis.waitForReady('twin-b', 'True');
    expect(taken?.status?.ownership).toBe('Adopted');
  });

  it(`paused: observes only, no Milvus writes, Ready message starts with "Paused:" ${SERVERS}`, async () => {
    const c = uniqueCollection('paused');
    await createCollection(client, c);
    await mis.create({ name: 'paused', annotations: { 'index.milvus.io/paused': 'true' }, spec: hnsw(c) });
    const r = await mis.waitFor('paused', (x) => (readyOf(x)?.message ?? '').startsWith('Paused:'), 'reported as paused');
    expect(r?.metadata.finalizers).toContain(FINALIZER);
    expect(milvusWritesOn(op, c)).toBe(0);
    expect(await describeIndexes(client, c)).toEqual([]);
    await mis.mergePatch('paused', { metadata: { annotations: { 'index.milvus.io/paused': null } } });
    await mis.waitForReady('paused');
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`reports Unsupported (Stalled) for index properties on a server without AlterIndex ${SERVERS}`, async () => {
    const c = uniqueCollection('props');
    await createCollection(client, c);
    await mis.create({ name: 'props', spec: hnsw(c, { properties: { 'mmap.enabled': 'true' } }) });
    await mis.waitForReady('props', 'False', 'Unsupported');
    // The collection released for the attempt is loaded again, and nothing is retried after that.
    const r = await mis.waitFor('props', (x) => x?.status?.pendingOperation === undefined, 'done with the attempt');
    expect(conditionOf(r, 'Stalled')).toBe('True');
    expect((await client.getLoadState({ collection_name: c })).state).toBe('LoadStateLoaded');
    expect(milvusWriteActions(op, c)).toEqual(['CreateIndex', 'ReleaseCollection', 'AlterProperties', 'LoadCollection']);
    expect(readyOf(r)?.message).toMatch(/alter properties/);
    expect(await describeIndexes(client, c)).toHaveLength(1);
  });

  it(`stalls an out-of-range param as InvalidSpec with zero Milvus writes ${SERVERS}`, async () => {
    const c = uniqueCollection('badm');
    await createCollection(client, c);
    await mis.create({ name: 'badm', spec: hnsw(c, { params: { M: 1 } }) });
    const r = await mis.waitForReady('badm', 'False', 'InvalidSpec');
    expect(readyOf(r)?.message).toContain('params.M of HNSW must be between 2 and 2048, got 1');
    expect(conditionOf(r, 'Stalled')).toBe('True');
    expect(conditionOf(r, 'Reconciling')).toBe('False');
    expect(milvusWritesOn(op, c)).toBe(0);
    expect(await describeIndexes(client, c)).toEqual([]);
    // Fixing the spec clears it.
    await mis.mergePatch('badm', { spec: { params: { M: 16 } } });
    await mis.waitForReady('badm');
  });

  it(`stalls an index type that does not fit the field type as InvalidSpec with zero writes ${SERVERS}`, async () => {
    const c = uniqueCollection('badtype');
    await createCollection(client, c);
    await mis.create({ name: 'badtype', spec: { collectionName: c, fieldName: 'title', indexType: 'HNSW', metricType: 'L2' } });
    const r = await mis.waitForReady('badtype', 'False', 'InvalidSpec');
    expect(readyOf(r)?.message).toContain('cannot index field "title" of type VarChar');
    expect(milvusWritesOn(op, c)).toBe(0);
  });

  it(`the API server refuses identity changes (CEL) and invalid enums [kube-apiserver]`, async () => {
    const c = uniqueCollection('cel');
    await mis.create({ name: 'cel', annotations: { 'index.milvus.io/paused': 'true' }, spec: hnsw(c) });
    await expect(mis.mergePatch('cel', { spec: { collectionName: 'other' } })).rejects.toThrow(/collectionName is immutable/);
    await expect(mis.mergePatch('cel', { spec: { indexName: 'x' } })).rejects.toThrow(/indexName is immutable/);
    await expect(mis.mergePatch('cel', { spec: { deletionPolicy: 'Sometimes' } })).rejects.toThrow(/spec.deletionPolicy: Unsupported value/);
    await expect(mis.create({ name: 'cel2', spec: { ...hnsw(c), collectionName: '1bad-name' } })).rejects.toThrow(/collectionName/);
  });
});
