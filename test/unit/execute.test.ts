// execute (src/reconcile/execute.ts): a plan's writes in order, each fenced by leadership (Kubernetes
// and Milvus alike), each Milvus write's deadline capped by the leadership left, failures classified once.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MilvusIndex, MilvusIndexStatus } from '../../src/api/milvusindex.js';
import type { MilvusIndexWriter } from '../../src/kube/milvusindex-writer.js';
import { MilvusError } from '../../src/milvus/errors.js';
import type { CreateIndexRequest, MilvusIndexApi, WriteOptions } from '../../src/milvus/types.js';
import { execute } from '../../src/reconcile/execute.js';
import type { Plan } from '../../src/reconcile/plan.js';
import type { MilvusWrite } from '../../src/reconcile/write-observer.js';
import { aMilvusIndex } from './fakes.js';

const REQUEST: CreateIndexRequest = { database: 'default', collection: 'docs', fieldName: 'embedding', indexName: 'embedding', indexType: 'HNSW', metricType: 'COSINE', params: {} };
const STATUS: MilvusIndexStatus = { observedGeneration: 1 };

function plan(p: Partial<Plan>): Plan {
  return { actions: [], intent: undefined, status: undefined, events: [], metrics: [], requeue: { kind: 'None' }, ...p };
}

function world(options: { remainingMs?: number; createFails?: unknown; statusFails?: unknown } = {}) {
  const journal: string[] = [];
  const deadlines: Array<WriteOptions | undefined> = [];
  const written: MilvusWrite[] = [];
  const writer: MilvusIndexWriter = {
    addFinalizer: async () => { journal.push('kube.addFinalizer'); return '2'; },
    removeFinalizer: async () => { journal.push('kube.removeFinalizer'); },
    writeStatus: async () => { journal.push('kube.writeStatus'); if (options.statusFails) throw options.statusFails; return '2'; },
  };
  const api = {
    createIndex: async (_r: CreateIndexRequest, o?: WriteOptions) => { journal.push('milvus.createIndex'); deadlines.push(o); if (options.createFails) throw options.createFails; },
    dropIndex: async (_d: string, _c: string, _f: string, _i: string, o?: WriteOptions) => { journal.push('milvus.dropIndex'); deadlines.push(o); },
  } as unknown as MilvusIndexApi;
  const deps = { writer, leadershipRemainingMs: () => options.remainingMs ?? Number.POSITIVE_INFINITY, milvusWrites: { written: (w: MilvusWrite) => void written.push(w) } };
  const run = (p: Plan, r: MilvusIndex = aMilvusIndex().build()) => execute(p, r, { api, database: 'default' }, deps);
  return { journal, deadlines, written, run };
}

describe('execute', () => {
  it('writes the intent status first, then the actions in order; tells the observer of each Milvus write', async () => {
    const w = world();
    const done = await w.run(plan({ intent: STATUS, actions: [{ type: 'CreateIndex', request: REQUEST }] }));
    expect(done.kind).toBe('Done');
    expect(w.journal).toEqual(['kube.writeStatus', 'milvus.createIndex']);
    expect(w.written).toEqual([{ action: 'CreateIndex', namespace: 'search', name: 'docs-embedding', database: 'default', collection: 'docs', outcome: 'ok' }]);
  });

  it('without leader election a Milvus write has no extra deadline; with it, the deadline is what is left of the leadership', async () => {
    const free = world();
    await free.run(plan({ actions: [{ type: 'CreateIndex', request: REQUEST }] }));
    expect(free.deadlines).toEqual([{}]);
    const leading = world({ remainingMs: 4_321 });
    await leading.run(plan({ actions: [{ type: 'CreateIndex', request: REQUEST }, { type: 'DropIndex', fieldName: 'embedding', indexName: 'old' }] }));
    expect(leading.deadlines).toEqual([{ timeoutMs: 4_321 }, { timeoutMs: 4_321 }]);
  });

  it('without confirmed leadership nothing is written, to Kubernetes or to Milvus', async () => {
    const w = world({ remainingMs: 0 });
    const done = await w.run(plan({ intent: STATUS, actions: [{ type: 'CreateIndex', request: REQUEST }] }));
    expect(done).toEqual({ kind: 'NotLeader', step: expect.stringMatching(/leadership not confirmed.*skipped write status/) });
    expect(w.journal).toEqual([]);
  });

  it('a Milvus failure comes back classified and stops the rest; the observer sees the failed write', async () => {
    const w = world({ createFails: new MilvusError('InvalidSpec', 'createIndex', 'invalid M') });
    const done = await w.run(plan({ actions: [{ type: 'CreateIndex', request: REQUEST }, { type: 'RemoveFinalizer' }] }));
    expect(done).toMatchObject({ kind: 'MilvusFailed', failure: { kind: 'InvalidSpec', message: 'invalid M', action: { type: 'CreateIndex' } } });
    expect(w.journal).toEqual(['milvus.createIndex']);
    expect(w.written.map((x) => x.outcome)).toEqual(['error']);
  });

  it('an unclassified throw from Milvus is Transient; a Kubernetes 409 is a conflict, a 500 is not', async () => {
    const odd = world({ createFails: new TypeError('socket hang up') });
    expect(await odd.run(plan({ actions: [{ type: 'CreateIndex', request: REQUEST }] }))).toMatchObject({ kind: 'MilvusFailed', failure: { kind: 'Transient' } });
    const conflict = world({ statusFails: new ApiException(409, 'Conflict', '{}', {}) });
    expect(await conflict.run(plan({ intent: STATUS, actions: [{ type: 'CreateIndex', request: REQUEST }] }))).toMatchObject({ kind: 'KubeFailed', conflict: true });
    expect(conflict.journal).toEqual(['kube.writeStatus']);
    const broken = world({ statusFails: new ApiException(500, 'Internal', '{}', {}) });
    expect(await broken.run(plan({ intent: STATUS }))).toMatchObject({ kind: 'KubeFailed', conflict: false });
  });
});
