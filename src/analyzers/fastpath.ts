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

/** Summarises plain frames without dissecting them; `take` returns null for everything else. */
export class FastPath {
  /** Frames summarised on the fast path / dissected. */
  fast = 0;
  full = 0;
  private readonly udpPorts: Uint8Array;
  private readonly tcpPorts: Uint8Array;
  private readonly protos: Uint8Array;
  readonly enabled: boolean;
  private readonly pkt: Packet;

  constructor(reg: Registry) {
    this.pkt = { frame: null as unknown as Frame, time: 0.5, layers: NO_LAYERS, problems: NO_PROBLEMS, rawOff: 0, rawEnd: 0, rawOf: '' };
    this.udpPorts = keysOf(reg, 'udp.port', 65536);
    this.tcpPorts = keysOf(reg, 'tcp.port', 65536);
    this.protos = keysOf(reg, 'ip.proto', 256);
    this.enabled = true;
    // The fast path stands in for exactly these dissectors; if someone replaced them, step aside.
    const ok = (table: TableName, key: number, name: string) => reg.keyOf(table, name) === key || reg.get(name) === undefined;
    if (!ok('ethertype', 0x0800, 'ipv4') || !ok('ip.proto', 6, 'tcp') || !ok('ip.proto', 17, 'udp')) this.enabled = false;
    if (!reg.get('eth') || !reg.get('ipv4') || !reg.get('ipv6') || !reg.get('tcp') || !reg.get('udp') || !reg.get('vlan')) this.enabled = false;
  }

  /** Summarise `f` into `s` if it is a plain frame; the packet to hand to analyzers, or null. */
  take(f: Frame, s: PacketSummary): Packet | null {
    if (!this.enabled || f.iface.linkType !== 1) return null;
    const b = f.buf;
    // One DataView per reader chunk, shared with the dissectors: multi-byte reads in one call each.
    const dv = viewOf(b);
    let o = f.off;
    const end = o + f.caplen;
    if (end - o < 14) return null;
    let type = dv.getUint16(o + 12);
    const ethDst = dv.getUint16(o) * 0x100000000 + dv.getUint32(o + 2);
    const ethSrc = dv.getUint16(o + 6) * 0x100000000 + dv.getUint32(o + 8);
    o += 14;
    let vlan = -1;
    for (let i = 0; i < 2 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); i++) {
      if (end - o < 4) return null;
      if (vlan < 0) vlan = dv.getUint16(o) & 0x0fff;
      type = dv.getUint16(o + 2);
      o += 4;
    }
    let ipVersion: 4 | 6;
    let ipSrc: number;
    let ipDst: number;
    let proto: number;
    let ttl: number;
    let fragment = false;
    let badChecksum = false;
    let ipOff = 0;
    let l4: number;
    let l4end: number;
    if (type === 0x0800) {
      const have = end - o;
      if (have < 20) return null;
      const w0 = dv.getUint32(o);
      if (w0 >>> 28 !== 4) return null;
      ipOff = o;
      const hlen = ((w0 >>> 24) & 0x0f) * 4;
      if (hlen < 20 || hlen > have) return null;
      const total = w0 & 0xffff;
      if (total < hlen || total > have) return null;
      const w1 = dv.getUint32(o + 4);
      const w2 = dv.getUint32(o + 8);
      ipSrc = dv.getUint32(o + 12);
      ipDst = dv.getUint32(o + 16);
      // Header checksum (the dissector notes a bad one), verified as the IPv4 dissector does: from the
      // five words just read, or over the whole header when it has options.
      badChecksum = hlen === 20 ? !wordsChecksumOk(w0, w1, w2, ipSrc, ipDst) : !headerChecksumOk(b, o, hlen);
      ipVersion = 4;
      proto = w2 >>> 16 & 0xff;
      ttl = w2 >>> 24;
      fragment = (w1 & 0x1fff) !== 0;
      l4 = o + hlen;
      l4end = o + total;
    } else if (type === 0x86dd) {
      const have = end - o;
      if (have < 40) return null;
      const w1 = dv.getUint32(o + 4);
      if (dv.getUint8(o) >>> 4 !== 6) return null;
      const plen = w1 >>> 16;
      proto = (w1 >>> 8) & 0xff;
      if (plen === 0 || 40 + plen > have || IPV6_EXT[proto] === 1) return null;
      ipVersion = 6;
      ttl = w1 & 0xff;
      ipSrc = (dv.getUint32(o + 8) ^ dv.getUint32(o + 12) ^ dv.getUint32(o + 16) ^ dv.getUint32(o + 20)) >>> 0;
      ipDst = (dv.getUint32(o + 24) ^ dv.getUint32(o + 28) ^ dv.getUint32(o + 32) ^ dv.getUint32(o + 36)) >>> 0;
      l4 = o + 40;
      l4end = o + 40 + plen;
    } else return null;

    let sport = -1;
    let dport = -1;
    if (!fragment) {
      if (proto === 6) {
        const have = l4end - l4;
        if (have < 20) return null;
        const hl = (dv.getUint8(l4 + 12) >>> 4) * 4;
        if (hl < 20 || hl > have) return null;
        sport = dv.getUint16(l4);
        dport = dv.getUint16(l4 + 2);
        if (this.tcpPorts[sport] === 1 || this.tcpPorts[dport] === 1) return null;
      } else if (proto === 17) {
        const have = l4end - l4;
        if (have < 8) return null;
        const len = dv.getUint16(l4 + 4);
        if (len < 8 || len > have) return null;
        sport = dv.getUint16(l4);
        dport = dv.getUint16(l4 + 2);
        if (this.udpPorts[sport] === 1 || this.udpPorts[dport] === 1) return null;
      } else if (this.protos[proto] === 1) return null;
    }

    const time = f.sec + f.nsec / 1e9;
    let pkt: Packet;
    if (badChecksum) {
      // Checksum offload on the capturing sender: summarised all the same, as a fresh packet carrying
      // the IPv4 dissector's note.
      pkt = { frame: f, time, layers: NO_LAYERS, problems: [], rawOff: l4end, rawEnd: l4end, rawOf: '' };
      problem(pkt, 'ipv4', 'ipv4.bad-checksum', 'unusual', 'note', ipOff + 10, BAD_CHECKSUM);
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
    s.pkt = pkt;
    s.time = time;
    s.length = f.origLen;
    s.ethSrc = ethSrc;
    s.ethDst = ethDst;
    s.etherType = type;
    s.vlan = vlan;
    s.packetType = -1;
    s.ipVersion = ipVersion;
    s.ipSrc = ipSrc;
    s.ipDst = ipDst;
    if (ipVersion === 6) {
      s.ip6Buf = b;
      s.ip6SrcOff = l4 - 32;
      s.ip6DstOff = l4 - 16;
    } else s.ip6Buf = null;
    s.ttl = ttl;
    s.proto = proto;
    s.fragment = fragment;
    s.sport = sport;
    s.dport = dport;
    s.lacp = null;
    s.marker = null;
    s.arp = null;
    this.fast++;
    return pkt;
  }
}
