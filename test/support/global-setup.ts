// vitest globalSetup for the integration tier: one real kube-apiserver + etcd and one Milvus Lite per run,
// the CRDs from crds/ applied and Established, connection details handed to tests via provide/inject.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

import { apiserverVersion, etcdVersion, startControlPlane, type ControlPlane } from './control-plane.js';
import { ensureMilvusLite, startMilvusLite, type MilvusLite } from './milvus-lite.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CRD_DIR = join(ROOT, 'crds');

/** Applies every manifest in crds/ server-side and waits until the CRDs are Established. Returns how many files. */
export async function installCrds(cp: ControlPlane, dir = CRD_DIR): Promise<number> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  } catch {
    return 0;
  }
  if (files.length === 0) return 0;
  const apply = await cp.kubectl(['apply', '--server-side', '-f', dir]);
  if (apply.code !== 0) throw new Error(`kubectl apply --server-side -f ${dir} failed:\n${apply.stderr}${apply.stdout}`);
  const wait = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', dir]);
  if (wait.code !== 0) throw new Error(`waiting for the CRDs in ${dir} to be Established failed:\n${wait.stderr}${wait.stdout}`);
  return files.length;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const [cpRes, liteRes] = await Promise.allSettled([startControlPlane(), startMilvusLite()]);
  const cp: ControlPlane | undefined = cpRes.status === 'fulfilled' ? cpRes.value : undefined;
  const lite: MilvusLite | undefined = liteRes.status === 'fulfilled' ? liteRes.value : undefined;
  const teardown = async (): Promise<void> => {
    await Promise.allSettled([cp?.stop(), lite?.destroy()]);
  };
  try {
    if (cpRes.status === 'rejected') throw cpRes.reason;
    if (liteRes.status === 'rejected') throw liteRes.reason;
    if (!cp || !lite) throw new Error('unreachable');
    const crdFiles = await installCrds(cp);
    const [kubeVersion, etcdVer] = await Promise.all([apiserverVersion(cp.binaries), etcdVersion(cp.binaries)]);
    const install = await ensureMilvusLite();

    project.provide('kubeconfigPath', cp.kubeconfigPath);
    project.provide('kubeconfigYaml', cp.kubeconfigYaml);
    project.provide('kubeBinDir', cp.binDir);
    project.provide('milvusUri', lite.uri);

    console.log(
      `[integration] real servers: kube-apiserver ${kubeVersion} + etcd ${etcdVer} at ${cp.server} ` +
        `(binaries from ${cp.binaries.source}: ${cp.binDir}); Milvus Lite ${install.version} ` +
        `(milvus-lite==${install.version}, pymilvus==${install.pymilvusVersion}, Python ${install.pythonVersion}) at ${lite.uri}; ` +
        `${crdFiles} CRD file(s) applied; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
