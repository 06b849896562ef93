// The peer's venv (kopf + pymilvus from PyPI), pinned and cached under ~/.cache/milvus-index-operator like
// Milvus Lite's; concurrent callers serialise on a flock, and a venv counts once its `.complete` marker exists.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PYMILVUS_VERSION, withFileLock } from '../../support/milvus-lite.js';
import { cacheRoot, run } from '../../support/proc.js';

export const KOPF_VERSION = '1.45.2';

export interface PeerVenv { python: string; kopf: string; versions: string }

const log = (line: string): void => void process.stderr.write(`[bench-peer] ${line}\n`);

export async function ensurePeerVenv(): Promise<PeerVenv> {
  const python = process.env.MIO_PYTHON || 'python3';
  const pyver = (await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])).stdout.trim();
  const dir = join(cacheRoot(), `bench-peer-kopf-${KOPF_VERSION}-pymilvus-${PYMILVUS_VERSION}-py${pyver}`);
  const marker = join(dir, '.complete');
  const venv = (): PeerVenv => ({ python: join(dir, 'bin', 'python'), kopf: join(dir, 'bin', 'kopf'), versions: readFileSync(marker, 'utf8').trim() });
  if (existsSync(marker)) return venv();
  mkdirSync(cacheRoot(), { recursive: true });
  return withFileLock(`${dir}.lock`, async () => {
    if (existsSync(marker)) return venv();
    log(`installing kopf==${KOPF_VERSION} pymilvus==${PYMILVUS_VERSION} into ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const step = async (bin: string, args: string[]): Promise<string> => {
      const res = await run(bin, args, { env: { ...process.env, PIP_NO_INPUT: '1', PYTHONNOUSERSITE: '1' } });
      if (res.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (exit ${res.code}); is PyPI reachable?\n${`${res.stdout}${res.stderr}`.trimEnd().split('\n').slice(-20).join('\n')}`);
      return res.stdout;
    };
    await step(python, ['-m', 'venv', dir]);
    const vpy = join(dir, 'bin', 'python');
    await step(vpy, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `kopf==${KOPF_VERSION}`, `pymilvus==${PYMILVUS_VERSION}`]);
    const versions = await step(vpy, ['-c', 'import importlib.metadata as m, sys; print("kopf", m.version("kopf"), "pymilvus", m.version("pymilvus"), "Python %d.%d" % sys.version_info[:2])']);
    writeFileSync(marker, versions);
    return venv();
  }, log);
}
