// Memory and construction time per Milvus SDK client, as the operator builds them (SdkMilvusIndexApi: one per
// connection target), with and without the process-wide sharing of the SDK's protobuf reflection
// (src/milvus/shared-protos.ts). Each row is a fresh Node process (the image's V8 flags) that builds k clients to k
// addresses (no server needed: the operator's clients do not connect until called) and reports V8 heap and RSS
// after a full GC. Run: npx tsx test/bench/sdk-clients.ts (SDK_CLIENTS="1,2,5,10,20").
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { imageNodeArgs } from '../support/dockerfile.js';
import { table } from './lib.js';

const ROOT = join(import.meta.dirname, '..', '..');
const COUNTS = (process.env.SDK_CLIENTS ?? '1,2,5,10,20').split(',').map(Number);

/** The child: builds `k` clients, with or without sharing, and prints one JSON line. */
const CHILD = `
const [k, share] = [Number(process.argv[1]), process.argv[2] === 'share'];
const { skipSdkBulkWriter } = await import(${JSON.stringify(join(ROOT, 'dist/src/milvus/lean-sdk.js'))});
skipSdkBulkWriter();
const { SdkMilvusIndexApi } = await import(${JSON.stringify(join(ROOT, 'dist/src/milvus/client.js'))});
const { buildClientConfig } = await import(${JSON.stringify(join(ROOT, 'dist/src/milvus/target.js'))});
const { MilvusClient } = await import('@zilliz/milvus2-sdk-node');
// shared: the operator's client; per client: the SDK's own client with the same configuration.
const build = (target) => share ? new SdkMilvusIndexApi(target) : new MilvusClient(buildClientConfig(target, 'error'));
const measure = () => { gc(); gc(); const m = process.memoryUsage(); return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 }; };
const before = measure();
const t0 = performance.now();
const clients = Array.from({ length: k }, (_, i) => build({ uri: 'http://127.0.0.1:' + (20000 + i), database: 'default', timeoutMs: 1000 }));
const ms = performance.now() - t0;
const after = measure();
console.log(JSON.stringify({ k, ms, heap: after.heap - before.heap, rss: after.rss - before.rss, total: after.rss }));
await Promise.all(clients.map((c) => (share ? c.close() : c.closeConnection())));
process.exit(0);
`;

function run(k: number, share: boolean): { ms: number; heap: number; rss: number; total: number } {
  const node = join(ROOT, 'node_modules', '.bin', 'node');
  const args = [...imageNodeArgs().filter((a) => a.startsWith('--')), '--expose-gc', '--input-type=module', '--eval', CHILD, String(k), share ? 'share' : 'plain'];
  const res = spawnSync(node, args, { cwd: ROOT, encoding: 'utf8' });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{"k"'));
  if (!line) throw new Error(`child failed (${res.status}): ${res.stderr.slice(-2000)}`);
  return JSON.parse(line) as { ms: number; heap: number; rss: number; total: number };
}

const rows = COUNTS.flatMap((k) => (['plain', 'share'] as const).map((mode) => {
  const r = run(k, mode === 'share');
  return [String(k), mode === 'share' ? 'shared (operator)' : 'per client (SDK alone)', r.ms.toFixed(0), r.heap.toFixed(1), r.rss.toFixed(1), r.total.toFixed(1)];
}));
table('Milvus SDK clients, built in a fresh process, after a full GC', ['clients', 'protobuf reflection', 'build time (ms)', '+V8 heap (MiB)', '+RSS (MiB)', 'RSS (MiB)'], rows);
