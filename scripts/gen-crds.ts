// Writes crds/*.yaml from the schemas in src/api (the single source of truth).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/api/render.js';

const dir = join(import.meta.dirname, '..', 'crds');
mkdirSync(dir, { recursive: true });
for (const [name, text] of renderCrdFiles()) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote crds/${name}`);
}
