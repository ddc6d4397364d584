// LiveSession with a fake cap and a recording analysis: frames reach the analysis and the writer
// in order, --count and stop() end it, ticks and flushes happen, errors stop it cleanly.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import type { CapHandle, CapModule } from '../../src/capture/live.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IncrementalAnalysis, type LiveFrameWriter, LiveSession, pcapngLiveWriter } from '../../src/capture/live-session.js';
import { readCaptures } from '../../src/capture/merge.js';

class FakeCap extends EventEmitter implements CapHandle {
  static instances: FakeCap[] = [];
  buffer: Buffer | null = null;
  closed = false;
  constructor() {
    super();
    FakeCap.instances.push(this);
  }
  open(_d: string, _f: string, _s: number, buffer: Buffer): string {
    this.buffer = buffer;
    return 'ETHERNET';
  }
  close(): boolean {
    this.closed = true;
    return true;
  }
  send(): void {}
  deliver(len: number, fill: number): void {
    this.buffer!.fill(fill, 0, len);
    this.emit('packet', len, false);
  }
}
const cap: CapModule = { Cap: Object.assign(FakeCap, { deviceList: () => [{ name: 'm0', addresses: [] }, { name: 'm1', addresses: [] }] }) };

class Recorder implements IncrementalAnalysis<{ frames: number; ticks: number; end: number }> {
  frames: Frame[] = [];
  ticks: number[] = [];
  fail = false;
  feed(f: Frame): void {
    if (this.fail) throw new Error('analyzer bug');
    this.frames.push(f);
  }
  tick(t: number): void {
    this.ticks.push(t);
  }
  finish(t: number) {
    return { frames: this.frames.length, ticks: this.ticks.length, end: t };
  }
}

class MemWriter implements LiveFrameWriter {
  written: number[] = [];
  flushes = 0;
  closed = false;
  constructor(readonly ifaces: readonly InterfaceInfo[]) {}
  write(f: Frame): void {
    this.written.push(f.index);
  }
  flush(): void {
    this.flushes++;
  }
  close(): void {
    this.closed = true;
  }
}

describe('live session', () => {
  it('feeds every frame to the analysis and the writer, and stops at --count with the final report', async () => {
    FakeCap.instances = [];
    const a = new Recorder();
    let w: MemWriter | null = null;
    const s = await LiveSession.start({ interfaces: ['m0', 'm1'], cap, count: 3 }, a, { writer: (ifs) => (w = new MemWriter(ifs)) });
    expect(w!.ifaces.map((i) => i.name)).toEqual(['m0', 'm1']);
    const [c0, c1] = FakeCap.instances;
    c0!.deliver(60, 1);
    c1!.deliver(61, 2);
    c0!.deliver(62, 3);
    c1!.deliver(63, 4); // after the count: not delivered
    const r = await s.done;
    expect(r.reason).toBe('count');
    expect(a.frames.map((f) => [f.index, f.iface.name, f.caplen])).toEqual([
      [1, 'm0', 60],
      [2, 'm1', 61],
      [3, 'm0', 62],
    ]);
    expect(w!.written).toEqual([1, 2, 3]);
    expect(w!.closed).toBe(true);
    expect(r.report.frames).toBe(3);
    expect(r.stats.frames).toBe(3);
    expect(FakeCap.instances.every((c) => c.closed)).toBe(true);
  });

  it('ticks the analysis and flushes the writer on their periods, and stops on stop()', async () => {
    FakeCap.instances = [];
    const a = new Recorder();
    let w: MemWriter | null = null;
    const s = await LiveSession.start({ interfaces: ['m0'], cap, tickMs: 5, flushMs: 5 }, a, { writer: (ifs) => (w = new MemWriter(ifs)) });
    await new Promise<void>((res) => {
      const check = setInterval(() => {
        if (a.ticks.length >= 3 && w!.flushes >= 3) {
          clearInterval(check);
          res();
        }
      }, 2);
    });
    s.stop('signal');
    const r = await s.done;
    expect(r.reason).toBe('signal');
    expect(r.report.ticks).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < a.ticks.length; i++) expect(a.ticks[i]!).toBeGreaterThanOrEqual(a.ticks[i - 1]!);
  });

  it('stops after --duration', async () => {
    FakeCap.instances = [];
    const s = await LiveSession.start({ interfaces: ['m0'], cap, duration: 0.02 }, new Recorder());
    expect((await s.done).reason).toBe('duration');
  });

  it('stops with the error when the analysis throws, still closing the capture', async () => {
    FakeCap.instances = [];
    const a = new Recorder();
    a.fail = true;
    const s = await LiveSession.start({ interfaces: ['m0'], cap }, a);
    FakeCap.instances[0]!.deliver(60, 1);
    const r = await s.done;
    expect(r.reason).toBe('error');
    expect(String(r.error)).toMatch(/analyzer bug/);
    expect(FakeCap.instances[0]!.closed).toBe(true);
  });
});

describe('live session --write', () => {
  it('writes one named interface per capture interface (also one without traffic), ns timestamps, frames as captured', async () => {
    FakeCap.instances = [];
    const dir = mkdtempSync(join(tmpdir(), 'teamscope-live-'));
    const file = join(dir, 'live.pcapng');
    try {
      let now = 1_700_000_000_000.123456;
      const s = await LiveSession.start({ interfaces: ['m0', 'm1'], cap, count: 3, clock: () => (now += 0.25) }, new Recorder(), { writer: (ifs) => pcapngLiveWriter(file, ifs) });
      const [c0] = FakeCap.instances;
      c0!.deliver(60, 1);
      c0!.deliver(61, 2);
      c0!.deliver(62, 3);
      const r = await s.done;
      expect(r.reason).toBe('count');
      const set = await readCaptures([file]);
      const frames: Frame[] = [];
      for await (const b of set.batches()) frames.push(...b);
      await set.close();
      expect(set.interfaces.map((i) => [i.name, i.linkType, i.tsUnitsPerSec])).toEqual([
        ['m0', 1, 1e9],
        ['m1', 1, 1e9],
      ]);
      expect(frames.map((f) => [f.index, f.iface.name, f.caplen, f.buf[f.off]])).toEqual([
        [1, 'm0', 60, 1],
        [2, 'm0', 61, 2],
        [3, 'm0', 62, 3],
      ]);
      // 0.25 ms apart (the clock is a double of epoch ms: exact to a fraction of a microsecond).
      expect(Math.abs(frames[1]!.sec * 1e9 + frames[1]!.nsec - (frames[0]!.sec * 1e9 + frames[0]!.nsec) - 250_000)).toBeLessThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
