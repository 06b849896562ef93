import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Paths redacted from every log line. Secrets must never be logged; these paths are the last line
 * of defence behind "never pass a secret to the logger" (tests assert on both).
 */
export const REDACT_PATHS = [
  'token', 'password', 'milvusToken', 'milvusPassword', 'authorization', 'Authorization',
  '*.token', '*.password', '*.milvusToken', '*.milvusPassword', '*.authorization', '*.Authorization',
  'target.token', 'target.password', 'headers.authorization', 'req.headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
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

export type { Logger };
