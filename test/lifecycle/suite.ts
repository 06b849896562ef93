// MilvusIndex lifecycle end to end, one definition for every tier: the REAL kube-apiserver + etcd of the harness
// and the REAL Milvus its globalSetup started (inject('milvusUri')), no mocks. What differs between servers comes
// from the LifecycleServer description (servers.ts); every title names the server the test ran against.
// Milvus writes are counted through the operator's write observer (MilvusWriteRecorder), per collection.
import { readFileSync } from 'node:fs';

import type { KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import { ANNOTATION_CREATE_INTENT, FINALIZER, type MilvusIndex } from '../../src/api/milvusindex.js';
import { BUILD_QUIET_MS } from '../../src/reconcile/decide/build.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import {
  createCollection,
  createJsonCollection,
  createFlushedCollection,
  createIndexDirectly,
  describeIndexes,
  dropIndexDirectly,
  loadCollection,
  loadState,
  sdkClient,
  uniqueCollection,
  waitForLoadState,
} from '../support/milvus.js';
import { conditionOf, kubeWrites, MilvusIndexes, readyOf, startTestOperator, type TestOperator } from '../support/operator.js';
import type { LifecycleServer } from './servers.js';

/** Rows of the long-build test: enough that the real Milvus 2.3 needs tens of seconds to build HNSW here. */
const LONG_BUILD_ROWS = 60_000;

const LOADED = 'LoadStateLoaded';
const NOT_LOADED = 'LoadStateNotLoad';
/** Three periods of the suite's `--resync-period 2s`: long enough for a retry loop to show. */
const THREE_RESYNCS_MS = 6_000;

export function describeLifecycle(server: LifecycleServer): void {
  const servers = `[kube-apiserver + ${server.title}]`;
  /** The load state of a collection nobody loaded or released since its (vector) index went away or came. */
  const unloadedState = server.indexlessCollectionsLoaded ? LOADED : NOT_LOADED;
  /**
   * What the operator writes to reload a collection it released to drop and re-create its index: nothing on a
   * server that reports the index-less collection Loaded again by itself (Lite), LoadCollection on real Milvus.
   */
  const reloadAfterRecreate: string[] = server.indexlessCollectionsLoaded ? [] : ['LoadCollection'];

  describe(`MilvusIndex lifecycle ${servers}`, () => {
    let kc: KubeConfig;
    let op: TestOperator;
    let client: MilvusClient;
    let mis: MilvusIndexes;
    let ns: string;
    const startOperator = (): Promise<TestOperator> => startTestOperator(kc, ns, ['--resync-period', '2s'], { MILVUS_URI: inject('milvusUri') });

    beforeAll(async () => {
      kc = kubeConfigFromProvided(inject('kubeconfigYaml'));
      ns = await createTestNamespace(kc, `lifecycle-${server.id}`);
      op = await startOperator();
      client = sdkClient(inject('milvusUri'));
      mis = new MilvusIndexes(kc, ns);
    });

    afterEach((ctx) => {
      if (ctx.task.result?.state !== 'fail') return;
      console.log(`--- operator (last 30 log lines) ---\n${op?.logs.slice(-30).join('\n')}`);
      console.log(`--- ${server.title}: ${inject('milvusLogPath')} (last 30 lines) ---\n${tail(inject('milvusLogPath'), 30)}`);
    });

    afterAll(async () => {
      await op?.stop();
      await client?.closeConnection();
    });

    const hnsw = (collectionName: string, extra: Record<string, unknown> = {}) => ({
      collectionName, fieldName: 'vec', indexType: 'HNSW', metricType: 'COSINE', params: { M: 16, efConstruction: 64 }, allowCollectionRelease: true, ...extra,
    });
    const writesOn = (c: string) => op.milvusWrites.actionsOn(c);
    const readyAt = (name: string, generation: number | undefined, timeoutMs?: number) =>
      mis.waitFor(name, (x) => readyOf(x)?.status === 'True' && x?.status?.observedGeneration === generation, 'Ready at the new generation', timeoutMs);

    it(`creates the index and goes Ready; describeIndex shows it as sent; the operator loads nothing ${servers}`, async () => {
      const c = uniqueCollection('create');
      await createCollection(client, c);
      await mis.create({ name: 'create', spec: hnsw(c) });
      const r = await mis.waitForReady('create');
      expect(r?.metadata.finalizers).toContain(FINALIZER);
      expect(r?.status?.ownership).toBe('Created');
      expect(r?.status?.database).toBe('default');
      expect(r?.status?.index?.state).toBe('Finished');
      expect(r?.status?.index?.progress).toBe('100%');
      // Real Milvus counts only flushed segments: the 20 inserted rows are still growing there.
      expect(r?.status?.index?.totalRows).toBe(server.realBuilds ? 0 : 20);
      expect(conditionOf(r, 'Reconciling')).toBe('False');
      expect(conditionOf(r, 'Stalled')).toBe('False');
      const indexes = await describeIndexes(client, c);
      expect(indexes).toHaveLength(1);
      expect(indexes[0]).toMatchObject({ index_name: 'vec', field_name: 'vec' });
      expect(indexes[0]!.params.index_type).toBe('HNSW');
      expect(indexes[0]!.params.metric_type).toBe('COSINE');
      expect(indexes[0]!.params.params).toBe(server.hnswParamsText);
      expect(await loadState(client, c)).toBe(unloadedState);
      expect(writesOn(c)).toEqual(['CreateIndex']);
      await mis.waitForEvents('create', ['IndexCreated']);
      // Built in the pass that created it: one Event says both (src/reconcile/pass-events.ts); else a later IndexBuilt.
      const events = await mis.events('create');
      const builtSaid = events.some((e) => e.reason === 'IndexBuilt') || events.some((e) => e.reason === 'IndexCreated' && / is built \(/.test(e.message));
      expect(builtSaid, `events: ${JSON.stringify(events)}`).toBe(true);
    });

    it.skipIf(!server.realBuilds)(`reports Building while Milvus builds the index over flushed rows, then IndexBuilt at 100% ${servers}${server.realBuilds ? '' : ' (not observable: this server builds inside createIndex)'}`, async () => {
      const c = uniqueCollection('building');
      await createFlushedCollection(client, c, LONG_BUILD_ROWS, 64);
      // Every other resource of this suite is settled by now: idle reconciles write nothing, so the
      // process-wide counter measures this resource's status writes.
      const statusWritesBefore = await kubeWrites(op.metrics, 'status');
      const applied = Date.now();
      await mis.create({ name: 'building', spec: { ...hnsw(c), metricType: 'L2', params: { M: 32, efConstruction: 256 } } });
      const seen: MilvusIndex[] = [];
      const r = await mis.waitFor(
        'building',
        (x) => {
          if (x) seen.push(x);
          return readyOf(x)?.status === 'True' && x?.status?.observedGeneration === x?.metadata.generation;
        },
        'Ready',
        180_000,
      );
      // The create's intent rode on the finalizer write (decide/create-intent.ts): the first status after the create
      // reports the build (Building, with status.index progress); a build of ours then reports no further progress
      // for its first BUILD_QUIET_MS. A status recorded before the create (the intent of a create after the first)
      // says Building with the pending Create.
      const building = seen.filter((x) => readyOf(x)?.reason === 'Building' && x.status?.index?.state !== 'Finished');
      expect(building.length, `statuses seen: ${JSON.stringify(seen.map((x) => [readyOf(x)?.reason, x.status?.index]).slice(0, 5))}`).toBeGreaterThan(0);
      for (const b of building) {
        expect(conditionOf(b, 'Reconciling')).toBe('True');
        if (b.status?.index === undefined) {
          expect(b.status?.pendingOperation?.operation).toBe('Create');
          expect(readyOf(b)?.message).toMatch(/^Creating index "/);
        } else {
          expect(['Unissued', 'InProgress']).toContain(b.status.index.state);
          expect(b.status.index.pendingIndexRows).toBeGreaterThan(0);
          expect(readyOf(b)?.message).toMatch(new RegExp(`is building: \\d+/${LONG_BUILD_ROWS} rows indexed`));
        }
      }
      expect(r?.status?.index).toMatchObject({ state: 'Finished', indexedRows: LONG_BUILD_ROWS, totalRows: LONG_BUILD_ROWS, pendingIndexRows: 0, progress: '100%' });
      expect(readyOf(r)?.reason).toBe('IndexBuilt');
      const statusWrites = (await kubeWrites(op.metrics, 'status')) - statusWritesBefore;
      const tookMs = Date.now() - applied;
      console.log(`[long-build] ${server.title}: apply → Ready ${tookMs} ms over ${LONG_BUILD_ROWS} rows (HNSW M=32, efConstruction=256); ${statusWrites} status writes; ${building.length} Building views polled`);
      expect(statusWrites, 'at most 4 status writes from apply to Ready, whatever the build time').toBeLessThanOrEqual(4);
      if (tookMs < BUILD_QUIET_MS) expect(statusWrites, 'a build shorter than BUILD_QUIET_MS: its first report (Building) and Ready only').toBe(2);

      // After the first Ready, new rows show in status.index, not as a flapping Ready.
      const more = Array.from({ length: 2000 }, (_, i) => ({ id: 1_000_000 + i, vec: Array.from({ length: 64 }, () => Math.random()) }));
      for (let batch = 0; batch < 4; batch++) {
        await client.insert({ collection_name: c, data: more.slice(batch * 500, batch * 500 + 500) });
        await client.flush({ collection_names: [c] });
        const now = await mis.get('building');
        expect(readyOf(now)?.status, `Ready after insert batch ${batch}`).toBe('True');
      }
      const deadline = Date.now() + 6_000;
      while (Date.now() < deadline) {
        expect(readyOf(await mis.get('building'))?.status, 'Ready stays True under continuous inserts').toBe('True');
        await new Promise((res) => setTimeout(res, 500));
      }
    });

    // What a process leaves behind when it stops between a first create and the first status write: the finalizer and
    // the create-intent annotation it wrote together (decide/create-intent.ts), the index in Milvus, no status. It is
    // set up directly (the window is one observation long), then a new process takes over.
    it(`a process stopped after a first create, before any status: a deletion while no operator runs drops the index ${servers}`, async () => {
      const c = uniqueCollection('quietcrash');
      await createCollection(client, c);
      await createIndexDirectly(client, c, 'vec', 'HNSW', 'COSINE', { M: 16, efConstruction: 64 });
      await op.stop();
      await mis.create({ name: 'quietcrash', finalizers: [FINALIZER], annotations: { [ANNOTATION_CREATE_INTENT]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, spec: hnsw(c) });
      await mis.delete('quietcrash');
      op = await startOperator();
      await mis.waitForGone('quietcrash', 120_000);
      expect(await describeIndexes(client, c), 'the index the first process created is dropped, not orphaned').toEqual([]);
      expect(writesOn(c)).toEqual(server.indexlessCollectionsLoaded ? ['ReleaseCollection', 'DropIndex'] : ['DropIndex']);
    });

    it(`a process stopped after a first create, before any status: the next one claims the index as Created (adoptionPolicy Never does not refuse it), with zero Milvus writes ${servers}`, async () => {
      const c = uniqueCollection('intentclaim');
      await createCollection(client, c);
      await createIndexDirectly(client, c, 'vec', 'HNSW', 'COSINE', { M: 16, efConstruction: 64 });
      await mis.create({ name: 'intentclaim', finalizers: [FINALIZER], annotations: { [ANNOTATION_CREATE_INTENT]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, spec: { ...hnsw(c), adoptionPolicy: 'Never' } });
      const r = await mis.waitForReady('intentclaim');
      expect(r?.status?.ownership).toBe('Created');
      expect(r?.status?.pendingOperation).toBeUndefined();
      expect(writesOn(c)).toEqual([]);
    });

    it(`adopts a pre-existing index whose definition matches, with zero Milvus writes ${servers}`, async () => {
      const c = uniqueCollection('adopt');
      await createCollection(client, c);
      await createIndexDirectly(client, c, 'vec', 'HNSW', 'COSINE', { M: 16, efConstruction: 64 });
      await mis.create({ name: 'adopt', spec: hnsw(c) });
      const r = await mis.waitForReady('adopt');
      expect(r?.status?.ownership).toBe('Adopted');
      expect(writesOn(c)).toEqual([]);
      await mis.waitForEvents('adopt', ['IndexAdopted']);
    });

    it(`reports CollectionNotFound until the collection exists, then goes Ready ${servers}`, async () => {
      const c = uniqueCollection('later');
      await mis.create({ name: 'later', spec: hnsw(c) });
      const waiting = await mis.waitForReady('later', 'False', 'CollectionNotFound');
      expect(readyOf(waiting)?.message).toContain(c);
      expect(conditionOf(waiting, 'Stalled')).toBe('False');
      expect(await describeIndexes(client, c).catch(() => [])).toEqual([]);
      await createCollection(client, c);
      await mis.waitForReady('later', 'True', 'IndexBuilt');
      expect(await describeIndexes(client, c)).toHaveLength(1);
    });

    it(`reports FieldNotFound for a field the collection lacks ${servers}`, async () => {
      const c = uniqueCollection('nofield');
      await createCollection(client, c);
      await mis.create({ name: 'nofield', spec: { ...hnsw(c), fieldName: 'embedding' } });
      const r = await mis.waitForReady('nofield', 'False', 'FieldNotFound');
      expect(readyOf(r)?.message).toContain('embedding');
      expect(await describeIndexes(client, c)).toEqual([]);
    });

    it(`drops the index when the resource is deleted (releasing the collection only if it is loaded), then the resource is gone ${servers}`, async () => {
      const c = uniqueCollection('delete');
      await createCollection(client, c);
      await mis.create({ name: 'delete', spec: hnsw(c) });
      await mis.waitForReady('delete');
      expect(await describeIndexes(client, c)).toHaveLength(1);
      await mis.delete('delete');
      await mis.waitForGone('delete');
      expect(await describeIndexes(client, c)).toEqual([]);
      const released = server.indexlessCollectionsLoaded;
      expect(writesOn(c)).toEqual(released ? ['CreateIndex', 'ReleaseCollection', 'DropIndex'] : ['CreateIndex', 'DropIndex']);
      expect((await mis.events('delete')).map((e) => e.reason).includes('CollectionReleased')).toBe(released);
    });

    it(`deleting with allowCollectionRelease on a LOADED collection releases it, drops the vector index and does not load it again ${servers}`, async () => {
      const c = uniqueCollection('dropload');
      await createCollection(client, c);
      await mis.create({ name: 'dropload', spec: hnsw(c) });
      await mis.waitForReady('dropload');
      await loadCollection(client, c);
      await mis.delete('dropload');
      await mis.waitForGone('dropload');
      expect(await describeIndexes(client, c)).toEqual([]);
      // A collection without a vector index cannot be loaded again; the operator reloads only after scalar drops.
      expect(writesOn(c)).toEqual(['CreateIndex', 'ReleaseCollection', 'DropIndex']);
      expect(await loadState(client, c)).toBe(unloadedState);
    });

    it(`keeps the index with deletionPolicy Retain ${servers}`, async () => {
      const c = uniqueCollection('retain');
      await createCollection(client, c);
      await mis.create({ name: 'retain', spec: hnsw(c, { deletionPolicy: 'Retain' }) });
      await mis.waitForReady('retain');
      await mis.delete('retain');
      await mis.waitForGone('retain');
      expect(await describeIndexes(client, c)).toHaveLength(1);
      expect(writesOn(c)).toEqual(['CreateIndex']);
    });

    it(`re-creates an index dropped out of band on the next resync (DriftRepaired) ${servers}`, async () => {
      const c = uniqueCollection('drift');
      await createCollection(client, c);
      await mis.create({ name: 'drift', spec: hnsw(c) });
      await mis.waitForReady('drift');
      await dropIndexDirectly(client, c, 'vec', 'vec');
      expect(await describeIndexes(client, c)).toEqual([]);
      const deadline = Date.now() + 30_000;
      while ((await describeIndexes(client, c)).length === 0) {
        if (Date.now() > deadline) throw new Error('index was not re-created within 30 s of resync');
        await new Promise((r) => setTimeout(r, 200));
      }
      await mis.waitForReady('drift');
      await mis.waitForEvents('drift', ['DriftRepaired']);
      expect(writesOn(c).filter((a) => a === 'CreateIndex')).toHaveLength(2);
    });

    it(`reports Conflict for a pre-existing index with another definition and drops nothing ${servers}`, async () => {
      const c = uniqueCollection('mismatch');
      await createCollection(client, c);
      await createIndexDirectly(client, c, 'vec', 'HNSW', 'L2', { M: 8, efConstruction: 32 });
      await mis.create({ name: 'mismatch', spec: hnsw(c, { updatePolicy: 'Recreate' }) });
      const r = await mis.waitForReady('mismatch', 'False', 'Conflict');
      expect(readyOf(r)?.message).toMatch(/metricType: Milvus has L2, spec wants COSINE/);
      expect(conditionOf(r, 'Stalled')).toBe('True');
      expect(r?.status?.ownership).toBeUndefined();
      const idx = await describeIndexes(client, c);
      expect(idx).toHaveLength(1);
      expect(idx[0]!.params.metric_type).toBe('L2');
      // Deleting a resource that never owned the index leaves the index alone.
      await mis.delete('mismatch');
      await mis.waitForGone('mismatch');
      expect(await describeIndexes(client, c)).toHaveLength(1);
      expect(writesOn(c)).toEqual([]);
    });

    it(`refuses a changed definition with updatePolicy Reject (ImmutableChange) and keeps the index ${servers}`, async () => {
      const c = uniqueCollection('reject');
      await createCollection(client, c);
      await mis.create({ name: 'reject', spec: hnsw(c) });
      await mis.waitForReady('reject');
      const before = writesOn(c);
      await mis.mergePatch('reject', { spec: { params: { M: 32 } } });
      const r = await mis.waitForReady('reject', 'False', 'ImmutableChange');
      expect(readyOf(r)?.message).toContain('params.M: Milvus has 16, spec wants 32');
      expect(readyOf(r)?.message).toContain('updatePolicy: Recreate');
      expect(writesOn(c)).toEqual(before);
      expect(await describeIndexes(client, c)).toHaveLength(1);
    });

    it(`recreates the index with updatePolicy Recreate when release is allowed (releasing and reloading only a loaded collection) ${servers}`, async () => {
      const c = uniqueCollection('recreate');
      await createCollection(client, c);
      await mis.create({ name: 'recreate', spec: hnsw(c, { updatePolicy: 'Recreate' }) });
      await mis.waitForReady('recreate');
      const r = await readyAt('recreate', (await mis.mergePatch('recreate', { spec: { params: { M: 32 } } })).metadata.generation);
      expect(r?.status?.pendingOperation).toBeUndefined();
      const idx = await describeIndexes(client, c);
      expect(idx).toHaveLength(1);
      expect(JSON.parse(idx[0]!.params.params ?? '{}')).toMatchObject({ M: 32 });
      await waitForLoadState(client, c, unloadedState);
      expect(writesOn(c)).toEqual(
        server.indexlessCollectionsLoaded ? ['CreateIndex', 'ReleaseCollection', 'DropIndex', 'CreateIndex'] : ['CreateIndex', 'DropIndex', 'CreateIndex'],
      );
    });

    it(`recreates on a LOADED collection: release, drop, create, build, loaded again ${servers}`, async () => {
      const c = uniqueCollection('reload');
      await createCollection(client, c);
      await mis.create({ name: 'reload', spec: hnsw(c, { updatePolicy: 'Recreate' }) });
      await mis.waitForReady('reload');
      await loadCollection(client, c);
      const r = await readyAt('reload', (await mis.mergePatch('reload', { spec: { params: { M: 32 } } })).metadata.generation, 120_000);
      expect(r?.status?.pendingOperation).toBeUndefined();
      expect(JSON.parse((await describeIndexes(client, c))[0]!.params.params ?? '{}')).toMatchObject({ M: 32 });
      await waitForLoadState(client, c, LOADED);
      const reasons = await mis.waitForEvents('reload', ['CollectionReleased', 'IndexDropped', ...(reloadAfterRecreate.length > 0 ? ['CollectionLoaded'] : [])]);
      expect(reasons.includes('CollectionLoaded')).toBe(reloadAfterRecreate.length > 0);
      expect(writesOn(c)).toEqual(['CreateIndex', 'ReleaseCollection', 'DropIndex', 'CreateIndex', ...reloadAfterRecreate]);
    });

    it(`blocks deletion of an index on a loaded collection without allowCollectionRelease; skip-drop finishes it ${servers}`, async () => {
      const c = uniqueCollection('blocked');
      await createCollection(client, c);
      await mis.create({ name: 'blocked', spec: hnsw(c, { allowCollectionRelease: false }) });
      await mis.waitForReady('blocked');
      expect(await loadState(client, c)).toBe(unloadedState);
      if (!server.indexlessCollectionsLoaded) await loadCollection(client, c);
      await mis.delete('blocked');
      const r = await mis.waitForReady('blocked', 'False', 'DeletionBlocked');
      expect(readyOf(r)?.message).toContain('allowCollectionRelease');
      expect(readyOf(r)?.message).toContain('index.milvus.io/skip-drop');
      expect(r?.metadata.finalizers).toContain(FINALIZER);
      await mis.mergePatch('blocked', { metadata: { annotations: { 'index.milvus.io/skip-drop': 'true' } } });
      await mis.waitForGone('blocked');
      expect(await describeIndexes(client, c)).toHaveLength(1);
      expect(await loadState(client, c)).toBe(LOADED);
      expect(writesOn(c)).toEqual(['CreateIndex']);
    });

    it(`lets the oldest of two resources on one index own it; deleting the owner hands over without dropping ${servers}`, async () => {
      const c = uniqueCollection('twins');
      await createCollection(client, c);
      await mis.create({ name: 'twin-a', spec: hnsw(c) });
      await mis.waitForReady('twin-a');
      await mis.create({ name: 'twin-b', spec: hnsw(c) });
      const b = await mis.waitForReady('twin-b', 'False', 'Conflict');
      expect(readyOf(b)?.message).toContain('twin-a');
      await mis.delete('twin-a');
      await mis.waitForGone('twin-a');
      expect(await describeIndexes(client, c)).toHaveLength(1);
      const taken = await mis.waitForReady('twin-b', 'True');
      expect(taken?.status?.ownership).toBe('Adopted');
      expect(writesOn(c)).toEqual(['CreateIndex']);
    });

    it(`paused: observes only, no Milvus writes, Ready message starts with "Paused:" ${servers}`, async () => {
      const c = uniqueCollection('paused');
      await createCollection(client, c);
      await mis.create({ name: 'paused', annotations: { 'index.milvus.io/paused': 'true' }, spec: hnsw(c) });
      const r = await mis.waitFor('paused', (x) => (readyOf(x)?.message ?? '').startsWith('Paused:'), 'reported as paused');
      expect(r?.metadata.finalizers).toContain(FINALIZER);
      expect(writesOn(c)).toEqual([]);
      expect(await describeIndexes(client, c)).toEqual([]);
      await mis.mergePatch('paused', { metadata: { annotations: { 'index.milvus.io/paused': null } } });
      await mis.waitForReady('paused');
      expect(await describeIndexes(client, c)).toHaveLength(1);
    });

    const alter = server.alterIndex;
    it(`AlterIndex through SDK 3.x: ${alter.kind === 'resolves-empty' ? 'UNIMPLEMENTED, the SDK resolves {}' : `throws gRPC ${alter.code} ${alter.details.source}, not UNIMPLEMENTED`}; nothing changes ${servers}`, async () => {
      const c = uniqueCollection('alter');
      await createCollection(client, c);
      await createIndexDirectly(client, c, 'vec', 'HNSW', 'COSINE', { M: 16, efConstruction: 64 });
      // The call as the operator makes it.
      const outcome = await client.alterIndexProperties({ collection_name: c, index_name: 'vec', params: { 'mmap.enabled': true } }).then(
        (res) => ({ res: res as unknown, err: undefined as { code?: number; details?: string } | undefined }),
        (err: { code?: number; details?: string }) => ({ res: undefined, err }),
      );
      if (alter.kind === 'resolves-empty') {
        expect(outcome.err).toBeUndefined();
        expect(outcome.res).toEqual({});
      } else {
        expect(outcome.res, 'the SDK resolved instead of throwing: the server or SDK changed; update servers.ts').toBeUndefined();
        expect(outcome.err?.code).toBe(alter.code);
        expect(outcome.err?.details).toMatch(alter.details);
      }
      expect((await describeIndexes(client, c))[0]!.params['mmap.enabled']).toBeUndefined();
    });

    it(`index properties on a server without AlterIndex: Unsupported (Stalled), collection load state restored, no retry loop ${servers}`, async () => {
      const c = uniqueCollection('props');
      await createCollection(client, c);
      await mis.create({ name: 'props', spec: hnsw(c, { properties: { 'mmap.enabled': 'true' } }) });
      try {
        await mis.waitForReady('props', 'False', 'Unsupported', 90_000);
        // The collection released for the attempt is loaded again, and nothing is retried after that.
        const r = await mis.waitFor('props', (x) => x?.status?.pendingOperation === undefined, 'done with the attempt');
        expect(conditionOf(r, 'Stalled')).toBe('True');
        expect(readyOf(r)?.message).toMatch(/alter properties/);
        expect(await describeIndexes(client, c)).toHaveLength(1);
        await waitForLoadState(client, c, unloadedState);
        const attempt = server.indexlessCollectionsLoaded
          ? ['CreateIndex', 'ReleaseCollection', 'AlterProperties', 'LoadCollection']
          : ['CreateIndex', 'AlterProperties'];
        expect(writesOn(c)).toEqual(attempt);
        await new Promise((res) => setTimeout(res, THREE_RESYNCS_MS));
        expect(writesOn(c)).toEqual(attempt);
      } finally {
        // A retrying resource keeps writing to Milvus: delete it so a failure here does not spill into other rows.
        await mis.delete('props');
        await mis.waitForGone('props');
      }
    });

    const varchar = server.varcharIndex;
    it(`${varchar.refused} on VarChar: the server refuses it (InvalidSpec, Stalled, nothing created); ${varchar.accepted} goes Ready ${servers}`, async () => {
      const c = uniqueCollection('scalar');
      await createCollection(client, c);
      await mis.create({ name: 'scalar', spec: { collectionName: c, fieldName: 'title', indexType: varchar.refused } });
      const r = await mis.waitForReady('scalar', 'False', 'InvalidSpec');
      expect(readyOf(r)?.message).toMatch(/Milvus refused to create index/);
      expect(readyOf(r)?.message).toMatch(varchar.refusal);
      expect(conditionOf(r, 'Stalled')).toBe('True');
      expect(r?.status?.ownership).toBeUndefined();
      expect(await describeIndexes(client, c)).toEqual([]);
      await mis.mergePatch('scalar', { spec: { indexType: varchar.accepted } });
      const ok = await mis.waitForReady('scalar');
      expect(ok?.status?.ownership).toBe('Created');
      const idx = await describeIndexes(client, c);
      expect(idx).toHaveLength(1);
      expect(idx[0]).toMatchObject({ index_name: 'title', field_name: 'title' });
      expect(idx[0]!.params.index_type).toBe(varchar.acceptedAs);
    });

    it(`a spec the server refused (InvalidSpec) is not sent again on resync ${servers}`, async () => {
      const c = uniqueCollection('refused');
      await createCollection(client, c);
      await mis.create({ name: 'refused', spec: { collectionName: c, fieldName: 'title', indexType: varchar.refused } });
      try {
        await mis.waitForReady('refused', 'False', 'InvalidSpec');
        // Nothing in Milvus records the refusal, so only the operator can keep from sending it on every resync.
        expect(writesOn(c)).toEqual(['CreateIndex']);
        await new Promise((res) => setTimeout(res, THREE_RESYNCS_MS));
        expect(writesOn(c)).toEqual(['CreateIndex']);
      } finally {
        await mis.delete('refused');
        await mis.waitForGone('refused');
      }
    });

    it(`HNSW without efConstruction: ${server.hnswNeedsEfConstruction ? 'the server refuses it (InvalidSpec); with it the spec goes Ready' : 'Ready on the server default'} ${servers}`, async () => {
      const c = uniqueCollection('noef');
      await createCollection(client, c);
      await mis.create({ name: 'noef', spec: { ...hnsw(c), params: { M: 16 } } });
      if (server.hnswNeedsEfConstruction) {
        const r = await mis.waitForReady('noef', 'False', 'InvalidSpec');
        expect(readyOf(r)?.message).toMatch(/Milvus refused to create index.*efConstruction out of range/);
        expect(conditionOf(r, 'Stalled')).toBe('True');
        expect(r?.status?.ownership).toBeUndefined();
        await mis.mergePatch('noef', { spec: { params: { efConstruction: 64 } } });
        await mis.waitForReady('noef');
        expect(JSON.parse((await describeIndexes(client, c))[0]!.params.params ?? '{}')).toEqual({ M: 16, efConstruction: 64 });
      } else {
        const r = await mis.waitForReady('noef');
        expect(r?.status?.ownership).toBe('Created');
        expect(JSON.parse((await describeIndexes(client, c))[0]!.params.params ?? '{}')).toEqual({ M: 16 });
      }
    });

    it.skipIf(!server.hnswNeedsEfConstruction)(`Recreate to a definition the server refuses restores the previous index (IndexRestored), no drop loop ${servers}${server.hnswNeedsEfConstruction ? '' : ' (this server accepts HNSW without efConstruction: nothing to refuse)'}`, async () => {
      const c = uniqueCollection('restore');
      await createCollection(client, c);
      await mis.create({ name: 'restore', spec: { ...hnsw(c), updatePolicy: 'Recreate' } });
      await mis.waitForReady('restore');
      const before = await describeIndexes(client, c);
      // A spec our own checks accept but this server refuses (no efConstruction).
      await mis.mergePatch('restore', { spec: { params: { efConstruction: null } } });
      const r = await mis.waitFor('restore', (x) => readyOf(x)?.reason === 'InvalidSpec' && /restored with its previous definition/.test(readyOf(x)?.message ?? ''), 'InvalidSpec, restored', 120_000);
      expect(conditionOf(r, 'Stalled')).toBe('True');
      const after = await describeIndexes(client, c);
      expect(after, 'the index exists again, with the definition it had').toHaveLength(1);
      expect(JSON.parse(after[0]!.params.params ?? '{}')).toEqual(JSON.parse(before[0]!.params.params ?? '{}'));
      expect(writesOn(c)).toEqual(expect.arrayContaining(['DropIndex', 'CreateIndex']));
      const writes = writesOn(c).length;
      await mis.waitForEvents('restore', ['IndexRestored']);
      // Resyncs (2 s) of the same generation drop nothing more.
      await new Promise((res) => setTimeout(res, 5_000));
      expect(writesOn(c).length, 'no drop loop').toBe(writes);
    });

    it(`stalls an out-of-range param as InvalidSpec with zero Milvus writes ${servers}`, async () => {
      const c = uniqueCollection('badm');
      await createCollection(client, c);
      await mis.create({ name: 'badm', spec: hnsw(c, { params: { M: 1 } }) });
      const r = await mis.waitForReady('badm', 'False', 'InvalidSpec');
      expect(readyOf(r)?.message).toContain('params.M of HNSW must be between 2 and 2048, got 1');
      expect(conditionOf(r, 'Stalled')).toBe('True');
      expect(conditionOf(r, 'Reconciling')).toBe('False');
      expect(writesOn(c)).toEqual([]);
      expect(await describeIndexes(client, c)).toEqual([]);
      // Fixing the spec clears it.
      await mis.mergePatch('badm', { spec: { params: { M: 16, efConstruction: 64 } } });
      await mis.waitForReady('badm');
    });

    it(`stalls an index type that does not fit the field type as InvalidSpec with zero writes ${servers}`, async () => {
      const c = uniqueCollection('badtype');
      await createCollection(client, c);
      await mis.create({ name: 'badtype', spec: { collectionName: c, fieldName: 'title', indexType: 'HNSW', metricType: 'L2' } });
      const r = await mis.waitForReady('badtype', 'False', 'InvalidSpec');
      expect(readyOf(r)?.message).toContain('cannot index field "title" of type VarChar');
      expect(writesOn(c)).toEqual([]);
    });

    it(`JSON path indexes (AUTOINDEX on meta["a"], INVERTED on meta["b"]["c"]): this server has none, so both are Unsupported naming the version that can, neither a Conflict, each create sent once ${servers}`, async () => {
      const c = uniqueCollection('jsonpath');
      await createJsonCollection(client, c);
      const base = { collectionName: c, fieldName: 'meta' };
      await mis.create({ name: 'meta-a', spec: { ...base, indexType: 'AUTOINDEX', params: { json_path: 'meta["a"]', json_cast_type: 'VARCHAR' } } });
      await mis.create({ name: 'meta-b-c', spec: { ...base, indexType: 'INVERTED', params: { json_path: 'meta["b"]["c"]', json_cast_type: 'DOUBLE' } } });
      for (const [name, indexName] of [['meta-a', 'meta_a'], ['meta-b-c', 'meta_b_c']] as const) {
        const r = await mis.waitForReady(name, 'False', 'Unsupported');
        expect(readyOf(r)?.message, name).toMatch(/This Milvus version cannot index JSON paths.*JSON path indexes need Milvus 2\.5 or newer/);
        expect(readyOf(r)?.message, name).toContain(`create index "${indexName}" on ${c}.meta`);
        expect(conditionOf(r, 'Stalled'), name).toBe('True');
        expect(r?.status?.unsupported, name).toMatchObject({ what: 'JsonPathIndex', message: expect.stringMatching(/JSON/) });
        expect(r?.status?.ownership, name).toBeUndefined();
      }
      const creates = op.milvusWrites.on(c).filter((w) => w.action === 'CreateIndex');
      expect(creates.map((w) => w.name).sort(), 'one create per resource, not retried').toEqual(['meta-a', 'meta-b-c']);
      expect(await describeIndexes(client, c)).toEqual([]);
    });

    it(`the API server refuses identity changes (CEL) and invalid enums ${servers}`, async () => {
      const c = uniqueCollection('cel');
      await mis.create({ name: 'cel', annotations: { 'index.milvus.io/paused': 'true' }, spec: hnsw(c) });
      await expect(mis.mergePatch('cel', { spec: { collectionName: 'other' } })).rejects.toThrow(/collectionName is immutable/);
      await expect(mis.mergePatch('cel', { spec: { indexName: 'x' } })).rejects.toThrow(/indexName is immutable/);
      await expect(mis.mergePatch('cel', { spec: { deletionPolicy: 'Sometimes' } })).rejects.toThrow(/spec.deletionPolicy: Unsupported value/);
      await expect(mis.create({ name: 'cel2', spec: { ...hnsw(c), collectionName: '1bad-name' } })).rejects.toThrow(/collectionName/);
    });
  });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
