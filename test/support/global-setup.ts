// vitest globalSetup for the integration tier: one real kube-apiserver + etcd and one Milvus Lite per run,
// the CRDs from crds/ applied and Established, connection details handed to tests via provide/inject.
// setUpTier is the same set-up for every tier; global-setup-standalone.ts runs it with the Milvus 2.3 standalone.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

import { apiserverVersion, etcdVersion, startControlPlane, type ControlPlane } from './control-plane.js';
import { ensureMilvusLite, startMilvusLite } from './milvus-lite.js';
import type { MilvusServer } from './milvus-server.js';

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

/** What a tier runs its lifecycle against: one Milvus next to the shared control plane. */
export interface TierMilvus {
  /** Log prefix of the set-up line, e.g. "integration". */
  tier: string;
  start(): Promise<MilvusServer>;
  /** Runs once both servers are up (extra readiness checks); returns how the set-up line names the server. */
  describe(server: MilvusServer): Promise<string>;
  /** Turns a start or describe failure of the Milvus (`milvus`) or the control plane into the error to throw. */
  failed?(part: 'milvus' | 'control-plane', err: Error): Error;
  /** Told the set-up line once everything is ready. */
  ready?(line: string, server: MilvusServer): void;
}

/**
 * Starts the real kube-apiserver + etcd and the tier's Milvus side by side, applies the CRDs, and provides the
 * connection details to tests (provided.d.ts). Returns the teardown; on failure tears down what started.
 */
export async function setUpTier(project: TestProject, milvus: TierMilvus): Promise<() => Promise<void>> {
  const started = Date.now();
  const failed = milvus.failed ?? ((_part, err) => err);
  const [cpRes, serverRes] = await Promise.allSettled([startControlPlane(), milvus.start()]);
  const cp = cpRes.status === 'fulfilled' ? cpRes.value : undefined;
  const server = serverRes.status === 'fulfilled' ? serverRes.value : undefined;
  const teardown = async (): Promise<void> => {
    await Promise.allSettled([cp?.stop(), server?.destroy()]);
  };
  try {
    if (serverRes.status === 'rejected') throw failed('milvus', serverRes.reason as Error);
    if (cpRes.status === 'rejected') throw failed('control-plane', cpRes.reason as Error);
    if (!cp || !server) throw new Error('unreachable');
    let described: string;
    try {
      described = await milvus.describe(server);
    } catch (err) {
      throw failed('milvus', err as Error);
    }
    const crdFiles = await installCrds(cp);
    const [kubeVersion, etcdVer] = await Promise.all([apiserverVersion(cp.binaries), etcdVersion(cp.binaries)]);

    project.provide('kubeconfigPath', cp.kubeconfigPath);
    project.provide('kubeconfigYaml', cp.kubeconfigYaml);
    project.provide('kubeBinDir', cp.binDir);
    project.provide('milvusUri', server.uri);
    project.provide('milvusLogPath', server.logPath);

    const line =
      `[${milvus.tier}] real servers: kube-apiserver ${kubeVersion} + etcd ${etcdVer} at ${cp.server} ` +
      `(binaries from ${cp.binaries.source}: ${cp.binDir}); ${described} at ${server.uri} (log ${server.logPath}); ` +
      `${crdFiles} CRD file(s) applied; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    milvus.ready?.(line, server);
    console.log(line);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

/** The integration tier: Milvus Lite. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return setUpTier(project, {
    tier: 'integration',
    start: () => startMilvusLite(),
    async describe() {
      const install = await ensureMilvusLite();
      return `Milvus Lite ${install.version} (milvus-lite==${install.version}, pymilvus==${install.pymilvusVersion}, Python ${install.pythonVersion})`;
    },
  });
}
