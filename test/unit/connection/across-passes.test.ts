// ConnectionReconciler across passes: idle, rotation, deletion, and a connection re-targeted while in use;
// connectionKeyOf.
// Fakes and Harness: test/unit/fakes/connection.ts.
import { describe, expect, it } from 'vitest';
import { CONNECTION_FINALIZER } from '../../../src/api/connection.js';
import { EARLIER, NAMESPACE, NOW_ISO, aMilvusIndex } from '../fakes.js';
import { usesConnection, TOKEN_ROTATED, VERSION, PROD_KEY, TOKEN_TARGET, aConnection, aClusterConnection, anIndexUsing, inNamespace, UNAUTHENTICATED, UNAVAILABLE, Harness, cond, withTokenSecret, TOKEN_SECRET, USED } from '../fakes/connection.js';

// Several passes

describe('ConnectionReconciler: across passes', () => {
  it('idle: a second pass with nothing changed writes nothing and does not wake the MilvusIndexes, but re-reads the Secret', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    expect(h.changed).toEqual([PROD_KEY]);
    h.applyWrites();

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.writer.ops, 'no status write when nothing changed').toEqual([]);
    expect(h.changed, 'onChanged on the first verification only').toEqual([PROD_KEY]);
    expect(h.secrets.gets, 'the Secret is read with get on every pass').toEqual([`${NAMESPACE}/milvus-creds`, `${NAMESPACE}/milvus-creds`]);
    expect(h.milvus.versionCalls, 'each pass verifies').toBe(2);
  });

  it('idle while unreachable: the same failure twice writes once', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() });
    await h.reconcile();
    h.applyWrites();
    expect(await h.reconcile(), 'an unreachable server is a reconcile error').toEqual({ kind: 'CappedBackoff', error: expect.stringContaining('cannot be reached') });
    expect(h.writer.ops).toEqual([]);
    expect(h.changed).toEqual([PROD_KEY]);
  });

  it('credential rotation: a changed Secret changes the target (fingerprint) → onChanged, new client target, no restart', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    h.secrets.data[`${NAMESPACE}/milvus-creds`] = { token: TOKEN_ROTATED };

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.changed, 'the users are woken to pick up the new client').toEqual([PROD_KEY, PROD_KEY]);
    expect(h.milvus.gets.at(-1)?.target.token).toBe(TOKEN_ROTATED);
    expect(h.state).toMatchObject({ ready: true, target: { token: TOKEN_ROTATED }, lastWorking: { token: TOKEN_ROTATED } });
    expect(h.writer.ops, 'nothing visible changed: no status write').toEqual([]);
  });

  it('rotation to a bad credential: AuthenticationFailed, lastWorking keeps the credential that worked', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    h.secrets.data[`${NAMESPACE}/milvus-creds`] = { token: TOKEN_ROTATED };
    h.milvus.version = UNAUTHENTICATED();

    expect(await h.reconcile()).toEqual({ kind: 'CappedBackoff', error: expect.stringContaining('refused the credentials') });
    expect(h.state).toMatchObject({ ready: false, reason: 'AuthenticationFailed', target: { token: TOKEN_ROTATED }, lastWorking: TOKEN_TARGET });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    expect(cond(h.lastStatus, 'Ready')).toMatchObject({ status: 'False', reason: 'AuthenticationFailed', lastTransitionTime: NOW_ISO });
  });

  it('the Secret disappears: SecretNotFound, lastWorking kept in memory across passes', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.applyWrites();
    delete h.secrets.data[`${NAMESPACE}/milvus-creds`];

    expect(await h.reconcile()).toEqual({ kind: 'CappedBackoff' });
    expect(h.state).toMatchObject({ ready: false, reason: 'SecretNotFound', target: undefined, lastWorking: TOKEN_TARGET });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    h.applyWrites();

    await h.reconcile();
    expect(h.state?.lastWorking, 'still there on the next pass').toEqual(TOKEN_TARGET);
    expect(h.changed, 'nothing changed the second time').toEqual([PROD_KEY, PROD_KEY]);
    expect(h.writer.ops).toEqual([]);
  });

  it('recovery: Unreachable → Connected flips Ready (new lastTransitionTime) and wakes the users', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() });
    await h.reconcile();
    h.applyWrites();
    const obj = h.store.get(h.key)!;
    // Pretend the outage was reported an hour ago.
    h.store.put(h.key, { ...obj, status: { ...obj.status, conditions: obj.status!.conditions!.map((c) => ({ ...c, lastTransitionTime: EARLIER })) } });
    h.milvus.version = VERSION;

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);
    expect(cond(h.lastStatus, 'Ready')).toMatchObject({ status: 'True', reason: 'Connected', lastTransitionTime: NOW_ISO });
    expect(cond(h.lastStatus, 'Stalled'), 'Stalled stayed False: its lastTransitionTime does not move').toMatchObject({ status: 'False', lastTransitionTime: EARLIER });
    expect(h.lastStatus?.serverVersion).toBe(VERSION);
  });

  it('the connection is deleted after it worked: registry cleared, client evicted, users woken; a repeat does nothing', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    h.store.remove(h.key);

    expect(await h.reconcile()).toEqual({ kind: 'None' });
    expect(h.state).toBeUndefined();
    expect(h.milvus.evicted).toEqual([PROD_KEY]);
    expect(h.changed).toEqual([PROD_KEY, PROD_KEY]);

    await h.reconcile();
    expect(h.milvus.evicted, 'evict once').toEqual([PROD_KEY]);
    expect(h.changed, 'wake once').toEqual([PROD_KEY, PROD_KEY]);
  });

  it('finalizer removed when no MilvusIndex uses the connection: no status write against the pre-removal resourceVersion', async () => {
    // The finalizer patch moves the resourceVersion on; a status write in the same pass with the
    // object read before it is refused (422 test failed) and costs a wasted write and a requeue.
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: [] });
    const requeue = await h.reconcile();
    expect(h.writer.ops[0], 'the finalizer goes first').toBe('removeFinalizer');
    expect(h.writer.refused, 'no doomed status write in the same pass').toEqual([]);
    expect(requeue, 'no immediate conflict retry').not.toEqual({ kind: 'After', ms: 0 });
    h.applyWrites();

    // Whatever the pass split, the connection ends verified, with usedBy 0 written.
    await h.reconcile();
    h.applyWrites();
    expect(h.store.get(h.key)?.metadata.finalizers ?? []).not.toContain(CONNECTION_FINALIZER);
    expect(h.store.get(h.key)?.status).toMatchObject({ usedBy: 0, serverVersion: VERSION });
    expect(h.state).toMatchObject({ ready: true });
  });

  it('add finalizer, then verify: the pass after the finalizer write verifies and writes status', async () => {
    const h = new Harness({ connection: aConnection().credentials('milvus-creds').build(), secrets: TOKEN_SECRET, indexes: USED });
    await h.reconcile();
    expect(h.writer.ops).toEqual(['addFinalizer']);
    h.applyWrites();
    await h.reconcile();
    expect(h.writer.ops).toEqual(['writeStatus']);
    expect(h.state).toMatchObject({ ready: true });
  });

  it('usedBy follows the number of users', async () => {
    const h = new Harness({ connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: [anIndexUsing('prod', 'MilvusConnection', 'a'), anIndexUsing('prod', 'MilvusConnection', 'b')] });
    await h.reconcile();
    expect(h.lastStatus?.usedBy).toBe(2);
    h.applyWrites();
    h.indexes.remove(`${NAMESPACE}/b`);
    await h.reconcile();
    expect(h.writer.ops).toEqual(['writeStatus']);
    expect(h.lastStatus?.usedBy).toBe(1);
  });
});

describe('connectionKeyOf: which MilvusIndexes use a connection', () => {
  const prod = aConnection('prod').build();
  const shared = aClusterConnection('shared').build();
  it.each([
    { name: 'same kind, name and namespace', reason: 'a user', given: { index: anIndexUsing('prod').build(), conn: prod }, want: true },
    { name: 'no connectionRef', reason: 'uses the default connection', given: { index: aMilvusIndex().build(), conn: prod }, want: false },
    { name: 'other name', reason: 'another connection', given: { index: anIndexUsing('dev').build(), conn: prod }, want: false },
    { name: 'other namespace', reason: 'MilvusConnection is same-namespace only', given: { index: inNamespace(anIndexUsing('prod'), 'other'), conn: prod }, want: false },
    { name: 'other kind', reason: 'kind must match', given: { index: anIndexUsing('prod', 'ClusterMilvusConnection').build(), conn: prod }, want: false },
    { name: 'cluster connection from any namespace', reason: 'cluster-scoped', given: { index: inNamespace(anIndexUsing('shared', 'ClusterMilvusConnection'), 'other'), conn: shared }, want: true },
  ])('$name', ({ reason, given, want }) => {
    expect(usesConnection(given.index, given.conn), reason).toBe(want);
  });
});

describe('a connection re-targeted while in use', () => {
  const OLD = 'http://milvus-prod.milvus.svc:19530/default';
  it('is announced once on each MilvusIndex using it, and the new endpoint is recorded in status', async () => {
    const h = new Harness({
      connection: aConnection().uri('milvus-2.milvus.svc.cluster.local:19530').withFinalizer().status({ endpoint: OLD }).build(),
      indexes: [anIndexUsing('prod', 'MilvusConnection', 'a'), anIndexUsing('prod', 'MilvusConnection', 'b')],
    });
    await h.reconcile();
    expect(h.lastStatus?.endpoint).toBe('http://milvus-2.milvus.svc:19530/default');
    expect(h.events).toEqual([
      expect.stringMatching(new RegExp(`^${NAMESPACE}/a Warning ConnectionRetargeted: MilvusConnection "prod" now points at http://milvus-2\\.milvus\\.svc:19530/default \\(was ${OLD}\\).*kept, not dropped`)),
      expect.stringMatching(new RegExp(`^${NAMESPACE}/b Warning ConnectionRetargeted`)),
    ]);
    h.applyWrites();
    await h.reconcile();
    expect(h.events, 'the recorded endpoint matches now: not announced again').toHaveLength(2);
  });

  it('the same Milvus spelled another way, or a connection nobody uses, announces nothing', async () => {
    const respelled = new Harness({ connection: aConnection().uri('http://Milvus-Prod.milvus.svc.cluster.local:19530').withFinalizer().status({ endpoint: OLD }).build(), indexes: [anIndexUsing('prod', 'MilvusConnection', 'a')] });
    await respelled.reconcile();
    expect(respelled.events).toEqual([]);
    const unused = new Harness({ connection: aConnection().uri('milvus-2.milvus.svc:19530').status({ endpoint: OLD }).build(), indexes: [] });
    await unused.reconcile();
    expect(unused.events).toEqual([]);
  });
});
