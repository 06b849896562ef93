// Finds kube-apiserver, etcd and kubectl the way controller-runtime's envtest does (control-plane.md §1.1, §4):
//   1. TEST_ASSET_KUBE_APISERVER / TEST_ASSET_ETCD / TEST_ASSET_KUBECTL (exact file paths),
//   2. $KUBEBUILDER_ASSETS/<name> (never builds; a missing binary is an error),
//   3. ~/.cache/milvus-index-operator/k8s/<MIO_K8S_VERSION, default 1.37.2>-linux-amd64 (valid once `.complete` exists),
//   4. otherwise test/support/build-control-plane.sh builds them from the Go module proxy (unless MIO_NO_BUILD=1).
// kube-controller-manager (fault tier only) the same way: TEST_ASSET_KUBE_CONTROLLER_MANAGER, $KUBEBUILDER_ASSETS,
// then its own cache dir (<version>-linux-amd64-controller-manager) built by build-controller-manager.sh.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRoot } from './proc.js';

export const DEFAULT_K8S_VERSION = '1.37.2';

export type BinaryName = 'kube-apiserver' | 'etcd' | 'kubectl';

export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  /** Directory holding kubectl (and, unless TEST_ASSET_* point elsewhere, the other two): usable as KUBEBUILDER_ASSETS. */
  dir: string;
  /** Where they came from. */
  source: 'TEST_ASSET' | 'KUBEBUILDER_ASSETS' | 'cache' | 'built';
}

export interface ResolveOptions {
  /** Kubernetes version of the cache dir / build. Default: MIO_K8S_VERSION or 1.37.2. */
  k8sVersion?: string;
  /** Forbid building (also MIO_NO_BUILD=1). */
  noBuild?: boolean;
  /** Where the build script's progress goes. Default: stderr. */
  log?: (chunk: string) => void;
}

const ENV: Record<BinaryName, string> = {
  'kube-apiserver': 'TEST_ASSET_KUBE_APISERVER',
  etcd: 'TEST_ASSET_ETCD',
  kubectl: 'TEST_ASSET_KUBECTL',
};
const NAMES: BinaryName[] = ['kube-apiserver', 'etcd', 'kubectl'];

export const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'build-control-plane.sh');
export const CONTROLLER_MANAGER_BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'build-controller-manager.sh');

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `~/.cache/milvus-index-operator/k8s/<version>-linux-amd64` (the layout the build script writes). */
export function cacheDir(k8sVersion = process.env.MIO_K8S_VERSION || DEFAULT_K8S_VERSION): string {
  return join(cacheRoot(), 'k8s', `${k8sVersion}-linux-amd64`);
}

function cacheValid(dir: string): boolean {
  return existsSync(join(dir, '.complete')) && NAMES.every((n) => executable(join(dir, n)));
}

function make(paths: Record<BinaryName, string>, source: ControlPlaneBinaries['source']): ControlPlaneBinaries {
  return {
    kubeApiserver: paths['kube-apiserver'],
    etcd: paths.etcd,
    kubectl: paths.kubectl,
    dir: dirname(paths.kubectl),
    source,
  };
}

/** Resolves the three binaries, building them if needed and allowed. */
export async function resolveBinaries(opts: ResolveOptions = {}): Promise<ControlPlaneBinaries> {
  const k8sVersion = opts.k8sVersion ?? (process.env.MIO_K8S_VERSION || DEFAULT_K8S_VERSION);
  const assets = process.env.KUBEBUILDER_ASSETS;
  const found: Partial<Record<BinaryName, string>> = {};
  const missing: BinaryName[] = [];
  let anyTestAsset = false;

  for (const name of NAMES) {
    const explicit = process.env[ENV[name]];
    if (explicit) {
      if (!executable(explicit)) throw new Error(`${ENV[name]}=${explicit}: not an executable file`);
      found[name] = explicit;
      anyTestAsset = true;
    } else if (assets) {
      const p = join(assets, name);
      if (!executable(p)) {
        throw new Error(
          `KUBEBUILDER_ASSETS=${assets} has no executable '${name}'. It must hold kube-apiserver, etcd and kubectl ` +
            `(e.g. from 'setup-envtest use -p path ${k8sVersion}'); unset it to use/build ${cacheDir(k8sVersion)}, ` +
            `or point ${ENV[name]} at the binary.`,
        );
      }
      found[name] = p;
    } else {
      missing.push(name);
    }
  }
  if (missing.length === 0) {
    return make(found as Record<BinaryName, string>, anyTestAsset ? 'TEST_ASSET' : 'KUBEBUILDER_ASSETS');
  }

  const dir = cacheDir(k8sVersion);
  let source: ControlPlaneBinaries['source'] = 'cache';
  if (!cacheValid(dir)) {
    if (opts.noBuild || process.env.MIO_NO_BUILD === '1') {
      throw new Error(
        `no ${missing.join('/')} binaries: ${dir} is not built and MIO_NO_BUILD=1. Run 'make prebuild' ` +
          `(or test/support/build-control-plane.sh), or set KUBEBUILDER_ASSETS / TEST_ASSET_* to envtest binaries.`,
      );
    }
    await buildControlPlane(k8sVersion, opts.log);
    if (!cacheValid(dir)) throw new Error(`${BUILD_SCRIPT} finished but ${dir} is incomplete`);
    source = 'built';
  }
  for (const name of missing) found[name] = join(dir, name);
  return make(found as Record<BinaryName, string>, anyTestAsset ? 'TEST_ASSET' : source);
}

/**
 * kube-controller-manager of the same version: TEST_ASSET_KUBE_CONTROLLER_MANAGER, else
 * $KUBEBUILDER_ASSETS/kube-controller-manager, else the cache, else built by build-controller-manager.sh
 * (unless MIO_NO_BUILD=1).
 */
export async function resolveControllerManager(opts: ResolveOptions = {}): Promise<string> {
  const k8sVersion = opts.k8sVersion ?? (process.env.MIO_K8S_VERSION || DEFAULT_K8S_VERSION);
  const explicit = process.env.TEST_ASSET_KUBE_CONTROLLER_MANAGER;
  if (explicit) {
    if (!executable(explicit)) throw new Error(`TEST_ASSET_KUBE_CONTROLLER_MANAGER=${explicit}: not an executable file`);
    return explicit;
  }
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && executable(join(assets, 'kube-controller-manager'))) return join(assets, 'kube-controller-manager');
  const dir = `${cacheDir(k8sVersion)}-controller-manager`;
  const bin = join(dir, 'kube-controller-manager');
  if (existsSync(join(dir, '.complete')) && executable(bin)) return bin;
  if (opts.noBuild || process.env.MIO_NO_BUILD === '1') {
    throw new Error(`no kube-controller-manager: ${dir} is not built and MIO_NO_BUILD=1. Run ${CONTROLLER_MANAGER_BUILD_SCRIPT}, or set TEST_ASSET_KUBE_CONTROLLER_MANAGER.`);
  }
  await runBuildScript(CONTROLLER_MANAGER_BUILD_SCRIPT, k8sVersion, opts.log ?? ((c) => process.stderr.write(c)));
  if (!executable(bin)) throw new Error(`${CONTROLLER_MANAGER_BUILD_SCRIPT} finished but ${bin} is missing`);
  return bin;
}

/**
 * Runs build-control-plane.sh (it takes a flock and is a no-op when the cache is complete) and returns the
 * directory it printed. Throws a clear error when Go is missing.
 */
export async function buildControlPlane(
  k8sVersion = process.env.MIO_K8S_VERSION || DEFAULT_K8S_VERSION,
  log: (chunk: string) => void = (c) => process.stderr.write(c),
): Promise<string> {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      `kube-apiserver, etcd and kubectl v${k8sVersion} are not in ${cacheDir(k8sVersion)} and Go is not available to build them. ` +
        `Install Go >= 1.26 (https://go.dev/dl, or 'apt-get install golang' if recent enough) with access to the Go module proxy, ` +
        `or set KUBEBUILDER_ASSETS to a directory holding kube-apiserver, etcd and kubectl (envtest / setup-envtest layout).`,
    );
  }
  log(`[control-plane] building Kubernetes v${k8sVersion} binaries with ${go.stdout.trim()} (first build: 10-30 min)\n`);
  return runBuildScript(BUILD_SCRIPT, k8sVersion, log);
}

/** Runs one of the flock-protected build scripts; resolves with the directory it printed last. */
function runBuildScript(script: string, k8sVersion: string, log: (chunk: string) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script], {
      env: { ...process.env, MIO_K8S_VERSION: k8sVersion },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      tail = (tail + d).slice(-4000);
      log(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolvePromise(stdout.trim().split('\n').pop() ?? '');
      } else {
        reject(new Error(`${script} failed with exit code ${code}:\n${tail.trimEnd().split('\n').slice(-20).join('\n')}`));
      }
    });
  });
}
