// kstatus meaning of every connection reason: what resolves by itself is Reconciling, what needs a
// person is Stalled (a Secret that does not exist yet may be on its way from external-secrets).
import { describe, expect, it } from 'vitest';
import type { ConnectionReadyReason } from '../../../src/api/connection.js';
import { CONNECTION_PROGRESS, connectionSummary } from '../../../src/reconcile/connection/summary.js';

const rows: Array<{ reason: ConnectionReadyReason; ready: boolean; want: { ready: string; reconciling: boolean; stalled: boolean }; why: string }> = [
  { reason: 'Connected', ready: true, want: { ready: 'True', reconciling: false, stalled: false }, why: 'verified' },
  { reason: 'Unreachable', ready: false, want: { ready: 'False', reconciling: true, stalled: false }, why: 'an outage ends by itself' },
  { reason: 'SecretNotFound', ready: false, want: { ready: 'False', reconciling: true, stalled: false }, why: 'the Secret may still be created (external-secrets, sealed-secrets)' },
  { reason: 'SecretUnreadable', ready: false, want: { ready: 'False', reconciling: true, stalled: false }, why: 'a failed get is retried (RBAC may still be applied)' },
  { reason: 'SecretKeyMissing', ready: false, want: { ready: 'False', reconciling: false, stalled: true }, why: 'the Secret exists without the key: its content or the spec must change' },
  { reason: 'AuthenticationFailed', ready: false, want: { ready: 'False', reconciling: false, stalled: true }, why: 'the credentials must change' },
  { reason: 'InvalidSpec', ready: false, want: { ready: 'False', reconciling: false, stalled: true }, why: 'the spec must change' },
];

describe('connectionSummary', () => {
  it('the table covers every reason', () => {
    expect(rows.map((r) => r.reason).sort()).toEqual(Object.keys(CONNECTION_PROGRESS).sort());
  });

  it.each(rows)('$reason: $why', ({ reason, ready, want }) => {
    const s = connectionSummary({ ready, reason, message: `m-${reason}` });
    expect(s).toEqual({ ready: want.ready, reason, message: `m-${reason}`, reconciling: want.reconciling, stalled: want.stalled });
  });

  it('never Reconciling and Stalled at once', () => {
    for (const reason of Object.keys(CONNECTION_PROGRESS) as ConnectionReadyReason[]) {
      const s = connectionSummary({ ready: reason === 'Connected', reason, message: '' });
      expect(s.reconciling && s.stalled, reason).toBe(false);
    }
  });
});
