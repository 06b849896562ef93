import type { MilvusIndex } from '../api/milvusindex.js';
import type { ConnectionTarget } from '../milvus/types.js';

/** Where a resource's index lives: enough to detect two resources claiming the same index. */
export interface ConnectionIdentity {
  /** Stable key of the connection (also the client-pool key). */
  key: string;
  uri: string;
  /** The connection's default database. */
  database: string;
}

export type ConnectionResolution =
  | ({ kind: 'Ready'; target: ConnectionTarget } & ConnectionIdentity)
  | { kind: 'NotReady'; reason: 'ConnectionNotReady' | 'ConnectionNotAllowed'; message: string };

/** Resolves `spec.connectionRef` (or the default connection) of a MilvusIndex. */
export interface ConnectionResolver {
  /** Synchronous, from caches: used to find peers. `undefined` when it cannot be resolved now. */
  identity(resource: MilvusIndex): ConnectionIdentity | undefined;
  /** Full resolution including credentials; never throws. */
  resolve(resource: MilvusIndex): Promise<ConnectionResolution>;
}

/** The operator's own connection from flags/environment, restricted to some namespaces. */
export interface DefaultConnectionConfig {
  target: ConnectionTarget | undefined;
  /** Namespaces allowed to use it; empty = all. */
  namespaces: readonly string[];
}

export const DEFAULT_CONNECTION_KEY = 'default';

/** Resolver for resources without connectionRef. Connection CRs are resolved by a separate resolver. */
export class DefaultConnectionResolver implements ConnectionResolver {
  constructor(private readonly config: DefaultConnectionConfig) {}

  identity(resource: MilvusIndex): ConnectionIdentity | undefined {
    const t = this.config.target;
    if (resource.spec.connectionRef || !t) return undefined;
    return { key: DEFAULT_CONNECTION_KEY, uri: t.uri, database: t.database };
  }

  async resolve(resource: MilvusIndex): Promise<ConnectionResolution> {
    const ref = resource.spec.connectionRef;
    if (ref) {
      return { kind: 'NotReady', reason: 'ConnectionNotReady', message: `${ref.kind} "${ref.name}" is not supported by this operator version; remove spec.connectionRef to use the default connection` };
    }
    const t = this.config.target;
    if (!t) {
      return { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'The operator has no default Milvus connection (start it with --milvus-uri or MILVUS_URI), and spec.connectionRef is not set.' };
    }
    const allowed = this.config.namespaces;
    if (allowed.length > 0 && !allowed.includes(resource.metadata.namespace)) {
      return { kind: 'NotReady', reason: 'ConnectionNotAllowed', message: `Namespace "${resource.metadata.namespace}" may not use the default connection (allowed: ${allowed.join(', ')}); set spec.connectionRef.` };
    }
    return { kind: 'Ready', key: DEFAULT_CONNECTION_KEY, uri: t.uri, database: t.database, target: t };
  }
}
