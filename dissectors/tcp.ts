// TCP (RFC 9293): ports, sequence numbers, data offset checked, flags named (AE from RFC 9768 —
// formerly NS), options kept as a view (a registry Decoder's reused layer: copied into the decoder's
// own bytes, slotViews). SPEC "Layers" tcp; hot path: one object literal, or the Decoder's layer
// (decodeTcpInto).
import {
  type Dissector,
  type FieldDesc,
  type FlagDesc,
  type LayerMeta,
  type Packet,
  type TableName,
  fillView,
  viewOf,
  flagNames,
  problem,
  putU16,
  putU32,
  shortLayer,
} from './core.js';
import { EMPTY_BYTES } from './ipv4.js';
import { transportChecksum } from './udp.js';

/** A decoded TCP header (SPEC "Layers" tcp). */
export interface TcpLayer extends LayerMeta {
  readonly layer: 'tcp';
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Data offset in 32-bit words (5 without options). */
  dataOffset: number;
  /** 12 bits as tshark's tcp.flags: reserved 0xe00, ae 0x100, cwr 0x80 … fin 0x01. */
  flags: number;
  window: number;
  checksum: number;
  urgentPointer: number;
  /** Bytes of options (dataOffset × 4 − 20). */
  optionsLen: number;
  /** Option bytes (a view; shared empty array when none). */
  options: Uint8Array;
}

/** Encode input; dataOffset is computed from the options when omitted, checksum defaults to 0 (see setTcpChecksum). */
export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  dataOffset?: number;
  flags?: number;
  window?: number;
  checksum?: number;
  urgentPointer?: number;
  options?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    tcp: TcpLayer;
  }
}

/** TCP flags (RFC 9293 §3.1, RFC 3168 ECE/CWR, RFC 9768 AE). */
export const tcpFlags: readonly FlagDesc[] = [
  { mask: 0x001, name: 'fin', title: 'FIN' },
  { mask: 0x002, name: 'syn', title: 'SYN' },
  { mask: 0x004, name: 'rst', title: 'RST' },
  { mask: 0x008, name: 'psh', title: 'PSH' },
  { mask: 0x010, name: 'ack', title: 'ACK' },
  { mask: 0x020, name: 'urg', title: 'URG' },
  { mask: 0x040, name: 'ece', title: 'ECE' },
  { mask: 0x080, name: 'cwr', title: 'CWR' },
  { mask: 0x100, name: 'ae', title: 'AE (Accurate ECN, formerly NS)' },
  { mask: 0xe00, name: 'reserved', title: 'Reserved' },
];

const HEADER = 20;

/** Fill in the checksum of an encoded TCP segment (header + payload) in place (RFC 9293 §3.1). */
export function setTcpChecksum(seg: Uint8Array, src: number | Uint8Array, dst: number | Uint8Array): Uint8Array {
  putU16(seg, 16, 0);
  putU16(seg, 16, transportChecksum(seg, 6, src, dst));
  return seg;
}

/**
 * A blank TCP layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newTcpLayer(): TcpLayer {
  return {
    layer: 'tcp',
    off: 0,
    len: 0,
    payloadOff: 0,
    payloadEnd: 0,
    nextTable: null,
    nextKey: -1,
    nextKey2: -1,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    dataOffset: 0,
    flags: 0,
    window: 0,
    checksum: 0,
    urgentPointer: 0,
    optionsLen: 0,
    options: EMPTY_BYTES,
  };
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives.
 * False, with the problem on `pkt`, when the header is short. The registry's Decoder reuses one `l`
 * and passes `optionViews` (slotViews(40)): options are copied there instead of viewed in the frame.
 */
export function decodeTcpInto(buf: Uint8Array, off: number, end: number, pkt: Packet, l: TcpLayer, optionViews: readonly Uint8Array[] | null = null): boolean {
  const have = end - off;
  if (have < HEADER) {
    shortLayer(pkt, 'tcp', off, HEADER, have);
    return false;
  }
  // The fixed header as five words (one load each).
  const v = viewOf(buf);
  const ports = v.getUint32(off);
  const seq = v.getUint32(off + 4);
  const ack = v.getUint32(off + 8);
  const w3 = v.getUint32(off + 12);
  const w4 = v.getUint32(off + 16);
  const srcPort = ports >>> 16;
  const dstPort = ports & 0xffff;
  const w = w3 >>> 16;
  const dataOffset = w >>> 12;
  let hlen = dataOffset * 4;
  let nextTable: TableName | null = 'tcp.port';
  if (dataOffset < 5) {
    problem(pkt, 'tcp', 'tcp.bad-data-offset', 'malformed', 'error', off + 12, `tcp: data offset ${hlen} bytes is below the minimum 20`);
    hlen = HEADER;
    nextTable = null;
  } else if (hlen > have) {
    shortLayer(pkt, 'tcp', off, hlen, have, 'tcp.bad-data-offset');
    hlen = have;
    nextTable = null;
  }
  if (off + hlen === end) nextTable = null;
  const lo = srcPort < dstPort ? srcPort : dstPort;
  const hi = srcPort < dstPort ? dstPort : srcPort;
  l.off = off;
  l.len = hlen;
  l.payloadOff = off + hlen;
  l.payloadEnd = end;
  l.nextTable = nextTable;
  l.nextKey = lo;
  l.nextKey2 = hi === lo ? -1 : hi;
  l.srcPort = srcPort;
  l.dstPort = dstPort;
  l.seq = seq;
  l.ack = ack;
  l.dataOffset = dataOffset;
  l.flags = w & 0x0fff;
  l.window = w3 & 0xffff;
  l.checksum = w4 >>> 16;
  l.urgentPointer = w4 & 0xffff;
  l.optionsLen = hlen - HEADER;
  l.options = hlen === HEADER ? EMPTY_BYTES : optionViews === null ? buf.subarray(off + HEADER, off + hlen) : fillView(optionViews, buf, off + HEADER, hlen - HEADER);
  return true;
}

/** The TCP dissector (RFC 9293; SPEC "Layers" tcp): ip.proto 6, continues in 'tcp.port' (lower, then higher). */
export const tcp: Dissector<TcpLayer, TcpFields> = {
  name: 'tcp',
  title: 'Transmission Control Protocol',
  fields: [
    { name: 'srcPort', title: 'Source Port', kind: 'uint', tshark: 'tcp.srcport' },
    { name: 'dstPort', title: 'Destination Port', kind: 'uint', tshark: 'tcp.dstport' },
    { name: 'seq', title: 'Sequence Number (raw)', kind: 'uint', tshark: 'tcp.seq_raw' },
    { name: 'ack', title: 'Acknowledgment Number (raw)', kind: 'uint', tshark: 'tcp.ack_raw' },
    { name: 'dataOffset', title: 'Data Offset (32-bit words; tshark tcp.hdr_len counts bytes)', kind: 'uint', tshark: 'tcp.hdr_len' },
    { name: 'flags', title: 'Flags', kind: 'flags', flags: tcpFlags, hex: true, tshark: 'tcp.flags' },
    { name: 'window', title: 'Window', kind: 'uint', tshark: 'tcp.window_size_value' },
    { name: 'checksum', title: 'Checksum', kind: 'uint', hex: true, tshark: 'tcp.checksum' },
    { name: 'urgentPointer', title: 'Urgent Pointer', kind: 'uint', tshark: 'tcp.urgent_pointer' },
    { name: 'optionsLen', title: 'Options Length', kind: 'uint' },
    { name: 'options', title: 'Options', kind: 'bytes', hidden: true },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): TcpLayer | null {
    const l = newTcpLayer();
    return decodeTcpInto(buf, off, end, pkt, l) ? l : null;
  },

  encode(f: TcpFields, payload?: Uint8Array): Uint8Array {
    const opts = f.options ?? EMPTY_BYTES;
    const hlen = HEADER + ((opts.length + 3) & ~3);
    const plen = payload ? payload.length : 0;
    const out = new Uint8Array(hlen + plen);
    putU16(out, 0, f.srcPort);
    putU16(out, 2, f.dstPort);
    putU32(out, 4, f.seq ?? 0);
    putU32(out, 8, f.ack ?? 0);
    putU16(out, 12, ((f.dataOffset ?? hlen / 4) << 12) | ((f.flags ?? 0) & 0x0fff));
    putU16(out, 14, f.window ?? 65535);
    putU16(out, 16, f.checksum ?? 0);
    putU16(out, 18, f.urgentPointer ?? 0);
    out.set(opts, HEADER);
    if (payload) out.set(payload, hlen);
    return out;
  },

  summary(l: TcpLayer): string {
    const fl = flagNames(l.flags, tcpFlags).map((n) => n.toUpperCase());
    return `TCP ${l.srcPort} > ${l.dstPort} [${fl.join(',')}] seq ${l.seq} ack ${l.ack} win ${l.window} len ${l.payloadEnd - l.payloadOff}`;
  },

  child: { table: 'tcp.port', field: 'dstPort' },
};
