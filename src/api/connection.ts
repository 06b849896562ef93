import { Type, type Static } from '@sinclair/typebox';
import { ConditionListSchema } from './conditions.js';
import { DNS_SUBDOMAIN, LIMITS, StringEnum, StringMap, keysAtMost, type CelRule } from './schema-helpers.js';
import type { ObjectMeta } from './milvusindex.js';

export const MILVUS_CONNECTION = { kind: 'MilvusConnection', plural: 'milvusconnections', singular: 'milvusconnection', listKind: 'MilvusConnectionList' } as const;
export const CLUSTER_MILVUS_CONNECTION = { kind: 'ClusterMilvusConnection', plural: 'clustermilvusconnections', singular: 'clustermilvusconnection', listKind: 'ClusterMilvusConnectionList' } as const;

/** Kept on a connection while any MilvusIndex uses it. */
export const CONNECTION_FINALIZER = 'index.milvus.io/connection-in-use';

const SECRET_NAME = { minLength: 1, maxLength: LIMITS.kubeName, pattern: DNS_SUBDOMAIN };
const secretName = () => Type.String({ ...SECRET_NAME, description: 'Name of the Secret.' });
const secretNamespace = () => Type.String({ ...SECRET_NAME, description: 'Namespace of the Secret.' });
const SECRET_KEY = { minLength: 1, maxLength: LIMITS.secretKey, pattern: '^[-._a-zA-Z0-9]+$' };
/** A `{name, key}` selector of one Secret value (namespaced: the connection's own namespace). */
const secretKeyRef = (what: string, withNamespace: boolean) => Type.Object(
  withNamespace
    ? { name: secretName(), namespace: secretNamespace(), key: Type.String({ ...SECRET_KEY, description: 'Key of the value in the Secret.' }) }
    : { name: secretName(), key: Type.String({ ...SECRET_KEY, description: 'Key of the value in the Secret.' }) },
  { description: `${what}: a key of a Secret${withNamespace ? '' : ' in the same namespace'}.` },
);

/**
 * Credentials from Secret key selectors: a token, or a username and a password. Each may live in
 * any key of any Secret (a Secret made by external-secrets or a Zilliz Cloud API key as it is).
 */
const credentials = (withNamespace: boolean) => Type.Optional(Type.Object(
  {
    token: Type.Optional(secretKeyRef('Milvus token ("user:password" or a Zilliz Cloud API key)', withNamespace)),
    username: Type.Optional(secretKeyRef('Milvus user name', withNamespace)),
    password: Type.Optional(secretKeyRef('Milvus password', withNamespace)),
  },
  {
    description: 'Credentials from Secret key selectors: token, or username and password. Replaces credentialsSecretRef.',
    'x-kubernetes-validations': [
      { rule: 'has(self.token) != (has(self.username) || has(self.password))', message: 'credentials: set token, or username and password (not both, not neither)' },
      { rule: 'has(self.username) == has(self.password)', message: 'credentials: username and password go together' },
    ],
  },
));

/** Client certificate for mutual TLS: a kubernetes.io/tls Secret (keys tls.crt and tls.key). */
const clientCert = (withNamespace: boolean) => Type.Optional(Type.Object(
  withNamespace ? { name: secretName(), namespace: secretNamespace() } : { name: secretName() },
  { description: `Client certificate for mutual TLS: a kubernetes.io/tls Secret${withNamespace ? '' : ' in the same namespace'} with keys tls.crt (PEM chain) and tls.key (PEM private key).` },
));

const ONE_CREDENTIAL_SOURCE: CelRule = {
  rule: '!(has(self.credentials) && has(self.credentialsSecretRef))',
  message: 'set credentials or the deprecated credentialsSecretRef, not both',
};

const caKey = () => Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.secretKey, pattern: '^[-._a-zA-Z0-9]+$', default: 'ca.crt', description: 'Key holding the PEM CA bundle.' }));

/**
 * Credentials in the uri would show in `kubectl get`, logs and Events; the Secret is the place for
 * them. The rule sits on spec, not on uri, so that the refusal names spec.uri without echoing its
 * value (the API server quotes a string field's value in a CEL error).
 */
const NO_URI_CREDENTIALS: CelRule = {
  rule: "!self.uri.matches('^([a-zA-Z][a-zA-Z0-9+.-]*://)?[^/@]*@')",
  message: 'uri must not contain credentials (user:password@): put them in a Secret and name it in spec.credentials (or the deprecated spec.credentialsSecretRef)',
  fieldPath: '.uri',
};

/** Schemes other than http and https are refused. */
const URI_RULES: CelRule[] = [
  {
    rule: "!self.contains('://') || self.matches('^[hH][tT][tT][pP][sS]?://')",
    message: 'uri scheme must be http:// or https:// (or none: host:port)',
  },
];

const COMMON = {
  uri: Type.String({
    minLength: 1,
    maxLength: LIMITS.uri,
    description: 'Milvus address: host:port, http://host[:port], or https://host[:port] (TLS), e.g. a Zilliz Cloud endpoint. No credentials: use credentials.',
    'x-kubernetes-validations': URI_RULES,
  }),
  database: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.milvusName, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'default', description: 'Database for MilvusIndexes that name none.' })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, default: 30, description: 'Deadline of each Milvus request.' })),
  maxConcurrentRequests: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'At most this many Milvus requests in flight through this connection.' })),
};
const TLS_DESCRIPTION = { description: 'TLS settings.' };
const tlsEnabled = () => Type.Boolean({ description: 'Use TLS (also implied by an https:// uri).' });
const serverName = () => Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.kubeName, description: 'Server name to verify in the certificate (SNI), when it differs from the uri host.' }));
const CA_DESCRIPTION = { description: 'CA bundle to verify the server; default: the system roots.' };

const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(StringMap<string>({ type: 'string', maxLength: LIMITS.labelValue }, {
      description: 'Labels a namespace must have.',
      maxProperties: LIMITS.matchLabels,
      'x-kubernetes-validations': [keysAtMost('matchLabels', LIMITS.labelKey)],
    })),
    matchExpressions: Type.Optional(Type.Array(Type.Object({
      key: Type.String({ minLength: 1, maxLength: LIMITS.labelKey, description: 'Label key.' }),
      operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, { description: 'How the key relates to the values.' }),
      values: Type.Optional(Type.Array(Type.String({ maxLength: LIMITS.labelValue }), { maxItems: LIMITS.expressionValues, description: 'Label values (In, NotIn).' })),
    }), { maxItems: LIMITS.matchExpressions, description: 'Requirements on namespace labels, all of which must hold.' })),
  },
  { description: 'A label selector on namespaces.' },
);

export const MilvusConnectionSpecSchema = Type.Object(
  {
    ...COMMON,
    credentials: credentials(false),
    credentialsSecretRef: Type.Optional(Type.Object({ name: secretName() }, { description: 'Deprecated shorthand for credentials: a Secret in the same namespace with key `token`, or keys `username` and `password`.' })),
    tls: Type.Optional(Type.Object({ enabled: tlsEnabled(), caSecretRef: Type.Optional(Type.Object({ name: secretName(), key: caKey() }, CA_DESCRIPTION)), serverName: serverName(), clientCertSecretRef: clientCert(false) }, TLS_DESCRIPTION)),
  },
  { description: 'A Milvus server usable by MilvusIndexes of this namespace.', 'x-kubernetes-validations': [NO_URI_CREDENTIALS, ONE_CREDENTIAL_SOURCE] },
);

export const ClusterMilvusConnectionSpecSchema = Type.Object(
  {
    ...COMMON,
    credentials: credentials(true),
    credentialsSecretRef: Type.Optional(Type.Object({ name: secretName(), namespace: secretNamespace() }, { description: 'Deprecated shorthand for credentials: a Secret with key `token`, or keys `username` and `password`.' })),
    tls: Type.Optional(Type.Object({ enabled: tlsEnabled(), caSecretRef: Type.Optional(Type.Object({ name: secretName(), namespace: secretNamespace(), key: caKey() }, CA_DESCRIPTION)), serverName: serverName(), clientCertSecretRef: clientCert(true) }, TLS_DESCRIPTION)),
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
  { description: 'A Milvus server usable from the namespaces allowedNamespaces selects.', 'x-kubernetes-validations': [NO_URI_CREDENTIALS, ONE_CREDENTIAL_SOURCE] },
);
export type MilvusConnectionSpec = Static<typeof MilvusConnectionSpecSchema>;
export type ClusterMilvusConnectionSpec = Static<typeof ClusterMilvusConnectionSpecSchema>;

export const ConnectionStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The .metadata.generation this status describes; status is current when it equals .metadata.generation.' })),
    conditions: Type.Optional(ConditionListSchema),
    serverVersion: Type.Optional(Type.String({ description: 'Version the server reported.' })),
    usedBy: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of MilvusIndexes using this connection.' })),
    endpoint: Type.Optional(Type.String({ maxLength: 2048, description: 'Where this connection points, canonically: scheme://host:port/database. A change while MilvusIndexes use it is announced on each of them (their indexes at the old endpoint are kept, not dropped).' })),
  },
  { description: 'What is true now.' },
);
export type ConnectionStatus = Static<typeof ConnectionStatusSchema>;

/**
 * Reasons of a connection's Ready condition. SecretNotFound / SecretUnreadable: Reconciling (the Secret
 * may still be on its way); SecretKeyMissing: the Secret exists without the key the spec needs (Stalled).
 */
export type ConnectionReadyReason = 'Connected' | 'Unreachable' | 'AuthenticationFailed' | 'SecretNotFound' | 'SecretUnreadable' | 'SecretKeyMissing' | 'InvalidSpec';

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
