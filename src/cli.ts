import type { VersionInfo } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { existsSync } from 'node:fs';
import { ConfigError, parseConfig, redactedConfig, type OperatorConfig } from './config.js';
import { describeKubeError } from './kube/errors.js';
import { KubeJsonRequests } from './kube/json-requests.js';
import { routeGrpcLogs } from './milvus/grpc-log.js';
import { createLogger, type ProcessLogger as Logger } from './observability/logger.js';
import { OperatorMetrics } from './observability/metrics.js';
import { Operator } from './operator.js';
import { VERSION } from './version.js';

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function loadKubeConfig(c: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (c.kubeconfig) {
    if (!existsSync(c.kubeconfig.split(':')[0]!)) throw new ConfigError(`kubeconfig "${c.kubeconfig}" does not exist`);
    kc.loadFromDefault();
  } else if (existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  const server = kc.getCurrentCluster()?.server;
  // loadFromDefault silently falls back to http://localhost:8080 when it finds nothing.
  if (!server || (server === 'http://localhost:8080' && !c.kubeconfig)) {
    throw new ConfigError('no Kubernetes configuration found: set --kubeconfig or KUBECONFIG, or run inside a cluster');
  }
  return kc;
}

async function checkApiServer(kc: KubeConfig, log: Logger): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  try {
    const version = await Promise.race([
      new KubeJsonRequests(kc).get<VersionInfo>('/version'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 15s')), 15_000).unref()),
    ]);
    log.info({ server, kubernetes: version.gitVersion }, 'connected to the Kubernetes API server');
  } catch (e) {
    throw new StartupError(`cannot reach the Kubernetes API server at ${server}: ${describeKubeError(e)}`);
  }
}

class StartupError extends Error {}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(argv, process.env);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`milvus-index-operator: ${e.message}\n`); return 2; }
    throw e;
  }
  if (parsed.kind === 'help') { process.stdout.write(`${parsed.text}\n`); return 0; }
  if (parsed.kind === 'version') { process.stdout.write(`milvus-index-operator ${VERSION}\n`); return 0; }
  const config = parsed.config;
  if (config.kubeconfig) process.env.KUBECONFIG = config.kubeconfig;
  const log = createLogger(config.logLevel);
  routeGrpcLogs(log);
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig(config);
    await checkApiServer(kc, log);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StartupError) {
      log.fatal({}, e.message);
      process.stderr.write(`milvus-index-operator: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  log.info({ version: VERSION, config: redactedConfig(config) }, 'starting');
  const operator = new Operator(config, {
    kc, log, metrics: new OperatorMetrics(),
    // --leader-elect: losing the Lease ends the process (non-zero) so the Pod restarts, as controller-runtime does.
    onLeadershipLost: (reason) => {
      log.fatal({ reason }, 'leader election lost: exiting');
      log.flush(() => process.exit(1));
      setTimeout(() => process.exit(1), 1000).unref();
    },
  });
  let stopping: Promise<void> | undefined;
  let signalled!: () => void;
  const stopRequested = new Promise<void>((resolve) => { signalled = resolve; });
  const stop = (signal: string) => {
    if (stopping) return;
    log.info({ signal }, 'shutting down');
    stopping = operator.stop();
    signalled();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  await operator.start();
  await stopRequested;
  await stopping;
  log.info({}, 'stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  // Exit even if a library keeps a socket open after shutdown.
  (code) => { process.exitCode = code; setTimeout(() => process.exit(code), 500).unref(); },
  (e: unknown) => { process.stderr.write(`milvus-index-operator: ${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); },
);
