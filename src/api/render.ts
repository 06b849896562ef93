import { stringify } from 'yaml';
import { allCrds, GENERATED_HEADER } from './crd.js';

/** file name → YAML text of every generated CRD (deterministic: the drift test compares it byte for byte). */
export function renderCrdFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const crd of allCrds()) {
    out.set(crd.fileName, GENERATED_HEADER + stringify(crd.object, { lineWidth: 0, aliasDuplicateObjects: false }));
  }
  return out;
}
