// The few layer fields the ARP, heartbeat and VRRP analyzers read (SPEC.md "Layers" field names),
// as structural views: one loop over pkt.layers picks them, no per-packet allocation.
import type { LayerMeta } from '../../dissectors/core.js';

/** Ethernet header fields (dissectors/ethernet.ts). */
export interface EthView extends LayerMeta {
  dst: number;
  src: number;
  type: number;
}
/** 802.1Q tag (dissectors/vlan.ts). */
export interface VlanView extends LayerMeta {
  vid: number;
}
/** Linux cooked capture v1/v2 (dissectors/sll.ts, sll2.ts): the sender's link-layer address. */
export interface SllView extends LayerMeta {
  addrLen: number;
  addr: number | Uint8Array;
  packetType: number;
}
/** IPv4 header fields (dissectors/ipv4.ts). */
export interface Ipv4View extends LayerMeta {
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
}
/** IPv6 header fields (dissectors/ipv6.ts). */
export interface Ipv6View extends LayerMeta {
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
}
/** UDP header fields (dissectors/udp.ts). */
export interface UdpView extends LayerMeta {
  srcPort: number;
  dstPort: number;
  length: number;
}
/** ARP/RARP fields (dissectors/arp.ts); sha/tha/spa/tpa are numbers when hlen 6 / plen 4. */
export interface ArpView extends LayerMeta {
  htype: number;
  ptype: number;
  hlen: number;
  plen: number;
  opcode: number;
  sha: number;
  spa: number;
  tha: number;
  tpa: number;
  kind: string;
}
/** VRRP v2/v3 advert (dissectors/vrrp.ts). */
export interface VrrpView extends LayerMeta {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
  adverInt?: number;
  maxAdverInt?: number;
  addrs: readonly (number | Uint8Array)[];
}

/** Frame-level bits of a packet the analyzers use together. */
export interface PacketView {
  eth: EthView | undefined;
  vid: number;
  ip4: Ipv4View | undefined;
  ip6: Ipv6View | undefined;
  udp: UdpView | undefined;
}

/** 0x00005e0001xx: VRRP (IPv4) and CARP virtual router MAC (RFC 3768 §7.3, RFC 5798 §7.3). */
export const VRRP_MAC_V4 = 0x00005e000100;
/** 0x00005e0002xx: VRRPv3 IPv6 virtual router MAC (RFC 5798 §7.3). */
export const VRRP_MAC_V6 = 0x00005e000200;
/** 0x00000c07acxx: HSRPv1 virtual MAC (group in the last byte). */
export const HSRP1_MAC = 0x00000c07ac00;
/** 0x00000c9ff000..0x00000c9fffff: HSRPv2 virtual MAC (12-bit group). */
export const HSRP2_MAC = 0x00000c9ff000;

/** 0x000573a00000..0x000573a00fff: HSRP for IPv6 virtual MAC (12-bit group; Cisco documentation). */
export const HSRP6_MAC = 0x000573a00000;

/** Which first-hop redundancy protocol a MAC is a virtual MAC of ('vrrp' also covers CARP), or null. */
export function virtualMacProtocol(mac: number): 'vrrp' | 'hsrp' | null {
  const base = mac - (mac % 256);
  if (base === VRRP_MAC_V4 || base === VRRP_MAC_V6) return 'vrrp';
  if (base === HSRP1_MAC) return 'hsrp';
  const base12 = mac - (mac % 4096);
  if (base12 === HSRP2_MAC || base12 === HSRP6_MAC) return 'hsrp';
  return null;
}

/** The group (VRID/VHID/HSRP group) encoded in a virtual MAC. */
export function virtualMacGroup(mac: number): number {
  const base12 = mac - (mac % 4096);
  return base12 === HSRP2_MAC || base12 === HSRP6_MAC ? mac % 4096 : mac % 256;
}

/** Is the I/G (group) bit set: broadcast or multicast MAC. */
export function isGroupMac(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

/** TTL / hop-limit values hosts start with (Linux 64, Windows 128, network gear 255; 1 and 32 seen). */
export function isInitialTtl(ttl: number): boolean {
  return ttl === 64 || ttl === 128 || ttl === 255 || ttl === 1 || ttl === 32;
}
