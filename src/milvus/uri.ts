// Milvus URIs: what the SDK is given (parseMilvusUri), what identifies an endpoint however it is
// spelled (endpointIdentity), and what may be shown (displayUri: never the userinfo).
//
// Accepted spellings: `host`, `host:port`, `http://host[:port]`, `https://host[:port]`, IPv6 in
// brackets, one trailing slash. A missing port is 19530 for http (the Milvus default) and 443 for
// https (Zilliz Cloud serverless endpoints have none); the SDK would not fill it in.

import { isIPv4 } from 'node:net';

import { ClassifiedMilvusError } from './classify.js';

const DEFAULT_PORT = { http: 19530, https: 443 } as const;

export interface ParsedMilvusUri {
  /** `http` unless the uri says https. */
  scheme: 'http' | 'https';
  /** As written (case kept); IPv6 in brackets. */
  host: string;
  /** Explicit, or the scheme's default. */
  port: number;
  /** `host:port` as the SDK wants it (no scheme). */
  address: string;
  /** True for https:// (TLS on). */
  https: boolean;
}

interface UriParts {
  /** The scheme as written including `://`, or '' when there is none. */
  schemePrefix: string;
  scheme: string | undefined;
  /** Everything before the last `@` of the authority; undefined when there is no `@`. */
  userinfo: string | undefined;
  /** host[:port][/...] */
  rest: string;
}

/**
 * Splits off scheme and userinfo. The userinfo ends at the LAST `@`, so passwords containing `@`
 * or `/` are cut off whole (a Milvus uri has no path that could contain one).
 */
function splitUri(uri: string): UriParts {
  const text = uri.trim();
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  const schemePrefix = m?.[0] ?? '';
  const afterScheme = text.slice(schemePrefix.length);
  const at = afterScheme.lastIndexOf('@');
  return {
    schemePrefix,
    scheme: m?.[1]?.toLowerCase(),
    userinfo: at >= 0 ? afterScheme.slice(0, at) : undefined,
    rest: at >= 0 ? afterScheme.slice(at + 1) : afterScheme,
  };
}

/** The uri without userinfo, otherwise as written (trimmed). Safe for logs, events and status. Never throws. */
export function displayUri(uri: string): string {
  const { schemePrefix, rest } = splitUri(uri);
  return `${schemePrefix}${rest}`;
}

/** True when the uri carries userinfo (`user:password@`, `token@`). */
export function hasUserinfo(uri: string): boolean {
  return splitUri(uri).userinfo !== undefined;
}

/**
 * The secret-bearing pieces of a uri's userinfo (the whole userinfo and its password part), to be
 * redacted wherever they might be echoed. Empty without userinfo.
 */
export function userinfoSecrets(uri: string): string[] {
  const { userinfo } = splitUri(uri);
  if (userinfo === undefined || userinfo === '') return [];
  const colon = userinfo.indexOf(':');
  return colon >= 0 ? [userinfo, userinfo.slice(colon + 1)] : [userinfo];
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+(?:%[\w.-]+)?\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/;

/** Parses scheme, host and port, ignoring userinfo; a reason string when the uri is unusable. */
function parseEndpoint(parts: UriParts): ParsedMilvusUri | string {
  const scheme = parts.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') return `unsupported scheme "${scheme}" (use http or https)`;
  const m = HOST_PORT.exec(parts.rest.replace(/\/$/, ''));
  if (!m) return 'expected host, host:port, http://host[:port] or https://host[:port]';
  const host = m[1] ?? '';
  const port = m[2] === undefined ? DEFAULT_PORT[scheme] : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return `port ${m[2] ?? ''} is out of range`;
  return { scheme, host, port, address: `${host}:${port}`, https: scheme === 'https' };
}

/**
 * Parses a Milvus uri for the SDK. Credentials in the uri are refused (they belong in the
 * connection's Secret, or MILVUS_TOKEN / MILVUS_USERNAME + MILVUS_PASSWORD), so they can never be
 * logged or sent by accident. Throws MilvusError(InvalidSpec); its message shows displayUri only.
 */
export function parseMilvusUri(uri: string): ParsedMilvusUri {
  const parts = splitUri(uri);
  const parsed = parseEndpoint(parts);
  if (typeof parsed === 'string') throw unusableUri(uri, parsed);
  if (parts.userinfo !== undefined) {
    throw unusableUri(uri, 'credentials in the uri are not supported; put them in the connection secret (MILVUS_TOKEN or MILVUS_USERNAME/MILVUS_PASSWORD for the default connection)');
  }
  return parsed;
}

function unusableUri(uri: string, why: string): ClassifiedMilvusError {
  return new ClassifiedMilvusError('InvalidParameter', 'connect', `cannot use milvus uri "${displayUri(uri)}": ${why}`);
}

/**
 * One canonical string per Milvus endpoint, so that two spellings of the same server compare
 * equal: `<scheme>://<host>:<port>` with
 * - scheme http unless the uri says https; port defaulted (http 19530, https 443);
 * - host lower-cased, a trailing dot dropped, IPv6 in its shortest form;
 * - `*.svc.cluster.local` → `*.svc`; a two-label `name.ns` → `name.ns.svc`; a one-label `name`
 *   → `name.<contextNamespace>.svc` (the namespace the uri is resolved from: a MilvusConnection's,
 *   or the operator's own for the default connection; without one it stays `name`);
 *   `localhost` and IP addresses are left alone;
 * - userinfo and a trailing slash dropped.
 * Never throws: an unusable uri identifies as its lower-cased display form.
 */
export function endpointIdentity(uri: string, contextNamespace?: string): string {
  const parsed = parseEndpoint(splitUri(uri));
  if (typeof parsed === 'string') return displayUri(uri).toLowerCase();
  return `${parsed.scheme}://${canonicalHost(parsed.host, contextNamespace)}:${parsed.port}`;
}

function canonicalHost(host: string, contextNamespace: string | undefined): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return canonicalIPv6(lower);
  const name = lower.replace(/\.+$/, '');
  if (name === 'localhost' || isIPv4(name)) return name;
  if (name.endsWith('.svc.cluster.local')) return name.slice(0, -'.cluster.local'.length);
  const labels = name.split('.');
  if (labels.length === 2) return `${name}.svc`;
  const ns = contextNamespace?.trim().toLowerCase();
  if (labels.length === 1 && ns) return `${name}.${ns}.svc`;
  return name;
}

/** `[0:0::1]` → `[::1]` (WHATWG URL serialisation); zone ids, which URL refuses, are kept as written. */
function canonicalIPv6(bracketed: string): string {
  try {
    return new URL(`http://${bracketed}/`).hostname;
  } catch {
    return bracketed;
  }
}

/** Zilliz Cloud serverless endpoints: `<cluster>.serverless.<region>.cloud.zilliz.com`. */
const ZILLIZ_SERVERLESS_HOST = /^[a-z0-9-]+\.serverless\.[a-z0-9-]+\.cloud\.zilliz\.com$/;

/**
 * True when the uri points at a Zilliz Cloud serverless cluster, which builds AUTOINDEX only
 * (dedicated clusters take the explicit index types too). Never throws.
 */
export function isZillizServerless(uri: string): boolean {
  const parsed = parseEndpoint(splitUri(uri));
  return typeof parsed !== 'string' && ZILLIZ_SERVERLESS_HOST.test(parsed.host.toLowerCase().replace(/\.+$/, ''));
}
