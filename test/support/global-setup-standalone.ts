// vitest globalSetup for the opt-in `make test-milvus-standalone`: the same as global-setup.ts (one real
// kube-apiserver + etcd, CRDs applied and Established) but with the embedded REAL Milvus 2.3 standalone
// instead of Milvus Lite. Tests get the same keys (`inject('milvusUri')`).
//
// When MIO_STANDALONE_STATUS_FILE is set, the outcome of the set-up is written there for the Makefile, so
// it can tell "cannot run here" from "tests failed": first line `ready`, `cannot-run` (Milvus cannot be
// installed or started on this machine) or `harness-failed` (the control plane did not come up), then details.
import { readFileSync, writeFileSync } from 'node:fs';

import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { TestProject } from 'vitest/node';

import { apiserverVersion, etcdVersion, startControlPlane, type ControlPlane } from './control-plane.js';
import { installCrds } from './global-setup.js';
import { CannotRunHereError, ensureMilvusStandalone, startMilvusStandalone, type MilvusStandalone } from './milvus-standalone.js';
import { waitFor } from './proc.js';

function report(kind: 'ready' | 'cannot-run' | 'harness-failed', details: string): void {
  const file = process.env.MIO_STANDALONE_STATUS_FILE;
  if (file) writeFileSync(file, `${kind}\n${details}\n`);
}

/** Connects with the Node SDK 3.x (as the operator does) and waits until CheckHealth says healthy. */
async function sdkReady(uri: string, timeoutMs: number): Promise<string> {
  const client = new MilvusClient({ address: uri, telemetry: { enabled: false }, timeout: 10_000, logLevel: 'error' } as ConstructorParameters<typeof MilvusClient>[0]);
  client.connectPromise?.catch(() => {});
  try {
    let version = '';
    await waitFor(
      `Milvus at ${uri} to answer CheckHealth through the Node SDK`,
      async () => {
        const h = await client.checkHealth();
        if (!h.isHealthy) return false;
        version = (await client.getVersion()).version ?? '';
        return true;
      },
      { timeoutMs, intervalMs: 500 },
    );
    return version;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // Install first (alone: pip and the unpacking are CPU-heavy on small machines), then both servers at once.
  let installSeconds: number | undefined;
  try {
    installSeconds = (await ensureMilvusStandalone()).installSeconds;
  } catch (err) {
    report('cannot-run', (err as Error).message);
    throw err;
  }
  const [cpRes, milvusRes] = await Promise.allSettled([startControlPlane(), startMilvusStandalone()]);
  const cp: ControlPlane | undefined = cpRes.status === 'fulfilled' ? cpRes.value : undefined;
  const milvus: MilvusStandalone | undefined = milvusRes.status === 'fulfilled' ? milvusRes.value : undefined;
  const teardown = async (): Promise<void> => {
    await Promise.allSettled([cp?.stop(), milvus?.destroy()]);
  };
  try {
    if (milvusRes.status === 'rejected') {
      const e = milvusRes.reason as Error;
      report('cannot-run', e.message);
      throw e instanceof CannotRunHereError ? e : new CannotRunHereError(e.message, { cause: e });
    }
    if (cpRes.status === 'rejected') {
      report('harness-failed', `the kube-apiserver + etcd harness did not start: ${(cpRes.reason as Error).message}`);
      throw cpRes.reason;
    }
    if (!cp || !milvus) throw new Error('unreachable');
    const sdkStarted = Date.now();
    let serverVersion: string;
    try {
      serverVersion = await sdkReady(milvus.uri, 60_000);
    } catch (err) {
      const msg = `Milvus ${milvus.version} standalone came up (/healthz OK) but the Node SDK cannot use it: ${(err as Error).message}\n--- ${milvus.logPath} (last 30 lines) ---\n${tail(milvus.logPath, 30)}`;
      report('cannot-run', msg);
      throw new CannotRunHereError(msg);
    }
    const sdkSeconds = (Date.now() - sdkStarted) / 1000;
    const crdFiles = await installCrds(cp);
    const [kubeVersion, etcdVer] = await Promise.all([apiserverVersion(cp.binaries), etcdVersion(cp.binaries)]);

    project.provide('kubeconfigPath', cp.kubeconfigPath);
    project.provide('kubeconfigYaml', cp.kubeconfigYaml);
    project.provide('kubeBinDir', cp.binDir);
    project.provide('milvusUri', milvus.uri);

    const timings =
      `install ${installSeconds === undefined ? 'cached' : `${installSeconds.toFixed(1)} s`}, ` +
      `server start ${milvus.startSeconds.toFixed(1)} s, SDK ready ${sdkSeconds.toFixed(1)} s, ` +
      `set-up total ${((Date.now() - started) / 1000).toFixed(1)} s`;
    const line =
      `[standalone] real servers: kube-apiserver ${kubeVersion} + etcd ${etcdVer} at ${cp.server} ` +
      `(binaries from ${cp.binaries.source}: ${cp.binDir}); REAL Milvus standalone ${serverVersion} ` +
      `(PyPI milvus==${milvus.version}, embedded etcd + local storage) at ${milvus.uri}, base dir ${milvus.baseDir}; ` +
      `${crdFiles} CRD file(s) applied; ${timings}`;
    report('ready', `${line}\nserver log: ${milvus.logPath}`);
    console.log(line);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
