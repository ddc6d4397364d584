// The pipeline's fast path (DESIGN.md "decode only the layers some analyzer needs"): a plain
// Ethernet [802.1Q] IPv4/IPv6 TCP/UDP frame that no analyzer needs beyond its addresses and ports,
// and on which no dissector would report a problem, is summarised straight into the PacketSummary
// and handed on as a packet without layers. Anything else — slow protocols, ARP, VRRP/CARP, HSRP,
// heartbeat ports, `--decode-as` ports, extension headers, any length or checksum a dissector would
// flag, other link types — goes through registry.dissect as before. The checks mirror the
// dissectors' own (dissectors/ethernet.ts, vlan.ts, ipv4.ts, ipv6.ts, tcp.ts, udp.ts) exactly.
import type { Frame } from '../capture/frame.js';
import { type LayerMeta, type Packet, type Problem, problem, viewOf } from '../../dissectors/core.js';
import { headerChecksumOk, wordsChecksumOk } from '../../dissectors/ipv4.js';
import type { Registry } from '../../dissectors/registry.js';
import type { TableName } from '../../dissectors/core.js';
import type { PacketSummary } from './summary.js';

const NO_LAYERS: LayerMeta[] = [];
Object.freeze(NO_LAYERS);
const NO_PROBLEMS: Problem[] = [];
Object.freeze(NO_PROBLEMS);

/** The IPv4 dissector's note for a header checksum that does not verify (dissectors/ipv4.ts; the fast-path test compares them). */
const BAD_CHECKSUM = 'ipv4: header checksum does not verify (common in captures taken on the sender with checksum offload)';

/** IPv6 next-header values the IPv6 dissector walks as extension headers (or stops at). */
const IPV6_EXT = new Uint8Array(256);
for (const nh of [0, 43, 44, 51, 59, 60, 135, 139, 140]) IPV6_EXT[nh] = 1;

/** Which keys of a dispatch table have a dissector (read once from the registry). */
function keysOf(reg: Registry, table: TableName, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (const k of reg.keys(table)) if (k >= 0 && k < size) out[k] = 1;
  return out;
}

/**
 * The ports of a dispatch table as a bitset (bit p of word p >>> 5): 8 KB that stay in the L1 cache,
 * where a byte per port (64 KB) made the two random port lookups of every frame L1 misses.
 */
function portBits(reg: Registry, table: TableName): Int32Array {
  const out = new Int32Array(65536 >>> 5);
  for (const k of reg.keys(table)) if (k >= 0 && k < 65536) out[k >>> 5]! |= 1 << (k & 31);
  return out;
}

/** What `scan` found (low two bits of a ring record's Pre.TAG; the input index is above them). */
const enum Status {
  SLOW = 0,
  FAST = 1,
  BAD_CHECKSUM = 2,
}

/**
 * A pre-scanned frame: its words in FastPath's ring (Int32Array). MISC: IP version (bits 0-2),
 * a non-first fragment (bit 3), has ports (bit 4), TTL (bits 8-15), protocol (16-23), IPv4 header
 * length in words (24-27). PORTS: source port << 16 | destination port. L4 / L4END: offsets in the
 * frame's buffer.
 */
const enum Pre {
  INDEX = 0,
  TAG = 1,
  TV = 2,
  MAC_HI = 3,
  SRC_LO = 4,
  DST_LO = 5,
  IP_SRC = 6,
  IP_DST = 7,
  MISC = 8,
  PORTS = 9,
  L4 = 10,
  L4END = 11,
  SIZE = 12,
}

/** Frames of different inputs with the same index land INPUT_STRIDE ring records apart. */
const enum Ring {
  INPUT_STRIDE = 0x9e3,
}

/** Summarises plain frames without dissecting them; `take` returns null for everything else. */
export class FastPath {
  /** Frames summarised on the fast path / dissected. */
  fast = 0;
  full = 0;
  private readonly udpPorts: Int32Array;
  private readonly tcpPorts: Int32Array;
  private readonly protos: Uint8Array;
  readonly enabled: boolean;
  private readonly pkt: Packet;
  /** Pre-scanned frames (`prescan`), Pre.SIZE words each, at (index + input · stride) & ringMask; one scratch record after them. */
  private readonly ring: Int32Array;
  private readonly ringMask: number;
  private readonly scratch: number;

  /** `window`: frames held between `prescan` and `take` (the reorder window), for sizing the ring. */
  constructor(reg: Registry, window = 4096) {
    // Room for the window, a batch being pre-scanned and one being taken (reader batches are 1024
    // frames). Windows over 64k frames get no bigger ring: their frames are decoded when taken.
    let n = 1024;
    while (n < Math.min(window, 1 << 16) + 4096) n *= 2;
    this.ring = new Int32Array((n + 1) * Pre.SIZE);
    this.ringMask = n - 1;
    this.scratch = n * Pre.SIZE;
    this.pkt = { frame: null as unknown as Frame, time: 0.5, layers: NO_LAYERS, problems: NO_PROBLEMS, rawOff: 0, rawEnd: 0, rawOf: '' };
    this.udpPorts = portBits(reg, 'udp.port');
    this.tcpPorts = portBits(reg, 'tcp.port');
    this.protos = keysOf(reg, 'ip.proto', 256);
    this.enabled = true;
    // The fast path stands in for exactly these dissectors; if someone replaced them, step aside.
    const ok = (table: TableName, key: number, name: string) => reg.keyOf(table, name) === key || reg.get(name) === undefined;
    if (!ok('ethertype', 0x0800, 'ipv4') || !ok('ip.proto', 6, 'tcp') || !ok('ip.proto', 17, 'udp')) this.enabled = false;
    if (!reg.get('eth') || !reg.get('ipv4') || !reg.get('ipv6') || !reg.get('tcp') || !reg.get('udp') || !reg.get('vlan')) this.enabled = false;
  }

  /**
   * Decode the headers of every frame of a batch now, while the reader has just touched them, into
   * the pre-scan ring that `take` reads when the frames come out of the reorder window. Taking a frame
   * thousands of frames after it was read found its header bytes gone from the CPU caches: a third of
   * the fast path's time was that one load. Optional: `take` decodes frames the ring does not hold.
   */
  prescan(frames: readonly Frame[]): void {
    if (!this.enabled) return;
    const r = this.ring;
    const mask = this.ringMask;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const o = ((f.index + f.iface.input * Ring.INPUT_STRIDE) & mask) * Pre.SIZE;
      this.scan(f, r, o);
    }
  }

  /** Summarise `f` into `s` if it is a plain frame; the packet to hand to analyzers, or null. */
  take(f: Frame, s: PacketSummary): Packet | null {
    if (!this.enabled) return null;
    const r = this.ring;
    let o = ((f.index + f.iface.input * Ring.INPUT_STRIDE) & this.ringMask) * Pre.SIZE;
    // The pre-scanned record, if it is this frame's (index and input match); else decode now.
    if (r[o + Pre.INDEX] !== f.index || r[o + Pre.TAG]! >>> 2 !== f.iface.input) {
      o = this.scratch;
      this.scan(f, r, o);
    }
    const tag = r[o + Pre.TAG]!;
    if ((tag & 3) === Status.SLOW) return null;
    const misc = r[o + Pre.MISC]!;
    const ipVersion = (misc & 7) as 4 | 6;
    const l4 = r[o + Pre.L4]!;
    const l4end = r[o + Pre.L4END]!;
    const time = f.sec + f.nsec / 1e9;
    let pkt: Packet;
    if ((tag & 3) === Status.BAD_CHECKSUM) {
      // Checksum offload on the capturing sender: summarised all the same, as a fresh packet carrying
      // the IPv4 dissector's note.
      pkt = { frame: f, time, layers: NO_LAYERS, problems: [], rawOff: l4end, rawEnd: l4end, rawOf: '' };
      problem(pkt, 'ipv4', 'ipv4.bad-checksum', 'unusual', 'note', l4 - (misc >>> 24) * 4 + 10, BAD_CHECKSUM);
    } else {
      // One packet object, reused: fast-path packets are valid until the next frame (analyzers keep
      // evidence as numbers, never packets), so the hot path allocates nothing.
      pkt = this.pkt;
      const p = pkt as { frame: Frame; time: number; rawOff: number; rawEnd: number };
      p.frame = f;
      p.time = time;
      p.rawOff = l4end;
      p.rawEnd = l4end;
    }
    const tv = r[o + Pre.TV]!;
    const hi = r[o + Pre.MAC_HI]!;
    s.pkt = pkt;
    s.time = time;
    s.length = f.origLen;
    s.ethSrc = (hi >>> 16) * 0x100000000 + (r[o + Pre.SRC_LO]! >>> 0);
    s.ethDst = (hi & 0xffff) * 0x100000000 + (r[o + Pre.DST_LO]! >>> 0);
    s.etherType = tv >>> 16;
    s.vlan = (tv & 0xffff) - 1;
    s.packetType = -1;
    s.ipVersion = ipVersion;
    s.ipSrc = r[o + Pre.IP_SRC]! >>> 0;
    s.ipDst = r[o + Pre.IP_DST]! >>> 0;
    if (ipVersion === 6) {
      s.ip6Buf = f.buf;
      s.ip6SrcOff = l4 - 32;
      s.ip6DstOff = l4 - 16;
    } else s.ip6Buf = null;
    s.ttl = (misc >>> 8) & 0xff;
    s.proto = (misc >>> 16) & 0xff;
    s.fragment = (misc & 8) !== 0;
    if ((misc & 16) !== 0) {
      const ports = r[o + Pre.PORTS]!;
      s.sport = ports >>> 16;
      s.dport = ports & 0xffff;
    } else {
      s.sport = -1;
      s.dport = -1;
    }
    s.lacp = null;
    s.marker = null;
    s.arp = null;
    this.fast++;
    return pkt;
  }

  /**
   * Decode `f`'s headers into the ring record at `o`: Status.SLOW (the frame needs the dissectors),
   * else the fields `take` fills the summary from. The checks are the dissectors' own.
   */
  private scan(f: Frame, r: Int32Array, o: number): void {
    r[o + Pre.INDEX] = f.index;
    const slow = (f.iface.input << 2) | Status.SLOW;
    r[o + Pre.TAG] = slow;
    if (f.iface.linkType !== 1) return;
    const b = f.buf;
    // One DataView per reader chunk, shared with the dissectors: multi-byte reads in one call each.
    const dv = viewOf(b);
    let p = f.off;
    const end = p + f.caplen;
    if (end - p < 14) return;
    let type = dv.getUint16(p + 12);
    const dstHi = dv.getUint16(p);
    const dstLo = dv.getUint32(p + 2);
    const srcHi = dv.getUint16(p + 6);
    const srcLo = dv.getUint32(p + 8);
    p += 14;
    let vlan = -1;
    for (let i = 0; i < 2 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); i++) {
      if (end - p < 4) return;
      if (vlan < 0) vlan = dv.getUint16(p) & 0x0fff;
      type = dv.getUint16(p + 2);
      p += 4;
    }
    let ipVersion: number;
    let ipSrc: number;
    let ipDst: number;
    let proto: number;
    let ttl: number;
    let fragment = 0;
    let badChecksum = false;
    let hlen = 0;
    let l4: number;
    let l4end: number;
    if (type === 0x0800) {
      const have = end - p;
      if (have < 20) return;
      const w0 = dv.getUint32(p);
      if (w0 >>> 28 !== 4) return;
      hlen = ((w0 >>> 24) & 0x0f) * 4;
      if (hlen < 20 || hlen > have) return;
      const total = w0 & 0xffff;
      if (total < hlen || total > have) return;
      const w1 = dv.getUint32(p + 4);
      const w2 = dv.getUint32(p + 8);
      ipSrc = dv.getUint32(p + 12);
      ipDst = dv.getUint32(p + 16);
      // Header checksum (the dissector notes a bad one), verified as the IPv4 dissector does: from the
      // five words just read, or over the whole header when it has options.
      badChecksum = hlen === 20 ? !wordsChecksumOk(w0, w1, w2, ipSrc, ipDst) : !headerChecksumOk(b, p, hlen);
      ipVersion = 4;
      proto = (w2 >>> 16) & 0xff;
      ttl = w2 >>> 24;
      if ((w1 & 0x1fff) !== 0) fragment = 8;
      l4 = p + hlen;
      l4end = p + total;
    } else if (type === 0x86dd) {
      const have = end - p;
      if (have < 40) return;
      const w1 = dv.getUint32(p + 4);
      if (dv.getUint8(p) >>> 4 !== 6) return;
      const plen = w1 >>> 16;
      proto = (w1 >>> 8) & 0xff;
      if (plen === 0 || 40 + plen > have || IPV6_EXT[proto] === 1) return;
      ipVersion = 6;
      ttl = w1 & 0xff;
      ipSrc = dv.getUint32(p + 8) ^ dv.getUint32(p + 12) ^ dv.getUint32(p + 16) ^ dv.getUint32(p + 20);
      ipDst = dv.getUint32(p + 24) ^ dv.getUint32(p + 28) ^ dv.getUint32(p + 32) ^ dv.getUint32(p + 36);
      l4 = p + 40;
      l4end = p + 40 + plen;
    } else return;

    let ports = 0;
    let hasPorts = 0;
    if (fragment === 0) {
      // The ports some dissector claims in this transport's table, once its header checks out.
      let bits: Int32Array | null = null;
      if (proto === 6) {
        const have = l4end - l4;
        if (have < 20) return;
        const hl = (dv.getUint8(l4 + 12) >>> 4) * 4;
        if (hl < 20 || hl > have) return;
        bits = this.tcpPorts;
      } else if (proto === 17) {
        const have = l4end - l4;
        if (have < 8) return;
        const len = dv.getUint16(l4 + 4);
        if (len < 8 || len > have) return;
        bits = this.udpPorts;
      } else if (this.protos[proto] === 1) return;
      if (bits !== null) {
        ports = dv.getUint32(l4);
        const sport = ports >>> 16;
        const dport = ports & 0xffff;
        if (((bits[sport >>> 5]! >>> (sport & 31)) | (bits[dport >>> 5]! >>> (dport & 31))) & 1) return;
        hasPorts = 16;
      }
    }
    r[o + Pre.TAG] = slow - Status.SLOW + (badChecksum ? Status.BAD_CHECKSUM : Status.FAST);
    r[o + Pre.TV] = (type << 16) | (vlan + 1);
    r[o + Pre.MAC_HI] = (srcHi << 16) | dstHi;
    r[o + Pre.SRC_LO] = srcLo;
    r[o + Pre.DST_LO] = dstLo;
    r[o + Pre.IP_SRC] = ipSrc;
    r[o + Pre.IP_DST] = ipDst;
    r[o + Pre.MISC] = ipVersion | fragment | hasPorts | (ttl << 8) | (proto << 16) | ((hlen >>> 2) << 24);
    r[o + Pre.PORTS] = ports;
    r[o + Pre.L4] = l4;
    r[o + Pre.L4END] = l4end;
  }
}
