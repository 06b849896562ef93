import type { ConnectionReadyReason } from '../../api/connection.js';
import type { Summary } from '../conditions.js';

/**
 * kstatus meaning of each connection reason. `Reconciling`: it will resolve without a person (an
 * outage; a Secret that does not exist yet — external-secrets or sealed-secrets may still be
 * creating it — or cannot be read yet). `Stalled`: the spec or the Secret's content must change.
 */
export const CONNECTION_PROGRESS: Record<ConnectionReadyReason, 'Ready' | 'Reconciling' | 'Stalled'> = {
  Connected: 'Ready',
  Unreachable: 'Reconciling',
  SecretNotFound: 'Reconciling',
  SecretUnreadable: 'Reconciling',
  SecretKeyMissing: 'Stalled',
  AuthenticationFailed: 'Stalled',
  InvalidSpec: 'Stalled',
};

/** The Ready/Reconciling/Stalled summary of one verified connection state. */
export function connectionSummary(state: { ready: boolean; reason: ConnectionReadyReason; message: string }): Summary {
  const progress = state.ready ? 'Ready' : CONNECTION_PROGRESS[state.reason];
  return {
    ready: progress === 'Ready' ? 'True' : 'False',
    reason: (progress === 'Ready' ? 'Connected' : state.reason) as Summary['reason'],
    message: state.message,
    reconciling: progress === 'Reconciling',
    stalled: progress === 'Stalled',
  };
}
