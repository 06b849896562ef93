// The ready-to-apply argocd-cm snippet, built from the health scripts in deploy/argocd/health/ (the
// single source): one `resource.customizations.health.<group>_<kind>` key per file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const ARGOCD_DIR = join(import.meta.dirname, '..', 'deploy', 'argocd');
export const HEALTH_DIR = join(ARGOCD_DIR, 'health');
export const ARGOCD_CM_FILE = join(ARGOCD_DIR, 'argocd-cm.yaml');

const HEADER = `# Generated from deploy/argocd/health/*.lua by \`npm run gen:argocd\`; do not edit (a unit test fails on drift).
# Argo CD health checks for MilvusIndex, MilvusConnection and ClusterMilvusConnection. Merge into argocd-cm:
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file deploy/argocd/argocd-cm.yaml
# (with the Argo CD Helm chart, put the same keys under configs.cm).
`;

/** The health scripts by argocd-cm key, in file-name order. */
export function healthScripts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(HEALTH_DIR).filter((f) => f.endsWith('.lua')).sort()) {
    out.set(`resource.customizations.health.${file.replace(/\.lua$/, '')}`, readFileSync(join(HEALTH_DIR, file), 'utf8'));
  }
  return out;
}

export function renderArgoCdCm(): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' } },
    data: Object.fromEntries(healthScripts()),
  };
  return HEADER + stringify(doc, { lineWidth: 0 });
}
