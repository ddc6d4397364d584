// Hostile and damaged input: cut files, lying lengths, random bytes and bit flips. Only typed
// errors and problems come out; everything before the damage is delivered; nothing huge is allocated.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/errors.js';
import { block, epb, ethFrame, idb, opt, pcapFile, readAll, shb, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

// Watch the reader's buffer allocations: they must follow bytes actually read, never a length field.
const realAlloc = Buffer.allocUnsafe;
let maxAlloc = 0;
beforeEach(() => {
  maxAlloc = 0;
  Buffer.allocUnsafe = ((n: number) => {
    maxAlloc = Math.max(maxAlloc, n);
    return realAlloc(n);
  }) as typeof Buffer.allocUnsafe;
});
afterEach(() => {
  Buffer.allocUnsafe = realAlloc;
});

/** A small pcap: header + 5 records; returns the bytes and where each record ends. */
function smallPcap(): { bytes: Buffer; ends: number[] } {
  const lens = [60, 14, 0, 100, 33];
  const bytes = pcapFile(true, true, 1, lens.map((n, i) => ({ sec: 1700000000 + i, sub: i, data: ethFrame(n, i) })));
  const ends: number[] = [];
  let o = 24;
  for (const n of lens) ends.push((o += 16 + n));
  return { bytes, ends };
}

/** A small pcapng: SHB, 2 IDBs, an NRB, EPBs; returns the bytes and the end of each block with whether it is a packet. */
function smallPcapng(le: boolean): { bytes: Buffer; blocks: { end: number; packet: boolean }[] } {
  const parts: [Buffer, boolean][] = [
    [shb(le, [opt(4, 'test', le)]), false],
    [idb(le, 1, 0, [opt(2, 'eth0', le)]), false],
    [epb(le, 0, 1700000000000001n, ethFrame(60, 1)), true],
    [idb(le, 1, 0, [opt(2, 'eth1', le), opt(9, Uint8Array.of(9), le)]), false],
    [block(4, Buffer.alloc(12), le), false],
    [epb(le, 1, 1700000000000000002n, ethFrame(15, 2)), true],
    [epb(le, 0, 1700000000000003n, ethFrame(0, 3)), true],
  ];
  const blocks: { end: number; packet: boolean }[] = [];
  let o = 0;
  for (const [b, packet] of parts) blocks.push({ end: (o += b.length), packet });
  return { bytes: Buffer.concat(parts.map((p) => p[0])), blocks };
}

/** Read, expecting no raw exception: a CaptureError (returned) or frames plus problems. */
async function safeRead(path: string, chunkSize?: number) {
  try {
    return await readAll(path, { chunkSize });
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
}

describe('truncation', () => {
  it('cut at every byte offset of a small pcap: complete records delivered, then one problem naming the offset', async () => {
    const { bytes, ends } = smallPcap();
    const f = tmp.file('cut.pcap');
    for (let cut = 0; cut <= bytes.length; cut++) {
      writeFileSync(f, bytes.subarray(0, cut));
      for (const chunkSize of [undefined, 64]) {
        const r = await safeRead(f, chunkSize);
        if (cut < 4) {
          expect(r).toBeInstanceOf(CaptureError);
          expect((r as CaptureError).code).toBe('SHORT_FILE');
          continue;
        }
        if (r instanceof CaptureError) throw r;
        const complete = ends.filter((e) => e <= cut).length;
        expect(r.frames.length).toBe(complete);
        const boundary = cut === 24 || ends.includes(cut);
        if (boundary) expect(r.reader.problems).toEqual([]);
        else {
          expect(r.reader.problems).toHaveLength(1);
          const p = r.reader.problems[0]!;
          const start = cut < 24 ? 0 : complete === 0 ? 24 : ends[complete - 1]!;
          expect([p.kind, p.offset]).toEqual(['truncated', start]);
          expect(p.message).toContain(f);
          expect(p.message).toContain(`byte ${start}`);
          expect(p.message).not.toContain('\n');
        }
      }
    }
  });

  it.each([true, false])('cut at every byte offset of a small pcapng (little-endian %s): same guarantees', async (le) => {
    const { bytes, blocks } = smallPcapng(le);
    const f = tmp.file(`cut-${le}.pcapng`);
    for (let cut = 0; cut <= bytes.length; cut++) {
      writeFileSync(f, bytes.subarray(0, cut));
      for (const chunkSize of [undefined, 64]) {
        const r = await safeRead(f, chunkSize);
        if (cut < 4) {
          expect((r as CaptureError).code).toBe('SHORT_FILE');
          continue;
        }
        if (r instanceof CaptureError) throw r;
        const done = blocks.filter((b) => b.end <= cut);
        expect(r.frames.length).toBe(done.filter((b) => b.packet).length);
        if (done.length > 0 && done[done.length - 1]!.end === cut) expect(r.reader.problems).toEqual([]);
        else {
          const start = done.length === 0 ? 0 : done[done.length - 1]!.end;
          expect(r.reader.problems.map((p) => [p.kind, p.offset])).toEqual([['truncated', start]]);
          expect(r.reader.problems[0]!.message).toContain(`byte ${start}`);
        }
      }
    }
  });

  it('a cut gzip delivers what decompressed before the cut, then one problem', async () => {
    const { bytes, ends } = smallPcap();
    const gz = gzipSync(bytes);
    const f = tmp.file('cut.pcap.gz');
    writeFileSync(f, gz.subarray(0, gz.length - 10));
    const r = await safeRead(f);
    if (r instanceof CaptureError) throw r;
    expect(r.frames.length).toBeLessThanOrEqual(ends.length);
    expect(r.reader.problems).toHaveLength(1);
    expect(r.reader.problems[0]!.message).toMatch(/gzip|ends inside/);
  });
});

describe('lying lengths', () => {
  const HUGE = 0xfffffff0;

  function u32le(v: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return b;
  }

  it('a pcap record claiming caplen 0xfffffff0 stops reading with a problem and allocates nothing big', async () => {
    const { bytes } = smallPcap();
    const bad = Buffer.concat([bytes, u32le(1), u32le(0), u32le(HUGE), u32le(HUGE), Buffer.alloc(64)]);
    const f = tmp.file('huge.pcap');
    writeFileSync(f, bad);
    const r = await safeRead(f);
    if (r instanceof CaptureError) throw r;
    expect(r.frames).toHaveLength(5);
    expect(r.reader.problems.map((p) => [p.kind, p.offset])).toEqual([['malformed', bytes.length]]);
    expect(r.reader.problems[0]!.message).toContain('caplen 4294967280');
    expect(maxAlloc).toBeGreaterThan(0); // the spy sees the reader's chunks
    expect(maxAlloc).toBeLessThan(8 << 20);
  });

  it.each([
    ['an Enhanced Packet Block', 6],
    ['an Interface Description Block', 1],
    ['an unknown block', 0x1234],
    ['a Name Resolution Block', 4],
  ])('%s with length 0xfffffff0 stops reading with a problem and allocates nothing big', async (_what, type) => {
    const { bytes, blocks } = smallPcapng(true);
    const bad = Buffer.concat([bytes, u32le(type), u32le(HUGE), Buffer.alloc(200)]);
    const f = tmp.file(`huge-${type}.pcapng`);
    writeFileSync(f, bad);
    for (const chunkSize of [undefined, 64]) {
      const r = await safeRead(f, chunkSize);
      if (r instanceof CaptureError) throw r;
      expect(r.frames).toHaveLength(blocks.filter((b) => b.packet).length);
      expect(r.reader.problems.map((p) => p.offset)).toEqual([bytes.length]);
      expect(maxAlloc).toBeLessThan(8 << 20);
    }
  });

  it.each([
    ['not a multiple of 4', 30],
    ['shorter than 12', 8],
  ])('a block length %s stops reading with a malformed problem', async (_what, len) => {
    const { bytes } = smallPcapng(false);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(len);
    const f = tmp.file(`len-${len}.pcapng`);
    writeFileSync(f, Buffer.concat([bytes, Buffer.from([0, 0, 0, 6]), b, Buffer.alloc(40)]));
    const r = await safeRead(f);
    if (r instanceof CaptureError) throw r;
    expect(r.frames).toHaveLength(3);
    expect(r.reader.problems.map((p) => [p.kind, p.offset])).toEqual([['malformed', bytes.length]]);
    expect(r.reader.problems[0]!.message).toMatch(/expected a multiple of 4/);
  });

  it('an EPB naming an undeclared interface, or whose trailing length differs, stops reading', async () => {
    const le = true;
    const head = Buffer.concat([shb(le), idb(le, 1, 0)]);
    const good = epb(le, 0, 1n, ethFrame(20, 1));
    const wrongIf = epb(le, 3, 1n, ethFrame(20, 1));
    const wrongTrail = Buffer.from(good);
    wrongTrail.writeUInt32LE(good.length + 4, good.length - 4);
    for (const [bad, re] of [
      [wrongIf, /interface 3.*declares 1/],
      [wrongTrail, /at the end; expected equal/],
    ] as const) {
      const f = tmp.file('ep.pcapng');
      writeFileSync(f, Buffer.concat([head, good, bad, good]));
      const r = await safeRead(f);
      if (r instanceof CaptureError) throw r;
      expect(r.frames).toHaveLength(1);
      expect(r.reader.problems[0]!.message).toMatch(re);
      expect(r.reader.problems[0]!.offset).toBe(head.length + good.length);
    }
  });
});

describe('fuzz', () => {
  async function check(bytes: Uint8Array, name: string, chunkSize?: number): Promise<void> {
    const f = tmp.file(name);
    writeFileSync(f, bytes);
    const r = await safeRead(f, chunkSize);
    if (r instanceof CaptureError) {
      expect(r.message).not.toContain('\n');
      return;
    }
    expect(r.reader.problems.length).toBeLessThanOrEqual(1);
    for (const fr of r.frames) {
      expect(fr.off + fr.caplen).toBeLessThanOrEqual(fr.buf.length);
      expect(Number.isInteger(fr.sec) && Number.isInteger(fr.nsec) && fr.nsec >= 0 && fr.nsec < 1e9).toBe(true);
    }
    expect(maxAlloc).toBeLessThan(2 * bytes.length + (4 << 20));
  }

  it('random bytes behind a valid magic give only typed errors or problems', async () => {
    const magics = [Buffer.from('d4c3b2a1', 'hex'), Buffer.from('a1b2c3d4', 'hex'), Buffer.from('4d3cb2a1', 'hex'), Buffer.from('0a0d0d0a', 'hex'), Buffer.from('0a0d0d0a1c0000004d3c2b1a', 'hex')];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 400 }), fc.constantFrom(undefined, 64), async (m, rest, chunk) => {
        await check(Buffer.concat([m, rest]), 'rand.bin', chunk);
      }),
      { numRuns: 300 },
    );
  });

  it('bit flips and byte overwrites in valid files give only typed errors or problems', async () => {
    const files = [smallPcap().bytes, smallPcapng(true).bytes, smallPcapng(false).bytes];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(undefined, 64),
        async (which, edits, chunk) => {
          const b = Buffer.from(files[which]!);
          for (const [pos, bit, overwrite, v] of edits) {
            const i = pos % b.length;
            b[i] = overwrite ? v : b[i]! ^ (1 << bit);
          }
          await check(b, 'flip.bin', chunk);
        },
      ),
      { numRuns: 400 },
    );
  });
});
