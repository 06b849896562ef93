import { displayUri, hasUserinfo } from './milvus/uri.js';

/**
 * The one schema for flags and environment: every option has a flag, an environment variable,
 * a default and help text. Flags win over environment, environment over defaults.
 * Secrets (MILVUS_TOKEN, MILVUS_PASSWORD) come from the environment only, never from flags
 * (flags are visible in `ps` and in the Pod spec).
 */
export interface OperatorConfig {
  kubeconfig: string | undefined;
  namespace: string | undefined;
  concurrency: number;
  resyncPeriodMs: number;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaderElectionNamespace: string | undefined;
  leaderElectionId: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  milvusUri: string | undefined;
  milvusDatabase: string;
  milvusToken: string | undefined;
  milvusUsername: string | undefined;
  milvusPassword: string | undefined;
  milvusCredentialsDir: string | undefined;
  milvusTimeoutMs: number;
  milvusMaxConcurrentRequests: number;
  defaultConnectionNamespaces: string[];
  kubeQps: number;
  kubeBurst: number;
  shutdownTimeoutMs: number;
  clusterConnections: boolean;
}

type Kind = 'string' | 'int' | 'duration' | 'bool' | 'list' | 'level';

interface OptionSpec {
  key: keyof OperatorConfig;
  flag?: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
  secret?: boolean;
}

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'kubeconfig', flag: 'kubeconfig', env: 'KUBECONFIG', kind: 'string', default: '', help: 'Path to a kubeconfig. Empty: in-cluster config, else ~/.kube/config.' },
  { key: 'namespace', flag: 'namespace', env: 'WATCH_NAMESPACE', kind: 'string', default: '', help: 'Watch MilvusIndexes in this namespace only. Empty: all namespaces.' },
  { key: 'concurrency', flag: 'concurrency', env: 'MIO_CONCURRENCY', kind: 'int', default: '4', help: 'Number of resources reconciled at once.' },
  { key: 'resyncPeriodMs', flag: 'resync-period', env: 'MIO_RESYNC_PERIOD', kind: 'duration', default: '5m', help: 'How often every resource is re-verified against Milvus (±10% jitter); repairs drift.' },
  { key: 'leaderElect', flag: 'leader-elect', env: 'MIO_LEADER_ELECT', kind: 'bool', default: 'false', help: 'Elect a leader through a coordination.k8s.io Lease; only the leader reconciles.' },
  { key: 'leaseDurationMs', flag: 'leader-elect-lease-duration', env: 'MIO_LEADER_ELECT_LEASE_DURATION', kind: 'duration', default: '15s', help: 'How long a lease is valid without renewal.' },
  { key: 'renewDeadlineMs', flag: 'leader-elect-renew-deadline', env: 'MIO_LEADER_ELECT_RENEW_DEADLINE', kind: 'duration', default: '10s', help: 'How long the leader retries renewing before it gives up leadership.' },
  { key: 'retryPeriodMs', flag: 'leader-elect-retry-period', env: 'MIO_LEADER_ELECT_RETRY_PERIOD', kind: 'duration', default: '2s', help: 'How often candidates try to acquire or renew the lease.' },
  { key: 'leaderElectionNamespace', flag: 'leader-elect-namespace', env: 'POD_NAMESPACE', kind: 'string', default: '', help: 'Namespace of the Lease. Default: the watched namespace, else the in-cluster namespace, else "default".' },
  { key: 'leaderElectionId', flag: 'leader-elect-id', env: 'MIO_LEADER_ELECT_ID', kind: 'string', default: 'milvus-index-operator.index.milvus.io', help: 'Name of the Lease.' },
  { key: 'metricsBindAddress', flag: 'metrics-bind-address', env: 'MIO_METRICS_BIND_ADDRESS', kind: 'string', default: ':8080', help: 'Address of the Prometheus /metrics endpoint; "0" disables it.' },
  { key: 'healthProbeBindAddress', flag: 'health-probe-bind-address', env: 'MIO_HEALTH_PROBE_BIND_ADDRESS', kind: 'string', default: ':8081', help: 'Address of /healthz and /readyz; "0" disables them.' },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', kind: 'level', default: 'info', help: 'trace, debug, info, warn or error. Logs are JSON lines on stdout.' },
  { key: 'milvusUri', flag: 'milvus-uri', env: 'MILVUS_URI', kind: 'string', default: '', help: 'Default connection: Milvus address (host[:port] or http(s)://host[:port]; port 19530, 443 for https), used by MilvusIndexes without connectionRef. No credentials in it: see MILVUS_TOKEN, MILVUS_USERNAME.' },
  { key: 'milvusDatabase', flag: 'milvus-database', env: 'MILVUS_DATABASE', kind: 'string', default: 'default', help: 'Default connection: database for indexes that name none.' },
  { key: 'milvusToken', env: 'MILVUS_TOKEN', kind: 'string', default: '', help: 'Default connection: token (user:password or an API key). Environment only.', secret: true },
  { key: 'milvusUsername', env: 'MILVUS_USERNAME', kind: 'string', default: '', help: 'Default connection: user name. Environment only.' },
  { key: 'milvusPassword', env: 'MILVUS_PASSWORD', kind: 'string', default: '', help: 'Default connection: password. Environment only.', secret: true },
  { key: 'milvusCredentialsDir', flag: 'milvus-credentials-dir', env: 'MILVUS_CREDENTIALS_DIR', kind: 'string', default: '', help: 'Default connection: a directory (a mounted Secret) with a `token` file, or `username` and `password` files; re-read every few seconds, so a rotated Secret needs no restart. Wins over MILVUS_TOKEN / MILVUS_USERNAME.' },
  { key: 'milvusTimeoutMs', flag: 'milvus-timeout', env: 'MILVUS_TIMEOUT', kind: 'duration', default: '30s', help: 'Deadline of each Milvus request.' },
  { key: 'milvusMaxConcurrentRequests', flag: 'milvus-max-concurrent-requests', env: 'MILVUS_MAX_CONCURRENT_REQUESTS', kind: 'int', default: '8', help: 'Default connection: at most this many Milvus requests in flight.' },
  { key: 'defaultConnectionNamespaces', flag: 'default-connection-namespaces', env: 'MIO_DEFAULT_CONNECTION_NAMESPACES', kind: 'list', default: '', help: 'Comma-separated namespaces allowed to use the default connection. Empty: all.' },
  { key: 'kubeQps', flag: 'kube-api-qps', env: 'MIO_KUBE_API_QPS', kind: 'int', default: '500', help: 'Kubernetes API writes per second (sustained), a safety net against a hot loop; the API server protects itself with API Priority and Fairness. Events have a budget of their own.' },
  { key: 'kubeBurst', flag: 'kube-api-burst', env: 'MIO_KUBE_API_BURST', kind: 'int', default: '1000', help: 'Kubernetes API writes allowed in a burst.' },
  { key: 'clusterConnections', flag: 'cluster-connections', env: 'MIO_CLUSTER_CONNECTIONS', kind: 'bool', default: 'true', help: 'Serve ClusterMilvusConnections (needs cluster-wide list/watch on them). false: they are neither watched nor resolved.' },
  { key: 'shutdownTimeoutMs', flag: 'shutdown-timeout', env: 'MIO_SHUTDOWN_TIMEOUT', kind: 'duration', default: '30s', help: 'On SIGTERM, how long in-flight reconciles may finish.' },
];

export class ConfigError extends Error {}

/** Parses "300ms", "10s", "5m", "1h" or a bare number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`"${text}" is not a duration (examples: 500ms, 10s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

function convert(spec: OptionSpec, raw: string, source: string): unknown {
  const where = source === 'environment' ? `environment variable ${spec.env}` : spec.flag ? `--${spec.flag}` : spec.env;
  switch (spec.kind) {
    case 'string': return raw === '' ? undefined : raw;
    case 'int': {
      if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new ConfigError(`${where}: "${raw}" must be a positive integer`);
      return Number(raw);
    }
    case 'duration': {
      try {
        const ms = parseDuration(raw);
        if (ms <= 0) throw new ConfigError('must be positive');
        return ms;
      } catch (e) {
        throw new ConfigError(`${where}: ${(e as Error).message}`);
      }
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', ''].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      throw new ConfigError(`${where}: "${raw}" must be true or false`);
    }
    case 'list': return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'level': {
      if (!['trace', 'debug', 'info', 'warn', 'error'].includes(raw)) throw new ConfigError(`${where}: "${raw}" must be one of trace, debug, info, warn, error`);
      return raw;
    }
  }
}

export type ParseResult = { kind: 'config'; config: OperatorConfig } | { kind: 'help'; text: string } | { kind: 'version' };

/** Parses argv (without node and script) and the environment. Throws ConfigError with a clear message. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  const fromFlags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText() };
    if (arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"; see --help`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) throw new ConfigError(`unknown flag --${name}; see --help`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (spec.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`flag --${name} needs a value`);
      value = next;
      i++;
    }
    fromFlags.set(spec.key, value);
  }
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const flagValue = fromFlags.get(spec.key);
    const envValue = env[spec.env];
    if (flagValue !== undefined) out[spec.key] = convert(spec, flagValue, 'flag');
    else if (envValue !== undefined && envValue !== '') out[spec.key] = convert(spec, envValue, 'environment');
    else out[spec.key] = spec.kind === 'list' ? [] : spec.default === '' ? undefined : convert(spec, spec.default, 'default');
  }
  const config = out as unknown as OperatorConfig;
  if ((config.milvusUsername === undefined) !== (config.milvusPassword === undefined)) {
    throw new ConfigError('MILVUS_USERNAME and MILVUS_PASSWORD must be set together');
  }
  if (config.milvusUri !== undefined && hasUserinfo(config.milvusUri)) {
    throw new ConfigError(
      `--milvus-uri / MILVUS_URI must not contain credentials (got "${displayUri(config.milvusUri)}" with user information before "@"): ` +
        'set MILVUS_USERNAME and MILVUS_PASSWORD, or MILVUS_TOKEN, instead',
    );
  }
  if (config.renewDeadlineMs >= config.leaseDurationMs) throw new ConfigError('--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration');
  if (config.retryPeriodMs >= config.renewDeadlineMs) throw new ConfigError('--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline');
  return { kind: 'config', config };
}

export function helpText(): string {
  const lines = [
    'milvus-index-operator: manages Milvus indexes declared as MilvusIndex resources.',
    '',
    'Usage: milvus-index-operator [flags]',
    '',
    'Flags (each also read from the environment variable shown; flags win):',
  ];
  for (const o of OPTIONS) {
    const name = o.flag ? `--${o.flag}` : '(env only)';
    lines.push(`  ${name.padEnd(36)} env ${o.env.padEnd(34)} default ${o.secret ? '(none)' : JSON.stringify(o.default)}`);
    lines.push(`      ${o.help}`);
  }
  lines.push('  --help, --version');
  return lines.join('\n');
}

/** The configuration with secrets masked and the uri without userinfo, for the start-up log line. */
export function redactedConfig(c: OperatorConfig): Record<string, unknown> {
  return {
    ...c,
    milvusUri: c.milvusUri === undefined ? undefined : displayUri(c.milvusUri),
    milvusToken: c.milvusToken ? '[REDACTED]' : undefined,
    milvusPassword: c.milvusPassword ? '[REDACTED]' : undefined,
  };
}
