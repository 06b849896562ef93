import { Type, type Static } from '@sinclair/typebox';
import { ConditionListSchema } from './conditions.js';
import { indexSpecRules } from './admission-rules.js';
import { ALL_INDEX_TYPES, ALL_METRICS } from './index-catalog.js';
import { DNS_SUBDOMAIN, LIMITS, StringEnum, StringMap, immutable, keysAtMost } from './schema-helpers.js';

export const GROUP = 'index.milvus.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const MILVUS_INDEX = { kind: 'MilvusIndex', plural: 'milvusindexes', singular: 'milvusindex', listKind: 'MilvusIndexList' } as const;

export const FINALIZER = 'index.milvus.io/finalizer';
export const ANNOTATION_PAUSED = 'index.milvus.io/paused';
export const ANNOTATION_SKIP_DROP = 'index.milvus.io/skip-drop';
export const ANNOTATION_RECONCILE_REQUESTED_AT = 'index.milvus.io/reconcile-requested-at';
/** Annotations whose change triggers a reconcile (status writes never do). */
export const OUR_ANNOTATIONS = [ANNOTATION_PAUSED, ANNOTATION_SKIP_DROP, ANNOTATION_RECONCILE_REQUESTED_AT] as const;
/**
 * Written by the operator, with its finalizer, when it decides to create a new resource's index: the time the create
 * was decided (RFC 3339). It is the record of that create only until the operator first writes the resource's
 * status (src/reconcile/decide/create-intent.ts); users never set it.
 */
export const ANNOTATION_CREATE_INTENT = 'index.milvus.io/create-intent';
/** The annotations the informer cache keeps (every other one is trimmed). */
export const CACHED_ANNOTATIONS = [...OUR_ANNOTATIONS, ANNOTATION_CREATE_INTENT] as const;

export const CONNECTION_KINDS = ['MilvusConnection', 'ClusterMilvusConnection'] as const;
export const DELETION_POLICIES = ['Delete', 'Retain'] as const;
export const UPDATE_POLICIES = ['Reject', 'Recreate'] as const;
export const ADOPTION_POLICIES = ['IfMatching', 'Never'] as const;
export const INDEX_STATES = ['None', 'Unissued', 'InProgress', 'Finished', 'Failed', 'Retry'] as const;
export const OWNERSHIPS = ['Created', 'Adopted'] as const;
export const PENDING_OPERATIONS = ['Create', 'Recreate', 'AlterProperties', 'Delete'] as const;
/** Milvus writes whose refusal by the server is remembered for a generation (status.refusal). */
export const REFUSABLE_ACTIONS = ['CreateIndex', 'AlterProperties'] as const;
/** Server behaviours remembered as status.unsupported. */
export const UNSUPPORTED_FEATURES = ['AlterIndexProperties', 'IndexName', 'JsonPathIndex'] as const;

/** Milvus object names: a letter or underscore, then letters, digits, underscores (Milvus's own rule). */
const MILVUS_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

const PARAM_VALUE_SCHEMA = {
  'x-kubernetes-preserve-unknown-fields': true,
  maxLength: LIMITS.paramValue,
  description: 'A scalar: string, integer, number or boolean.',
};

const milvusName = (description: string, field: string) =>
  Type.String({ minLength: 1, maxLength: LIMITS.milvusName, pattern: MILVUS_NAME, description, ...immutable(field) });

export const ConnectionRefSchema = Type.Object(
  {
    kind: StringEnum(CONNECTION_KINDS, { default: 'MilvusConnection', description: 'MilvusConnection (same namespace) or ClusterMilvusConnection.' }),
    name: Type.String({ minLength: 1, maxLength: LIMITS.kubeName, pattern: DNS_SUBDOMAIN, description: 'Name of the connection resource.' }),
  },
  { description: 'The Milvus connection to use. Immutable. Without it the operator\'s default connection (--milvus-uri) is used.', ...immutable('connectionRef') },
);

export const MilvusIndexSpecSchema = Type.Object(
  {
    connectionRef: Type.Optional(ConnectionRefSchema),
    database: Type.Optional(milvusName('Milvus database. Immutable. Defaults to the connection\'s database, else "default".', 'database')),
    collectionName: milvusName('Collection that holds the field. Immutable. It may be created after this resource; the operator waits for it.', 'collectionName'),
    fieldName: milvusName('Field to index. Immutable.', 'fieldName'),
    indexName: Type.Optional(milvusName('Index name in Milvus. Immutable. Defaults to fieldName (Milvus\'s own default).', 'indexName')),
    indexType: StringEnum(ALL_INDEX_TYPES, { description: 'Index type (case-sensitive). Checked against the field type: vector fields take e.g. AUTOINDEX, FLAT, IVF_FLAT, HNSW, DISKANN, BIN_FLAT, SPARSE_INVERTED_INDEX; scalar fields take e.g. INVERTED, STL_SORT, Trie, BITMAP.' }),
    metricType: Type.Optional(StringEnum(ALL_METRICS, { description: 'Metric, required for vector index types: L2, IP, COSINE (float vectors), HAMMING, JACCARD, MHJACCARD (binary), IP or BM25 (sparse). Omit for scalar indexes.' })),
    params: Type.Optional(StringMap<string | number | boolean>(PARAM_VALUE_SCHEMA, {
      description: 'Build parameters (e.g. M, efConstruction, nlist). Changing them follows updatePolicy.',
      // No CEL here: CEL cannot see a map of untyped values. Key length and value types are the operator's (validateSpec).
      maxProperties: LIMITS.params,
    })),
    properties: Type.Optional(StringMap<string>({ type: 'string', maxLength: LIMITS.propertyValue }, {
      description: 'Mutable index properties (e.g. mmap.enabled: "true"), applied with AlterIndex.',
      maxProperties: LIMITS.properties,
      'x-kubernetes-validations': [keysAtMost('properties', LIMITS.propertyKey)],
    })),
    deletionPolicy: Type.Optional(StringEnum(DELETION_POLICIES, { default: 'Delete', description: 'Delete: drop the Milvus index when this resource is deleted. Retain: keep it.' })),
    updatePolicy: Type.Optional(StringEnum(UPDATE_POLICIES, { default: 'Reject', description: 'What a change of indexType, metricType or params does. Reject: report ImmutableChange. Recreate: drop and create the index again.' })),
    allowCollectionRelease: Type.Optional(Type.Boolean({ default: false, description: 'May the operator release a loaded collection to drop, recreate or alter this index (it reloads it afterwards)? Releasing makes the collection unsearchable meanwhile.' })),
    adoptionPolicy: Type.Optional(StringEnum(ADOPTION_POLICIES, { default: 'IfMatching', description: 'IfMatching: take over an existing index whose definition equals the spec. Never: an existing index is a Conflict.' })),
  },
  {
    description: 'The desired Milvus index.',
    'x-kubernetes-validations': [
      { rule: 'has(self.connectionRef) == has(oldSelf.connectionRef)', message: 'connectionRef is immutable: it cannot be added or removed' },
      { rule: 'has(self.database) == has(oldSelf.database)', message: 'database is immutable: it cannot be added or removed' },
      { rule: 'has(self.indexName) == has(oldSelf.indexName)', message: 'indexName is immutable: it cannot be added or removed' },
      ...indexSpecRules(),
    ],
  },
);
export type MilvusIndexSpec = Static<typeof MilvusIndexSpecSchema>;

export const IndexStatusSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Index name as Milvus reports it.' })),
    id: Type.Optional(Type.String({ description: 'Milvus index ID.' })),
    state: Type.Optional(StringEnum(INDEX_STATES, { description: 'Build state reported by Milvus.' })),
    indexedRows: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows the index covers, as Milvus reports them.' })),
    totalRows: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows of the collection the index is built over, as Milvus reports them.' })),
    pendingIndexRows: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows still waiting to be indexed (0 once the build caught up; the first Ready needs 0).' })),
    progress: Type.Optional(Type.String({ description: 'indexedRows / totalRows as a percentage.' })),
    failReason: Type.Optional(Type.String({ description: 'Why the build failed, as Milvus reports it.' })),
  },
  { description: 'What Milvus reports about the index, refreshed on every observation.' },
);
export type IndexStatus = Static<typeof IndexStatusSchema>;

export const PendingOperationSchema = Type.Object(
  {
    operation: StringEnum(PENDING_OPERATIONS, { description: 'The multi-step change under way.' }),
    reloadCollection: Type.Boolean({ description: 'Reload the collection when the change is done (it was loaded before).' }),
    startedAt: Type.String({ format: 'date-time', description: 'When the operation was recorded (RFC 3339).' }),
    previous: Type.Optional(Type.Object(
      {
        indexType: Type.String({ maxLength: 64, description: 'Index type of the dropped index.' }),
        metricType: Type.Optional(Type.String({ maxLength: 64, description: 'Metric type of the dropped index (vector indexes only).' })),
        params: Type.Optional(StringMap<string>({ type: 'string', maxLength: 1024 }, { maxProperties: 64, description: 'Build params of the dropped index, in canonical string form.' })),
      },
      { description: 'Recreate: the definition that was dropped. If Milvus refuses the new definition, the index is restored with this one (nothing is left without an index because of a spec Milvus will not take).' },
    )),
  },
  { description: 'Written before a change (create; release, drop, create, load; alter) so that a restart resumes it. Create: a createIndex was issued; ownership becomes Created only once the index is observed with our definition.' },
);
export type PendingOperation = Static<typeof PendingOperationSchema>;

export const RefusalSchema = Type.Object(
  {
    generation: Type.Integer({ minimum: 0, description: 'The .metadata.generation whose request Milvus refused.' }),
    action: StringEnum(REFUSABLE_ACTIONS, { description: 'The refused request.' }),
    message: Type.String({ description: 'What Milvus answered.' }),
    requestedAt: Type.Optional(Type.String({ description: `Value of the ${ANNOTATION_RECONCILE_REQUESTED_AT} annotation when Milvus refused; changing the annotation retries once.` })),
  },
  { description: 'Milvus refused a request as invalid for this generation; it is not sent again until the spec changes or the reconcile-requested-at annotation does. Only a refusal by the server is remembered: everything observed (field types, missing objects) is observed again on every reconcile.' },
);
export type Refusal = Static<typeof RefusalSchema>;

export const UnsupportedSchema = Type.Object(
  {
    generation: Type.Integer({ minimum: 0, description: 'The .metadata.generation for which the server showed the behaviour.' }),
    what: StringEnum(UNSUPPORTED_FEATURES, { description: 'AlterIndexProperties: the server has no AlterIndex. IndexName: the server stored the index under another name than the one sent. JsonPathIndex: the server cannot index JSON fields (Milvus Lite, Milvus before 2.5).' }),
    message: Type.String({ description: 'What the server did or answered.' }),
    requestedAt: Type.Optional(Type.String({ description: `Value of the ${ANNOTATION_RECONCILE_REQUESTED_AT} annotation when recorded; changing the annotation retries once.` })),
  },
  { description: 'A capability the server lacks; the request is not retried for this generation (Ready=False/Unsupported, Stalled=True).' },
);
export type Unsupported = Static<typeof UnsupportedSchema>;

export const AppliedPropertiesSchema = Type.Object(
  {
    generation: Type.Integer({ minimum: 0, description: 'The .metadata.generation whose properties were sent.' }),
    properties: StringMap<string>({ type: 'string' }, { description: 'The properties the server accepted through AlterIndex.' }),
  },
  { description: 'Index properties the server accepted for a generation. Some servers do not echo properties in describeIndex; this record bounds AlterIndex to one call per generation.' },
);
export type AppliedProperties = Static<typeof AppliedPropertiesSchema>;

export const MilvusIndexStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The .metadata.generation this status describes; status is current when it equals .metadata.generation.' })),
    conditions: Type.Optional(ConditionListSchema),
    index: Type.Optional(IndexStatusSchema),
    ownership: Type.Optional(StringEnum(OWNERSHIPS, { description: 'Created: this resource created the index. Adopted: it existed and matched the spec. Only an owned index is ever dropped.' })),
    database: Type.Optional(Type.String({ description: 'The resolved database.' })),
    pendingOperation: Type.Optional(PendingOperationSchema),
    refusal: Type.Optional(RefusalSchema),
    unsupported: Type.Optional(UnsupportedSchema),
    appliedProperties: Type.Optional(AppliedPropertiesSchema),
  },
  { description: 'What is true now.' },
);
export type MilvusIndexStatus = Static<typeof MilvusIndexStatusSchema>;

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  creationTimestamp: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface MilvusIndex {
  apiVersion: typeof API_VERSION;
  kind: 'MilvusIndex';
  metadata: ObjectMeta;
  spec: MilvusIndexSpec;
  status?: MilvusIndexStatus;
}
