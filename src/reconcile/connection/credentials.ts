// A connection's ConnectionTarget from its spec and the Secrets it names: credentials from `{name,
// key}` selectors (or the deprecated credentialsSecretRef with fixed keys), the CA bundle and an
// optional client certificate for mutual TLS. Secret values go into the target only: messages name
// Secrets and keys, never values.
import type { AnyConnection } from '../../api/connection.js';
import type { SecretReader } from '../../kube/secrets.js';
import type { ConnectionTarget } from '../../milvus/types.js';

export type ResolvedTarget =
  | { kind: 'Ok'; target: ConnectionTarget }
  /**
   * SecretNotFound: a named Secret does not exist (yet: it may be on its way from external-secrets or
   * sealed-secrets; Reconciling). SecretKeyMissing: it exists without the key (Stalled).
   */
  | { kind: 'Missing'; reason: 'SecretNotFound' | 'SecretKeyMissing'; message: string };

interface SecretRef { name: string; namespace?: string }
interface KeyRef extends SecretRef { key: string }

/** Reads each named Secret once per resolution. */
class SecretLookup {
  private readonly cache = new Map<string, Promise<Record<string, string> | undefined>>();
  constructor(private readonly reader: SecretReader, private readonly obj: AnyConnection) {}

  namespaceOf(ref: SecretRef): string {
    return this.obj.kind === 'MilvusConnection' ? this.obj.metadata.namespace! : ref.namespace!;
  }

  data(ref: SecretRef): Promise<Record<string, string> | undefined> {
    const ns = this.namespaceOf(ref);
    const id = `${ns}/${ref.name}`;
    let hit = this.cache.get(id);
    if (!hit) this.cache.set(id, (hit = this.reader.get(ns, ref.name)));
    return hit;
  }
}

class MissingValue extends Error {
  constructor(message: string, readonly reason: 'SecretNotFound' | 'SecretKeyMissing') { super(message); }
}

/** A referenced Secret that does not exist (yet): said so, and that it is waited for. */
function secretAbsent(name: string, ns: string, field: string): MissingValue {
  return new MissingValue(`Secret "${name}" in namespace "${ns}" (${field}) does not exist yet; it may still be on its way (external-secrets, sealed-secrets). Retrying with capped backoff; its creation is picked up without a change to this connection.`, 'SecretNotFound');
}

/** The values of `keys` in the Secret `ref` (spec field `field`); throws MissingValue. */
async function values(lookup: SecretLookup, ref: SecretRef, field: string, keys: string[]): Promise<string[]> {
  const ns = lookup.namespaceOf(ref);
  const data = await lookup.data(ref);
  if (!data) throw secretAbsent(ref.name, ns, field);
  const absent = keys.filter((k) => !data[k]);
  if (absent.length > 0) throw new MissingValue(`Secret "${ref.name}" in namespace "${ns}" (${field}) has no ${absent.map((k) => `"${k}"`).join(' or ')} key.`, 'SecretKeyMissing');
  return keys.map((k) => data[k]!);
}

const one = async (lookup: SecretLookup, ref: KeyRef, field: string): Promise<string> => (await values(lookup, ref, field, [ref.key]))[0]!;

async function resolveAuth(lookup: SecretLookup, obj: AnyConnection, target: ConnectionTarget): Promise<void> {
  const creds = obj.spec.credentials as { token?: KeyRef; username?: KeyRef; password?: KeyRef } | undefined;
  if (creds?.token) target.token = await one(lookup, creds.token, 'spec.credentials.token');
  else if (creds?.username && creds.password) {
    target.username = await one(lookup, creds.username, 'spec.credentials.username');
    target.password = await one(lookup, creds.password, 'spec.credentials.password');
  }
  const legacy = obj.spec.credentialsSecretRef as SecretRef | undefined;
  if (creds || !legacy) return;
  const data = await lookup.data(legacy);
  const ns = lookup.namespaceOf(legacy);
  if (!data) throw secretAbsent(legacy.name, ns, 'spec.credentialsSecretRef');
  if (data.token) target.token = data.token;
  else if (data.username && data.password) { target.username = data.username; target.password = data.password; }
  else throw new MissingValue(`Secret "${legacy.name}" in namespace "${ns}" has neither a "token" key nor "username" and "password" keys.`, 'SecretKeyMissing');
}

async function resolveTls(lookup: SecretLookup, obj: AnyConnection, target: ConnectionTarget): Promise<void> {
  const tls = obj.spec.tls as { enabled?: boolean; serverName?: string; caSecretRef?: SecretRef & { key?: string }; clientCertSecretRef?: SecretRef } | undefined;
  if (!tls?.enabled && !/^https:\/\//i.test(obj.spec.uri.trim())) return;
  target.tls = { enabled: true };
  if (tls?.serverName) target.tls.serverName = tls.serverName;
  if (tls?.caSecretRef) {
    const key = tls.caSecretRef.key ?? 'ca.crt';
    [target.tls.caPem] = await values(lookup, tls.caSecretRef, 'spec.tls.caSecretRef', [key]);
  }
  if (tls?.clientCertSecretRef) {
    const [cert, key] = await values(lookup, tls.clientCertSecretRef, 'spec.tls.clientCertSecretRef', ['tls.crt', 'tls.key']);
    target.tls.clientCertPem = cert;
    target.tls.clientKeyPem = key;
  }
}

/**
 * The target of a connection with every Secret value it names. Throws only when a Secret cannot be
 * read (API errors); a missing Secret or key is `Missing` with a message naming it.
 */
export async function resolveConnectionTarget(obj: AnyConnection, reader: SecretReader): Promise<ResolvedTarget> {
  const spec = obj.spec;
  const target: ConnectionTarget = {
    uri: spec.uri,
    database: spec.database ?? 'default',
    timeoutMs: (spec.timeoutSeconds ?? 30) * 1000,
    maxConcurrentRequests: spec.maxConcurrentRequests ?? 8,
  };
  const lookup = new SecretLookup(reader, obj);
  try {
    await resolveAuth(lookup, obj, target);
    await resolveTls(lookup, obj, target);
  } catch (e) {
    if (e instanceof MissingValue) return { kind: 'Missing', reason: e.reason, message: e.message };
    throw e;
  }
  return { kind: 'Ok', target };
}

/** The Secrets a connection names (for watches: a change wakes the connection). */
export function secretRefsOf(obj: AnyConnection): SecretRef[] {
  const spec = obj.spec as { credentials?: Record<string, KeyRef | undefined>; credentialsSecretRef?: SecretRef; tls?: { caSecretRef?: SecretRef; clientCertSecretRef?: SecretRef } };
  return [
    ...Object.values(spec.credentials ?? {}),
    spec.credentialsSecretRef,
    spec.tls?.caSecretRef,
    spec.tls?.clientCertSecretRef,
  ].filter((r): r is SecretRef => r !== undefined);
}
