// The bounded reorder stage: in-order passthrough, sorting within the window, late frames counted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import { Reorder } from '../../src/capture/reorder.js';

const IFACE: InterfaceInfo = { id: 0, input: 0, index: 0, name: 'x', linkType: 1, snaplen: 65535, tsUnitsPerSec: 1e9, tsOffset: 0 };
const EMPTY = new Uint8Array(0);

function fr(t: number, index: number): Frame {
  return { buf: EMPTY, off: 0, caplen: 0, origLen: 0, sec: Math.floor(t / 1e9), nsec: t % 1e9, iface: IFACE, index, fileOffset: 0, ifindex: -1 };
}

function run(r: Reorder, ts: number[]): Frame[] {
  const out = r.process(ts.map((t, i) => fr(t, i + 1)));
  r.flush(out);
  return out;
}

const key = (f: Frame) => f.sec * 1e9 + f.nsec;

describe('reorder', () => {
  it('passes in-order frames through unchanged, holding back at most the window', () => {
    const r = new Reorder(4);
    const ts = [1, 2, 2, 3, 5, 8, 13, 21, 34];
    const first = r.process(ts.map((t, i) => fr(t, i + 1)));
    expect(first.map((f) => f.index)).toEqual([1, 2, 3, 4, 5]);
    expect(r.pending).toBe(4);
    r.flush(first);
    expect(first.map((f) => f.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([r.reordered, r.late, r.outOfOrder]).toEqual([0, 0, 0]);
  });

  it('sorts frames displaced by less than the window and counts them', () => {
    const r = new Reorder(3);
    const out = run(r, [10, 30, 20, 40, 35, 50, 1_000_000_001, 1_000_000_000]);
    expect(out.map(key)).toEqual([10, 20, 30, 35, 40, 50, 1_000_000_000, 1_000_000_001]);
    expect([r.reordered, r.late]).toEqual([3, 0]);
    expect(r.maxDisplacement).toBe(1);
  });

  it('emits frames later than the window allowed at once and counts them separately', () => {
    const r = new Reorder(2);
    const out = run(r, [10, 20, 30, 40, 5, 50]);
    // 10 and 20 have left the window when 5 arrives: 5 goes out immediately, behind them.
    expect(out.map(key)).toEqual([10, 20, 5, 30, 40, 50]);
    expect([r.reordered, r.late, r.outOfOrder]).toEqual([0, 1, 1]);
  });

  it('keeps the arrival order of frames with equal times', () => {
    const r = new Reorder(8);
    const out = run(r, [5, 7, 5, 7, 5, 1]);
    expect(out.map((f) => f.index)).toEqual([6, 1, 3, 5, 2, 4]);
  });

  it('fully sorts any input whose frames are displaced by less than the window, as a stable sort would', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (ts, w) => {
        const r = new Reorder(w);
        const out = run(r, ts);
        expect(out).toHaveLength(ts.length);
        expect(new Set(out.map((f) => f.index)).size).toBe(ts.length);
        if (w >= ts.length) {
          const sorted = ts.map((t, i) => ({ t, i: i + 1 })).sort((a, b) => a.t - b.t || a.i - b.i);
          expect(out.map((f) => f.index)).toEqual(sorted.map((x) => x.i));
          expect(r.late).toBe(0);
        }
        // Output is ordered except for frames counted late.
        let descents = 0;
        for (let i = 1; i < out.length; i++) if (key(out[i]!) < key(out[i - 1]!)) descents++;
        expect(descents).toBeLessThanOrEqual(r.late);
      }),
    );
  });

  it('reorders a stream of batches and flushes at its end', async () => {
    const r = new Reorder(2);
    async function* src() {
      yield [fr(3, 1), fr(1, 2)];
      yield [fr(2, 3), fr(4, 4)];
    }
    const got: number[] = [];
    for await (const b of r.batches(src())) for (const f of b) got.push(key(f));
    expect(got).toEqual([1, 2, 3, 4]);
  });
});

describe('reorder, batch at a time', () => {
  /** Frames with times from `ts`, their bytes in chunks of `per` frames, each chunk with its lease. */
  function framesOf(ts: readonly number[], per: number): Frame[] {
    let lease: { pins: number } = { pins: 0 };
    return ts.map((t, i) => {
      if (i % per === 0) lease = { pins: 0 };
      return { ...fr(t, i + 1), lease };
    });
  }
  const state = (r: Reorder) => [r.reordered, r.late, r.maxDisplacement, r.outOfOrder, r.pending];

  it('gives what pushing each frame gives: order, counters and pins after every batch', () => {
    fc.assert(
      fc.property(
        // Mostly ascending times with ties, steps back (reordered or late) and jumps.
        fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: -1 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2_000_000_000 }) }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 30 }),
        (steps, w, cuts, per) => {
          let t = 1_000_000_000;
          const ts = steps.map((d) => (t = Math.max(0, t + d)));
          const a = framesOf(ts, per);
          const b = framesOf(ts, per);
          const ra = new Reorder(w);
          const rb = new Reorder(w);
          const outA: Frame[] = [];
          const outB: Frame[] = [];
          let i = 0;
          for (let c = 0; i < ts.length; c++) {
            const end = Math.min(ts.length, i + cuts[c % cuts.length]!);
            for (let k = i; k < end; k++) ra.push(a[k]!, outA);
            const got = rb.process(b.slice(i, end), outB);
            expect(got).toBe(outB);
            rb.process([], outB);
            i = end;
            expect(outB.map((f) => f.index)).toEqual(outA.map((f) => f.index));
            expect(state(rb)).toEqual(state(ra));
            expect(b.map((f) => f.lease!.pins)).toEqual(a.map((f) => f.lease!.pins));
          }
          ra.flush(outA);
          rb.flush(outB);
          expect(outB.map((f) => f.index)).toEqual(outA.map((f) => f.index));
          expect(b.every((f) => f.lease!.pins === 0)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('takes an in-order batch longer than the window straight through, pinning only what it holds', () => {
    const r = new Reorder(3);
    const fs = framesOf([1, 2, 3, 4, 5, 6, 7, 8], 4);
    const out = r.process(fs.slice(0, 2));
    expect(out).toEqual([]);
    r.process(fs.slice(2), out);
    expect(out.map((f) => f.index)).toEqual([1, 2, 3, 4, 5]);
    expect([fs[0]!.lease!.pins, fs[7]!.lease!.pins]).toEqual([0, 3]);
    expect(r.pending).toBe(3);
  });
});
