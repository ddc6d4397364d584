// replayFrames with a simulated clock: timing, speed, loops, skipped link types, sender failures.
import { describe, expect, it } from 'vitest';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import { replayFrames } from '../../src/capture/live-replay.js';

const eth: InterfaceInfo = { id: 0, input: 0, index: 0, name: 'x', linkType: 1, snaplen: 65535, tsUnitsPerSec: 1e6, tsOffset: 0 };
const sll: InterfaceInfo = { ...eth, id: 1, index: 1, linkType: 113 };

function frameAt(t: number, index: number, opts: { iface?: InterfaceInfo; len?: number; origLen?: number } = {}): Frame {
  const len = opts.len ?? 60;
  const buf = new Uint8Array(len + 4).fill(index & 0xff);
  const sec = Math.floor(t);
  return { buf, off: 2, caplen: len, origLen: opts.origLen ?? len, sec, nsec: Math.round((t - sec) * 1e9), iface: opts.iface ?? eth, index, fileOffset: 0, ifindex: -1 };
}

async function* gen(frames: Frame[]): AsyncIterable<Frame> {
  for (const f of frames) yield f;
}

/** A virtual clock: sleeping advances it exactly; sends are stamped with it. */
function virtualTime(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('replay timing', () => {
  it('sends each frame at its original offset from the first', async () => {
    const v = virtualTime();
    const sentAt: number[] = [];
    const frames = [frameAt(100, 1), frameAt(100.25, 2), frameAt(101, 3), frameAt(103.5, 4)];
    const st = await replayFrames(() => gen(frames), () => sentAt.push(v.clock()), { clock: v.clock, sleep: v.sleep });
    const rel = sentAt.map((t) => t - sentAt[0]!);
    [0, 250, 1000, 3500].forEach((want, i) => expect(rel[i]).toBeCloseTo(want, 0));
    expect(st.sent).toBe(4);
    expect(st.maxLateMs).toBeLessThanOrEqual(1);
    expect(st.elapsedMs).toBeCloseTo(3500, 0);
  });

  it('scales time by --speed, and does not wait at speed 0', async () => {
    const frames = [frameAt(0, 1), frameAt(2, 2), frameAt(4, 3)];
    for (const [speed, span] of [
      [2, 2000],
      [0.5, 8000],
      [0, 0],
    ] as const) {
      const v = virtualTime();
      const sentAt: number[] = [];
      await replayFrames(() => gen(frames), () => sentAt.push(v.clock()), { clock: v.clock, sleep: v.sleep, speed });
      expect(sentAt[2]! - sentAt[0]!).toBeCloseTo(span, 0);
    }
  });

  it('loops N times, each loop one average interval after the last', async () => {
    const v = virtualTime();
    const sentAt: number[] = [];
    const sent: number[] = [];
    const frames = [frameAt(10, 1), frameAt(11, 2), frameAt(12, 3)];
    const st = await replayFrames(() => gen(frames), (b) => (sentAt.push(v.clock()), sent.push(b[0]!)), { clock: v.clock, sleep: v.sleep, loop: 3 });
    expect(sent).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const rel = sentAt.map((t) => Math.round(t - sentAt[0]!));
    expect(rel).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    expect(st.loops).toBe(3);
  });

  it('reports lateness when sending falls behind', async () => {
    const v = virtualTime();
    const frames = [frameAt(0, 1), frameAt(0.001, 2), frameAt(0.002, 3)];
    const st = await replayFrames(() => gen(frames), () => v.advance(5), { clock: v.clock, sleep: v.sleep });
    expect(st.maxLateMs).toBeGreaterThanOrEqual(8);
  });
});

describe('replay content', () => {
  it('sends exactly the captured bytes, skips non-Ethernet frames, counts cut frames and refusals', async () => {
    const v = virtualTime();
    const got: Uint8Array[] = [];
    const frames = [frameAt(0, 1), frameAt(0.1, 2, { iface: sll }), frameAt(0.2, 3, { len: 40, origLen: 1500 }), frameAt(0.3, 4, { len: 2000 }), frameAt(0.4, 5)];
    const st = await replayFrames(
      () => gen(frames),
      (b) => {
        if (b.length > 1514) throw new Error('send: Message too long');
        got.push(b.slice());
      },
      { clock: v.clock, sleep: v.sleep },
    );
    expect(got.map((b) => [b.length, b[0]])).toEqual([
      [60, 1],
      [40, 3],
      [60, 5],
    ]);
    expect(st.sent).toBe(3);
    expect(st.skippedLinkType).toEqual({ 113: 1 });
    expect(st.cut).toBe(1);
    expect(st.failed).toBe(1);
    expect(st.errors).toEqual(['frame 4: send: Message too long']);
  });

  it('sends only the selected frames, keeping everyone on the original timeline', async () => {
    const v = virtualTime();
    const sentAt: [number, number][] = [];
    const frames = [frameAt(0, 1), frameAt(1, 2), frameAt(2, 3), frameAt(3, 4)];
    const st = await replayFrames(() => gen(frames), (b, f) => sentAt.push([f.index, v.clock()]), { clock: v.clock, sleep: v.sleep, select: (f) => f.index % 2 === 0 });
    expect(sentAt.map(([i, t]) => [i, Math.round(t - 1_000_000)])).toEqual([
      [2, 1000],
      [4, 3000],
    ]);
    expect(st.unselected).toBe(2);
  });

  it('stops when asked', async () => {
    const v = virtualTime();
    let n = 0;
    const frames = [frameAt(0, 1), frameAt(1, 2), frameAt(2, 3)];
    const st = await replayFrames(() => gen(frames), () => n++, { clock: v.clock, sleep: v.sleep, stopped: () => n >= 2 });
    expect(st.sent).toBe(2);
  });

  it('rejects a negative speed', async () => {
    await expect(replayFrames(() => gen([]), () => {}, { speed: -1 })).rejects.toThrow(/speed/);
  });
});
