// IPv6 (RFC 8200) with its extension headers walked to the upper-layer protocol: hop-by-hop (0),
// routing (43), fragment (44), destination options (60), AH (51, RFC 4302), mobility (135), HIP
// (139), shim6 (140); ESP (50) and No Next Header (59) end the walk. SPEC "Layers" ipv6; hot path:
// one object literal whose only allocations are the address and extension-header views, or a registry
// Decoder's reused layer (newIpv6Slot), which copies the addresses into its own arrays.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  type TableName,
  ipv6Text,
  named,
  problem,
  putU16,
  shortLayer,
  u16,
  u32,
} from './core.js';
import { EMPTY_BYTES, inetSum, ipProtocolNames } from './ipv4.js';

/** A decoded IPv6 header plus its extension-header chain (SPEC "Layers" ipv6). */
export interface Ipv6Layer extends LayerMeta {
  readonly layer: 'ipv6';
  version: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** Next Header of the fixed header (the first extension header, or the upper layer). */
  nextHeader: number;
  hopLimit: number;
  /** 16-byte views into the frame (a Decoder's reused layer: its own arrays, refilled per frame). */
  src: Uint8Array;
  dst: Uint8Array;
  /** Extension-header bytes between the fixed header and the upper layer (view; shared empty when none). */
  ext: Uint8Array;
  /** The final Next Header: the upper-layer protocol (50 ESP / 59 No Next Header end the walk). */
  protocol: number;
  /** A Fragment header was present. */
  fragment: boolean;
  /** Fragment offset in 8-byte units, More Fragments bit, Identification (0 without a Fragment header). */
  fragOffset: number;
  fragMore: number;
  fragId: number;
}

/** Encode input: payloadLength is computed when omitted; `ext` are extension-header bytes as on the wire. */
export interface Ipv6Fields {
  version?: number;
  trafficClass?: number;
  flowLabel?: number;
  payloadLength?: number;
  nextHeader: number;
  hopLimit?: number;
  src: Uint8Array;
  dst: Uint8Array;
  ext?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    ipv6: Ipv6Layer;
  }
}

/** Extension headers this dissector walks (RFC 8200 §4, IANA "IPv6 Extension Header Types"). */
export const ipv6ExtensionHeaders: Readonly<Record<number, string>> = {
  0: 'Hop-by-Hop Options',
  43: 'Routing',
  44: 'Fragment',
  51: 'Authentication Header',
  60: 'Destination Options',
  135: 'Mobility',
  139: 'HIP',
  140: 'Shim6',
};

const FIXED = 40;
/** Longest extension-header chain walked (a hostile chain of 8-byte headers cannot loop us long). */
const MAX_EXT = 32;

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1): src, dst, upper-layer length, next header. */
export function pseudoSum6(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return inetSum(dst, 0, 16, inetSum(src, 0, 16)) + (length >>> 16) + (length & 0xffff) + protocol;
}

function isIpv6(buf: Uint8Array, off: number, end: number): boolean {
  return off < end && buf[off]! >>> 4 === 6;
}

/**
 * A blank IPv6 layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newIpv6Layer(): Ipv6Layer {
  return {
    layer: 'ipv6',
    off: 0,
    len: 0,
    payloadOff: 0,
    payloadEnd: 0,
    nextTable: null,
    nextKey: -1,
    nextKey2: -1,
    version: 0,
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: 0,
    nextHeader: 0,
    hopLimit: 0,
    src: EMPTY_BYTES,
    dst: EMPTY_BYTES,
    ext: EMPTY_BYTES,
    protocol: 0,
    fragment: false,
    fragOffset: 0,
    fragMore: 0,
    fragId: 0,
  };
}

/**
 * A blank IPv6 layer whose `src` and `dst` are its own 16-byte arrays, which decodeIpv6Into refills
 * (a Decoder's slot): the addresses stay valid only until the layer's next decode.
 */
export function newIpv6Slot(): Ipv6Layer {
  const l = newIpv6Layer();
  l.src = new Uint8Array(16);
  l.dst = new Uint8Array(16);
  return l;
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives. A blank layer gets `src`/`dst` as views into the frame; a
 * slot (newIpv6Slot) gets the addresses copied into its own arrays.
 * False, with the problem on `pkt`, when the fixed header is short. The registry's Decoder reuses one `l`.
 */
export function decodeIpv6Into(buf: Uint8Array, off: number, end: number, pkt: Packet, l: Ipv6Layer): boolean {
  const have = end - off;
  if (have < FIXED) {
    shortLayer(pkt, 'ipv6', off, FIXED, have);
    return false;
  }
  const b0 = buf[off]!;
  const b1 = buf[off + 1]!;
  const version = b0 >>> 4;
  const payloadLength = u16(buf, off + 4);
  const nextHeader = buf[off + 6]!;
  let nextTable: TableName | null = 'ip.proto';
  if (version !== 6) {
    problem(pkt, 'ipv6', 'ipv6.bad-version', 'malformed', 'error', off, `ipv6: version ${version} under an IPv6 type, not decoded further`);
    nextTable = null;
  }

  // End of this datagram within the frame; what lies beyond is a link-layer trailer.
  let dEnd = off + FIXED + payloadLength;
  if (payloadLength === 0 && nextHeader === 0) {
    // A jumbogram (RFC 2675) carries its length in a hop-by-hop option: take the frame's end.
    dEnd = end;
  } else if (dEnd > end) {
    shortLayer(pkt, 'ipv6', off, FIXED + payloadLength, have, 'ipv6.bad-payload-length');
    dEnd = end;
  }

  // Walk the extension headers (no arrays: the chain is summarised in locals).
  let p = off + FIXED;
  let nh = nextHeader;
  let fragment = false;
  let fragOffset = 0;
  let fragMore = 0;
  let fragId = 0;
  for (let i = 0; i < MAX_EXT && nextTable !== null; i++) {
    let hl: number;
    if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140) {
      if (p + 2 > dEnd) hl = 8;
      else hl = (buf[p + 1]! + 1) * 8;
    } else if (nh === 44) {
      hl = 8;
    } else if (nh === 51) {
      if (p + 2 > dEnd) hl = 8;
      else hl = (buf[p + 1]! + 2) * 4;
    } else {
      break;
    }
    if (p + hl > dEnd) {
      shortLayer(pkt, 'ipv6', p, hl, dEnd - p, 'ipv6.bad-extension-length');
      nextTable = null;
      break;
    }
    if (nh === 44) {
      const fo = u16(buf, p + 2);
      fragment = true;
      fragOffset = fo >>> 3;
      fragMore = fo & 1;
      fragId = u32(buf, p + 4);
    }
    nh = buf[p]!;
    p += hl;
    // A non-first fragment carries no upper-layer header: leave its bytes raw.
    if (fragOffset !== 0) nextTable = null;
  }
  if (nh === 59) nextTable = null;

  l.off = off;
  l.len = p - off;
  l.payloadOff = p;
  l.payloadEnd = dEnd;
  l.nextTable = nextTable;
  l.nextKey = nh;
  l.nextKey2 = -1;
  l.version = version;
  l.trafficClass = ((b0 & 0x0f) << 4) | (b1 >>> 4);
  l.flowLabel = ((b1 & 0x0f) << 16) | u16(buf, off + 2);
  l.payloadLength = payloadLength;
  l.nextHeader = nextHeader;
  l.hopLimit = buf[off + 7]!;
  if (l.src === EMPTY_BYTES) {
    l.src = buf.subarray(off + 8, off + 24);
    l.dst = buf.subarray(off + 24, off + 40);
  } else {
    // A Decoder's slot owns its two arrays (ownAddresses): refilled, not a view made per frame
    // (Buffer.subarray costs as much as the rest of this decode).
    const s = l.src;
    const d = l.dst;
    for (let i = 0; i < 16; i++) {
      s[i] = buf[off + 8 + i]!;
      d[i] = buf[off + 24 + i]!;
    }
  }
  l.ext = p > off + FIXED ? buf.subarray(off + FIXED, p) : EMPTY_BYTES;
  l.protocol = nh;
  l.fragment = fragment;
  l.fragOffset = fragOffset;
  l.fragMore = fragMore;
  l.fragId = fragId;
  return true;
}

/** The IPv6 dissector (RFC 8200; SPEC "Layers" ipv6): ethertype 0x86dd, linktypes 229 and 101. */
export const ipv6: Dissector<Ipv6Layer, Ipv6Fields> = {
  name: 'ipv6',
  title: 'Internet Protocol Version 6',
  fields: [
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'ipv6.version' },
    { name: 'trafficClass', title: 'Traffic Class', kind: 'uint', hex: true, tshark: 'ipv6.tclass' },
    { name: 'flowLabel', title: 'Flow Label', kind: 'uint', hex: true, tshark: 'ipv6.flow' },
    { name: 'payloadLength', title: 'Payload Length', kind: 'uint', tshark: 'ipv6.plen' },
    { name: 'nextHeader', title: 'Next Header', kind: 'uint', names: ipProtocolNames, tshark: 'ipv6.nxt' },
    { name: 'hopLimit', title: 'Hop Limit', kind: 'uint', tshark: 'ipv6.hlim' },
    { name: 'src', title: 'Source Address', kind: 'ipv6', tshark: 'ipv6.src' },
    { name: 'dst', title: 'Destination Address', kind: 'ipv6', tshark: 'ipv6.dst' },
    { name: 'ext', title: 'Extension Headers', kind: 'bytes', hidden: true },
    { name: 'protocol', title: 'Upper-Layer Protocol', kind: 'uint', names: ipProtocolNames },
    { name: 'fragment', title: 'Fragment Header Present', kind: 'bool' },
    { name: 'fragOffset', title: 'Fragment Offset (8-byte units)', kind: 'uint', tshark: 'ipv6.fraghdr.offset' },
    { name: 'fragMore', title: 'More Fragments', kind: 'uint', tshark: 'ipv6.fraghdr.more' },
    { name: 'fragId', title: 'Fragment Identification', kind: 'uint', hex: true, tshark: 'ipv6.fraghdr.ident' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): Ipv6Layer | null {
    const l = newIpv6Layer();
    return decodeIpv6Into(buf, off, end, pkt, l) ? l : null;
  },

  encode(f: Ipv6Fields, payload?: Uint8Array): Uint8Array {
    const ext = f.ext ?? EMPTY_BYTES;
    const plen = payload ? payload.length : 0;
    const out = new Uint8Array(FIXED + ext.length + plen);
    const tc = f.trafficClass ?? 0;
    const fl = f.flowLabel ?? 0;
    out[0] = ((f.version ?? 6) << 4) | ((tc >>> 4) & 0x0f);
    out[1] = ((tc & 0x0f) << 4) | ((fl >>> 16) & 0x0f);
    putU16(out, 2, fl & 0xffff);
    putU16(out, 4, f.payloadLength ?? ext.length + plen);
    out[6] = f.nextHeader;
    out[7] = f.hopLimit ?? 64;
    out.set(f.src.subarray(0, 16), 8);
    out.set(f.dst.subarray(0, 16), 24);
    out.set(ext, FIXED);
    if (payload) out.set(payload, FIXED + ext.length);
    return out;
  },

  summary(l: Ipv6Layer): string {
    let s = `IPv6 ${ipv6Text(l.src, 0)} > ${ipv6Text(l.dst, 0)} ${named(l.protocol, ipProtocolNames)} hlim ${l.hopLimit} plen ${l.payloadLength}`;
    if (l.ext.length > 0) s += ` ext ${l.ext.length}B`;
    if (l.fragment) s += ` frag id 0x${l.fragId.toString(16)} offset ${l.fragOffset * 8}${l.fragMore ? ' +' : ''}`;
    return s;
  },

  child: { table: 'ip.proto', field: 'protocol' },
};

/** True when the datagram is a fragment (a Fragment header with MF set or a non-zero offset). */
export function isIpv6Fragment(l: Ipv6Layer): boolean {
  return l.fragment && (l.fragMore !== 0 || l.fragOffset !== 0);
}

/** ipv6 for LINKTYPE_RAW (101), which carries IPv4 and IPv6 alike: accepts = version nibble 6 (SPEC "Layers" ipv6). */
export const ipv6Raw: Dissector<Ipv6Layer, Ipv6Fields> = { ...ipv6, accepts: isIpv6 };
