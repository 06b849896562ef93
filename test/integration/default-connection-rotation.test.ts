// The default connection's token from a mounted-Secret directory (--milvus-credentials-dir): when the
// file changes (as kubelet changes a mounted Secret: a new file swapped in under the same name), the
// next Milvus call uses the new token, without a restart. REAL kube-apiserver + etcd, REAL Milvus Lite
// behind the test proxy that checks the token.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAuthProxy, type AuthProxy } from '../support/grpc-auth-proxy.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { createCollection, describeIndexes, sdkClient, uniqueCollection } from '../support/milvus.js';
import { MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';

const SERVERS = '[kube-apiserver + milvus-lite behind a token proxy]';
const TOKEN_1 = 'tok-file-one-2b7c';
const TOKEN_2 = 'tok-file-two-8e1d';

describe(`default connection credentials from files ${SERVERS}`, () => {
  let kc: KubeConfig;
  let op: TestOperator;
  let proxy: AuthProxy;
  let direct: MilvusClient;
  let mis: MilvusIndexes;
  let dir: string;
  const putToken = (token: string) => {
    writeFileSync(join(dir, '..token.tmp'), `${token}\n`);
    renameSync(join(dir, '..token.tmp'), join(dir, 'token'));
  };
  const spec = (collectionName: string) => ({ collectionName, fieldName: 'vec', indexType: 'FLAT', metricType: 'L2' });

  beforeAll(async () => {
    kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
    const ns = await createTestNamespace(kc, 'default-rotation');
    dir = mkdtempSync(join(tmpdir(), 'mio-default-creds-'));
    putToken(TOKEN_1);
    proxy = await startAuthProxy({ upstream: inject('milvusUri'), credentials: [TOKEN_1] });
    op = await startTestOperator(kc, ns, ['--milvus-credentials-dir', dir], { MILVUS_URI: proxy.address, MILVUS_TOKEN: 'tok-env-not-accepted' });
    direct = sdkClient(inject('milvusUri'));
    mis = new MilvusIndexes(kc, ns);
  });

  afterAll(async () => {
    await op?.stop();
    await proxy?.close();
    await direct?.closeConnection();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`the file's token is used (not MILVUS_TOKEN), and after a rotation of the file the next call uses the new one, without a restart ${SERVERS}`, async () => {
    const first = uniqueCollection('rot');
    await createCollection(direct, first);
    await mis.create({ name: 'before', spec: spec(first) });
    await mis.waitForReady('before');

    // The server side rotates first: the old token no longer works.
    proxy.setCredentials([TOKEN_2]);
    const second = uniqueCollection('rot');
    await createCollection(direct, second);
    await mis.create({ name: 'after', spec: spec(second) });
    const refused = await mis.waitForReady('after', 'False', 'MilvusUnavailable');
    expect(readyOf(refused)?.message).toMatch(/invalid credentials|UNAUTHENTICATED/i);
    const rejectedBefore = proxy.stats().rejected;
    expect(rejectedBefore).toBeGreaterThan(0);

    putToken(TOKEN_2);
    await mis.waitForReady('after', 'True', 'IndexBuilt', 60_000);
    expect(await describeIndexes(direct, second)).toHaveLength(1);
    for (const secret of [TOKEN_1, TOKEN_2]) expect(op.logs.join('\n').includes(secret), 'no token in the logs').toBe(false);
  });
});
