// Writers: what we write, tshark, capinfos, pcap-parser and our reader read back exactly.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';
import { ethFrame, pcapParserRecs, readAll, shared, tempDir, timeText, tsharkFields } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

/** A few frames with awkward timestamps (ns digits, second boundaries, 2^32-1 seconds). */
const SAMPLE = [
  { sec: 1700000000, nsec: 123456789, len: 60 },
  { sec: 1700000000, nsec: 999999999, len: 1514 },
  { sec: 1700000001, nsec: 0, len: 14 },
  { sec: 0, nsec: 1, len: 64 },
  { sec: 4294967295, nsec: 999999000, len: 9000 },
];

describe('pcap writer', () => {
  it.each([false, true])('writes files tshark reads with the same times and lengths (nanosecond=%s)', async (nano) => {
    const f = tmp.file(`w-${nano}.pcap`);
    const w = new PcapWriter(f, { nanosecond: nano });
    SAMPLE.forEach((s, i) => w.writePacket(s.sec, s.nsec, ethFrame(s.len, i), s.len + 4));
    await w.close();
    const want = SAMPLE.map((s) => [timeText(s.sec, nano ? s.nsec : Math.floor(s.nsec / 1000) * 1000), s.len + 4, s.len]);
    expect(tsharkFields(f).map((t) => [t.time, t.len, t.caplen])).toEqual(want);
    const { recs, reader } = await readAll(f);
    expect(reader.problems).toEqual([]);
    expect(recs.map((r) => [r.time, r.origLen, r.caplen])).toEqual(want);
    expect(recs.map((r) => r.bytes)).toEqual(SAMPLE.map((s, i) => Buffer.from(ethFrame(s.len, i)).toString('hex')));
  });

  it('writes µs files pcap-parser reads identically to our reader', async () => {
    const f = tmp.file('pp.pcap');
    const w = new PcapWriter(f);
    SAMPLE.forEach((s, i) => w.writePacket(s.sec, s.nsec, ethFrame(s.len, i)));
    await w.close();
    const ours = (await readAll(f)).recs.map((r) => ({ ...r, iface: '' }));
    expect(ours).toEqual(await pcapParserRecs(f));
  });

  it('copies a shared capture frame by frame byte-identically', async () => {
    const src = await readAll(shared('LACP.pcap'));
    const f = tmp.file('copy.pcap');
    const w = new PcapWriter(f, { linkType: src.reader.interfaces[0]!.linkType, snaplen: src.reader.interfaces[0]!.snaplen });
    for (const fr of src.frames) w.write(fr);
    await w.close();
    const a = readFileSync(shared('LACP.pcap'));
    const b = readFileSync(f);
    // Same records; the file header may differ only in thiszone/sigfigs (bytes 8..15).
    expect(b.subarray(24)).toEqual(a.subarray(24));
  });

  it('capinfos reads what it writes', async () => {
    const f = tmp.file('ci.pcap');
    const w = new PcapWriter(f, { nanosecond: true });
    SAMPLE.forEach((s, i) => w.writePacket(s.sec, s.nsec, ethFrame(s.len, i)));
    await w.close();
    const out = execFileSync('capinfos', ['-c', '-M', f], { encoding: 'utf8' });
    expect(out).toMatch(/Number of packets:\s+5/);
  });
});

describe('pcapng writer', () => {
  it.each([false, true])('writes several named interfaces tshark reads exactly (nanosecond=%s)', async (nano) => {
    const f = tmp.file(`w-${nano}.pcapng`);
    const w = new PcapngWriter(f, { nanosecond: nano });
    const ids = [w.addInterface({ name: 'eth0', linkType: 1, description: 'member A' }), w.addInterface({ name: 'eth1', linkType: 1 }), w.addInterface({ name: 'bond0', linkType: 1, snaplen: 128 })];
    SAMPLE.forEach((s, i) => w.writePacket(ids[i % 3]!, s.sec, s.nsec, ethFrame(Math.min(s.len, 128), i), s.len));
    await w.close();
    const names = ['eth0', 'eth1', 'bond0'];
    const want = SAMPLE.map((s, i) => [timeText(s.sec, nano ? s.nsec : Math.floor(s.nsec / 1000) * 1000), s.len, Math.min(s.len, 128), names[i % 3]]);
    expect(tsharkFields(f).map((t) => [t.time, t.len, t.caplen, t.iface])).toEqual(want);
    const { recs, reader } = await readAll(f);
    expect(recs.map((r) => [r.time, r.origLen, r.caplen, r.iface])).toEqual(want);
    expect(reader.interfaces.map((i) => [i.name, i.description, i.snaplen, i.tsUnitsPerSec])).toEqual([
      ['eth0', 'member A', 262144, nano ? 1e9 : 1e6],
      ['eth1', undefined, 262144, nano ? 1e9 : 1e6],
      ['bond0', undefined, 128, nano ? 1e9 : 1e6],
    ]);
    expect(reader.sections[0]!.application).toBe('teamscope');
    const desc = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.interface_description', '-c', '1'], { encoding: 'utf8' });
    expect(desc.trim()).toBe('member A');
  });

  it('leaves if_description out when asked to', async () => {
    const f = tmp.file('nodesc.pcapng');
    const w = new PcapngWriter(f, { descriptions: false });
    w.writePacket(w.addInterface({ name: 'eth0', linkType: 1, description: 'member A' }), 1, 0, ethFrame(60, 1));
    await w.close();
    expect((await readAll(f)).reader.interfaces[0]!.description).toBeUndefined();
  });

  it('declares each input interface once when copying frames of several files', async () => {
    const a = await readAll(shared('LACP.pcap'));
    const f = tmp.file('merged.pcapng');
    const w = new PcapngWriter(f);
    for (const fr of a.frames) w.write(fr);
    await w.close();
    const back = await readAll(f);
    expect(back.reader.interfaces.map((i) => i.name)).toEqual(['LACP.pcap']);
    expect(back.recs).toEqual(a.recs);
    const c = execFileSync('capinfos', ['-c', f], { encoding: 'utf8' });
    expect(c).toMatch(/Number of packets:\s+20/);
  });

  it('writes to a Writable, flushing on demand', async () => {
    const s = new PassThrough();
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const w = new PcapngWriter(s, { nanosecond: true });
    const i = w.addInterface({ name: 'eth0', linkType: 1 });
    w.writePacket(i, 5, 6, ethFrame(60, 1));
    expect(chunks.length).toBe(0); // buffered
    await w.flush();
    expect(Buffer.concat(chunks).length).toBe(w.bytesWritten);
    w.writePacket(i, 7, 8, ethFrame(70, 2));
    await w.close();
    const f = tmp.file('stream.pcapng');
    writeFileSync(f, Buffer.concat(chunks));
    expect((await readAll(f)).recs.map((r) => [r.time, r.caplen])).toEqual([
      ['5.000000006', 60],
      ['7.000000008', 70],
    ]);
  });

  it('reports a target that cannot be written as a CaptureError', async () => {
    expect(() => new PcapWriter(tmp.file('no/such/dir/x.pcap'))).toThrow(expect.objectContaining({ name: 'CaptureError', code: 'ENOENT' }));
    const s = new PassThrough();
    const w = new PcapngWriter(s);
    s.destroy(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
    await new Promise((ok) => setImmediate(ok));
    w.writePacket(w.addInterface({ name: 'eth0', linkType: 1 }), 1, 2, ethFrame(60, 1));
    await expect(w.flush()).rejects.toMatchObject({ name: 'CaptureError', message: 'stream: cannot write (EPIPE)' });
  });

  it('refuses a packet on an interface it did not declare', () => {
    const w = new PcapngWriter(new PassThrough());
    expect(() => w.writePacket(0, 1, 2, ethFrame(20, 1))).toThrow(/interface 0 not declared/);
  });
});

describe('round trip', () => {
  const frameArb = fc.record({
    sec: fc.integer({ min: 0, max: 0xffffffff }),
    nsec: fc.integer({ min: 0, max: 999999999 }),
    data: fc.uint8Array({ minLength: 0, maxLength: 300 }),
    extra: fc.integer({ min: 0, max: 100 }),
    iface: fc.integer({ min: 0, max: 2 }),
  });

  it('reads back any frames written, exactly, in every format', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { maxLength: 40 }), fc.constantFrom('pcap-us', 'pcap-ns', 'pcapng-us', 'pcapng-ns'), fc.integer({ min: 64, max: 4096 }), async (frames, format, chunkSize) => {
        const f = tmp.file(`rt-${run++}.${format.startsWith('pcapng') ? 'pcapng' : 'pcap'}`);
        const nano = format.endsWith('ns');
        if (format.startsWith('pcapng')) {
          const w = new PcapngWriter(f, { nanosecond: nano });
          for (const n of ['a', 'b', 'c']) w.addInterface({ name: n, linkType: 1 });
          for (const x of frames) w.writePacket(x.iface, x.sec, x.nsec, x.data, x.data.length + x.extra);
          await w.close();
        } else {
          const w = new PcapWriter(f, { nanosecond: nano });
          for (const x of frames) w.writePacket(x.sec, x.nsec, x.data, x.data.length + x.extra);
          await w.close();
        }
        const { recs, reader } = await readAll(f, { chunkSize });
        expect(reader.problems).toEqual([]);
        expect(recs.map((r) => [r.time, r.caplen, r.origLen, r.bytes, format.startsWith('pcapng') ? r.iface : ''])).toEqual(
          frames.map((x) => [
            timeText(x.sec, nano ? x.nsec : Math.floor(x.nsec / 1000) * 1000),
            x.data.length,
            x.data.length + x.extra,
            Buffer.from(x.data).toString('hex'),
            format.startsWith('pcapng') ? ['a', 'b', 'c'][x.iface] : '',
          ]),
        );
      }),
      { numRuns: 60 },
    );
  });
});
