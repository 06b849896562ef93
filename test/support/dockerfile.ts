// A small Dockerfile reader: enough for this project's Dockerfile (continuations, comments, ARG, stages,
// ENV with quoted values). test/integration/image.test.ts replays the image with it; the bench
// (test/bench/systems.ts) runs the operator with the image's Node flags (ENTRYPOINT) and NODE_OPTIONS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DOCKERFILE = join(import.meta.dirname, '..', '..', 'Dockerfile');

export interface Instruction {
  op: string;
  args: string;
  line: number;
}
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} `;
      i++;
      const next = lines[i]!;
      if (!/^\s*#/.test(next)) line += next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse "${line}"`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.replace(/\s+/g, ' ').trim();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v = ''] = rest.split('=');
      args.set(k!, v);
      continue;
    }
    if (op === 'FROM') {
      const fm = /^(\S+)(?: AS (\S+))?$/i.exec(rest);
      if (!fm) throw new Error(`Dockerfile line ${start}: cannot parse FROM ${rest}`);
      const from = fm[1]!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
      stages.push({ name: fm[2] ?? String(stages.length), from, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${start}: ${op} before FROM`);
    stages.at(-1)!.instructions.push({ op, args: rest, line: start });
  }
  return { args, stages };
}

/** The variables of one `ENV k=v k2="v 2"` instruction (the `k=v` form only). */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < args.length && (m = re.exec(args))) {
    out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    at = re.lastIndex;
  }
  if (args.slice(at).trim()) throw new Error(`ENV ${args}: cannot parse from "${args.slice(at)}"`);
  return out;
}

/** The environment the last (runtime) stage's ENV instructions set. */
export function runtimeEnv(text = readFileSync(DOCKERFILE, 'utf8')): Record<string, string> {
  const runtime = parseDockerfile(text).stages.at(-1);
  if (!runtime) throw new Error('Dockerfile has no stage');
  return Object.assign({}, ...runtime.instructions.filter((i) => i.op === 'ENV').map((i) => parseEnv(i.args))) as Record<string, string>;
}

/** The runtime stage's ENTRYPOINT (exec form). */
export function imageEntrypoint(text = readFileSync(DOCKERFILE, 'utf8')): string[] {
  const runtime = parseDockerfile(text).stages.at(-1);
  const args = runtime?.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args;
  if (!args) throw new Error('Dockerfile: the runtime stage has no ENTRYPOINT');
  const ep = JSON.parse(args) as unknown;
  if (!Array.isArray(ep) || !ep.every((x) => typeof x === 'string')) throw new Error(`Dockerfile: ENTRYPOINT ${args} is not in exec form`);
  return ep as string[];
}

/** The Node flags of the image's ENTRYPOINT `["node", ...flags, "/app/dist/src/main.js"]`. */
export function imageNodeArgs(text?: string): string[] {
  const ep = imageEntrypoint(text);
  if (ep[0] !== 'node' || ep.length < 2) throw new Error(`Dockerfile: ENTRYPOINT ${JSON.stringify(ep)} does not run node`);
  return ep.slice(1, -1);
}

/** NODE_OPTIONS of the image; '' if it sets none. */
export function imageNodeOptions(text?: string): string {
  return runtimeEnv(text).NODE_OPTIONS ?? '';
}
