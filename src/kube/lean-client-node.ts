// Loading @kubernetes/client-node without its generated API classes and models. Its KubeConfig
// (dist/config.js: kubeconfig files, in-cluster config, exec/OIDC/cloud auth, TLS, proxies) imports
// `createConfiguration` and `ServerConfiguration` from dist/gen/index.js, and that index loads every
// generated API and ~900 model classes with their serializer: measured on client-node 2.0.1, ~31 MiB of
// RSS (15 MiB of heap, 8 MiB external) that the operator never uses, because every request it makes goes
// through src/kube/json-requests.ts (and watches through dist/watch.js). This hook hands config.js a module
// with just those two exports, from their own files. Nothing else changes: the same KubeConfig, the same
// authentication code. If client-node moves the files or config.js imports more from the index, loading
// fails at start-up (a missing export is a link error), never later; src/main.ts installs the hook.

import { registerHooks } from 'node:module';

const CONFIG_MODULE = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/;
const GENERATED_INDEX = './gen/index.js';

let registered = false;

/** Whether `parentURL` is client-node's config.js, whose import of the generated index this hook answers. */
export function isClientNodeConfig(parentURL: string | undefined): boolean {
  return parentURL !== undefined && parentURL.startsWith('file:') && CONFIG_MODULE.test(parentURL);
}

/** The module config.js gets instead of dist/gen/index.js: the two exports it imports, from their own files. */
export function configDependencies(configURL: string): string {
  const from = (file: string): string => JSON.stringify(new URL(file, configURL).href);
  const source = `export { createConfiguration } from ${from('./gen/configuration.js')};\nexport { ServerConfiguration } from ${from('./gen/servers.js')};\n`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Process-wide: client-node's KubeConfig loads without the generated APIs and models from now on. Call
 * before client-node is first loaded (src/main.ts does); code that imports client-node's package index
 * still gets all of it. Idempotent.
 */
export function skipClientNodeGeneratedApis(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === GENERATED_INDEX && isClientNodeConfig(context.parentURL)) return { url: configDependencies(context.parentURL!), format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
