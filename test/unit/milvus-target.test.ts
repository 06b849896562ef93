// src/milvus/target.ts: the SDK configuration built for a ConnectionTarget (address with the port
// filled in, TLS, auth) and the loggable description, which never carries a secret.
import { describe, expect, it } from 'vitest';

import { MilvusError } from '../../src/milvus/errors.js';
import { buildClientConfig, describeTarget } from '../../src/milvus/target.js';
import type { ConnectionTarget } from '../../src/milvus/types.js';

const base: ConnectionTarget = { uri: 'milvus.db.svc:19530', database: 'default', timeoutMs: 30_000 };
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

describe('buildClientConfig', () => {
  const rows: Array<{ name: string; reason: string; given: Partial<ConnectionTarget>; want: Record<string, unknown> }> = [
    { name: 'plain host:port', reason: 'no TLS, no auth', given: {}, want: { address: 'milvus.db.svc:19530', ssl: undefined, tls: undefined, token: undefined, username: undefined } },
    { name: 'https without port', reason: 'port 443 filled in, TLS on with system roots', given: { uri: 'https://in03-x.cloud.zilliz.com' }, want: { address: 'in03-x.cloud.zilliz.com:443', ssl: true, tls: undefined } },
    { name: 'http without port', reason: 'port 19530 filled in', given: { uri: 'http://milvus' }, want: { address: 'milvus:19530', ssl: undefined } },
    { name: 'tls.enabled on a host:port', reason: 'TLS without https://', given: { tls: { enabled: true } }, want: { ssl: true } },
    { name: 'custom CA and server name', reason: 'one-way TLS with the CA as the only root', given: { tls: { enabled: true, caPem: CA, serverName: 'milvus.example.com' } }, want: { ssl: undefined, tls: { rootCert: Buffer.from(CA, 'utf8'), serverName: 'milvus.example.com' } } },
    { name: 'token wins over username/password', reason: 'as in the SDK', given: { token: 'tok', username: 'root', password: 'pw' }, want: { token: 'tok', username: undefined, password: undefined } },
    { name: 'username + password', reason: 'both needed', given: { username: 'root', password: 'pw' }, want: { username: 'root', password: 'pw', token: undefined } },
    { name: 'empty database', reason: 'the default database', given: { database: '' }, want: { database: 'default' } },
    { name: 'fixed SDK settings', reason: 'telemetry off, no Connect at construction, the connection timeout', given: {}, want: { telemetry: { enabled: false }, __SKIP_CONNECT__: true, isGlobal: false, timeout: 30_000, logLevel: 'warn' } },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    const config = buildClientConfig({ ...base, ...given }) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(want)) expect(config[key], `${reason}: ${key}`).toEqual(value);
  });

  it('refuses a uri with userinfo (InvalidSpec), without showing it', () => {
    let caught: unknown;
    try {
      buildClientConfig({ ...base, uri: 'http://root:S3cret-pw@milvus:19530' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MilvusError);
    expect((caught as MilvusError).kind).toBe('InvalidSpec');
    expect((caught as MilvusError).message).not.toContain('S3cret-pw');
    expect((caught as MilvusError).message).toContain('"http://milvus:19530"');
  });
});

describe('describeTarget', () => {
  const rows: Array<{ name: string; given: Partial<ConnectionTarget>; want: string }> = [
    { name: 'defaults filled in', given: { uri: 'milvus' }, want: 'http://milvus:19530 database=default auth=none tls=off timeout=30000ms' },
    { name: 'https, token, limit', given: { uri: 'https://h.example.com', token: 'root:tok-secret', maxConcurrentRequests: 4 }, want: 'https://h.example.com:443 database=default auth=token tls=on timeout=30000ms maxConcurrentRequests=4' },
    { name: 'user auth names the user only', given: { username: 'alice', password: 'pw-secret', database: 'db1' }, want: 'http://milvus.db.svc:19530 database=db1 auth=user:alice tls=off timeout=30000ms' },
    { name: 'custom CA is mentioned, not shown', given: { tls: { enabled: true, caPem: CA, serverName: 'm.example.com' } }, want: 'http://milvus.db.svc:19530 database=default auth=none tls=on (custom ca) serverName=m.example.com timeout=30000ms' },
    { name: 'userinfo in the uri: invalid, shown without it', given: { uri: 'http://bob:pw-secret@milvus:1' }, want: 'invalid uri "http://milvus:1" database=default auth=none tls=off timeout=30000ms' },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    const d = describeTarget({ ...base, ...given });
    expect(d).toBe(want);
    expect(d).not.toMatch(/secret|BEGIN CERTIFICATE/);
  });
});
