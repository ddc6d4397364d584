// PacketSummary: one pass over a decoded packet's layers into plain numbers every team analyzer reads (addresses,
// EtherType, VLAN, 5-tuple): analyzers share it instead of each walking the layers (DESIGN.md
// "decode only what analyzers need"; no strings, arrays or closures per packet).
import type { LayerMeta, Packet } from '../../dissectors/core.js';

import type { EthLayer } from '../../dissectors/ethernet.js';
import type { VlanLayer } from '../../dissectors/vlan.js';
import type { SllLayer } from '../../dissectors/sll.js';
import type { Sll2Layer } from '../../dissectors/sll2.js';
import type { Ipv4Layer } from '../../dissectors/ipv4.js';
import type { Ipv6Layer } from '../../dissectors/ipv6.js';
import type { TcpLayer } from '../../dissectors/tcp.js';
import type { UdpLayer } from '../../dissectors/udp.js';

/** IP version of the packet's (outermost) IP layer; 0 when none. */
export type IpVersion = 0 | 4 | 6;

/** Layer names the view recognises; anything else is skipped. */
const ETH = 'eth';
const VLAN = 'vlan';
const SLL = 'sll';
const SLL2 = 'sll2';
const IPV4 = 'ipv4';
const IPV6 = 'ipv6';
const UDP = 'udp';
const TCP = 'tcp';
const LACP = 'lacp';
const MARKER = 'marker';
const ARP = 'arp';

/** Fold 16 address bytes to 32 bits the way Linux's ipv6_addr_hash does (XOR of the four words). */
export function foldIpv6(b: Uint8Array, o: number): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4) h ^= (b[o + i]! << 24) | (b[o + i + 1]! << 16) | (b[o + i + 2]! << 8) | b[o + i + 3]!;
  return h >>> 0;
}

/**
 * The shared, reused per-packet summary. `fill(pkt)` is idempotent per packet, so every analyzer
 * may call it; values are valid until the next packet.
 */
export class PacketSummary {
  pkt: Packet | null = null;
  time = 0;
  /** Wire length of the frame. */
  length = 0;
  /** MACs as 48-bit numbers (-1 when the link layer has none, e.g. raw IP). */
  ethSrc = -1;
  ethDst = -1;
  /** EtherType after the VLAN tags (or the SLL protocol), -1 when unknown. */
  etherType = -1;
  /** Linux cooked capture packet type (0 to us … 4 sent by us), -1 for other link types. */
  packetType = -1;
  /** Outermost VLAN id, -1 untagged. */
  vlan = -1;
  ipVersion: IpVersion = 0;
  /** IPv4 addresses, or the 32-bit folds of IPv6 addresses. */
  ipSrc = 0;
  ipDst = 0;
  /** IPv6 addresses: the buffer holding them and their absolute offsets (no views allocated). */
  ip6Buf: Uint8Array | null = null;
  ip6SrcOff = 0;
  ip6DstOff = 0;
  ttl = -1;
  /** IP protocol (final next header for IPv6), -1 without IP. */
  proto = -1;
  /** A non-first IPv4 fragment (no transport header). */
  fragment = false;
  /** Transport ports, -1 without TCP/UDP. */
  sport = -1;
  dport = -1;
  /** Layers analyzers use directly (null when absent). */
  lacp: LayerMeta | null = null;
  marker: LayerMeta | null = null;
  arp: LayerMeta | null = null;

  /** Summarise `pkt` (a no-op when it is the packet summarised last). */
  fill(pkt: Packet): this {
    if (pkt === this.pkt) return this;
    this.pkt = pkt;
    this.time = pkt.time;
    this.length = pkt.frame.origLen;
    this.ethSrc = -1;
    this.ethDst = -1;
    this.etherType = -1;
    this.vlan = -1;
    this.packetType = -1;
    this.ipVersion = 0;
    this.ipSrc = 0;
    this.ipDst = 0;
    this.ip6Buf = null;
    this.ttl = -1;
    this.proto = -1;
    this.fragment = false;
    this.sport = -1;
    this.dport = -1;
    this.lacp = null;
    this.marker = null;
    this.arp = null;
    const ls = pkt.layers;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      const name = l.layer;
      if (name === ETH) {
        const e = l as EthLayer;
        if (this.ethSrc < 0) {
          this.ethSrc = e.src;
          this.ethDst = e.dst;
        }
        this.etherType = e.type;
      } else if (name === VLAN) {
        const v = l as VlanLayer;
        if (this.vlan < 0) this.vlan = v.vid;
        this.etherType = v.type;
      } else if (name === IPV4) {
        if (this.ipVersion !== 0) break; // tunnels: the outer header decides
        const ip = l as Ipv4Layer;
        this.ipVersion = 4;
        this.ipSrc = ip.src;
        this.ipDst = ip.dst;
        this.ttl = ip.ttl;
        this.proto = ip.protocol;
        this.fragment = ip.fragOffset !== 0;
      } else if (name === IPV6) {
        if (this.ipVersion !== 0) break;
        const ip = l as Ipv6Layer;
        this.ipVersion = 6;
        this.ip6Buf = pkt.frame.buf;
        this.ip6SrcOff = ip.off + 8;
        this.ip6DstOff = ip.off + 24;
        this.ipSrc = foldIpv6(pkt.frame.buf, ip.off + 8);
        this.ipDst = foldIpv6(pkt.frame.buf, ip.off + 24);
        this.ttl = ip.hopLimit;
        this.proto = ip.protocol;
      } else if (name === TCP || name === UDP) {
        if (this.sport >= 0) continue;
        const t = l as TcpLayer | UdpLayer;
        this.sport = t.srcPort;
        this.dport = t.dstPort;
      } else if (name === LACP) {
        this.lacp = l;
      } else if (name === MARKER) {
        this.marker = l;
      } else if (name === ARP) {
        this.arp = l;
      } else if (name === SLL || name === SLL2) {
        const c = l as SllLayer | Sll2Layer;
        this.etherType = c.protocol;
        this.packetType = c.packetType;
        if (this.ethSrc < 0 && c.src >= 0) {
          // Cooked captures carry the sender's address only; "sent by us" names our side.
          this.ethSrc = c.src;
        }
      }
    }
    return this;
  }
}
