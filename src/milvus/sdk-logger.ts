// The Milvus SDK logs every gRPC call at debug level through its process-wide winston logger, and winston
// formats an entry (timestamp, colours, printf) before its transport drops it for the level: measured ~4 % of
// the operator's CPU on a steady resync (docs/benchmarks.md). Skipping debug entries while debug is off keeps
// what the SDK prints at every level and costs nothing for calls.

import { logger as sdkLogger } from '@zilliz/milvus2-sdk-node';

/** The part of a winston logger this file uses. */
export interface LevelledLogger {
  debug: (...args: never[]) => unknown;
  isLevelEnabled(level: string): boolean;
}

const PATCHED = Symbol.for('milvus-index-operator.sdk-debug-gate');

/** From now on `logger.debug` formats nothing while the logger's level is above debug. Idempotent. */
export function gateSdkDebugLogs(logger: LevelledLogger = sdkLogger as unknown as LevelledLogger): void {
  const marked = logger as LevelledLogger & { [PATCHED]?: true };
  if (marked[PATCHED]) return;
  const debug = logger.debug.bind(logger);
  logger.debug = ((...args: never[]) => (logger.isLevelEnabled('debug') ? debug(...args) : logger)) as LevelledLogger['debug'];
  marked[PATCHED] = true;
}
