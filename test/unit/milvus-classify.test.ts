import { describe, expect, it } from 'vitest';

import {
  ClassifiedMilvusError,
  classifyStatus,
  classifyThrown,
  failureOf,
  isAuthFailure,
  redact,
  type MilvusFailure,
} from '../../src/milvus/classify.js';
import { MilvusError, type ErrorKind } from '../../src/milvus/errors.js';
import { isOk, isUnsupportedResponse, statusOf, type MilvusStatus } from '../../src/milvus/status.js';

const ctx = { method: 'createIndex', action: 'create index "vec" on field "vec" of collection default/books' };

/** A status as the SDK decodes it; `s(error_code, code, reason)`. */
function s(error_code: string | number, code: number | undefined, reason: string, extra: Partial<MilvusStatus> = {}): MilvusStatus {
  return { extra_info: {}, error_code, reason, ...(code === undefined ? {} : { code }), retriable: false, detail: '', ...extra };
}

describe('isOk', () => {
  it.each([
    { name: 'Success/0', given: s('Success', 0, ''), want: true },
    { name: 'numeric 0 error_code, code 0', given: s(0, 0, ''), want: true },
    { name: 'old server without code', given: s('Success', undefined, ''), want: true },
    { name: '[milvus-lite] code 1 only: error_code decodes as Success', given: s('Success', 1, "unknown index_type: 'BOGUS'"), want: false },
    { name: 'legacy failure with code 0 (old server)', given: s('UnexpectedError', 0, 'boom'), want: false },
    { name: '[milvus] collection not found', given: s('CollectionNotExists', 100, 'collection not found[database=default][collection=x]'), want: false },
    { name: 'empty object (UNIMPLEMENTED)', given: {} as MilvusStatus, want: false },
    { name: 'undefined', given: undefined, want: false },
  ])('$name', ({ given, want }) => {
    expect(isOk(given)).toBe(want);
  });
});

describe('isUnsupportedResponse / statusOf', () => {
  it.each([
    { name: '[milvus-lite] alterIndexProperties answers {}', given: {}, want: true },
    { name: 'undefined', given: undefined, want: true },
    { name: 'bare status (createIndex)', given: s('Success', 0, ''), want: false },
    { name: 'payload response with status (describeIndex)', given: { status: s('Success', 0, ''), index_descriptions: [] }, want: false },
    { name: 'payload with only non-status fields', given: { index_descriptions: [] }, want: true },
  ])('$name', ({ given, want }) => {
    expect(isUnsupportedResponse(given)).toBe(want);
    expect(statusOf(given) === undefined).toBe(want);
  });
});

describe('classifyStatus', () => {
  const rows: Array<{ name: string; given: MilvusStatus; want: { kind: ErrorKind; failure: MilvusFailure } }> = [
    // Milvus (merr codes, milvus.md §2.1)
    { name: '[milvus] 100 collection not found', given: s('CollectionNotExists', 100, 'collection not found[database=default][collection=books]'), want: { kind: 'DependencyMissing', failure: 'CollectionNotFound' } },
    { name: '[milvus] 800 database not found', given: s('UnexpectedError', 800, 'database not found[database=nodb]'), want: { kind: 'DependencyMissing', failure: 'DatabaseNotFound' } },
    { name: '[milvus] 1700 field not found', given: s('UnexpectedError', 1700, 'field not found[field=nofield]'), want: { kind: 'DependencyMissing', failure: 'FieldNotFound' } },
    { name: '[milvus] 65535 create on non-exist field', given: s('UnexpectedError', 65535, 'cannot create index on non-exist field: nofield'), want: { kind: 'DependencyMissing', failure: 'FieldNotFound' } },
    { name: '[milvus] 1100 create on non-exist field (newer code)', given: s('IllegalArgument', 1100, 'cannot create index on non-exist field: nofield: invalid parameter'), want: { kind: 'DependencyMissing', failure: 'FieldNotFound' } },
    { name: '[milvus] 1100 invalid index type', given: s('IllegalArgument', 1100, 'invalid index type: BOGUS: invalid parameter'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 1100 invalid parameter (checkTrain)', given: s('IllegalArgument', 1100, 'invalid parameter[expected=valid index params][actual=invalid index params]'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 1101 missing parameter', given: s('IllegalArgument', 1101, 'missing parameter[M]'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 1100 under 2.3-era mapping (UnexpectedError)', given: s('UnexpectedError', 1100, 'invalid parameter[expected=metric type][actual=HAMMING]'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[lite] a param value it does not implement (sparse drop_ratio_build)', given: s('UnexpectedError', 65535, 'only drop_ratio_build=0 is supported'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 701 index type not supported (DISKANN)', given: s('UnexpectedError', 701, 'index type not supported[DISKANN]'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 65535 only metric type with AUTOINDEX', given: s('UnexpectedError', 65535, 'only metric type can be passed when use AutoIndex'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 65535 same name, different params', given: s('UnexpectedError', 65535, 'CreateIndex failed: at most one distinct index is allowed per field'), want: { kind: 'Transient', failure: 'IndexExists' } },
    { name: '[milvus] 1100 same-name conflict (2026 master wording)', given: s('IllegalArgument', 1100, 'index name is already used by another index in this collection'), want: { kind: 'Transient', failure: 'IndexExists' } },
    { name: '[milvus] 65535 multiple indexes on one field', given: s('UnexpectedError', 65535, 'CreateIndex failed: creating multiple indexes on same field is not supported'), want: { kind: 'Transient', failure: 'IndexExists' } },
    { name: '[milvus] 65535 drop on loaded collection', given: s('UnexpectedError', 65535, 'index cannot be dropped, collection is loaded, please release it first'), want: { kind: 'Transient', failure: 'CollectionLoaded' } },
    { name: '[milvus] 1100 vector index drop on loaded collection (2.6)', given: s('IllegalArgument', 1100, 'vector index cannot be dropped on loaded collection: 4463: invalid parameter'), want: { kind: 'Transient', failure: 'CollectionLoaded' } },
    { name: '[milvus] 104 alter on loaded collection', given: s('UnexpectedError', 104, "can't alter index on loaded collection, please release the collection first"), want: { kind: 'Transient', failure: 'CollectionLoaded' } },
    { name: '[milvus] 700 index not found', given: s('IndexNotExist', 700, 'index not found[indexName=vec]'), want: { kind: 'DependencyMissing', failure: 'IndexNotFound' } },
    { name: '[milvus] 1100 not configable index param', given: s('IllegalArgument', 1100, 'M is not configable index param'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus] 8 rate limit', given: s('RateLimit', 8, 'rate limit exceeded[rate=0.1]', { retriable: true }), want: { kind: 'Transient', failure: 'RateLimited' } },
    { name: '[milvus] 1 service not ready', given: s('NotReadyServe', 1, 'service not ready[standby]', { retriable: true }), want: { kind: 'Transient', failure: 'Unavailable' } },
    { name: '[milvus] 2 service unavailable', given: s('UnexpectedError', 2, 'service unavailable', { retriable: true }), want: { kind: 'Transient', failure: 'Unavailable' } },
    { name: '[milvus] 10 service unimplemented', given: s('UnexpectedError', 10, 'service unimplemented'), want: { kind: 'Unsupported', failure: 'Unimplemented' } },
    { name: '[milvus] 1401 privilege not permitted', given: s('UnexpectedError', 1401, 'privilege not permitted[PrivilegeCreateIndex]'), want: { kind: 'Transient', failure: 'AuthFailed' } },
    { name: '[milvus] 1400 not authenticated', given: s('UnexpectedError', 1400, 'not authenticated'), want: { kind: 'Transient', failure: 'AuthFailed' } },
    { name: '[milvus] retriable unknown', given: s('UnexpectedError', 65535, 'something odd happened', { retriable: true }), want: { kind: 'Transient', failure: 'Unavailable' } },
    { name: '[milvus] unknown 65535', given: s('UnexpectedError', 65535, 'something odd happened'), want: { kind: 'Transient', failure: 'Unknown' } },
    { name: 'old server: legacy name only', given: s('CollectionNotExists', undefined, "can't find collection: books"), want: { kind: 'DependencyMissing', failure: 'CollectionNotFound' } },
    // Milvus Lite 3.x (milvus.md §3.3 and probes of 3.2.2)
    { name: '[milvus-lite] 100 collection does not exist', given: s('CollectionNotExists', 100, "collection 'nope' does not exist"), want: { kind: 'DependencyMissing', failure: 'CollectionNotFound' } },
    { name: '[milvus-lite] 6 database does not exist', given: s(6, 6, "database 'no_such_db' does not exist"), want: { kind: 'DependencyMissing', failure: 'DatabaseNotFound' } },
    { name: '[milvus-lite] 6 unknown field', given: s(6, 6, "unknown field 'nofield' for create_index"), want: { kind: 'DependencyMissing', failure: 'FieldNotFound' } },
    { name: '[milvus-lite] 1 unknown index_type', given: s('Success', 1, "unknown index_type: 'BOGUS'"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 1 reserved for a future phase', given: s('Success', 1, "index_type='IVF_PQ' is reserved for a future phase; use HNSW"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 1 metric_type must be', given: s('Success', 1, "metric_type must be one of COSINE/L2/IP/BM25/NONE, got 'HAMMING'"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 6 unknown scalar index_type', given: s(6, 6, "unknown scalar index_type 'BOGUS'; supported scalar index_type: INVERTED"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 6 scalar type not implemented', given: s(6, 6, "scalar index_type 'STL_SORT' is not implemented; supported: INVERTED"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 6 vector type on scalar field', given: s(6, 6, "field 'title' has type VARCHAR; create_index with index_type 'HNSW' requires a vector field"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 6 missing metric_type', given: s(6, 6, "create_index missing required 'metric_type' parameter"), want: { kind: 'InvalidSpec', failure: 'InvalidParameter' } },
    { name: '[milvus-lite] 6 JSON field scalar index', given: s(6, 6, 'field type JSON does not support scalar index'), want: { kind: 'Unsupported', failure: 'JsonIndexUnsupported' } },
    { name: '[milvus-lite] 6 AUTOINDEX on a JSON field', given: s(6, 6, "field 'meta' has type JSON; create_index with index_type 'AUTOINDEX' requires a vector field"), want: { kind: 'Unsupported', failure: 'JsonIndexUnsupported' } },
    { name: '[milvus 2.3.5] 1100 index on a JSON field', given: s('IllegalArgument', 1100, 'create index on JSON field is not supported: invalid parameter[expected=supported field][actual=create index on JSON field]'), want: { kind: 'Unsupported', failure: 'JsonIndexUnsupported' } },
    { name: '[milvus-lite] 35 index already exists', given: s('CreateRoleFailure', 35, "index already exists for field 'vec'; call drop_index first"), want: { kind: 'Transient', failure: 'IndexExists' } },
    { name: '[milvus-lite] 6 drop on loaded collection', given: s(6, 6, 'index cannot be dropped on loaded collection; call release() first'), want: { kind: 'Transient', failure: 'CollectionLoaded' } },
    { name: '[milvus-lite] 700 no index on collection', given: s('IllegalRowRecord', 700, "no index on collection 'books'"), want: { kind: 'DependencyMissing', failure: 'IndexNotFound' } },
    { name: '[milvus-lite] 700 no index to drop', given: s('IllegalRowRecord', 700, 'no index to drop'), want: { kind: 'DependencyMissing', failure: 'IndexNotFound' } },
    { name: '[milvus-lite] 1 unexpected python exception', given: s('Success', 1, "'NoneType' object has no attribute 'x'"), want: { kind: 'Transient', failure: 'Unavailable' } },
    { name: '[milvus-lite] 6 unknown argument error', given: s(6, 6, 'something else'), want: { kind: 'Transient', failure: 'Unknown' } },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    const err = classifyStatus(given, ctx);
    expect(err).toBeInstanceOf(MilvusError);
    expect({ kind: err.kind, failure: err.failure }).toEqual(want);
    expect(err.method).toBe('createIndex');
    expect(err.message.startsWith(`cannot ${ctx.action}: `)).toBe(true);
  });

  it('carries the code and the reason', () => {
    const err = classifyStatus(s('CollectionNotExists', 100, "collection 'nope' does not exist"), ctx);
    expect(err.code).toBe(100);
    expect(err.message).toBe(`cannot ${ctx.action}: collection 'nope' does not exist`);
  });

  it('describes a status without a reason by its codes', () => {
    const err = classifyStatus(s('UnexpectedError', 65535, ''), ctx);
    expect(err.message).toContain('error_code UnexpectedError, code 65535');
  });

  it('names auth failures distinctly', () => {
    const err = classifyStatus(s('UnexpectedError', 1400, 'not authenticated'), ctx);
    expect(isAuthFailure(err)).toBe(true);
    expect(err.message).toContain('authentication failed');
    expect(isAuthFailure(classifyStatus(s('UnexpectedError', 2, 'service unavailable'), ctx))).toBe(false);
  });

  it('flags an existing index', () => {
    expect(failureOf(classifyStatus(s('CreateRoleFailure', 35, "index already exists for field 'vec'; call drop_index first"), ctx))).toBe('IndexExists');
  });
});

describe('classifyThrown', () => {
  const grpc = (code: number, details: string) => Object.assign(new Error(`${code} X: ${details}`), { code, details, metadata: {} });
  it.each([
    { name: '[grpc] 14 UNAVAILABLE connection refused (SDK after retries)', given: grpc(14, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note:  (retried 3 times, 171ms)'), want: { kind: 'Transient', failure: 'Unavailable', code: 14 } },
    { name: '[grpc] 4 DEADLINE_EXCEEDED', given: grpc(4, 'Deadline exceeded after 5.001s'), want: { kind: 'Transient', failure: 'Unavailable', code: 4 } },
    { name: '[grpc] 1 CANCELLED', given: grpc(1, 'Cancelled on client'), want: { kind: 'Transient', failure: 'Unavailable', code: 1 } },
    { name: '[grpc] 8 RESOURCE_EXHAUSTED', given: grpc(8, 'Received message larger than max'), want: { kind: 'Transient', failure: 'RateLimited', code: 8 } },
    { name: '[grpc] 16 UNAUTHENTICATED', given: grpc(16, 'auth check failure, please check username and password are correct'), want: { kind: 'Transient', failure: 'AuthFailed', code: 16 } },
    { name: '[grpc] 7 PERMISSION_DENIED', given: grpc(7, 'PrivilegeCreateIndex: permission deny to user'), want: { kind: 'Transient', failure: 'AuthFailed', code: 7 } },
    { name: '[grpc] 12 UNIMPLEMENTED', given: grpc(12, 'unknown service'), want: { kind: 'Unsupported', failure: 'Unimplemented', code: 12 } },
    { name: '[grpc] 2 UNKNOWN', given: grpc(2, 'weird'), want: { kind: 'Transient', failure: 'Unknown', code: 2 } },
    { name: '[node] ECONNREFUSED system error', given: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19530'), { code: 'ECONNREFUSED' }), want: { kind: 'Transient', failure: 'Unavailable', code: undefined } },
    { name: '[sdk] client-side validation', given: new Error('The `collection_name` property is missing.'), want: { kind: 'InvalidSpec', failure: 'InvalidParameter', code: undefined } },
    { name: '[sdk] TypeError from a missing status', given: new TypeError("Cannot read properties of undefined (reading 'error_code')"), want: { kind: 'Transient', failure: 'Unknown', code: undefined } },
    { name: 'a thrown string', given: 'boom', want: { kind: 'Transient', failure: 'Unknown', code: undefined } },
  ])('$name', ({ given, want }) => {
    const err = classifyThrown(given, ctx);
    expect({ kind: err.kind, failure: failureOf(err), code: err.code }).toEqual(want);
    expect(err.cause).toBe(given);
    expect(err.message.startsWith(`cannot ${ctx.action}: `)).toBe(true);
  });

  it('returns an already classified error unchanged', () => {
    const original = new ClassifiedMilvusError('FieldNotFound', 'createIndex', 'cannot x: y');
    expect(classifyThrown(original, ctx)).toBe(original);
  });

  it.each([
    { name: 'an untrusted server certificate (real Milvus 2.3 with another CA)', details: 'No connection established. Last error: Error: unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca. Resolution note:  (retried 3 times, 1436ms)' },
    { name: 'TLS against a plaintext port', details: 'No connection established. Last error: Error: 409D881AE27F0000:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number' },
    { name: 'a serverName the certificate does not hold', details: "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames" },
  ])('says what to check in spec.tls for $name, without Node-only advice', ({ details }) => {
    const err = classifyThrown(grpc(14, details), ctx);
    expect(err.kind).toBe('Transient');
    expect(err.message).toContain('TLS failed: ');
    expect(err.message).not.toContain('--use-system-ca');
  });

  it('adds no TLS advice to other network failures', () => {
    expect(classifyThrown(grpc(14, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1'), ctx).message).not.toContain('TLS');
  });

  it('never puts secrets into the message', () => {
    const err = classifyThrown(grpc(16, 'bad token s3cr3t-token for http://root:Milvus@host:19530'), { ...ctx, secrets: ['s3cr3t-token', 'Milvus'] });
    expect(err.message).not.toContain('s3cr3t-token');
    expect(err.message).not.toContain('root:Milvus');
    expect(err.message).toContain('authentication failed');
  });
});

describe('redact', () => {
  it.each([
    { name: 'userinfo in a uri', given: { text: 'dial http://user:pw@h:19530 failed', secrets: [] }, want: 'dial http://***@h:19530 failed' },
    { name: 'token-only userinfo', given: { text: 'dial https://sk-abc123@h failed', secrets: [] }, want: 'dial https://***@h failed' },
    { name: 'password containing @', given: { text: 'dial http://root:p@ss@h:19530/x failed', secrets: [] }, want: 'dial http://***@h:19530/x failed' },
    { name: 'an @ after the authority is not userinfo', given: { text: 'http://h:19530 failed, ask ops@example.com', secrets: [] }, want: 'http://h:19530 failed, ask ops@example.com' },
    { name: 'listed secrets', given: { text: 'token abcdef rejected', secrets: ['abcdef'] }, want: 'token *** rejected' },
    { name: 'very short secrets are ignored (would mangle text)', given: { text: 'a b c', secrets: ['a'] }, want: 'a b c' },
  ])('$name', ({ given, want }) => {
    expect(redact(given.text, given.secrets)).toBe(want);
  });
});

describe('TLS failures are named, and what to fix is left to the connection (tls-hint.ts)', () => {
  it('an alert about the client certificate is a TLS failure with no advice about the CA', () => {
    const err = classifyThrown(new Error('14 UNAVAILABLE: No connection established. Last error: 40AD21F0527F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 116'), { method: 'serverVersion', action: 'get the server version' });
    expect(err.message).toContain('TLS failed: ');
    expect(err.message).not.toMatch(/caSecretRef|CA Secret/);
  });
});
