// What the chunked reader asks of a format (classic pcap, pcapng): parse whole records out of a chunk.
import type { ReadProblem } from './errors.js';
import type { Frame, Lease } from './frame.js';

/** Largest caplen accepted without question (Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD). */
export const SANE_CAPLEN = 262144;

/** Largest non-packet pcapng block kept whole in memory (buffers grow only with bytes actually read). */
export const MAX_BLOCK = 16 << 20;

/** A format's record loop. Synchronous: the reader supplies chunks and handles the ends. */
export interface RecordParser {
  /**
   * Turn the whole records in `b[p .. end)`, `max` frames at most, into frames appended to `out` and
   * return the offset of the first byte not consumed. `b[0]` is at offset `base` of the (decompressed)
   * input; `lease` is `b`'s pin counter, given to every frame (null when `b` is never reused).
   * Stops early when a record contradicts itself: `problem` is then set.
   */
  parse(b: Uint8Array, p: number, end: number, base: number, out: Frame[], lease: Lease | null, max: number): number;
  /** Bytes after the chunk's end that belong to a skipped block and must be discarded. */
  skip: number;
  /** Frames delivered with a time earlier than some frame before them in this input (arrival order). */
  outOfOrder: number;
  /** Why reading must stop (set by parse or by skip/truncated below). */
  problem: ReadProblem | null;
  /** The problem for input ending inside the record at `b[p .. end)` (stream offset `base + p`). */
  truncated(b: Uint8Array, p: number, end: number, base: number): ReadProblem;
  /** The problem for input ending `missing` bytes before the end of the block being skipped. */
  skipTruncated(missing: number): ReadProblem;
}
