// The floor with the contract's Kubernetes writes: what any controller that adds its finalizer before the create,
// writes Ready and sends one Event per resource needs on this machine, with nothing else (no informer cache, no
// decide, no retries, no metrics). The operator's ratio to it is its own overhead; its ratio to the SDK floor is
// that plus the Kubernetes requests the contract makes every controller send. The requests carry what the operator's
// do (the create-intent annotation with the finalizer, a status of the contract's shape), so their cost compares.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';

import { KubeJsonRequests } from '../../src/kube/json-requests.js';
import { CustomObjectWriter } from '../../src/kube/object-writer.js';
import { pool } from './lib.js';
import { createAndAwaitBuilt } from './systems.js';
import { GVR, type IndexDef, type Workload } from './workload.js';

const FINALIZER = 'bench.index.milvus.io/write-floor';

interface Seen { apiVersion: string; kind: string; metadata: { name: string; namespace: string; uid: string; resourceVersion: string; generation: number; finalizers?: string[] } }

export interface WriteFloor {
  /** When each resource's Ready status write returned (ms since the epoch); the bench times Ready by its own watch. */
  readyAt: Map<string, number>;
  /** Ends the watch and waits for the workers. */
  stop(): Promise<void>;
}

/**
 * Starts `concurrency` workers fed by a watch of `namespace` in arrival order; for each new MilvusIndex they send
 * the requests the operator sends for it on the way to Ready, through the operator's own writers: the finalizer
 * (merge patch with resourceVersion precondition), `createIndex`, `describeIndex` until built (the SDK floor's
 * poll), the status (JSON patch with a resourceVersion test), one events.k8s.io/v1 Event.
 */
export async function startWriteFloor(kc: KubeConfig, namespace: string, client: MilvusClient, w: Workload, concurrency: number): Promise<WriteFloor> {
  const defs = new Map(w.defs.map((d) => [d.name, d]));
  const writer = new CustomObjectWriter<Seen, object>(kc, { ...GVR, namespaced: true }, { kubeWrite: () => {} });
  const requests = new KubeJsonRequests(kc);
  const readyAt = new Map<string, number>();
  const queue: Seen[] = [];
  // Idle workers wait here; an arrival (or stop) wakes one each.
  const idle: Array<() => void> = [];
  let stopped = false;
  const watch = await new Watch(kc).watch(`/apis/${GVR.group}/${GVR.version}/namespaces/${namespace}/${GVR.plural}`, {}, (type: string, o: Seen) => {
    if (type !== 'ADDED' || !defs.has(o.metadata.name)) return;
    queue.push(o);
    idle.shift()?.();
  }, () => {});
  const one = async (o: Seen): Promise<void> => {
    const d = defs.get(o.metadata.name)!;
    const resourceVersion = await writer.addFinalizer(o, FINALIZER, { 'index.milvus.io/create-intent': new Date().toISOString() });
    await createAndAwaitBuilt(client, d);
    await writer.writeStatus({ ...o, metadata: { ...o.metadata, resourceVersion: resourceVersion! } }, readyStatus(o.metadata.generation, d));
    readyAt.set(o.metadata.name, Date.now());
    await requests.send('POST', `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, {
      metadata: { name: `${o.metadata.name}.${Date.now().toString(16)}`, namespace },
      eventTime: new Date().toISOString().replace('Z', '000Z'), reportingController: 'bench.index.milvus.io/write-floor', reportingInstance: 'bench',
      action: 'Reconcile', reason: 'IndexCreated', note: `created index ${d.field} on ${d.collection}`, type: 'Normal',
      regarding: { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace, uid: o.metadata.uid },
    });
  };
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopped) {
      const o = queue.shift();
      if (o) await one(o);
      else await new Promise<void>((wake) => idle.push(wake));
    }
  });
  return {
    readyAt,
    stop: async () => {
      stopped = true;
      watch.abort();
      for (const wake of idle.splice(0)) wake();
      await Promise.all(workers);
    },
  };
}

/** Takes the write floor's finalizer off every resource it finalized, so they can be deleted. */
export async function releaseWriteFloor(kc: KubeConfig, namespace: string, names: Iterable<string>): Promise<void> {
  const requests = new KubeJsonRequests(kc);
  await pool([...names], 8, async (name) => {
    await requests.send('PATCH', `/apis/${GVR.group}/${GVR.version}/namespaces/${namespace}/${GVR.plural}/${name}`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
  });
}

/** A status of the shape the contract defines (kstatus conditions, the index as Milvus reports it, ownership), as the operator writes it for a built index. */
function readyStatus(generation: number, d: IndexDef): object {
  const now = new Date().toISOString();
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, observedGeneration: generation, lastTransitionTime: now });
  return {
    observedGeneration: generation,
    conditions: [
      condition('Ready', 'True', 'IndexReady', `Index "${d.field}" is built and matches the spec.`),
      condition('Reconciling', 'False', 'Idle', 'No work in progress.'),
      condition('Stalled', 'False', 'NotStalled', 'Nothing needs a person.'),
    ],
    index: { name: d.field, id: '0', state: 'Finished', indexedRows: 20, totalRows: 20, pendingIndexRows: 0, progress: '100%' },
    ownership: 'Created',
    database: 'default',
  };
}

