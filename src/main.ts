#!/usr/bin/env node
// The entry point (the image's ENTRYPOINT, the package's bin). It prepares the process before any other
// module loads (static imports would all load first), then loads the CLI, src/cli.ts.
import { setSourceMapsSupport } from 'node:module';
import { skipClientNodeGeneratedApis } from './kube/lean-client-node.js';
import { skipSdkBulkWriter } from './milvus/lean-sdk.js';

// Stack traces through our own code name src/*.ts; the source maps of node_modules are not read
// (--enable-source-maps read them all: +12 MiB of heap and a slower start-up, docs/benchmarks.md).
setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
skipSdkBulkWriter();
skipClientNodeGeneratedApis();
await import('./cli.js');
