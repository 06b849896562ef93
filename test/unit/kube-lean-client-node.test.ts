// src/kube/lean-client-node.ts: client-node's KubeConfig loads without the generated APIs and models, and
// still authenticates requests; without the hook the package loads whole. Run in a child Node (this
// project's Node 24 strips the types of lean-client-node.ts), as src/main.ts does it: hook first.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

import { configDependencies, isClientNodeConfig } from '../../src/kube/lean-client-node.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'node_modules', '@kubernetes', 'client-node', 'dist');

interface Loaded { modules: number; models: number; apis: string[]; authorization: string | undefined; server: string | undefined }

function loadKubeConfig(lean: boolean): Loaded {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    ${lean ? `(await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'kube', 'lean-client-node.ts')).href)})).skipClientNodeGeneratedApis();` : ''}
    const { KubeConfig } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'config.js')).href)});
    const { RequestContext, HttpMethod } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'gen', 'http', 'http.js')).href)});
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:6443' }], users: [{ name: 'u', token: 'the-token' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const context = new RequestContext('https://127.0.0.1:6443/version', HttpMethod.GET);
    await kc.applySecurityAuthentication(context);
    console.log(JSON.stringify({
      modules: seen.length, models: seen.filter((u) => u.includes('/gen/models/')).length,
      apis: seen.filter((u) => u.includes('/gen/apis/')).map((u) => u.split('/').pop()),
      authorization: context.getHeaders().Authorization, server: kc.getCurrentCluster()?.server,
    }));`;
  const res = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Loaded;
}

describe('skipClientNodeGeneratedApis', () => {
  it('answers the generated-index import of client-node’s config.js only', () => {
    expect(isClientNodeConfig(pathToFileURL(join(DIST, 'config.js')).href)).toBe(true);
    for (const other of [join(DIST, 'index.js'), join(DIST, 'api.js'), join(DIST, 'watch.js'), join(ROOT, 'src', 'config.js')]) {
      expect(isClientNodeConfig(pathToFileURL(other).href), other).toBe(false);
    }
    expect(isClientNodeConfig(undefined)).toBe(false);
    const source = decodeURIComponent(configDependencies(pathToFileURL(join(DIST, 'config.js')).href).replace(/^data:text\/javascript,/, ''));
    expect(source).toContain(pathToFileURL(join(DIST, 'gen', 'configuration.js')).href);
    expect(source).toContain(pathToFileURL(join(DIST, 'gen', 'servers.js')).href);
  });

  it('KubeConfig loads without the generated APIs and models and still authenticates (a guard for client-node upgrades)', () => {
    const full = loadKubeConfig(false);
    expect(full.models, 'without the hook, config.js loads every model').toBeGreaterThan(500);
    const lean = loadKubeConfig(true);
    expect(lean).toMatchObject({ models: 0, apis: [], authorization: 'Bearer the-token', server: 'https://127.0.0.1:6443' });
    expect(lean.modules).toBeLessThan(full.modules - 500);
  }, 30_000);
});
