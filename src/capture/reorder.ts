// Bounded reordering: frames out in timestamp order within a window of N frames (like tshark's
// reordercap, but streaming). In-order input costs O(1) per frame (a ring used as a FIFO).
import { type Frame, newBatch } from './frame.js';

/** Default window: frames held back at most. */
export const REORDER_WINDOW = 4096;

/**
 * Reorders frames by (sec, nsec) within a window; equal times keep arrival order. Frames held in the
 * window are pinned (`lease.pins`), so a recycling reader keeps their chunk until they leave.
 */
export class Reorder {
  /** Frames that arrived earlier than a frame before them and were put back in order. */
  reordered = 0;
  /** Frames that arrived earlier than a frame already emitted (beyond the window): emitted at once, out of order. */
  late = 0;
  /** Largest number of positions a frame was moved back. */
  maxDisplacement = 0;
  readonly window: number;
  private ring: Frame[];
  private mask: number;
  private head = 0;
  private size = 0;
  private emitted = false;
  private lastSec = 0;
  private lastNsec = 0;

  constructor(window = REORDER_WINDOW) {
    this.window = Math.max(1, Math.floor(window));
    let cap = 2;
    while (cap < this.window + 1) cap *= 2;
    this.ring = new Array<Frame>(cap);
    this.mask = cap - 1;
  }

  /** Frames that arrived out of order, reordered or late. */
  get outOfOrder(): number {
    return this.reordered + this.late;
  }

  /** Frames held back now. */
  get pending(): number {
    return this.size;
  }

  /** Take one frame; frames that leave the window are appended to `out`. */
  push(f: Frame, out: Frame[]): void {
    const ring = this.ring;
    const mask = this.mask;
    if (this.size === 0) {
      if (this.emitted && (f.sec < this.lastSec || (f.sec === this.lastSec && f.nsec < this.lastNsec))) {
        this.late++;
        out.push(f);
        return;
      }
      ring[this.head] = f;
      this.size = 1;
    } else {
      let i = (this.head + this.size - 1) & mask;
      const t = ring[i]!;
      if (f.sec > t.sec || (f.sec === t.sec && f.nsec >= t.nsec)) {
        ring[(i + 1) & mask] = f;
        this.size++;
      } else if (this.emitted && (f.sec < this.lastSec || (f.sec === this.lastSec && f.nsec < this.lastNsec))) {
        this.late++;
        out.push(f);
        return;
      } else {
        // Insertion from the tail: shift later frames one place on.
        this.reordered++;
        let moved = 0;
        let n = this.size;
        for (;;) {
          const g = ring[i]!;
          if (g.sec < f.sec || (g.sec === f.sec && g.nsec <= f.nsec)) break;
          ring[(i + 1) & mask] = g;
          moved++;
          i = (i - 1) & mask;
          if (--n === 0) break;
        }
        ring[(i + 1) & mask] = f;
        this.size++;
        if (moved > this.maxDisplacement) this.maxDisplacement = moved;
      }
    }
    // Held now (late frames returned above): pinned before shift() may hand it straight on.
    const l = f.lease;
    if (l) l.pins++;
    if (this.size > this.window) this.shift(out);
  }

  private shift(out: Frame[]): void {
    const f = this.ring[this.head]!;
    // Unpinned as it is handed on: `out` is consumed before its reader is asked for the next batch.
    const l = f.lease;
    if (l) l.pins--;
    this.ring[this.head] = undefined as unknown as Frame;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    this.emitted = true;
    this.lastSec = f.sec;
    this.lastNsec = f.nsec;
    out.push(f);
  }

  /** Emit everything held back (end of input). */
  flush(out: Frame[]): void {
    while (this.size > 0) this.shift(out);
  }

  /**
   * Push a batch; the frames that left the window are appended to `out` (a new batch by default),
   * which is returned. Exactly what pushing each frame in turn gives (order, counters, pins once the
   * call returns), but a run of frames in time order is taken in bulk: one comparison per frame and
   * no per-frame insertion checks.
   */
  process(frames: readonly Frame[], out: Frame[] = newBatch()): Frame[] {
    const n = frames.length;
    let i = 0;
    while (i < n) {
      const j = this.inOrderEnd(frames, i);
      if (j > i) this.append(frames, i, j, out);
      if (j === n) break;
      // Out of order (to reorder or late): the general path.
      this.push(frames[j]!, out);
      i = j + 1;
    }
    return out;
  }

  /**
   * Where the run of frames from `i` that push would append in turn ends: each at or after the
   * one before it, the first at or after the newest frame held (with none held, the last emitted).
   */
  private inOrderEnd(frames: readonly Frame[], i: number): number {
    let sec = -Infinity;
    let nsec = 0;
    if (this.size > 0) {
      const t = this.ring[(this.head + this.size - 1) & this.mask]!;
      sec = t.sec;
      nsec = t.nsec;
    } else if (this.emitted) {
      sec = this.lastSec;
      nsec = this.lastNsec;
    }
    let j = i;
    for (; j < frames.length; j++) {
      const f = frames[j]!;
      const fs = f.sec;
      if (fs < sec || (fs === sec && f.nsec < nsec)) break;
      sec = fs;
      nsec = f.nsec;
    }
    return j;
  }

  /**
   * Take frames[i..j), in time order and not before the newest held: the oldest frames beyond the
   * window leave (held ones first, then the run's own), the rest is held. A run frame that leaves at
   * once is never pinned (push pins and unpins it within the call).
   */
  private append(frames: readonly Frame[], i: number, j: number, out: Frame[]): void {
    const ring = this.ring;
    const mask = this.mask;
    const over = this.size + (j - i) - this.window;
    if (over > 0) {
      // What shift() does per frame, with the last-emitted time written once.
      const fromRing = Math.min(over, this.size);
      let h = this.head;
      let last: Frame | undefined;
      for (let k = 0; k < fromRing; k++) {
        last = ring[h]!;
        const l = last.lease;
        if (l) l.pins--;
        ring[h] = undefined as unknown as Frame;
        out.push(last);
        h = (h + 1) & mask;
      }
      this.head = h;
      this.size -= fromRing;
      const direct = i + (over - fromRing);
      for (let k = i; k < direct; k++) out.push((last = frames[k]!));
      i = direct;
      this.emitted = true;
      this.lastSec = last!.sec;
      this.lastNsec = last!.nsec;
    }
    let at = (this.head + this.size) & mask;
    for (let k = i; k < j; k++) {
      const f = frames[k]!;
      ring[at] = f;
      at = (at + 1) & mask;
      const l = f.lease;
      if (l) l.pins++;
    }
    this.size += j - i;
  }

  /** Reorder a stream of batches (flushing at its end); counters stay readable on this object. */
  async *batches(src: AsyncIterable<Frame[]>): AsyncGenerator<Frame[]> {
    for await (const b of src) {
      const out = this.process(b);
      if (out.length > 0) yield out;
    }
    const rest: Frame[] = [];
    this.flush(rest);
    if (rest.length > 0) yield rest;
  }
}
