// Proves the real-server harness (test/support): kube-apiserver 1.37.2 + etcd, kubectl and Milvus Lite.
import { join } from 'node:path';

import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { DEFAULT_K8S_VERSION } from '../support/binaries.js';
import { kubeConfigFromProvided, createTestNamespace } from '../support/kube.js';
import { MILVUS_LITE_VERSION, startMilvusLite, type MilvusLite } from '../support/milvus-lite.js';
import { portOpen, run } from '../support/proc.js';

// A private subchannel pool: grpc-js otherwise shares one connection per address between clients, and after a
// server restart that shared connection sits in reconnect backoff (~1 s) for longer than the SDK's 3 quick retries.
function milvusClient(address: string): MilvusClient {
  const client = new MilvusClient({
    address,
    telemetry: { enabled: false },
    logLevel: 'warn',
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  client.connectPromise.catch(() => {});
  return client;
}

describe('real kube-apiserver + etcd (local control plane)', () => {
  const kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
  const kubectl = join(inject('kubeBinDir'), 'kubectl');
  const kubeEnv = { ...process.env, KUBECONFIG: inject('kubeconfigPath') };

  it(`serves /version ${DEFAULT_K8S_VERSION}`, async () => {
    const v = await kc.makeApiClient(VersionApi).getCode();
    expect(v.gitVersion).toBe(`v${process.env.MIO_K8S_VERSION || DEFAULT_K8S_VERSION}`);
  });

  it('creates a namespace, and kubectl (same version) sees it', async () => {
    const ns = await createTestNamespace(kc, 'harness');
    expect(ns).toMatch(/^harness-[a-z0-9]{5}$/);
    const got = await kc.makeApiClient(CoreV1Api).readNamespace({ name: ns });
    expect(got.status?.phase).toBe('Active');

    const res = await run(kubectl, ['get', 'namespace', ns, '-o', 'json'], { env: kubeEnv });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { metadata: { name: string } }).metadata.name).toBe(ns);

    const ver = await run(kubectl, ['version', '-o', 'json'], { env: kubeEnv });
    expect(ver.code).toBe(0);
    const versions = JSON.parse(ver.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    expect(versions.clientVersion.gitVersion).toBe(versions.serverVersion.gitVersion);
  });

  it('enforces RBAC for identities outside system:masters', async () => {
    const res = await run(kubectl, ['auth', 'can-i', 'list', 'pods', '--as=nobody'], { env: kubeEnv });
    expect(res.stdout.trim()).toBe('no');
  });
});

describe('Milvus Lite (real pure-Python server over gRPC)', () => {
  let second: MilvusLite | undefined;
  afterAll(async () => {
    await second?.destroy();
  });

  it('answers getVersion on the shared server', async () => {
    const client = milvusClient(inject('milvusUri'));
    try {
      const v = await client.getVersion();
      expect(v.version).toBe(`milvus_lite-${MILVUS_LITE_VERSION}`);
    } finally {
      await client.closeConnection();
    }
  });

  it('keeps data across stop() and start() on the same port and data dir', async () => {
    second = await startMilvusLite();
    const { uri, port, dataDir } = second;
    const collection = 'harness_restart';

    const before = milvusClient(uri);
    try {
      const created = await before.createCollection({
        collection_name: collection,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
          { name: 'vec', data_type: DataType.FloatVector, dim: 4 },
        ],
      });
      expect(created.error_code).toBe('Success');
      expect((await before.hasCollection({ collection_name: collection })).value).toBe(true);
    } finally {
      await before.closeConnection();
    }

    await second.stop();
    expect(await portOpen(port)).toBe(false);

    await second.start();
    expect(second.port).toBe(port);
    expect(second.dataDir).toBe(dataDir);
    const after = milvusClient(uri);
    try {
      expect((await after.hasCollection({ collection_name: collection })).value).toBe(true);
      const desc = await after.describeCollection({ collection_name: collection });
      expect(desc.schema.fields.map((f) => f.name).sort()).toEqual(['id', 'vec']);
    } finally {
      await after.closeConnection();
    }
  });
});
