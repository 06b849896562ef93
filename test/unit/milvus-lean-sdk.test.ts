// src/milvus/lean-sdk.ts: the SDK loads without its bulk writer (parquetjs, the AWS S3 client, xxhash-wasm),
// and what the operator uses (MilvusClient and the gRPC client under it) is all there. Run in a child
// Node (this project's Node 24 strips the types of lean-sdk.ts), as src/main.ts does it: hook first.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

import { isSdkBulkWriterIndex } from '../../src/milvus/lean-sdk.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SDK = join(ROOT, 'node_modules', '@zilliz', 'milvus2-sdk-node', 'dist', 'milvus');

function loadSdk(lean: boolean): { mods: number; bulkWriter: string; parquet: boolean; wasm: boolean; client: string; grpc: string; constructed: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    ${lean ? `(await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'milvus', 'lean-sdk.ts')).href)})).skipSdkBulkWriter();` : ''}
    const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
    const sdk = require('@zilliz/milvus2-sdk-node');
    const c = new sdk.MilvusClient({ address: '127.0.0.1:1', __SKIP_CONNECT__: true, logLevel: 'error' });
    const mods = Object.keys(require.cache);
    console.log(JSON.stringify({
      mods: mods.length, bulkWriter: typeof sdk.BulkWriter, parquet: mods.some((m) => m.includes('parquetjs')),
      wasm: mods.some((m) => m.includes('xxhash-wasm')), client: typeof sdk.MilvusClient, grpc: typeof sdk.GRPCClient,
      constructed: typeof c.createIndex === 'function' && typeof c.describeIndex === 'function',
    }));
    process.exit(0);`;
  const res = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof loadSdk>;
}

describe('skipSdkBulkWriter', () => {
  it('matches the bulk-writer index of the installed SDK only', () => {
    expect(isSdkBulkWriterIndex(pathToFileURL(join(SDK, 'bulkwriter', 'index.js')).href)).toBe(true);
    for (const other of [join(SDK, 'index.js'), join(SDK, 'bulkwriter', 'BulkWriter.js'), join(SDK, 'MilvusClient.js')]) {
      expect(isSdkBulkWriterIndex(pathToFileURL(other).href), other).toBe(false);
    }
    expect(isSdkBulkWriterIndex('node:module')).toBe(false);
  });

  it('loads the SDK without the bulk writer; MilvusClient is whole (a guard for SDK upgrades)', () => {
    const full = loadSdk(false);
    expect(full).toMatchObject({ bulkWriter: 'function', parquet: true, client: 'function', constructed: true });
    const lean = loadSdk(true);
    expect(lean).toMatchObject({ bulkWriter: 'undefined', parquet: false, wasm: false, client: 'function', grpc: 'function', constructed: true });
    expect(lean.mods).toBeLessThan(full.mods - 50);
  }, 30_000);
});
