// UDP (RFC 768): ports, length checked against the IP payload, checksum helpers with the IPv4/IPv6
// pseudo-header. SPEC "Layers" udp; hot path: one object literal (or a registry Decoder's reused
// layer, decodeUdpInto), nothing else allocated.
import { type Dissector, type FieldDesc, type LayerMeta, type Packet, type TableName, problem, putU16, shortLayer, viewOf } from './core.js';
import { type Ipv4Layer, inetFold, inetSum, isIpv4Fragment, pseudoSum4 } from './ipv4.js';
import { type Ipv6Layer, isIpv6Fragment, pseudoSum6 } from './ipv6.js';

/** A decoded UDP header (SPEC "Layers" udp). */
export interface UdpLayer extends LayerMeta {
  readonly layer: 'udp';
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}

/** Encode input: length is computed when omitted; checksum defaults to 0 ("none", RFC 768) — see setUdpChecksum. */
export interface UdpFields {
  srcPort: number;
  dstPort: number;
  length?: number;
  checksum?: number;
}

declare module './core.js' {
  interface LayerMap {
    udp: UdpLayer;
  }
}

const HEADER = 8;

/** True when `p` (the layer below UDP) is an IPv4/IPv6 fragment: the datagram is incomplete. */
function isFragment(p: LayerMeta | null): boolean {
  if (p === null) return false;
  if (p.layer === 'ipv4') return isIpv4Fragment(p as Ipv4Layer);
  if (p.layer === 'ipv6') return isIpv6Fragment(p as Ipv6Layer);
  return false;
}

/**
 * Where the UDP datagram carrying a layer ends by its Length field (absolute offset), or -1 when the layer
 * below is not UDP. A message without a length of its own (TLVs to the end) compares this with the end of
 * what it was given to tell a cut message from a complete one.
 */
export function udpDeclaredEnd(pkt: Packet): number {
  const ls = pkt.layers;
  const p = ls.length > 0 ? ls[ls.length - 1]! : null;
  if (p === null || p.layer !== 'udp') return -1;
  const l = p as UdpLayer;
  return l.length >= HEADER ? l.off + l.length : -1;
}

/**
 * Whether the IP datagram carrying a layer that ends at `end` is whole in the frame — neither cut by the
 * capture nor a fragment — so a checksum over it can be verified. Without an IP layer below, whether
 * the frame itself is whole.
 */
export function parentComplete(pkt: Packet, end: number): boolean {
  const ls = pkt.layers;
  const p = ls.length > 0 ? ls[ls.length - 1]! : null;
  if (p !== null && p.layer === 'ipv4') {
    const l = p as Ipv4Layer;
    return !isIpv4Fragment(l) && (l.totalLength === 0 || l.off + l.totalLength <= end);
  }
  if (p !== null && p.layer === 'ipv6') {
    const l = p as Ipv6Layer;
    return !isIpv6Fragment(l) && l.off + 40 + l.payloadLength <= end;
  }
  return pkt.frame.caplen >= pkt.frame.origLen;
}

/**
 * The UDP/TCP checksum of `seg` (a whole transport segment whose checksum field reads 0 or the value to
 * verify) with the pseudo-header of `src`/`dst`: IPv4 addresses as numbers, IPv6 as 16-byte arrays.
 * Returns the value to write (RFC 768: a computed 0 is sent as 0xffff for UDP; callers do that).
 */
export function transportChecksum(seg: Uint8Array, protocol: number, src: number | Uint8Array, dst: number | Uint8Array): number {
  const ps =
    typeof src === 'number' && typeof dst === 'number'
      ? pseudoSum4(src, dst, protocol, seg.length)
      : pseudoSum6(src as Uint8Array, dst as Uint8Array, protocol, seg.length);
  return inetFold(inetSum(seg, 0, seg.length, ps));
}

/** Fill in the checksum of an encoded UDP datagram (header + payload) in place (RFC 768, RFC 8200 §8.1). */
export function setUdpChecksum(dgram: Uint8Array, src: number | Uint8Array, dst: number | Uint8Array): Uint8Array {
  putU16(dgram, 6, 0);
  const c = transportChecksum(dgram, 17, src, dst);
  putU16(dgram, 6, c === 0 ? 0xffff : c);
  return dgram;
}

/**
 * udp.decode with the layer below passed in (`parent`, null when none): the registry's fast path
 * knows it before the packet's layers array is made.
 */
export function decodeUdp(buf: Uint8Array, off: number, end: number, pkt: Packet, parent: LayerMeta | null): UdpLayer | null {
  const l = newUdpLayer();
  return decodeUdpInto(buf, off, end, pkt, parent, l) ? l : null;
}

/**
 * A blank UDP layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newUdpLayer(): UdpLayer {
  return { layer: 'udp', off: 0, len: 0, payloadOff: 0, payloadEnd: 0, nextTable: null, nextKey: -1, nextKey2: -1, srcPort: 0, dstPort: 0, length: 0, checksum: 0 };
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives.
 * False, with the problem on `pkt`, when the header is short. The registry's Decoder reuses one `l`.
 */
export function decodeUdpInto(buf: Uint8Array, off: number, end: number, pkt: Packet, parent: LayerMeta | null, l: UdpLayer): boolean {
  const have = end - off;
  if (have < HEADER) {
    shortLayer(pkt, 'udp', off, HEADER, have);
    return false;
  }
  const v = viewOf(buf);
  const ports = v.getUint32(off);
  const w1 = v.getUint32(off + 4);
  const srcPort = ports >>> 16;
  const dstPort = ports & 0xffff;
  const length = w1 >>> 16;
  let payloadEnd = off + length;
  let nextTable: TableName | null = 'udp.port';
  if (length < HEADER) {
    problem(pkt, 'udp', 'udp.bad-length', 'malformed', 'error', off + 4, `udp: length ${length} is below the 8-byte header`);
    payloadEnd = end;
    nextTable = null;
  } else if (length > have) {
    payloadEnd = end;
    // The first fragment of a larger datagram: header only, the payload is incomplete.
    if (isFragment(parent)) nextTable = null;
    else shortLayer(pkt, 'udp', off, length, have, 'udp.bad-length');
  }
  if (length === HEADER) nextTable = null; // nothing follows (a cut payload still goes on: its dissector reports the cut)
  const lo = srcPort < dstPort ? srcPort : dstPort;
  const hi = srcPort < dstPort ? dstPort : srcPort;
  l.off = off;
  l.len = HEADER;
  l.payloadOff = off + HEADER;
  l.payloadEnd = payloadEnd;
  l.nextTable = nextTable;
  l.nextKey = lo;
  l.nextKey2 = hi === lo ? -1 : hi;
  l.srcPort = srcPort;
  l.dstPort = dstPort;
  l.length = length;
  l.checksum = w1 & 0xffff;
  return true;
}

/** The UDP dissector (RFC 768; SPEC "Layers" udp): ip.proto 17, continues in 'udp.port' (lower port, then higher). */
export const udp: Dissector<UdpLayer, UdpFields> = {
  name: 'udp',
  title: 'User Datagram Protocol',
  fields: [
    { name: 'srcPort', title: 'Source Port', kind: 'uint', tshark: 'udp.srcport' },
    { name: 'dstPort', title: 'Destination Port', kind: 'uint', tshark: 'udp.dstport' },
    { name: 'length', title: 'Length', kind: 'uint', tshark: 'udp.length' },
    { name: 'checksum', title: 'Checksum', kind: 'uint', hex: true, tshark: 'udp.checksum' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): UdpLayer | null {
    const ls = pkt.layers;
    return decodeUdp(buf, off, end, pkt, ls.length > 0 ? ls[ls.length - 1]! : null);
  },

  encode(f: UdpFields, payload?: Uint8Array): Uint8Array {
    const plen = payload ? payload.length : 0;
    const out = new Uint8Array(HEADER + plen);
    putU16(out, 0, f.srcPort);
    putU16(out, 2, f.dstPort);
    putU16(out, 4, f.length ?? HEADER + plen);
    putU16(out, 6, f.checksum ?? 0);
    if (payload) out.set(payload, HEADER);
    return out;
  },

  summary(l: UdpLayer): string {
    return `UDP ${l.srcPort} > ${l.dstPort} len ${l.length}`;
  },

  child: { table: 'udp.port', field: 'dstPort' },
};
