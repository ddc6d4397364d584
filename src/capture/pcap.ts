// Classic pcap records (draft-ietf-opsawg-pcap §4 file header, §5 packet record), µs or ns, either byte order.
import { rd32be, rd32le } from './bytes.js';
import { type ReadProblem, readProblem } from './errors.js';
import { type Frame, type InterfaceInfo, type Lease, LinkType, newFrame } from './frame.js';
import { type RecordParser, SANE_CAPLEN } from './parser.js';

/** File header magic numbers as read big-endian from the first 4 bytes (§4). */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

/** Length of the file header and of a record header. */
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_LEN = 16;

/** The fields of a classic pcap file header (§4). */
export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** LinkType with the FCS bits (§4 "LinkType and additional information") masked off. */
  linkType: number;
}

/** Recognise a classic pcap magic in the first 4 bytes; null if it is not one. */
export function pcapMagic(b: Uint8Array): { littleEndian: boolean; nanosecond: boolean } | null {
  const be = rd32be(b, 0);
  const le = rd32le(b, 0);
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) return { littleEndian: false, nanosecond: be === PCAP_MAGIC_NS };
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return { littleEndian: true, nanosecond: le === PCAP_MAGIC_NS };
  return null;
}

/** Decode the 24-byte file header (caller checked the magic and the length). */
export function parsePcapHeader(b: Uint8Array): PcapHeader {
  const m = pcapMagic(b)!;
  const le = m.littleEndian;
  const rd = le ? rd32le : rd32be;
  const v = rd(b, 4);
  return {
    littleEndian: le,
    nanosecond: m.nanosecond,
    versionMajor: le ? v & 0xffff : v >>> 16,
    versionMinor: le ? v >>> 16 : v & 0xffff,
    snaplen: rd(b, 16),
    linkType: rd(b, 20) & 0x03ffffff,
  };
}

/** Record loop for one classic pcap file: one interface, 16-byte record headers. */
export class PcapParser implements RecordParser {
  skip = 0;
  problem: ReadProblem | null = null;
  /** Frames numbered so far (the next frame is `count + 1`). */
  count = 0;
  outOfOrder = 0;
  /** Latest time delivered so far (for outOfOrder). */
  private lastSec = -Infinity;
  private lastNsec = 0;
  private readonly limit: number;
  private readonly le: boolean;
  private readonly subMul: number;
  private readonly sll2: boolean;

  constructor(
    private readonly file: string,
    private readonly iface: InterfaceInfo,
    h: PcapHeader,
  ) {
    this.limit = Math.max(h.snaplen, SANE_CAPLEN);
    this.le = h.littleEndian;
    this.subMul = h.nanosecond ? 1 : 1000;
    this.sll2 = h.linkType === LinkType.LINUX_SLL2;
  }

  parse(b: Uint8Array, p: number, end: number, base: number, out: Frame[], lease: Lease | null, max: number): number {
    // One bounds-checked 32-bit load per field: the optimized loop spent about 150 instructions a
    // record on byte-by-byte reads, each with its own bounds and overflow checks.
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const iface = this.iface;
    const le = this.le === true; // a known boolean: no generic truthiness test in the loop
    const subMul = this.subMul;
    const limit = this.limit;
    const sll2 = this.sll2;
    // Locals, not module bindings: those are reloaded and checked for initialization on every use.
    const make = newFrame;
    const recLen = PCAP_RECORD_LEN;
    let n = this.count;
    const stop = n + max;
    let lastSec = this.lastSec;
    let lastNsec = this.lastNsec;
    let late = 0;
    while (end - p >= recLen && n < stop) {
      let sec = dv.getUint32(p, le);
      const sub = dv.getUint32(p + 4, le);
      const caplen = dv.getUint32(p + 8, le);
      const origLen = dv.getUint32(p + 12, le);
      if (caplen > limit) {
        this.problem = readProblem(
          this.file,
          base + p,
          'malformed',
          `record ${n + 1} claims caplen ${caplen}, expected at most ${limit} (snaplen ${iface.snaplen}, limit ${SANE_CAPLEN})`,
        );
        break;
      }
      const data = p + recLen;
      if (end - data < caplen) break;
      let nsec = sub * subMul;
      if (nsec >= 1000000000) {
        // Out-of-range fraction (some writers): carry whole seconds as Wireshark would show them.
        sec += Math.floor(nsec / 1000000000);
        nsec %= 1000000000;
      }
      if (sec > lastSec || (sec === lastSec && nsec >= lastNsec)) {
        lastSec = sec;
        lastNsec = nsec;
      } else late++;
      out.push(make(b, data, caplen, origLen, sec, nsec, iface, ++n, base + p, sll2 && caplen >= 8 ? dv.getUint32(data + 4, false) : -1, lease));
      p = data + caplen;
    }
    this.count = n;
    this.lastSec = lastSec;
    this.lastNsec = lastNsec;
    this.outOfOrder += late;
    return p;
  }

  truncated(b: Uint8Array, p: number, end: number, base: number): ReadProblem {
    const have = end - p;
    if (have < PCAP_RECORD_LEN)
      return readProblem(this.file, base + p, 'truncated', `input ends inside record ${this.count + 1}: its header needs ${PCAP_RECORD_LEN} bytes, ${have} present`);
    const caplen = this.le ? rd32le(b, p + 8) : rd32be(b, p + 8);
    return readProblem(
      this.file,
      base + p,
      'truncated',
      `input ends inside record ${this.count + 1}: caplen ${caplen} needs ${PCAP_RECORD_LEN + caplen} bytes, ${have} present`,
    );
  }

  skipTruncated(): ReadProblem {
    return readProblem(this.file, 0, 'truncated', 'unexpected skip'); // classic pcap never skips
  }
}
