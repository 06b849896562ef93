/** One Milvus write the operator performed (after the server accepted it, or attempted and failed). */
export interface MilvusWrite {
  action: 'CreateIndex' | 'DropIndex' | 'AlterProperties' | 'ReleaseCollection' | 'LoadCollection';
  /** The MilvusIndex on whose behalf it was made. */
  namespace: string;
  name: string;
  database: string;
  collection: string;
  outcome: 'ok' | 'error';
}

/**
 * Told of every Milvus write, synchronously, right after it returns. Tests and benchmarks count
 * writes through it instead of scraping log messages; production passes none.
 */
export interface MilvusWriteObserver {
  written(write: MilvusWrite): void;
}
