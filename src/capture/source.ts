// Byte sources under the capture readers: a file read by position, or a stream (stdin, pipes,
// gzip through zlib). Async per call, each call moving megabytes, never per record.
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureError, osError } from './errors.js';

/** A sequential source of bytes (the decompressed stream when `compressed`). */
export interface ByteSource {
  /** True when the input is gzip and the bytes are its decompressed content. */
  readonly compressed: boolean;
  /** Size on disk when the input is a regular file, else -1. */
  readonly size: number;
  /** Fill `buf[off .. off+len)` as far as the input goes; fewer than `len` only at the end. Rejects on I/O or gzip errors. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  /** Discard `n` bytes; returns how many were discarded (fewer only at the end). */
  skip(n: number): Promise<number>;
  close(): Promise<void>;
}

/** A regular, uncompressed file read with positional reads (no stream machinery). */
class FileSource implements ByteSource {
  readonly compressed = false;
  private pos = 0;
  constructor(
    private readonly fh: FileHandle,
    public size: number,
  ) {}

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    let n = 0;
    while (n < len) {
      const { bytesRead } = await this.fh.read(buf, off + n, len - n, this.pos);
      if (bytesRead === 0) break;
      n += bytesRead;
      this.pos += bytesRead;
    }
    return n;
  }

  async skip(n: number): Promise<number> {
    if (this.pos + n > this.size) this.size = (await this.fh.stat()).size; // the file may have grown
    const k = Math.max(0, Math.min(n, this.size - this.pos));
    this.pos += k;
    return k;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** Any Readable of Buffers (stdin, a FIFO, zlib's gunzip). */
class StreamSource implements ByteSource {
  private cur: Buffer | null;
  private curPos = 0;
  private ended = false;
  private failed: unknown = null;
  constructor(
    private readonly it: AsyncIterator<Buffer>,
    readonly compressed: boolean,
    first: Buffer | null,
    private readonly onClose: () => void,
    readonly size = -1,
  ) {
    this.cur = first;
  }

  /** Next piece of the stream; an error is raised once the bytes before it have been handed out. */
  private async more(n: number): Promise<boolean> {
    if (this.failed !== null) {
      if (n > 0) return false;
      const e = this.failed;
      this.failed = null;
      this.ended = true;
      throw e;
    }
    if (this.ended) return false;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.it.next();
    } catch (e) {
      if (n === 0) {
        this.ended = true;
        throw e;
      }
      this.failed = e;
      return false;
    }
    if (r.done) {
      this.ended = true;
      this.cur = null;
      return false;
    }
    this.cur = r.value;
    this.curPos = 0;
    return true;
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    let n = 0;
    while (n < len) {
      const c = this.cur;
      if (c === null || this.curPos >= c.length) {
        if (!(await this.more(n))) break;
        continue;
      }
      const k = Math.min(len - n, c.length - this.curPos);
      buf.set(c.subarray(this.curPos, this.curPos + k), off + n);
      this.curPos += k;
      n += k;
    }
    return n;
  }

  async skip(n: number): Promise<number> {
    let k = 0;
    while (k < n) {
      const c = this.cur;
      if (c === null || this.curPos >= c.length) {
        if (!(await this.more(k))) break;
        continue;
      }
      const step = Math.min(n - k, c.length - this.curPos);
      this.curPos += step;
      k += step;
    }
    return k;
  }

  async close(): Promise<void> {
    this.ended = true;
    this.cur = null;
    this.onClose();
    await this.it.return?.().catch(() => undefined);
  }
}

/** Output chunk size asked of zlib (decompressed pieces are copied into the reader's chunks). */
const GUNZIP_CHUNK = 256 * 1024;

function isGzip(b: Uint8Array, n: number): boolean {
  return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A gunzip stream over `first` then the rest of `rest`, errors of either surfacing in its iterator. */
function gunzipOf(first: Buffer | null, src: Readable): Readable {
  const gz = createGunzip({ chunkSize: GUNZIP_CHUNK });
  src.on('error', (e) => gz.destroy(e));
  if (first !== null && first.length > 0) gz.write(first);
  src.pipe(gz);
  return gz;
}

/** Read the first bytes of a stream (at least 2, unless it ends), keeping them for the reader. */
async function peekStream(it: AsyncIterator<Buffer>): Promise<Buffer | null> {
  let first: Buffer | null = null;
  while (first === null || first.length < 2) {
    const r = await it.next();
    if (r.done) break;
    first = first === null ? r.value : Buffer.concat([first, r.value]);
  }
  return first;
}

/** Wrap a Readable (stdin, FIFO), detecting gzip by its first two bytes (1f 8b). */
async function streamSource(file: string, s: Readable, keepOpen: boolean): Promise<ByteSource> {
  const it = s.iterator({ destroyOnReturn: !keepOpen }) as AsyncIterator<Buffer>;
  let first: Buffer | null;
  try {
    first = await peekStream(it);
  } catch (e) {
    throw osError(file, e);
  }
  if (first !== null && isGzip(first, first.length)) {
    // Hand the rest of the stream to gunzip, starting with the bytes already taken.
    const rest = new PassThrough();
    const gz = gunzipOf(first, rest);
    void (async () => {
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          if (!rest.write(r.value)) await new Promise((ok) => rest.once('drain', ok));
        }
        rest.end();
      } catch (e) {
        rest.destroy(e as Error);
      }
    })();
    return new StreamSource(gz[Symbol.asyncIterator]() as AsyncIterator<Buffer>, true, null, () => {
      gz.destroy();
      void it.return?.();
    });
  }
  return new StreamSource(it, false, first, () => undefined);
}

/** Open `file` ('-' is stdin) as bytes: a positional file, or a stream; gzip recognised by content. */
export async function openSource(file: string): Promise<ByteSource> {
  if (file === '-') return streamSource('stdin', process.stdin, true);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw osError(file, e);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureError('EISDIR', file, `${file}: is a directory, expected a capture file`);
    if (!st.isFile()) return await streamSource(file, fh.createReadStream({ highWaterMark: 1 << 20 }), false);
    const head = new Uint8Array(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    if (isGzip(head, bytesRead)) {
      const gz = gunzipOf(null, fh.createReadStream({ start: 0, highWaterMark: 1 << 20 }));
      return new StreamSource(gz[Symbol.asyncIterator]() as AsyncIterator<Buffer>, true, null, () => gz.destroy(), st.size);
    }
    return new FileSource(fh, st.size);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e instanceof CaptureError ? e : osError(file, e);
  }
}
