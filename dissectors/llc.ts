// IEEE 802.2 LLC header (ISO/IEC 8802-2 clause 3) and SNAP (IEEE 802-2014 clause 9.3): DSAP, SSAP,
// control; with DSAP = SSAP = 0xAA and UI control, a SNAP OUI and protocol id follow.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  hexText,
  named,
  putU16,
  shortLayer,
} from './core.js';

/**
 * Key under which the LLC dissector itself sits in the 'llc.sap' table: "an 802.2 PDU starts here"
 * (set by Ethernet/802.1Q for 802.3 length frames). Keys 0–255 are DSAPs after an LLC header.
 */
export const LLC_PDU = 0x100;

/** Linux packet protocol ETH_P_802_2 (include/uapi/linux/if_ether.h): SLL/SLL2 frames carrying LLC. */
export const ETH_P_802_2 = 0x0004;

/** The decoded LLC header; oui and pid are -1 unless this is a SNAP header. */
export interface LlcLayer extends LayerMeta {
  readonly layer: 'llc';
  dsap: number;
  ssap: number;
  /** 8-bit (U format) or 16-bit (I/S format, read least significant octet first as Wireshark's xdlc does). */
  control: number;
  oui: number;
  pid: number;
}

/** Encoder input; oui/pid are written when dsap = ssap = 0xAA and control = 0x03. */
export interface LlcFields {
  dsap: number;
  ssap: number;
  control: number;
  oui?: number;
  pid?: number;
}

declare module './core.js' {
  interface LayerMap {
    llc: LlcLayer;
  }
}

/** SAP numbers (IEEE RA SAP registry; Wireshark llc_sap_vals). */
export const sapNames: Readonly<Record<number, string>> = {
  0x00: 'NULL LSAP',
  0x02: 'LLC Sub-Layer Management',
  0x06: 'IP (DoD Internet)',
  0x42: 'Spanning Tree BPDU',
  0x7e: 'X.25 PLP',
  0x98: 'ARP',
  0xaa: 'SNAP',
  0xe0: 'NetWare',
  0xf0: 'NetBIOS',
  0xfe: 'ISO Network Layer',
  0xff: 'Global LSAP',
};

/** OUIs seen in SNAP headers (IEEE RA). */
export const snapOuiNames: Readonly<Record<number, string>> = {
  0x000000: 'Encapsulated Ethernet',
  0x00000c: 'Cisco',
  0x0080c2: 'IEEE 802.1',
};

const SAP_SNAP = 0xaa;
const CONTROL_UI = 0x03;

/** The LLC dissector ('llc.sap' key LLC_PDU, 'sll.proto' 4); SNAP with OUI 0 continues in 'ethertype'. */
export const llc: Dissector<LlcLayer, LlcFields> = {
  name: 'llc',
  title: 'Logical-Link Control',
  fields: [
    { name: 'dsap', title: 'DSAP', kind: 'uint', hex: true, names: sapNames, tshark: 'llc.dsap' },
    { name: 'ssap', title: 'SSAP', kind: 'uint', hex: true, names: sapNames, tshark: 'llc.ssap' },
    { name: 'control', title: 'Control field', kind: 'uint', hex: true, tshark: 'llc.control' },
    { name: 'oui', title: 'Organization Code', kind: 'uint', hex: true, names: snapOuiNames, tshark: 'llc.oui' },
    { name: 'pid', title: 'Protocol ID', kind: 'uint', hex: true, tshark: 'llc.pid' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): LlcLayer | null {
    if (end - off < 3) {
      shortLayer(pkt, 'llc', off, 3, end - off);
      return null;
    }
    const dsap = buf[off]!;
    const ssap = buf[off + 1]!;
    let control = buf[off + 2]!;
    let len = 3;
    if ((control & 3) !== 3) {
      if (end - off < 4) {
        shortLayer(pkt, 'llc', off, 4, end - off);
        return null;
      }
      control |= buf[off + 3]! << 8;
      len = 4;
    }
    const snap = dsap === SAP_SNAP && ssap === SAP_SNAP && control === CONTROL_UI;
    if (snap && end - off < 8) {
      shortLayer(pkt, 'llc', off, 8, end - off);
      return null;
    }
    const oui = snap ? (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]! : -1;
    const pid = snap ? (buf[off + 6]! << 8) | buf[off + 7]! : -1;
    if (snap) len = 8;
    return {
      layer: 'llc',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: snap ? (oui === 0 ? 'ethertype' : null) : 'llc.sap',
      nextKey: snap ? pid : dsap,
      nextKey2: -1,
      dsap,
      ssap,
      control,
      oui,
      pid,
    };
  },

  encode(f: LlcFields, payload?: Uint8Array): Uint8Array {
    const snap = f.dsap === SAP_SNAP && f.ssap === SAP_SNAP && f.control === CONTROL_UI;
    const len = snap ? 8 : (f.control & 3) !== 3 ? 4 : 3;
    const out = new Uint8Array(len + (payload?.length ?? 0));
    out[0] = f.dsap;
    out[1] = f.ssap;
    out[2] = f.control;
    if (len === 4) out[3] = f.control >>> 8;
    if (snap) {
      const oui = f.oui ?? 0;
      out[3] = oui >>> 16;
      out[4] = oui >>> 8;
      out[5] = oui;
      putU16(out, 6, f.pid ?? 0);
    }
    if (payload) out.set(payload, len);
    return out;
  },

  summary(l: LlcLayer): string {
    if (l.oui >= 0) return `LLC/SNAP, oui ${named(l.oui, snapOuiNames, true)}, pid 0x${hexText(Uint8Array.of(l.pid >>> 8, l.pid & 0xff))}`;
    return `LLC, dsap ${named(l.dsap, sapNames, true)}, ssap ${named(l.ssap & 0xfe, sapNames, true)} ${l.ssap & 1 ? 'Response' : 'Command'}, ctrl 0x${l.control.toString(16).padStart(l.len === 4 ? 4 : 2, '0')}`;
  },
};
