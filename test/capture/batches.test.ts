// Batch sizes: a chunk holding many records is handed out as several batches of at most BATCH_FRAMES.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InterfaceTable } from '../../src/capture/interfaces.js';
import { BATCH_FRAMES, openCapture } from '../../src/capture/reader.js';
import { epb, ethFrame, idb, pcapFile, recOf, shb, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

/** Frames of 60 bytes: 2.5 batches' worth fit in one default chunk many times over. */
const COUNT = BATCH_FRAMES * 2 + BATCH_FRAMES / 2;

function pcap(): string {
  const f = tmp.file('many.pcap');
  writeFileSync(f, pcapFile(true, false, 1, Array.from({ length: COUNT }, (_, i) => ({ sec: 1700000000 + (i >> 4), sub: i, data: ethFrame(60, i) }))));
  return f;
}

function pcapng(): string {
  const f = tmp.file('many.pcapng');
  const blocks = [shb(true), idb(true, 1, 65535)];
  for (let i = 0; i < COUNT; i++) blocks.push(epb(true, 0, 1700000000000000n + BigInt(i), ethFrame(60, i)));
  writeFileSync(f, Buffer.concat(blocks));
  return f;
}

describe('batches', () => {
  it.each([
    ['pcap', pcap],
    ['pcapng', pcapng],
  ])('%s: a chunk of many records comes as batches of at most BATCH_FRAMES, every frame once and in order', async (_name, make) => {
    const path = make();
    for (const recycle of [false, true]) {
      const reader = await openCapture(path, 0, new InterfaceTable(), { recycle });
      const sizes: number[] = [];
      const index: number[] = [];
      const recs: string[] = [];
      for (let b = await reader.nextBatch(); b !== null; b = await reader.nextBatch()) {
        sizes.push(b.length);
        for (const f of b) {
          index.push(f.index);
          recs.push(recOf(f).bytes);
        }
      }
      expect(sizes).toEqual([BATCH_FRAMES, BATCH_FRAMES, BATCH_FRAMES / 2]);
      expect(index).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      expect(recs).toEqual(Array.from({ length: COUNT }, (_, i) => Buffer.from(ethFrame(60, i)).toString('hex')));
      expect([reader.frames, reader.outOfOrder, reader.problems]).toEqual([COUNT, 0, []]);
    }
  });
});
