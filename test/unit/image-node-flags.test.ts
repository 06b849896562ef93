// The Node flags the operator runs with have one home, the image's ENTRYPOINT (Dockerfile, runtime stage);
// the bench reads them from there (test/bench/systems.ts), so it measures the operator as it ships.
import { describe, expect, it } from 'vitest';

import { operatorNodeArgs, operatorNodeOptions } from '../bench/systems.js';
import { imageEntrypoint, imageNodeArgs, imageNodeOptions, parseEnv, runtimeEnv } from '../support/dockerfile.js';

function withEnv(vars: Record<string, string | undefined>, f: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    f();
  } finally {
    set(saved);
  }
}

describe("the image's Node flags", () => {
  it('favour memory (--optimize-for-size, a small young generation); source maps come from src/main.ts', () => {
    expect(imageEntrypoint()).toEqual(['node', ...imageNodeArgs(), '/app/dist/src/main.js']);
    expect(imageNodeArgs()).toContain('--optimize-for-size');
    expect(imageNodeArgs().some((a) => /^--max-semi-space-size=\d+$/.test(a))).toBe(true);
    expect([...imageNodeArgs(), imageNodeOptions()].join(' ')).not.toContain('--enable-source-maps');
    expect(runtimeEnv()).toMatchObject({ NODE_ENV: 'production', HOME: '/tmp' });
  });

  it('are what the bench runs the operator with, unless BENCH_OPERATOR_NODE_ARGS / _OPTIONS say otherwise', () => {
    withEnv({ BENCH_OPERATOR_NODE_ARGS: undefined, BENCH_OPERATOR_NODE_OPTIONS: undefined }, () => {
      expect(operatorNodeArgs()).toEqual(imageNodeArgs());
      expect(operatorNodeOptions()).toBe(imageNodeOptions());
    });
    withEnv({ BENCH_OPERATOR_NODE_ARGS: '--max-semi-space-size=16  --stack-trace-limit=20', BENCH_OPERATOR_NODE_OPTIONS: '--max-old-space-size=512' }, () => {
      expect(operatorNodeArgs()).toEqual(['--max-semi-space-size=16', '--stack-trace-limit=20']);
      expect(operatorNodeOptions()).toBe('--max-old-space-size=512');
    });
    withEnv({ BENCH_OPERATOR_NODE_ARGS: '' }, () => expect(operatorNodeArgs()).toEqual([]));
  });
});

describe('parseEnv', () => {
  it('reads k=v and k="quoted value" pairs', () => {
    expect(parseEnv('A=1 B="two words" C=--x=3')).toEqual({ A: '1', B: 'two words', C: '--x=3' });
    expect(parseEnv('D="a \\"q\\""')).toEqual({ D: 'a "q"' });
    expect(() => parseEnv('E 1')).toThrow();
  });
});
