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

  /** Push a batch; returns the frames that left the window. */
  process(frames: readonly Frame[]): Frame[] {
    const out = newBatch();
    for (let i = 0; i < frames.length; i++) this.push(frames[i]!, out);
    return out;
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
