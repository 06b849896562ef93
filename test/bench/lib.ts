// Small measuring helpers of the benchmark: percentiles, tables, /proc sampling, Prometheus text.
import { readdirSync, readFileSync } from 'node:fs';

export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** p50, p95 and max of `values`. */
export const p50p95max = (values: readonly number[]): number[] => [pct(values, 50), pct(values, 95), Math.max(...values)];

export function table(title: string, head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const text = [`\n${title}`, line(cells[0]!), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n');
  console.log(text);
  return text;
}

export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** RSS split from /proc/<pid>/smaps_rollup (MiB): anonymous memory (heaps, malloc, buffers) vs file-backed (code, mapped files). */
export function memorySplit(pid: number): { anon: number; file: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? NaN);
    return { anon: kb('Anonymous') / 1024, file: (kb('Rss') - kb('Anonymous')) / 1024 };
  } catch {
    return { anon: NaN, file: NaN };
  }
}

/** user + system CPU seconds of one process. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of every process whose command line contains all of `parts` (0 when none matches). */
export function cpuSecondsOf(...parts: string[]): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (parts.every((p) => cmd.includes(p))) sum += cpuSeconds(Number(pid));
    } catch {
      // The process ended meanwhile.
    }
  }
  return sum;
}

/** Peak RSS sampled every 250 ms until stop() is called. */
export function rssPeak(pid: number): { stop(): number } {
  let peak = rssMiB(pid);
  const t = setInterval(() => { const v = rssMiB(pid); if (v > peak) peak = v; }, 250);
  return { stop: () => { clearInterval(t); return Math.max(peak, rssMiB(pid) || 0); } };
}

export const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples grouped by one label (or '' for the total). */
export function sumBy(samples: readonly Sample[], name: string, label = '', where: (l: Record<string, string>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !where(s.labels)) continue;
    const k = label ? (s.labels[label] ?? '') : '';
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

export function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

export const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs fn over items with `concurrency` workers. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
  }));
}
