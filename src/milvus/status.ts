// Judging Milvus response statuses. The SDK reports server-side failures as data (a `status`
// object, or the response itself for calls that return a bare status) and rewrites gRPC
// UNIMPLEMENTED into a successful empty response `{}` (milvus.md §0.3, §1.2).

/** The status object as the SDK decodes it (enums as names, int64 as strings). */
export interface MilvusStatus {
  /** Legacy enum: its name ('Success', 'CollectionNotExists', ...) or a number outside the enum. */
  error_code?: string | number;
  reason?: string;
  /** Modern status code; 0 = ok. Lite 3.x sometimes sets only this one (milvus.md §0.4). */
  code?: number;
  retriable?: boolean;
  detail?: string;
  extra_info?: Record<string, unknown>;
}

/**
 * True when the server accepted the request: `error_code` is Success (or 0) AND `code` is 0 or
 * absent — the same test as Milvus's own `merr.Ok`. Lite 3.x returns some failures with only
 * `code=1`, which the SDK decodes as `error_code: 'Success'`.
 */
export function isOk(status: MilvusStatus | null | undefined): boolean {
  if (!status || typeof status !== 'object') return false;
  const legacyOk = status.error_code === 'Success' || status.error_code === 0 || status.error_code === undefined;
  return legacyOk && (status.code ?? 0) === 0 && hasStatusFields(status);
}

/**
 * True when the response carries no status at all: the SDK's rendering of gRPC UNIMPLEMENTED
 * (`{}`), or nothing. Call it on the whole response; it looks for a nested `status` and for the
 * bare-status fields.
 */
export function isUnsupportedResponse(res: unknown): boolean {
  if (res === null || res === undefined) return true;
  if (typeof res !== 'object') return true;
  const r = res as { status?: unknown };
  if (r.status !== undefined && r.status !== null) return false;
  return !hasStatusFields(res as MilvusStatus);
}

/**
 * The status of a response: the nested `status` of payload responses, or the response itself
 * for calls that return a bare status (createIndex, dropIndex, releaseCollection, ...).
 * Undefined when the response has none (see isUnsupportedResponse).
 */
export function statusOf(res: unknown): MilvusStatus | undefined {
  if (res === null || typeof res !== 'object') return undefined;
  const r = res as { status?: unknown };
  if (r.status !== undefined && r.status !== null && typeof r.status === 'object') return r.status as MilvusStatus;
  return hasStatusFields(res as MilvusStatus) ? (res as MilvusStatus) : undefined;
}

function hasStatusFields(s: MilvusStatus): boolean {
  return s.error_code !== undefined || s.code !== undefined || s.reason !== undefined;
}
