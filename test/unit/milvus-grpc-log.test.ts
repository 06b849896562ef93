import { experimental, logVerbosity, setLogVerbosity } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';

import { routeGrpcLogs } from '../../src/milvus/grpc-log.js';
import type { Logger } from '../../src/observability/logger.js';

class CapturingLogger implements Logger {
  readonly lines: Array<{ level: string; fields: object; msg: string }> = [];
  debug(fields: object, msg: string): void { this.lines.push({ level: 'debug', fields, msg }); }
  info(fields: object, msg: string): void { this.lines.push({ level: 'info', fields, msg }); }
  warn(fields: object, msg: string): void { this.lines.push({ level: 'warn', fields, msg }); }
  error(fields: object, msg: string): void { this.lines.push({ level: 'error', fields, msg }); }
}

describe('routeGrpcLogs', () => {
  afterEach(() => setLogVerbosity(logVerbosity.ERROR));

  it('a grpc-js error (e.g. GOAWAY too_many_pings) becomes a structured warning in the operator log, not a stderr line', () => {
    const log = new CapturingLogger();
    routeGrpcLogs(log);
    experimental.log(logVerbosity.ERROR, 'Connection to dns:127.0.0.1:19530 rejected by server because of excess pings');
    expect(log.lines).toEqual([{ level: 'warn', fields: { source: 'grpc-js', detail: 'Connection to dns:127.0.0.1:19530 rejected by server because of excess pings' }, msg: 'grpc transport event' }]);
  });

  it('grpc-js info and debug lines (GRPC_VERBOSITY) become debug lines', () => {
    const log = new CapturingLogger();
    routeGrpcLogs(log);
    setLogVerbosity(logVerbosity.DEBUG);
    experimental.log(logVerbosity.INFO, 'subchannel', 'READY');
    experimental.log(logVerbosity.DEBUG, 'resolved');
    expect(log.lines.map((l) => [l.level, (l.fields as { detail: string }).detail])).toEqual([['debug', 'subchannel READY'], ['debug', 'resolved']]);
  });
});
