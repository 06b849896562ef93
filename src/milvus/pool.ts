// One Milvus client per connection (a MilvusConnection, a ClusterMilvusConnection or the default
// connection from flags), rebuilt when anything about the target changes — including rotated
// credentials, which is why the comparison is a fingerprint over the whole target, secrets too.

import { createHash } from 'node:crypto';

import { stableJson } from './canonical.js';
import { SdkMilvusIndexApi, noopMilvusMetrics, type MilvusMetrics } from './client.js';
import { describeTarget } from './target.js';
import type { ConnectionTarget, MilvusClientProvider, MilvusIndexApi } from './types.js';

export { describeTarget };

/** A client the pool can close when its target changes or at shutdown. */
export type ClosableMilvusIndexApi = MilvusIndexApi & { close(): Promise<void> };

export interface MilvusClientPoolOptions {
  metrics?: MilvusMetrics;
  /** Builds a client for a target; default SdkMilvusIndexApi. */
  createClient?: (target: ConnectionTarget, metrics: MilvusMetrics) => ClosableMilvusIndexApi;
  /** Told whenever a client is built ('new') or rebuilt because the target changed ('changed'). Gets no secrets. */
  onClientCreated?: (connectionKey: string, description: string, reason: 'new' | 'changed') => void;
}

/**
 * sha256 (hex) over every field of the target, secrets included, so that any change — uri,
 * database, token/password rotation, TLS material, timeout, concurrency limit — gives a new
 * value. Safe to log: it reveals nothing about the secrets.
 */
export function targetFingerprint(target: ConnectionTarget): string {
  const normalised = {
    uri: target.uri.trim(),
    database: target.database || 'default',
    token: target.token || undefined,
    username: target.username || undefined,
    password: target.password || undefined,
    timeoutMs: target.timeoutMs,
    tls: target.tls
      ? { enabled: target.tls.enabled, caPem: target.tls.caPem || undefined, serverName: target.tls.serverName || undefined, clientCertPem: target.tls.clientCertPem || undefined, clientKeyPem: target.tls.clientKeyPem || undefined }
      : undefined,
    maxConcurrentRequests: target.maxConcurrentRequests && target.maxConcurrentRequests > 0 ? target.maxConcurrentRequests : undefined,
  };
  return createHash('sha256').update(stableJson(normalised)).digest('hex');
}

interface Entry {
  fingerprint: string;
  client: ClosableMilvusIndexApi;
}

/**
 * MilvusClientProvider keeping one client per connection key.
 *
 * Guarantees: `get` is synchronous, never throws and never does I/O (a bad uri surfaces as a
 * MilvusError from the first call); the same client comes back while the target's fingerprint is
 * unchanged; a replaced client is closed in the background after its in-flight calls finish.
 * `close()` closes every client; the pool stays usable afterwards (new `get`s build new clients).
 */
export class MilvusClientPool implements MilvusClientProvider {
  private readonly entries = new Map<string, Entry>();
  /**
   * Fingerprints by target object: a target is never changed once handed to `get` (resolvers build a new one
   * for every change), and the default connection's is the same object on every reconcile, so it is hashed once.
   */
  private readonly fingerprints = new WeakMap<ConnectionTarget, string>();
  private readonly closing = new Set<Promise<void>>();
  private readonly metrics: MilvusMetrics;
  private readonly createClient: (target: ConnectionTarget, metrics: MilvusMetrics) => ClosableMilvusIndexApi;
  private readonly onClientCreated: MilvusClientPoolOptions['onClientCreated'];

  constructor(options: MilvusClientPoolOptions = {}) {
    this.metrics = options.metrics ?? noopMilvusMetrics;
    this.createClient = options.createClient ?? ((target, metrics) => new SdkMilvusIndexApi(target, { metrics }));
    this.onClientCreated = options.onClientCreated;
  }

  get(connectionKey: string, target: ConnectionTarget): MilvusIndexApi {
    let fingerprint = this.fingerprints.get(target);
    if (fingerprint === undefined) this.fingerprints.set(target, (fingerprint = targetFingerprint(target)));
    const existing = this.entries.get(connectionKey);
    if (existing && existing.fingerprint === fingerprint) return existing.client;
    const client = this.createClient(target, this.metrics);
    this.entries.set(connectionKey, { fingerprint, client });
    if (existing) this.closeInBackground(existing.client);
    this.onClientCreated?.(connectionKey, describeTarget(target), existing ? 'changed' : 'new');
    return client;
  }

  /** Connection keys that currently have a client. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Closes and forgets the client of one connection (the connection was deleted). Idempotent. */
  async evict(connectionKey: string): Promise<void> {
    const entry = this.entries.get(connectionKey);
    if (!entry) return;
    this.entries.delete(connectionKey);
    await this.closeQuietly(entry.client);
  }

  async close(): Promise<void> {
    const clients = [...this.entries.values()].map((e) => e.client);
    this.entries.clear();
    await Promise.all([...clients.map((c) => this.closeQuietly(c)), ...this.closing]);
  }

  private closeInBackground(client: ClosableMilvusIndexApi): void {
    const p = this.closeQuietly(client).finally(() => this.closing.delete(p));
    this.closing.add(p);
  }

  private async closeQuietly(client: ClosableMilvusIndexApi): Promise<void> {
    try {
      await client.close();
    } catch {
      // A failing close leaves nothing to clean up on our side.
    }
  }
}
