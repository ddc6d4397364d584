// Reading classic pcap and pcapng: agreement with pcap-parser and tshark, formats and options, errors.
import { writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/errors.js';
import { InterfaceTable } from '../../src/capture/interfaces.js';
import { openCapture } from '../../src/capture/reader.js';
import { analyzeFiles, pipelineSettings } from '../../src/cli/analyze.js';
import { block, epb, ethFrame, idb, opt, opt64, pb, pcapFile, pcapParserRecs, readAll, shared, shb, spb, tempDir, timeText, tsharkFields } from './helpers.js';

const SHARED = ['LACP.pcap', 'slow-ossp.pcap', 'vrrp.pcap', '802.1ad_QinQ.pcap', 'arp-oobr.pcap', 'arp-too-long-tha.pcap', 'vrrp-vrrp_print-oobr.pcap', 'vrrp-vrrp_print-oobr-2.pcap'];
const tmp = tempDir();
afterAll(() => tmp.remove());

describe('classic pcap', () => {
  it.each(SHARED)('%s gives the same packets as pcap-parser (count, timestamps, bytes)', async (name) => {
    const { recs, reader } = await readAll(shared(name));
    const theirs = await pcapParserRecs(shared(name));
    expect(recs.map((r) => ({ ...r, iface: '' }))).toEqual(theirs);
    expect(reader.problems).toEqual([]);
  });

  it.each(SHARED)('%s gives the same times and lengths as tshark', async (name) => {
    const { recs } = await readAll(shared(name));
    const ts = tsharkFields(shared(name));
    expect(recs.map((r) => [r.time, r.origLen, r.caplen])).toEqual(ts.map((t) => [t.time, t.len, t.caplen]));
  });

  it('counts the frames that arrive earlier than a frame before them, across chunks (equal times are in order)', async () => {
    const times = [[5, 0], [3, 0], [7, 10], [6, 999], [7, 10], [7, 9], [1, 0], [8, 0]];
    const file = tmp.file('order.pcap');
    writeFileSync(file, pcapFile(true, false, 1, times.map(([sec, sub], i) => ({ sec: sec!, sub: sub!, data: ethFrame(60, i) }))));
    for (const chunkSize of [64, 100, 4096]) {
      const { reader } = await readAll(file, { chunkSize });
      expect([chunkSize, reader.outOfOrder]).toEqual([chunkSize, 4]); // 3, 6.000999, 7.000009 and 1
    }
  });

  it('keeps that count per input when analyze merges several inputs', async () => {
    const write = (name: string, secs: number[]) => {
      const f = tmp.file(name);
      writeFileSync(f, pcapFile(true, false, 1, secs.map((sec, i) => ({ sec, sub: 0, data: ethFrame(60, i) }))));
      return f;
    };
    const a = write('a.pcap', [10, 12, 11, 13, 9]);
    const b = write('b.pcap', [10.5, 11.5, 12.5].map(Math.floor));
    const r = await analyzeFiles([a, b], pipelineSettings({}));
    expect(r.inputs.map((i) => [i.packets, i.outOfOrder])).toEqual([
      [5, 2],
      [3, 0],
    ]);
  });

  it('names the single interface after the file and numbers frames from 1', async () => {
    const { frames, reader } = await readAll(shared('LACP.pcap'));
    expect(reader.format).toBe('pcap');
    expect(reader.interfaces).toHaveLength(1);
    expect(reader.interfaces[0]).toMatchObject({ id: 0, input: 0, index: 0, name: 'LACP.pcap', linkType: 1, tsUnitsPerSec: 1e6 });
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i + 1));
    expect(frames[0]!.fileOffset).toBe(24);
    expect(frames.every((f) => f.ifindex === -1)).toBe(true);
  });

  it.each([
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ])('reads little-endian=%s nanosecond=%s files exactly', async (le, nano) => {
    const recs = [
      { sec: 1700000000, sub: nano ? 123456789 : 123456, data: ethFrame(60, 1) },
      { sec: 1700000001, sub: nano ? 999999999 : 999999, data: ethFrame(1514, 2), origLen: 1514 },
      { sec: 4294967295, sub: 0, data: ethFrame(20, 3), origLen: 9000 },
    ];
    const f = tmp.file(`o-${le}-${nano}.pcap`);
    writeFileSync(f, pcapFile(le, nano, 1, recs));
    const { recs: got, reader } = await readAll(f, { chunkSize: 100 });
    expect(reader.byteOrder).toBe(le ? 'little' : 'big');
    expect(reader.nanosecond).toBe(nano);
    expect(got.map((r) => [r.time, r.caplen, r.origLen])).toEqual(
      recs.map((r) => [timeText(r.sec, nano ? r.sub : r.sub * 1000), r.data.length, r.origLen ?? r.data.length]),
    );
    expect(got.map((r) => r.time)).toEqual(tsharkFields(f).map((t) => t.time));
  });

  it.each([1, 101, 113, 228, 229, 276, 147])('passes link type %i through', async (lt) => {
    const f = tmp.file(`lt${lt}.pcap`);
    writeFileSync(f, pcapFile(true, false, lt, [{ sec: 1, sub: 2, data: ethFrame(40, 1) }]));
    const { frames } = await readAll(f);
    expect(frames[0]!.iface.linkType).toBe(lt);
  });

  it('takes the interface index of LINUX_SLL2 frames from header bytes 4..7', async () => {
    const sll2 = new Uint8Array(40);
    sll2.set([0x08, 0x00, 0, 0, 0x00, 0x00, 0x01, 0x02, 0, 1, 0, 6]);
    const f = tmp.file('sll2.pcap');
    writeFileSync(f, pcapFile(false, false, 276, [{ sec: 1, sub: 0, data: sll2 }, { sec: 2, sub: 0, data: sll2.subarray(0, 6) }]));
    const { frames } = await readAll(f);
    expect(frames.map((x) => x.ifindex)).toEqual([0x102, -1]);
  });

  it('counts frames and bytes consumed (the whole file when it reads cleanly)', async () => {
    const { statSync } = await import('node:fs');
    for (const chunkSize of [undefined, 100]) {
      const { frames, reader } = await readAll(shared('vrrp.pcap'), { chunkSize });
      expect(reader.frames).toBe(frames.length);
      expect(reader.bytesRead).toBe(statSync(shared('vrrp.pcap')).size);
      expect(reader.size).toBe(statSync(shared('vrrp.pcap')).size);
    }
  });

  it('delivers records spread over many small chunks unchanged', async () => {
    const a = await readAll(shared('vrrp.pcap'));
    for (const chunkSize of [64, 97, 1000]) {
      const b = await readAll(shared('vrrp.pcap'), { chunkSize });
      expect(b.recs).toEqual(a.recs);
    }
  });
});

describe('pcapng', () => {
  const data = [ethFrame(60, 1), ethFrame(61, 2), ethFrame(1514, 3), ethFrame(14, 4)];

  function twoSections(le1: boolean, le2: boolean, custom = true): Buffer {
    return Buffer.concat([
      shb(le1, [opt(3, 'Linux 6.1', le1), opt(4, 'handmade', le1)]),
      idb(le1, 1, 65535, [opt(2, 'eth0', le1), opt(3, 'member A', le1), opt(9, Uint8Array.of(9), le1)]),
      idb(le1, 1, 65535, [opt(2, 'eth1', le1)]),
      block(4, Buffer.alloc(16), le1), // name resolution: skipped
      epb(le1, 0, 1700000000123456789n, data[0]!),
      epb(le1, 1, 1700000000123457n, data[1]!, 64),
      block(5, Buffer.alloc(20), le1), // interface statistics: skipped
      ...(custom ? [block(0x40000bad, Buffer.from('custom!!'), le1)] : []), // custom: skipped
      shb(le2),
      idb(le2, 113, 0, [opt(2, 'bond0', le2), opt(9, Uint8Array.of(0x80 | 20), le2), opt(14, opt64(-10n, le2), le2)]),
      epb(le2, 0, (1700000000n << 20n) + 524288n, data[2]!),
      spb(le2, data[3]!),
      pb(le2, 0, (1700000001n << 20n) + 1n, data[0]!),
    ]);
  }

  it.each([
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ])('reads two sections (little-endian %s then %s) with their interfaces, options and blocks', async (le1, le2) => {
    const f = tmp.file(`two-${le1}-${le2}.pcapng`);
    writeFileSync(f, twoSections(le1, le2));
    for (const chunkSize of [undefined, 64]) {
      const { frames, recs, reader } = await readAll(f, { chunkSize });
      expect(reader.problems).toEqual([]);
      expect(reader.format).toBe('pcapng');
      expect(reader.byteOrder).toBe(le1 ? 'little' : 'big');
      expect(reader.sections.map((s) => [s.littleEndian, s.os, s.application])).toEqual([
        [le1, 'Linux 6.1', 'handmade'],
        [le2, undefined, undefined],
      ]);
      expect(reader.interfaces.map((i) => [i.id, i.index, i.name, i.description, i.linkType, i.tsUnitsPerSec, i.tsOffset])).toEqual([
        [0, 0, 'eth0', 'member A', 1, 1e9, 0],
        [1, 1, 'eth1', undefined, 1, 1e6, 0],
        [2, 2, 'bond0', undefined, 113, 2 ** 20, -10],
      ]);
      expect(recs.map((r) => [r.time, r.caplen, r.origLen, r.iface])).toEqual([
        ['1700000000.123456789', 60, 60, 'eth0'],
        ['1700000000.123457000', 61, 64, 'eth1'],
        ['1699999990.500000000', 1514, 1514, 'bond0'],
        ['0.000000000', 14, 14, 'bond0'],
        ['1699999991.000000953', 60, 60, 'bond0'],
      ]);
      expect(recs.map((r) => r.bytes)).toEqual([data[0], data[1], data[2], data[3], data[0]].map((d) => Buffer.from(d!).toString('hex')));
      expect(frames.map((x) => x.index)).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it.each([true, false])('counts late frames across Enhanced, obsolete and Simple Packet Blocks (little-endian %s)', async (le) => {
    const us = (sec: number) => BigInt(sec) * 1000000n;
    const f = tmp.file(`order-${le}.pcapng`);
    writeFileSync(
      f,
      Buffer.concat([
        shb(le),
        idb(le, 1, 65535),
        epb(le, 0, us(10), data[0]!),
        epb(le, 0, us(5), data[0]!), // late
        pb(le, 0, us(20), data[0]!), // in order: the latest time is now 20
        epb(le, 0, us(15), data[0]!), // late only because of the Packet Block before it
        spb(le, data[3]!), // no timestamp (0): late
        epb(le, 0, us(21), data[0]!),
      ]),
    );
    for (const chunkSize of [undefined, 64, 100]) {
      const { frames, reader } = await readAll(f, { chunkSize });
      expect([chunkSize, frames.length, reader.outOfOrder]).toEqual([chunkSize, 6, 3]);
    }
  });

  it('agrees with tshark on times (ns), lengths and interface names, both byte orders', async () => {
    for (const le of [true, false]) {
      const f = tmp.file(`ts-${le}.pcapng`);
      writeFileSync(f, twoSections(le, !le, false));
      const { recs } = await readAll(f);
      // tshark shows no time for the SPB (we say 0) and names second-section interfaces by their
      // per-section number (a tshark quirk), so names are compared in the first section only.
      const ts = tsharkFields(f);
      expect(recs.map((r, i) => [i === 3 ? '' : r.time, r.origLen, r.caplen, i < 2 ? r.iface : ''])).toEqual(
        ts.map((t, i) => [t.time, t.len, t.caplen, i < 2 ? t.iface : '']),
      );
    }
  });

  it('splits 64-bit timestamps exactly for every resolution', async () => {
    const cases: [number, bigint, string][] = [
      [6, 1700000000999999n, '1700000000.999999000'],
      [9, 18446744073709551615n, '18446744073.709551615'],
      [9, 1700000000000000000n, '1700000000.000000000'],
      [3, 1700000000123n, '1700000000.123000000'],
      [0, 4000000000n, '4000000000.000000000'],
      [12, 10000000123456789012n, '10000000.123456789'],
      [0x80 | 30, (1700000000n << 30n) + (1n << 29n), '1700000000.500000000'],
      [0x80 | 10, (5n << 10n) + 1n, '5.000976562'],
      [0x80 | 0, 7n, '7.000000000'],
    ];
    for (const [resol, ticks, want] of cases) {
      const f = tmp.file(`res-${resol}.pcapng`);
      writeFileSync(f, Buffer.concat([shb(true), idb(true, 1, 0, [opt(9, Uint8Array.of(resol), true)]), epb(true, 0, ticks, ethFrame(20, 1))]));
      const { recs } = await readAll(f);
      expect([resol, recs[0]!.time]).toEqual([resol, want]);
    }
  });

  it('skips long unknown blocks, wherever the chunks end', async () => {
    const f = tmp.file('skip.pcapng');
    const big = Buffer.alloc(10000, 7);
    writeFileSync(f, Buffer.concat([shb(true), idb(true, 1, 0), epb(true, 0, 1n, ethFrame(20, 1)), block(0x0bad, big, true), block(0x1234, Buffer.alloc(100), true), epb(true, 0, 2n, ethFrame(30, 2))]));
    for (const chunkSize of [undefined, 64, 100, 4096, 9999]) {
      const { recs, reader } = await readAll(f, { chunkSize });
      expect(reader.problems).toEqual([]);
      expect(recs.map((r) => [r.time, r.caplen])).toEqual([
        ['0.000001000', 20],
        ['0.000002000', 30],
      ]);
    }
  });

  it('keeps the latest Interface Statistics Block counters per interface', async () => {
    const le = false;
    const u64 = (v: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(v));
      return b;
    };
    const isb = (ifid: number, recv: number, drop: number) =>
      block(5, Buffer.concat([Buffer.from([0, 0, 0, ifid, 0, 0, 0, 0, 0, 0, 0, 9]), opt(4, u64(recv), le), opt(5, u64(drop), le), opt(7, u64(2), le), Buffer.alloc(4)]), le);
    const f = tmp.file('isb.pcapng');
    writeFileSync(f, Buffer.concat([shb(le), idb(le, 1, 0, [opt(2, 'eth0', le)]), idb(le, 1, 0, [opt(2, 'eth1', le)]), isb(1, 10, 1), epb(le, 0, 1n, ethFrame(20, 1)), isb(1, 100, 3), isb(0, 5, 0)]));
    const { reader } = await readAll(f);
    expect(reader.problems).toEqual([]);
    expect(reader.stats.map((s) => [s.iface.name, s.sec, s.nsec, s.ifRecv, s.ifDrop, s.osDrop, s.filterAccept])).toEqual([
      ['eth1', 0, 9000, 100, 3, 2, undefined],
      ['eth0', 0, 9000, 5, 0, 2, undefined],
    ]);
  });

  it('names interfaces without if_name after the file and their index', async () => {
    const f = tmp.file('noname.pcapng');
    writeFileSync(f, Buffer.concat([shb(true), idb(true, 1, 0), epb(true, 0, 1n, ethFrame(20, 1))]));
    const { reader } = await readAll(f);
    expect(reader.interfaces[0]!.name).toBe('noname.pcapng#0');
  });
});

describe('gzip and stdin', () => {
  it('reads gzip input recognised by content, either format', async () => {
    const { gzipSync } = await import('node:zlib');
    const { readFileSync } = await import('node:fs');
    for (const name of ['vrrp.pcap', 'LACP.pcap']) {
      const plain = await readAll(shared(name));
      const f = tmp.file(`${name}.anyname`);
      writeFileSync(f, gzipSync(readFileSync(shared(name))));
      const z = await readAll(f);
      expect(z.reader.compressed).toBe(true);
      expect(z.recs).toEqual(plain.recs.map((r) => ({ ...r, iface: `${name}.anyname` })));
    }
  });

  it("reads '-' from stdin, gzip or not", async () => {
    const { gzipSync } = await import('node:zlib');
    const { readFileSync } = await import('node:fs');
    const { Readable } = await import('node:stream');
    const raw = readFileSync(shared('vrrp.pcap'));
    const plain = await readAll(shared('vrrp.pcap'));
    const desc = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    try {
      for (const bytes of [raw, gzipSync(raw)]) {
        // Deliver in odd-sized pieces like a pipe would.
        const pieces: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += 1001) pieces.push(bytes.subarray(i, i + 1001));
        Object.defineProperty(process, 'stdin', { value: Readable.from(pieces), configurable: true });
        const s = await readAll('-');
        expect(s.recs).toEqual(plain.recs.map((r) => ({ ...r, iface: 'stdin' })));
      }
    } finally {
      Object.defineProperty(process, 'stdin', desc);
    }
  });
});

describe('errors that stop a file from opening', () => {
  async function code(path: string): Promise<string> {
    try {
      await openCapture(path, 0, new InterfaceTable());
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureError);
      expect((e as CaptureError).message).not.toContain('\n');
      expect((e as CaptureError).message).toContain(path);
      return (e as CaptureError).code;
    }
    return 'opened';
  }

  it('reports a missing file, a directory, an empty file, a short file and a wrong magic', async () => {
    expect(await code(tmp.file('missing.pcap'))).toBe('ENOENT');
    const d = tmp.file('adir');
    mkdirSync(d);
    expect(await code(d)).toBe('EISDIR');
    writeFileSync(tmp.file('empty.pcap'), '');
    expect(await code(tmp.file('empty.pcap'))).toBe('SHORT_FILE');
    writeFileSync(tmp.file('three.pcap'), Buffer.from([0xd4, 0xc3, 0xb2]));
    expect(await code(tmp.file('three.pcap'))).toBe('SHORT_FILE');
    writeFileSync(tmp.file('text.pcap'), 'hello, this is not a capture');
    expect(await code(tmp.file('text.pcap'))).toBe('BAD_MAGIC');
    writeFileSync(tmp.file('bom.pcapng'), Buffer.concat([Buffer.from([10, 13, 13, 10, 28, 0, 0, 0, 1, 2, 3, 4]), Buffer.alloc(16)]));
    expect(await code(tmp.file('bom.pcapng'))).toBe('BAD_MAGIC');
    writeFileSync(tmp.file('badgz.pcap'), Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(await code(tmp.file('badgz.pcap'))).toBe('BAD_GZIP');
  });

  it('reports permission denied when the file cannot be opened', async () => {
    const { osError } = await import('../../src/capture/errors.js');
    const e = osError('/x/y.pcap', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect([e.code, e.message]).toEqual(['EACCES', '/x/y.pcap: permission denied']);
    if (process.getuid?.() !== 0) {
      const { chmodSync } = await import('node:fs');
      writeFileSync(tmp.file('secret.pcap'), pcapFile(true, false, 1, []));
      chmodSync(tmp.file('secret.pcap'), 0);
      expect(await code(tmp.file('secret.pcap'))).toBe('EACCES');
    }
  });
});

describe('files written by Wireshark tools', () => {
  it.each(SHARED)('%s converted by editcap to pcapng and to ns pcap reads back the same packets', async (name) => {
    const { execFileSync } = await import('node:child_process');
    const orig = await readAll(shared(name));
    for (const format of ['pcapng', 'nsecpcap']) {
      const f = tmp.file(`${name}.${format}`);
      execFileSync('editcap', ['-F', format, shared(name), f], { stdio: 'ignore' });
      const { recs, reader } = await readAll(f, { chunkSize: 1000 });
      expect(reader.problems).toEqual([]);
      expect(recs.map((r) => [r.time, r.caplen, r.origLen, r.bytes])).toEqual(orig.recs.map((r) => [r.time, r.caplen, r.origLen, r.bytes]));
    }
  });

  it('a mergecap pcapng with one interface per source file agrees with tshark, frame by frame', async () => {
    const { execFileSync } = await import('node:child_process');
    const f = tmp.file('merged-by-mergecap.pcapng');
    execFileSync('mergecap', ['-I', 'none', '-F', 'pcapng', '-w', f, shared('LACP.pcap'), shared('vrrp.pcap')], { stdio: 'ignore' });
    const { frames, reader } = await readAll(f);
    expect(reader.interfaces.map((i) => i.name)).toEqual(['merged-by-mergecap.pcapng#0', 'merged-by-mergecap.pcapng#1']);
    const out = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.interface_id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const want = out.trim().split('\n').map((l) => l.split('\t'));
    expect(frames.map((x) => [timeText(x.sec, x.nsec), String(x.origLen), String(x.iface.index)])).toEqual(want);
  });
});

describe('pipes', () => {
  it('reads a named pipe (FIFO) as a stream', async () => {
    const { execFileSync, spawn } = await import('node:child_process');
    const fifo = tmp.file('pipe.pcap');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "${shared('vrrp.pcap')}" > "${fifo}"`], { stdio: 'ignore' });
    // Listen before reading: the writer may be gone by the time the reader is done.
    const exited = new Promise((ok) => writer.on('exit', ok));
    const { recs, reader } = await readAll(fifo);
    await exited;
    expect(reader.size).toBe(-1);
    expect(recs.map((r) => r.bytes)).toEqual((await readAll(shared('vrrp.pcap'))).recs.map((r) => r.bytes));
  });
});
