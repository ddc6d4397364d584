// Linux "cooked" capture header v2 (LINKTYPE_LINUX_SLL2 276, 20 octets, as libpcap writes for `any`;
// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html): protocol first, then the interface index
// that tells team members apart (PROTOCOLS.md §5), ARPHRD type, packet type and the source address.
import { type Dissector, type FieldDesc, type LayerMeta, type Packet, mac48, named, problem, putU16, putU32, shortLayer, u16, u32 } from './core.js';
import { etherTypeNames } from './ethernet.js';
import { arphrdNames, putSllAddr, sllAddrText, sllNext, sllPacketTypeNames, sllProtocolText } from './sll.js';

/** A decoded SLL2 header. */
export interface Sll2Layer extends LayerMeta {
  readonly layer: 'sll2';
  /** EtherType (≥ 0x0600) or Linux ETH_P_* protocol number. */
  protocol: number;
  /** Reserved, must be zero. */
  reserved: number;
  /** Interface index of the capturing interface (if_nametoindex). */
  ifindex: number;
  arphrd: number;
  packetType: number;
  addrLen: number;
  /** The 8-octet address field (a view). */
  addr: Uint8Array;
  /** Source MAC number when addrLen is 6, else -1. */
  src: number;
}

/** Encoder input; `addr` wins over `src`. */
export interface Sll2Fields {
  protocol: number;
  reserved?: number;
  ifindex: number;
  arphrd: number;
  packetType: number;
  addrLen?: number;
  addr?: Uint8Array;
  src?: number;
}

declare module './core.js' {
  interface LayerMap {
    sll2: Sll2Layer;
  }
}

/** SLL2 header length. */
export const SLL2_HEADER_LEN = 20;

/** The SLL2 dissector (linktype 276). */
export const sll2: Dissector<Sll2Layer, Sll2Fields> = {
  name: 'sll2',
  title: 'Linux cooked capture v2',
  fields: [
    { name: 'protocol', title: 'Protocol', kind: 'uint', hex: true, names: etherTypeNames, tshark: 'sll.etype' },
    { name: 'reserved', title: 'Reserved', kind: 'uint', hidden: true },
    { name: 'ifindex', title: 'Interface index', kind: 'uint', tshark: 'sll.ifindex' },
    { name: 'arphrd', title: 'Link-layer address type', kind: 'uint', names: arphrdNames, tshark: 'sll.hatype' },
    { name: 'packetType', title: 'Packet type', kind: 'uint', names: sllPacketTypeNames, tshark: 'sll.pkttype' },
    { name: 'addrLen', title: 'Link-layer address length', kind: 'uint', tshark: 'sll.halen' },
    { name: 'addr', title: 'Address field', kind: 'bytes', hidden: true },
    { name: 'src', title: 'Source', kind: 'mac', tshark: 'sll.src.eth' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): Sll2Layer | null {
    if (end - off < SLL2_HEADER_LEN) {
      shortLayer(pkt, 'sll2', off, SLL2_HEADER_LEN, end - off);
      return null;
    }
    const protocol = u16(buf, off);
    const addrLen = buf[off + 11]!;
    const l: Sll2Layer = {
      layer: 'sll2',
      off,
      len: SLL2_HEADER_LEN,
      payloadOff: off + SLL2_HEADER_LEN,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      protocol,
      reserved: u16(buf, off + 2),
      ifindex: u32(buf, off + 4),
      arphrd: u16(buf, off + 8),
      packetType: buf[off + 10]!,
      addrLen,
      addr: buf.subarray(off + 12, off + 20),
      src: addrLen === 6 ? mac48(buf, off + 12) : -1,
    };
    sllNext(l, protocol);
    if (l.reserved !== 0) problem(pkt, 'sll2', 'sll2.reserved', 'unusual', 'note', off + 2, `sll2: reserved field 0x${l.reserved.toString(16)} is not zero`);
    return l;
  },

  encode(f: Sll2Fields, payload?: Uint8Array): Uint8Array {
    const out = new Uint8Array(SLL2_HEADER_LEN + (payload?.length ?? 0));
    putU16(out, 0, f.protocol);
    putU16(out, 2, f.reserved ?? 0);
    putU32(out, 4, f.ifindex);
    putU16(out, 8, f.arphrd);
    out[10] = f.packetType;
    out[11] = f.addrLen ?? (f.addr ? Math.min(f.addr.length, 8) : f.src !== undefined && f.src >= 0 ? 6 : 0);
    putSllAddr(out, 12, f.addr, f.src);
    if (payload) out.set(payload, SLL2_HEADER_LEN);
    return out;
  },

  summary(l: Sll2Layer): string {
    return `ifindex ${l.ifindex} ${named(l.packetType, sllPacketTypeNames)} ${sllAddrText(l.addr, l.addrLen, l.src)}, ${sllProtocolText(l.protocol)}`;
  },
};
