// A ConnectionTarget as the SDK configuration (buildClientConfig) and as a loggable line
// (describeTarget). The SDK is always built with telemetry off and __SKIP_CONNECT__ (the
// constructor's Connect promise would otherwise crash the process when the server is down, and a
// rejected Connect poisons getVersion for the client's lifetime), milvus.md §1.

import type { ClientConfig } from '@zilliz/milvus2-sdk-node';

import { displayUri, parseMilvusUri } from './uri.js';
import type { ConnectionTarget } from './types.js';

export function nonEmpty(s: string | undefined): s is string {
  return typeof s === 'string' && s.length > 0;
}

/**
 * A loggable one-line description of a target: endpoint (defaults filled in), database, kind of
 * auth, TLS and limits. Never contains the token, the password, the CA, or userinfo of the uri.
 */
export function describeTarget(target: ConnectionTarget): string {
  let where: string;
  let https = false;
  try {
    const p = parseMilvusUri(target.uri);
    where = `${p.scheme}://${p.address}`;
    https = p.https;
  } catch {
    where = `invalid uri "${displayUri(target.uri)}"`;
  }
  const tlsOn = https || target.tls?.enabled === true;
  const tls = tlsOn
    ? `tls=on${target.tls?.caPem ? ' (custom ca)' : ''}${hasClientCert(target) ? ' (client cert)' : ''}${target.tls?.serverName ? ` serverName=${target.tls.serverName}` : ''}`
    : 'tls=off';
  const auth = nonEmpty(target.token)
    ? 'auth=token'
    : nonEmpty(target.username) && nonEmpty(target.password)
      ? `auth=user:${target.username}`
      : 'auth=none';
  const limit = target.maxConcurrentRequests && target.maxConcurrentRequests > 0 ? ` maxConcurrentRequests=${target.maxConcurrentRequests}` : '';
  return `${where} database=${target.database || 'default'} ${auth} ${tls} timeout=${target.timeoutMs}ms${limit}`;
}

function hasClientCert(target: ConnectionTarget): boolean {
  return nonEmpty(target.tls?.clientCertPem) && nonEmpty(target.tls?.clientKeyPem);
}

/**
 * gRPC channel options of every Milvus client. The SDK pings every channel every 10 s even with no call in flight. A
 * controller's connection is idle between resyncs (minutes), and servers on gRPC's default enforcement (Milvus Lite,
 * gRPC proxies) answer such pings with GOAWAY "too_many_pings": the connection is torn down and grpc-js writes a
 * plain-text line to stderr, outside the JSON log. Pings only while calls are in flight; a dead idle connection is
 * found by the next call's deadline instead.
 */
export const QUIET_WHEN_IDLE = { 'grpc.keepalive_permit_without_calls': 0 } as const;

/**
 * The SDK configuration for a target. Throws MilvusError(InvalidSpec) for an unusable uri
 * (including one with userinfo). Token wins over username/password (as in the SDK); TLS is on for
 * https:// or tls.enabled, with caPem as the only root (one-way TLS) and serverName as the TLS
 * name override. A client certificate and key turn on mutual TLS: the SDK's TWO_WAY mode, chosen by
 * tls.privateKey (with certChain, and rootCert or the system roots).
 */
export function buildClientConfig(target: ConnectionTarget, sdkLogLevel = 'warn'): ClientConfig {
  const { address, https } = parseMilvusUri(target.uri);
  const config: ClientConfig = {
    address,
    database: target.database || 'default',
    timeout: target.timeoutMs,
    telemetry: { enabled: false },
    __SKIP_CONNECT__: true,
    // A Zilliz global-cluster endpoint needs the skipped Connect; the operator does not support it.
    isGlobal: false,
    logLevel: sdkLogLevel,
    channelOptions: { ...QUIET_WHEN_IDLE },
  };
  if (nonEmpty(target.token)) config.token = target.token;
  else if (nonEmpty(target.username) && nonEmpty(target.password)) {
    config.username = target.username;
    config.password = target.password;
  }
  if (https || target.tls?.enabled === true) {
    const tls: NonNullable<ClientConfig['tls']> = {};
    if (nonEmpty(target.tls?.caPem)) tls.rootCert = Buffer.from(target.tls.caPem, 'utf8');
    if (nonEmpty(target.tls?.serverName)) tls.serverName = target.tls.serverName;
    if (hasClientCert(target)) {
      tls.privateKey = Buffer.from(target.tls!.clientKeyPem!, 'utf8');
      tls.certChain = Buffer.from(target.tls!.clientCertPem!, 'utf8');
    }
    if (tls.rootCert || tls.privateKey) config.tls = tls;
    else {
      config.ssl = true;
      if (tls.serverName) config.tls = tls;
    }
  }
  return config;
}
