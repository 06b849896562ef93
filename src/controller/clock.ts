/**
 * Time source and timers. Injected so tests can drive time with vitest fake timers or a fake.
 * `setTimeout` returns an opaque handle that only this clock's `clearTimeout` understands.
 */
export interface Clock {
  /**
   * Milliseconds on a monotonic scale aligned with the epoch at process start: durations,
   * deadlines and lease budgets measured with it never jump when the wall clock is adjusted.
   */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The process clock: `performance.timeOrigin + performance.now()` (monotonic). It looks up the
 * global functions on every call (not at import), so `vi.useFakeTimers()` installed after import
 * still takes effect.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
