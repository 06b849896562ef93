// Why a TLS connection failed, when gRPC does not say. With TLS 1.3 a server that refuses the client
// certificate sends its alert after the client considers the handshake done, and grpc-js reports only
// "Failed to connect". One plain TLS handshake with the same material reads the alert itself
// ("tlsv13 alert unknown ca", "alert certificate required", "self-signed certificate ..."), or sees
// the server hang up right after the handshake (some servers refuse a client certificate so, with no
// alert), where a working HTTP/2 server sends its SETTINGS frame at once.
import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';

import { parseMilvusUri } from './uri.js';
import type { ConnectionTarget } from './types.js';

/** How long to wait, after the handshake, for a post-handshake alert or the server's first frame. */
const ALERT_WAIT_MS = 500;

/** The probe's words when the server hangs up after the handshake (tls-hint.ts recognises them). */
export const CLOSED_AFTER_HANDSHAKE = 'the server closed the connection right after the TLS handshake';

/**
 * The TLS error a handshake with the target's CA, server name and client certificate meets, or
 * undefined when the handshake succeeds (or the target does not use TLS). Never throws; bounded by
 * `timeoutMs`.
 */
export function probeTlsHandshake(target: ConnectionTarget, timeoutMs: number): Promise<string | undefined> {
  let options: ConnectionOptions;
  try {
    const { host, port, https } = parseMilvusUri(target.uri);
    if (!https && target.tls?.enabled !== true) return Promise.resolve(undefined);
    const bare = host.replace(/^\[|\]$/g, '');
    const servername = target.tls?.serverName ?? (isIP(bare) ? undefined : bare);
    options = {
      host: bare, port, ALPNProtocols: ['h2'],
      ...(servername ? { servername } : {}),
      ...(target.tls?.caPem ? { ca: target.tls.caPem } : {}),
      ...(target.tls?.clientCertPem && target.tls.clientKeyPem ? { cert: target.tls.clientCertPem, key: target.tls.clientKeyPem } : {}),
    };
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const socket = connect(options);
    let secured = false;
    socket.on('error', (e) => finish(e.message));
    socket.on('secureConnect', () => {
      secured = true;
      socket.resume();
      setTimeout(() => finish(undefined), ALERT_WAIT_MS).unref();
    });
    socket.on('data', () => finish(undefined));
    socket.on('end', () => finish(secured ? CLOSED_AFTER_HANDSHAKE : undefined));
    socket.on('close', () => finish(secured ? CLOSED_AFTER_HANDSHAKE : undefined));
  });
}
