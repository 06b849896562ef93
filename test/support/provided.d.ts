// Values test/support/global-setup.ts provides to integration tests (`inject('kubeconfigYaml')`).
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig file of the harness's kube-apiserver (token user in system:masters). */
    kubeconfigPath: string;
    /** The same kubeconfig as YAML: pass to kubeConfigFromProvided(). */
    kubeconfigYaml: string;
    /** Directory holding the matching kubectl (and usually kube-apiserver and etcd). */
    kubeBinDir: string;
    /** "127.0.0.1:PORT" of the tier's shared Milvus (Milvus Lite, or the Milvus 2.3 standalone). */
    milvusUri: string;
    /** Output of that Milvus (printed by tests that fail). */
    milvusLogPath: string;
  }
}
