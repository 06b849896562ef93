// The Argo CD health scripts shipped in deploy/argocd/health/, executed in a real Lua VM (fengari) over
// statuses the operator itself computes (decide() for MilvusIndex, connectionSummary for connections),
// and the argocd-cm snippet generated from them (no drift).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_MILVUS_CONNECTION, MILVUS_CONNECTION, type ConnectionReadyReason, type ConnectionStatus } from '../../src/api/connection.js';
import { API_VERSION, GROUP, type MilvusIndex, type MilvusIndexStatus } from '../../src/api/milvusindex.js';
import { applySummary } from '../../src/reconcile/conditions.js';
import { connectionSummary } from '../../src/reconcile/connection/summary.js';
import { ARGOCD_CM_FILE, HEALTH_DIR, healthScripts, renderArgoCdCm } from '../../scripts/argocd-cm.js';
import { runHealthScript } from '../support/lua-health.js';
import { NOW, aMilvusIndex, anIndex, anObservation } from './fakes.js';
import { fresh, owned, ownedChanged, run } from './decide/table.js';

const script = (kind: string) => readFileSync(join(HEALTH_DIR, `${GROUP}_${kind}.lua`), 'utf8');
const KINDS = ['MilvusIndex', MILVUS_CONNECTION.kind, CLUSTER_MILVUS_CONNECTION.kind];

/** The resource as stored after the operator wrote the status decide() planned for it. */
function afterReconcile(obs: ReturnType<ReturnType<typeof anObservation>['build']>): MilvusIndex {
  const status = run({ observation: obs }).status;
  expect(status, 'decide planned a status').toBeDefined();
  return { ...obs.resource, status: status as MilvusIndexStatus };
}

describe('Argo CD health: MilvusIndex', () => {
  const lua = script('MilvusIndex');
  const rows: Array<{ name: string; obj: () => MilvusIndex; status: string; message: RegExp }> = [
    { name: 'never reconciled (no status)', obj: () => fresh().build(), status: 'Progressing', message: /observe generation 2/ },
    { name: 'index built: Ready=True', obj: () => afterReconcile(anObservation(owned()).index(anIndex()).build()), status: 'Healthy', message: /./ },
    { name: 'building: Ready=False/Building, Reconciling', obj: () => afterReconcile(anObservation(aMilvusIndex().ownership('Created')).index(anIndex().building(1, 10)).build()), status: 'Progressing', message: /build/i },
    { name: 'collection not there yet: Reconciling', obj: () => afterReconcile(anObservation(fresh()).collectionNotFound().build()), status: 'Progressing', message: /collection/i },
    { name: 'connection not ready (e.g. its Secret is on its way): Reconciling', obj: () => afterReconcile(anObservation(fresh()).connectionNotReady().build()), status: 'Progressing', message: /URI/ },
    { name: 'immutable change with updatePolicy Reject: Stalled', obj: () => afterReconcile(anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 } })).index(anIndex()).build()), status: 'Degraded', message: /./ },
    { name: 'spec changed, not yet observed (conditions of the previous generation)', obj: () => ownedChanged().build(), status: 'Progressing', message: /observe generation 3/ },
    { name: 'paused (index.milvus.io/paused: "true"): Suspended, with the operator\'s message', obj: () => afterReconcile(anObservation(owned().paused()).index(anIndex()).build()), status: 'Suspended', message: /^Paused:/ },
    { name: 'paused before any status', obj: () => fresh().paused().build(), status: 'Suspended', message: /paused/ },
  ];
  it.each(rows)('$name → $status', ({ obj, status, message }) => {
    const hs = runHealthScript(lua, obj());
    expect(hs.status).toBe(status);
    expect(hs.message ?? '').toMatch(message);
  });

  it('Degraded carries the Stalled message (what a person must do)', () => {
    const obj = afterReconcile(anObservation(ownedChanged().spec({ params: { M: 32, efConstruction: 200 } })).index(anIndex()).build());
    const stalled = obj.status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled?.status).toBe('True');
    expect(runHealthScript(lua, obj).message).toBe(stalled!.message);
  });
});

describe.each([MILVUS_CONNECTION.kind, CLUSTER_MILVUS_CONNECTION.kind])('Argo CD health: %s', (kind) => {
  const lua = script(kind);
  const connection = (generation: number, status?: ConnectionStatus) => ({
    apiVersion: API_VERSION, kind, metadata: { name: 'prod', generation, ...(kind === MILVUS_CONNECTION.kind ? { namespace: 'search' } : {}) },
    spec: { uri: 'milvus.milvus.svc:19530' }, ...(status ? { status } : {}),
  });
  const verified = (reason: ConnectionReadyReason, generation = 1): ConnectionStatus => ({
    observedGeneration: generation,
    conditions: applySummary([], connectionSummary({ ready: reason === 'Connected', reason, message: `message of ${reason}` }), generation, NOW),
    usedBy: 1,
  });
  const rows: Array<{ reason: ConnectionReadyReason; status: string }> = [
    { reason: 'Connected', status: 'Healthy' },
    { reason: 'Unreachable', status: 'Progressing' },
    { reason: 'SecretNotFound', status: 'Progressing' },
    { reason: 'SecretUnreadable', status: 'Progressing' },
    { reason: 'SecretKeyMissing', status: 'Degraded' },
    { reason: 'AuthenticationFailed', status: 'Degraded' },
    { reason: 'InvalidSpec', status: 'Degraded' },
  ];
  it.each(rows)('$reason → $status', ({ reason, status }) => {
    const hs = runHealthScript(lua, connection(1, verified(reason)));
    expect(hs).toEqual({ status, message: `message of ${reason}` });
  });

  it('no status yet → Progressing', () => {
    expect(runHealthScript(lua, connection(1)).status).toBe('Progressing');
  });

  it('Connected for an older generation → Progressing until observed', () => {
    expect(runHealthScript(lua, connection(2, verified('Connected', 1)))).toMatchObject({ status: 'Progressing', message: expect.stringMatching(/generation 2/) });
  });

  it('a connection has no pause: never Suspended', () => {
    const obj = { ...connection(1, verified('Connected')), metadata: { ...connection(1).metadata, annotations: { 'index.milvus.io/paused': 'true' } } };
    expect(runHealthScript(lua, obj).status).toBe('Healthy');
  });
});

describe('the health scripts follow Argo CD\'s contract', () => {
  it('one script per kind, each returning a known status for any object', () => {
    expect([...healthScripts().keys()].sort()).toEqual(KINDS.map((k) => `resource.customizations.health.${GROUP}_${k}`).sort());
    for (const kind of KINDS) {
      for (const obj of [{ metadata: { generation: 1 } }, { metadata: { generation: 1 }, status: {} }, { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [] } }]) {
        expect(['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing']).toContain(runHealthScript(script(kind), obj).status);
      }
    }
  });

  it('a broken script fails the test (the runner reports Lua errors)', () => {
    expect(() => runHealthScript('return obj.status.conditions[1].type', { metadata: {} })).toThrow(/Lua error/);
  });

  it('use nothing beyond Lua 5.1 (Argo CD runs gopher-lua): no integer division, bitwise operators or goto', () => {
    for (const kind of KINDS) expect(script(kind).replace(/--.*$/gm, '')).not.toMatch(/\/\/|\bgoto\b|&|~(?!=)|<<|>>/);
  });

  it('deploy/argocd/argocd-cm.yaml is generated from them (run `npm run gen:argocd`)', () => {
    expect(readFileSync(ARGOCD_CM_FILE, 'utf8')).toBe(renderArgoCdCm());
  });
});
