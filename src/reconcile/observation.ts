import type { MilvusIndex } from '../api/milvusindex.js';
import type { FieldInfo, LoadState, ObservedIndex } from '../milvus/types.js';
import type { IndexDefinition } from './compare.js';

/** The resolved connection of a resource, or why there is none. */
export type ConnectionObservation =
  | { kind: 'Ready'; key: string; uri: string; database: string }
  | { kind: 'NotReady'; reason: 'ConnectionNotReady' | 'ConnectionNotAllowed'; message: string };

/** Another MilvusIndex that resolves to the same (uri, database, collection, index name). */
export interface PeerClaim {
  key: string;
  uid: string;
  creationTimestamp: string;
  deleting: boolean;
  /**
   * The peer's spec definition (indexType, metricType, params). When the owner is deleted, the index
   * is handed over only to an heir whose definition matches it (the heir adopts it).
   */
  definition: IndexDefinition;
}

export type MilvusObservation =
  /** Nothing was read (no finalizer yet, or no usable connection). */
  | { kind: 'NotObserved' }
  | { kind: 'Unavailable'; message: string }
  | { kind: 'DatabaseNotFound'; message: string }
  | { kind: 'CollectionNotFound'; message: string }
  | {
      kind: 'Observed';
      fields: FieldInfo[];
      /** Read only when decide() asks for it (Plan.readLoadState); undefined until then. */
      loadState: LoadState | undefined;
      /** The index named like the spec's index name, if any. */
      index: ObservedIndex | undefined;
      /** Indexes on the spec's field under another name. */
      otherIndexesOnField: ObservedIndex[];
    };

/** Everything `decide` needs: a snapshot taken by observe.ts. */
export interface Observation {
  resource: MilvusIndex;
  /** spec.indexName ?? spec.fieldName */
  indexName: string;
  connection: ConnectionObservation;
  /** Resolved database (spec, else connection, else "default"). */
  database: string;
  peers: PeerClaim[];
  milvus: MilvusObservation;
}
