// vitest globalSetup of the standalone tier (`make test-milvus-standalone`, part of `make test`): setUpTier
// (global-setup.ts) with the embedded REAL Milvus 2.3 standalone instead of Milvus Lite. Tests get the same keys.
//
// When MIO_STANDALONE_STATUS_FILE is set, the outcome of the set-up is written there for the Makefile, so
// it can tell "cannot run here" from "tests failed": first line `ready`, `cannot-run` (Milvus cannot be
// installed or started on this machine) or `harness-failed` (the control plane did not come up), then details.
import { writeFileSync } from 'node:fs';

import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { TestProject } from 'vitest/node';

import { setUpTier } from './global-setup.js';
import { CannotRunHereError, ensureMilvusStandalone, startMilvusStandalone } from './milvus-standalone.js';
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
  // Install first (alone: pip and the unpacking are CPU-heavy on small machines), then both servers at once.
  let installSeconds: number | undefined;
  try {
    installSeconds = (await ensureMilvusStandalone()).installSeconds;
  } catch (err) {
    report('cannot-run', (err as Error).message);
    throw err;
  }
  return setUpTier(project, {
    tier: 'standalone',
    start: () => startMilvusStandalone(),
    async describe(server) {
      const sdkStarted = Date.now();
      let serverVersion: string;
      try {
        serverVersion = await sdkReady(server.uri, 60_000);
      } catch (err) {
        throw new Error(`Milvus ${server.version} standalone came up (/healthz OK) but the Node SDK cannot use it: ${(err as Error).message}\n--- ${server.logPath} (last 30 lines) ---\n${server.logTail(30)}`);
      }
      return (
        `REAL Milvus standalone ${serverVersion} (PyPI milvus==${server.version}, embedded etcd + local storage; ` +
        `install ${installSeconds === undefined ? 'cached' : `${installSeconds.toFixed(1)} s`}, server start ${server.startSeconds.toFixed(1)} s, ` +
        `SDK ready ${((Date.now() - sdkStarted) / 1000).toFixed(1)} s)`
      );
    },
    failed(part, err) {
      if (part === 'control-plane') {
        report('harness-failed', `the kube-apiserver + etcd harness did not start: ${err.message}`);
        return err;
      }
      report('cannot-run', err.message);
      return err instanceof CannotRunHereError ? err : new CannotRunHereError(err.message, { cause: err });
    },
    ready: (line, server) => report('ready', `${line}\nserver log: ${server.logPath}`),
  });
}
