// Windows Failover Cluster heartbeats on UDP 3343: NetFT's Route Control Protocol, little-endian
// (community reverse engineering: PixelFrame/LuaShark mscluster.lua after NetMon's failovercluster.npl;
// Wireshark's epan/dissectors/packet-msrcp.c). PROTOCOLS.md §2.11. Decoded only when the identifier is
// 0x55555555; other 3343 payloads (signed/encrypted, or NetFT-tunnelled frames) stay raw.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  ipv4Text,
  ipv6Text,
  named,
  problem,
  putU16le,
  putU32,
  putU32le,
  shortLayer,
  u16le,
  u32,
  u32le,
} from './core.js';

/** A decoded Route Control Protocol header, with its address-pair extension when present. */
export interface MscsLayer extends LayerMeta {
  readonly layer: 'mscs';
  /** 0x55555555. */
  identifier: number;
  version: number;
  reserved: number;
  /** 0 Request, 1 Response. */
  type: number;
  /** 0 none, 1 IPv4 pair, 2 IPv6 pair, 3 signature. */
  nextHeader: number;
  totalLength: number;
  sequence: number;
  /** The extension header (0 when absent). */
  extNextHeader: number;
  extLength: number;
  extReserved: number;
  /** Route addresses: IPv4 pair as numbers, IPv6 pair as 16-byte views; null without a pair. */
  srcAddr: number | Uint8Array | null;
  dstAddr: number | Uint8Array | null;
}

/** Encode input; totalLength and extLength are computed when omitted. */
export interface MscsFields {
  identifier?: number;
  version?: number;
  reserved?: number;
  type: number;
  nextHeader?: number;
  totalLength?: number;
  sequence: number;
  extNextHeader?: number;
  extLength?: number;
  extReserved?: number;
  srcAddr?: number | Uint8Array | null;
  dstAddr?: number | Uint8Array | null;
}

declare module './core.js' {
  interface LayerMap {
    mscs: MscsLayer;
  }
}

/** The Route Control Protocol identifier (its 4 bytes read the same in either byte order). */
export const MSCS_IDENTIFIER = 0x55555555;
/** Message types. */
export const mscsTypeNames: Readonly<Record<number, string>> = { 0: 'Request', 1: 'Response' };
/** Extension (next header) types. */
export const mscsNextHeaderNames: Readonly<Record<number, string>> = { 0: 'None', 1: 'IPv4 Pair', 2: 'IPv6 Pair', 3: 'Signature', 4: 'Maximum' };

const HEADER = 16;
const EXT_HEADER = 8;
const PAIR4 = EXT_HEADER + 8;
const PAIR6 = EXT_HEADER + 32;

/** A Route Control Protocol message: at least the 16-byte header, starting with 0x55555555. */
export function isMscs(buf: Uint8Array, off: number, end: number): boolean {
  return end - off >= HEADER && buf[off] === 0x55 && buf[off + 1] === 0x55 && buf[off + 2] === 0x55 && buf[off + 3] === 0x55;
}

/** The Windows cluster heartbeat dissector (PROTOCOLS.md §2.11): udp.port 3343, accepts = isMscs. */
export const mscs: Dissector<MscsLayer, MscsFields> = {
  name: 'mscs',
  title: 'Windows Failover Cluster Route Control Protocol (NetFT heartbeat)',
  fields: [
    { name: 'identifier', title: 'Identifier', kind: 'uint', hex: true, tshark: 'msrcp.id' },
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'msrcp.vers' },
    { name: 'reserved', title: 'Reserved', kind: 'uint', tshark: 'msrcp.reserved' },
    { name: 'type', title: 'Type', kind: 'uint', names: mscsTypeNames, tshark: 'msrcp.type' },
    { name: 'nextHeader', title: 'Next Header', kind: 'uint', names: mscsNextHeaderNames, tshark: 'msrcp.nxt_header' },
    { name: 'totalLength', title: 'Total Length', kind: 'uint', tshark: 'msrcp.len' },
    { name: 'sequence', title: 'Sequence Number', kind: 'uint', tshark: 'msrcp.seq' },
    { name: 'extNextHeader', title: 'Extension Next Header', kind: 'uint', names: mscsNextHeaderNames, tshark: 'msrcp.ext_nxt_header' },
    { name: 'extLength', title: 'Extension Length', kind: 'uint', tshark: 'msrcp.ext_len' },
    { name: 'extReserved', title: 'Extension Reserved', kind: 'uint', hex: true, tshark: 'msrcp.nxt_res' },
    { name: 'srcAddr', title: 'Route Source Address', kind: 'string' },
    { name: 'dstAddr', title: 'Route Destination Address', kind: 'string' },
  ] satisfies FieldDesc[],
  accepts: isMscs,

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): MscsLayer | null {
    const have = end - off;
    if (have < HEADER) {
      shortLayer(pkt, 'mscs', off, HEADER, have);
      return null;
    }
    const identifier = u32le(buf, off);
    if (identifier !== MSCS_IDENTIFIER) {
      problem(pkt, 'mscs', 'mscs.bad-identifier', 'malformed', 'warning', off, `mscs: identifier 0x${identifier.toString(16)} (0x55555555 expected)`);
    }
    const nextHeader = u16le(buf, off + 8);
    const totalLength = u16le(buf, off + 10);
    let p = off + HEADER;
    let extNextHeader = 0;
    let extLength = 0;
    let extReserved = 0;
    let srcAddr: number | Uint8Array | null = null;
    let dstAddr: number | Uint8Array | null = null;
    if (nextHeader === 1 || nextHeader === 2) {
      const need = HEADER + (nextHeader === 1 ? PAIR4 : PAIR6);
      if (have < need) {
        shortLayer(pkt, 'mscs', off, need, have, 'mscs.bad-length');
      } else {
        extNextHeader = u16le(buf, p);
        extLength = u16le(buf, p + 2);
        extReserved = u32le(buf, p + 4);
        if (nextHeader === 1) {
          srcAddr = u32(buf, p + 8);
          dstAddr = u32(buf, p + 12);
        } else {
          srcAddr = buf.subarray(p + 8, p + 24);
          dstAddr = buf.subarray(p + 24, p + 40);
        }
        p = off + need;
      }
    }
    if (totalLength > have) shortLayer(pkt, 'mscs', off, totalLength, have, 'mscs.bad-length');
    const len = p - off;
    const l: MscsLayer = {
      layer: 'mscs',
      off,
      len,
      payloadOff: p,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      identifier,
      version: buf[off + 4]!,
      reserved: buf[off + 5]!,
      type: u16le(buf, off + 6),
      nextHeader,
      totalLength,
      sequence: u32le(buf, off + 12),
      extNextHeader,
      extLength,
      extReserved,
      srcAddr,
      dstAddr,
    };
    return l;
  },

  encode(f: MscsFields, payload?: Uint8Array): Uint8Array {
    const nh = f.nextHeader ?? (f.srcAddr == null ? 0 : typeof f.srcAddr === 'number' ? 1 : 2);
    const ext = nh === 1 ? PAIR4 : nh === 2 ? PAIR6 : 0;
    const out = new Uint8Array(HEADER + ext + (payload ? payload.length : 0));
    putU32le(out, 0, f.identifier ?? MSCS_IDENTIFIER);
    out[4] = f.version ?? 1;
    out[5] = f.reserved ?? 0;
    putU16le(out, 6, f.type);
    putU16le(out, 8, nh);
    putU16le(out, 10, f.totalLength ?? HEADER + ext);
    putU32le(out, 12, f.sequence);
    if (ext > 0) {
      const p = HEADER;
      putU16le(out, p, f.extNextHeader ?? 0);
      putU16le(out, p + 2, f.extLength ?? ext);
      putU32le(out, p + 4, f.extReserved ?? 0);
      const s = f.srcAddr ?? 0;
      const d = f.dstAddr ?? 0;
      if (nh === 1) {
        putU32(out, p + 8, typeof s === 'number' ? s : 0);
        putU32(out, p + 12, typeof d === 'number' ? d : 0);
      } else {
        if (typeof s !== 'number') out.set(s.subarray(0, 16), p + 8);
        if (typeof d !== 'number') out.set(d.subarray(0, 16), p + 24);
      }
    }
    if (payload) out.set(payload, HEADER + ext);
    return out;
  },

  summary(l: MscsLayer): string {
    const t = mscsTypeNames[l.type] ?? named(l.type, mscsTypeNames);
    let s = `MSCS heartbeat ${t} seq ${l.sequence}`;
    if (typeof l.srcAddr === 'number' && typeof l.dstAddr === 'number') s += ` route ${ipv4Text(l.srcAddr)} > ${ipv4Text(l.dstAddr)}`;
    else if (l.srcAddr instanceof Uint8Array && l.dstAddr instanceof Uint8Array) s += ` route ${ipv6Text(l.srcAddr, 0)} > ${ipv6Text(l.dstAddr, 0)}`;
    return s;
  },
};
