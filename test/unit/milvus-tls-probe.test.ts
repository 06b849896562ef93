// probeTlsHandshake (src/milvus/tls-probe.ts) against a real HTTP/2 TLS server on loopback that
// requires a client certificate from its own CA: it names what a refused handshake met, and says
// nothing when the handshake works.
import http2, { type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTlsHandshake, CLOSED_AFTER_HANDSHAKE } from '../../src/milvus/tls-probe.js';
import type { ConnectionTarget } from '../../src/milvus/types.js';
import { issueClientCertificate, issueServerCertificate, type ClientCertificate, type TestCertificates } from '../support/certs.js';

describe('probeTlsHandshake [loopback TLS server]', () => {
  let server: TestCertificates;
  let good: ClientCertificate;
  let stranger: ClientCertificate;
  let srv: Http2SecureServer;
  let port: number;
  const target = (client?: ClientCertificate, caPem = server.caPem): ConnectionTarget => ({
    uri: `127.0.0.1:${port}`, database: 'default', timeoutMs: 1000,
    tls: { enabled: true, caPem, serverName: 'probe.local', ...(client ? { clientCertPem: client.certPem, clientKeyPem: client.keyPem } : {}) },
  });

  beforeAll(async () => {
    server = await issueServerCertificate('probe.local');
    const clientCa = await issueServerCertificate('client-ca.local');
    good = await issueClientCertificate(clientCa, 'operator');
    stranger = await issueClientCertificate(await issueServerCertificate('other.local'), 'operator');
    srv = http2.createSecureServer({ cert: server.certPem, key: server.keyPem, requestCert: true, rejectUnauthorized: true, ca: clientCa.caPem });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  }, 30_000);
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  it('a client certificate the server trusts: no finding', async () => {
    expect(await probeTlsHandshake(target(good), 3000)).toBeUndefined();
  });
  it('no client certificate: the server\'s alert', async () => {
    expect(await probeTlsHandshake(target(), 3000)).toMatch(/alert certificate required/);
  });
  it('a client certificate from another CA: the server hangs up after the handshake', async () => {
    expect(await probeTlsHandshake(target(stranger), 3000)).toBe(CLOSED_AFTER_HANDSHAKE);
  });
  it('a server certificate from another CA: the verification error', async () => {
    const other = await issueServerCertificate('probe.local');
    expect(await probeTlsHandshake(target(good, other.caPem), 3000)).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });
  it('plain (no TLS) targets are not probed', async () => {
    expect(await probeTlsHandshake({ uri: `127.0.0.1:${port}`, database: 'default', timeoutMs: 1000 }, 3000)).toBeUndefined();
  });
});
