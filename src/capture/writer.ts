// Capture writers: classic pcap (µs or ns) and pcapng (SHB, one IDB per interface, EPBs), little
// endian, buffered, to a file path or a Writable. flush() pushes what is buffered (live capture
// calls it every second); flushSync() does so at once (for a process about to exit); close()
// flushes and ends.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { CaptureError, type CaptureErrorCode } from './errors.js';
import type { Frame, InterfaceInfo } from './frame.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from './pcap.js';
import { BYTE_ORDER_MAGIC, BlockType } from './pcapng.js';
import { joinTicks, ticks } from './timestamp.js';

/** Where a writer puts its bytes: a file path (created or truncated) or a Writable. */
export type WriteTarget = string | Writable;

/** Buffer size; a packet larger than what is left is preceded by a flush. */
const BUFFER_SIZE = 1 << 20;

/** Buffered little-endian output shared by both writers. */
class Output {
  private buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private pos = 0;
  private readonly fd: number;
  private readonly stream: Writable | null;
  private closed = false;
  /** The first error of a Writable target, raised by the next flush or close. */
  private failed: Error | null = null;
  /** Bytes written so far (buffered included). */
  written = 0;

  constructor(target: WriteTarget) {
    if (typeof target === 'string') {
      try {
        this.fd = openSync(target, 'w');
      } catch (e) {
        throw writeError(target, e);
      }
      this.stream = null;
    } else {
      this.fd = -1;
      this.stream = target;
      target.on('error', (e: Error) => {
        this.failed ??= e;
      });
    }
    this.target = typeof target === 'string' ? target : 'stream';
  }

  private readonly target: string;

  /** Make room for `n` contiguous bytes; returns the buffer and sets `pos` where to write. */
  room(n: number): Buffer {
    if (this.closed) throw new Error('capture writer is closed');
    if (this.pos + n > this.buf.length) {
      this.hand();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    return this.buf;
  }

  at(): number {
    return this.pos;
  }

  advance(n: number): void {
    this.pos += n;
    this.written += n;
  }

  /** Give the buffered bytes to the file (synchronously) or to the stream (a fresh buffer follows). */
  private hand(): void {
    if (this.pos === 0) return;
    if (this.stream === null) {
      try {
        let o = 0;
        while (o < this.pos) o += writeSync(this.fd, this.buf, o, this.pos - o);
      } catch (e) {
        this.pos = 0;
        throw writeError(this.target, e);
      }
    } else if (this.failed === null) {
      this.stream.write(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(BUFFER_SIZE);
    }
    this.pos = 0;
  }

  /**
   * Write the buffered bytes now, synchronously to a file (a stream target is handed them without
   * waiting for it to drain); for a process about to exit. Nothing to do once closed.
   */
  flushSync(): void {
    if (this.closed) return;
    this.hand();
    if (this.failed !== null) throw writeError(this.target, this.failed);
  }

  async flush(): Promise<void> {
    this.hand();
    if (this.failed !== null) throw writeError(this.target, this.failed);
    const s = this.stream;
    if (s !== null && s.writableNeedDrain) {
      await new Promise<void>((ok, fail) => {
        const done = (e?: Error): void => {
          s.off('drain', done);
          s.off('error', done);
          if (e) fail(e);
          else ok();
        };
        s.on('drain', done);
        s.on('error', done);
      });
    }
  }

  async close(endStream: boolean): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.stream === null) closeSync(this.fd);
    }
    if (this.stream !== null && endStream) {
      const s = this.stream;
      await new Promise<void>((ok) => s.end(ok));
      if (this.failed !== null) throw writeError(this.target, this.failed);
    }
  }
}

/** A CaptureError for a file or stream that cannot be written, one line. */
function writeError(target: string, err: unknown): CaptureError {
  const e = err as NodeJS.ErrnoException;
  const known: readonly string[] = ['ENOENT', 'EISDIR', 'EACCES', 'EPERM'];
  const code = (e?.code !== undefined && known.includes(e.code) ? e.code : 'EIO') as CaptureErrorCode;
  return new CaptureError(code, target, `${target}: cannot write (${e?.code ?? e?.message ?? String(err)})`);
}

function put16(b: Buffer, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}

function put32(b: Buffer, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Options of the classic pcap writer. */
export interface PcapWriterOptions {
  /** Nanosecond magic a1b23c4d (default µs, a1b2c3d4). */
  nanosecond?: boolean;
  /** File header link type (default 1, Ethernet). */
  linkType?: number;
  /** File header snaplen (default 262144). */
  snaplen?: number;
  /** Close() ends a Writable target too (default true). */
  endStream?: boolean;
}

/** Classic pcap writer (draft-ietf-opsawg-pcap §4-5), little endian, µs or ns. */
export class PcapWriter {
  private readonly out: Output;
  private readonly nano: boolean;
  private readonly endStream: boolean;
  readonly linkType: number;
  readonly snaplen: number;
  /** Packets written so far. */
  packets = 0;

  constructor(target: WriteTarget, opts: PcapWriterOptions = {}) {
    this.out = new Output(target);
    this.nano = opts.nanosecond ?? false;
    this.endStream = opts.endStream ?? true;
    this.linkType = opts.linkType ?? 1;
    this.snaplen = opts.snaplen ?? 262144;
    const b = this.out.room(24);
    const o = this.out.at();
    put32(b, o, this.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
    put16(b, o + 4, 2);
    put16(b, o + 6, 4);
    put32(b, o + 8, 0);
    put32(b, o + 12, 0);
    put32(b, o + 16, this.snaplen);
    put32(b, o + 20, this.linkType);
    this.out.advance(24);
  }

  /** Append one record: `data[off .. off+len)` captured at (sec, nsec); origLen defaults to len. µs files truncate nsec. */
  writePacket(sec: number, nsec: number, data: Uint8Array, origLen = data.length, off = 0, len = data.length - off): void {
    const b = this.out.room(16 + len);
    const o = this.out.at();
    put32(b, o, sec);
    put32(b, o + 4, this.nano ? nsec : Math.floor(nsec / 1000));
    put32(b, o + 8, len);
    put32(b, o + 12, Math.max(origLen, len));
    b.set(len === data.length && off === 0 ? data : data.subarray(off, off + len), o + 16);
    this.out.advance(16 + len);
    this.packets++;
  }

  /** Append a frame read from any source (its link type should match the file's). */
  write(f: Frame): void {
    this.writePacket(f.sec, f.nsec, f.buf, f.origLen, f.off, f.caplen);
  }

  /** Bytes produced so far. */
  get bytesWritten(): number {
    return this.out.written;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  /** Write what is buffered at once (synchronously for a file): for a process about to exit. */
  flushSync(): void {
    this.out.flushSync();
  }

  close(): Promise<void> {
    return this.out.close(this.endStream);
  }
}

/** An interface to declare in a pcapng file. */
export interface PcapngInterface {
  name: string;
  linkType: number;
  snaplen?: number;
  description?: string;
}

/** Options of the pcapng writer. */
export interface PcapngWriterOptions {
  /** Timestamps in ns (if_tsresol = 9); default µs (the pcapng default resolution). */
  nanosecond?: boolean;
  /** Write if_description for interfaces that have one (default true). */
  descriptions?: boolean;
  /** shb_userappl (default 'teamscope'). */
  application?: string;
  /** Close() ends a Writable target too (default true). */
  endStream?: boolean;
}

const utf8 = new TextEncoder();

/** pcapng writer (draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB), little endian. */
export class PcapngWriter {
  private readonly out: Output;
  private readonly nano: boolean;
  private readonly descriptions: boolean;
  private readonly endStream: boolean;
  /** Interfaces declared so far (IDB numbers are indices). */
  readonly interfaces: PcapngInterface[] = [];
  /** Global InterfaceInfo id → IDB number, for `write(frame)`. */
  private readonly byId = new Map<number, number>();
  packets = 0;

  constructor(target: WriteTarget, opts: PcapngWriterOptions = {}) {
    this.out = new Output(target);
    this.nano = opts.nanosecond ?? false;
    this.descriptions = opts.descriptions ?? true;
    this.endStream = opts.endStream ?? true;
    const app = utf8.encode(opts.application ?? 'teamscope');
    const optLen = 4 + pad4(app.length) + 4;
    const blen = 28 + optLen;
    const b = this.out.room(blen);
    const o = this.out.at();
    put32(b, o, BlockType.SHB);
    put32(b, o + 4, blen);
    put32(b, o + 8, BYTE_ORDER_MAGIC);
    put16(b, o + 12, 1);
    put16(b, o + 14, 0);
    put32(b, o + 16, 0xffffffff); // section length: unspecified (-1)
    put32(b, o + 20, 0xffffffff);
    let q = writeOption(b, o + 24, 4, app);
    q = writeOption(b, q, 0, new Uint8Array(0));
    put32(b, q, blen);
    this.out.advance(blen);
  }

  /** Declare an interface (an IDB); returns its number for `writePacket`. */
  addInterface(i: PcapngInterface): number {
    const name = utf8.encode(i.name);
    const desc = this.descriptions && i.description !== undefined ? utf8.encode(i.description) : null;
    let optLen = 4 + pad4(name.length) + 4; // if_name + opt_endofopt
    if (desc !== null) optLen += 4 + pad4(desc.length);
    if (this.nano) optLen += 8;
    const blen = 20 + optLen;
    const b = this.out.room(blen);
    const o = this.out.at();
    put32(b, o, BlockType.IDB);
    put32(b, o + 4, blen);
    put16(b, o + 8, i.linkType);
    put16(b, o + 10, 0);
    put32(b, o + 12, i.snaplen ?? 262144);
    let q = writeOption(b, o + 16, 2, name);
    if (desc !== null) q = writeOption(b, q, 3, desc);
    if (this.nano) q = writeOption(b, q, 9, Uint8Array.of(9));
    q = writeOption(b, q, 0, new Uint8Array(0));
    put32(b, q, blen);
    this.out.advance(blen);
    this.interfaces.push({ ...i });
    return this.interfaces.length - 1;
  }

  /** Append an Enhanced Packet Block on interface `iface` (a number from addInterface). */
  writePacket(iface: number, sec: number, nsec: number, data: Uint8Array, origLen = data.length, off = 0, len = data.length - off): void {
    if (iface < 0 || iface >= this.interfaces.length) throw new Error(`pcapng writer: interface ${iface} not declared`);
    const blen = 32 + pad4(len);
    const b = this.out.room(blen);
    const o = this.out.at();
    joinTicks(sec, nsec, this.nano ? 1e9 : 1e6);
    put32(b, o, BlockType.EPB);
    put32(b, o + 4, blen);
    put32(b, o + 8, iface);
    put32(b, o + 12, ticks.hi);
    put32(b, o + 16, ticks.lo);
    put32(b, o + 20, len);
    put32(b, o + 24, Math.max(origLen, len));
    b.set(len === data.length && off === 0 ? data : data.subarray(off, off + len), o + 28);
    b.fill(0, o + 28 + len, o + blen - 4);
    put32(b, o + blen - 4, blen);
    this.out.advance(blen);
    this.packets++;
  }

  /** Append a frame, declaring its interface (name, link type, snaplen, description) on first sight. */
  write(f: Frame): void {
    let idx = this.byId.get(f.iface.id);
    if (idx === undefined) {
      idx = this.addInterface(interfaceOf(f.iface));
      this.byId.set(f.iface.id, idx);
    }
    this.writePacket(idx, f.sec, f.nsec, f.buf, f.origLen, f.off, f.caplen);
  }

  get bytesWritten(): number {
    return this.out.written;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  /** Write what is buffered at once (synchronously for a file): for a process about to exit. */
  flushSync(): void {
    this.out.flushSync();
  }

  close(): Promise<void> {
    return this.out.close(this.endStream);
  }
}

function interfaceOf(i: InterfaceInfo): PcapngInterface {
  const r: PcapngInterface = { name: i.name, linkType: i.linkType, snaplen: i.snaplen };
  if (i.description !== undefined) r.description = i.description;
  return r;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Write one option (code, length, value, zero padding) at `o`; returns the offset after it. */
function writeOption(b: Buffer, o: number, code: number, v: Uint8Array): number {
  put16(b, o, code);
  put16(b, o + 2, v.length);
  b.set(v, o + 4);
  const e = o + 4 + pad4(v.length);
  b.fill(0, o + 4 + v.length, e);
  return e;
}
