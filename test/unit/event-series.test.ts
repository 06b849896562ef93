// Event series bookkeeping (src/kube/event-series.ts): first occurrence creates, repeats within the
// window extend one series, writes of a series are coalesced to one PATCH per interval.
import { describe, expect, it } from 'vitest';
import { EventSeries } from '../../src/kube/event-series.js';
import { truncateBytes } from '../../src/kube/events.js';

const OPTIONS = { windowMs: 600_000, minPatchIntervalMs: 30_000, maxEntries: 3 };

describe('EventSeries', () => {
  it('first occurrence creates; a repeat before the create returned is only counted', () => {
    const s = new EventSeries(OPTIONS);
    expect(s.observe('k', 0)).toEqual({ kind: 'Create' });
    expect(s.observe('k', 10)).toEqual({ kind: 'Coalesced', flushAt: undefined });
    s.created('k', 'ev.1', 20);
    expect(s.flush('k', 20)).toEqual({ kind: 'Coalesced', flushAt: 30_020 });
    expect(s.flush('k', 30_020)).toEqual({ kind: 'Patch', name: 'ev.1', count: 2, lastObservedTime: 10 });
  });

  it('a hot loop: 1000 repeats within one interval cost no write; the next write carries the whole count', () => {
    const s = new EventSeries(OPTIONS);
    s.observe('k', 0);
    s.created('k', 'ev.1', 0);
    const steps = Array.from({ length: 1000 }, (_, i) => s.observe('k', 1 + i));
    expect(steps.every((x) => x.kind === 'Coalesced')).toBe(true);
    expect(s.observe('k', 30_000)).toEqual({ kind: 'Patch', name: 'ev.1', count: 1002, lastObservedTime: 30_000 });
    // The interval restarts at that write: an immediate repeat waits again.
    expect(s.observe('k', 30_001)).toEqual({ kind: 'Coalesced', flushAt: 60_000 });
  });

  it('a patched count is not written again; a flush with nothing new writes nothing', () => {
    const s = new EventSeries(OPTIONS);
    s.observe('k', 0);
    s.created('k', 'ev.1', 0);
    const p = s.observe('k', 40_000);
    expect(p).toMatchObject({ kind: 'Patch', count: 2 });
    s.patched('k', 2);
    expect(s.flush('k', 100_000)).toBeUndefined();
  });

  it('a repeat after the window starts a new Event', () => {
    const s = new EventSeries(OPTIONS);
    s.observe('k', 0);
    s.created('k', 'ev.1', 0);
    expect(s.observe('k', 600_001)).toEqual({ kind: 'Create' });
  });

  it('different keys are different series', () => {
    const s = new EventSeries(OPTIONS);
    expect(s.observe('a', 0)).toEqual({ kind: 'Create' });
    expect(s.observe('b', 0)).toEqual({ kind: 'Create' });
  });

  it('forget (failed write, Event gone): the next occurrence creates', () => {
    const s = new EventSeries(OPTIONS);
    s.observe('k', 0);
    s.forget('k');
    expect(s.observe('k', 1)).toEqual({ kind: 'Create' });
  });

  it('memory is bounded: the oldest series are forgotten', () => {
    const s = new EventSeries(OPTIONS);
    for (const k of ['a', 'b', 'c', 'd']) s.observe(k, 0);
    expect(s.size()).toBe(3);
    expect(s.observe('a', 1)).toEqual({ kind: 'Create' });
  });
});

describe('truncateBytes (note is limited to 1 kB)', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdef', 3, 'abc'],
    ['ééé', 5, 'éé'],
  ])('%s to %i bytes', (text, limit, want) => {
    expect(truncateBytes(text, limit)).toBe(want);
    expect(Buffer.byteLength(truncateBytes(text, limit))).toBeLessThanOrEqual(limit);
  });
});
