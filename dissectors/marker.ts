// Marker PDU and Marker Response PDU (IEEE 802.1AX-2014 6.5.3.3, formerly 802.3 43.5.3.2): the
// 110-octet layout of PROTOCOLS.md §2.5; the Response copies the requester fields, TLV type 2.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  macText,
  mac48,
  named,
  problem,
  putMac48,
  putU16,
  putU32,
  shortLayer,
  u16,
  u32,
} from './core.js';

/** A decoded Marker or Marker Response PDU. */
export interface MarkerLayer extends LayerMeta {
  readonly layer: 'marker';
  subtype: number;
  version: number;
  /** 1 Marker Information, 2 Marker Response Information. */
  tlvType: number;
  tlvLength: number;
  requesterPort: number;
  requesterSystem: number;
  requesterTransactionId: number;
  pad: number;
  terminatorType: number;
  terminatorLength: number;
  /** The 90 reserved octets after the Terminator (a view). */
  reserved: Uint8Array;
}

/** Encoder input; type/length fields and reserved octets default to the standard values. */
export interface MarkerFields {
  subtype?: number;
  version?: number;
  tlvType: number;
  tlvLength?: number;
  requesterPort: number;
  requesterSystem: number;
  requesterTransactionId: number;
  pad?: number;
  terminatorType?: number;
  terminatorLength?: number;
  reserved?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    marker: MarkerLayer;
  }
}

/** Marker PDU size from the subtype octet (PROTOCOLS.md §2.5). */
export const MARKER_PDU_LEN = 110;
/** Octets through the Terminator (what the decoder insists on). */
const MARKER_MIN = 20;

/** Marker TLV types (802.1AX-2014 6.5.3.3). */
export const markerTlvTypeNames: Readonly<Record<number, string>> = {
  0: 'Terminator',
  1: 'Marker Information',
  2: 'Marker Response Information',
};

/** The Marker protocol dissector (slow.subtype 2). */
export const marker: Dissector<MarkerLayer, MarkerFields> = {
  name: 'marker',
  title: 'Marker Protocol',
  fields: [
    { name: 'subtype', title: 'Subtype', kind: 'uint', hex: true, tshark: 'slow.subtype#0' },
    { name: 'version', title: 'Version Number', kind: 'uint', hex: true, tshark: 'marker.version' },
    { name: 'tlvType', title: 'TLV Type', kind: 'uint', hex: true, names: markerTlvTypeNames, tshark: 'marker.tlvType#0' },
    { name: 'tlvLength', title: 'TLV Length', kind: 'uint', tshark: 'marker.tlvLen#0' },
    { name: 'requesterPort', title: 'Requester Port', kind: 'uint', tshark: 'marker.requesterPort' },
    { name: 'requesterSystem', title: 'Requester System', kind: 'mac', tshark: 'marker.requesterSystem' },
    { name: 'requesterTransactionId', title: 'Requester Transaction ID', kind: 'uint', tshark: 'marker.requesterTransId' },
    { name: 'pad', title: 'Requester Pad', kind: 'uint', tshark: 'marker.requesterPad' },
    { name: 'terminatorType', title: 'Terminator TLV type', kind: 'uint', hex: true, tshark: 'marker.tlvType#1' },
    { name: 'terminatorLength', title: 'Terminator TLV length', kind: 'uint', tshark: 'marker.tlvLen#1' },
    { name: 'reserved', title: 'Reserved', kind: 'bytes', hidden: true, tshark: 'marker.reserved' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): MarkerLayer | null {
    const have = end - off;
    if (have < MARKER_MIN) {
      shortLayer(pkt, 'marker', off, MARKER_PDU_LEN, have);
      return null;
    }
    const len = have < MARKER_PDU_LEN ? have : MARKER_PDU_LEN;
    const l: MarkerLayer = {
      layer: 'marker',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      subtype: buf[off]!,
      version: buf[off + 1]!,
      tlvType: buf[off + 2]!,
      tlvLength: buf[off + 3]!,
      requesterPort: u16(buf, off + 4),
      requesterSystem: mac48(buf, off + 6),
      requesterTransactionId: u32(buf, off + 12),
      pad: u16(buf, off + 16),
      terminatorType: buf[off + 18]!,
      terminatorLength: buf[off + 19]!,
      reserved: buf.subarray(off + MARKER_MIN, off + len),
    };
    if (len < MARKER_PDU_LEN) shortLayer(pkt, 'marker', off, MARKER_PDU_LEN, have);
    if (l.version !== 1) problem(pkt, 'marker', 'marker.version', 'unusual', 'warning', off + 1, `marker: version ${l.version}, expected 1`);
    if (l.tlvType !== 1 && l.tlvType !== 2) problem(pkt, 'marker', 'marker.bad-tlv-type', 'malformed', 'error', off + 2, `marker: TLV type ${l.tlvType}, expected 1 or 2`);
    if (l.tlvLength !== 16) problem(pkt, 'marker', 'marker.bad-tlv-length', 'malformed', 'error', off + 3, `marker: TLV length ${l.tlvLength}, expected 16`);
    if (l.pad !== 0) problem(pkt, 'marker', 'marker.bad-pad', 'unusual', 'note', off + 16, `marker: pad ${l.pad}, expected 0`);
    if (l.terminatorType !== 0) problem(pkt, 'marker', 'marker.bad-tlv-type', 'malformed', 'error', off + 18, `marker: Terminator type ${l.terminatorType}, expected 0`);
    if (l.terminatorLength !== 0) problem(pkt, 'marker', 'marker.bad-tlv-length', 'malformed', 'error', off + 19, `marker: Terminator length ${l.terminatorLength}, expected 0`);
    return l;
  },

  encode(f: MarkerFields, payload?: Uint8Array): Uint8Array {
    const reserved = f.reserved ?? new Uint8Array(MARKER_PDU_LEN - MARKER_MIN);
    const n = MARKER_MIN + reserved.length;
    const out = new Uint8Array(n + (payload?.length ?? 0));
    out[0] = f.subtype ?? 2;
    out[1] = f.version ?? 1;
    out[2] = f.tlvType;
    out[3] = f.tlvLength ?? 16;
    putU16(out, 4, f.requesterPort);
    putMac48(out, 6, f.requesterSystem);
    putU32(out, 12, f.requesterTransactionId);
    putU16(out, 16, f.pad ?? 0);
    out[18] = f.terminatorType ?? 0;
    out[19] = f.terminatorLength ?? 0;
    out.set(reserved, MARKER_MIN);
    if (payload) out.set(payload, n);
    return out;
  },

  summary(l: MarkerLayer): string {
    const what = l.tlvType === 2 ? 'Marker Response' : l.tlvType === 1 ? 'Marker' : `Marker ${named(l.tlvType, markerTlvTypeNames)}`;
    return `${what} requester ${macText(l.requesterSystem)} port ${l.requesterPort} transaction ${l.requesterTransactionId}`;
  },
};
