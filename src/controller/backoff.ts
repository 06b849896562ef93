/** `baseMs × 2^failures`, capped at `capMs`: the one exponential schedule of the operator. */
export function exponentialDelay(baseMs: number, failures: number, capMs: number): number {
  return Math.min(baseMs * 2 ** failures, capMs);
}

/**
 * A failure counter over `exponentialDelay` with up to +20% jitter (never above the cap), so that
 * restarting replicas do not reconnect in step.
 */
export class JitteredBackoff {
  private failures = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number,
  ) {}

  next(): number {
    const base = exponentialDelay(this.initialMs, this.failures, this.maxMs);
    this.failures++;
    return Math.min(Math.round(base * (1 + 0.2 * this.random())), this.maxMs);
  }

  reset(): void {
    this.failures = 0;
  }
}
