// CredentialFiles (src/reconcile/connection/credential-files.ts): the default connection's credentials
// from a mounted Secret directory, re-read at most every few seconds, and what the resolver hands on.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialFiles, withFileCredentials } from '../../../src/reconcile/connection/credential-files.js';
import { DefaultConnectionResolver } from '../../../src/reconcile/connection/default-connection.js';
import { targetFingerprint } from '../../../src/milvus/pool.js';
import { aMilvusIndex } from '../fakes.js';

const BASE = { uri: 'milvus:19530', database: 'default', timeoutMs: 1000 };
const dirs: string[] = [];
const dir = () => { const d = mkdtempSync(join(tmpdir(), 'mio-creds-')); dirs.push(d); return d; };
/** Like kubelet: the new content appears at once under the same name (write then rename). */
const put = (d: string, name: string, text: string) => { writeFileSync(join(d, `.${name}.tmp`), text); renameSync(join(d, `.${name}.tmp`), join(d, name)); };

afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('CredentialFiles', () => {
  it.each([
    ['a token file', { token: 'tok-1\n' }, { token: 'tok-1' }],
    ['username and password files', { username: 'alice', password: 'pw\r\n' }, { username: 'alice', password: 'pw' }],
    ['token wins over username/password', { token: 'tok', username: 'alice', password: 'pw' }, { token: 'tok' }],
    ['a username without a password', { username: 'alice' }, {}],
    ['an empty token file', { token: '\n' }, {}],
    ['no files (an optional Secret not created yet)', {}, {}],
  ])('%s', (_name, files, want) => {
    const d = dir();
    for (const [k, v] of Object.entries(files)) put(d, k, v);
    expect(new CredentialFiles(d).current()).toEqual(want);
  });

  it('re-reads a rotated file after the interval, not before', () => {
    const d = dir();
    put(d, 'token', 'tok-1');
    let now = 0;
    const files = new CredentialFiles(d, { minIntervalMs: 2000, now: () => now });
    expect(files.current()).toEqual({ token: 'tok-1' });
    put(d, 'token', 'tok-2');
    now = 1999;
    expect(files.current(), 'within the interval: the value read last').toEqual({ token: 'tok-1' });
    now = 2000;
    expect(files.current(), 'after it: the rotated value').toEqual({ token: 'tok-2' });
  });

  it('keeps the last value when a read fails for another reason than a missing file', () => {
    let now = 0;
    let fail = false;
    const files = new CredentialFiles('/creds', { now: () => now, readFile: (p) => { if (fail) throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); return p.endsWith('token') ? 'tok' : undefined; } });
    expect(files.current()).toEqual({ token: 'tok' });
    fail = true;
    now = 10_000;
    expect(files.current()).toEqual({ token: 'tok' });
  });
});

describe('the default connection with credential files', () => {
  it('file credentials replace the environment\'s; none leaves them', () => {
    expect(withFileCredentials({ ...BASE, username: 'env', password: 'env-pw' }, { token: 'file-tok' })).toEqual({ ...BASE, token: 'file-tok' });
    expect(withFileCredentials({ ...BASE, token: 'env-tok' }, {})).toEqual({ ...BASE, token: 'env-tok' });
  });

  it('a rotated token file gives the next resolution a new target (the pool rebuilds the client)', async () => {
    const d = dir();
    put(d, 'token', 'tok-1');
    let now = 0;
    const resolver = new DefaultConnectionResolver({ target: { ...BASE, token: 'env-tok' }, namespaces: [], credentialFiles: new CredentialFiles(d, { now: () => now }) });
    const r = aMilvusIndex().build();
    const first = await resolver.resolve(r);
    put(d, 'token', 'tok-2');
    now = 5_000;
    const second = await resolver.resolve(r);
    if (first.kind !== 'Ready' || second.kind !== 'Ready') throw new Error('expected Ready');
    expect(first.target.token).toBe('tok-1');
    expect(second.target.token).toBe('tok-2');
    expect(targetFingerprint(second.target)).not.toBe(targetFingerprint(first.target));
    expect(resolver.identity(r)?.endpoint, 'the identity (claims) does not depend on credentials').toBe('http://milvus:19530');
  });
});
