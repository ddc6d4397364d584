// Ethernet II / IEEE 802.3 MAC header (IEEE 802.3-2022 clause 3.2): destination, source, and the
// type/length field (≥ 0x0600 an EtherType, ≤ 1500 the length of an 802.2 LLC payload).
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  macText,
  named,
  problem,
  putMac48,
  putU16,
  shortLayer,
  viewOf,
} from './core.js';
import { LLC_PDU } from './llc.js';

/** The decoded MAC header; `type` is the EtherType, or the 802.3 length when ≤ 1500 (IEEE 802.3 3.2.6). */
export interface EthLayer extends LayerMeta {
  readonly layer: 'eth';
  dst: number;
  src: number;
  type: number;
}

/** Encoder input: the MAC header fields (the payload is passed separately). */
export interface EthFields {
  dst: number;
  src: number;
  /** EtherType, or an 802.3 length (≤ 1500). */
  type: number;
}

declare module './core.js' {
  interface LayerMap {
    eth: EthLayer;
  }
}

/** MAC header length (IEEE 802.3 3.1.1). */
export const ETH_HEADER_LEN = 14;
/** Largest value of the type/length field that is a length (IEEE 802.3 3.2.6: maxValidFrame = 1500). */
export const ETH_MAX_LENGTH = 1500;
/** Smallest value that is an EtherType (IEEE 802.3 3.2.6: 0x0600). */
export const ETH_MIN_ETHERTYPE = 0x0600;

/** EtherType numbers teamscope names (IEEE RA EtherType registry; Wireshark etypes.h). */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  SLOW: 0x8809,
  LLDP: 0x88cc,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  LOOPBACK: 0x9000,
} as const;

/** EtherType names as tcpdump prints them (print-ethertype names), for summaries and -V. */
export const etherTypeNames: Readonly<Record<number, string>> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x0842: 'Wake-on-LAN',
  0x22f0: 'AVTP',
  0x22f3: 'TRILL',
  0x6002: 'DEC MOP RC',
  0x8035: 'Reverse ARP',
  0x809b: 'AppleTalk',
  0x80f3: 'AARP',
  0x8100: '802.1Q',
  0x8137: 'IPX',
  0x86dd: 'IPv6',
  0x8808: 'MAC control',
  0x8809: 'Slow Protocols',
  0x8847: 'MPLS unicast',
  0x8848: 'MPLS multicast',
  0x8863: 'PPPoE D',
  0x8864: 'PPPoE S',
  0x888e: 'EAPOL',
  0x88a8: '802.1Q-QinQ',
  0x88cc: 'LLDP',
  0x88e5: 'MACsec',
  0x88e7: '802.1ah',
  0x88f7: 'PTP',
  0x8902: 'CFM',
  0x8906: 'FCoE',
  0x8914: 'FIP',
  0x9000: 'Loopback',
  0x9100: '802.1Q-9100',
  0x9200: '802.1Q-9200',
};

/** The Ethernet dissector (linktype 1); continues in 'ethertype', or 'llc.sap' for 802.3 length frames. */
export const ethernet: Dissector<EthLayer, EthFields> = {
  name: 'eth',
  title: 'Ethernet',
  fields: [
    { name: 'dst', title: 'Destination', kind: 'mac', tshark: 'eth.dst' },
    { name: 'src', title: 'Source', kind: 'mac', tshark: 'eth.src' },
    { name: 'type', title: 'Type/Length', kind: 'uint', hex: true, names: etherTypeNames, tshark: 'eth.type' },
  ] satisfies FieldDesc[],
  child: { table: 'ethertype', field: 'type' },

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): EthLayer | null {
    const l = newEthLayer();
    return decodeEthInto(buf, off, end, pkt, l) ? l : null;
  },

  encode(f: EthFields, payload?: Uint8Array): Uint8Array {
    const out = new Uint8Array(ETH_HEADER_LEN + (payload?.length ?? 0));
    putMac48(out, 0, f.dst);
    putMac48(out, 6, f.src);
    putU16(out, 12, f.type);
    if (payload) out.set(payload, ETH_HEADER_LEN);
    return out;
  },

  summary(l: EthLayer): string {
    const t = l.type <= ETH_MAX_LENGTH ? `802.3, length ${l.type}` : `ethertype ${named(l.type, etherTypeNames, true)}`;
    return `${macText(l.src)} > ${macText(l.dst)}, ${t}`;
  },
};

/**
 * A blank Ethernet layer: decode fills a fresh one, a Decoder keeps one per slot and refills it for every
 * frame (one literal, so fresh layers and slots share a hidden class).
 */
export function newEthLayer(): EthLayer {
  return { layer: 'eth', off: 0, len: 0, payloadOff: 0, payloadEnd: 0, nextTable: null, nextKey: -1, nextKey2: -1, dst: 0, src: 0, type: 0 };
}

/**
 * Decode into `l` (a fresh layer from the blank above, or a Decoder's slot), writing every field,
 * so nothing of `l`'s last use survives.
 * False, with the problem on `pkt`, when the header is short. The registry's Decoder reuses one `l`.
 */
export function decodeEthInto(buf: Uint8Array, off: number, end: number, pkt: Packet, l: EthLayer): boolean {
  if (end - off < ETH_HEADER_LEN) {
    shortLayer(pkt, 'eth', off, ETH_HEADER_LEN, end - off);
    return false;
  }
  const v = viewOf(buf);
  const type = v.getUint16(off + 12);
  l.off = off;
  l.len = ETH_HEADER_LEN;
  l.payloadOff = off + ETH_HEADER_LEN;
  l.payloadEnd = end;
  l.nextTable = 'ethertype';
  l.nextKey = type;
  l.nextKey2 = -1;
  l.dst = v.getUint16(off) * 0x100000000 + v.getUint32(off + 2);
  l.src = v.getUint16(off + 6) * 0x100000000 + v.getUint32(off + 8);
  l.type = type;
  if (type <= ETH_MAX_LENGTH) lengthPayload(l, type, end, pkt);
  return true;
}

/**
 * An 802.3 length (type/length ≤ 1500) bounds the LLC payload; the rest of the frame is padding or a
 * trailer. Shared by Ethernet and 802.1Q tags (IEEE 802.1Q 9.5: the tag's own type/length field).
 */
export function lengthPayload(l: LayerMeta, length: number, end: number, pkt: Packet): void {
  l.nextTable = 'llc.sap';
  l.nextKey = LLC_PDU;
  const want = l.payloadOff + length;
  if (want <= end) {
    l.payloadEnd = want;
    return;
  }
  const f = pkt.frame;
  const cut = f.caplen < f.origLen && want - f.off <= f.origLen;
  problem(
    pkt,
    l.layer,
    cut ? `${l.layer}.truncated` : `${l.layer}.bad-length`,
    cut ? 'truncated' : 'malformed',
    cut ? 'warning' : 'error',
    l.payloadOff - 2,
    `${l.layer}: 802.3 length ${length} runs past the ${cut ? 'captured bytes' : 'frame'} (${end - l.payloadOff} bytes follow)`,
  );
}
