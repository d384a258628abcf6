/**
 * The bookkeeping shared by the featurizer's open-addressing hash tables (feature counts, distinct words).
 *
 * Featurizing must not allocate per token, so each table is allocated once and reused for every issue: slots are
 * cleared lazily with a generation stamp, `used` lists the occupied slots in insertion order (which fixes the
 * order features are emitted in), and the load factor stays under 1/2.
 */
import { fmix } from './hashing';

export abstract class StampedTable {
  stamp: Int32Array;
  used: Int32Array;
  gen = 0;
  n = 0;

  constructor(size: number) {
    this.stamp = new Int32Array(size);
    this.used = new Int32Array(size / 2);
  }

  reset(): void {
    this.n = 0;
    this.gen++;
    if (this.gen > 0x3fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  /** Takes an empty slot for the current generation; grows the table when it is half full. */
  protected occupy(slot: number): void {
    this.stamp[slot] = this.gen;
    this.used[this.n++] = slot;
    if (this.n * 2 >= this.stamp.length) this.grow();
  }

  /** Doubles the table: `allocate` makes the subclass's new arrays, `move` copies one entry to its new slot. */
  protected rehash(
    allocate: (size: number) => void,
    hashAt: (oldSlot: number) => number,
    move: (oldSlot: number, newSlot: number) => void,
  ): void {
    const oldUsed = this.used.subarray(0, this.n);
    const size = this.stamp.length * 2;
    allocate(size);
    this.stamp = new Int32Array(size);
    const used = new Int32Array(size / 2);
    this.gen = 1;
    const tmask = size - 1;
    for (let i = 0; i < oldUsed.length; i++) {
      const o = oldUsed[i]!;
      let slot = fmix(hashAt(o)) & tmask;
      while (this.stamp[slot] === 1) slot = (slot + 1) & tmask;
      this.stamp[slot] = 1;
      move(o, slot);
      used[i] = slot;
    }
    this.used = used;
  }

  protected abstract grow(): void;
}
