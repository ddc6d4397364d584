// IEEE 802.3 Slow Protocols (IEEE 802.3-2022 Annex 57A): EtherType 0x8809 to 01-80-C2-00-00-02; the
// first octet is the subtype, which the child protocol (LACP, Marker, OAM, OSSP) also counts as its own.
import { type Dissector, type FieldDesc, type LayerMeta, type Packet, named, shortLayer } from './core.js';

/** The subtype of a Slow Protocols frame; a zero-length layer (the subtype octet belongs to the child). */
export interface SlowLayer extends LayerMeta {
  readonly layer: 'slow';
  subtype: number;
}

/** Encoder input. */
export interface SlowFields {
  subtype: number;
}

declare module './core.js' {
  interface LayerMap {
    slow: SlowLayer;
  }
}

/** EtherType of the Slow Protocols (IEEE 802.3 Annex 57A.4). */
export const ETHERTYPE_SLOW = 0x8809;
/** Slow_Protocols_Multicast address 01-80-C2-00-00-02 (IEEE 802.3 Annex 57A.3) as a MAC number. */
export const SLOW_PROTOCOLS_MULTICAST = 0x0180c2000002;

/** Subtype numbers (IEEE 802.3 Table 57A-3; Wireshark slow_protocol_subtypes.h). */
export const SlowSubtype = { LACP: 1, MARKER: 2, OAM: 3, OSSP: 10 } as const;

/** Subtype names (IEEE 802.3 Table 57A-3). */
export const slowSubtypeNames: Readonly<Record<number, string>> = {
  1: 'LACP',
  2: 'Marker Protocol',
  3: 'OAM',
  10: 'Organization Specific Slow Protocol (OSSP)',
};

/** The Slow Protocols dispatcher (ethertype 0x8809): continues in 'slow.subtype' at the same offset. */
export const slow: Dissector<SlowLayer, SlowFields> = {
  name: 'slow',
  title: 'Slow Protocols',
  fields: [{ name: 'subtype', title: 'Slow Protocols subtype', kind: 'uint', hex: true, names: slowSubtypeNames, tshark: 'slow.subtype' }] satisfies FieldDesc[],
  child: { table: 'slow.subtype', field: 'subtype' },

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): SlowLayer | null {
    if (end - off < 1) {
      shortLayer(pkt, 'slow', off, 1, end - off);
      return null;
    }
    const subtype = buf[off]!;
    return { layer: 'slow', off, len: 0, payloadOff: off, payloadEnd: end, nextTable: 'slow.subtype', nextKey: subtype, nextKey2: -1, subtype };
  },

  /** The child PDU (which starts with the subtype octet) with its first octet set; [subtype] alone without one. */
  encode(f: SlowFields, payload?: Uint8Array): Uint8Array {
    const out = payload && payload.length > 0 ? Uint8Array.from(payload) : new Uint8Array(1);
    out[0] = f.subtype;
    return out;
  },

  summary(l: SlowLayer): string {
    return `Slow Protocols, subtype ${named(l.subtype, slowSubtypeNames)}`;
  },
};
