import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';

/** HTTP status of a client-node failure, or undefined for non-HTTP errors. */
export function httpStatus(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  const code = (e as { statusCode?: unknown; code?: unknown } | undefined);
  if (code && typeof code.statusCode === 'number') return code.statusCode;
  return undefined;
}

/** 409 (stale resourceVersion) or 422 from a failed JSON-patch `test`: re-read and retry at once. */
export function isWriteConflict(e: unknown): boolean {
  const s = httpStatus(e);
  if (s === 409) return true;
  if (s === 422 && e instanceof ApiException && /test operation|testing value/i.test(String(e.body))) return true;
  return false;
}

export function isNotFound(e: unknown): boolean {
  return httpStatus(e) === 404;
}

/** A short description for logs; never includes request bodies or headers. */
export function describeKubeError(e: unknown): string {
  if (e instanceof ApiException) {
    let reason = '';
    try {
      const body = JSON.parse(String(e.body)) as { message?: string };
      reason = body.message ?? '';
    } catch {
      reason = String(e.body).slice(0, 200);
    }
    return `HTTP ${e.code}: ${reason}`;
  }
  return e instanceof Error ? e.message : String(e);
}
