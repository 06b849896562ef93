import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

/**
 * Paths redacted from every log line. Secrets must never be logged; these paths are the last line
 * of defence behind "never pass a secret to the logger" (tests assert on both).
 */
export const REDACT_PATHS = [
  'token', 'password', 'milvusToken', 'milvusPassword', 'authorization', 'Authorization',
  '*.token', '*.password', '*.milvusToken', '*.milvusPassword', '*.authorization', '*.Authorization',
  'target.token', 'target.password', 'headers.authorization', 'req.headers.authorization',
  'clientKeyPem', '*.clientKeyPem', 'target.tls.clientKeyPem', 'privateKey', '*.privateKey',
];

/** The logging port every component takes: structured fields first, then a lowercase message. */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** The process's logger (pino): a Logger that also makes children and flushes. Only wiring uses it. */
export type ProcessLogger = PinoLogger;

export function createLogger(level: string, destination?: DestinationStream): ProcessLogger {
  return pino(
    {
      level,
      base: { component: 'milvus-index-operator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

