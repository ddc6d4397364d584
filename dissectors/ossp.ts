// Organization Specific Slow Protocol (IEEE 802.3-2022 Annex 57B): subtype 10 and an OUI; with the
// ITU-T OUI 00-19-A7 and ITU subtype 1 it is ESMC (ITU-T G.8264 11.3.1: QL TLV, optional extended QL TLV).
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  hexText,
  named,
  problem,
  putU16,
  shortLayer,
  u16,
} from './core.js';

/** A decoded OSSP PDU; ESMC fields are -1 (views empty) unless the OUI is ITU-T and the subtype ESMC. */
export interface OsspLayer extends LayerMeta {
  readonly layer: 'ossp';
  subtype: number;
  oui: number;
  /** ITU-T OSSP subtype (0x0001 = ESMC), -1 for other OUIs. */
  ituSubtype: number;
  /** ESMC version (high nibble), event flag (0x08), reserved bits (0x07) and 3 reserved octets. */
  esmcVersion: number;
  eventFlag: number;
  reservedBits: number;
  esmcReserved: number;
  /** QL TLV: type (1), length (4), unused nibble and SSM code nibble. */
  qlTlvType: number;
  qlTlvLength: number;
  qlUnused: number;
  ssmCode: number;
  /** Extended QL TLV (type 2, length 20; G.8264 Amd.1 Table 11-4), -1 when absent. */
  extTlvType: number;
  extTlvLength: number;
  essmCode: number;
  /** SyncE clock identity, 8 octets (a view; empty when absent). */
  clockId: Uint8Array;
  /** Extended QL flag octet: 0x02 partial chain, 0x01 mixed EEC/eEEC. */
  extFlags: number;
  eeecCount: number;
  eecCount: number;
  /** The 5 reserved octets of the extended QL TLV (a view). */
  extReserved: Uint8Array;
}

/** Encoder input: the OUI, and the ESMC fields when the OUI is ITU-T; `data` is what follows otherwise. */
export interface OsspFields {
  subtype?: number;
  oui: number;
  ituSubtype?: number;
  esmcVersion?: number;
  eventFlag?: number;
  reservedBits?: number;
  esmcReserved?: number;
  qlTlvType?: number;
  qlTlvLength?: number;
  qlUnused?: number;
  ssmCode?: number;
  /** Set (≥ 0) to write an extended QL TLV. */
  extTlvType?: number;
  extTlvLength?: number;
  essmCode?: number;
  clockId?: Uint8Array;
  extFlags?: number;
  eeecCount?: number;
  eecCount?: number;
  extReserved?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    ossp: OsspLayer;
  }
}

/** ITU-T OUI (IEEE RA; G.8264 11.3.1.1). */
export const OUI_ITU_T = 0x0019a7;
/** ITU-T OSSP subtype of ESMC (G.8264 Table 11-3). */
export const ESMC_ITU_SUBTYPE = 0x0001;
const ESMC_QL_TLV_LEN = 4;
const ESMC_EXT_QL_TLV_TYPE = 0x02;
const ESMC_EXT_QL_TLV_LEN = 20;
/** Subtype + OUI. */
const OSSP_HDR = 4;
/** Subtype + OUI + ITU subtype + version/flags + 3 reserved + QL TLV. */
const ESMC_LEN = OSSP_HDR + 2 + 4 + ESMC_QL_TLV_LEN;

/** OUIs with a name. */
export const osspOuiNames: Readonly<Record<number, string>> = { [OUI_ITU_T]: 'ITU-T' };

/** SSM codes, G.781 option I (Wireshark packet-ossp.c esmc_quality_level_opt_1_vals_short). */
export const ssmCodeNames: Readonly<Record<number, string>> = { 2: 'QL-PRC', 4: 'QL-SSU-A', 8: 'QL-SSU-B', 11: 'QL-SEC', 15: 'QL-DNU' };

/** Extended QL flags (G.8264 Amd.1; Wireshark ossp.esmc.tlv_ext_ql_flag_*). */
export const esmcExtFlags = [
  { mask: 0x01, name: 'mixed', title: 'Mixed EEC/eEEC clocks' },
  { mask: 0x02, name: 'chain', title: 'Partial chain' },
] as const;

const EMPTY: Uint8Array = new Uint8Array(0);

/** The OSSP dissector (slow.subtype 10), decoding ESMC. */
export const ossp: Dissector<OsspLayer, OsspFields> = {
  name: 'ossp',
  title: 'Organization Specific Slow Protocol',
  fields: [
    { name: 'subtype', title: 'Subtype', kind: 'uint', hex: true, tshark: 'slow.subtype#0' },
    { name: 'oui', title: 'OUI', kind: 'uint', hex: true, names: osspOuiNames, tshark: 'ossp.oui' },
    { name: 'ituSubtype', title: 'ITU-T OSSP Subtype', kind: 'uint', hex: true, tshark: 'ossp.itu.subtype' },
    { name: 'esmcVersion', title: 'ESMC Version', kind: 'uint', tshark: 'ossp.esmc.version' },
    { name: 'eventFlag', title: 'Event Flag', kind: 'uint', tshark: 'ossp.esmc.event_flag' },
    { name: 'reservedBits', title: 'Reserved bits', kind: 'uint', hidden: true, tshark: 'ossp.esmc.reserved_bits' },
    { name: 'esmcReserved', title: 'Reserved', kind: 'uint', hidden: true, tshark: 'ossp.esmc.reserved' },
    { name: 'qlTlvType', title: 'QL TLV Type', kind: 'uint', hex: true, tshark: 'ossp.esmc.tlv_type#0' },
    { name: 'qlTlvLength', title: 'QL TLV Length', kind: 'uint', tshark: 'ossp.esmc.tlv_length#0' },
    { name: 'qlUnused', title: 'QL unused bits', kind: 'uint', hidden: true, tshark: 'ossp.esmc.tlv_ql_unused' },
    { name: 'ssmCode', title: 'SSM Code', kind: 'uint', names: ssmCodeNames, tshark: 'ossp.esmc.tlv_ql_ssm' },
    { name: 'extTlvType', title: 'Extended QL TLV Type', kind: 'uint', hex: true, tshark: 'ossp.esmc.tlv_type#1' },
    { name: 'extTlvLength', title: 'Extended QL TLV Length', kind: 'uint', tshark: 'ossp.esmc.tlv_length#1' },
    { name: 'essmCode', title: 'Enhanced SSM Code', kind: 'uint', hex: true, tshark: 'ossp.esmc.tlv_ext_ql_essm' },
    { name: 'clockId', title: 'SyncE clockID', kind: 'bytes', tshark: 'ossp.esmc.tlv_ext_ql_clockid' },
    { name: 'extFlags', title: 'Extended QL flags', kind: 'flags', flags: esmcExtFlags },
    { name: 'eeecCount', title: 'Cascaded eEECs', kind: 'uint', tshark: 'ossp.esmc.tlv_ext_ql_eeec' },
    { name: 'eecCount', title: 'Cascaded EECs', kind: 'uint', tshark: 'ossp.esmc.tlv_ext_ql_eec' },
    { name: 'extReserved', title: 'Extended QL reserved', kind: 'bytes', hidden: true, tshark: 'ossp.esmc.tlv_ext_ql_reserved' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): OsspLayer | null {
    const have = end - off;
    if (have < OSSP_HDR) {
      shortLayer(pkt, 'ossp', off, OSSP_HDR, have);
      return null;
    }
    const oui = (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
    const itu = oui === OUI_ITU_T;
    if (itu && have < OSSP_HDR + 2) {
      shortLayer(pkt, 'ossp', off, ESMC_LEN, have);
      return null;
    }
    const ituSubtype = itu ? u16(buf, off + 4) : -1;
    const esmc = ituSubtype === ESMC_ITU_SUBTYPE;
    if (esmc && have < ESMC_LEN) {
      shortLayer(pkt, 'ossp', off, ESMC_LEN, have);
      return null;
    }
    const x = off + ESMC_LEN;
    const ext = esmc && x + ESMC_EXT_QL_TLV_LEN <= end && buf[x] === ESMC_EXT_QL_TLV_TYPE;
    const len = ext ? ESMC_LEN + ESMC_EXT_QL_TLV_LEN : esmc ? ESMC_LEN : itu ? OSSP_HDR + 2 : OSSP_HDR;
    const vf = esmc ? buf[off + 6]! : 0;
    const q = off + 10;
    const l: OsspLayer = {
      layer: 'ossp',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      subtype: buf[off]!,
      oui,
      ituSubtype,
      esmcVersion: esmc ? vf >>> 4 : -1,
      eventFlag: esmc ? (vf >>> 3) & 1 : -1,
      reservedBits: esmc ? vf & 7 : -1,
      esmcReserved: esmc ? (buf[off + 7]! << 16) | (buf[off + 8]! << 8) | buf[off + 9]! : -1,
      qlTlvType: esmc ? buf[q]! : -1,
      qlTlvLength: esmc ? u16(buf, q + 1) : -1,
      qlUnused: esmc ? buf[q + 3]! >>> 4 : -1,
      ssmCode: esmc ? buf[q + 3]! & 0x0f : -1,
      extTlvType: ext ? buf[x]! : -1,
      extTlvLength: ext ? u16(buf, x + 1) : -1,
      essmCode: ext ? buf[x + 3]! : -1,
      clockId: ext ? buf.subarray(x + 4, x + 12) : EMPTY,
      extFlags: ext ? buf[x + 12]! : -1,
      eeecCount: ext ? buf[x + 13]! : -1,
      eecCount: ext ? buf[x + 14]! : -1,
      extReserved: ext ? buf.subarray(x + 15, x + 20) : EMPTY,
    };
    if (esmc) {
      if (l.esmcVersion !== 1) problem(pkt, 'ossp', 'ossp.esmc-version', 'unusual', 'warning', off + 6, `ossp: ESMC version ${l.esmcVersion}, expected 1 (G.8264 11.3.1.1)`);
      if (l.qlTlvType !== 1) problem(pkt, 'ossp', 'ossp.bad-tlv-type', 'malformed', 'error', q, `ossp: first ESMC TLV type ${l.qlTlvType}, the QL TLV (1) must come first`);
      if (l.qlTlvLength !== ESMC_QL_TLV_LEN) problem(pkt, 'ossp', 'ossp.bad-tlv-length', 'malformed', 'error', q + 1, `ossp: QL TLV length ${l.qlTlvLength}, expected 4`);
      if (ext && l.extTlvLength !== ESMC_EXT_QL_TLV_LEN) problem(pkt, 'ossp', 'ossp.bad-tlv-length', 'malformed', 'error', x + 1, `ossp: extended QL TLV length ${l.extTlvLength}, expected 20`);
    }
    return l;
  },

  encode(f: OsspFields, payload?: Uint8Array): Uint8Array {
    const itu = f.oui === OUI_ITU_T;
    const esmc = itu && (f.ituSubtype ?? ESMC_ITU_SUBTYPE) === ESMC_ITU_SUBTYPE;
    const ext = esmc && f.extTlvType !== undefined && f.extTlvType >= 0;
    const len = ext ? ESMC_LEN + ESMC_EXT_QL_TLV_LEN : esmc ? ESMC_LEN : itu ? OSSP_HDR + 2 : OSSP_HDR;
    const out = new Uint8Array(len + (payload?.length ?? 0));
    out[0] = f.subtype ?? 10;
    out[1] = f.oui >>> 16;
    out[2] = f.oui >>> 8;
    out[3] = f.oui;
    if (itu) putU16(out, 4, f.ituSubtype ?? ESMC_ITU_SUBTYPE);
    if (esmc) {
      out[6] = ((f.esmcVersion ?? 1) << 4) | ((f.eventFlag ?? 0) << 3) | ((f.reservedBits ?? 0) & 7);
      const r = f.esmcReserved ?? 0;
      out[7] = r >>> 16;
      out[8] = r >>> 8;
      out[9] = r;
      out[10] = f.qlTlvType ?? 1;
      putU16(out, 11, f.qlTlvLength ?? ESMC_QL_TLV_LEN);
      out[13] = ((f.qlUnused ?? 0) << 4) | ((f.ssmCode ?? 0) & 0x0f);
    }
    if (ext) {
      const x = ESMC_LEN;
      out[x] = f.extTlvType!;
      putU16(out, x + 1, f.extTlvLength ?? ESMC_EXT_QL_TLV_LEN);
      out[x + 3] = f.essmCode ?? 0;
      if (f.clockId) out.set(f.clockId.subarray(0, 8), x + 4);
      out[x + 12] = f.extFlags ?? 0;
      out[x + 13] = f.eeecCount ?? 0;
      out[x + 14] = f.eecCount ?? 0;
      if (f.extReserved) out.set(f.extReserved.subarray(0, 5), x + 15);
    }
    if (payload) out.set(payload, len);
    return out;
  },

  summary(l: OsspLayer): string {
    const oui = `OUI ${osspOuiNames[l.oui] ?? 'Unknown'} (0x${l.oui.toString(16).padStart(6, '0')})`;
    if (l.ssmCode < 0) return `OSSP, ${oui}${l.ituSubtype >= 0 ? `, ITU subtype ${l.ituSubtype}` : ''}`;
    let s = `OSSP ESMC, ${l.eventFlag ? 'Event' : 'Information'}, ${named(l.ssmCode, ssmCodeNames)}`;
    if (l.extTlvType >= 0) s += `, eSSM 0x${l.essmCode.toString(16).padStart(2, '0')}, clock ${hexText(l.clockId)}, ${l.eeecCount} eEEC ${l.eecCount} EEC`;
    return s;
  },
};
