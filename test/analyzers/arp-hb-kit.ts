// Packets for the ARP / heartbeat / VRRP analyzer tests, built from the dissectors' encoders and
// decoded through the registry exactly as a capture would be; and a tiny classic-pcap reader.
import { readFileSync } from 'node:fs';
import { registry } from '../../dissectors/index.js';
import type { Packet } from '../../dissectors/core.js';
import { parseIpv4, parseMac, parseIpv6 } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { vlan } from '../../dissectors/vlan.js';
import { arp } from '../../dissectors/arp.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { udp } from '../../dissectors/udp.js';
import { mscs } from '../../dissectors/mscs.js';
import { knet } from '../../dissectors/knet.js';
import { vrrp } from '../../dissectors/vrrp.js';
import { hsrp } from '../../dissectors/hsrp.js';
import { carp } from '../../dissectors/carp.js';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import type { Analyzer } from '../../src/analyzers/types.js';

export const mac = (s: string) => parseMac(s);
export const ip = (s: string) => parseIpv4(s);
export const BCAST = 0xffffffffffff;

const ifaces = new Map<string, InterfaceInfo>();
function iface(name: string, linkType = 1): InterfaceInfo {
  let i = ifaces.get(name);
  if (!i) ifaces.set(name, (i = { id: ifaces.size, input: 0, index: ifaces.size, name, linkType, snaplen: 262144, tsUnitsPerSec: 1e9, tsOffset: 0 }));
  return i;
}

let frameNo = 0;
/** Restart frame numbering (each test its own "capture"). */
export function resetFrames(): void {
  frameNo = 0;
}

/** Dissect bytes as a frame at time `t` (epoch s) on interface `ifname`. */
export function packet(bytes: Uint8Array, t: number, ifname = 'eth0', linkType = 1): Packet {
  const sec = Math.floor(t);
  const nsec = Math.round((t - sec) * 1e9);
  const f: Frame = { buf: bytes, off: 0, caplen: bytes.length, origLen: bytes.length, sec, nsec, iface: iface(ifname, linkType), index: ++frameNo, fileOffset: 0, ifindex: -1 };
  return registry.dissect(f);
}

function l2(src: number, dst: number, type: number, payload: Uint8Array, vid = 0): Uint8Array {
  if (vid) return ethernet.encode({ dst, src, type: 0x8100 }, vlan.encode({ pcp: 0, dei: 0, vid, type }, payload));
  return ethernet.encode({ dst, src, type }, payload);
}

export interface ArpOpts {
  t: number;
  opcode?: number;
  sha: string;
  spa: string;
  tha?: string;
  tpa: string;
  ethDst?: number;
  vid?: number;
  rarp?: boolean;
}
/** An ARP (or RARP) frame. */
export function arpPkt(o: ArpOpts): Packet {
  const body = arp.encode({ opcode: o.opcode ?? 1, sha: mac(o.sha), spa: ip(o.spa), tha: o.tha ? mac(o.tha) : 0, tpa: ip(o.tpa) });
  return packet(l2(mac(o.sha), o.ethDst ?? BCAST, o.rarp ? 0x8035 : 0x0806, body, o.vid), o.t);
}
/** Gratuitous ARP, request form (keepalived/pacemaker): SPA = TPA, THA broadcast. */
export function garpRequest(t: number, sha: string, addr: string): Packet {
  return arpPkt({ t, sha, spa: addr, tpa: addr, tha: 'ff:ff:ff:ff:ff:ff' });
}
/** Gratuitous ARP, reply form (arping -A): SPA = TPA, THA = SHA. */
export function garpReply(t: number, sha: string, addr: string): Packet {
  return arpPkt({ t, opcode: 2, sha, spa: addr, tpa: addr, tha: sha });
}

export interface UdpOpts {
  t: number;
  srcMac: string;
  dstMac: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  ttl?: number;
  payload?: Uint8Array;
  ifname?: string;
  vid?: number;
}
/** An IPv4 (or IPv6 when the addresses contain ':') UDP frame. */
export function udpPkt(o: UdpOpts): Packet {
  const payload = o.payload ?? new Uint8Array(8);
  const dgram = udp.encode({ srcPort: o.sport, dstPort: o.dport }, payload);
  if (o.src.includes(':')) {
    const ip6 = ipv6.encode({ nextHeader: 17, hopLimit: o.ttl ?? 128, src: parseIpv6(o.src)!, dst: parseIpv6(o.dst)! } as never, dgram);
    return packet(l2(mac(o.srcMac), mac(o.dstMac), 0x86dd, ip6, o.vid), o.t, o.ifname);
  }
  const ip4 = ipv4.encode({ protocol: 17, ttl: o.ttl ?? 128, src: ip(o.src), dst: ip(o.dst) }, dgram);
  return packet(l2(mac(o.srcMac), mac(o.dstMac), 0x0800, ip4, o.vid), o.t, o.ifname);
}

/** Windows cluster heartbeat (decodable form) on UDP 3343. */
export function mscsPkt(o: Omit<UdpOpts, 'sport' | 'dport' | 'payload'> & { type: 0 | 1; seq: number; opaque?: boolean }): Packet {
  const payload = o.opaque ? Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + o.seq) & 0xff) : mscs.encode({ type: o.type, sequence: o.seq });
  return udpPkt({ ...o, sport: 3343, dport: 3343, payload });
}

/** knet ping (0x81) / pong (0x82) on UDP 5405 + link. */
export function knetPkt(o: Omit<UdpOpts, 'sport' | 'dport' | 'payload'> & { type: number; node: number; link?: number; seq: number; encrypted?: boolean }): Packet {
  const port = 5405 + (o.link ?? 0);
  const payload = o.encrypted
    ? Uint8Array.from({ length: 80 }, (_, i) => (i * 91 + o.seq * 7) & 0xff)
    : knet.encode({ type: o.type, node: o.node, link: o.link ?? 0, seq: o.seq, timed: 1, pingTime: new Uint8Array(16) });
  return udpPkt({ ...o, sport: port, dport: port, payload });
}

/** A VRRP advert from `src` (v2: interval seconds; v3: centiseconds). */
export function vrrpPkt(o: { t: number; src: string; srcMac?: string; vrid: number; priority: number; version?: 2 | 3; interval?: number; addrs: string[]; ifname?: string }): Packet {
  const v = o.version ?? 2;
  const addrs = o.addrs.map(ip);
  const dst = ip('224.0.0.18');
  const body =
    v === 2
      ? vrrp.encode({ version: 2, vrid: o.vrid, priority: o.priority, adverInt: o.interval ?? 1, addrs })
      : vrrp.encode({ version: 3, vrid: o.vrid, priority: o.priority, maxAdverInt: o.interval ?? 100, addrs, pseudo: { src: ip(o.src), dst } });
  const ip4 = ipv4.encode({ protocol: 112, ttl: 255, src: ip(o.src), dst }, body);
  return packet(l2(mac(o.srcMac ?? `00:00:5e:00:01:${o.vrid.toString(16).padStart(2, '0')}`), mac('01:00:5e:00:00:12'), 0x0800, ip4), o.t, o.ifname);
}

/** A CARP advert (IP protocol 112, VRRP multicast group and virtual MAC 00:00:5e:00:01:vhid). */
export function carpPkt(o: { t: number; src: string; vhid: number; advbase?: number; advskew?: number }): Packet {
  const body = carp.encode({ vhid: o.vhid, advbase: o.advbase ?? 1, advskew: o.advskew ?? 0 });
  const ip4 = ipv4.encode({ protocol: 112, ttl: 255, src: ip(o.src), dst: ip('224.0.0.18') }, body);
  return packet(l2(mac(`00:00:5e:00:01:${o.vhid.toString(16).padStart(2, '0')}`), mac('01:00:5e:00:00:12'), 0x0800, ip4), o.t);
}

/** An HSRPv1 hello (state 16 active, 8 standby) or resign/coup. */
export function hsrpPkt(o: { t: number; src: string; group: number; state: number; priority: number; vip: string; opcode?: number; hello?: number; hold?: number }): Packet {
  const body = hsrp.encode({ format: 1, version: 0, opcode: o.opcode ?? 0, state: o.state, hellotime: o.hello ?? 3, holdtime: o.hold ?? 10, priority: o.priority, group: o.group, virtualIp: ip(o.vip) });
  const dgram = udp.encode({ srcPort: 1985, dstPort: 1985 }, body);
  const ip4 = ipv4.encode({ protocol: 17, ttl: 1, src: ip(o.src), dst: ip('224.0.0.2') }, dgram);
  return packet(l2(mac(`00:00:0c:07:ac:${o.group.toString(16).padStart(2, '0')}`), mac('01:00:5e:00:00:02'), 0x0800, ip4), o.t);
}

/** Feed packets to analyzers (in order), then finish at the last packet's time. */
export function run<A extends Analyzer>(a: A, pkts: readonly Packet[]): A {
  let last = 0;
  for (const p of pkts) {
    a.onPacket(p);
    last = p.time;
  }
  a.finish(last);
  return a;
}

/** Classic pcap → packets (tests only; the real readers live in src/capture). */
export function readPcap(file: string): Packet[] {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const r32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = r32(20) & 0x03ffffff;
  const out: Packet[] = [];
  const ifc: InterfaceInfo = { id: 0, input: 0, index: 0, name: file.split('/').pop()!, linkType, snaplen: r32(16), tsUnitsPerSec: nano ? 1e9 : 1e6, tsOffset: 0 };
  let p = 24;
  let n = 0;
  while (p + 16 <= b.length) {
    const sec = r32(p);
    const sub = r32(p + 4);
    const incl = r32(p + 8);
    const orig = r32(p + 12);
    const bytes = new Uint8Array(b.buffer, b.byteOffset + p + 16, Math.min(incl, b.length - p - 16));
    out.push(registry.dissect({ buf: bytes, off: 0, caplen: bytes.length, origLen: orig, sec, nsec: nano ? sub : sub * 1000, iface: ifc, index: ++n, fileOffset: p, ifindex: -1 }));
    p += 16 + incl;
  }
  return out;
}
