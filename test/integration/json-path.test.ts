// JSON path indexes against a server that has none: Milvus Lite 3.2 answers "field type JSON does not
// support scalar index" (and, for AUTOINDEX, "requires a vector field"). Two MilvusIndexes on two paths
// of one JSON field are each Ready=False/Unsupported with a message naming the version that can, not
// Conflict with each other, and the create is sent once. REAL kube-apiserver + etcd and Milvus Lite.
import type { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createJsonCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { conditionOf, MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite]';

describe(`JSON path indexes on a server without them ${SERVERS}`, () => {
  let kc: KubeConfig;
  let op: TestOperator;
  let client: MilvusClient;
  let mis: MilvusIndexes;

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    const ns = await createTestNamespace(kc, 'json-path');
    op = await startTestOperator(kc, ns, [], { MILVUS_URI: inject('milvusUri') });
    client = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await client?.closeConnection();
  });

  it(`AUTOINDEX on meta["a"] and INVERTED on meta["b"]["c"]: both Unsupported (this Milvus cannot index JSON paths), neither a Conflict, each create sent once ${SERVERS}`, async () => {
    const c = uniqueCollection('jsonpath');
    await createJsonCollection(client, c);
    const base = { collectionName: c, fieldName: 'meta' };
    await mis.create({ name: 'meta-a', spec: { ...base, indexType: 'AUTOINDEX', params: { json_path: 'meta["a"]', json_cast_type: 'VARCHAR' } } });
    await mis.create({ name: 'meta-b-c', spec: { ...base, indexType: 'INVERTED', params: { json_path: 'meta["b"]["c"]', json_cast_type: 'DOUBLE' } } });

    for (const [name, indexName] of [['meta-a', 'meta_a'], ['meta-b-c', 'meta_b_c']] as const) {
      const r = await mis.waitForReady(name, 'False', 'Unsupported');
      expect(readyOf(r)?.message, name).toMatch(/This Milvus version cannot index JSON paths.*JSON path indexes need Milvus 2\.5 or newer/);
      expect(readyOf(r)?.message, name).toContain(`create index "${indexName}" on ${c}.meta`);
      expect(conditionOf(r, 'Stalled'), name).toBe('True');
      expect(r?.status?.unsupported, name).toMatchObject({ what: 'JsonPathIndex', message: expect.stringMatching(/JSON/) });
      expect(r?.status?.ownership, name).toBeUndefined();
    }
    const creates = op.milvusWrites.on(c).filter((w) => w.action === 'CreateIndex');
    expect(creates.map((w) => w.name).sort(), 'one create per resource, not retried').toEqual(['meta-a', 'meta-b-c']);
    expect(await describeIndexes(client, c)).toEqual([]);
  });
});
