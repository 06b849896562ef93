import { Type, type Static } from '@sinclair/typebox';
import { ConditionListSchema } from './conditions.js';
import { StringEnum, StringMap } from './schema-helpers.js';
import type { ObjectMeta } from './milvusindex.js';

export const MILVUS_CONNECTION = { kind: 'MilvusConnection', plural: 'milvusconnections', singular: 'milvusconnection', listKind: 'MilvusConnectionList' } as const;
export const CLUSTER_MILVUS_CONNECTION = { kind: 'ClusterMilvusConnection', plural: 'clustermilvusconnections', singular: 'clustermilvusconnection', listKind: 'ClusterMilvusConnectionList' } as const;

/** Kept on a connection while any MilvusIndex uses it. */
export const CONNECTION_FINALIZER = 'index.milvus.io/connection-in-use';

const SECRET_NAME = { minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' };
const secretName = () => Type.String({ ...SECRET_NAME, description: 'Name of the Secret.' });
const secretNamespace = () => Type.String({ ...SECRET_NAME, description: 'Namespace of the Secret.' });
const caKey = () => Type.Optional(Type.String({ minLength: 1, maxLength: 253, default: 'ca.crt', description: 'Key holding the PEM CA bundle.' }));

const COMMON = {
  uri: Type.String({ minLength: 1, maxLength: 2048, description: 'Milvus address: host:port, http://host:port, or https://host:port (TLS).' }),
  database: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'default', description: 'Database for MilvusIndexes that name none.' })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, default: 30, description: 'Deadline of each Milvus request.' })),
  maxConcurrentRequests: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'At most this many Milvus requests in flight through this connection.' })),
};
const TLS_DESCRIPTION = { description: 'TLS settings.' };
const tlsEnabled = () => Type.Boolean({ description: 'Use TLS (also implied by an https:// uri).' });
const serverName = () => Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Server name to verify in the certificate (SNI), when it differs from the uri host.' }));
const CA_DESCRIPTION = { description: 'CA bundle to verify the server; default: the system roots.' };

const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(StringMap<string>({ type: 'string' }, { description: 'Labels a namespace must have.' })),
    matchExpressions: Type.Optional(Type.Array(Type.Object({
      key: Type.String(),
      operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
      values: Type.Optional(Type.Array(Type.String())),
    }))),
  },
  { description: 'A label selector on namespaces.' },
);

export const MilvusConnectionSpecSchema = Type.Object(
  {
    ...COMMON,
    credentialsSecretRef: Type.Optional(Type.Object({ name: secretName() }, { description: 'Secret in the same namespace with key `token`, or keys `username` and `password`.' })),
    tls: Type.Optional(Type.Object({ enabled: tlsEnabled(), caSecretRef: Type.Optional(Type.Object({ name: secretName(), key: caKey() }, CA_DESCRIPTION)), serverName: serverName() }, TLS_DESCRIPTION)),
  },
  { description: 'A Milvus server usable by MilvusIndexes of this namespace.' },
);

export const ClusterMilvusConnectionSpecSchema = Type.Object(
  {
    ...COMMON,
    credentialsSecretRef: Type.Optional(Type.Object({ name: secretName(), namespace: secretNamespace() }, { description: 'Secret with key `token`, or keys `username` and `password`.' })),
    tls: Type.Optional(Type.Object({ enabled: tlsEnabled(), caSecretRef: Type.Optional(Type.Object({ name: secretName(), namespace: secretNamespace(), key: caKey() }, CA_DESCRIPTION)), serverName: serverName() }, TLS_DESCRIPTION)),
    allowedNamespaces: Type.Optional(Type.Object(
      {
        from: StringEnum(['All', 'Selector'] as const, { default: 'All', description: 'All: every namespace may use it. Selector: namespaces whose labels match selector.' }),
        selector: Type.Optional(LabelSelectorSchema),
      },
      {
        description: 'Which namespaces may use this connection.',
        'x-kubernetes-validations': [{ rule: "self.from != 'Selector' || has(self.selector)", message: 'allowedNamespaces.selector is required when from is Selector' }],
      },
    )),
  },
  { description: 'A Milvus server usable from the namespaces allowedNamespaces selects.' },
);
export type MilvusConnectionSpec = Static<typeof MilvusConnectionSpecSchema>;
export type ClusterMilvusConnectionSpec = Static<typeof ClusterMilvusConnectionSpecSchema>;

export const ConnectionStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(ConditionListSchema),
    serverVersion: Type.Optional(Type.String({ description: 'Version the server reported.' })),
    usedBy: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of MilvusIndexes using this connection.' })),
    endpoint: Type.Optional(Type.String({ maxLength: 2048, description: 'Where this connection points, canonically: scheme://host:port/database. A change while MilvusIndexes use it is announced on each of them (their indexes at the old endpoint are kept, not dropped).' })),
  },
  { description: 'What is true now.' },
);
export type ConnectionStatus = Static<typeof ConnectionStatusSchema>;

export type ConnectionReadyReason = 'Connected' | 'Unreachable' | 'AuthenticationFailed' | 'SecretNotFound' | 'InvalidSpec';

export interface MilvusConnection {
  apiVersion: string;
  kind: 'MilvusConnection';
  metadata: ObjectMeta;
  spec: MilvusConnectionSpec;
  status?: ConnectionStatus;
}

export interface ClusterMilvusConnection {
  apiVersion: string;
  kind: 'ClusterMilvusConnection';
  metadata: Omit<ObjectMeta, 'namespace'> & { namespace?: string };
  spec: ClusterMilvusConnectionSpec;
  status?: ConnectionStatus;
}

export type AnyConnection = MilvusConnection | ClusterMilvusConnection;
