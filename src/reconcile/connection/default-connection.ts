import type { MilvusIndex } from '../../api/milvusindex.js';
import { displayUri, endpointIdentity } from '../../milvus/uri.js';
import type { ConnectionTarget } from '../../milvus/types.js';
import { withFileCredentials, type FileCredentials } from './credential-files.js';
import { DEFAULT_CONNECTION_KEY, type ConnectionIdentity, type ConnectionResolution, type ConnectionResolver } from './resolution.js';

/** The operator's own connection from flags/environment, restricted to some namespaces. */
export interface DefaultConnectionConfig {
  target: ConnectionTarget | undefined;
  /** Namespaces allowed to use it; empty = all. */
  namespaces: readonly string[];
  /** The operator's own namespace: short service names in the URI are resolved against it. */
  ownNamespace?: string | undefined;
  /** Credentials re-read from a mounted Secret (--milvus-credentials-dir); they win over the environment's. */
  credentialFiles?: { current(): FileCredentials } | undefined;
}

/** Resolves resources without connectionRef (the default connection). */
export class DefaultConnectionResolver implements ConnectionResolver {
  constructor(private readonly config: DefaultConnectionConfig) {}

  identity(resource: MilvusIndex): ConnectionIdentity | undefined {
    const t = this.config.target;
    if (resource.spec.connectionRef || !t) return undefined;
    return { key: DEFAULT_CONNECTION_KEY, endpoint: endpointIdentity(t.uri, this.config.ownNamespace), displayUri: displayUri(t.uri), database: t.database };
  }

  async resolve(resource: MilvusIndex): Promise<ConnectionResolution> {
    const t = this.config.target;
    if (!t) {
      return { kind: 'NotReady', reason: 'ConnectionNotReady', message: 'The operator has no default Milvus connection (start it with --milvus-uri or MILVUS_URI), and spec.connectionRef is not set.' };
    }
    const allowed = this.config.namespaces;
    if (allowed.length > 0 && !allowed.includes(resource.metadata.namespace)) {
      return { kind: 'NotReady', reason: 'ConnectionNotAllowed', message: `Namespace "${resource.metadata.namespace}" may not use the default connection (allowed: ${allowed.join(', ')}); set spec.connectionRef.` };
    }
    return { kind: 'Ready', ...this.identity(resource)!, target: this.currentTarget()! };
  }

  /** The default connection's target as resolve() hands it out now (credential files applied); undefined without one. */
  currentTarget(): ConnectionTarget | undefined {
    const t = this.config.target;
    const files = this.config.credentialFiles;
    return t && files ? withFileCredentials(t, files.current()) : t;
  }
}
