// pcapng blocks (draft-ietf-opsawg-pcapng): sections in either byte order, interfaces with
// if_name/if_description/if_tsresol/if_tsoffset, Enhanced/Simple/obsolete Packet blocks; others skipped.
import { rd16, rd32, rd32be, rd32le } from './bytes.js';
import { type ReadProblem, readProblem } from './errors.js';
import { type Frame, type InterfaceInfo, type Lease, LinkType, newFrame } from './frame.js';
import type { InterfaceTable } from './interfaces.js';
import { MAX_BLOCK, type RecordParser, SANE_CAPLEN } from './parser.js';
import { MICRO, type TsScale, split, splitTicks, tsScaleOf } from './timestamp.js';

/** Block types (§4.1, §10.1). */
export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 1,
  PB: 2,
  SPB: 3,
  NRB: 4,
  ISB: 5,
  EPB: 6,
} as const;

/** The byte-order magic of a Section Header Block (§4.1). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes used here (§4.2). */
const OPT_END = 0;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;

/** One section of a pcapng file: its byte order and what its SHB says about the capturing host. */
export interface PcapngSection {
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  /** Stream offset of the SHB. */
  offset: number;
  hardware?: string;
  os?: string;
  application?: string;
}

/**
 * The latest Interface Statistics Block (§4.6) of an interface: counters as the capturing host
 * reported them (absent when the block does not carry them).
 */
export interface InterfaceStats {
  readonly iface: InterfaceInfo;
  /** Time of the statistics (block timestamp). */
  sec: number;
  nsec: number;
  /** isb_ifrecv: packets received by the interface. */
  ifRecv?: number;
  /** isb_ifdrop: packets dropped by the interface (no buffer). */
  ifDrop?: number;
  /** isb_filteraccept: packets accepted by the capture filter. */
  filterAccept?: number;
  /** isb_osdrop: packets dropped by the operating system. */
  osDrop?: number;
  /** isb_usrdeliv: packets delivered to the capturing application. */
  usrDeliv?: number;
}

/** Per interface of the current section: what the packet loop needs. */
interface IfState {
  readonly info: InterfaceInfo;
  readonly scale: TsScale;
  readonly tsOffset: number;
  readonly limit: number;
  readonly snaplen: number;
  readonly sll2: boolean;
}

const utf8 = new TextDecoder('utf-8');

/** Is `b` (≥ 12 bytes) the start of a Section Header Block with a valid byte-order magic? */
export function pcapngByteOrder(b: Uint8Array): 'little' | 'big' | null {
  if (rd32be(b, 0) !== BlockType.SHB) return null;
  if (rd32le(b, 8) === BYTE_ORDER_MAGIC) return 'little';
  if (rd32be(b, 8) === BYTE_ORDER_MAGIC) return 'big';
  return null;
}

/** The block loop for one pcapng input. Interfaces are registered in `table` as their IDBs arrive. */
export class PcapngParser implements RecordParser {
  skip = 0;
  problem: ReadProblem | null = null;
  count = 0;
  outOfOrder = 0;
  /** Latest time delivered so far (for outOfOrder). */
  private lastSec = -Infinity;
  private lastNsec = 0;
  /** Sections seen so far. */
  readonly sections: PcapngSection[] = [];
  /** Latest statistics per interface that had an Interface Statistics Block, in order of first report. */
  readonly stats: InterfaceStats[] = [];
  private le = true;
  /** Interfaces of the current section, by IDB number within the section. */
  private ifs: IfState[] = [];
  private skipFrom = 0;
  private skipLen = 0;
  private skipType = 0;

  constructor(
    private readonly file: string,
    private readonly input: number,
    private readonly table: InterfaceTable,
    /** The reader's list: every interface of this input, in file order. */
    private readonly interfaces: InterfaceInfo[],
    private readonly baseName: string,
  ) {}

  parse(b: Uint8Array, p: number, end: number, base: number, out: Frame[], lease: Lease | null, max: number): number {
    // One bounds-checked 32-bit load per field (byte-by-byte reads cost far more in the optimized loop).
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const make = newFrame;
    let le = this.le === true; // a known boolean: no generic truthiness test in the loop
    let ifs = this.ifs;
    let n = this.count;
    const stop = n + max;
    let lastSec = this.lastSec;
    let lastNsec = this.lastNsec;
    let late = 0;
    while (end - p >= 12 && n < stop) {
      const type = dv.getUint32(p, le);
      if (type === BlockType.EPB) {
        const blen = dv.getUint32(p + 4, le);
        if (blen < 32 || (blen & 3) !== 0) {
          this.bad(base + p, `Enhanced Packet Block length ${blen}, expected a multiple of 4 and at least 32`);
          break;
        }
        if (blen > end - p) {
          if (blen > MAX_BLOCK) this.bad(base + p, `Enhanced Packet Block length ${blen} exceeds the limit ${MAX_BLOCK}`);
          break;
        }
        const ifid = dv.getUint32(p + 8, le);
        const hi = dv.getUint32(p + 12, le);
        const lo = dv.getUint32(p + 16, le);
        const caplen = dv.getUint32(p + 20, le);
        const origLen = dv.getUint32(p + 24, le);
        const trail = dv.getUint32(p + blen - 4, le);
        const ifs_ = ifs[ifid];
        if (ifs_ === undefined) {
          this.bad(base + p, `Enhanced Packet Block for interface ${ifid}, but the section declares ${ifs.length} interface(s)`);
          break;
        }
        if (caplen > blen - 32 || caplen > ifs_.limit) {
          this.bad(
            base + p,
            `Enhanced Packet Block caplen ${caplen}, expected at most ${Math.min(blen - 32, ifs_.limit)} (block length ${blen}, limit ${ifs_.limit})`,
          );
          break;
        }
        if (trail !== blen) {
          this.bad(base + p, `block total length ${blen} at the start, ${trail} at the end; expected equal`);
          break;
        }
        // Exact 64-bit split (see splitTicks), inlined for the common resolutions.
        const sc = ifs_.scale;
        let sec: number;
        let nsec: number;
        if (sc.fast) {
          const r = sc.unitsPerSec;
          sec = Math.floor((hi * 4294967296 + lo) / r);
          let rem = (lo - (Math.imul(sec, r) >>> 0)) >>> 0;
          if (rem >= 2 * r) rem -= 4294967296;
          if (rem < 0) {
            sec--;
            rem += r;
          } else if (rem >= r) {
            sec++;
            rem -= r;
          }
          nsec = (sc.div === 1 ? rem * sc.mul : Math.floor((rem * sc.mul) / sc.div)) | 0; // < 1e9: a small integer
        } else {
          splitTicks(hi, lo, sc);
          sec = split.sec;
          nsec = split.nsec;
        }
        sec += ifs_.tsOffset;
        if (sec > lastSec || (sec === lastSec && nsec >= lastNsec)) {
          lastSec = sec;
          lastNsec = nsec;
        } else late++;
        const data = p + 28;
        out.push(make(b, data, caplen, origLen, sec, nsec, ifs_.info, ++n, base + p, ifs_.sll2 && caplen >= 8 ? dv.getUint32(data + 4, false) : -1, lease));
        p += blen;
        continue;
      }
      // Other blocks (rare) keep the running state in the fields: Packet and Simple Packet Blocks deliver frames too.
      this.count = n;
      this.lastSec = lastSec;
      this.lastNsec = lastNsec;
      const q = this.block(b, p, end, base, type, out, lease);
      n = this.count;
      lastSec = this.lastSec;
      lastNsec = this.lastNsec;
      if (q < 0 || this.problem !== null) break;
      p = q;
      le = this.le === true;
      ifs = this.ifs;
      if (this.skip > 0) break;
    }
    this.count = n;
    this.lastSec = lastSec;
    this.lastNsec = lastNsec;
    this.outOfOrder += late;
    return p;
  }

  private bad(offset: number, what: string): void {
    this.problem = readProblem(this.file, offset, 'malformed', what);
  }

  /** Any block but an EPB: returns the offset after it, or -1 when more bytes are needed. */
  private block(b: Uint8Array, p: number, end: number, base: number, type: number, out: Frame[], lease: Lease | null): number {
    let le = this.le;
    if (type === BlockType.SHB) {
      const bo = rd32le(b, p + 8);
      if (bo === BYTE_ORDER_MAGIC) le = true;
      else if (rd32be(b, p + 8) === BYTE_ORDER_MAGIC) le = false;
      else {
        this.bad(base + p + 8, `Section Header Block byte-order magic 0x${rd32be(b, p + 8).toString(16).padStart(8, '0')}, expected 1a2b3c4d in either byte order`);
        return -1;
      }
    }
    const blen = rd32(b, p + 4, le);
    if (blen < 12 || (blen & 3) !== 0) {
      this.bad(base + p, `block of type 0x${type.toString(16)} has length ${blen}, expected a multiple of 4 and at least 12`);
      return -1;
    }
    const whole = type === BlockType.SHB || type === BlockType.IDB || type === BlockType.PB || type === BlockType.SPB || type === BlockType.ISB;
    if (!whole) {
      // Name resolution, interface statistics, custom, decryption secrets, unknown: skipped by length.
      if (blen <= end - p) return p + blen;
      this.skip = p + blen - end;
      this.skipFrom = base + p;
      this.skipLen = blen;
      this.skipType = type;
      return end;
    }
    if (blen > end - p) {
      if (blen > MAX_BLOCK) this.bad(base + p, `block of type 0x${type.toString(16)} has length ${blen}, more than the limit ${MAX_BLOCK}`);
      return -1;
    }
    const trail = rd32(b, p + blen - 4, le);
    if (trail !== blen) {
      this.bad(base + p, `block total length ${blen} at the start, ${trail} at the end; expected equal`);
      return -1;
    }
    switch (type) {
      case BlockType.SHB:
        return this.shb(b, p, blen, base, le);
      case BlockType.IDB:
        return this.idb(b, p, blen, base);
      case BlockType.PB:
        return this.pb(b, p, blen, base, out, lease);
      case BlockType.ISB:
        return this.isb(b, p, blen);
      default:
        return this.spb(b, p, blen, base, out, lease);
    }
  }

  private shb(b: Uint8Array, p: number, blen: number, base: number, le: boolean): number {
    if (blen < 28) {
      this.bad(base + p, `Section Header Block length ${blen}, expected at least 28`);
      return -1;
    }
    const major = rd16(b, p + 12, le);
    const minor = rd16(b, p + 14, le);
    if (major !== 1) {
      this.bad(base + p + 12, `pcapng version ${major}.${minor}, expected major version 1`);
      return -1;
    }
    this.le = le;
    this.ifs = [];
    const s: PcapngSection = { littleEndian: le, versionMajor: major, versionMinor: minor, offset: base + p };
    forOptions(b, p + 24, p + blen - 4, le, (code, o, len) => {
      if (code === SHB_HARDWARE) s.hardware = text(b, o, len);
      else if (code === SHB_OS) s.os = text(b, o, len);
      else if (code === SHB_USERAPPL) s.application = text(b, o, len);
    });
    this.sections.push(s);
    return p + blen;
  }

  private idb(b: Uint8Array, p: number, blen: number, base: number): number {
    const le = this.le;
    if (blen < 20) {
      this.bad(base + p, `Interface Description Block length ${blen}, expected at least 20`);
      return -1;
    }
    if (this.sections.length === 0) {
      this.bad(base + p, 'Interface Description Block before any Section Header Block');
      return -1;
    }
    const linkType = rd16(b, p + 8, le);
    const snaplen = rd32(b, p + 12, le);
    let name: string | undefined;
    let description: string | undefined;
    let scale = MICRO;
    let tsOffset = 0;
    forOptions(b, p + 16, p + blen - 4, le, (code, o, len) => {
      if (code === IF_NAME) name = text(b, o, len);
      else if (code === IF_DESCRIPTION) description = text(b, o, len);
      else if (code === IF_TSRESOL && len >= 1) scale = tsScaleOf(b[o]!);
      else if (code === IF_TSOFFSET && len >= 8) {
        const hi = rd32(b, le ? o + 4 : o, le) | 0; // signed 64-bit seconds
        const lo = rd32(b, le ? o : o + 4, le);
        tsOffset = hi * 4294967296 + lo;
      }
    });
    const index = this.interfaces.length;
    const info = this.table.add({
      input: this.input,
      index,
      name: name ?? `${this.baseName}#${index}`,
      description,
      linkType,
      snaplen,
      tsUnitsPerSec: scale.unitsPerSec,
      tsOffset,
    });
    this.interfaces.push(info);
    this.ifs.push({
      info,
      scale,
      tsOffset,
      limit: Math.max(snaplen, SANE_CAPLEN),
      snaplen,
      sll2: linkType === LinkType.LINUX_SLL2,
    });
    return p + blen;
  }

  /** Interface Statistics Block (§4.6): keep the counters; a malformed one is ignored (it carries no frames). */
  private isb(b: Uint8Array, p: number, blen: number): number {
    const le = this.le;
    if (blen < 24) return p + blen;
    const st = this.ifs[rd32(b, p + 8, le)];
    if (st === undefined) return p + blen;
    splitTicks(rd32(b, p + 12, le), rd32(b, p + 16, le), st.scale);
    const s: InterfaceStats = { iface: st.info, sec: split.sec + st.tsOffset, nsec: split.nsec };
    forOptions(b, p + 20, p + blen - 4, le, (code, o, len) => {
      if (len !== 8 || code < 4 || code > 8) return;
      const hi = rd32(b, le ? o + 4 : o, le);
      const lo = rd32(b, le ? o : o + 4, le);
      const v = hi * 4294967296 + lo;
      if (code === 4) s.ifRecv = v;
      else if (code === 5) s.ifDrop = v;
      else if (code === 6) s.filterAccept = v;
      else if (code === 7) s.osDrop = v;
      else s.usrDeliv = v;
    });
    const i = this.stats.findIndex((x) => x.iface === st.info);
    if (i >= 0) this.stats[i] = s;
    else this.stats.push(s);
    return p + blen;
  }

  /** Obsolete Packet Block (§4.5 of the 2012 draft): 16-bit interface id, drops count, then as EPB. */
  private pb(b: Uint8Array, p: number, blen: number, base: number, out: Frame[], lease: Lease | null): number {
    const le = this.le;
    if (blen < 32) {
      this.bad(base + p, `Packet Block length ${blen}, expected at least 32`);
      return -1;
    }
    const ifid = rd16(b, p + 8, le);
    const st = this.ifs[ifid];
    if (st === undefined) {
      this.bad(base + p, `Packet Block for interface ${ifid}, but the section declares ${this.ifs.length} interface(s)`);
      return -1;
    }
    const caplen = rd32(b, p + 20, le);
    if (caplen > blen - 32 || caplen > st.limit) {
      this.bad(base + p, `Packet Block caplen ${caplen}, expected at most ${Math.min(blen - 32, st.limit)} (block length ${blen})`);
      return -1;
    }
    splitTicks(rd32(b, p + 12, le), rd32(b, p + 16, le), st.scale);
    this.emit(out, b, p + 28, caplen, rd32(b, p + 24, le), split.sec + st.tsOffset, split.nsec, st, base + p, lease);
    return p + blen;
  }

  /** Simple Packet Block (§4.4): interface 0, no timestamp, caplen = min(original length, snaplen, block room). */
  private spb(b: Uint8Array, p: number, blen: number, base: number, out: Frame[], lease: Lease | null): number {
    if (blen < 16) {
      this.bad(base + p, `Simple Packet Block length ${blen}, expected at least 16`);
      return -1;
    }
    const st = this.ifs[0];
    if (st === undefined) {
      this.bad(base + p, 'Simple Packet Block, but the section declares no interface');
      return -1;
    }
    const origLen = rd32(b, p + 8, this.le);
    let caplen = Math.min(origLen, blen - 16);
    if (st.snaplen !== 0) caplen = Math.min(caplen, st.snaplen);
    this.emit(out, b, p + 12, caplen, origLen, 0, 0, st, base + p, lease);
    return p + blen;
  }

  private emit(out: Frame[], b: Uint8Array, data: number, caplen: number, origLen: number, sec: number, nsec: number, st: IfState, fileOffset: number, lease: Lease | null): void {
    if (sec > this.lastSec || (sec === this.lastSec && nsec >= this.lastNsec)) {
      this.lastSec = sec;
      this.lastNsec = nsec;
    } else this.outOfOrder++;
    out.push(newFrame(b, data, caplen, origLen, sec, nsec, st.info, ++this.count, fileOffset, st.sll2 && caplen >= 8 ? rd32be(b, data + 4) : -1, lease));
  }

  truncated(b: Uint8Array, p: number, end: number, base: number): ReadProblem {
    const have = end - p;
    if (have < 12) return readProblem(this.file, base + p, 'truncated', `input ends inside a block header: 12 bytes needed, ${have} present`);
    let le = this.le;
    const type = rd32(b, p, le);
    if (type === BlockType.SHB) le = rd32le(b, p + 8) === BYTE_ORDER_MAGIC;
    const blen = rd32(b, p + 4, le);
    return readProblem(this.file, base + p, 'truncated', `input ends inside a ${blockName(type)} of length ${blen}: ${have} bytes present`);
  }

  skipTruncated(missing: number): ReadProblem {
    return readProblem(
      this.file,
      this.skipFrom,
      'truncated',
      `input ends inside a ${blockName(this.skipType)} of length ${this.skipLen}: ${this.skipLen - missing} bytes present`,
    );
  }
}

/** Human name of a block type for messages. */
export function blockName(type: number): string {
  switch (type) {
    case BlockType.SHB:
      return 'Section Header Block';
    case BlockType.IDB:
      return 'Interface Description Block';
    case BlockType.PB:
      return 'Packet Block';
    case BlockType.SPB:
      return 'Simple Packet Block';
    case BlockType.NRB:
      return 'Name Resolution Block';
    case BlockType.ISB:
      return 'Interface Statistics Block';
    case BlockType.EPB:
      return 'Enhanced Packet Block';
    default:
      return `block of type 0x${type.toString(16)}`;
  }
}

/** Walk TLV options in `b[o .. end)` (§3.5), stopping at opt_endofopt or at an option that overruns. */
function forOptions(b: Uint8Array, o: number, end: number, le: boolean, f: (code: number, at: number, len: number) => void): void {
  while (end - o >= 4) {
    const code = rd16(b, o, le);
    const len = rd16(b, o + 2, le);
    if (code === OPT_END) return;
    if (len > end - o - 4) return;
    f(code, o + 4, len);
    o += 4 + ((len + 3) & ~3);
  }
}

function text(b: Uint8Array, o: number, len: number): string {
  let e = o + len;
  while (e > o && b[e - 1] === 0) e--; // some writers include a terminating NUL
  return utf8.decode(b.subarray(o, e));
}
