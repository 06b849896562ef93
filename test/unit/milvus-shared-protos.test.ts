// src/milvus/shared-protos.ts: the SDK's per-client protobuf reflection built once per process.
import { describe, expect, it } from 'vitest';

import { SdkMilvusIndexApi } from '../../src/milvus/client.js';
import { sdkProtoModules, shareSdkProtoDefinitions } from '../../src/milvus/shared-protos.js';

/** Stand-ins for protobufjs and @grpc/proto-loader that count how often they really build. */
function fakeModules() {
  const built = { roots: 0, definitions: 0 };
  const protobuf = { Root: { fromJSON: (json: object, root?: unknown) => { built.roots++; return { json, root, n: built.roots }; } } };
  const protoLoader = { fromJSON: (json: object, options?: object) => { built.definitions++; return { json, options, n: built.definitions }; } };
  return { modules: { protobuf, protoLoader }, built };
}

describe('shareSdkProtoDefinitions', () => {
  it('builds a root once per descriptor object; an equal-looking other object gets its own', () => {
    const { modules, built } = fakeModules();
    shareSdkProtoDefinitions(modules);
    const descriptor = { nested: { a: {} } };
    const first = modules.protobuf.Root.fromJSON(descriptor);
    expect(modules.protobuf.Root.fromJSON(descriptor)).toBe(first);
    expect(built.roots).toBe(1);
    expect(modules.protobuf.Root.fromJSON({ nested: { a: {} } })).not.toBe(first);
    expect(built.roots).toBe(2);
  });

  it('loading into a given root is never shared (it mutates that root)', () => {
    const { modules, built } = fakeModules();
    shareSdkProtoDefinitions(modules);
    const descriptor = {};
    modules.protobuf.Root.fromJSON(descriptor, { target: 1 });
    modules.protobuf.Root.fromJSON(descriptor, { target: 1 });
    expect(built.roots).toBe(2);
  });

  it('shares a package definition only for the same descriptor and the same option values (constructors compared by identity)', () => {
    const { modules, built } = fakeModules();
    shareSdkProtoDefinitions(modules);
    const descriptor = {};
    const first = modules.protoLoader.fromJSON(descriptor, { keepCase: true, longs: String });
    expect(modules.protoLoader.fromJSON(descriptor, { keepCase: true, longs: String })).toBe(first);
    expect(built.definitions).toBe(1);
    expect(modules.protoLoader.fromJSON(descriptor, { keepCase: true, longs: Number })).not.toBe(first);
    expect(modules.protoLoader.fromJSON(descriptor, { keepCase: true })).not.toBe(first);
    expect(modules.protoLoader.fromJSON(descriptor, { keepCase: true, longs: String, defaults: true })).not.toBe(first);
    expect(built.definitions).toBe(4);
  });

  it('is idempotent: a second call does not wrap again', () => {
    const { modules } = fakeModules();
    shareSdkProtoDefinitions(modules);
    const wrapped = modules.protobuf.Root.fromJSON;
    shareSdkProtoDefinitions(modules);
    expect(modules.protobuf.Root.fromJSON).toBe(wrapped);
  });

  it('the real SDK through the operator\'s client: two targets share their reflection and service definition', async () => {
    type Internals = { milvusProto: unknown; schemaProto: unknown; _MilvusService: { service: unknown } };
    const sdkOf = (x: SdkMilvusIndexApi): Internals => (x as unknown as { client: Internals }).client;
    const a = new SdkMilvusIndexApi({ uri: 'http://127.0.0.1:1', database: 'default', timeoutMs: 1_000 });
    const b = new SdkMilvusIndexApi({ uri: 'http://127.0.0.1:2', database: 'default', timeoutMs: 1_000 });
    try {
      expect(sdkOf(a).milvusProto).toBeDefined();
      expect(sdkOf(b).milvusProto).toBe(sdkOf(a).milvusProto);
      expect(sdkOf(b).schemaProto).toBe(sdkOf(a).schemaProto);
      expect(sdkOf(b)._MilvusService.service).toBe(sdkOf(a)._MilvusService.service);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('resolves protobufjs and @grpc/proto-loader as the SDK does (the instances it uses)', () => {
    const { protobuf, protoLoader } = sdkProtoModules();
    expect(typeof protobuf.Root.fromJSON).toBe('function');
    expect(typeof protoLoader.fromJSON).toBe('function');
  });
});
