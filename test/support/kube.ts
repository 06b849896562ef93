// Kubernetes client helpers for integration tests: a KubeConfig from the globalSetup-provided kubeconfig,
// and one fresh namespace per test file.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** A client-node KubeConfig for the harness's control plane (`inject('kubeconfigYaml')`). */
export function kubeConfigFromProvided(kubeconfigYaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml);
  return kc;
}

/** Lower-cases the prefix and keeps it a valid DNS label start (generateName adds 5 characters). */
function namePrefix(prefix: string): string {
  const p = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${p || 'test'}-`;
}

/**
 * Creates a namespace named `<prefix>-<random>` labelled `milvus-index-operator.test/harness=true` and returns its
 * name. Namespaces are not deleted: a bare apiserver has no namespace controller, so a deleted namespace would
 * stay Terminating; the whole etcd is thrown away at the end of the run.
 */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = await core.createNamespace({
    body: {
      metadata: { generateName: namePrefix(prefix), labels: { 'milvus-index-operator.test/harness': 'true' } },
    },
  });
  const name = ns.metadata?.name;
  if (!name) throw new Error('createNamespace returned no name');
  return name;
}
