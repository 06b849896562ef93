// An idle operator connection against a REAL Milvus Lite (gRPC's default keepalive enforcement: a client that
// pings without calls more often than every 5 minutes is sent GOAWAY "too_many_pings"). A control client with
// the SDK's defaults, in a child process, marks when that happened; the operator's client (src/milvus), idle
// over the same time in this process, must not have been told off and must still answer.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, describe, expect, inject, it, vi } from 'vitest';

import { SdkMilvusIndexApi } from '../../src/milvus/client.js';
import { waitFor } from '../support/proc.js';

const uri = inject('milvusUri');
const ROOT = join(import.meta.dirname, '..', '..');
const EXCESS_PINGS = 'rejected by server because of excess pings';

/** A client with the SDK's default channel options: one call, then idle; its stderr collected. */
function controlClient(): { stderr: () => string; stop: () => void } {
  const script = `import { MilvusClient } from '@zilliz/milvus2-sdk-node';
const c = new MilvusClient({ address: ${JSON.stringify(uri)}, logLevel: 'error' });
await c.listCollections();
setTimeout(() => process.exit(0), 120000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return { stderr: () => err, stop: () => child.kill('SIGKILL') };
}

describe('an idle Milvus connection [milvus-lite]', () => {
  const stops: Array<() => unknown> = [];
  afterAll(async () => { for (const stop of stops) await stop(); });

  it('the operator\'s client sends no keepalive pings without calls: not told off by the server, still answers after the SDK default was [milvus-lite]', async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { logged.push(args.map(String).join(' ')); });
    stops.push(() => spy.mockRestore());
    const api = new SdkMilvusIndexApi({ uri, database: 'default', timeoutMs: 10_000 });
    stops.push(() => api.close());
    await api.serverVersion();
    const control = controlClient();
    stops.push(control.stop);

    await waitFor('the SDK-default client told off for pinging an idle connection', () => control.stderr().includes(EXCESS_PINGS), { timeoutMs: 110_000, intervalMs: 500 });

    expect(logged.filter((l) => l.includes(EXCESS_PINGS)), 'the operator client was sent GOAWAY too_many_pings').toEqual([]);
    expect(await api.serverVersion()).toMatch(/\d/);
  }, 150_000);
});
