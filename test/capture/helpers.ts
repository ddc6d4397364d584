// Test helpers for the capture layer: read everything, ask tshark / pcap-parser, build pcapng by hand.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame } from '../../src/capture/frame.js';
import { InterfaceTable } from '../../src/capture/interfaces.js';
import { type CaptureReader, type OpenOptions, openCapture } from '../../src/capture/reader.js';

/** A capture from the shared folder (tshark/tcpdump test captures). */
export function shared(name: string): string {
  return resolve(process.cwd(), '../shared/captures', name);
}

/** A fresh temporary directory and its remover. */
export function tempDir(): { dir: string; file: (n: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'teamscope-capture-'));
  return { dir, file: (n) => join(dir, n), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a test compares: time as text, lengths, interface, bytes. */
export interface Rec {
  time: string;
  caplen: number;
  origLen: number;
  iface: string;
  bytes: string;
}

/** `sec.nnnnnnnnn` as tshark prints frame.time_epoch. */
export function timeText(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

export function recOf(f: Frame): Rec {
  return {
    time: timeText(f.sec, f.nsec),
    caplen: f.caplen,
    origLen: f.origLen,
    iface: f.iface.name,
    bytes: Buffer.from(f.buf.buffer, f.buf.byteOffset + f.off, f.caplen).toString('hex'),
  };
}

/** Read a whole capture (frames converted to plain records so chunk reuse cannot hide bugs). */
export async function readAll(path: string, opts?: OpenOptions): Promise<{ recs: Rec[]; frames: Frame[]; reader: CaptureReader }> {
  const reader = await openCapture(path, 0, new InterfaceTable(), opts);
  const frames: Frame[] = [];
  for (let b = await reader.nextBatch(); b !== null; b = await reader.nextBatch()) for (const f of b) frames.push(f);
  return { recs: frames.map(recOf), frames, reader };
}

/** tshark's view: frame.time_epoch, frame.len, frame.cap_len, frame.interface_name per frame. */
export function tsharkFields(path: string): { time: string; len: number; caplen: number; iface: string }[] {
  const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_name'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 28,
  });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [time = '', len = '', caplen = '', iface = ''] = l.split('\t');
      return { time, len: Number(len), caplen: Number(caplen), iface };
    });
}

/** The npm package pcap-parser (classic pcap only): every packet as a record. */
export function pcapParserRecs(path: string): Promise<Rec[]> {
  const require = createRequire(import.meta.url);
  const pcapp = require('pcap-parser') as { parse(p: string): NodeJS.EventEmitter };
  return new Promise((ok, fail) => {
    const recs: Rec[] = [];
    const p = pcapp.parse(path);
    p.on('packet', (pk: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => {
      const h = pk.header;
      recs.push({ time: timeText(h.timestampSeconds, h.timestampMicroseconds * 1000), caplen: h.capturedLength, origLen: h.originalLength, iface: '', bytes: pk.data.toString('hex') });
    });
    p.on('end', () => ok(recs));
    p.on('error', fail);
  });
}

// ---------------------------------------------------------------------------------------------
// Hand-built pcapng (either byte order) for what our writer never produces.

function u16(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function u32(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function pad(b: Uint8Array): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

/** One option TLV. */
export function opt(code: number, value: Uint8Array | string, le: boolean): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  return Buffer.concat([u16(code, le), u16(v.length, le), pad(v)]);
}

/** A 64-bit value as an option value (for if_tsoffset). */
export function opt64(v: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(v);
  else b.writeBigInt64BE(v);
  return b;
}

/** A whole block: type, total length, body (padded), total length. */
export function block(type: number, body: Uint8Array, le: boolean): Buffer {
  const p = pad(body);
  const len = 12 + p.length;
  return Buffer.concat([u32(type, le), u32(len, le), p, u32(len, le)]);
}

export function shb(le: boolean, options: Buffer[] = []): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), Buffer.alloc(8, 0xff), ...options, ...(options.length ? [u32(0, le)] : [])]);
  return block(0x0a0d0d0a, body, le);
}

export function idb(le: boolean, linkType: number, snaplen: number, options: Buffer[] = []): Buffer {
  const body = Buffer.concat([u16(linkType, le), u16(0, le), u32(snaplen, le), ...options, ...(options.length ? [u32(0, le)] : [])]);
  return block(1, body, le);
}

/** Enhanced Packet Block with a 64-bit tick count. */
export function epb(le: boolean, ifid: number, ticks: bigint, data: Uint8Array, origLen = data.length): Buffer {
  const hi = Number(ticks >> 32n);
  const lo = Number(ticks & 0xffffffffn);
  return block(6, Buffer.concat([u32(ifid, le), u32(hi, le), u32(lo, le), u32(data.length, le), u32(origLen, le), pad(data)]), le);
}

export function spb(le: boolean, data: Uint8Array, origLen = data.length): Buffer {
  return block(3, Buffer.concat([u32(origLen, le), pad(data)]), le);
}

/** Obsolete Packet Block. */
export function pb(le: boolean, ifid: number, ticks: bigint, data: Uint8Array, origLen = data.length): Buffer {
  const hi = Number(ticks >> 32n);
  const lo = Number(ticks & 0xffffffffn);
  return block(2, Buffer.concat([u16(ifid, le), u16(0, le), u32(hi, le), u32(lo, le), u32(data.length, le), u32(origLen, le), pad(data)]), le);
}

/** Classic pcap file built by hand (either byte order, µs or ns). */
export function pcapFile(le: boolean, nano: boolean, linkType: number, recs: { sec: number; sub: number; data: Uint8Array; origLen?: number }[], snaplen = 65535): Buffer {
  const parts: Buffer[] = [u32(nano ? 0xa1b23c4d : 0xa1b2c3d4, le), u16(2, le), u16(4, le), u32(0, le), u32(0, le), u32(snaplen, le), u32(linkType, le)];
  for (const r of recs) parts.push(u32(r.sec, le), u32(r.sub, le), u32(r.data.length, le), u32(r.origLen ?? r.data.length, le), Buffer.from(r.data));
  return Buffer.concat(parts);
}

/** A recognisable Ethernet frame of `n` bytes (n ≥ 14). */
export function ethFrame(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  if (n >= 14) {
    b[12] = 0x08;
    b[13] = 0x00;
  }
  return b;
}

/** Run tshark on a file it should read cleanly; returns its stderr too. */
export function tsharkOk(path: string): boolean {
  try {
    execFileSync('tshark', ['-r', path, '-c', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
