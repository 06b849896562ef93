import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'milvus-index-operator';

/**
 * The nearest package.json named milvus-index-operator above this module: `../package.json` from
 * src/ (tsx), `../../package.json` from dist/src/ (the build and the image).
 */
function readPackageVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${from}`);
  }
}

/** The operator's version: package.json is the one place it is written. */
export const VERSION: string = readPackageVersion(dirname(fileURLToPath(import.meta.url)));
