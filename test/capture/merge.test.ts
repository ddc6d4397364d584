// Several inputs read together: time order across files, distinct interfaces, per-input numbering.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { readCaptures } from '../../src/capture/merge.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';
import { ethFrame, shared, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

async function collect(paths: string[], batchSize?: number): Promise<{ frames: Frame[]; set: Awaited<ReturnType<typeof readCaptures>> }> {
  const set = await readCaptures(paths, { batchSize });
  const frames: Frame[] = [];
  for await (const b of set.batches()) {
    expect(b.length).toBeGreaterThan(0);
    for (const f of b) frames.push(f);
  }
  return { frames, set };
}

describe('readCaptures', () => {
  it('merges several files in time order, interfaces distinct, frames numbered per input', async () => {
    const a = tmp.file('a.pcap');
    const b = tmp.file('b.pcapng');
    const wa = new PcapWriter(a, { nanosecond: true });
    for (const t of [1, 4, 4, 9]) wa.writePacket(100, t, ethFrame(20, t));
    await wa.close();
    const wb = new PcapngWriter(b, { nanosecond: true });
    const e0 = wb.addInterface({ name: 'eth0', linkType: 1 });
    const e1 = wb.addInterface({ name: 'eth1', linkType: 1 });
    for (const [i, t] of [
      [e0, 2],
      [e1, 4],
      [e0, 5],
      [e1, 10],
    ] as const)
      wb.writePacket(i, 100, t, ethFrame(20, t));
    await wb.close();
    const { frames, set } = await collect([a, b], 3);
    expect(set.interfaces.map((i) => [i.id, i.input, i.index, i.name])).toEqual([
      [0, 0, 0, 'a.pcap'],
      [1, 1, 0, 'eth0'],
      [2, 1, 1, 'eth1'],
    ]);
    expect(frames.map((f) => [f.nsec, f.iface.id, f.index])).toEqual([
      [1, 0, 1],
      [2, 1, 1],
      [4, 0, 2],
      [4, 0, 3],
      [4, 2, 2],
      [5, 1, 3],
      [9, 0, 4],
      [10, 2, 4],
    ]);
  });

  it('gives a single input its batches as read', async () => {
    const { frames, set } = await collect([shared('vrrp.pcap')]);
    expect(frames).toHaveLength(165);
    expect(set.readers).toHaveLength(1);
  });

  it('opens the same file twice as two inputs with their own interfaces', async () => {
    const { frames, set } = await collect([shared('LACP.pcap'), shared('LACP.pcap')]);
    expect(frames).toHaveLength(40);
    expect(set.interfaces.map((i) => i.input)).toEqual([0, 1]);
    for (let i = 0; i < 40; i += 2) expect([frames[i]!.iface.input, frames[i + 1]!.iface.input, frames[i]!.index]).toEqual([0, 1, i / 2 + 1]);
  });

  it('throws the first CaptureError and opens nothing else', async () => {
    await expect(readCaptures([shared('LACP.pcap'), tmp.file('nope.pcap')])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('merges any sorted inputs into one sorted sequence (a stable k-way merge)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 10 }), async (inputs, batchSize) => {
        const paths: string[] = [];
        for (const ts of inputs) {
          const p = tmp.file(`m${run++}.pcap`);
          const w = new PcapWriter(p, { nanosecond: true });
          for (const t of [...ts].sort((x, y) => x - y)) w.writePacket(0, t, ethFrame(14, t));
          await w.close();
          paths.push(p);
        }
        const { frames } = await collect(paths, batchSize);
        const want = inputs
          .flatMap((ts, input) => [...ts].sort((x, y) => x - y).map((t, i) => ({ t, input, index: i + 1 })))
          .sort((x, y) => x.t - y.t || x.input - y.input || x.index - y.index);
        expect(frames.map((f) => [f.nsec, f.iface.input, f.index])).toEqual(want.map((w) => [w.t, w.input, w.index]));
      }),
      { numRuns: 40 },
    );
  });
});

it('writes a merged pcap readable again (frames hold their chunk bytes after reading moved on)', async () => {
  const { frames } = await collect([shared('vrrp.pcap'), shared('LACP.pcap')]);
  const f = tmp.file('all.pcapng');
  const w = new PcapngWriter(f);
  for (const fr of frames) w.write(fr);
  await w.close();
  const back = await collect([f]);
  expect(back.frames.map((x) => Buffer.from(x.buf.subarray(x.off, x.off + x.caplen)).toString('hex'))).toEqual(
    frames.map((x) => Buffer.from(x.buf.subarray(x.off, x.off + x.caplen)).toString('hex')),
  );
});
