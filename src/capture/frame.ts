// The unit every source (pcap, pcapng, live, generator) yields: one captured frame as a view.

/** Link-layer header types (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Names of the link types teamscope decodes; unknown numbers survive as numbers. */
export const linkTypeNames: Record<number, string> = {
  0: 'NULL',
  1: 'EN10MB',
  101: 'RAW',
  113: 'LINUX_SLL',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

/** A capture interface: one pcapng IDB, one classic pcap file, or one live interface. */
export interface InterfaceInfo {
  /** Unique across everything opened in this run (index into Session.interfaces). */
  readonly id: number;
  /** Index of the input (file) this interface belongs to. */
  readonly input: number;
  /** Interface index within its input (pcapng IDB number, counted across sections). */
  readonly index: number;
  /** if_name, or the file's base name for classic pcap, or the live device name. */
  name: string;
  description?: string;
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamp units per second (1e6 for µs pcap, 1e9 for ns; pcapng if_tsresol). */
  readonly tsUnitsPerSec: number;
  /** pcapng if_tsoffset, seconds. */
  readonly tsOffset: number;
}

/**
 * The pin counter of a reader's chunk buffer (see OpenOptions.recycle): while `pins` > 0 the reader
 * does not reuse the chunk, so frames held across batches (the reorder window) keep valid bytes.
 */
export interface Lease {
  pins: number;
}

/**
 * One frame. `buf[off .. off + caplen)` are the captured bytes; the view is valid for as long as
 * the frame is referenced, except for frames of a recycling reader (OpenOptions.recycle): those are
 * valid until the consumer asks that reader for its next batch, unless pinned through `lease`.
 * Timestamps are split into whole seconds and nanoseconds so ns captures lose nothing.
 */
export interface Frame {
  buf: Uint8Array;
  off: number;
  caplen: number;
  origLen: number;
  /** Whole seconds since the epoch. */
  sec: number;
  /** Nanoseconds within the second, 0..999 999 999. */
  nsec: number;
  iface: InterfaceInfo;
  /** 1-based frame number within its input. */
  index: number;
  /** Byte offset of the record in its (decompressed) input, for error messages. */
  fileOffset: number;
  /** Interface index carried per packet (LINKTYPE_LINUX_SLL2), else -1. */
  ifindex: number;
  /**
   * The pin counter of the chunk holding the bytes when it will be reused (a recycling reader),
   * else null. Optional so hand-built frames need not say it; newFrame always sets it.
   */
  lease?: Lease | null;
}

/** Frame time as epoch seconds (float, µs-exact for present-day times). */
export function frameTime(f: Frame): number {
  return f.sec + f.nsec / 1e9;
}

/** Compare two frames' timestamps: negative if a is earlier. */
export function compareTime(a: Frame, b: Frame): number {
  return a.sec - b.sec || a.nsec - b.nsec;
}

/** The frame's captured bytes as a copy (for keeping beyond the frame's life). */
export function frameBytes(f: Frame): Uint8Array {
  return f.buf.slice(f.off, f.off + f.caplen);
}

/**
 * Make a Frame. Every source creates frames through this one object literal, so all frames share
 * one hidden class and code reading them stays monomorphic (two literals, even with the same keys,
 * can end up with different maps when their field representations differ).
 */
export function newFrame(
  buf: Uint8Array,
  off: number,
  caplen: number,
  origLen: number,
  sec: number,
  nsec: number,
  iface: InterfaceInfo,
  index: number,
  fileOffset: number,
  ifindex: number,
  lease: Lease | null = null,
): Frame {
  return { buf, off, caplen, origLen, sec, nsec, iface, index, fileOffset, ifindex, lease };
}

/**
 * A new, empty batch of frames for a record loop to push into. It starts with V8's elements kind for
 * objects: an empty `[]` starts as an array of small integers, and the transition on the first push
 * made V8 call its generic push builtin from the optimized pcap loop instead of inlining it
 * (perf: Builtins_ArrayPrototypePush, about 5% of the read pass).
 */
export function newBatch(): Frame[] {
  const a: (Frame | null)[] = [null];
  a.length = 0;
  return a as Frame[];
}
