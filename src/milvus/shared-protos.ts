// The Milvus SDK (3.x) builds its protobuf reflection from scratch for every MilvusClient: its constructor
// calls protobufjs `Root.fromJSON` on its two bundled descriptors (schema, milvus) and, for each of its two
// gRPC services, @grpc/proto-loader's `fromJSON` over the whole Milvus descriptor. Measured on SDK 3.0.6
// (test/bench/sdk-clients.ts): every client added ~9 MiB of V8 heap and RSS and blocked the event loop ~150 ms,
// so memory grew with every connection target (20 targets: 287 MiB RSS, 118 with this). The results are pure functions of the bundled
// descriptor objects (and the loader options) and the SDK only reads them (lookupType, service
// constructors), so they are built once per process and shared by every client.

import { createRequire } from 'node:module';

type Json = object;

interface ProtobufModule {
  Root: { fromJSON(json: Json, root?: unknown): unknown };
}

interface ProtoLoaderModule {
  fromJSON(json: Json, options?: object): unknown;
}

const PATCHED = Symbol.for('milvus-index-operator.sdk-shared-protos');

/** The protobufjs and @grpc/proto-loader instances the SDK itself loads (resolved from its own location). */
export function sdkProtoModules(): { protobuf: ProtobufModule; protoLoader: ProtoLoaderModule } {
  const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node'));
  return { protobuf: sdkRequire('protobufjs') as ProtobufModule, protoLoader: sdkRequire('@grpc/proto-loader') as ProtoLoaderModule };
}

/**
 * From now on, process-wide, `Root.fromJSON(json)` (without a root to load into) and proto-loader's
 * `fromJSON(json, options)` return the result of their first call for the same descriptor object (and
 * equal options): every MilvusClient after the first shares the reflection of the first. A descriptor is
 * keyed by identity, so only the same bundled object is shared, never an equal-looking other one; options
 * are compared value by value. Idempotent.
 */
export function shareSdkProtoDefinitions(modules = sdkProtoModules()): void {
  const { protobuf, protoLoader } = modules;
  const marked = protobuf.Root as ProtobufModule['Root'] & { [PATCHED]?: true };
  if (marked[PATCHED]) return;

  const roots = new WeakMap<Json, unknown>();
  const rootFromJson = protobuf.Root.fromJSON.bind(protobuf.Root);
  protobuf.Root.fromJSON = (json: Json, root?: unknown): unknown => {
    if (root !== undefined || typeof json !== 'object' || json === null) return rootFromJson(json, root);
    if (!roots.has(json)) roots.set(json, rootFromJson(json));
    return roots.get(json);
  };

  const definitions = new WeakMap<Json, Array<{ options: object; definition: unknown }>>();
  const definitionFromJson = protoLoader.fromJSON.bind(protoLoader);
  protoLoader.fromJSON = (json: Json, options?: object): unknown => {
    if (typeof json !== 'object' || json === null) return definitionFromJson(json, options);
    const built = definitions.get(json) ?? [];
    definitions.set(json, built);
    const known = built.find((b) => sameOptions(b.options, options ?? {}));
    if (known) return known.definition;
    const definition = definitionFromJson(json, options);
    built.push({ options: { ...options }, definition });
    return definition;
  };
  marked[PATCHED] = true;
}

/** Loader options are flat (booleans, and constructors such as `longs: String`): equal when every value is the same. */
function sameOptions(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
