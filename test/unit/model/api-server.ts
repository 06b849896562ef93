// The Kubernetes API server as the model test needs it: MilvusIndex objects by key, writes that
// apply at once and move resourceVersion on, the JSON-patch preconditions of the real writer
// (src/kube/object-writer.ts), finalizer semantics of deletion, and one injectable failure.
import { ApiException } from '@kubernetes/client-node';
import { ANNOTATION_CREATE_INTENT, FINALIZER, type MilvusIndex, type MilvusIndexStatus } from '../../../src/api/milvusindex.js';
import type { ObjectKey, ObjectStore } from '../../../src/controller/types.js';
import type { MilvusIndexWriter } from '../../../src/kube/milvusindex-writer.js';

/** 409, 500: refused before anything changed; 504: applied, but the answer was lost. */
export type KubeFault = 409 | 500 | 504;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function keyOf(r: MilvusIndex): ObjectKey {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

/** The objects (what the informer cache would hold: here always current) and the writes made to them. */
export class ApiServer implements ObjectStore<MilvusIndex>, MilvusIndexWriter {
  private readonly items = new Map<ObjectKey, MilvusIndex>();
  private rv = 1000;
  /** Writes the operator made (refused ones included), in order: "writeStatus search/a". */
  readonly writes: string[] = [];
  /** Thrown by the next operator write (then cleared). */
  fault: KubeFault | undefined;
  private lostAnswer = false;
  /** Injected faults that were thrown. */
  faultsHit = 0;
  /** Finalizer writes that recorded a create's intent (decide/create-intent.ts). */
  intentsRecorded = 0;
  /** Writes refused by a precondition (a stale view). */
  refused = 0;

  get(key: ObjectKey): MilvusIndex | undefined { return this.items.get(key); }
  list(): MilvusIndex[] { return [...this.items.values()]; }
  hasSynced(): boolean { return true; }

  /** A user's create or update: stored as given, with the next resourceVersion. */
  put(obj: MilvusIndex): void {
    const next = structuredClone(obj);
    next.metadata.resourceVersion = String(++this.rv);
    this.items.set(keyOf(next), next);
  }
  /** A user's delete: gone at once without finalizers, else marked. */
  delete(key: ObjectKey, at: string): void {
    const obj = this.items.get(key);
    if (!obj || obj.metadata.deletionTimestamp !== undefined) return;
    if ((obj.metadata.finalizers ?? []).length === 0) { this.items.delete(key); return; }
    this.put({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: at } });
  }

  /** As the real writer: a JSON patch testing the finalizer list, or with a create intent a merge patch at obj's resourceVersion. */
  async addFinalizer(obj: MilvusIndex, createIntent?: string): Promise<string | undefined> {
    const current = obj.metadata.finalizers;
    if (current?.includes(FINALIZER)) return undefined;
    const live = await this.begin('addFinalizer', obj);
    if (!live) throw notFound();
    const byVersion = current === undefined || createIntent !== undefined;
    if (byVersion ? live.metadata.resourceVersion !== obj.metadata.resourceVersion : JSON.stringify(live.metadata.finalizers) !== JSON.stringify(current)) throw this.refuse();
    if (live.metadata.deletionTimestamp !== undefined) throw forbiddenFinalizer();
    if (createIntent !== undefined) this.intentsRecorded++;
    return this.store(live, (o) => {
      o.metadata.finalizers = [...(o.metadata.finalizers ?? []), FINALIZER];
      if (createIntent !== undefined) o.metadata.annotations = { ...o.metadata.annotations, [ANNOTATION_CREATE_INTENT]: createIntent };
    });
  }

  async removeFinalizer(obj: MilvusIndex): Promise<void> {
    const i = (obj.metadata.finalizers ?? []).indexOf(FINALIZER);
    if (i < 0) return;
    const live = await this.begin('removeFinalizer', obj);
    if (!live) return;
    if (live.metadata.finalizers?.[i] !== FINALIZER) throw this.refuse();
    this.store(live, (o) => { o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((_, j) => j !== i); });
  }

  async writeStatus(obj: MilvusIndex, status: MilvusIndexStatus): Promise<string | undefined> {
    const live = await this.begin('writeStatus', obj);
    if (!live) return undefined;
    if (live.metadata.resourceVersion !== obj.metadata.resourceVersion) throw this.refuse();
    return this.store(live, (o) => { o.status = structuredClone(status); });
  }

  private refuse(): ApiException<string> {
    this.refused++;
    return testFailed();
  }

  private async begin(op: string, obj: MilvusIndex): Promise<MilvusIndex | undefined> {
    this.writes.push(`${op} ${keyOf(obj)}`);
    await turn();
    const fault = this.fault;
    this.fault = undefined;
    if (fault !== undefined) this.faultsHit++;
    if (fault === 409) throw new ApiException(409, 'Conflict', '{"message":"the object has been modified (injected)"}', {});
    this.lostAnswer = fault === 504;
    if (fault === 500) throw new ApiException(500, 'Internal Server Error', '{"message":"etcdserver: request timed out (injected)"}', {});
    const live = this.items.get(keyOf(obj));
    return live && live.metadata.uid === obj.metadata.uid ? live : undefined;
  }

  /** Applies `change` to a copy of `live`, removes the object when its deletion is complete. */
  private store(live: MilvusIndex, change: (o: MilvusIndex) => void): string {
    const next = structuredClone(live);
    change(next);
    next.metadata.resourceVersion = String(++this.rv);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) this.items.delete(keyOf(next));
    else this.items.set(keyOf(next), next);
    if (this.lostAnswer) {
      this.lostAnswer = false;
      throw new ApiException(504, 'Gateway Timeout', '{"message":"the request was applied but the answer timed out (injected)"}', {});
    }
    return next.metadata.resourceVersion;
  }
}

function testFailed(): ApiException<string> {
  return new ApiException(422, 'Unprocessable Entity', '{"message":"the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed"}', {});
}
function notFound(): ApiException<string> {
  return new ApiException(404, 'Not Found', '{"message":"not found"}', {});
}
function forbiddenFinalizer(): ApiException<string> {
  return new ApiException(422, 'Unprocessable Entity', '{"message":"Forbidden: no new finalizers can be added if the object is being deleted"}', {});
}
