/**
 * Bookkeeping of Event series, as client-go's events.k8s.io broadcaster does it: the first
 * occurrence of (regarding, type, reason, action, note) creates an Event; repeats within
 * `windowMs` of the previous one extend that Event's `series` instead of creating new ones. Writes
 * of one series are coalesced: at most one PATCH per `minPatchIntervalMs`, the repeats in between
 * only count, and a later flush writes the count reached. Pure: no I/O, time passed in.
 */
export interface SeriesOptions {
  /** A repeat later than this after the previous occurrence starts a new Event. */
  windowMs: number;
  /** At most one PATCH of a series per this interval; repeats in between are counted, written later. */
  minPatchIntervalMs: number;
  /** Series remembered at most (the oldest are forgotten first). */
  maxEntries: number;
}

/** A write of the count reached, or the time it may be written (undefined: the create is in flight). */
export type SeriesUpdate =
  | { kind: 'Patch'; name: string; count: number; lastObservedTime: number }
  | { kind: 'Coalesced'; flushAt: number | undefined };

export type SeriesStep = { kind: 'Create' } | SeriesUpdate;

interface Entry {
  /** Name of the created Event; undefined while its create is in flight. */
  name: string | undefined;
  count: number;
  written: number;
  lastObserved: number;
  lastWrite: number;
}

export class EventSeries {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly options: SeriesOptions) {}

  /** One occurrence of `key` at `now`: what to write. */
  observe(key: string, now: number): SeriesStep {
    const e = this.entries.get(key);
    if (!e || now - e.lastObserved > this.options.windowMs) {
      this.entries.delete(key);
      this.entries.set(key, { name: undefined, count: 1, written: 0, lastObserved: now, lastWrite: now });
      this.prune();
      return { kind: 'Create' };
    }
    e.count += 1;
    e.lastObserved = now;
    return this.next(e, now);
  }

  /** The pending count of `key`, if it may be written at `now` (a flush timer fired). */
  flush(key: string, now: number): SeriesUpdate | undefined {
    const e = this.entries.get(key);
    if (!e || e.name === undefined || e.count === e.written) return undefined;
    return this.next(e, now);
  }

  created(key: string, name: string, now: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.name = name;
    e.written = 1;
    e.lastWrite = now;
  }

  patched(key: string, count: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.written = Math.max(e.written, count);
  }

  /** The write failed (or the Event is gone): the next occurrence creates a new Event. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  size(): number {
    return this.entries.size;
  }

  private next(e: Entry, now: number): SeriesUpdate {
    if (e.name === undefined) return { kind: 'Coalesced', flushAt: undefined };
    const flushAt = e.lastWrite + this.options.minPatchIntervalMs;
    if (now < flushAt) return { kind: 'Coalesced', flushAt };
    // The interval counts from the start of this write, so no second PATCH races it.
    e.lastWrite = now;
    return { kind: 'Patch', name: e.name, count: e.count, lastObservedTime: e.lastObserved };
  }

  private prune(): void {
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) return;
      this.entries.delete(k);
    }
  }
}
