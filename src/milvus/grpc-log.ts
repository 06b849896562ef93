// grpc-js, the Milvus SDK's transport, reports connection-level events (a refused connection, a GOAWAY, a
// keepalive timeout) through its own logger, which writes plain text to stderr: outside the operator's JSON
// log, without level or component. Routed into the operator's log instead: each is something the next call
// retries, not a failed reconcile, so errors become warnings and grpc-js' info/debug lines debug lines.
import { setLogger } from '@grpc/grpc-js';

import type { Logger } from '../observability/logger.js';

const FIELDS = { source: 'grpc-js' } as const;

/** Process-wide (grpc-js keeps one logger per process): call once at start-up, before any Milvus client connects. */
export function routeGrpcLogs(log: Logger): void {
  const text = (args: unknown[]): string => args.map(String).join(' ');
  setLogger({
    error: (...args: unknown[]) => log.warn({ ...FIELDS, detail: text(args) }, 'grpc transport event'),
    info: (...args: unknown[]) => log.debug({ ...FIELDS, detail: text(args) }, 'grpc transport event'),
    debug: (...args: unknown[]) => log.debug({ ...FIELDS, detail: text(args) }, 'grpc transport event'),
  });
}
