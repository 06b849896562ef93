import type { ObjectKey } from './types.js';

/**
 * Which serialization groups a worker holds, and per held group the keys handed to its holder.
 *
 * Guarantees:
 * - At most one holder per group: `acquire` succeeds only while nobody holds the group.
 * - Keys handed to a holder come back from `next` in hand-off order (FIFO).
 * - Never waits: a key whose group is held is queued behind the holder, and the caller goes on.
 *
 * Assumptions:
 * - Whoever acquires a group calls `next` until it returns undefined (that call releases the group),
 *   so no handed-off key is stranded.
 * - A key is in at most one backlog at a time: the work queue never hands a key out twice before `done`.
 */
export class KeyGroups {
  /** Held groups; the array holds the keys handed to the group's holder, oldest first. */
  private readonly backlogs = new Map<string, ObjectKey[]>();
  private handedOff = 0;

  /** True: the caller now holds `group`. False: another holder has it and runs `key` after its current one. */
  acquire(group: string, key: ObjectKey): boolean {
    const backlog = this.backlogs.get(group);
    if (backlog === undefined) {
      this.backlogs.set(group, []);
      return true;
    }
    backlog.push(key);
    this.handedOff++;
    return false;
  }

  /** The holder's next handed-off key; undefined releases the group. */
  next(group: string): ObjectKey | undefined {
    const key = this.backlogs.get(group)?.shift();
    if (key === undefined) {
      this.backlogs.delete(group);
      return undefined;
    }
    this.handedOff--;
    return key;
  }

  /** Keys handed off and not yet taken back by their holder. */
  get waiting(): number {
    return this.handedOff;
  }

  /** Groups a worker holds. */
  get held(): number {
    return this.backlogs.size;
  }
}
