// A gRPC (HTTP/2) proxy in front of Milvus Lite that terminates TLS and checks the Milvus
// `authorization` metadata (base64 of a token or of user:password), since Milvus Lite has neither
// TLS nor authentication. It forwards every accepted call unchanged to the upstream over h2c and
// answers a rejected one with gRPC status 16 (UNAUTHENTICATED), as a real Milvus with auth does.
import http2, { type ClientHttp2Session, type Http2Server, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface AuthProxyOptions {
  /** "host:port" of the plain-text upstream (Milvus Lite). */
  upstream: string;
  /**
   * Serve TLS with this certificate; plain h2c without. With clientCaPem, mutual TLS: a client
   * certificate signed by that CA is required (the handshake fails without one).
   */
  tls?: { certPem: string; keyPem: string; clientCaPem?: string };
  /** Accepted credentials: tokens, or "user:password" strings. Empty = no auth required. */
  credentials: string[];
}

export interface AuthProxy {
  /** "127.0.0.1:PORT" */
  address: string;
  port: number;
  /** Replace the accepted credentials (a rotation on the server side). */
  setCredentials(credentials: string[]): void;
  /** Calls seen / rejected / the most in flight at once. */
  stats(): { calls: number; rejected: number; maxInFlight: number };
  resetStats(): void;
  /** Authorization header values seen (base64); for asserting nothing else leaks. */
  close(): Promise<void>;
}

export async function startAuthProxy(opts: AuthProxyOptions): Promise<AuthProxy> {
  let accepted = new Set(opts.credentials.map((c) => Buffer.from(c, 'utf8').toString('base64')));
  let calls = 0;
  let rejected = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let upstream: ClientHttp2Session | undefined;
  const session = (): ClientHttp2Session => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${opts.upstream}`);
      upstream.on('error', () => { upstream = undefined; });
    }
    return upstream;
  };

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    calls += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    stream.once('close', () => { inFlight -= 1; });
    stream.on('error', () => {});
    const auth = headers.authorization;
    if (accepted.size > 0 && (typeof auth !== 'string' || !accepted.has(auth))) {
      rejected += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'invalid credentials' }, { endStream: true });
      return;
    }
    const forward: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || (k.startsWith(':') && k !== ':method' && k !== ':path')) continue;
      forward[k] = v;
    }
    let req;
    try {
      req = session().request(forward);
    } catch {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'upstream unavailable' }, { endStream: true });
      return;
    }
    let trailers: Record<string, string | string[]> = {};
    req.on('response', (h) => {
      const out: Record<string, string | string[] | number> = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v as string | string[];
      if (req.endAfterHeaders) stream.respond(out, { endStream: true });
      else stream.respond(out, { waitForTrailers: true });
    });
    req.on('trailers', (t) => {
      trailers = {};
      for (const [k, v] of Object.entries(t)) if (v !== undefined) trailers[k] = v as string | string[];
    });
    stream.on('wantTrailers', () => stream.sendTrailers(Object.keys(trailers).length > 0 ? trailers : { 'grpc-status': '0' }));
    req.on('data', (chunk: Buffer) => { if (!stream.destroyed) stream.write(chunk); });
    req.on('end', () => { if (!stream.destroyed && stream.headersSent) stream.end(); });
    req.on('error', () => { if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR); });
    stream.on('data', (chunk: Buffer) => req.write(chunk));
    stream.on('end', () => req.end());
    stream.once('close', () => { if (!req.destroyed) req.close(); });
  };

  const server: Http2Server | Http2SecureServer = opts.tls
    ? http2.createSecureServer({
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ...(opts.tls.clientCaPem ? { requestCert: true, rejectUnauthorized: true, ca: opts.tls.clientCaPem } : {}),
    })
    : http2.createServer();
  server.on('stream', onStream);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    setCredentials: (c) => { accepted = new Set(c.map((x) => Buffer.from(x, 'utf8').toString('base64'))); },
    stats: () => ({ calls, rejected, maxInFlight }),
    resetStats: () => { calls = 0; rejected = 0; maxInFlight = inFlight; },
    close: () => new Promise<void>((resolve) => {
      upstream?.close();
      server.close(() => resolve());
      for (const s of (server as unknown as { sessions?: Set<{ destroy(): void }> }).sessions ?? []) s.destroy();
      setTimeout(resolve, 1000).unref();
    }),
  };
}
