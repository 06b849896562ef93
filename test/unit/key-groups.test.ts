import { describe, expect, it } from 'vitest';
import { KeyGroups } from '../../src/controller/key-groups.js';

describe('KeyGroups', () => {
  it('gives a group to one holder, queues the others\' keys behind it in order, and releases when the holder drained them', () => {
    const groups = new KeyGroups();
    expect(groups.acquire('c1', 'ns/a')).toBe(true);
    expect(groups.acquire('c2', 'ns/x')).toBe(true);
    expect(groups.acquire('c1', 'ns/b')).toBe(false);
    expect(groups.acquire('c1', 'ns/c')).toBe(false);
    expect({ held: groups.held, waiting: groups.waiting }).toEqual({ held: 2, waiting: 2 });

    expect(groups.next('c1')).toBe('ns/b');
    expect(groups.acquire('c1', 'ns/a')).toBe(false);
    expect(groups.next('c1')).toBe('ns/c');
    expect(groups.next('c1')).toBe('ns/a');
    expect(groups.next('c1')).toBeUndefined();
    expect({ held: groups.held, waiting: groups.waiting }).toEqual({ held: 1, waiting: 0 });
    expect(groups.acquire('c1', 'ns/b')).toBe(true);
  });
});
