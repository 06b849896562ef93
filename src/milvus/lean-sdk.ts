// Loading @zilliz/milvus2-sdk-node without its bulk writer. The SDK's package index loads every part of
// the SDK, and each of its modules (MilvusClient, grpc/*) requires that index, so no deep import is
// narrower. The bulk writer (BulkWriter, ParquetFormatter, …: exports of dist/milvus/bulkwriter) is
// the costly part: @shanghaikid/parquetjs with thrift, the AWS S3 client, bson and xxhash-wasm
// (~17 MiB of WebAssembly memory). The operator never writes files for bulk import and nothing else in
// the SDK uses those exports, so this hook gives that one module an empty body: measured on SDK 3.0.6,
// loading the SDK then takes ~82 MiB RSS instead of ~94 MiB, 373 modules instead of 481, ~0.35 s
// instead of ~0.5 s. If the SDK moves the file, the hook matches nothing and the SDK loads whole.

import { registerHooks } from 'node:module';

const BULK_WRITER_INDEX = /[\\/]node_modules[\\/]@zilliz[\\/]milvus2-sdk-node[\\/]dist[\\/]milvus[\\/]bulkwriter[\\/]index\.js$/;

let registered = false;

/** Whether `url` is the SDK module that this hook empties. */
export function isSdkBulkWriterIndex(url: string): boolean {
  return url.startsWith('file:') && BULK_WRITER_INDEX.test(url);
}

/**
 * Process-wide: the SDK's bulk-writer index loads as an empty CommonJS module from now on. Call before
 * the SDK is first loaded (src/main.ts does, before it loads the operator). Idempotent.
 */
export function skipSdkBulkWriter(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    load(url, context, nextLoad) {
      return isSdkBulkWriterIndex(url) ? { format: 'commonjs', source: '', shortCircuit: true } : nextLoad(url, context);
    },
  });
}
