// InvalidSpec found by observation clears when the world is fixed (design §2: "periodic resync of a
// Stalled resource: observe again ... a fixed collection/field clears it"). Regression: the operator
// used to read "refused for this generation" back from the Ready condition's reason, which field
// validation also sets, so a resource stayed Stalled until its spec was edited. Runs against the REAL
// kube-apiserver + etcd and a REAL Milvus Lite: no mocks.
import type { KubeConfig } from '@kubernetes/client-node';
import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { conditionOf, MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite]';

/** Drops `name` and creates it again with `title` as a FloatVector(8) field (a fix of the collection, not of the spec). */
async function recreateWithVectorTitle(client: MilvusClient, name: string): Promise<void> {
  const dropped = await client.dropCollection({ collection_name: name });
  if (dropped.error_code !== 'Success') throw new Error(`cannot drop collection ${name}: ${JSON.stringify(dropped)}`);
  const res = await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'title', data_type: DataType.FloatVector, dim: 8 },
    ],
  });
  if (res.error_code !== 'Success' || (res.code ?? 0) !== 0) throw new Error(`cannot create collection ${name}: ${JSON.stringify(res)}`);
}

describe(`InvalidSpec recovery ${SERVERS}`, () => {
  let kc: KubeConfig;
  let op: TestOperator;
  let client: MilvusClient;
  let mis: MilvusIndexes;

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    const ns = await createTestNamespace(kc, 'invalid-spec-recovery');
    op = await startTestOperator(kc, ns, ['--resync-period', '2s'], { MILVUS_URI: inject('milvusUri') });
    client = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await client?.closeConnection();
  });

  it(`HNSW on a VarChar field is InvalidSpec; once the collection has a vector field of that name, the next resync creates the index and goes Ready, without a spec change ${SERVERS}`, async () => {
    const c = uniqueCollection('fieldfix');
    await createCollection(client, c);
    await mis.create({ name: 'fieldfix', spec: { collectionName: c, fieldName: 'title', indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 64 } } });

    const invalid = await mis.waitForReady('fieldfix', 'False', 'InvalidSpec');
    expect(readyOf(invalid)?.message).toContain('VarChar');
    expect(conditionOf(invalid, 'Stalled')).toBe('True');
    expect(op.milvusWrites.on(c), 'an invalid spec writes nothing to Milvus').toEqual([]);
    const generation = invalid?.metadata.generation;

    await recreateWithVectorTitle(client, c);

    const ready = await mis.waitForReady('fieldfix', 'True', 'IndexBuilt', 30_000);
    expect(ready?.metadata.generation, 'the spec was not edited').toBe(generation);
    expect(ready?.status?.ownership).toBe('Created');
    expect(ready?.status?.refusal, 'nothing was refused by the server').toBeUndefined();
    expect(conditionOf(ready, 'Stalled')).toBe('False');
    const indexes = await describeIndexes(client, c);
    expect(indexes).toHaveLength(1);
    expect(indexes[0]).toMatchObject({ index_name: 'title', field_name: 'title' });
    expect(indexes[0]!.params.index_type).toBe('HNSW');
  });
});
