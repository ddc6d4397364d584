// kronosnet (knet), corosync 3's transport, on-wire version 1 as sent without crypto: the 6-byte
// struct knet_header, then a PING/PONG, PMTUD or DATA header (kronosnet/kronosnet libknet/onwire.h,
// onwire_v1.c). PROTOCOLS.md §2.10. Most clusters encrypt knet: `accepts` takes only plain knet v1
// with a known type and a length that fits it, so encrypted datagrams stay raw UDP payload.
import { type Dissector, type FieldDesc, type LayerMeta, type Packet, named, putU16, shortLayer, u16, u16le } from './core.js';
import { EMPTY_BYTES } from './ipv4.js';

/** A decoded knet header. Fields a type does not carry are 0 (numbers) or empty (pingTime). */
export interface KnetLayer extends LayerMeta {
  readonly layer: 'knet';
  /** kh_version: on-wire version (1). */
  version: number;
  /** kh_type: 0x00 DATA, 0x81 PING, 0x82 PONG, 0x83 PMTUD, 0x84 PMTUD_REPLY. */
  type: number;
  /** kh_node: sender's host id (a PONG carries the responder's). */
  node: number;
  /** kh_max_ver: highest on-wire version the sender supports (0 from old knet, meaning 1). */
  maxVersion: number;
  pad1: number;
  /** PING/PONG/PMTUD: link id. */
  link: number;
  /** PING/PONG: the sender's struct timespec in its own byte order, opaque (16-byte view). */
  pingTime: Uint8Array;
  /** PING/PONG: tx sequence number; DATA: packet sequence number. */
  seq: number;
  /** PING/PONG: 1 timed ping, 0 forced by a sequence number. */
  timed: number;
  /** DATA header. */
  compress: number;
  dataPad: number;
  bcast: number;
  fragNum: number;
  fragSeq: number;
  channel: number;
  /** PMTUD: probe size, written by knet in host byte order (read here as little-endian). */
  pmtudSize: number;
}

/** Encode input (see KnetLayer). */
export interface KnetFields {
  version?: number;
  type: number;
  node: number;
  maxVersion?: number;
  pad1?: number;
  link?: number;
  pingTime?: Uint8Array;
  seq?: number;
  timed?: number;
  compress?: number;
  dataPad?: number;
  bcast?: number;
  fragNum?: number;
  fragSeq?: number;
  channel?: number;
  pmtudSize?: number;
}

declare module './core.js' {
  interface LayerMap {
    knet: KnetLayer;
  }
}

/** knet packet types (libknet/onwire.h KNET_HEADER_TYPE_*). */
export const knetTypeNames: Readonly<Record<number, string>> = { 0x00: 'DATA', 0x81: 'PING', 0x82: 'PONG', 0x83: 'PMTUD', 0x84: 'PMTUD_REPLY' };

/** Header sizes (onwire.h: KNET_HEADER_SIZE, _PING_V1_SIZE, _PMTUD_V1_SIZE, _DATA_V1_SIZE). */
export const KNET_HEADER_SIZE = 6;
export const KNET_PING_SIZE = 26;
export const KNET_PMTUD_SIZE = 9;
export const KNET_DATA_SIZE = 14;

/** Corosync's default knet UDP ports: mcastport 5405 and mcastport + link number (links 0–7). */
export const KNET_PORTS: readonly number[] = [5405, 5406, 5407, 5408, 5409, 5410, 5411, 5412];

/**
 * Plain knet v1 (PROTOCOLS.md §2.10): version 1, max version 0 (old knet) or ≥ 1, a known type, and a length
 * that fits it: PING/PONG exactly 26 bytes, PMTUD at least 9, PMTUD_REPLY exactly 9, DATA at least 14 with
 * 1 ≤ fragments and fragment sequence ≤ fragments. Encrypted datagrams fail this almost always.
 */
export function isPlainKnet(buf: Uint8Array, off: number, end: number): boolean {
  const n = end - off;
  if (n < KNET_HEADER_SIZE || buf[off] !== 1) return false;
  // kh_max_ver: 0 from old knet that did not advertise it (libknet rx checks), else the sender's highest
  // version (1 today); anything large is not knet.
  if (buf[off + 4]! > 16) return false;
  switch (buf[off + 1]) {
    case 0x81:
    case 0x82:
      return n === KNET_PING_SIZE && buf[off + 25]! <= 1;
    case 0x83:
      return n >= KNET_PMTUD_SIZE;
    case 0x84:
      return n === KNET_PMTUD_SIZE;
    case 0x00: {
      if (n < KNET_DATA_SIZE) return false;
      const fragNum = buf[off + 11]!;
      return fragNum >= 1 && buf[off + 12]! <= fragNum;
    }
    default:
      return false;
  }
}

/** The knet dissector (PROTOCOLS.md §2.10): udp.port 5405–5412, accepts = isPlainKnet. */
export const knet: Dissector<KnetLayer, KnetFields> = {
  name: 'knet',
  title: 'kronosnet (corosync 3 transport)',
  fields: [
    { name: 'version', title: 'Version', kind: 'uint' },
    { name: 'type', title: 'Type', kind: 'uint', names: knetTypeNames, hex: true },
    { name: 'node', title: 'Node', kind: 'uint' },
    { name: 'maxVersion', title: 'Max Version', kind: 'uint' },
    { name: 'pad1', title: 'Pad', kind: 'uint', hidden: true },
    { name: 'link', title: 'Link', kind: 'uint' },
    { name: 'pingTime', title: 'Ping Time (sender timespec)', kind: 'bytes', hex: true },
    { name: 'seq', title: 'Sequence Number', kind: 'uint' },
    { name: 'timed', title: 'Timed', kind: 'uint' },
    { name: 'compress', title: 'Compression', kind: 'uint' },
    { name: 'dataPad', title: 'Data Pad', kind: 'uint', hidden: true },
    { name: 'bcast', title: 'Broadcast', kind: 'uint' },
    { name: 'fragNum', title: 'Fragments', kind: 'uint' },
    { name: 'fragSeq', title: 'Fragment Sequence', kind: 'uint' },
    { name: 'channel', title: 'Channel', kind: 'uint' },
    { name: 'pmtudSize', title: 'PMTUD Size', kind: 'uint' },
  ] satisfies FieldDesc[],
  accepts: isPlainKnet,

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): KnetLayer | null {
    const have = end - off;
    if (have < KNET_HEADER_SIZE) {
      shortLayer(pkt, 'knet', off, KNET_HEADER_SIZE, have);
      return null;
    }
    const type = buf[off + 1]!;
    const need = type === 0x81 || type === 0x82 ? KNET_PING_SIZE : type === 0x83 || type === 0x84 ? KNET_PMTUD_SIZE : type === 0 ? KNET_DATA_SIZE : KNET_HEADER_SIZE;
    const full = have >= need;
    if (!full) shortLayer(pkt, 'knet', off, need, have);
    const ping = full && (type === 0x81 || type === 0x82);
    const pmtud = full && (type === 0x83 || type === 0x84);
    const data = full && type === 0;
    const len = full ? need : KNET_HEADER_SIZE;
    const l: KnetLayer = {
      layer: 'knet',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      version: buf[off]!,
      type,
      node: u16(buf, off + 2),
      maxVersion: buf[off + 4]!,
      pad1: buf[off + 5]!,
      link: ping || pmtud ? buf[off + 6]! : 0,
      pingTime: ping ? buf.subarray(off + 7, off + 23) : EMPTY_BYTES,
      seq: ping ? u16(buf, off + 23) : data ? u16(buf, off + 6) : 0,
      timed: ping ? buf[off + 25]! : 0,
      compress: data ? buf[off + 8]! : 0,
      dataPad: data ? buf[off + 9]! : 0,
      bcast: data ? buf[off + 10]! : 0,
      fragNum: data ? buf[off + 11]! : 0,
      fragSeq: data ? buf[off + 12]! : 0,
      channel: data ? buf[off + 13]! : 0,
      pmtudSize: pmtud ? u16le(buf, off + 7) : 0,
    };
    return l;
  },

  encode(f: KnetFields, payload?: Uint8Array): Uint8Array {
    const t = f.type;
    const hlen = t === 0x81 || t === 0x82 ? KNET_PING_SIZE : t === 0x83 || t === 0x84 ? KNET_PMTUD_SIZE : t === 0 ? KNET_DATA_SIZE : KNET_HEADER_SIZE;
    const out = new Uint8Array(hlen + (payload ? payload.length : 0));
    out[0] = f.version ?? 1;
    out[1] = t;
    putU16(out, 2, f.node);
    out[4] = f.maxVersion ?? 1;
    out[5] = f.pad1 ?? 0;
    if (hlen === KNET_PING_SIZE) {
      out[6] = f.link ?? 0;
      if (f.pingTime) out.set(f.pingTime.subarray(0, 16), 7);
      putU16(out, 23, f.seq ?? 0);
      out[25] = f.timed ?? 1;
    } else if (hlen === KNET_PMTUD_SIZE) {
      out[6] = f.link ?? 0;
      const s = f.pmtudSize ?? 0;
      out[7] = s & 0xff;
      out[8] = (s >>> 8) & 0xff;
    } else if (hlen === KNET_DATA_SIZE) {
      putU16(out, 6, f.seq ?? 0);
      out[8] = f.compress ?? 0;
      out[9] = f.dataPad ?? 0;
      out[10] = f.bcast ?? 1;
      out[11] = f.fragNum ?? 1;
      out[12] = f.fragSeq ?? 0;
      out[13] = f.channel ?? 0;
    }
    if (payload) out.set(payload, hlen);
    return out;
  },

  summary(l: KnetLayer): string {
    const t = knetTypeNames[l.type] ?? named(l.type, knetTypeNames, true);
    if (l.type === 0x81 || l.type === 0x82) return `knet ${t} node ${l.node} link ${l.link} seq ${l.seq}${l.timed ? '' : ' untimed'}`;
    if (l.type === 0x83 || l.type === 0x84) return `knet ${t} node ${l.node} link ${l.link} size ${l.pmtudSize}`;
    if (l.type === 0) return `knet DATA node ${l.node} seq ${l.seq} frag ${l.fragSeq}/${l.fragNum} channel ${l.channel} len ${l.payloadEnd - l.payloadOff}`;
    return `knet ${t} node ${l.node}`;
  },
};
