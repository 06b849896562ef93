// tlsFailureHint (src/milvus/tls-hint.ts): OpenSSL's words in a gRPC UNAVAILABLE, turned into what to fix.
import { describe, expect, it } from 'vitest';
import { tlsFailureHint } from '../../src/milvus/tls-hint.js';

const WITH_CERT = { tls: { enabled: true, clientCertPem: 'CERT', clientKeyPem: 'KEY' } };
const WITHOUT = { tls: { enabled: true } };
const unavailable = (openssl: string) => `cannot get the server version: 14 UNAVAILABLE: No connection established. Last error: 40AD21F0527F0000:error:0A00045C:SSL routines:ssl3_read_bytes:${openssl}`;

describe('tlsFailureHint', () => {
  it.each([
    ['no client certificate, the server requires one', unavailable('tlsv13 alert certificate required'), WITHOUT, /requires a client certificate.*spec\.tls\.clientCertSecretRef/],
    ['a client certificate from another CA', unavailable('tlsv13 alert unknown ca'), WITH_CERT, /refused the client certificate from spec\.tls\.clientCertSecretRef/],
    ['the server hung up after the handshake (what the probe reports)', 'Failed to connect (TLS handshake: the server closed the connection right after the TLS handshake)', WITH_CERT, /refused the client certificate/],
    ['a bad client certificate', unavailable('sslv3 alert bad certificate'), WITH_CERT, /refused the client certificate/],
    ['the server certificate from an unknown CA', 'Last error: self-signed certificate in certificate chain', WITHOUT, /spec\.tls\.caSecretRef/],
    ['the server name does not match', "Hostname/IP does not match certificate's altnames", WITH_CERT, /spec\.tls\.serverName/],
  ])('%s', (_name, message, target, want) => {
    expect(tlsFailureHint(message, target)).toMatch(want);
  });

  it.each([
    ['connection refused', '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'],
    ['deadline', '4 DEADLINE_EXCEEDED: Deadline exceeded'],
  ])('no hint for %s', (_name, message) => {
    expect(tlsFailureHint(message, WITH_CERT)).toBeUndefined();
  });
});
