// One capture input as a stream of frame batches: chunks of a few MiB read asynchronously, records
// parsed synchronously inside each chunk. Memory stays constant whatever the file size.
import { basename } from 'node:path';
import { CaptureError, type ReadProblem, readProblem } from './errors.js';
import type { Frame, InterfaceInfo } from './frame.js';
import { InterfaceTable } from './interfaces.js';
import type { RecordParser } from './parser.js';
import { PCAP_HEADER_LEN, PcapParser, parsePcapHeader, pcapMagic } from './pcap.js';
import { type InterfaceStats, PcapngParser, type PcapngSection, pcapngByteOrder } from './pcapng.js';
import { type ByteSource, openSource } from './source.js';

/** Bytes read per chunk. Each chunk is a fresh buffer: frames handed out keep pointing at valid bytes. */
export const CHUNK_SIZE = 2 << 20;

/**
 * Room kept free before each chunk's data for the partial record left at the end of the previous
 * chunk: it is copied there, so the next chunk can be read (in the background) before the tail is known.
 * A longer tail is joined to the data in a new buffer instead.
 */
const HEAD_ROOM = 64 << 10;

/** A chunk read ahead: data at `buf[head .. head + got)`. */
interface Chunk {
  buf: Buffer;
  got: number;
}

/** Options of `openCapture`. */
export interface OpenOptions {
  /** Chunk size in bytes (tests use small ones to exercise record boundaries). */
  chunkSize?: number;
}

/** A capture file being read: its format, interfaces as discovered, and batches of frames. */
export class CaptureReader {
  format: 'pcap' | 'pcapng' = 'pcap';
  /** Byte order of the file (pcapng: of its first section). */
  byteOrder: 'little' | 'big' = 'little';
  /** Classic pcap: nanosecond magic. Undefined for pcapng (each interface has its own resolution). */
  nanosecond?: boolean;
  /** Every interface of this input in file order (pcapng: grows as IDBs are read). */
  readonly interfaces: InterfaceInfo[] = [];
  /** What ended reading early (at most one: reading stops at the first). */
  readonly problems: ReadProblem[] = [];
  /** pcapng sections seen so far (empty for classic pcap). */
  sections: PcapngSection[] = [];
  /** pcapng Interface Statistics Blocks: the latest counters per interface (empty for classic pcap). */
  stats: InterfaceStats[] = [];
  /** Frames delivered so far. */
  frames = 0;

  private b: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private end = 0;
  private base = 0;
  private done = false;
  /** The next chunk, being read while the current one is parsed and its frames are used. */
  private next: Promise<Chunk> | null = null;
  private readonly head: number;
  private parser: RecordParser | null = null;
  private pending: Frame[] | null = null;

  private constructor(
    /** The path as given ('-' for stdin). */
    readonly file: string,
    /** Index of this input among those opened together. */
    readonly input: number,
    private readonly src: ByteSource,
    private readonly chunkSize: number,
  ) {
    this.head = Math.min(HEAD_ROOM, chunkSize);
  }

  /** Gzip input (the offsets in problems count decompressed bytes). */
  get compressed(): boolean {
    return this.src.compressed;
  }

  /** Size on disk of a regular file, else -1. */
  get size(): number {
    return this.src.size;
  }

  /** Bytes of the (decompressed) input consumed so far. */
  get bytesRead(): number {
    return this.base + this.pos;
  }

  /** Open and recognise the file, reading its headers (see `openCapture`). */
  static async open(file: string, input: number, table: InterfaceTable, opts: OpenOptions = {}): Promise<CaptureReader> {
    const src = await openSource(file);
    const r = new CaptureReader(file, input, src, Math.max(64, opts.chunkSize ?? CHUNK_SIZE));
    try {
      await r.start(table);
    } catch (e) {
      await r.release();
      throw e;
    }
    return r;
  }

  private async start(table: InterfaceTable): Promise<void> {
    const file = this.file;
    const name = file === '-' ? 'stdin' : basename(file);
    let c: Chunk;
    try {
      c = await this.fetch();
    } catch (e) {
      const what = this.compressed ? `gzip data cannot be decompressed (${(e as Error).message})` : (e as Error).message;
      throw new CaptureError(this.compressed ? 'BAD_GZIP' : 'EIO', file, `${file}: byte 0: ${what}`);
    }
    this.b = c.buf;
    this.pos = this.head;
    this.end = this.head + c.got;
    this.base = -this.head;
    if (c.got > 0) this.next = this.fetch();
    const n = c.got;
    const b = c.buf.subarray(this.head, this.head + Math.min(n, 32)); // the file header
    if (n < 4) {
      throw new CaptureError('SHORT_FILE', file, `${file}: ${n === 0 ? 'empty' : `only ${n} byte(s)`}, expected a pcap or pcapng header`);
    }
    const m = pcapMagic(b);
    if (m !== null) {
      this.format = 'pcap';
      this.byteOrder = m.littleEndian ? 'little' : 'big';
      this.nanosecond = m.nanosecond;
      if (n < PCAP_HEADER_LEN) {
        this.stop(readProblem(file, 0, 'truncated', `input ends inside the pcap file header: ${PCAP_HEADER_LEN} bytes needed, ${n} present`));
        return;
      }
      const h = parsePcapHeader(b);
      const iface = table.add({
        input: this.input,
        index: 0,
        name,
        linkType: h.linkType,
        snaplen: h.snaplen,
        tsUnitsPerSec: h.nanosecond ? 1e9 : 1e6,
        tsOffset: 0,
      });
      this.interfaces.push(iface);
      this.parser = new PcapParser(file, iface, h);
      this.pos += PCAP_HEADER_LEN;
    } else if (b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a) {
      this.format = 'pcapng';
      if (n < 12) {
        this.stop(readProblem(file, 0, 'truncated', `input ends inside the Section Header Block: 12 bytes needed, ${n} present`));
        return;
      }
      const bo = pcapngByteOrder(b);
      if (bo === null) {
        throw new CaptureError('BAD_MAGIC', file, `${file}: byte 8: pcapng byte-order magic not found, expected 1a2b3c4d in either byte order`, 8);
      }
      this.byteOrder = bo;
      const p = new PcapngParser(file, this.input, table, this.interfaces, name);
      this.sections = p.sections;
      this.stats = p.stats;
      this.parser = p;
    } else {
      const hex = Buffer.from(b.subarray(0, 4)).toString('hex');
      throw new CaptureError('BAD_MAGIC', file, `${file}: byte 0: magic ${hex} is not a capture, expected a1b2c3d4, a1b23c4d (pcap) or 0a0d0d0a (pcapng), either byte order`);
    }
    // Parse the first chunk now, so the interfaces declared at the start are known on return.
    const first = await this.nextBatch();
    if (first !== null) this.pending = first;
  }

  private stop(p: ReadProblem | null): void {
    if (p !== null) this.problems.push(p);
    this.done = true;
    void this.release();
  }

  /** Close the source once no read is in flight. */
  private async release(): Promise<void> {
    const n = this.next;
    this.next = null;
    if (n !== null) await n.catch(() => undefined);
    await this.src.close();
  }

  /** Start reading a chunk into a fresh buffer, after `head` bytes of room. */
  private fetch(): Promise<Chunk> {
    const buf = Buffer.allocUnsafe(this.head + this.chunkSize);
    const p = this.src.read(buf, this.head, this.chunkSize).then((got) => ({ buf, got }));
    p.catch(() => undefined); // observed when awaited
    return p;
  }

  /** The next frames in file order (one chunk's worth), or null at the end. Never an empty array. */
  async nextBatch(): Promise<Frame[] | null> {
    if (this.pending !== null) {
      const f = this.pending;
      this.pending = null;
      return f;
    }
    const parser = this.parser;
    if (parser === null) return null;
    while (!this.done) {
      const out: Frame[] = [];
      this.pos = parser.parse(this.b, this.pos, this.end, this.base, out);
      if (parser.problem !== null) this.stop(parser.problem);
      if (out.length > 0) {
        this.frames += out.length;
        return out;
      }
      if (this.done) break;
      await this.advance(parser);
    }
    return null;
  }

  /**
   * Move to the next chunk: take the chunk read ahead (and start reading the one after), drop what a
   * skipped block still covers, and put the partial record left over in front of the new data.
   */
  private async advance(parser: RecordParser): Promise<void> {
    const head = this.head;
    let c: Chunk;
    try {
      c = this.next !== null ? await this.next : { buf: Buffer.alloc(0), got: 0 };
      this.next = null;
      let dataAt = this.base + this.end; // stream offset of c's first byte
      let skipped = 0;
      if (parser.skip > 0) {
        const want = parser.skip;
        parser.skip = 0;
        if (want <= c.got) skipped = want;
        else {
          const more = await this.src.skip(want - c.got);
          if (more < want - c.got) {
            this.pos = this.end;
            this.stop(parser.skipTruncated(want - c.got - more));
            return;
          }
          dataAt += c.got + more;
          c = await this.fetch();
        }
      }
      if (c.got > 0) this.next = this.fetch();
      const tail = this.end - this.pos;
      if (c.got === 0) {
        this.stop(tail > 0 ? parser.truncated(this.b, this.pos, this.end, this.base) : null);
        return;
      }
      if (tail === 0) {
        this.b = c.buf;
        this.pos = head + skipped;
        this.end = head + c.got;
        this.base = dataAt - head;
      } else if (tail <= head) {
        c.buf.set(this.b.subarray(this.pos, this.end), head - tail);
        this.base = dataAt - head;
        this.b = c.buf;
        this.pos = head - tail;
        this.end = head + c.got;
      } else {
        // A long partial record (bigger than the room): join it and the new data in one buffer.
        const nb = Buffer.allocUnsafe(tail + c.got);
        nb.set(this.b.subarray(this.pos, this.end), 0);
        nb.set(c.buf.subarray(head, head + c.got), tail);
        this.base = dataAt - tail;
        this.b = nb;
        this.pos = 0;
        this.end = tail + c.got;
      }
    } catch (e) {
      const total = this.base + this.end;
      const what = this.compressed
        ? `gzip data is corrupt or cut after ${total} decompressed bytes (${(e as Error).message})`
        : `read failed after ${total} bytes (${(e as Error).message})`;
      this.stop(readProblem(this.file, this.base + this.pos, 'io', what));
    }
  }

  /** Stop reading and release the file. */
  async close(): Promise<void> {
    this.done = true;
    this.pending = null;
    await this.release();
  }
}

/**
 * Open one capture (`-` for stdin; gzip recognised by content) as input number `input`, giving its
 * interfaces global ids from `ifaces`. Throws CaptureError when the file cannot be opened or is not
 * a capture; problems later in the file end reading and are listed in `reader.problems`.
 */
export function openCapture(path: string, input: number, ifaces: InterfaceTable, opts?: OpenOptions): Promise<CaptureReader> {
  return CaptureReader.open(path, input, ifaces, opts);
}

export { InterfaceTable };
