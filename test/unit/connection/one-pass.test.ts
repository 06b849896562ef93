// ConnectionReconciler: one pass, as a table (writes, status, registry, Secrets read, Milvus clients).
// Fakes and Harness: test/unit/fakes/connection.ts.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CONNECTION_FINALIZER } from '../../../src/api/connection.js';
import type { RequeueDecision } from '../../../src/controller/types.js';
import type { ConnectionTarget } from '../../../src/milvus/types.js';
import type { ConnectionState } from '../../../src/reconcile/connection/registry.js';
import { NAMESPACE, NOW_ISO, aMilvusIndex } from '../fakes.js';
import { PROD_URI, TLS_URI, TOKEN, USERNAME, PASSWORD, CA_PEM, VERSION, PROD_KEY, SHARED_KEY, TOKEN_TARGET, aConnection, aClusterConnection, anIndexUsing, inNamespace, UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE, type WriteOp, type Setup, Harness, cond, withTokenSecret, TOKEN_SECRET, USED } from '../fakes/connection.js';

// The table

interface Want {
  requeue: RequeueDecision;
  /** Writes in order. */
  writes: WriteOp[];
  /** Ready condition of the status written (when one was written). */
  ready?: { status: string; reason: string; message?: unknown };
  reconciling?: 'True' | 'False';
  stalled?: 'True' | 'False';
  serverVersion?: string | null;
  usedBy?: number;
  /** The registry entry after the pass; 'absent' = none. */
  registry?: Partial<ConnectionState> | 'absent';
  /** Secrets read (namespace/name), in order. */
  secretGets?: string[];
  /** Targets the Milvus client was built for; [] = Milvus never contacted. */
  milvusTargets?: ConnectionTarget[];
  onChanged?: string[];
}

interface Row {
  name: string;
  reason: string;
  given: Setup;
  want: Want;
}


const rows: Row[] = [
  // ---- verification outcomes
  {
    name: 'Connected with a token',
    reason: 'the Secret has a token; the server answers its version: Ready True / Connected, registry ready, onChanged on the first verification',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'],
      ready: { status: 'True', reason: 'Connected', message: `Connected to Milvus ${VERSION} at ${PROD_URI}.` }, reconciling: 'False', stalled: 'False',
      serverVersion: VERSION, usedBy: 1,
      registry: { ready: true, reason: 'Connected', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION },
      secretGets: [`${NAMESPACE}/milvus-creds`], milvusTargets: [TOKEN_TARGET], onChanged: [PROD_KEY],
    },
  },
  {
    name: 'Connected with username and password',
    reason: 'Secret keys username + password become the target\'s credentials',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME, password: PASSWORD } }, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' },
      milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, username: USERNAME, password: PASSWORD }],
    },
  },
  {
    name: 'token wins over username and password',
    reason: 'a Secret with all three keys authenticates with the token only',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { token: TOKEN, username: USERNAME, password: PASSWORD } }, indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'Connected without credentials',
    reason: 'no credentialsSecretRef: no Secret is read, the target has no credentials',
    given: { connection: aConnection().withFinalizer().build(), indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' },
      secretGets: [], milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8 }],
    },
  },
  {
    name: 'spec settings reach the target',
    reason: 'database, timeoutSeconds and maxConcurrentRequests of the spec',
    given: { connection: aConnection().database('analytics').timeoutSeconds(5).maxConcurrentRequests(2).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], milvusTargets: [{ uri: PROD_URI, database: 'analytics', timeoutMs: 5_000, maxConcurrentRequests: 2 }] },
  },
  {
    name: 'Secret without token or username/password keys',
    reason: 'SecretKeyMissing names the keys it needs; the Secret exists, so its content must change (Stalled); Milvus is never contacted',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { user: USERNAME, pass: PASSWORD } }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretKeyMissing', message: expect.stringMatching(/Secret "milvus-creds" in namespace "search" has neither a "token" key nor "username" and "password" keys/) },
      reconciling: 'False', stalled: 'True',
      registry: { ready: false, reason: 'SecretKeyMissing', target: undefined, lastWorking: undefined },
      milvusTargets: [], onChanged: [PROD_KEY],
    },
  },
  {
    name: 'Secret with a username but no password',
    reason: 'half a credential is missing keys',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME } }, indexes: USED },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'SecretKeyMissing' }, stalled: 'True', milvusTargets: [] },
  },
  {
    name: 'Secret missing',
    reason: 'SecretNotFound says which Secret and that it may still arrive: Reconciling, not Stalled (kstatus); capped backoff; Milvus is never contacted',
    given: { connection: withTokenSecret().build(), indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretNotFound', message: expect.stringMatching(/^Secret "milvus-creds" in namespace "search" \(spec.credentialsSecretRef\) does not exist yet; it may still be on its way \(external-secrets, sealed-secrets\)/) },
      reconciling: 'True', stalled: 'False', secretGets: [`${NAMESPACE}/milvus-creds`], milvusTargets: [],
    },
  },
  {
    name: 'Secret unreadable',
    reason: 'a failed get (e.g. RBAC not applied yet) is reported, not thrown, and retried: Reconciling',
    given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: new ApiException(403, 'Forbidden', '{"message":"secrets \\"milvus-creds\\" is forbidden"}', {}) }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff', error: expect.any(String) }, writes: ['writeStatus'],
      reconciling: 'True', stalled: 'False',
      ready: { status: 'False', reason: 'SecretUnreadable', message: expect.stringMatching(/cannot read the connection's Secret: HTTP 403: secrets "milvus-creds" is forbidden/) },
      milvusTargets: [],
    },
  },
  {
    name: 'MilvusConnection reads its Secret in its own namespace',
    reason: 'design §1: a MilvusConnection\'s credentialsSecretRef is same-namespace only, even if a namespace is written in it',
    given: { connection: aConnection('prod', 'team-a').credentials('milvus-creds', 'kube-system').withFinalizer().build(), secrets: { 'team-a/milvus-creds': { token: TOKEN }, 'kube-system/milvus-creds': { token: 'stolen' } }, indexes: [inNamespace(anIndexUsing(), 'team-a')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: ['team-a/milvus-creds'], milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'ClusterMilvusConnection reads its Secret in the namespace the ref names',
    reason: 'design §1: credentialsSecretRef.namespace for cluster connections; the registry key is the cluster key',
    given: { connection: aClusterConnection().credentials('milvus-creds', 'milvus').withFinalizer().build(), secrets: { 'milvus/milvus-creds': { token: TOKEN } }, indexes: [anIndexUsing('shared', 'ClusterMilvusConnection')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: ['milvus/milvus-creds'], milvusTargets: [TOKEN_TARGET], onChanged: [SHARED_KEY], registry: { ready: true, target: TOKEN_TARGET } },
  },

  // ---- TLS
  {
    name: 'TLS from an https:// uri',
    reason: 'https implies TLS (system roots); no CA Secret is read',
    given: { connection: aConnection().uri(TLS_URI).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: [], milvusTargets: [{ uri: TLS_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, tls: { enabled: true } }] },
  },
  {
    name: 'TLS with a CA Secret and a server name',
    reason: 'the CA bundle from key ca.crt (default) and the SNI name reach the target',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca' }, serverName: 'milvus.example.com' }).withFinalizer().build(), secrets: { [`${NAMESPACE}/milvus-ca`]: { 'ca.crt': CA_PEM } }, indexes: USED },
    want: {
      requeue: { kind: 'None' }, writes: ['writeStatus'], secretGets: [`${NAMESPACE}/milvus-ca`],
      milvusTargets: [{ uri: PROD_URI, database: 'default', timeoutMs: 30_000, maxConcurrentRequests: 8, tls: { enabled: true, caPem: CA_PEM, serverName: 'milvus.example.com' } }],
    },
  },
  {
    name: 'CA Secret without the named key',
    reason: 'SecretKeyMissing names the missing key (Stalled: the Secret exists, its content must change)',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca', key: 'bundle.pem' } }).withFinalizer().build(), secrets: { [`${NAMESPACE}/milvus-ca`]: { 'ca.crt': CA_PEM } }, indexes: USED },
    want: {
      requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'SecretKeyMissing', message: 'Secret "milvus-ca" in namespace "search" (spec.tls.caSecretRef) has no "bundle.pem" key.' },
      reconciling: 'False', stalled: 'True',
      milvusTargets: [],
    },
  },
  {
    name: 'CA Secret missing',
    reason: 'SecretNotFound names the CA Secret; Reconciling, not Stalled',
    given: { connection: aConnection().tls({ enabled: true, caSecretRef: { name: 'milvus-ca' } }).withFinalizer().build(), indexes: USED },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], reconciling: 'True', stalled: 'False', ready: { status: 'False', reason: 'SecretNotFound', message: expect.stringMatching(/Secret "milvus-ca" in namespace "search" \(spec.tls.caSecretRef\) does not exist/) }, milvusTargets: [] },
  },

  // ---- the server refuses or is gone
  {
    name: 'AuthenticationFailed (gRPC 16 UNAUTHENTICATED)',
    reason: 'an auth failure has its own reason; it needs a person (Stalled) but is re-checked with capped backoff; the token never shows',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAUTHENTICATED() },
    want: {
      requeue: { kind: 'CappedBackoff', error: expect.any(String) }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'AuthenticationFailed', message: expect.stringMatching(/^Milvus at milvus-prod\.milvus\.svc:19530 refused the credentials: .*authentication failed.*invalid token \*\*\*.*Fix the Secret/) },
      reconciling: 'False', stalled: 'True',
      registry: { ready: false, reason: 'AuthenticationFailed', target: TOKEN_TARGET, lastWorking: undefined },
      milvusTargets: [TOKEN_TARGET],
    },
  },
  {
    name: 'AuthenticationFailed (gRPC 7 PERMISSION_DENIED)',
    reason: 'authorisation failures are reported the same way',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: PERMISSION_DENIED() },
    want: { requeue: { kind: 'CappedBackoff', error: expect.any(String) }, writes: ['writeStatus'], ready: { status: 'False', reason: 'AuthenticationFailed' } },
  },
  {
    name: 'Unreachable (gRPC 14 UNAVAILABLE)',
    reason: 'an outage retries by itself: Reconciling, not Stalled; capped backoff',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() },
    want: {
      requeue: { kind: 'CappedBackoff', error: expect.any(String) }, writes: ['writeStatus'],
      ready: { status: 'False', reason: 'Unreachable', message: expect.stringMatching(/^Milvus at milvus-prod\.milvus\.svc:19530 cannot be reached: .*UNAVAILABLE.*Retrying with backoff\.$/) },
      reconciling: 'True', stalled: 'False', serverVersion: null,
      registry: { ready: false, reason: 'Unreachable', target: TOKEN_TARGET },
    },
  },
  {
    name: 'Unreachable keeps the last reported server version',
    reason: 'status.serverVersion is what the server last said; an outage does not erase it',
    given: { connection: withTokenSecret().status({ serverVersion: 'v2.5.4' }).build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() },
    want: { requeue: { kind: 'CappedBackoff', error: expect.any(String) }, writes: ['writeStatus'], ready: { status: 'False', reason: 'Unreachable' }, serverVersion: 'v2.5.4' },
  },

  // ---- the finalizer
  {
    name: 'finalizer added when a MilvusIndex uses the connection',
    reason: 'design §1: a connection in use carries a finalizer; the add is its own pass (the watch brings the next one)',
    given: { connection: aConnection().build(), indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['addFinalizer'], secretGets: [], milvusTargets: [], registry: 'absent', onChanged: [] },
  },
  {
    name: 'finalizer added to a ClusterMilvusConnection used from any namespace',
    reason: 'cluster connections are used across namespaces',
    given: { connection: aClusterConnection().build(), indexes: [inNamespace(anIndexUsing('shared', 'ClusterMilvusConnection'), 'team-b')] },
    want: { requeue: { kind: 'None' }, writes: ['addFinalizer'] },
  },
  {
    name: 'no finalizer for an index in another namespace',
    reason: 'a MilvusConnection serves its own namespace only: a same-named reference elsewhere is not a user',
    given: { connection: aConnection().build(), indexes: [inNamespace(anIndexUsing(), 'other')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], usedBy: 0, ready: { status: 'True', reason: 'Connected' } },
  },
  {
    name: 'no finalizer for an index referencing the other kind',
    reason: 'a ClusterMilvusConnection reference of the same name is not a user of the MilvusConnection',
    given: { connection: aConnection('prod').build(), indexes: [anIndexUsing('prod', 'ClusterMilvusConnection'), aMilvusIndex('no-ref')] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], usedBy: 0 },
  },
  {
    name: 'deleting with users keeps the finalizer and still verifies',
    reason: 'the MilvusIndexes that use it must still be able to drop their indexes',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: [anIndexUsing().deleting()] },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], ready: { status: 'True', reason: 'Connected' }, registry: { ready: true, target: TOKEN_TARGET }, milvusTargets: [TOKEN_TARGET] },
  },
  {
    name: 'deleting with users, Secret gone: keeps the finalizer and the last working credentials',
    reason: 'a namespace deletion removes Secrets first; deletions use lastWorking',
    given: { connection: withTokenSecret().deleting().build(), indexes: [anIndexUsing().deleting()], previous: { ready: true, reason: 'Connected', message: 'Connected.', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION } },
    want: { requeue: { kind: 'CappedBackoff' }, writes: ['writeStatus'], ready: { status: 'False', reason: 'SecretNotFound' }, registry: { ready: false, target: undefined, lastWorking: TOKEN_TARGET } },
  },
  {
    name: 'deleting without users removes the finalizer',
    reason: 'the connection may go; nothing else is done',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: [] },
    want: { requeue: { kind: 'None' }, writes: ['removeFinalizer'], secretGets: [], milvusTargets: [], onChanged: [] },
  },
  {
    name: 'deleting with users that lost the finalizer: none is added back',
    reason: 'Kubernetes refuses new finalizers on a deleting object; verify instead',
    given: { connection: withTokenSecret().deleting().build(), secrets: TOKEN_SECRET, indexes: USED },
    want: { requeue: { kind: 'None' }, writes: ['writeStatus'], registry: { ready: true } },
  },
  {
    name: 'finalizer write conflict',
    reason: 'a 409 retries through the key\'s rate limiter (no hot loop, backoff not reset) with a fresh view; nothing else is done',
    given: { connection: aConnection().build(), indexes: USED, writeFailures: { addFinalizer: new ApiException(409, 'Conflict', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 409: ' }, writes: ['addFinalizer'], secretGets: [], milvusTargets: [] },
  },
  {
    name: 'finalizer write fails',
    reason: 'any other failure backs off; nothing else is done',
    given: { connection: aConnection().withFinalizer().build(), indexes: [], writeFailures: { removeFinalizer: new ApiException(500, 'Internal', '{"message":"etcd timeout"}', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 500: etcd timeout' }, writes: ['removeFinalizer'], milvusTargets: [], registry: 'absent' },
  },
  {
    name: 'status write conflict',
    reason: 'a 409 retries through the key\'s rate limiter; the registry already holds the verification',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, writeFailures: { writeStatus: new ApiException(409, 'Conflict', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 409: ' }, writes: ['writeStatus'], registry: { ready: true } },
  },
  {
    name: 'status write fails',
    reason: 'a failed status write fails the pass (style rule 6): backoff',
    given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, writeFailures: { writeStatus: new ApiException(500, 'Internal', '', {}) } },
    want: { requeue: { kind: 'Backoff', error: 'HTTP 500: ' }, writes: ['writeStatus'] },
  },

  // ---- the connection is gone
  {
    name: 'connection gone from the store, was known',
    reason: 'the registry entry is cleared, the client evicted and the users woken',
    given: { connection: undefined, key: `${NAMESPACE}/prod`, previous: { ready: true, reason: 'Connected', message: 'Connected.', target: TOKEN_TARGET, lastWorking: TOKEN_TARGET, serverVersion: VERSION } },
    want: { requeue: { kind: 'None' }, writes: [], registry: 'absent', onChanged: [PROD_KEY], secretGets: [], milvusTargets: [] },
  },
  {
    name: 'connection gone from the store, never known',
    reason: 'nothing to clear, nobody to wake',
    given: { connection: undefined, key: `${NAMESPACE}/prod` },
    want: { requeue: { kind: 'None' }, writes: [], registry: 'absent', onChanged: [] },
  },
];

describe('ConnectionReconciler: one pass', () => {
  it.each(rows)('$name', async ({ reason, given, want }) => {
    const h = new Harness(given);
    const requeue = await h.reconcile();
    expect(requeue, `requeue: ${reason}`).toEqual(want.requeue);
    expect(h.writer.ops, `writes: ${reason}`).toEqual(want.writes);
    for (const c of h.writer.calls) {
      expect(c.name, 'writes go to the reconciled connection').toBe(given.connection?.metadata.name);
      if (c.finalizer !== undefined) expect(c.finalizer, 'our finalizer only').toBe(CONNECTION_FINALIZER);
    }
    expect(h.writer.refused, `no write with a stale resourceVersion: ${reason}`).toEqual([]);
    const status = h.lastStatus;
    if (want.ready) expect(cond(status, 'Ready'), `Ready: ${reason}`).toMatchObject(want.ready);
    if (want.reconciling) expect(cond(status, 'Reconciling')?.status, `Reconciling: ${reason}`).toBe(want.reconciling);
    if (want.stalled) expect(cond(status, 'Stalled')?.status, `Stalled: ${reason}`).toBe(want.stalled);
    if (want.serverVersion !== undefined) expect(status?.serverVersion ?? null, `serverVersion: ${reason}`).toBe(want.serverVersion);
    if (want.usedBy !== undefined) expect(status?.usedBy, `usedBy: ${reason}`).toBe(want.usedBy);
    if (want.registry === 'absent') expect(h.state, `registry: ${reason}`).toBeUndefined();
    else if (want.registry) {
      expect(h.state, `registry: ${reason}`).toBeDefined();
      for (const [k, v] of Object.entries(want.registry)) expect(h.state![k as keyof ConnectionState], `registry.${k}: ${reason}`).toEqual(v);
    }
    if (want.secretGets) expect(h.secrets.gets, `Secrets read: ${reason}`).toEqual(want.secretGets);
    if (want.milvusTargets) expect(h.milvus.gets.map((g) => g.target), `Milvus clients: ${reason}`).toEqual(want.milvusTargets);
    for (const g of h.milvus.gets) expect(g.key, 'the client is keyed by the connection key').toBe(h.connKey);
    if (want.onChanged) expect(h.changed, `onChanged: ${reason}`).toEqual(want.onChanged);
    if (given.connection === undefined) {
      expect(h.milvus.evicted, `evicted: ${reason}`).toEqual(given.previous ? [h.connKey] : []);
    } else {
      expect(h.milvus.evicted, 'a live connection\'s client is never evicted').toEqual([]);
    }
  });

  it('every status written carries observedGeneration, on the status and on each condition', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    const s = h.lastStatus!;
    expect(s.observedGeneration).toBe(1);
    expect(s.conditions?.map((c) => c.observedGeneration)).toEqual([1, 1, 1]);
    expect(s.conditions?.map((c) => c.lastTransitionTime)).toEqual([NOW_ISO, NOW_ISO, NOW_ISO]);
  });
});
