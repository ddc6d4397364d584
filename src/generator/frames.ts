// Frame recipes the scenarios share: Ethernet (+ optional 802.1Q tag) around ARP, LACP, Marker, IPv4/
// IPv6 with UDP or TCP, VRRP, HSRP, knet and Windows cluster heartbeats — every byte through the
// dissectors' encoders via buildFrame (no serializer of our own).
import { arp, type ArpFields } from '../../dissectors/arp.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { hsrp, type HsrpFields } from '../../dissectors/hsrp.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { knet, type KnetFields } from '../../dissectors/knet.js';
import { lacp, type LacpFields } from '../../dissectors/lacp.js';
import { marker, type MarkerFields } from '../../dissectors/marker.js';
import { mscs, type MscsFields } from '../../dissectors/mscs.js';
import { slow } from '../../dissectors/slow.js';
import { tcp, type TcpFields } from '../../dissectors/tcp.js';
import { udp } from '../../dissectors/udp.js';
import { vlan } from '../../dissectors/vlan.js';
import { vrrp, type VrrpFields } from '../../dissectors/vrrp.js';
import { type Stack, type StackLayer, buildFrame, zeroPayload } from './build.js';

/** Slow Protocols multicast address 01-80-C2-00-00-02 (IEEE 802.3 Annex 57A; PROTOCOLS.md §2.1). */
export const SLOW_PROTOCOLS_MAC = 0x0180c2000002;
/** Ethernet broadcast. */
export const BROADCAST_MAC = 0xffffffffffff;
/** Ethernet minimum frame length without FCS (what a receiver's capture shows after padding). */
export const ETH_MIN = 60;

/** The Ethernet header (and optional 802.1Q tag) of a frame. */
export interface L2 {
  src: number;
  dst: number;
  /** 802.1Q VLAN id; absent = untagged. */
  vlan?: number;
  pcp?: number;
  /** Pad to 60 bytes (frames received from the wire; a sender's own capture shows them unpadded). */
  pad?: boolean;
}

/** IP header values of a frame (IPv4 when src is a number, IPv6 when a 16-byte array). */
export interface L3 {
  src: number | Uint8Array;
  dst: number | Uint8Array;
  ttl?: number;
  /** IPv4 identification. */
  id?: number;
  /** IPv4 flags (df 0x2, mf 0x1); default DF. */
  flags?: number;
  dscp?: number;
}

function l2Layers(l2: L2): StackLayer[] {
  const out: StackLayer[] = [[ethernet, { dst: l2.dst, src: l2.src }]];
  if (l2.vlan !== undefined) out.push([vlan, { pcp: l2.pcp ?? 0, dei: 0, vid: l2.vlan }]);
  return out;
}

function ipLayer(l3: L3, protocol: number): StackLayer {
  if (typeof l3.src === 'number') {
    return [ipv4, { src: l3.src, dst: l3.dst as number, protocol, ttl: l3.ttl ?? 64, id: l3.id ?? 0, flags: l3.flags ?? 0x2, dscp: l3.dscp ?? 0 }];
  }
  return [ipv6, { src: l3.src, dst: l3.dst as Uint8Array, nextHeader: protocol, hopLimit: l3.ttl ?? 64, trafficClass: (l3.dscp ?? 0) << 2 }];
}

const PADDED = { minLength: ETH_MIN, inPlace: true } as const;
const UNPADDED = { inPlace: true } as const;

function finish(stack: Stack, l2: L2, payload?: Uint8Array): Uint8Array {
  return buildFrame(stack, payload, l2.pad ? PADDED : UNPADDED);
}

/** An ARP frame (RFC 826) with the given header values. */
export function arpFrame(l2: L2, a: Pick<ArpFields, 'opcode' | 'sha' | 'spa' | 'tha' | 'tpa'>): Uint8Array {
  return finish([...l2Layers(l2), [arp, { opcode: a.opcode, sha: a.sha, spa: a.spa, tha: a.tha, tpa: a.tpa }]], l2);
}

/** A LACPDU (PROTOCOLS.md §2.2) from `src` to the Slow Protocols address. */
export function lacpFrame(src: number, f: LacpFields): Uint8Array {
  return buildFrame([[ethernet, { dst: SLOW_PROTOCOLS_MAC, src }], [slow, {}], [lacp, f]], undefined, UNPADDED);
}

/** A Marker or Marker Response PDU (PROTOCOLS.md §2.5). */
export function markerFrame(src: number, f: MarkerFields): Uint8Array {
  return buildFrame([[ethernet, { dst: SLOW_PROTOCOLS_MAC, src }], [slow, {}], [marker, f]], undefined, UNPADDED);
}

/** A UDP datagram carrying `inner` layers (e.g. mscs, knet, hsrp) and/or `payload` bytes. */
export function udpFrame(l2: L2, l3: L3, srcPort: number, dstPort: number, inner: StackLayer[] = [], payload?: Uint8Array): Uint8Array {
  return finish([...l2Layers(l2), ipLayer(l3, 17), [udp, { srcPort, dstPort }], ...inner], l2, payload);
}

/** A TCP segment with `payloadLen` zero bytes of data. */
export function tcpFrame(l2: L2, l3: L3, t: TcpFields, payloadLen: number): Uint8Array {
  return finish([...l2Layers(l2), ipLayer(l3, 6), [tcp, t]], l2, payloadLen > 0 ? zeroPayload(payloadLen) : undefined);
}

/** A Windows cluster heartbeat (UDP 3343 both ends; PROTOCOLS.md §2.11). */
export function mscsFrame(l2: L2, l3: L3, f: MscsFields): Uint8Array {
  return udpFrame(l2, l3, 3343, 3343, [[mscs, f]]);
}

/** A kronosnet packet (corosync 3; PROTOCOLS.md §2.10) between `port`s. */
export function knetFrame(l2: L2, l3: L3, port: number, f: KnetFields): Uint8Array {
  return udpFrame(l2, l3, port, port, [[knet, f]]);
}

/** A VRRP advertisement (IP protocol 112, TTL 255; PROTOCOLS.md §2.8). */
export function vrrpFrame(l2: L2, l3: L3, f: VrrpFields): Uint8Array {
  return finish([...l2Layers(l2), ipLayer({ ...l3, ttl: 255 }, 112), [vrrp, f]], l2);
}

/** An HSRP v1 message (UDP 1985 to 224.0.0.2, TTL 1; PROTOCOLS.md §2.9). */
export function hsrpFrame(l2: L2, l3: L3, f: HsrpFields): Uint8Array {
  return udpFrame(l2, { ...l3, ttl: 1 }, 1985, 1985, [[hsrp, f]]);
}

/** An IPv4 multicast group's MAC (RFC 1112 §6.4: 01-00-5E + low 23 bits). */
export function ipv4MulticastMac(group: number): number {
  return 0x01005e000000 + (group & 0x7fffff);
}
