/**
 * The one error taxonomy. Every failure that crosses the Milvus boundary is classified here, once:
 * - Transient: retry with per-key exponential backoff (network, timeouts, server busy).
 * - InvalidSpec: the request can never succeed as written; wait for a new generation.
 * - DependencyMissing: something the spec needs does not exist yet (database, collection, field);
 *   retry with capped backoff, never give up.
 * - Unsupported: the server lacks the capability (an RPC answered UNIMPLEMENTED, a server that
 *   ignores index_name); report Stalled and stop retrying until the next resync.
 */
export type ErrorKind = 'Transient' | 'InvalidSpec' | 'DependencyMissing' | 'Unsupported';

export class MilvusError extends Error {
  readonly kind: ErrorKind;
  /** Milvus `code` (modern) when the server answered; gRPC status code when transport failed. */
  readonly code: number | undefined;
  readonly method: string;
  constructor(kind: ErrorKind, method: string, message: string, options: { code?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MilvusError';
    this.kind = kind;
    this.method = method;
    this.code = options.code;
  }
}

export function isMilvusError(e: unknown): e is MilvusError {
  return e instanceof MilvusError;
}
