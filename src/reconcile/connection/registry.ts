import type { ConnectionReadyReason } from '../../api/connection.js';
import type { ConnectionTarget } from '../../milvus/types.js';

/** What the connection reconciler last established about one connection. */
export interface ConnectionState {
  ready: boolean;
  reason: ConnectionReadyReason;
  message: string;
  /** The target built from the spec and the Secret at the last reconcile (undefined: Secret unreadable). */
  target: ConnectionTarget | undefined;
  /**
   * The last target that connected. Kept in memory so that deletions still work after a namespace
   * deletion removed the Secret before the MilvusIndexes were gone. Never persisted, never logged.
   */
  lastWorking: ConnectionTarget | undefined;
  serverVersion: string | undefined;
}

/** In-memory state of every MilvusConnection / ClusterMilvusConnection, keyed by connectionKey(). */
export class ConnectionRegistry {
  private readonly states = new Map<string, ConnectionState>();

  get(key: string): ConnectionState | undefined {
    return this.states.get(key);
  }

  set(key: string, state: ConnectionState): void {
    this.states.set(key, state);
  }

  delete(key: string): void {
    this.states.delete(key);
  }
}
