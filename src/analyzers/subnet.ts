// Same-subnet vs cross-subnet per heartbeat route: from --subnet / --site options when they cover
// both ends, else inferred from the wire (issue 4): ARP says the destination MAC belongs to the
// destination IP → same; a gateway MAC (ARP'd for another IP, or carrying many destinations) or a
// TTL below its initial value → routed. The decision names the rule that made it.
import { parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import type { SubnetClass } from './profiles.js';

/** Which rule decided a route's subnet class. */
export type SubnetRule = 'option' | 'site-option' | 'link-local' | 'arp' | 'arp-gateway' | 'ttl' | 'router-mac' | 'default';

export interface SubnetDecision {
  subnet: SubnetClass;
  rule: SubnetRule;
  /** One sentence: why. */
  why: string;
}

/** A parsed CIDR: address bytes (4 or 16) and prefix length. */
export interface Cidr {
  text: string;
  bytes: Uint8Array;
  prefix: number;
}

/** Address text → bytes (4 for IPv4, 16 for IPv6); null if not an address. */
export function addressBytes(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (!Number.isNaN(v4)) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  return parseIpv6(text);
}

/** Parse 'ADDR/LEN' (LEN defaults to the full length); throws on bad input. */
export function parseCidr(text: string): Cidr {
  const [a, l] = text.split('/');
  const bytes = addressBytes(a ?? '');
  if (!bytes) throw new Error(`bad CIDR '${text}'`);
  const prefix = l === undefined ? bytes.length * 8 : Number(l);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) throw new Error(`bad CIDR '${text}'`);
  return { text, bytes, prefix };
}

/** Is `addr` (4 or 16 bytes) inside `c`? */
export function cidrContains(c: Cidr, addr: Uint8Array): boolean {
  if (addr.length !== c.bytes.length) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}

/** Index of the first CIDR containing `addr`, or -1. */
export function cidrIndex(list: readonly Cidr[], addr: Uint8Array): number {
  for (let i = 0; i < list.length; i++) if (cidrContains(list[i]!, addr)) return i;
  return -1;
}

/** What the wire showed about one route (both directions). */
export interface RouteObservation {
  /** Address bytes of the two ends. */
  a: Uint8Array;
  b: Uint8Array;
  aText: string;
  bText: string;
  /** Destination MAC of frames a→b and b→a (-1 when not seen or not Ethernet). */
  dstMacAB: number;
  dstMacBA: number;
  /** Smallest TTL / hop limit seen arriving in each direction (-1 if none). */
  ttlAB: number;
  ttlBA: number;
}

/** Knowledge from the rest of the capture the inference uses. */
export interface SubnetKnowledge {
  /** MAC that ARP says owns an IPv4 address (undefined if unknown). */
  arpOwner(ip: Uint8Array): number | undefined;
  /** Does ARP say this MAC owns some IPv4 address? Which one (first), else undefined. */
  arpAddressOf(mac: number): Uint8Array | undefined;
  /** The most destination IPs one sender reached through this destination MAC. */
  destinationsBehind(mac: number): number;
}

/** A MAC through which one sender reaches at least this many destination IPs is a router's. */
export const ROUTER_MAC_MIN_DESTINATIONS = 2;

function isInitial(ttl: number): boolean {
  return ttl === 64 || ttl === 128 || ttl === 255 || ttl === 1 || ttl === 32;
}

function same24(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === 4 && y.length === 4 && x[0] === y[0] && x[1] === y[1] && x[2] === y[2];
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Decide a route's subnet class and say which rule decided. */
export function classifyRoute(o: RouteObservation, subnets: readonly Cidr[], sites: readonly Cidr[], k: SubnetKnowledge): SubnetDecision {
  const sa = cidrIndex(sites, o.a);
  const sb = cidrIndex(sites, o.b);
  if (sa >= 0 && sb >= 0 && sa !== sb)
    return { subnet: 'site', rule: 'site-option', why: `ends in different --site networks (${sites[sa]!.text}, ${sites[sb]!.text})` };
  const na = cidrIndex(subnets, o.a);
  const nb = cidrIndex(subnets, o.b);
  if (na >= 0 && nb >= 0)
    return na === nb
      ? { subnet: 'same', rule: 'option', why: `both ends in --subnet ${subnets[na]!.text}` }
      : { subnet: 'cross', rule: 'option', why: `ends in different --subnet networks (${subnets[na]!.text}, ${subnets[nb]!.text})` };
  if ((o.a.length === 16 && o.a[0] === 0xfe && (o.a[1]! & 0xc0) === 0x80) || (o.b.length === 16 && o.b[0] === 0xfe && (o.b[1]! & 0xc0) === 0x80))
    return { subnet: 'same', rule: 'link-local', why: 'IPv6 link-local addresses never cross a router' };
  const dirs = [
    { mac: o.dstMacAB, src: o.a, dst: o.b, dstText: o.bText, ttl: o.ttlAB, arrive: `${o.aText} → ${o.bText}` },
    { mac: o.dstMacBA, src: o.b, dst: o.a, dstText: o.aText, ttl: o.ttlBA, arrive: `${o.bText} → ${o.aText}` },
  ];
  // ARP: the destination MAC is the destination's own → same subnet.
  for (const d of dirs) {
    if (d.mac >= 0 && k.arpOwner(d.dst) === d.mac) return { subnet: 'same', rule: 'arp', why: `ARP says ${d.dstText} is at the frames' destination MAC` };
  }
  // A TTL below every initial value arrived: the frames crossed a router.
  for (const d of dirs) {
    if (d.ttl >= 0 && !isInitial(d.ttl)) return { subnet: 'cross', rule: 'ttl', why: `TTL ${d.ttl} on ${d.arrive} is below any initial value: routed` };
  }
  // ARP gives the destination MAC to another address next to the sender (same /24) while the
  // destination is elsewhere: the sender's gateway. (A host with an address on each of several
  // networks also has "another address", but not one next to the sender of this route.)
  for (const d of dirs) {
    if (d.mac < 0 || d.src.length !== 4) continue;
    const owner = k.arpOwner(d.dst);
    const other = k.arpAddressOf(d.mac);
    if (other !== undefined && other.length === 4 && !sameBytes(other, d.dst) && (owner === undefined || owner !== d.mac) && same24(other, d.src) && !same24(d.dst, d.src))
      return { subnet: 'cross', rule: 'arp-gateway', why: `frames to ${d.dstText} go to the MAC ARP gives to ${Array.from(other).join('.')}, next to the sender: its gateway` };
  }
  // One sender reaching several addresses through one destination MAC: that MAC is a router's.
  for (const mac of [o.dstMacAB, o.dstMacBA]) {
    if (mac >= 0 && k.destinationsBehind(mac) >= ROUTER_MAC_MIN_DESTINATIONS)
      return { subnet: 'cross', rule: 'router-mac', why: `one sender reaches ${k.destinationsBehind(mac)} addresses through the destination MAC: a router` };
  }
  return { subnet: 'same', rule: 'default', why: 'nothing on the wire decided; assumed same subnet (give --subnet to decide)' };
}
