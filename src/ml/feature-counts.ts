/**
 * Per-issue accumulation of hashed features: key = index * 8 + group → count.
 *
 * Every feature emitter (tokenizer, issue structure) pushes raw hashes here; this table masks them into the hash
 * space, keeps index 0 free for ONNX padding, and counts repeats. The vector builder (sparse-vector.ts) then reads
 * the counts. One table is reused for every issue, so featurizing an issue allocates only its output arrays.
 */
import { fmix } from './hashing';
import { StampedTable } from './stamped-table';

export class FeatureCounts extends StampedTable {
  keys: Int32Array = new Int32Array(1 << 14);
  counts: Int32Array = new Int32Array(1 << 14);
  /** Scratch buffer for one word's char codes (char n-grams). */
  wordBuf: Int32Array = new Int32Array(64);

  constructor() {
    super(1 << 14);
  }

  push(group: number, h: number, mask: number, times = 1): void {
    // Index 0 is reserved for padding: fold it onto 1.
    const key = (fmix(h) & mask || 1) * 8 + group;
    const tmask = this.keys.length - 1;
    let slot = fmix(key) & tmask;
    const gen = this.gen;
    for (;;) {
      if (this.stamp[slot] !== gen) {
        this.keys[slot] = key;
        this.counts[slot] = times;
        this.occupy(slot);
        return;
      }
      if (this.keys[slot] === key) {
        this.counts[slot]! += times;
        return;
      }
      slot = (slot + 1) & tmask;
    }
  }

  protected grow(): void {
    const old = { keys: this.keys, counts: this.counts };
    this.rehash(
      (size) => {
        this.keys = new Int32Array(size);
        this.counts = new Int32Array(size);
      },
      (o) => old.keys[o]!,
      (o, slot) => {
        this.keys[slot] = old.keys[o]!;
        this.counts[slot] = old.counts[o]!;
      },
    );
  }
}
