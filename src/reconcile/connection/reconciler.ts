import { CONNECTION_FINALIZER, type AnyConnection, type ConnectionReadyReason, type ConnectionStatus } from '../../api/connection.js';
import { API_VERSION, type MilvusIndex } from '../../api/milvusindex.js';
import type { Logger } from '../../observability/logger.js';
import type { ObjectStore, RequeueDecision } from '../../controller/types.js';
import { describeKubeError, isWriteConflict } from '../../kube/errors.js';
import type { SecretReader } from '../../kube/secrets.js';
import { isAuthFailure } from '../../milvus/classify.js';
import { targetFingerprint } from '../../milvus/pool.js';
import { tlsFailureHint } from '../../milvus/tls-hint.js';
import type { ConnectionTarget, MilvusClientProvider } from '../../milvus/types.js';
import { displayUri, endpointIdentity } from '../../milvus/uri.js';
import type { EventRecorder } from '../../kube/events.js';
import { applySummary, statusEqual } from '../conditions.js';
import type { ConnectionRegistry, ConnectionState } from './registry.js';
import { resolveConnectionTarget, type ResolvedTarget } from './credentials.js';
import { connectionKey } from './resolution.js';
import { connectionSummary } from './summary.js';

/** Finalizer and status writes of one connection kind. */
export interface ConnectionWriter {
  addFinalizer(obj: AnyConnection, finalizer: string): Promise<unknown>;
  removeFinalizer(obj: AnyConnection, finalizer: string): Promise<void>;
  writeStatus(obj: AnyConnection, status: ConnectionStatus): Promise<string | undefined>;
}

export interface ConnectionReconcilerDeps {
  kind: 'MilvusConnection' | 'ClusterMilvusConnection';
  store: ObjectStore<AnyConnection>;
  /**
   * The MilvusIndexes that use a connection (by connectionKey), deleting ones included, from the
   * synced MilvusIndex cache; undefined while that cache has not synced (nothing is decided then).
   */
  usersOf: (connectionKey: string) => MilvusIndex[] | undefined;
  registry: ConnectionRegistry;
  secrets: SecretReader;
  milvus: MilvusClientProvider & { evict(key: string): Promise<void> };
  writer: ConnectionWriter;
  now: () => Date;
  log: Logger;
  /** Called when a connection's usability or target changed: the MilvusIndexes using it are re-checked. */
  onChanged: (connectionKey: string) => void;
  /** Events on the MilvusIndexes using a connection (a re-targeted connection is announced there). */
  events: EventRecorder;
}

/** Not ready because a server (Milvus, or the API server for the Secret) refused or failed an exchange. */
const FAILED_EXCHANGE: ReadonlySet<ConnectionReadyReason> = new Set(['Unreachable', 'AuthenticationFailed', 'SecretUnreadable']);

/**
 * Verifies a connection (reads its Secrets with `get`, asks the server its version), keeps the
 * result in the registry for the MilvusIndex reconciler, guards the connection with a finalizer
 * while any MilvusIndex uses it, and writes its status when it changed.
 * Idempotent; re-reads the Secrets on every pass, so a rotated credential is picked up on the next
 * reconcile (resync, or at once where Secrets are watched) without a restart.
 */
export class ConnectionReconciler {
  constructor(private readonly deps: ConnectionReconcilerDeps) {}

  readonly reconcile = async (key: string): Promise<RequeueDecision> => {
    const d = this.deps;
    const obj = d.store.get(key);
    const [namespace, name] = key.includes('/') ? key.split('/') as [string, string] : [undefined, key];
    const connKey = connectionKey(d.kind, name, namespace);
    if (!obj) return this.forget(connKey);
    const users = d.usersOf(connKey);
    // No finalizer is removed and no "in use" count is taken on a partial view.
    if (users === undefined) return { kind: 'After', ms: 1000 };
    const guarded = await this.guardFinalizer(key, obj, users.length);
    if (guarded) return guarded;

    const previous = d.registry.get(connKey);
    const state = await this.verify(obj, connKey, previous);
    d.registry.set(connKey, state);
    const changed = !previous || previous.ready !== state.ready || previous.reason !== state.reason || fingerprint(previous.target) !== fingerprint(state.target);
    if (changed) d.onChanged(connKey);

    const status = this.nextStatus(obj, state, users.length);
    if (obj.status?.endpoint !== undefined && obj.status.endpoint !== status.endpoint) await this.announceRetarget(obj, users, obj.status.endpoint, status.endpoint!);
    if (!statusEqual(status, obj.status)) {
      try {
        await d.writer.writeStatus(obj, status);
      } catch (e) {
        const error = describeKubeError(e);
        if (!isWriteConflict(e)) d.log.warn({ key, error }, 'cannot write connection status');
        return { kind: 'Backoff', error };
      }
    }
    if (state.ready) return { kind: 'None' };
    // A failed exchange with a server counts as a reconcile error (alerts on controller_runtime_reconcile_errors_total
    // fire for it, as for a MilvusIndex whose Milvus is unreachable); waiting for a Secret or for a spec fix does not.
    return FAILED_EXCHANGE.has(state.reason) ? { kind: 'CappedBackoff', error: state.message } : { kind: 'CappedBackoff' };
  };

  /** The connection is gone: forget its state and client, and let its users re-resolve. */
  private async forget(connKey: string): Promise<RequeueDecision> {
    if (this.deps.registry.get(connKey)) {
      this.deps.registry.delete(connKey);
      await this.deps.milvus.evict(connKey);
      this.deps.onChanged(connKey);
    }
    return { kind: 'None' };
  }

  /**
   * The in-use finalizer: added while any MilvusIndex uses the connection, removed once none does.
   * A finalizer change ends the pass (the watch brings the connection back with a fresh resourceVersion).
   */
  private async guardFinalizer(key: string, obj: AnyConnection, users: number): Promise<RequeueDecision | undefined> {
    const hasFinalizer = (obj.metadata.finalizers ?? []).includes(CONNECTION_FINALIZER);
    try {
      if (users === 0 && hasFinalizer) {
        await this.deps.writer.removeFinalizer(obj, CONNECTION_FINALIZER);
        return { kind: 'None' };
      }
      if (users > 0 && !hasFinalizer && !obj.metadata.deletionTimestamp) {
        await this.deps.writer.addFinalizer(obj, CONNECTION_FINALIZER);
        return { kind: 'None' };
      }
      return undefined;
    } catch (e) {
      const error = describeKubeError(e);
      if (!isWriteConflict(e)) this.deps.log.warn({ key, error }, 'cannot update the connection finalizer');
      return { kind: 'Backoff', error };
    }
  }

  private nextStatus(obj: AnyConnection, state: ConnectionState, users: number): ConnectionStatus {
    const summary = connectionSummary(state);
    return {
      observedGeneration: obj.metadata.generation,
      conditions: applySummary(obj.status?.conditions ?? [], summary, obj.metadata.generation, this.deps.now()),
      usedBy: users,
      endpoint: `${endpointIdentity(obj.spec.uri, obj.metadata.namespace)}/${obj.spec.database ?? 'default'}`,
      ...(state.serverVersion ? { serverVersion: state.serverVersion } : obj.status?.serverVersion ? { serverVersion: obj.status.serverVersion } : {}),
    };
  }

  /**
   * Editing spec.uri or spec.database re-targets every MilvusIndex using the connection: their indexes
   * are created at the new endpoint, and those at the old one stay (never dropped behind a user's
   * back). Say so on each of them, once (the status records the new endpoint).
   */
  private async announceRetarget(obj: AnyConnection, users: MilvusIndex[], from: string, to: string): Promise<void> {
    const what = `${obj.kind} "${obj.metadata.name}"`;
    this.deps.log.warn({ connection: what, from, to, users: users.length }, 'connection re-targeted while in use');
    for (const u of users) {
      await this.deps.events.emit({ apiVersion: API_VERSION, kind: 'MilvusIndex', metadata: u.metadata }, {
        type: 'Warning',
        reason: 'ConnectionRetargeted',
        message: `${what} now points at ${to} (was ${from}): this index is managed there from now on; the index at ${from} is kept, not dropped. Drop it there yourself if it is no longer needed.`,
      });
    }
  }

  private async verify(obj: AnyConnection, connKey: string, previous: ConnectionState | undefined): Promise<ConnectionState> {
    const lastWorking = previous?.lastWorking;
    const fail = (reason: ConnectionReadyReason, message: string, target?: ConnectionTarget): ConnectionState =>
      ({ ready: false, reason, message, target, lastWorking, serverVersion: undefined });
    let creds: ResolvedTarget;
    try {
      creds = await resolveConnectionTarget(obj, this.deps.secrets);
    } catch (e) {
      return fail('SecretUnreadable', `cannot read the connection's Secret: ${describeKubeError(e)}. Retrying with capped backoff.`);
    }
    if (creds.kind === 'Missing') return fail(creds.reason, creds.message);
    const target = creds.target;
    try {
      const version = await this.deps.milvus.get(connKey, target).serverVersion();
      return { ready: true, reason: 'Connected', message: `Connected to Milvus ${version} at ${displayUri(target.uri)}.`, target, lastWorking: target, serverVersion: version };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (isAuthFailure(e)) return fail('AuthenticationFailed', `Milvus at ${displayUri(target.uri)} refused the credentials: ${msg}. Fix the Secret; the operator re-reads it on the next reconcile.`, target);
      const hint = tlsFailureHint(msg, target);
      return fail('Unreachable', `Milvus at ${displayUri(target.uri)} cannot be reached: ${msg}.${hint ? ` ${hint}` : ''} Retrying with backoff.`, target);
    }
  }
}

function fingerprint(t: ConnectionTarget | undefined): string {
  return t ? targetFingerprint(t) : '';
}
