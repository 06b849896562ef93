// The Milvus servers the lifecycle suite (suite.ts) runs against, described by what the suite must expect
// differently from each (milvus.md §2, §3.3, §3.6). A server difference is a field here, never a copied test.

export interface LifecycleServer {
  /** Short id: namespace prefix. */
  id: string;
  /** Named in every test title: `[kube-apiserver + <title>]`. */
  title: string;
  /**
   * A collection without a (vector) index reports LoadStateLoaded (Lite: new collections and collections whose
   * last index was dropped); real Milvus loads only on request, so the suite loads explicitly where it needs it.
   */
  indexlessCollectionsLoaded: boolean;
  /**
   * Index builds run asynchronously over flushed segments, so Building is observable, and unflushed (growing)
   * rows are not counted: the 20-row fixture reports 0/0 Finished. Lite builds inside createIndex and counts
   * every row.
   */
  realBuilds: boolean;
  /** describeIndex's `params` text for `{ M: 16, efConstruction: 64 }` (Lite: Python JSON with spaces). */
  hnswParamsText: string;
  /**
   * AlterIndex through SDK 3.x. Lite: UNIMPLEMENTED, which the SDK resolves as `{}`. Milvus 2.3 has no AlterIndex
   * but registers the RPC and answers a nil message: gRPC INTERNAL "Marshal called with nil", thrown after retries.
   */
  alterIndex: { kind: 'resolves-empty' } | { kind: 'throws'; code: number; details: RegExp };
  /** A scalar index type on VarChar that passes the operator's validation but this server refuses, and one it accepts. */
  varcharIndex: { refused: string; refusal: RegExp; accepted: string; acceptedAs: string };
  /** HNSW without efConstruction is refused (Milvus 2.3 has no server default; Lite and newer Milvus have one). */
  hnswNeedsEfConstruction: boolean;
}

export const MILVUS_LITE: LifecycleServer = {
  id: 'lite',
  title: 'milvus-lite',
  indexlessCollectionsLoaded: true,
  realBuilds: false,
  hnswParamsText: '{"M": 16, "efConstruction": 64}',
  alterIndex: { kind: 'resolves-empty' },
  varcharIndex: { refused: 'Trie', refusal: /scalar index_type 'TRIE' is not implemented/, accepted: 'INVERTED', acceptedAs: 'INVERTED' },
  hnswNeedsEfConstruction: false,
};

export const MILVUS_23_STANDALONE: LifecycleServer = {
  id: 'standalone',
  title: 'milvus 2.3 standalone',
  indexlessCollectionsLoaded: false,
  realBuilds: true,
  hnswParamsText: '{"M":16,"efConstruction":64}',
  alterIndex: { kind: 'throws', code: 13, details: /Marshal called with nil/ },
  varcharIndex: { refused: 'INVERTED', refusal: /index type not match.*expected=Trie/, accepted: 'Trie', acceptedAs: 'Trie' },
  hnswNeedsEfConstruction: true,
};
