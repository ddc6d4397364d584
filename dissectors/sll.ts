// Linux "cooked" capture headers, v1 (LINKTYPE_LINUX_SLL 113, 16 octets) — the format of
// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html; protocol ≥ 0x0600 is an EtherType,
// smaller values are Linux ETH_P_* numbers (include/uapi/linux/if_ether.h) dispatched in 'sll.proto'.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  hexText,
  macText,
  mac48,
  named,
  putU16,
  shortLayer,
  u16,
} from './core.js';
import { etherTypeNames } from './ethernet.js';

/** A decoded SLL v1 header. */
export interface SllLayer extends LayerMeta {
  readonly layer: 'sll';
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  packetType: number;
  /** ARPHRD_ type of the interface (1 Ethernet, 772 loopback, 778 IP GRE, 824 netlink...). */
  arphrd: number;
  addrLen: number;
  /** The 8-octet address field as captured (a view; only the first addrLen octets mean anything). */
  addr: Uint8Array;
  /** The link-layer source address as a MAC number when addrLen is 6, else -1. */
  src: number;
  /** EtherType (≥ 0x0600) or Linux ETH_P_* protocol number. */
  protocol: number;
}

/** Encoder input; `addr` (up to 8 octets) wins over `src`. */
export interface SllFields {
  packetType: number;
  arphrd: number;
  addrLen?: number;
  addr?: Uint8Array;
  src?: number;
  protocol: number;
}

declare module './core.js' {
  interface LayerMap {
    sll: SllLayer;
  }
}

/** SLL v1 header length. */
export const SLL_HEADER_LEN = 16;

/** Packet types (linux/if_packet.h PACKET_*; tcpdump sll.c). */
export const sllPacketTypeNames: Readonly<Record<number, string>> = {
  0: 'Unicast to us',
  1: 'Broadcast',
  2: 'Multicast',
  3: 'Unicast to another host',
  4: 'Sent by us',
  5: 'Loopback',
  6: 'User',
  7: 'Kernel',
};

/** ARPHRD_ numbers seen in cooked captures (include/uapi/linux/if_arp.h). */
export const arphrdNames: Readonly<Record<number, string>> = {
  1: 'Ethernet',
  24: 'IEEE 1394',
  32: 'InfiniBand',
  512: 'PPP',
  772: 'Loopback',
  776: 'IPv6-in-IPv4',
  778: 'IP GRE',
  801: 'IEEE 802.11',
  803: 'IEEE 802.11 + radiotap',
  824: 'Netlink',
  65534: 'None',
  65535: 'Void',
};

/** Linux protocol numbers below 0x0600 (include/uapi/linux/if_ether.h; Wireshark sll.ltype). */
export const linuxProtoNames: Readonly<Record<number, string>> = {
  0x0001: 'Novell 802.3 (ETH_P_802_3)',
  0x0002: 'AX.25',
  0x0003: 'All (ETH_P_ALL)',
  0x0004: '802.2 LLC (ETH_P_802_2)',
  0x000c: 'CAN',
  0x000d: 'CAN FD',
};

/** Shared by SLL and SLL2: continue with an EtherType, or a Linux protocol number in 'sll.proto'. */
export function sllNext(l: LayerMeta, protocol: number): void {
  l.nextTable = protocol >= 0x0600 ? 'ethertype' : 'sll.proto';
  l.nextKey = protocol;
}

/** Protocol text for summaries. */
export function sllProtocolText(protocol: number): string {
  return protocol >= 0x0600 ? `ethertype ${named(protocol, etherTypeNames, true)}` : `proto ${named(protocol, linuxProtoNames, true)}`;
}

/** Address text: a MAC for 6 octets, else hex. */
export function sllAddrText(addr: Uint8Array, addrLen: number, src: number): string {
  return src >= 0 ? macText(src) : addrLen === 0 ? '-' : hexText(addr, 0, Math.min(addrLen, addr.length));
}

/** Write an SLL address field (8 octets at o) from `addr` or a MAC number. */
export function putSllAddr(out: Uint8Array, o: number, addr: Uint8Array | undefined, src: number | undefined): void {
  if (addr) out.set(addr.subarray(0, 8), o);
  else if (src !== undefined && src >= 0) {
    putU16(out, o, Math.floor(src / 0x100000000));
    const lo = src % 0x100000000;
    out[o + 2] = lo >>> 24;
    out[o + 3] = lo >>> 16;
    out[o + 4] = lo >>> 8;
    out[o + 5] = lo;
  }
}

/** The SLL v1 dissector (linktype 113). */
export const sll: Dissector<SllLayer, SllFields> = {
  name: 'sll',
  title: 'Linux cooked capture v1',
  fields: [
    { name: 'packetType', title: 'Packet type', kind: 'uint', names: sllPacketTypeNames, tshark: 'sll.pkttype' },
    { name: 'arphrd', title: 'Link-layer address type', kind: 'uint', names: arphrdNames, tshark: 'sll.hatype' },
    { name: 'addrLen', title: 'Link-layer address length', kind: 'uint', tshark: 'sll.halen' },
    { name: 'addr', title: 'Address field', kind: 'bytes', hidden: true },
    { name: 'src', title: 'Source', kind: 'mac', tshark: 'sll.src.eth' },
    { name: 'protocol', title: 'Protocol', kind: 'uint', hex: true, names: etherTypeNames, tshark: 'sll.etype' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): SllLayer | null {
    if (end - off < SLL_HEADER_LEN) {
      shortLayer(pkt, 'sll', off, SLL_HEADER_LEN, end - off);
      return null;
    }
    const addrLen = u16(buf, off + 4);
    const protocol = u16(buf, off + 14);
    const l: SllLayer = {
      layer: 'sll',
      off,
      len: SLL_HEADER_LEN,
      payloadOff: off + SLL_HEADER_LEN,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      packetType: u16(buf, off),
      arphrd: u16(buf, off + 2),
      addrLen,
      addr: buf.subarray(off + 6, off + 14),
      src: addrLen === 6 ? mac48(buf, off + 6) : -1,
      protocol,
    };
    sllNext(l, protocol);
    return l;
  },

  encode(f: SllFields, payload?: Uint8Array): Uint8Array {
    const out = new Uint8Array(SLL_HEADER_LEN + (payload?.length ?? 0));
    putU16(out, 0, f.packetType);
    putU16(out, 2, f.arphrd);
    putU16(out, 4, f.addrLen ?? (f.addr ? Math.min(f.addr.length, 8) : f.src !== undefined && f.src >= 0 ? 6 : 0));
    putSllAddr(out, 6, f.addr, f.src);
    putU16(out, 14, f.protocol);
    if (payload) out.set(payload, SLL_HEADER_LEN);
    return out;
  },

  summary(l: SllLayer): string {
    return `${named(l.packetType, sllPacketTypeNames)} ${sllAddrText(l.addr, l.addrLen, l.src)}, ${sllProtocolText(l.protocol)}`;
  },
};
