// The one place where Milvus failures become MilvusError (style rule 5). Two channels arrive here:
// server statuses (gRPC OK + a status object) and thrown errors (gRPC transport failures, SDK
// client-side validation). Codes decide first; reason text decides where servers use generic
// codes (Lite's 1/6/35, Milvus's 65535, and a few 1100 messages that are not spec errors).
// Sources: milvus.md §1.2, §2.1, §3.3, §5 and pkg/util/merr.

import { MilvusError, type ErrorKind } from './errors.js';
import type { MilvusStatus } from './status.js';

/**
 * What went wrong, one level finer than ErrorKind, so callers can tell e.g. a missing
 * collection from a missing field (different Ready reasons) without parsing messages.
 */
export type MilvusFailure =
  | 'DatabaseNotFound'
  | 'CollectionNotFound'
  | 'FieldNotFound'
  | 'IndexNotFound'
  | 'IndexExists'
  | 'CollectionLoaded'
  | 'InvalidParameter'
  /** The server cannot index a JSON field at all (Milvus Lite, Milvus before 2.5): no JSON path indexes. */
  | 'JsonIndexUnsupported'
  | 'AuthFailed'
  | 'RateLimited'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'Unimplemented'
  | 'Unknown';

const KIND_OF: Record<MilvusFailure, ErrorKind> = {
  DatabaseNotFound: 'DependencyMissing',
  CollectionNotFound: 'DependencyMissing',
  FieldNotFound: 'DependencyMissing',
  IndexNotFound: 'DependencyMissing',
  // The caller re-observes and compares params (create is idempotent only on an exact match).
  IndexExists: 'Transient',
  // A release is a policy decision of the caller; until then, retry.
  CollectionLoaded: 'Transient',
  InvalidParameter: 'InvalidSpec',
  JsonIndexUnsupported: 'Unsupported',
  AuthFailed: 'Transient',
  RateLimited: 'Transient',
  Unavailable: 'Transient',
  // The caller's per-call deadline (WriteOptions.timeoutMs) ran out.
  DeadlineExceeded: 'Transient',
  Unimplemented: 'Unsupported',
  Unknown: 'Transient',
};

/** A MilvusError that also says which failure it is. Every error classify* returns is one. */
export class ClassifiedMilvusError extends MilvusError {
  readonly failure: MilvusFailure;
  constructor(failure: MilvusFailure, method: string, message: string, options: { code?: number; cause?: unknown } = {}) {
    super(KIND_OF[failure], method, message, options);
    this.name = 'MilvusError';
    this.failure = failure;
  }
}

/** Describes the request being classified; `action` completes "cannot <action>: <cause>". */
export interface ClassifyContext {
  /** MilvusIndexApi method name (also the metrics label). */
  method: string;
  /** e.g. `create index "vec" on default/books`. Lowercase verb first, no secrets. */
  action: string;
  /** Strings that must never appear in a message (token, password); replaced by `***`. */
  secrets?: readonly string[];
}

/** The failure behind an error, when it came from classify*. */
export function failureOf(e: unknown): MilvusFailure | undefined {
  return e instanceof ClassifiedMilvusError ? e.failure : undefined;
}

/**
 * True for authentication/authorisation failures (gRPC UNAUTHENTICATED/PERMISSION_DENIED, Milvus
 * 1400/1401/1800). They are Transient (a rotated Secret fixes them) but deserve their own Ready
 * reason (AuthenticationFailed).
 */
export function isAuthFailure(e: unknown): boolean {
  return failureOf(e) === 'AuthFailed';
}

// ---- server statuses -------------------------------------------------------------------------

/** Codes whose meaning does not depend on the reason text. */
const DEFINITE_CODES = new Map<number, MilvusFailure>([
  [2, 'Unavailable'], // service unavailable
  [3, 'RateLimited'], // memory limit exceeded
  [4, 'RateLimited'], // too many concurrent requests
  [7, 'RateLimited'], // disk limit exceeded
  [8, 'RateLimited'], // rate limit exceeded
  [9, 'RateLimited'], // quota exceeded / force deny
  [10, 'Unimplemented'], // service unimplemented
  [11, 'Unavailable'], // time tick long delay
  [12, 'Unavailable'], // resource insufficient
  [100, 'CollectionNotFound'],
  [103, 'Unavailable'], // collection not fully loaded
  [104, 'CollectionLoaded'], // e.g. alter index on a loaded collection
  [106, 'Unavailable'], // collection on recovering
  [700, 'IndexNotFound'],
  [701, 'InvalidParameter'], // index type not supported (e.g. DISKANN without disk)
  [800, 'DatabaseNotFound'],
  [802, 'InvalidParameter'], // invalid database name
  [1400, 'AuthFailed'],
  [1401, 'AuthFailed'],
  [1700, 'FieldNotFound'],
  [1701, 'InvalidParameter'], // field name invalid
  [1800, 'AuthFailed'],
  [1807, 'RateLimited'],
]);

/** Milvus input-error codes; a few messages under them are not about the spec (see below). */
const INPUT_CODES = new Set([1100, 1101, 1102]);

/** Ordered reason-text rules (lowercased reason). */
const TEXT_RULES: ReadonlyArray<readonly [MilvusFailure, RegExp]> = [
  ['AuthFailed', /auth(entication)? check fail|not authenticated|unauthenticated|authenticat(e|ion) fail|hasn't authenticated|permission denied|privilege not permitted|invalid credentials|unauthori[sz]ed/],
  ['DatabaseNotFound', /database not found|database\b.*\b(does not exist|doesn't exist|not exist|not found)/],
  ['CollectionNotFound', /collection not found|can't find collection|collection\b.*\b(does not exist|doesn't exist|not exist|not found)/],
  ['FieldNotFound', /unknown field|non-exist(ent)? field|field not found|field\b.*\b(does not exist|doesn't exist|not found)/],
  ['IndexExists', /index already exist|already exists for field|at most one distinct index|multiple indexes on same field|index name is already used/],
  ['CollectionLoaded', /loaded collection|collection is loaded|collection already loaded|release (it|the collection) first|call release/],
  ['IndexNotFound', /index not found|no index (on|to drop)|index\b.*\b(does not exist|doesn't exist|not exist)/],
  // Lite 3.2: "field type JSON does not support scalar index", and for AUTOINDEX "field 'meta' has type
  // JSON; create_index with index_type 'AUTOINDEX' requires a vector field"; Milvus 2.3.5 (1100): "create
  // index on JSON field is not supported: invalid parameter[...]".
  ['JsonIndexUnsupported', /field type json does not support scalar index|has type json; create_index with index_type '\w+' requires a vector field|create index on json field is not supported/],
  ['RateLimited', /rate limit|too many (concurrent )?requests|quota exceeded|memory limit exceeded|disk limit exceeded/],
  [
    'InvalidParameter',
    /invalid index type|unknown (scalar )?index_type|index type not supported|reserved for a future phase|metric_type must be|invalid metric|metric type not found|not supported metric|only \w+ is the supported metric|only [\w.]+ ?=? ?[\w.]+ is supported|only metric type can be passed|invalid parameter|invalid index param|missing required|out of range|must be (in|between|one of)|param .* is invalid|is not implemented; supported|requires a vector field|does not support scalar index|auto index on .* is not supported|is not configable index param|index name is (empty|invalid)|invalid index name|illegal/,
  ],
  ['Unimplemented', /service unimplemented|unimplemented|not implemented/],
  ['Unavailable', /service not ready|not ready|unavailable|timed? ?out|deadline/],
];

/** Names of the legacy error_code enum (as decoded by the SDK) with a clear meaning. */
const LEGACY_NAMES = new Map<string, MilvusFailure>([
  ['CollectionNotExists', 'CollectionNotFound'],
  ['CollectionNameNotFound', 'CollectionNotFound'],
  ['IndexNotExist', 'IndexNotFound'],
  ['IllegalArgument', 'InvalidParameter'],
  ['IllegalMetricType', 'InvalidParameter'],
  ['IllegalDimension', 'InvalidParameter'],
  ['IllegalIndexType', 'InvalidParameter'],
  ['RateLimit', 'RateLimited'],
  ['ForceDeny', 'RateLimited'],
  ['NotReadyServe', 'Unavailable'],
  ['NotReadyCoordActivating', 'Unavailable'],
  ['PermissionDenied', 'AuthFailed'],
  ['NotShardLeader', 'Unavailable'],
  ['NoReplicaAvailable', 'Unavailable'],
  ['DiskQuotaExhausted', 'RateLimited'],
  ['MemoryQuotaExhausted', 'RateLimited'],
]);

/**
 * The failure a non-ok status describes. Precedence: definite codes → the input codes 1100–1102
 * (InvalidParameter unless the text names a missing field/collection/database, an existing index
 * or a loaded collection) → reason text → legacy error_code name → `retriable`/code 1 →
 * Unknown. Lite's generic codes (1, 6, 35) and Milvus 65535 therefore fall through to the text.
 */
export function failureOfStatus(status: MilvusStatus): MilvusFailure {
  const code = typeof status.code === 'number' ? status.code : undefined;
  const text = `${status.reason ?? ''} ${status.detail ?? ''}`.toLowerCase();
  const byText = (): MilvusFailure | undefined => TEXT_RULES.find(([, re]) => re.test(text))?.[0];

  if (code !== undefined) {
    const definite = DEFINITE_CODES.get(code);
    if (definite) return definite;
    if (INPUT_CODES.has(code)) {
      const t = byText();
      const overrides: MilvusFailure[] = ['FieldNotFound', 'CollectionNotFound', 'DatabaseNotFound', 'IndexExists', 'CollectionLoaded', 'JsonIndexUnsupported'];
      return t && overrides.includes(t) ? t : 'InvalidParameter';
    }
  }
  const t = byText();
  if (t) return t;
  if (typeof status.error_code === 'string') {
    const legacy = LEGACY_NAMES.get(status.error_code);
    if (legacy) return legacy;
  }
  // Milvus code 1 = service not ready; Lite uses 1 for unexpected errors. Both retryable.
  if (status.retriable === true || code === 1) return 'Unavailable';
  return 'Unknown';
}

/**
 * Turns a non-ok server status into a MilvusError. Call only when !isOk(status).
 * The message is `cannot <action>: <cause>` with secrets redacted.
 */
export function classifyStatus(status: MilvusStatus, ctx: ClassifyContext): ClassifiedMilvusError {
  const failure = failureOfStatus(status);
  const reason = (status.reason ?? '').trim() || describeCodes(status);
  return new ClassifiedMilvusError(failure, ctx.method, message(failure, ctx, reason), {
    code: typeof status.code === 'number' && status.code !== 0 ? status.code : legacyNumber(status),
    cause: { status },
  });
}

function describeCodes(status: MilvusStatus): string {
  return `server returned error_code ${String(status.error_code ?? '?')}, code ${String(status.code ?? '?')}`;
}

function legacyNumber(status: MilvusStatus): number | undefined {
  return typeof status.error_code === 'number' ? status.error_code : undefined;
}

// ---- thrown errors ---------------------------------------------------------------------------

/** gRPC status codes (@grpc/grpc-js `status`). */
const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const GRPC_FAILURE = new Map<number, MilvusFailure>([
  [GRPC.CANCELLED, 'Unavailable'],
  [GRPC.DEADLINE_EXCEEDED, 'Unavailable'],
  [GRPC.UNAVAILABLE, 'Unavailable'],
  [GRPC.ABORTED, 'Unavailable'],
  [GRPC.INTERNAL, 'Unavailable'],
  [GRPC.RESOURCE_EXHAUSTED, 'RateLimited'],
  [GRPC.PERMISSION_DENIED, 'AuthFailed'],
  [GRPC.UNAUTHENTICATED, 'AuthFailed'],
  [GRPC.UNIMPLEMENTED, 'Unimplemented'],
]);

const NETWORK_ERRNO = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/;

/**
 * Classifies anything thrown by an SDK call: gRPC errors (numeric `code`), Node network errors,
 * SDK client-side validation (`The \`collection_name\` property is missing.`), or an already
 * classified MilvusError (returned as is).
 */
export function classifyThrown(err: unknown, ctx: ClassifyContext): MilvusError {
  if (err instanceof MilvusError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  const raw = typeof e.message === 'string' ? e.message : typeof err === 'string' ? err : String(err);
  const grpcCode = typeof e.code === 'number' ? e.code : undefined;

  let failure: MilvusFailure;
  if (grpcCode !== undefined && GRPC_FAILURE.has(grpcCode)) {
    failure = GRPC_FAILURE.get(grpcCode) ?? 'Unknown';
  } else if (typeof e.code === 'string' && NETWORK_ERRNO.test(e.code)) {
    failure = 'Unavailable';
  } else if (NETWORK_ERRNO.test(raw)) {
    failure = 'Unavailable';
  } else if (grpcCode === undefined && /property is missing/i.test(raw)) {
    // SDK client-side validation: the request as built can never be sent.
    failure = 'InvalidParameter';
  } else {
    failure = 'Unknown';
  }
  return new ClassifiedMilvusError(failure, ctx.method, message(failure, ctx, raw), {
    ...(grpcCode !== undefined ? { code: grpcCode } : {}),
    cause: err,
  });
}

// ---- messages --------------------------------------------------------------------------------

/** TLS failures as Node's TLS stack words them (untrusted or mismatched certificate, TLS against plaintext). */
const TLS_FAILURE = /certificate|self[- ]signed|wrong version number|ssl routines|tls handshake|altnames/i;
/** Node's advice about system CAs names a Node flag the operator's users cannot act on. */
const NODE_CA_ADVICE = /;? ?if the root CA is installed locally, try running Node\.js with --use-system-ca\.?/gi;

/** `text` without Node's --use-system-ca advice. What to fix in a connection is said by tls-hint.ts. */
export function withoutNodeAdvice(text: string): string {
  return text.replace(NODE_CA_ADVICE, '');
}

function message(failure: MilvusFailure, ctx: ClassifyContext, cause: string): string {
  const clean = withoutNodeAdvice(redact(cause.trim(), ctx.secrets));
  const prefix =
    failure === 'AuthFailed'
      ? 'authentication failed (check the connection credentials): '
      : failure === 'Unimplemented'
        ? 'the server does not implement this call: '
        : TLS_FAILURE.test(clean)
          ? 'TLS failed: '
          : '';
  return `cannot ${ctx.action}: ${prefix}${clean}`;
}

/**
 * Removes secrets and the userinfo of any `scheme://userinfo@host` (up to the last `@` before a
 * slash or space, so passwords containing `@` go whole) from text meant for logs, events and status.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/(\/\/)[^\s/]*@/g, '$1***@');
  for (const s of secrets) {
    if (s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}
