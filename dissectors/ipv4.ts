// IPv4 (RFC 791): header with options, fragments, header checksum (RFC 1071), and the Internet
// checksum helpers every transport above it uses. SPEC "Layers" ipv4; decoded millions of times
// per second, so decode builds one object literal and allocates nothing else on the normal path
// (decodeIpv4Into fills a registry Decoder's reused layer instead).
import {
  type Dissector,
  type FieldDesc,
  type FlagDesc,
  type LayerMeta,
  type Packet,
  type TableName,
  flagNames,
  ipv4Text,
  named,
  problem,
  putU16,
  putU32,
  shortLayer,
  viewOf,
} from './core.js';

/** A decoded IPv4 header (SPEC "Layers" ipv4). */
export interface Ipv4Layer extends LayerMeta {
  readonly layer: 'ipv4';
  version: number;
  /** Internet Header Length in 32-bit words (5 without options). */
  ihl: number;
  dscp: number;
  ecn: number;
  totalLength: number;
  id: number;
  /** 3 bits as tshark's ip.flags: reserved 0x4, df 0x2, mf 0x1. */
  flags: number;
  /** Fragment offset in 8-byte units (as on the wire and in tshark's ip.frag_offset). */
  fragOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: number;
  dst: number;
  /** Bytes of options (ihl × 4 − 20). */
  optionsLen: number;
  /** The option bytes (a view; a shared empty array when there are none). */
  options: Uint8Array;
  /** Header checksum verdict, numbered like tshark's ip.checksum.status: 0 bad, 1 good, 2 not verified (header cut). */
  checksumStatus: number;
}

/** Encode input: the header fields; ihl, totalLength and checksum are computed when omitted. */
export interface Ipv4Fields {
  version?: number;
  ihl?: number;
  dscp?: number;
  ecn?: number;
  totalLength?: number;
  id?: number;
  flags?: number;
  fragOffset?: number;
  ttl?: number;
  protocol: number;
  checksum?: number;
  src: number;
  dst: number;
  /** Option bytes (padded with zeros to a multiple of 4 when encoded). */
  options?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    ipv4: Ipv4Layer;
  }
}

/** A shared zero-length view (layers without options/extension headers point here; never written). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), shared by ipv4 and ipv6. */
export const ipProtocolNames: Readonly<Record<number, string>> = {
  0: 'HOPOPT',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  43: 'IPv6-Route',
  44: 'IPv6-Frag',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  59: 'IPv6-NoNxt',
  60: 'IPv6-Opts',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  115: 'L2TP',
  132: 'SCTP',
  135: 'Mobility',
  139: 'HIP',
  140: 'Shim6',
};

/** IPv4 flags (RFC 791 §3.1; bit 0 is RFC 3514's "evil bit", reserved). */
export const ipv4Flags: readonly FlagDesc[] = [
  { mask: 0x4, name: 'reserved', title: 'Reserved bit' },
  { mask: 0x2, name: 'df', title: "Don't fragment" },
  { mask: 0x1, name: 'mf', title: 'More fragments' },
];

/** Checksum verdicts, numbered as Wireshark's PROTO_CHECKSUM_E_* (ip/udp/vrrp/carp .checksum.status). */
export const checksumStatusNames: Readonly<Record<number, string>> = { 0: 'Bad', 1: 'Good', 2: 'Unverified' };

// ---------------------------------------------------------------------------------------------
// Internet checksum (RFC 1071), shared by ipv4, udp, tcp, vrrp and carp.

/** One's-complement accumulation (unfolded) of b[off..end) as big-endian 16-bit words, added to `sum`. */
export function inetSum(b: Uint8Array, off: number, end: number, sum = 0): number {
  let i = off;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Fold an accumulated sum to 16 bits and complement it: the checksum to write, or 0 when verifying a correct one. */
export function inetFold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Sum of the IPv4 pseudo-header (RFC 768 / RFC 793): src, dst, zero, protocol, length. */
export function pseudoSum4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + (length >>> 16) + (length & 0xffff);
}

// ---------------------------------------------------------------------------------------------

const MIN_HEADER = 20;

/**
 * Does a 20-byte IPv4 header given as its five big-endian 32-bit words verify (RFC 1071: the
 * one's-complement sum of its 16-bit words is 0xffff)? The sum (< 2^21) is folded twice in int32 arithmetic.
 */
export function wordsChecksumOk(w0: number, w1: number, w2: number, w3: number, w4: number): boolean {
  let s = (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) + (w3 >>> 16) + (w3 & 0xffff) + (w4 >>> 16) + (w4 & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

/**
 * Does the header checksum of the IPv4 header at b[off, off + hlen) verify (hlen a multiple of 4, at
 * least 20)? The same verdict as inetFold(inetSum(...)) === 0, written for the hot path: 32-bit
 * loads whose 16-bit halves are summed, the sum (< 2^21 for 15 words) folded twice.
 */
export function headerChecksumOk(b: Uint8Array, off: number, hlen: number): boolean {
  const v = viewOf(b);
  let s = 0;
  for (let i = off, e = off + hlen; i < e; i += 4) {
    const w = v.getUint32(i);
    s += (w >>> 16) + (w & 0xffff);
  }
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

/** Bytes of an IPv4 header: version 4 (and, for linktype RAW, telling IPv4 from IPv6). */
function isIpv4(buf: Uint8Array, off: number, end: number): boolean {
  return off < end && buf[off]! >>> 4 === 4;
}

/**
 * A blank IPv4 layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newIpv4Layer(): Ipv4Layer {
  return {
    layer: 'ipv4',
    off: 0,
    len: 0,
    payloadOff: 0,
    payloadEnd: 0,
    nextTable: null,
    nextKey: -1,
    nextKey2: -1,
    version: 0,
    ihl: 0,
    dscp: 0,
    ecn: 0,
    totalLength: 0,
    id: 0,
    flags: 0,
    fragOffset: 0,
    ttl: 0,
    protocol: 0,
    checksum: 0,
    src: 0,
    dst: 0,
    optionsLen: 0,
    options: EMPTY_BYTES,
    checksumStatus: 2,
  };
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives.
 * False, with the problem on `pkt`, when not even the fixed header is there. The registry's Decoder
 * reuses one `l`.
 */
export function decodeIpv4Into(buf: Uint8Array, off: number, end: number, pkt: Packet, l: Ipv4Layer): boolean {
  const have = end - off;
  if (have < MIN_HEADER) {
    shortLayer(pkt, 'ipv4', off, MIN_HEADER, have);
    return false;
  }
  // The fixed header as five words: its fields and its checksum come from them.
  const v = viewOf(buf);
  const w0 = v.getUint32(off);
  const w1 = v.getUint32(off + 4);
  const w2 = v.getUint32(off + 8);
  const src = v.getUint32(off + 12);
  const dst = v.getUint32(off + 16);
  const version = w0 >>> 28;
  const ihl = (w0 >>> 24) & 0x0f;
  const b1 = (w0 >>> 16) & 0xff;
  const totalLength = w0 & 0xffff;
  const flags = (w1 >>> 13) & 0x7;
  const fragOffset = w1 & 0x1fff;
  const protocol = (w2 >>> 16) & 0xff;
  let nextTable: TableName | null = fragOffset === 0 ? 'ip.proto' : null;

  if (version !== 4) {
    problem(pkt, 'ipv4', 'ipv4.bad-version', 'malformed', 'error', off, `ipv4: version ${version} under an IPv4 type, not decoded further`);
    nextTable = null;
  }
  let hlen = ihl * 4;
  let headerCut = false;
  let checksumStatus = 2;
  if (ihl < 5) {
    problem(pkt, 'ipv4', 'ipv4.bad-ihl', 'malformed', 'error', off, `ipv4: header length ${hlen} bytes is below the minimum 20`);
    hlen = MIN_HEADER;
    nextTable = null;
  } else if (hlen > have) {
    shortLayer(pkt, 'ipv4', off, hlen, have, 'ipv4.bad-ihl');
    hlen = have;
    headerCut = true;
    nextTable = null;
  } else {
    checksumStatus = (hlen === MIN_HEADER ? wordsChecksumOk(w0, w1, w2, src, dst) : headerChecksumOk(buf, off, hlen)) ? 1 : 0;
    if (checksumStatus === 0) {
      problem(pkt, 'ipv4', 'ipv4.bad-checksum', 'unusual', 'note', off + 10,
        'ipv4: header checksum does not verify (common in captures taken on the sender with checksum offload)');
    }
  }

  let payloadEnd = off + totalLength;
  if (headerCut) {
    payloadEnd = end;
  } else if (totalLength === 0) {
    // Segmentation offload captured on the sender leaves the length 0 (Wireshark's ip.tso_support).
    problem(pkt, 'ipv4', 'ipv4.zero-total-length', 'unusual', 'note', off + 2, 'ipv4: total length 0 (segmentation offload?); payload taken to the end of the frame');
    payloadEnd = end;
  } else if (totalLength < hlen) {
    problem(pkt, 'ipv4', 'ipv4.bad-total-length', 'malformed', 'error', off + 2, `ipv4: total length ${totalLength} is shorter than the header (${hlen})`);
    payloadEnd = off + hlen;
    nextTable = null;
  } else if (totalLength > have) {
    shortLayer(pkt, 'ipv4', off, totalLength, have, 'ipv4.bad-total-length');
    payloadEnd = end;
  }

  l.off = off;
  l.len = hlen;
  l.payloadOff = off + hlen;
  l.payloadEnd = payloadEnd;
  l.nextTable = nextTable;
  l.nextKey = protocol;
  l.nextKey2 = -1;
  l.version = version;
  l.ihl = ihl;
  l.dscp = b1 >>> 2;
  l.ecn = b1 & 3;
  l.totalLength = totalLength;
  l.id = w1 >>> 16;
  l.flags = flags;
  l.fragOffset = fragOffset;
  l.ttl = w2 >>> 24;
  l.protocol = protocol;
  l.checksum = w2 & 0xffff;
  l.src = src;
  l.dst = dst;
  l.optionsLen = hlen > MIN_HEADER ? hlen - MIN_HEADER : 0;
  l.options = hlen > MIN_HEADER ? buf.subarray(off + MIN_HEADER, off + hlen) : EMPTY_BYTES;
  l.checksumStatus = checksumStatus;
  return true;
}

/** The IPv4 dissector (RFC 791; SPEC "Layers" ipv4): ethertype 0x0800, linktypes 228 and 101. */
export const ipv4: Dissector<Ipv4Layer, Ipv4Fields> = {
  name: 'ipv4',
  title: 'Internet Protocol Version 4',
  fields: [
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'ip.version' },
    { name: 'ihl', title: 'Header Length (32-bit words; tshark ip.hdr_len counts bytes)', kind: 'uint', tshark: 'ip.hdr_len' },
    { name: 'dscp', title: 'Differentiated Services Codepoint', kind: 'uint', tshark: 'ip.dsfield.dscp' },
    { name: 'ecn', title: 'Explicit Congestion Notification', kind: 'uint', tshark: 'ip.dsfield.ecn' },
    { name: 'totalLength', title: 'Total Length', kind: 'uint', tshark: 'ip.len' },
    { name: 'id', title: 'Identification', kind: 'uint', hex: true, tshark: 'ip.id' },
    { name: 'flags', title: 'Flags', kind: 'flags', flags: ipv4Flags, hex: true, tshark: 'ip.flags' },
    { name: 'fragOffset', title: 'Fragment Offset (8-byte units)', kind: 'uint', tshark: 'ip.frag_offset' },
    { name: 'ttl', title: 'Time to Live', kind: 'uint', tshark: 'ip.ttl' },
    { name: 'protocol', title: 'Protocol', kind: 'uint', names: ipProtocolNames, tshark: 'ip.proto' },
    { name: 'checksum', title: 'Header Checksum', kind: 'uint', hex: true, tshark: 'ip.checksum' },
    { name: 'checksumStatus', title: 'Header Checksum Status', kind: 'uint', names: checksumStatusNames, tshark: 'ip.checksum.status' },
    { name: 'src', title: 'Source Address', kind: 'ipv4', tshark: 'ip.src' },
    { name: 'dst', title: 'Destination Address', kind: 'ipv4', tshark: 'ip.dst' },
    { name: 'optionsLen', title: 'Options Length', kind: 'uint' },
    { name: 'options', title: 'Options', kind: 'bytes', hidden: true },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): Ipv4Layer | null {
    const l = newIpv4Layer();
    return decodeIpv4Into(buf, off, end, pkt, l) ? l : null;
  },

  encode(f: Ipv4Fields, payload?: Uint8Array): Uint8Array {
    const opts = f.options ?? EMPTY_BYTES;
    const hlen = MIN_HEADER + ((opts.length + 3) & ~3);
    const plen = payload ? payload.length : 0;
    const out = new Uint8Array(hlen + plen);
    const ihl = f.ihl ?? hlen / 4;
    out[0] = ((f.version ?? 4) << 4) | (ihl & 0x0f);
    out[1] = ((f.dscp ?? 0) << 2) | ((f.ecn ?? 0) & 3);
    putU16(out, 2, f.totalLength ?? hlen + plen);
    putU16(out, 4, f.id ?? 0);
    putU16(out, 6, ((f.flags ?? 0) << 13) | ((f.fragOffset ?? 0) & 0x1fff));
    out[8] = f.ttl ?? 64;
    out[9] = f.protocol;
    putU32(out, 12, f.src);
    putU32(out, 16, f.dst);
    out.set(opts, MIN_HEADER);
    putU16(out, 10, f.checksum ?? inetFold(inetSum(out, 0, hlen)));
    if (payload) out.set(payload, hlen);
    return out;
  },

  summary(l: Ipv4Layer): string {
    let s = `IPv4 ${ipv4Text(l.src)} > ${ipv4Text(l.dst)} ${named(l.protocol, ipProtocolNames)} ttl ${l.ttl} id ${l.id} len ${l.totalLength}`;
    const fl = flagNames(l.flags, ipv4Flags);
    if (fl.length > 0) s += ` [${fl.join(',')}]`;
    if (l.fragOffset !== 0) s += ` frag offset ${l.fragOffset * 8}`;
    if (l.optionsLen > 0) s += ` options ${l.optionsLen}B`;
    return s;
  },

  child: { table: 'ip.proto', field: 'protocol' },
};

/** True when the layer is part of a fragmented datagram (MF set or a non-zero offset). */
export function isIpv4Fragment(l: Ipv4Layer): boolean {
  return (l.flags & 1) !== 0 || l.fragOffset !== 0;
}

/** ipv4 for LINKTYPE_RAW (101), which carries IPv4 and IPv6 alike: accepts = version nibble 4 (SPEC "Layers" ipv4). */
export const ipv4Raw: Dissector<Ipv4Layer, Ipv4Fields> = { ...ipv4, accepts: isIpv4 };
