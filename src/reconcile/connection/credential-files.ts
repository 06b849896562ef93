// The default connection's credentials from files in a directory (a mounted Secret volume:
// `token`, or `username` and `password`), re-read while the operator runs, so a rotated Secret is
// used without a restart: kubelet swaps a mounted Secret's files in place, the next resolution reads
// the new value and the client pool rebuilds the endpoint's client (its fingerprint changed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ConnectionTarget } from '../../milvus/types.js';

export type FileCredentials = Pick<ConnectionTarget, 'token' | 'username' | 'password'>;

export interface CredentialFilesOptions {
  /** Re-read the files at most this often. Default 2 s. */
  minIntervalMs?: number;
  now?: () => number;
  /** Reads one file: its text, or undefined when it does not exist. Default: fs. */
  readFile?: (path: string) => string | undefined;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** A value as a Secret file holds it: one trailing newline (from `--from-file` or an editor) is not part of it. */
function value(text: string | undefined): string | undefined {
  const v = text?.replace(/\r?\n$/, '');
  return v ? v : undefined;
}

/**
 * Credentials from `<dir>/token`, or `<dir>/username` + `<dir>/password`; empty when the directory
 * has neither (the environment's credentials apply then). A read failure other than a missing file
 * keeps the last value read.
 */
export class CredentialFiles {
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly readFile: (path: string) => string | undefined;
  private last: FileCredentials = {};
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly dir: string, options: CredentialFilesOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.readFile = options.readFile ?? readIfExists;
  }

  current(): FileCredentials {
    if (this.now() - this.readAt < this.minIntervalMs) return this.last;
    this.readAt = this.now();
    try {
      this.last = this.read();
    } catch {
      // Unreadable for a moment (permissions, a swap in progress): the last value stands.
    }
    return this.last;
  }

  private read(): FileCredentials {
    const token = value(this.readFile(join(this.dir, 'token')));
    if (token) return { token };
    const username = value(this.readFile(join(this.dir, 'username')));
    const password = value(this.readFile(join(this.dir, 'password')));
    return username && password ? { username, password } : {};
  }
}

/** `base` with its credentials replaced by the files' when they hold any. */
export function withFileCredentials(base: ConnectionTarget, files: FileCredentials): ConnectionTarget {
  if (!files.token && !(files.username && files.password)) return base;
  const { token: _t, username: _u, password: _p, ...rest } = base;
  return { ...rest, ...files };
}
