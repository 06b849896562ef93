// Writes deploy/argocd/argocd-cm.yaml from deploy/argocd/health/*.lua.
import { writeFileSync } from 'node:fs';
import { ARGOCD_CM_FILE, renderArgoCdCm } from './argocd-cm.js';

writeFileSync(ARGOCD_CM_FILE, renderArgoCdCm());
console.log('wrote deploy/argocd/argocd-cm.yaml');
