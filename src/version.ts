// The operator's version has one home, package.json; this module reads it at start-up. It works from the
// sources (tsx: src/version.ts) and from the build (dist/src/version.js, also in the image, which ships
// /app/package.json): the first package.json named milvus-index-operator above this module is ours.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'milvus-index-operator';

/** The version in the nearest package.json named milvus-index-operator at or above `dir`. */
export function readPackageVersion(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(at) === at) throw new Error(`no package.json of ${PACKAGE_NAME} at or above ${dir}`);
  }
}

/** The operator's version (package.json "version"). */
export const VERSION: string = readPackageVersion(dirname(fileURLToPath(import.meta.url)));
