/**
 * A token bucket: `qps` tokens per second, at most `burst` saved. `take()` resolves when a token
 * is available. Bounds the operator's Kubernetes write rate (--kube-api-qps / --kube-api-burst).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly qps: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.last = now();
  }

  take(): Promise<void> {
    const next = this.chain.then(() => this.takeOne());
    this.chain = next.catch(() => {});
    return next;
  }

  private async takeOne(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
    }
  }
}

type AsyncMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T];

/**
 * `inner` with each named async method taking a token from `bucket` first: one shared budget for
 * every Kubernetes write of the process.
 */
export function throttled<T extends object, K extends AsyncMethods<T>>(inner: T, bucket: TokenBucket, methods: readonly K[]): Pick<T, K> {
  const out = {} as Record<K, unknown>;
  for (const name of methods) {
    const method = inner[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    out[name] = async (...args: unknown[]) => { await bucket.take(); return method.apply(inner, args); };
  }
  return out as Pick<T, K>;
}
