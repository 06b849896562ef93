// src/config.ts as decision tables (style rule 9): precedence (flag > environment > default) for
// every option, each value kind's conversions and refusals, the argument syntax, the secret rules,
// the leader-election timing checks and the --help text. Rows carry name / reason / given / want;
// a failure prints the reason.
import { describe, expect, it } from 'vitest';
import {
  ConfigError, OPTIONS, helpText, parseConfig, parseDuration, redactedConfig, type OperatorConfig,
} from '../../src/config.js';

type Env = Record<string, string | undefined>;

/** Parses and insists on a configuration (not help/version). */
function configOf(argv: string[], env: Env = {}): OperatorConfig {
  const res = parseConfig(argv, env);
  if (res.kind !== 'config') throw new Error(`expected a configuration, got ${res.kind}`);
  return res.config;
}

/** The ConfigError parseConfig throws (fails the test when it returns). */
function errorOf(argv: string[], env: Env = {}): ConfigError {
  try {
    parseConfig(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected parseConfig(${JSON.stringify(argv)}) to throw a ConfigError`);
}

// ---------------------------------------------------------------------------------------------
// Defaults

describe('defaults', () => {
  it('with no flags and an empty environment every option has its documented default (design §4: metrics :8080, probes :8081)', () => {
    expect(configOf([], {})).toEqual({
      kubeconfig: undefined,
      namespace: undefined,
      concurrency: 4,
      resyncPeriodMs: 300_000,
      leaderElect: false,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      leaderElectionNamespace: undefined,
      leaderElectionId: 'milvus-index-operator.index.milvus.io',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      logLevel: 'info',
      milvusUri: undefined,
      milvusDatabase: 'default',
      milvusToken: undefined,
      milvusUsername: undefined,
      milvusPassword: undefined,
      milvusCredentialsDir: undefined,
      milvusTimeoutMs: 30_000,
      milvusMaxConcurrentRequests: 8,
      defaultConnectionNamespaces: [],
      kubeQps: 500,
      kubeBurst: 1000,
      shutdownTimeoutMs: 30_000,
      clusterConnections: true,
    } satisfies OperatorConfig);
  });

  it('an environment variable set to the empty string counts as unset (Helm renders empty values)', () => {
    const env = Object.fromEntries(OPTIONS.map((o) => [o.env, '']));
    expect(configOf([], env)).toEqual(configOf([], {}));
  });

  it('unrelated environment variables are ignored', () => {
    expect(configOf([], { PATH: '/usr/bin', HOME: '/root', CONCURRENCY: '99' })).toEqual(configOf([], {}));
  });
});

// ---------------------------------------------------------------------------------------------
// Precedence, one row per option that has a flag

interface PrecedenceRow {
  name: string;
  reason: string;
  given: { key: keyof OperatorConfig; flag: string; env: string; flagValue: string; envValue: string };
  want: { fromFlag: unknown; fromEnv: unknown; byDefault: unknown };
}

const precedence: PrecedenceRow[] = [
  { name: 'kubeconfig', reason: 'path to a kubeconfig, string', given: { key: 'kubeconfig', flag: 'kubeconfig', env: 'KUBECONFIG', flagValue: '/etc/kube/a.yaml', envValue: '/etc/kube/b.yaml' }, want: { fromFlag: '/etc/kube/a.yaml', fromEnv: '/etc/kube/b.yaml', byDefault: undefined } },
  { name: 'namespace', reason: 'design §4: --namespace watches one namespace, default all', given: { key: 'namespace', flag: 'namespace', env: 'WATCH_NAMESPACE', flagValue: 'search', envValue: 'ml' }, want: { fromFlag: 'search', fromEnv: 'ml', byDefault: undefined } },
  { name: 'concurrency', reason: 'design §4: --concurrency, an int', given: { key: 'concurrency', flag: 'concurrency', env: 'MIO_CONCURRENCY', flagValue: '8', envValue: '2' }, want: { fromFlag: 8, fromEnv: 2, byDefault: 4 } },
  { name: 'resync-period', reason: 'design §2: resync default 5 min', given: { key: 'resyncPeriodMs', flag: 'resync-period', env: 'MIO_RESYNC_PERIOD', flagValue: '90s', envValue: '1h' }, want: { fromFlag: 90_000, fromEnv: 3_600_000, byDefault: 300_000 } },
  { name: 'leader-elect', reason: 'a flag that says false beats an environment that says true', given: { key: 'leaderElect', flag: 'leader-elect', env: 'MIO_LEADER_ELECT', flagValue: 'false', envValue: 'true' }, want: { fromFlag: false, fromEnv: true, byDefault: false } },
  { name: 'leader-elect-lease-duration', reason: 'lease timing, a duration', given: { key: 'leaseDurationMs', flag: 'leader-elect-lease-duration', env: 'MIO_LEADER_ELECT_LEASE_DURATION', flagValue: '30s', envValue: '20s' }, want: { fromFlag: 30_000, fromEnv: 20_000, byDefault: 15_000 } },
  { name: 'leader-elect-renew-deadline', reason: 'lease timing, stays between retry period and lease duration', given: { key: 'renewDeadlineMs', flag: 'leader-elect-renew-deadline', env: 'MIO_LEADER_ELECT_RENEW_DEADLINE', flagValue: '12s', envValue: '5s' }, want: { fromFlag: 12_000, fromEnv: 5_000, byDefault: 10_000 } },
  { name: 'leader-elect-retry-period', reason: 'lease timing, milliseconds allowed', given: { key: 'retryPeriodMs', flag: 'leader-elect-retry-period', env: 'MIO_LEADER_ELECT_RETRY_PERIOD', flagValue: '500ms', envValue: '3s' }, want: { fromFlag: 500, fromEnv: 3_000, byDefault: 2_000 } },
  { name: 'leader-elect-namespace', reason: 'the Lease namespace comes from the downward API (POD_NAMESPACE)', given: { key: 'leaderElectionNamespace', flag: 'leader-elect-namespace', env: 'POD_NAMESPACE', flagValue: 'ops', envValue: 'milvus-system' }, want: { fromFlag: 'ops', fromEnv: 'milvus-system', byDefault: undefined } },
  { name: 'leader-elect-id', reason: 'the Lease name', given: { key: 'leaderElectionId', flag: 'leader-elect-id', env: 'MIO_LEADER_ELECT_ID', flagValue: 'a', envValue: 'b' }, want: { fromFlag: 'a', fromEnv: 'b', byDefault: 'milvus-index-operator.index.milvus.io' } },
  { name: 'metrics-bind-address', reason: 'design §4: metrics on :8080 (kubebuilder default)', given: { key: 'metricsBindAddress', flag: 'metrics-bind-address', env: 'MIO_METRICS_BIND_ADDRESS', flagValue: ':9090', envValue: '0' }, want: { fromFlag: ':9090', fromEnv: '0', byDefault: ':8080' } },
  { name: 'health-probe-bind-address', reason: 'design §4: probes on :8081 (kubebuilder default)', given: { key: 'healthProbeBindAddress', flag: 'health-probe-bind-address', env: 'MIO_HEALTH_PROBE_BIND_ADDRESS', flagValue: ':9091', envValue: '127.0.0.1:8081' }, want: { fromFlag: ':9091', fromEnv: '127.0.0.1:8081', byDefault: ':8081' } },
  { name: 'log-level', reason: 'design §4: --log-level', given: { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', flagValue: 'debug', envValue: 'warn' }, want: { fromFlag: 'debug', fromEnv: 'warn', byDefault: 'info' } },
  { name: 'milvus-uri', reason: 'design §1: the default connection (--milvus-uri / MILVUS_URI)', given: { key: 'milvusUri', flag: 'milvus-uri', env: 'MILVUS_URI', flagValue: 'https://milvus.example.com:443', envValue: 'localhost:19530' }, want: { fromFlag: 'https://milvus.example.com:443', fromEnv: 'localhost:19530', byDefault: undefined } },
  { name: 'milvus-database', reason: 'design §1: --milvus-database', given: { key: 'milvusDatabase', flag: 'milvus-database', env: 'MILVUS_DATABASE', flagValue: 'analytics', envValue: 'other' }, want: { fromFlag: 'analytics', fromEnv: 'other', byDefault: 'default' } },
  { name: 'milvus-credentials-dir', reason: 'the default connection\'s credentials from a mounted Secret, re-read without a restart', given: { key: 'milvusCredentialsDir', flag: 'milvus-credentials-dir', env: 'MILVUS_CREDENTIALS_DIR', flagValue: '/var/run/secrets/milvus', envValue: '/creds' }, want: { fromFlag: '/var/run/secrets/milvus', fromEnv: '/creds', byDefault: undefined } },
  { name: 'milvus-timeout', reason: 'per-request deadline, a duration', given: { key: 'milvusTimeoutMs', flag: 'milvus-timeout', env: 'MILVUS_TIMEOUT', flagValue: '5s', envValue: '2m' }, want: { fromFlag: 5_000, fromEnv: 120_000, byDefault: 30_000 } },
  { name: 'milvus-max-concurrent-requests', reason: 'design §4: Milvus request rates are bounded by flags', given: { key: 'milvusMaxConcurrentRequests', flag: 'milvus-max-concurrent-requests', env: 'MILVUS_MAX_CONCURRENT_REQUESTS', flagValue: '16', envValue: '4' }, want: { fromFlag: 16, fromEnv: 4, byDefault: 8 } },
  { name: 'default-connection-namespaces', reason: 'design §1: a comma-separated list, default all (empty)', given: { key: 'defaultConnectionNamespaces', flag: 'default-connection-namespaces', env: 'MIO_DEFAULT_CONNECTION_NAMESPACES', flagValue: 'search, ml', envValue: 'team-a' }, want: { fromFlag: ['search', 'ml'], fromEnv: ['team-a'], byDefault: [] } },
  { name: 'kube-api-qps', reason: 'design §4: Kubernetes client rates are bounded by flags', given: { key: 'kubeQps', flag: 'kube-api-qps', env: 'MIO_KUBE_API_QPS', flagValue: '50', envValue: '5' }, want: { fromFlag: 50, fromEnv: 5, byDefault: 500 } },
  { name: 'kube-api-burst', reason: 'design §4: Kubernetes client rates are bounded by flags', given: { key: 'kubeBurst', flag: 'kube-api-burst', env: 'MIO_KUBE_API_BURST', flagValue: '100', envValue: '10' }, want: { fromFlag: 100, fromEnv: 10, byDefault: 1000 } },
  { name: 'cluster-connections', reason: 'rbac.clusterConnections: false must not leave the operator retrying a forbidden list', given: { key: 'clusterConnections', flag: 'cluster-connections', env: 'MIO_CLUSTER_CONNECTIONS', flagValue: 'false', envValue: 'false' }, want: { fromFlag: false, fromEnv: false, byDefault: true } },
  { name: 'shutdown-timeout', reason: 'in-flight reconciles on SIGTERM, a duration', given: { key: 'shutdownTimeoutMs', flag: 'shutdown-timeout', env: 'MIO_SHUTDOWN_TIMEOUT', flagValue: '1m', envValue: '10s' }, want: { fromFlag: 60_000, fromEnv: 10_000, byDefault: 30_000 } },
];

describe('precedence: flag over environment over default', () => {
  it('the table covers every option that has a flag, with the flag and variable the schema declares', () => {
    const declared = OPTIONS.filter((o) => o.flag !== undefined).map((o) => ({ key: o.key, flag: o.flag, env: o.env }));
    expect(precedence.map((r) => ({ key: r.given.key, flag: r.given.flag, env: r.given.env }))).toEqual(declared);
  });

  it.each(precedence)('$name', ({ reason, given, want }) => {
    const { key, flag, env, flagValue, envValue } = given;
    expect(configOf([`--${flag}=${flagValue}`], {})[key], `flag only: ${reason}`).toEqual(want.fromFlag);
    expect(configOf([`--${flag}`, flagValue], {})[key], `flag with a separate value: ${reason}`).toEqual(want.fromFlag);
    expect(configOf([], { [env]: envValue })[key], `environment only: ${reason}`).toEqual(want.fromEnv);
    expect(configOf([`--${flag}=${flagValue}`], { [env]: envValue })[key], `flag and environment: the flag wins: ${reason}`).toEqual(want.fromFlag);
    expect(configOf([], {})[key], `neither: the default: ${reason}`).toEqual(want.byDefault);
  });

  it('a flag wins even when the environment holds a value that would not parse (the environment is not read)', () => {
    expect(configOf(['--concurrency', '3'], { MIO_CONCURRENCY: 'lots' }).concurrency).toBe(3);
  });

  it('a repeated flag: the last one wins', () => {
    expect(configOf(['--concurrency', '2', '--concurrency=6']).concurrency).toBe(6);
  });
});

// ---------------------------------------------------------------------------------------------
// parseDuration

describe('parseDuration', () => {
  const good: Array<{ name: string; reason: string; given: string; want: number }> = [
    { name: 'milliseconds', reason: 'ms suffix', given: '300ms', want: 300 },
    { name: 'seconds', reason: 's suffix', given: '10s', want: 10_000 },
    { name: 'minutes', reason: 'm suffix', given: '5m', want: 300_000 },
    { name: 'hours', reason: 'h suffix', given: '1h', want: 3_600_000 },
    { name: 'bare number', reason: 'documented: a bare number is seconds', given: '30', want: 30_000 },
    { name: 'fraction', reason: 'decimals are allowed', given: '1.5s', want: 1_500 },
    { name: 'fraction of a minute', reason: 'decimals with any unit', given: '0.5m', want: 30_000 },
    { name: 'surrounding blanks', reason: 'values from YAML often carry spaces', given: ' 10s ', want: 10_000 },
    { name: 'zero', reason: 'parseDuration itself accepts 0; the option check refuses it', given: '0s', want: 0 },
    { name: 'sub-millisecond rounds', reason: 'the result is whole milliseconds', given: '0.0016s', want: 2 },
  ];
  it.each(good)('$name: "$given"', ({ reason, given, want }) => {
    expect(parseDuration(given), reason).toBe(want);
  });

  const bad: Array<{ name: string; reason: string; given: string }> = [
    { name: 'empty', reason: 'nothing to parse', given: '' },
    { name: 'word', reason: 'not a number', given: 'soon' },
    { name: 'unknown unit', reason: 'only ms, s, m, h', given: '10x' },
    { name: 'days', reason: 'no d unit (Go time.ParseDuration has none either)', given: '1d' },
    { name: 'negative', reason: 'durations are never negative', given: '-5s' },
    { name: 'space before the unit', reason: 'Go-style durations have none', given: '5 s' },
    { name: 'unit only', reason: 'a number is required', given: 's' },
    { name: 'compound', reason: 'one number, one unit', given: '1m30s' },
  ];
  it.each(bad)('refuses $name: "$given"', ({ reason, given }) => {
    expect(() => parseDuration(given), reason).toThrow(ConfigError);
    expect(() => parseDuration(given), reason).toThrow(/is not a duration/);
  });
});

// ---------------------------------------------------------------------------------------------
// Conversions of every kind, through flags and through the environment

const flagsOfKind = (kind: string) => OPTIONS.filter((o) => o.kind === kind && o.flag !== undefined);

interface ConversionRow {
  name: string;
  reason: string;
  given: { flag: string; value: string };
  /** The converted value, or the error text the message must contain. */
  want: { value: unknown } | { error: RegExp };
}

const conversions: ConversionRow[] = [
  // int
  { name: 'int: 1', reason: 'the smallest positive integer', given: { flag: 'concurrency', value: '1' }, want: { value: 1 } },
  { name: 'int: blanks around', reason: 'trimmed', given: { flag: 'concurrency', value: ' 7 ' }, want: { value: 7 } },
  { name: 'int: 0', reason: 'must be positive', given: { flag: 'concurrency', value: '0' }, want: { error: /"0" must be a positive integer/ } },
  { name: 'int: negative', reason: 'must be positive', given: { flag: 'concurrency', value: '-1' }, want: { error: /"-1" must be a positive integer/ } },
  { name: 'int: decimal', reason: 'an integer', given: { flag: 'concurrency', value: '2.5' }, want: { error: /"2.5" must be a positive integer/ } },
  { name: 'int: word', reason: 'a number', given: { flag: 'concurrency', value: 'four' }, want: { error: /"four" must be a positive integer/ } },
  { name: 'int: exponent', reason: 'digits only', given: { flag: 'concurrency', value: '1e3' }, want: { error: /"1e3" must be a positive integer/ } },
  { name: 'int: hex', reason: 'digits only', given: { flag: 'concurrency', value: '0x10' }, want: { error: /"0x10" must be a positive integer/ } },
  { name: 'int: empty', reason: '--concurrency= gives nothing', given: { flag: 'concurrency', value: '' }, want: { error: /must be a positive integer/ } },
  // duration
  { name: 'duration: 45s', reason: 'seconds', given: { flag: 'resync-period', value: '45s' }, want: { value: 45_000 } },
  { name: 'duration: bare seconds', reason: 'documented', given: { flag: 'resync-period', value: '120' }, want: { value: 120_000 } },
  { name: 'duration: 0s', reason: 'a zero period would spin', given: { flag: 'resync-period', value: '0s' }, want: { error: /must be positive/ } },
  { name: 'duration: 0', reason: 'a zero period would spin', given: { flag: 'milvus-timeout', value: '0' }, want: { error: /must be positive/ } },
  { name: 'duration: bad unit', reason: 'only ms, s, m, h', given: { flag: 'resync-period', value: '5y' }, want: { error: /"5y" is not a duration/ } },
  { name: 'duration: word', reason: 'not a number', given: { flag: 'shutdown-timeout', value: 'forever' }, want: { error: /"forever" is not a duration/ } },
  // bool
  ...(['true', 'TRUE', 'True', '1', 'yes'] as const).map((v): ConversionRow => ({ name: `bool: ${v}`, reason: 'accepted spellings of true', given: { flag: 'leader-elect', value: v }, want: { value: true } })),
  ...(['false', 'FALSE', '0', 'no'] as const).map((v): ConversionRow => ({ name: `bool: ${v}`, reason: 'accepted spellings of false', given: { flag: 'leader-elect', value: v }, want: { value: false } })),
  { name: 'bool: maybe', reason: 'neither true nor false', given: { flag: 'leader-elect', value: 'maybe' }, want: { error: /"maybe" must be true or false/ } },
  { name: 'bool: 2', reason: 'neither true nor false', given: { flag: 'leader-elect', value: '2' }, want: { error: /"2" must be true or false/ } },
  // list
  { name: 'list: one', reason: 'a single namespace', given: { flag: 'default-connection-namespaces', value: 'search' }, want: { value: ['search'] } },
  { name: 'list: blanks trimmed', reason: 'comma-separated with spaces', given: { flag: 'default-connection-namespaces', value: ' search , ml ' }, want: { value: ['search', 'ml'] } },
  { name: 'list: empty items dropped', reason: 'trailing and double commas', given: { flag: 'default-connection-namespaces', value: 'a,,b,' }, want: { value: ['a', 'b'] } },
  { name: 'list: only commas', reason: 'no namespace named: all', given: { flag: 'default-connection-namespaces', value: ',' }, want: { value: [] } },
  // level
  ...(['trace', 'debug', 'info', 'warn', 'error'] as const).map((v): ConversionRow => ({ name: `level: ${v}`, reason: 'the five levels', given: { flag: 'log-level', value: v }, want: { value: v } })),
  { name: 'level: verbose', reason: 'not a level', given: { flag: 'log-level', value: 'verbose' }, want: { error: /"verbose" must be one of trace, debug, info, warn, error/ } },
  { name: 'level: fatal', reason: 'pino has it, the operator does not offer it', given: { flag: 'log-level', value: 'fatal' }, want: { error: /"fatal" must be one of/ } },
  // string
  { name: 'string: value with "="', reason: '--flag=value splits at the first "=" only', given: { flag: 'milvus-uri', value: 'http://milvus:19530/?a=b' }, want: { value: 'http://milvus:19530/?a=b' } },
];

describe('conversions', () => {
  it.each(conversions)('$name', ({ reason, given, want }) => {
    const spec = OPTIONS.find((o) => o.flag === given.flag)!;
    if ('value' in want) {
      expect(configOf([`--${given.flag}=${given.value}`])[spec.key], reason).toEqual(want.value);
      return;
    }
    const e = errorOf([`--${given.flag}=${given.value}`]);
    expect(e.message, reason).toMatch(want.error);
    expect(e.message, `the message names the flag: ${reason}`).toContain(`--${given.flag}`);
  });

  // Every int / duration / bool / level option refuses garbage, and says which flag it was.
  const garbage: Array<{ name: string; reason: string; given: { flag: string; value: string } }> = [
    ...flagsOfKind('int').map((o) => ({ name: `--${o.flag}`, reason: 'int option', given: { flag: o.flag!, value: 'x1' } })),
    ...flagsOfKind('duration').map((o) => ({ name: `--${o.flag}`, reason: 'duration option', given: { flag: o.flag!, value: '10 parsecs' } })),
    ...flagsOfKind('bool').map((o) => ({ name: `--${o.flag}`, reason: 'bool option', given: { flag: o.flag!, value: 'perhaps' } })),
    ...flagsOfKind('level').map((o) => ({ name: `--${o.flag}`, reason: 'level option', given: { flag: o.flag!, value: 'loud' } })),
  ];
  it.each(garbage)('refuses a bad value of $name and names the flag', ({ reason, given }) => {
    const e = errorOf([`--${given.flag}`, given.value]);
    expect(e.message, reason).toContain(`--${given.flag}`);
    expect(e.message, reason).toContain(`"${given.value}"`);
  });

  // A bad value from the environment must point at the variable the user actually set.
  const badEnv = [
    { name: 'MIO_CONCURRENCY', reason: 'int option from the environment', given: { env: 'MIO_CONCURRENCY', value: 'x1' } },
    { name: 'MIO_RESYNC_PERIOD', reason: 'duration option from the environment', given: { env: 'MIO_RESYNC_PERIOD', value: 'soon' } },
    { name: 'MIO_LEADER_ELECT', reason: 'bool option from the environment', given: { env: 'MIO_LEADER_ELECT', value: 'perhaps' } },
    { name: 'LOG_LEVEL', reason: 'level option from the environment', given: { env: 'LOG_LEVEL', value: 'loud' } },
  ];
  it.each(badEnv)('refuses a bad value of $name and names the environment variable', ({ reason, given }) => {
    const e = errorOf([], { [given.env]: given.value });
    expect(e.message, reason).toContain(`"${given.value}"`);
    expect(e.message, `${reason}: the user set ${given.env}, not a flag; the message must say which variable`).toContain(given.env);
  });
});

// ---------------------------------------------------------------------------------------------
// Argument syntax

describe('argument syntax', () => {
  const rows: Array<{ name: string; reason: string; given: string[]; want: Partial<OperatorConfig> }> = [
    { name: '--flag=value', reason: 'the joined form', given: ['--namespace=search'], want: { namespace: 'search' } },
    { name: '--flag value', reason: 'the separate form', given: ['--namespace', 'search'], want: { namespace: 'search' } },
    { name: 'bare boolean flag', reason: '--leader-elect alone means true', given: ['--leader-elect'], want: { leaderElect: true } },
    { name: 'bare boolean flag followed by another flag', reason: 'the next flag is not its value', given: ['--leader-elect', '--concurrency', '2'], want: { leaderElect: true, concurrency: 2 } },
    { name: 'boolean flag with a separate value', reason: '--leader-elect false', given: ['--leader-elect', 'false', '--concurrency=3'], want: { leaderElect: false, concurrency: 3 } },
    { name: 'boolean flag with a joined value', reason: '--leader-elect=false', given: ['--leader-elect=false'], want: { leaderElect: false } },
    { name: 'mixed forms', reason: 'forms can be mixed freely', given: ['--milvus-uri', 'localhost:19530', '--milvus-database=analytics', '--log-level', 'debug'], want: { milvusUri: 'localhost:19530', milvusDatabase: 'analytics', logLevel: 'debug' } },
    { name: 'empty string flag', reason: '--namespace= explicitly means all namespaces', given: ['--namespace='], want: { namespace: undefined } },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    expect(configOf(given), reason).toMatchObject(want);
  });

  const refusals: Array<{ name: string; reason: string; given: string[]; want: RegExp }> = [
    { name: 'unknown flag', reason: 'a typo must not be ignored', given: ['--concurency', '4'], want: /unknown flag --concurency; see --help/ },
    { name: 'unknown flag, joined form', reason: 'the name is what precedes "="', given: ['--bogus=1'], want: /unknown flag --bogus; see --help/ },
    { name: 'positional argument', reason: 'the CLI takes flags only', given: ['run'], want: /unexpected argument "run"; see --help/ },
    { name: 'single dash', reason: 'flags are --long only (besides -h)', given: ['-n', 'search'], want: /unexpected argument "-n"/ },
    { name: 'stray value after a complete flag', reason: 'a value without its flag', given: ['--namespace=search', 'ml'], want: /unexpected argument "ml"/ },
    { name: 'missing value (string)', reason: 'the last flag needs a value', given: ['--namespace'], want: /flag --namespace needs a value/ },
    { name: 'missing value (int)', reason: 'the last flag needs a value', given: ['--leader-elect', '--concurrency'], want: /flag --concurrency needs a value/ },
    { name: 'missing value (duration)', reason: 'the last flag needs a value', given: ['--resync-period'], want: /flag --resync-period needs a value/ },
  ];
  it.each(refusals)('refuses $name', ({ reason, given, want }) => {
    expect(errorOf(given).message, reason).toMatch(want);
  });

  it.each([
    { name: '--help', reason: 'the long form', given: ['--help'] },
    { name: '-h', reason: 'the short form', given: ['-h'] },
    { name: '--help after other flags', reason: 'help wins wherever it is', given: ['--concurrency', '2', '--help'] },
    { name: '--help with a broken environment', reason: 'help must work even when the environment would not parse', given: ['--help'] },
  ])('$name returns the help text', ({ reason, given }) => {
    const res = parseConfig(given, { MIO_CONCURRENCY: 'lots', MILVUS_USERNAME: 'alone' });
    expect(res, reason).toEqual({ kind: 'help', text: helpText() });
  });

  it('--version returns version', () => {
    expect(parseConfig(['--version'], {})).toEqual({ kind: 'version' });
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets and credentials

const TOKEN = 'tok-3f9a1c77e2';
const PASSWORD = 'pw-8d71be02';

describe('secrets and credentials', () => {
  it.each([
    { name: '--milvus-token=<secret>', reason: 'flags are visible in ps and in the Pod spec', given: [`--milvus-token=${TOKEN}`], want: /unknown flag --milvus-token/ },
    { name: '--milvus-token <secret>', reason: 'the separate form is refused before the value is read', given: ['--milvus-token', TOKEN], want: /unknown flag --milvus-token/ },
    { name: '--milvus-password=<secret>', reason: 'flags are visible in ps and in the Pod spec', given: [`--milvus-password=${PASSWORD}`], want: /unknown flag --milvus-password/ },
    { name: '--milvus-username', reason: 'the user name travels with the password: environment only', given: ['--milvus-username=root'], want: /unknown flag --milvus-username/ },
  ])('refuses $name', ({ reason, given, want }) => {
    const e = errorOf(given);
    expect(e.message, reason).toMatch(want);
    expect(e.message, 'the refusal must not echo the secret').not.toContain(TOKEN);
    expect(e.message, 'the refusal must not echo the secret').not.toContain(PASSWORD);
  });

  it.each([
    { name: 'token', reason: 'MILVUS_TOKEN alone', given: { MILVUS_TOKEN: TOKEN }, want: { milvusToken: TOKEN, milvusUsername: undefined, milvusPassword: undefined } },
    { name: 'username and password', reason: 'both set together', given: { MILVUS_USERNAME: 'root', MILVUS_PASSWORD: PASSWORD }, want: { milvusToken: undefined, milvusUsername: 'root', milvusPassword: PASSWORD } },
    { name: 'none', reason: 'an unauthenticated Milvus', given: {}, want: { milvusToken: undefined, milvusUsername: undefined, milvusPassword: undefined } },
  ])('credentials from the environment: $name', ({ reason, given, want }) => {
    expect(configOf([], given), reason).toMatchObject(want);
  });

  it.each([
    { name: 'MILVUS_USERNAME without MILVUS_PASSWORD', reason: 'half a credential is a mistake, not anonymous access', given: { MILVUS_USERNAME: 'root' } },
    { name: 'MILVUS_PASSWORD without MILVUS_USERNAME', reason: 'half a credential is a mistake', given: { MILVUS_PASSWORD: PASSWORD } },
    { name: 'MILVUS_USERNAME with an empty MILVUS_PASSWORD', reason: 'an empty variable counts as unset', given: { MILVUS_USERNAME: 'root', MILVUS_PASSWORD: '' } },
  ])('refuses $name', ({ reason, given }) => {
    const e = errorOf([], given);
    expect(e.message, reason).toMatch(/MILVUS_USERNAME and MILVUS_PASSWORD must be set together/);
    expect(e.message, 'never echo the password').not.toContain(PASSWORD);
  });

  it.each([
    { name: '--milvus-uri with user:password', reason: 'a uri is logged and shown in the Pod spec; credentials go to the environment', given: { argv: [`--milvus-uri=http://root:${PASSWORD}@milvus:19530`], env: {} } },
    { name: '--milvus-uri with a token as userinfo', reason: 'a token is a credential too', given: { argv: ['--milvus-uri', `https://${TOKEN}@in03-x.cloud.zilliz.com`], env: {} } },
    { name: 'MILVUS_URI with user:password, no scheme', reason: 'every spelling is refused', given: { argv: [], env: { MILVUS_URI: `root:${PASSWORD}@milvus:19530` } } },
    { name: 'MILVUS_URI whose password contains @', reason: 'the userinfo ends at the last @: nothing of it may be echoed', given: { argv: [], env: { MILVUS_URI: `http://root:${PASSWORD}@x@milvus:19530` } } },
  ])('refuses $name', ({ reason, given }) => {
    const e = errorOf(given.argv, given.env);
    expect(e.message, reason).toMatch(/--milvus-uri \/ MILVUS_URI must not contain credentials/);
    expect(e.message, 'says what to use instead').toMatch(/MILVUS_USERNAME and MILVUS_PASSWORD, or MILVUS_TOKEN/);
    expect(e.message, 'never echo the secret').not.toContain(PASSWORD);
    expect(e.message, 'never echo the secret').not.toContain(TOKEN);
    expect(e.message, 'never echo the user either').not.toContain('root');
  });

  it.each([
    { name: 'without credentials', given: 'http://milvus:19530', want: 'http://milvus:19530' },
    { name: 'https without port (Zilliz Cloud)', given: 'https://in03-x.cloud.zilliz.com', want: 'https://in03-x.cloud.zilliz.com' },
  ])('accepts --milvus-uri $name', ({ given, want }) => {
    expect(configOf([`--milvus-uri=${given}`]).milvusUri).toBe(want);
  });

  describe('redactedConfig', () => {
    const withSecrets = () => configOf(['--milvus-uri=localhost:19530'], { MILVUS_TOKEN: TOKEN, MILVUS_USERNAME: 'root', MILVUS_PASSWORD: PASSWORD });

    it('masks the token and the password and leaves everything else as it is', () => {
      const c = withSecrets();
      const r = redactedConfig(c);
      expect(r).toEqual({ ...c, milvusToken: '[REDACTED]', milvusPassword: '[REDACTED]' });
      expect(JSON.stringify(r)).not.toContain(TOKEN);
      expect(JSON.stringify(r)).not.toContain(PASSWORD);
    });

    it('does not modify the configuration it masks', () => {
      const c = withSecrets();
      redactedConfig(c);
      expect(c.milvusToken).toBe(TOKEN);
      expect(c.milvusPassword).toBe(PASSWORD);
    });

    it('says nothing about secrets that are not set (no "[REDACTED]" for an absent value)', () => {
      const r = redactedConfig(configOf([], {}));
      expect(r.milvusToken).toBeUndefined();
      expect(r.milvusPassword).toBeUndefined();
    });

    it('never shows userinfo of the uri (a configuration not made by parseConfig may carry it)', () => {
      const c: OperatorConfig = { ...configOf([]), milvusUri: `http://root:${PASSWORD}@milvus:19530` };
      const r = redactedConfig(c);
      expect(r.milvusUri).toBe('http://milvus:19530');
      expect(JSON.stringify(r)).not.toContain(PASSWORD);
    });

    it('masks every option the schema marks secret', () => {
      const c = withSecrets();
      const r = redactedConfig(c);
      for (const o of OPTIONS.filter((x) => x.secret)) expect(r[o.key], o.env).toBe('[REDACTED]');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Leader-election timing

describe('leader-election timing order (retry period < renew deadline < lease duration)', () => {
  const rows: Array<{ name: string; reason: string; given: { argv: string[]; env?: Env }; want: { ok: true } | { error: RegExp } }> = [
    { name: 'defaults', reason: '2s < 10s < 15s', given: { argv: [] }, want: { ok: true } },
    { name: 'longer lease', reason: '5s < 40s < 60s', given: { argv: ['--leader-elect-lease-duration=60s', '--leader-elect-renew-deadline=40s', '--leader-elect-retry-period=5s'] }, want: { ok: true } },
    { name: 'renew deadline equal to the lease', reason: 'the leader would lose the lease before it gives up', given: { argv: ['--leader-elect-renew-deadline=15s'] }, want: { error: /--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration/ } },
    { name: 'renew deadline longer than the lease', reason: 'two leaders at once', given: { argv: ['--leader-elect-lease-duration=5s'] }, want: { error: /--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration/ } },
    { name: 'retry period equal to the renew deadline', reason: 'no second renewal attempt before the deadline', given: { argv: ['--leader-elect-retry-period=10s'] }, want: { error: /--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline/ } },
    { name: 'retry period longer than the renew deadline', reason: 'no renewal before the deadline', given: { argv: ['--leader-elect-retry-period=1m'] }, want: { error: /--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline/ } },
    { name: 'from the environment', reason: 'the check applies whatever the source', given: { argv: [], env: { MIO_LEADER_ELECT_LEASE_DURATION: '8s' } }, want: { error: /--leader-elect-renew-deadline must be shorter/ } },
    { name: 'flag fixes the environment', reason: 'the flag wins, then the order is checked', given: { argv: ['--leader-elect-lease-duration=20s'], env: { MIO_LEADER_ELECT_LEASE_DURATION: '8s' } }, want: { ok: true } },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    if ('ok' in want) {
      expect(() => configOf(given.argv, given.env ?? {}), reason).not.toThrow();
      return;
    }
    expect(errorOf(given.argv, given.env ?? {}).message, reason).toMatch(want.error);
  });
});

// ---------------------------------------------------------------------------------------------
// --help

describe('helpText', () => {
  const text = helpText();
  const lines = text.split('\n');
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.each(OPTIONS.map((o) => ({ name: o.flag ? `--${o.flag}` : o.env, option: o })))('lists $name with its environment variable and help', ({ option }) => {
    const name = option.flag ? `--${option.flag}` : '(env only)';
    const i = lines.findIndex((l) => new RegExp(`^\\s+${escape(name)}\\s+env ${escape(option.env)}\\s`).test(l));
    expect(i, `a line "${name} env ${option.env}"`).toBeGreaterThanOrEqual(0);
    expect(lines[i + 1]?.trim(), 'the help sentence follows').toBe(option.help);
  });

  it.each([
    '--namespace', '--concurrency', '--resync-period', '--leader-elect', '--leader-elect-lease-duration',
    '--leader-elect-renew-deadline', '--leader-elect-retry-period', '--metrics-bind-address',
    '--health-probe-bind-address', '--log-level', '--milvus-uri', '--milvus-database', '--default-connection-namespaces',
  ])('shows the design §4 flag %s', (flag) => {
    expect(lines.some((l) => new RegExp(`^\\s+${escape(flag)}\\s`).test(l))).toBe(true);
  });

  it.each(['MILVUS_URI', 'MILVUS_TOKEN', 'MILVUS_USERNAME', 'MILVUS_PASSWORD'])('shows the design §1 environment variable %s', (env) => {
    expect(text).toContain(`env ${env} `);
  });

  it('marks the credentials environment-only and shows no default for secrets', () => {
    for (const env of ['MILVUS_TOKEN', 'MILVUS_USERNAME', 'MILVUS_PASSWORD']) {
      expect(lines.find((l) => l.includes(`env ${env} `)), env).toMatch(/^\s+\(env only\)\s/);
    }
    for (const o of OPTIONS.filter((x) => x.secret)) {
      expect(lines.find((l) => l.includes(`env ${o.env} `)), o.env).toMatch(/default \(none\)$/);
    }
  });

  it('shows the defaults, e.g. the kubebuilder ports', () => {
    expect(lines.find((l) => l.includes('--metrics-bind-address'))).toContain('default ":8080"');
    expect(lines.find((l) => l.includes('--health-probe-bind-address'))).toContain('default ":8081"');
    expect(lines.find((l) => l.includes('--resync-period'))).toContain('default "5m"');
  });

  it('mentions --help and --version', () => {
    expect(text).toContain('--help, --version');
  });
});
