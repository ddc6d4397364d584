// One capture input as a stream of frame batches: chunks of 512 KiB read asynchronously, records
// parsed synchronously inside each chunk. Memory stays constant whatever the file size.
import { basename } from 'node:path';
import { CaptureError, type ReadProblem, readProblem } from './errors.js';
import { type Frame, type InterfaceInfo, type Lease, newBatch } from './frame.js';
import { InterfaceTable } from './interfaces.js';
import type { RecordParser } from './parser.js';
import { PCAP_HEADER_LEN, PcapParser, parsePcapHeader, pcapMagic } from './pcap.js';
import { type InterfaceStats, PcapngParser, type PcapngSection, pcapngByteOrder } from './pcapng.js';
import { type ByteSource, openSource } from './source.js';

/**
 * Bytes read per chunk. Each chunk is a fresh buffer (frames handed out keep pointing at valid bytes),
 * or with OpenOptions.recycle one from a small pool of chunks no frame can still see.
 *
 * The next chunk is read while this one is used, by another thread. A consumer that does real work
 * per frame (analyze, dissect) parses a chunk long after it was read: with 2 MiB chunks the records
 * had left the caches by then and the record loop stalled on each record header (72% of its time,
 * perf annotate); with 512 KiB they are still near. About 11% less CPU for analyze on the 4M corpus;
 * the bare read pass pays a little more per chunk (more reads and wakeups).
 */
export const CHUNK_SIZE = 512 << 10;

/**
 * Frames per batch at most (a chunk gives several batches). Small batches keep little alive when the
 * young generation is collected: the batch being filled and the one the consumer still holds are
 * copied by every scavenge. With a whole chunk's frames per batch (about 4000 on a 500-byte average)
 * that copying was a fifth of the read pass: 426 instructions a frame, 345 with 1024 (cachegrind).
 */
export const BATCH_FRAMES = 1024;

/**
 * Free chunk buffers kept per recycling reader. Steady state needs the chunk being parsed, the one
 * being read ahead, and those the reorder window still pins (4096 frames of 500 bytes span four
 * 512 KiB chunks): a dozen leaves room for larger frames.
 */
const POOL_SIZE = 12;

/**
 * Test-only switches (production code never sets them): `poison` ≥ 0 fills every buffer that returns
 * to a pool with that byte, so a frame still pointing into it reads garbage; `off` turns recycling off
 * whatever the options say; `chunkSize` > 0 is the chunk size of readers opened without one. `pooled`
 * counts the chunks read into a pooled buffer, all readers together.
 */
export const readerTestHooks = { poison: -1, off: false, chunkSize: 0, pooled: 0 };

/**
 * Room kept free before each chunk's data for the partial record left at the end of the previous
 * chunk: it is copied there, so the next chunk can be read (in the background) before the tail is known.
 * A longer tail is joined to the data in a new buffer instead.
 * The extra 2 KiB put the data half a page away from the file offset it is read from: the kernel's
 * copy into a reused buffer (malloc'd big buffers start 16 bytes into a page) ran 3-4x slower when
 * destination and source were 8-24 bytes apart modulo 4 KiB (AMD EPYC, rep movsb: 0.06 s vs 0.25 s
 * of system time per 500 MB).
 */
const HEAD_ROOM = (64 << 10) + 2048;

/** A chunk read ahead: data at `buf[head .. head + got)`. */
interface Chunk {
  buf: Buffer;
  got: number;
}

/** A pooled chunk handed out (frames point into it) and its pin counter. */
class ChunkLease implements Lease {
  pins = 0;
  constructor(readonly buf: Buffer) {}
}

/** Options of `openCapture`. */
export interface OpenOptions {
  /** Chunk size in bytes (tests use small ones to exercise record boundaries). */
  chunkSize?: number;
  /**
   * Reuse chunk buffers from a small pool instead of allocating one per chunk: fresh buffers cost the
   * kernel a page fault and a zeroed page per 4 KiB, the largest part of reading. Off by default.
   * The contract for the consumer: a frame's bytes stay valid until it asks the same reader for its
   * next batch, unless the frame is pinned (`frame.lease.pins` > 0, as Reorder does while it holds a
   * frame); anything kept longer must be copied (frameBytes). A chunk returns to the pool once the
   * reader has moved past it, the consumer has asked for a batch since, and its pin count is 0.
   */
  recycle?: boolean;
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
  /** Frames delivered with a time earlier than some frame before them in this input (arrival order). */
  get outOfOrder(): number {
    return this.parser === null ? 0 : this.parser.outOfOrder;
  }
  /** Chunks read into a reused buffer (recycle mode). */
  pooledFetches = 0;

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
  /** Pin counter of the chunk `b` (recycle mode, pooled chunks), else null. */
  private lease: ChunkLease | null = null;
  /** Free standard-size chunk buffers (recycle mode). */
  private readonly pool: Buffer[] = [];
  /** Chunks moved past whose frames may still be pinned: pooled once their pins drop to 0. */
  private readonly retired: ChunkLease[] = [];

  private constructor(
    /** The path as given ('-' for stdin). */
    readonly file: string,
    /** Index of this input among those opened together. */
    readonly input: number,
    private readonly src: ByteSource,
    private readonly chunkSize: number,
    /** Reuse chunk buffers (OpenOptions.recycle). */
    readonly recycle: boolean,
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
    const chunkSize = Math.max(64, opts.chunkSize ?? (readerTestHooks.chunkSize > 0 ? readerTestHooks.chunkSize : CHUNK_SIZE));
    const r = new CaptureReader(file, input, src, chunkSize, opts.recycle === true && !readerTestHooks.off);
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
    this.lease = this.leaseOf(c.buf);
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

  /** Start reading a chunk into a pooled or a fresh buffer, after `head` bytes of room. */
  private fetch(): Promise<Chunk> {
    let buf = this.pool.pop();
    if (buf === undefined) buf = Buffer.allocUnsafe(this.head + this.chunkSize);
    else {
      this.pooledFetches++;
      readerTestHooks.pooled++;
    }
    const b = buf;
    const p = this.src.read(b, this.head, this.chunkSize).then((got) => ({ buf: b, got }));
    p.catch(() => undefined); // observed when awaited
    return p;
  }

  /** The pin counter for a chunk about to be parsed: null when it will never be reused. */
  private leaseOf(buf: Buffer): ChunkLease | null {
    return this.recycle ? new ChunkLease(buf) : null;
  }

  /** Give a buffer no frame points into back to the pool (standard-size chunks only, a few at most). */
  private toPool(buf: Buffer): void {
    if (!this.recycle || buf.length !== this.head + this.chunkSize || this.pool.length >= POOL_SIZE) return;
    if (readerTestHooks.poison >= 0) buf.fill(readerTestHooks.poison);
    this.pool.push(buf);
  }

  /**
   * Pool the retired chunks no frame pins any more. Called only from advance, that is inside
   * nextBatch: the consumer has finished with every batch handed out before, and frames pinned then
   * have been unpinned only as they were handed on (Reorder's output) within that same batch.
   */
  private recycleRetired(): void {
    const r = this.retired;
    let keep = 0;
    for (let i = 0; i < r.length; i++) {
      const l = r[i]!;
      if (l.pins === 0) this.toPool(l.buf);
      else r[keep++] = l;
    }
    r.length = keep;
  }

  /** The next frames in file order (BATCH_FRAMES at most, from one chunk), or null at the end. Never an empty array. */
  async nextBatch(): Promise<Frame[] | null> {
    if (this.pending !== null) {
      const f = this.pending;
      this.pending = null;
      return f;
    }
    const parser = this.parser;
    if (parser === null) return null;
    while (!this.done) {
      const out = newBatch();
      this.pos = parser.parse(this.b, this.pos, this.end, this.base, out, this.lease, BATCH_FRAMES);
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
   * Move to the next chunk: take the chunk read ahead, drop what a skipped block still covers, put the
   * partial record left over in front of the new data, retire the chunk left, and start reading the
   * one after (into a pooled buffer when one is free: the chunk left is still being copied from until then).
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
          this.toPool(c.buf); // all of it skipped: no frame points into it
          c = await this.fetch();
        }
      }
      const tail = this.end - this.pos;
      if (c.got === 0) {
        this.stop(tail > 0 ? parser.truncated(this.b, this.pos, this.end, this.base) : null);
        return;
      }
      const left = this.lease;
      if (tail === 0) {
        this.b = c.buf;
        this.lease = this.leaseOf(c.buf);
        this.pos = head + skipped;
        this.end = head + c.got;
        this.base = dataAt - head;
      } else if (tail <= head) {
        c.buf.set(this.b.subarray(this.pos, this.end), head - tail);
        this.base = dataAt - head;
        this.b = c.buf;
        this.lease = this.leaseOf(c.buf);
        this.pos = head - tail;
        this.end = head + c.got;
      } else {
        // A long partial record (bigger than the room): join it and the new data in one buffer,
        // which is never reused (not of the pooled size); the chunk read is free again at once.
        const nb = Buffer.allocUnsafe(tail + c.got);
        nb.set(this.b.subarray(this.pos, this.end), 0);
        nb.set(c.buf.subarray(head, head + c.got), tail);
        this.toPool(c.buf);
        this.base = dataAt - tail;
        this.b = nb;
        this.lease = null;
        this.pos = 0;
        this.end = tail + c.got;
      }
      if (left !== null) this.retired.push(left);
      this.recycleRetired();
      this.next = this.fetch();
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
