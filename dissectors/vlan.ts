// IEEE 802.1Q tag (IEEE 802.1Q-2022 9.6): PCP, DEI, VID and the encapsulated type/length; stacked
// tags (802.1ad S-tag 0x88a8, legacy 0x9100) are one 'vlan' layer each, outermost first.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  named,
  putU16,
  shortLayer,
  viewOf,
} from './core.js';
import { ETH_MAX_LENGTH, etherTypeNames, lengthPayload } from './ethernet.js';

/** One decoded tag: TCI fields and the type/length that follows (IEEE 802.1Q 9.6, 9.5). */
export interface VlanLayer extends LayerMeta {
  readonly layer: 'vlan';
  /** Priority Code Point, 0–7. */
  pcp: number;
  /** Drop Eligible Indicator, 0/1 (formerly CFI). */
  dei: number;
  /** VLAN identifier, 0–4095 (0 = priority tag only, 4095 reserved). */
  vid: number;
  /** EtherType of what follows, or an 802.3 length when ≤ 1500. */
  type: number;
}

/** Encoder input: the tag control information and the inner type/length. */
export interface VlanFields {
  pcp: number;
  dei: number;
  vid: number;
  type: number;
}

declare module './core.js' {
  interface LayerMap {
    vlan: VlanLayer;
  }
}

/** Bytes of one tag after its TPID (the TPID is the parent's type field). */
export const VLAN_TAG_LEN = 4;

/** Tag protocol identifiers a VLAN tag is registered under (IEEE 802.1Q Table 9-1; 0x9100 pre-standard QinQ). */
export const vlanTpids: readonly number[] = [0x8100, 0x88a8, 0x9100];

/** Priority code point names (IEEE 802.1Q Table I-2, recommended traffic types). */
export const pcpNames: Readonly<Record<number, string>> = {
  0: 'Best Effort',
  1: 'Background',
  2: 'Excellent Effort',
  3: 'Critical Applications',
  4: 'Video',
  5: 'Voice',
  6: 'Internetwork Control',
  7: 'Network Control',
};

/**
 * A blank tag layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newVlanLayer(): VlanLayer {
  return { layer: 'vlan', off: 0, len: 0, payloadOff: 0, payloadEnd: 0, nextTable: null, nextKey: -1, nextKey2: -1, pcp: 0, dei: 0, vid: 0, type: 0 };
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives.
 * False, with the problem on `pkt`, when the tag is short. The registry's Decoder reuses one `l`.
 */
export function decodeVlanInto(buf: Uint8Array, off: number, end: number, pkt: Packet, l: VlanLayer): boolean {
  if (end - off < VLAN_TAG_LEN) {
    shortLayer(pkt, 'vlan', off, VLAN_TAG_LEN, end - off);
    return false;
  }
  const w = viewOf(buf).getUint32(off);
  const tci = w >>> 16;
  const type = w & 0xffff;
  l.off = off;
  l.len = VLAN_TAG_LEN;
  l.payloadOff = off + VLAN_TAG_LEN;
  l.payloadEnd = end;
  l.nextTable = 'ethertype';
  l.nextKey = type;
  l.nextKey2 = -1;
  l.pcp = tci >>> 13;
  l.dei = (tci >>> 12) & 1;
  l.vid = tci & 0x0fff;
  l.type = type;
  if (type <= ETH_MAX_LENGTH) lengthPayload(l, type, end, pkt);
  return true;
}

/** The 802.1Q/802.1ad tag dissector; continues in 'ethertype' (or 'llc.sap' for a length). */
export const vlan: Dissector<VlanLayer, VlanFields> = {
  name: 'vlan',
  title: '802.1Q Virtual LAN',
  fields: [
    { name: 'pcp', title: 'Priority', kind: 'uint', names: pcpNames, tshark: 'vlan.priority' },
    { name: 'dei', title: 'DEI', kind: 'uint', tshark: 'vlan.dei' },
    { name: 'vid', title: 'ID', kind: 'uint', tshark: 'vlan.id' },
    { name: 'type', title: 'Type', kind: 'uint', hex: true, names: etherTypeNames, tshark: 'vlan.etype' },
  ] satisfies FieldDesc[],
  child: { table: 'ethertype', field: 'type' },

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): VlanLayer | null {
    const l = newVlanLayer();
    return decodeVlanInto(buf, off, end, pkt, l) ? l : null;
  },

  encode(f: VlanFields, payload?: Uint8Array): Uint8Array {
    const out = new Uint8Array(VLAN_TAG_LEN + (payload?.length ?? 0));
    putU16(out, 0, ((f.pcp & 7) << 13) | ((f.dei & 1) << 12) | (f.vid & 0x0fff));
    putU16(out, 2, f.type);
    if (payload) out.set(payload, VLAN_TAG_LEN);
    return out;
  },

  summary(l: VlanLayer): string {
    const t = l.type <= ETH_MAX_LENGTH ? `802.3, length ${l.type}` : `ethertype ${named(l.type, etherTypeNames, true)}`;
    return `vlan ${l.vid}, p ${l.pcp}${l.dei ? ', DEI' : ''}, ${t}`;
  },
};
