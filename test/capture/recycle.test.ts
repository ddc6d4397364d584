// Chunk recycling (OpenOptions.recycle): reused chunk buffers are poisoned when they return to the
// pool, so a frame still pointing into one reads garbage. Every check compares a frame while it is
// still owed valid bytes (in its batch, or as it leaves the reorder window) with the same frame read
// without recycling.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Frame, Lease } from '../../src/capture/frame.js';
import { InterfaceTable } from '../../src/capture/interfaces.js';
import { type ReadOptions, readCaptures } from '../../src/capture/merge.js';
import { openCapture, readerTestHooks } from '../../src/capture/reader.js';
import { Reorder } from '../../src/capture/reorder.js';
import { analyzeFiles, pipelineSettings } from '../../src/cli/analyze.js';
import { Output } from '../../src/cli/common.js';
import { runDissect } from '../../src/cli/dissect.js';
import { renderJson } from '../../src/report/json.js';
import { block, ethFrame, idb, pcapFile, shared, shb, tempDir, timeText } from './helpers.js';

const POISON = 0xa5;
const tmp = tempDir();
afterAll(() => tmp.remove());
afterEach(() => {
  readerTestHooks.poison = -1;
  readerTestHooks.off = false;
  readerTestHooks.chunkSize = 0;
});

const inDir = (dir: string, ext: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith(ext))
    .sort()
    .map((n) => join(dir, n));
const SAMPLES = inDir(resolve('samples'), '.pcapng');
const REAL = inDir(resolve('samples/real'), '.pcapng');
const SHARED = inDir(shared(''), '.pcap');
const ALL = [...SAMPLES, ...REAL, ...SHARED];

/** Everything a consumer can see of a frame, bytes included. */
function key(f: Frame): string {
  const bytes = Buffer.from(f.buf.buffer, f.buf.byteOffset + f.off, f.caplen).toString('hex');
  return `${f.iface.id}/${f.index} ${timeText(f.sec, f.nsec)} ${f.caplen}/${f.origLen} @${f.fileOffset} if${f.ifindex} ${bytes}`;
}

/**
 * The frames of `paths` as seen through a reorder stage of `window` (0: none), each turned into its
 * key as it is handed on, in the same loop as the CLI's analyze (src/cli/analyze.ts analyzeFiles).
 */
async function stream(paths: string[], opts: ReadOptions, window: number): Promise<{ keys: string[]; pooled: number }> {
  const set = await readCaptures(paths, opts);
  const keys: string[] = [];
  const reorder = window > 0 ? new Reorder(window) : null;
  const out: Frame[] = [];
  try {
    for await (const batch of set.batches()) {
      out.length = 0;
      if (reorder === null) for (const f of batch) keys.push(key(f));
      else {
        for (const f of batch) reorder.push(f, out);
        for (const f of out) keys.push(key(f));
      }
    }
    if (reorder !== null) {
      out.length = 0;
      reorder.flush(out);
      for (const f of out) keys.push(key(f));
    }
  } finally {
    await set.close();
  }
  return { keys, pooled: set.readers.reduce((n, r) => n + r.pooledFetches, 0) };
}

/** Same frames, recycling or not: the recycling run poisons every buffer it takes back. */
async function same(paths: string[], chunkSize: number, window: number): Promise<number> {
  const plain = await stream(paths, { chunkSize }, window);
  readerTestHooks.poison = POISON;
  const recycled = await stream(paths, { chunkSize, recycle: true }, window);
  readerTestHooks.poison = -1;
  expect(recycled.keys.length).toBe(plain.keys.length);
  for (let i = 0; i < plain.keys.length; i++) if (recycled.keys[i] !== plain.keys[i]) expect([i, recycled.keys[i]]).toEqual([i, plain.keys[i]]);
  expect(plain.pooled).toBe(0);
  return recycled.pooled;
}

describe('chunk recycling', () => {
  it('finds the captures it checks', () => {
    expect(SAMPLES.length).toBeGreaterThanOrEqual(10);
    expect(REAL.length).toBeGreaterThanOrEqual(3);
    expect(SHARED.length).toBeGreaterThanOrEqual(7);
  });

  it('poison reaches a frame kept beyond its batch (the checks below can fail)', async () => {
    readerTestHooks.poison = POISON;
    const set = await readCaptures([join(resolve('samples'), 'team.pcapng')], { chunkSize: 4096, recycle: true });
    let kept: Frame | null = null;
    let keptKey = '';
    for await (const batch of set.batches()) {
      if (kept === null) {
        kept = batch[0]!;
        keptKey = key(kept);
      }
    }
    expect(set.readers[0]!.pooledFetches).toBeGreaterThan(0);
    expect(key(kept!)).not.toBe(keptKey);
    expect(kept!.buf[kept!.off]).toBe(POISON);
  });

  it('reuses its buffers (pooled fetches), and never without recycle', async () => {
    const path = join(resolve('samples'), 'team.pcapng');
    const read = async (recycle: boolean) => {
      const r = await openCapture(path, 0, new InterfaceTable(), { chunkSize: 8192, recycle });
      let n = 0;
      for (let b = await r.nextBatch(); b !== null; b = await r.nextBatch()) n += b.length;
      await r.close();
      return { n, pooled: r.pooledFetches };
    };
    const on = await read(true);
    const off = await read(false);
    expect(on.n).toBe(off.n);
    expect(off.pooled).toBe(0);
    // 178 KB in 8 KiB chunks: all but the first few chunks are read into reused buffers.
    expect(on.pooled).toBeGreaterThan(15);
  });

  for (const chunkSize of [4096, 5000, 65536]) {
    it(`reads every sample, real and shared capture the same, in chunks of ${chunkSize}, with and without reorder`, async () => {
      let pooled = 0;
      for (const path of ALL) {
        pooled += await same([path], chunkSize, 0);
        pooled += await same([path], chunkSize, 64);
      }
      expect(pooled).toBeGreaterThan(0);
    });
  }

  it('merges two and three recycling inputs the same (a batch goes out before its reader refills)', async () => {
    let pooled = 0;
    for (let i = 0; i + 1 < SAMPLES.length; i += 2) {
      pooled += await same([SAMPLES[i]!, SAMPLES[i + 1]!], 4096, 0);
      pooled += await same([SAMPLES[i]!, SAMPLES[i + 1]!], 4096, 512);
    }
    pooled += await same([REAL[0]!, REAL[1]!, REAL[2]!], 4096, 0);
    pooled += await same([REAL[0]!, REAL[1]!, REAL[2]!], 4096, 100);
    pooled += await same([SAMPLES[0]!, SHARED[0]!, REAL[0]!, SAMPLES[0]!], 5000, 7);
    expect(pooled).toBeGreaterThan(0);
  });

  it('keeps the chunks of frames held in the reorder window (Reorder pins them)', async () => {
    // Every frame is held back for a long window: most of the file is pinned across many chunks.
    const pooled = await same([join(resolve('samples'), 'team.pcapng')], 4096, 100000);
    expect(pooled).toBe(0);
  });

  it('reads pcapng with skipped blocks longer than a chunk the same', async () => {
    const le = true;
    const parts: Buffer[] = [shb(le), idb(le, 1, 65535)];
    for (let i = 0; i < 40; i++) {
      const data = ethFrame(60 + ((i * 97) % 1400), i);
      const ticks = BigInt(1_700_000_000_000_000 + i * 1000);
      const hi = Number(ticks >> 32n);
      const lo = Number(ticks & 0xffffffffn);
      const body = Buffer.alloc(20 + data.length);
      body.writeUInt32LE(0, 0);
      body.writeUInt32LE(hi, 4);
      body.writeUInt32LE(lo, 8);
      body.writeUInt32LE(data.length, 12);
      body.writeUInt32LE(data.length, 16);
      Buffer.from(data).copy(body, 20);
      parts.push(block(6, body, le));
      // A custom block (skipped by length) of up to 3 chunks every few packets.
      if (i % 5 === 2) parts.push(block(0x00000bad, Buffer.alloc(1000 + i * 300, i), le));
    }
    const path = tmp.file('skips.pcapng');
    writeFileSync(path, Buffer.concat(parts));
    await same([path], 4096, 0);
    await same([path], 4096, 3);
  });

  it('reads gzip input (a stream source) the same', async () => {
    const path = tmp.file('team.pcapng.gz');
    writeFileSync(path, gzipSync(readFileSync(join(resolve('samples'), 'team.pcapng'))));
    expect(await same([path], 4096, 0)).toBeGreaterThan(0);
    expect(await same([path, SHARED[0]!], 5000, 16)).toBeGreaterThan(0);
  });

  it('gives analyze --json the same result on every capture, alone and merged', async () => {
    const exitCode = process.exitCode;
    const runs: string[][] = [...ALL.map((p) => [p]), [SAMPLES[0]!, SAMPLES[1]!], [REAL[0]!, REAL[1]!, REAL[2]!]];
    try {
      // The default window (4096 frames) holds all of a small sample: a short one lets chunks go back.
      for (const files of runs) for (const opts of [{}, { reorderWindow: 8 }]) {
        const settings = () => pipelineSettings(opts);
        readerTestHooks.off = true;
        const plain = renderJson(await analyzeFiles(files, settings()));
        readerTestHooks.off = false;
        readerTestHooks.poison = POISON;
        readerTestHooks.chunkSize = 4096;
        const before = readerTestHooks.pooled;
        const recycled = renderJson(await analyzeFiles(files, settings()));
        const pooled = readerTestHooks.pooled - before;
        readerTestHooks.poison = -1;
        readerTestHooks.chunkSize = 0;
        expect(recycled).toBe(plain);
        // Files bigger than a few chunks really were read into reused buffers.
        if (files.some((f) => SAMPLES.includes(f)) && 'reorderWindow' in opts) expect(pooled).toBeGreaterThan(0);
      }
    } finally {
      process.exitCode = exitCode;
    }
  });

  it('gives dissect --json the same output', async () => {
    const dissect = async (files: string[]) => {
      const stream = new PassThrough();
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      await runDissect(files, { json: true, time: 'absolute' }, new Output(stream));
      return text;
    };
    const exitCode = process.exitCode;
    try {
      for (const files of [...ALL.map((p) => [p]), [SAMPLES[2]!, SAMPLES[3]!, REAL[0]!]]) {
        readerTestHooks.off = true;
        const plain = await dissect(files);
        readerTestHooks.off = false;
        readerTestHooks.poison = POISON;
        readerTestHooks.chunkSize = 4096;
        const recycled = await dissect(files);
        readerTestHooks.poison = -1;
        readerTestHooks.chunkSize = 0;
        expect(recycled).toBe(plain);
      }
    } finally {
      process.exitCode = exitCode;
    }
  });

  it('recycling on or off gives the same frames for any records, chunk size and reorder window', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: -3, max: 5 })), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 64, max: 9000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        async (recs, chunkSize, window, two) => {
          // Times mostly rising, sometimes falling (reordered or late in the window).
          let t = 1000;
          const records = recs.map(([len, step], i) => {
            t = Math.max(0, t + step);
            return { sec: 1_700_000_000 + Math.floor(t / 100), sub: (t % 100) * 10000, data: ethFrame(Math.max(14, len), i) };
          });
          const path = tmp.file(`prop-${run++}.pcap`);
                writeFileSync(path, pcapFile(true, false, 1, records));
          const paths = two ? [path, path] : [path];
          await same(paths, chunkSize, window);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('reorder pins', () => {
  const IFACE = { id: 0, input: 0, index: 0, name: 'x', linkType: 1, snaplen: 65535, tsUnitsPerSec: 1e9, tsOffset: 0 };
  const fr = (t: number, lease: Lease): Frame => ({ buf: new Uint8Array(0), off: 0, caplen: 0, origLen: 0, sec: 0, nsec: t, iface: IFACE, index: t, fileOffset: 0, ifindex: -1, lease });

  it('holds one pin per frame in the window and releases it as the frame leaves', () => {
    const a: Lease = { pins: 0 };
    const b: Lease = { pins: 0 };
    const r = new Reorder(3);
    const out: Frame[] = [];
    for (const [t, l] of [
      [5, a],
      [3, a],
      [4, b],
      [9, b],
    ] as const)
      r.push(fr(t, l), out);
    expect(out.map((f) => f.nsec)).toEqual([3]);
    expect([a.pins, b.pins]).toEqual([1, 2]);
    r.push(fr(1, b), out); // late: straight out, never held
    expect([a.pins, b.pins]).toEqual([1, 2]);
    r.flush(out);
    expect(out.map((f) => f.nsec)).toEqual([3, 1, 4, 5, 9]);
    expect([a.pins, b.pins]).toEqual([0, 0]);
  });
});
