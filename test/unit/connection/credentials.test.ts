// resolveConnectionTarget (src/reconcile/connection/credentials.ts): credentials from {name, key}
// selectors, the deprecated credentialsSecretRef, the CA and the mTLS client certificate, as a table;
// messages name Secrets and keys, never values.
import { describe, expect, it } from 'vitest';
import type { AnyConnection, ClusterMilvusConnection, MilvusConnection } from '../../../src/api/connection.js';
import { resolveConnectionTarget, secretRefsOf, type ResolvedTarget } from '../../../src/reconcile/connection/credentials.js';
import { buildClientConfig } from '../../../src/milvus/target.js';
import { FakeSecrets } from '../fakes/connection.js';

const NS = 'search';
const TOKEN = 'tok-3f9a-secret';
const PASSWORD = 'pw-77c1-secret';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey-5e1d-secret\n-----END PRIVATE KEY-----\n';

function conn(spec: Partial<MilvusConnection['spec']>): MilvusConnection {
  return { apiVersion: 'index.milvus.io/v1alpha1', kind: 'MilvusConnection', metadata: { name: 'c', namespace: NS, uid: 'u', generation: 1, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { uri: 'milvus:19530', ...spec } };
}
function clusterConn(spec: Partial<ClusterMilvusConnection['spec']>): ClusterMilvusConnection {
  return { apiVersion: 'index.milvus.io/v1alpha1', kind: 'ClusterMilvusConnection', metadata: { name: 'c', uid: 'u', generation: 1, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { uri: 'milvus:19530', ...spec } };
}

interface Row { name: string; reason: string; given: { connection: AnyConnection; secrets: Record<string, Record<string, string>> }; want: Partial<Record<'token' | 'username' | 'password' | 'caPem' | 'clientCertPem' | 'clientKeyPem', string>> | { missing: string; reason: 'SecretNotFound' | 'SecretKeyMissing' } }

const rows: Row[] = [
  { name: 'token from a selector with any key', reason: 'an external-secrets Secret as it is', given: { connection: conn({ credentials: { token: { name: 'zilliz', key: 'apiKey' } } }), secrets: { [`${NS}/zilliz`]: { apiKey: TOKEN } } }, want: { token: TOKEN } },
  {
    name: 'username and password from two Secrets',
    reason: 'each selector names its own Secret and key',
    given: { connection: conn({ credentials: { username: { name: 'users', key: 'name' }, password: { name: 'pw', key: 'value' } } }), secrets: { [`${NS}/users`]: { name: 'alice' }, [`${NS}/pw`]: { value: PASSWORD } } },
    want: { username: 'alice', password: PASSWORD },
  },
  { name: 'a ClusterMilvusConnection selector names its namespace', reason: 'cluster-scoped: the Secret is where the selector says', given: { connection: clusterConn({ credentials: { token: { name: 't', namespace: 'milvus', key: 'token' } } }), secrets: { 'milvus/t': { token: TOKEN } } }, want: { token: TOKEN } },
  { name: 'deprecated credentialsSecretRef: token', reason: 'the shorthand keeps working (keys token, or username and password)', given: { connection: conn({ credentialsSecretRef: { name: 'legacy' } }), secrets: { [`${NS}/legacy`]: { token: TOKEN } } }, want: { token: TOKEN } },
  { name: 'deprecated credentialsSecretRef: username/password', reason: 'the shorthand with fixed keys', given: { connection: conn({ credentialsSecretRef: { name: 'legacy' } }), secrets: { [`${NS}/legacy`]: { username: 'bob', password: PASSWORD } } }, want: { username: 'bob', password: PASSWORD } },
  { name: 'a selector key that is absent', reason: 'the message names the Secret and the key, not a value; not "Secret absent"', given: { connection: conn({ credentials: { token: { name: 'zilliz', key: 'apiKey' } } }), secrets: { [`${NS}/zilliz`]: { token: TOKEN } } }, want: { missing: 'Secret "zilliz" in namespace "search" (spec.credentials.token) has no "apiKey" key.', reason: 'SecretKeyMissing' } },
  { name: 'a selector Secret that does not exist', reason: 'it may be on its way (external-secrets): SecretNotFound (Reconciling)', given: { connection: conn({ credentials: { token: { name: 'later', key: 'token' } } }), secrets: {} }, want: { missing: 'Secret "later" in namespace "search" (spec.credentials.token) does not exist yet; it may still be on its way (external-secrets, sealed-secrets). Retrying with capped backoff; its creation is picked up without a change to this connection.', reason: 'SecretNotFound' } },
  {
    name: 'mTLS client certificate from a kubernetes.io/tls Secret',
    reason: 'tls.crt and tls.key go to the target; the CA from its own selector',
    given: { connection: conn({ uri: 'https://milvus.example.com', tls: { enabled: true, caSecretRef: { name: 'ca', key: 'ca.crt' }, clientCertSecretRef: { name: 'client' } } }), secrets: { [`${NS}/ca`]: { 'ca.crt': 'CA' }, [`${NS}/client`]: { 'tls.crt': CERT, 'tls.key': KEY } } },
    want: { caPem: 'CA', clientCertPem: CERT, clientKeyPem: KEY },
  },
  { name: 'client certificate Secret without tls.key', reason: 'both keys are needed', given: { connection: conn({ tls: { enabled: true, clientCertSecretRef: { name: 'client' } } }), secrets: { [`${NS}/client`]: { 'tls.crt': CERT } } }, want: { missing: 'Secret "client" in namespace "search" (spec.tls.clientCertSecretRef) has no "tls.key" key.', reason: 'SecretKeyMissing' } },
];

function project(r: ResolvedTarget): Row['want'] {
  if (r.kind === 'Missing') return { missing: r.message, reason: r.reason };
  const t = r.target;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ token: t.token, username: t.username, password: t.password, caPem: t.tls?.caPem, clientCertPem: t.tls?.clientCertPem, clientKeyPem: t.tls?.clientKeyPem })) if (v !== undefined) out[k] = v;
  return out;
}

describe('resolveConnectionTarget', () => {
  it.each(rows.map((r) => [r.name, r] as [string, Row]))('%s', async (name, { reason, given, want }) => {
    const resolved = await resolveConnectionTarget(given.connection, new FakeSecrets(given.secrets));
    expect(project(resolved), `${name}: ${reason}`).toEqual(want);
    if (resolved.kind === 'Missing') for (const secret of [TOKEN, PASSWORD, KEY]) expect(resolved.message).not.toContain(secret);
  });

  it('reads a Secret named by several selectors once', async () => {
    const secrets = new FakeSecrets({ [`${NS}/one`]: { u: 'alice', p: PASSWORD } });
    await resolveConnectionTarget(conn({ credentials: { username: { name: 'one', key: 'u' }, password: { name: 'one', key: 'p' } } }), secrets);
    expect(secrets.gets).toEqual([`${NS}/one`]);
  });

  it('secretRefsOf names every Secret a connection uses (watches wake it on their change)', () => {
    const c = conn({ credentials: { username: { name: 'u', key: 'k' }, password: { name: 'p', key: 'k' } }, tls: { enabled: true, caSecretRef: { name: 'ca' }, clientCertSecretRef: { name: 'client' } } });
    expect(secretRefsOf(c).map((r) => r.name).sort()).toEqual(['ca', 'client', 'p', 'u']);
  });
});

describe('mTLS in the SDK configuration', () => {
  it('a client certificate turns on the SDK two-way TLS: privateKey and certChain, with the CA as root', () => {
    const config = buildClientConfig({ uri: 'https://milvus.example.com', database: 'default', timeoutMs: 1000, tls: { enabled: true, caPem: 'CA', clientCertPem: CERT, clientKeyPem: KEY, serverName: 'm' } });
    expect(config.tls?.privateKey?.toString()).toBe(KEY);
    expect(config.tls?.certChain?.toString()).toBe(CERT);
    expect(config.tls?.rootCert?.toString()).toBe('CA');
    expect(config.tls?.serverName).toBe('m');
  });

  it('a client certificate without a CA: two-way TLS against the system roots', () => {
    const config = buildClientConfig({ uri: 'https://milvus.example.com', database: 'default', timeoutMs: 1000, tls: { enabled: true, clientCertPem: CERT, clientKeyPem: KEY } });
    expect(config.tls?.privateKey?.toString()).toBe(KEY);
    expect(config.tls?.rootCert).toBeUndefined();
  });
});
