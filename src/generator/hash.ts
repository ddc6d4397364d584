// Team load-balancing policies as pure functions of plain header values, shared by the generator
// (which member sends a frame) and the distribution analyzer (which policy explains a capture).
//
// Linux bonding `xmit_hash_policy` (PROTOCOLS.md §3.1) is reproduced with the kernel's exact
// arithmetic, including the CPU byte order it silently depends on: the kernel XORs IPv4 addresses
// and the L4 ports as they lie in memory (network byte order) read as a *native* u32, so on the
// usual little-endian CPUs (x86-64, arm64) the words enter byte-swapped. The low byte of the hash is
// the same either way, but `hash % count` for a count that is not a power of two is not.
// Sources (torvalds/linux):
//   drivers/net/bonding/bond_main.c  bond_eth_hash, bond_flow_ip, bond_flow_dissect, bond_ip_hash,
//                                    __bond_xmit_hash, bond_vlan_srcmac_hash, bond_xmit_3ad_xor_slave_get
//   net/core/flow_dissector.c        flow_get_u32_src/dst, __skb_flow_get_ports, skb_flow_get_icmp_tci
//   include/net/ipv6.h               ipv6_addr_hash;  include/linux/in.h proto_ports_offset
// Kernel history that changes the result (see LINUX_VARIANTS):
//   - 3.13 … 4.x: bond_eth_hash = dst[5] ^ src[5] (no EtherType);
//   - later 4.x … 5.14: `^ ep->h_proto`, the raw big-endian field read natively (0x0800 → 0x0008 on LE);
//   - 5.15 (bonding XDP series, Jussi Maki, 2021): `^ be16_to_cpu(ep->h_proto)`;
//   - b5f862180d70 (Hangbin Liu, "bonding: discard lowest hash bit for 802.3ad layer3+4", 2017, in
//     stable 4.4/4.9 backports): `hash >> 1` at the end of every IP policy (layer2+3 too, a bug);
//   - 49aefd131739 (suresh kumar, April 2022, Linux 5.18; stable 5.15.38, 5.17.6): `>> 1` only for
//     layer3+4 and encap3+4;
//   - ICMP echo identifiers replace the ports for layer3+4 from Linux 5.4 (Matteo Croce, 2019;
//     version unverified); ICMP errors are hashed on the embedded packet in current kernels.
//
// Windows NIC Teaming does not document its hash function (PROTOCOLS.md §3.5): the Address Hash
// policies here use the Toeplitz hash with the well-known default RSS key as a stand-in, with the
// documented fall-backs (4-tuple → 2-tuple → MAC). Inference must not expect a capture from a real
// Windows team to follow these numbers; it can only test "one flow, one member".

/** Linux bonding transmit hash policies (Documentation/networking/bonding.rst, xmit_hash_policy). */
export type LinuxXmitPolicy = 'layer2' | 'layer2+3' | 'layer3+4' | 'vlan+srcmac';

/** Kernel-version knobs that change the Linux hash (see the file comment for where each comes from). */
export interface LinuxHashVariant {
  /** How the EtherType enters the L2 term: be16_to_cpu ('host'), raw field read natively ('raw'), absent ('none'). */
  readonly ethertype: 'host' | 'raw' | 'none';
  /** Which policies end with `hash >> 1`: only layer3+4 (current), every IP policy (2017–2022), none (before 2017). */
  readonly shift: 'layer3+4' | 'all-ip' | 'none';
  /** ICMP echo/timestamp identifier for layer3+4: host-order id (current), raw id, or not used (ports = 0). */
  readonly icmp: 'host' | 'raw' | 'none';
  /** ICMP errors hashed on the embedded packet's addresses and ports (current kernels). */
  readonly icmpErrors: boolean;
  /** CPU byte order: how network-order words are read into the u32 the kernel XORs. */
  readonly cpu: 'le' | 'be';
}

/** Named kernel variants; `current` is what inference tries first. */
export const LINUX_VARIANTS: Readonly<Record<string, LinuxHashVariant & { readonly kernels: string }>> = {
  current: { ethertype: 'host', shift: 'layer3+4', icmp: 'host', icmpErrors: true, cpu: 'le', kernels: '≥ 5.18, 5.15.38+, 5.17.6+ (x86-64/arm64)' },
  'shift-all': { ethertype: 'host', shift: 'all-ip', icmp: 'host', icmpErrors: true, cpu: 'le', kernels: '5.15.0–5.15.37, 5.16, 5.17.0–5.17.5' },
  'raw-ethertype': { ethertype: 'raw', shift: 'all-ip', icmp: 'raw', icmpErrors: false, cpu: 'le', kernels: '4.14 … 5.14 (and stable backports of b5f862180d70)' },
  'no-shift': { ethertype: 'raw', shift: 'none', icmp: 'none', icmpErrors: false, cpu: 'le', kernels: 'before b5f862180d70 (2017)' },
  'no-ethertype': { ethertype: 'none', shift: 'none', icmp: 'none', icmpErrors: false, cpu: 'le', kernels: '3.13 … early 4.x' },
};

/** The variant used when none is given (current kernels on a little-endian CPU). */
export const LINUX_CURRENT: LinuxHashVariant = LINUX_VARIANTS.current!;

/**
 * The header values a policy needs, as plain numbers (what the analyzer reads from decoded layers).
 * Absent L3 fields mean "not IP"; absent ports mean "no L4 ports" (fragment, unknown protocol).
 */
export interface FlowHeaders {
  /** Ethernet destination and source MAC as 48-bit numbers. */
  dstMac: number;
  srcMac: number;
  /** EtherType of the payload after any VLAN tags (skb->protocol: tags are offloaded on transmit). */
  ethertype: number;
  /** 802.1Q VLAN id (vlan+srcmac only); 0 or absent when untagged. */
  vlanId?: number;
  /** IPv4 address as an unsigned 32-bit number, or IPv6 address as 16 bytes. */
  src?: number | Uint8Array;
  dst?: number | Uint8Array;
  /** IPv4 protocol, or the IPv6 header's Next Header (extension headers are not walked by bonding). */
  protocol?: number;
  /** IPv4 only: MF set or fragment offset ≠ 0 (ip_is_fragment). IPv6 fragments show protocol 44. */
  fragment?: boolean;
  /** TCP/UDP/SCTP/DCCP/UDP-Lite ports. */
  srcPort?: number;
  dstPort?: number;
  /** ESP/AH security parameter index (the kernel's "ports" word for those protocols). */
  spi?: number;
  /** ICMP/ICMPv6 type, code, and identifier (echo/timestamp). */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** ICMP error messages: the embedded original packet's header values. */
  inner?: FlowHeaders;
}

/** 32-bit byte swap. */
export function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** A network-order 32-bit word (as a number, most significant byte first) read by a CPU of order `cpu`. */
export function nativeWord(wordBE: number, cpu: 'le' | 'be'): number {
  return cpu === 'le' ? bswap32(wordBE >>> 0) : wordBE >>> 0;
}

/** The 32-bit word the kernel uses for an address: IPv4 as read natively; IPv6 = ipv6_addr_hash (XOR of 4 native words). */
export function addrWord(a: number | Uint8Array, cpu: 'le' | 'be'): number {
  if (typeof a === 'number') return nativeWord(a, cpu);
  let h = 0;
  for (let i = 0; i < 16; i += 4) {
    const w = ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) >>> 0;
    h ^= nativeWord(w, cpu);
  }
  return h >>> 0;
}

/** The L2 term `dst[5] ^ src[5] ^ ethertype` (bond_eth_hash) in the given kernel variant. */
export function linuxL2Term(dstMac: number, srcMac: number, ethertype: number, v: LinuxHashVariant = LINUX_CURRENT): number {
  const base = (dstMac % 256) ^ (srcMac % 256);
  if (v.ethertype === 'none') return base;
  if (v.ethertype === 'host') return (base ^ ethertype) >>> 0;
  const raw = v.cpu === 'le' ? ((ethertype & 0xff) << 8) | (ethertype >>> 8) : ethertype;
  return (base ^ raw) >>> 0;
}

/** IP protocols whose first 4 L4 bytes (AH: bytes 4–7) are the "ports" word (proto_ports_offset). */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 50, 51, 132, 136]);

/** ICMP/ICMPv6 types whose identifier the kernel hashes (icmp_has_id: one list for both families). */
const ICMP_HAS_ID: ReadonlySet<number> = new Set([0, 8, 13, 14, 128, 129]);

/** icmp_is_err / icmpv6_is_err. */
function icmpIsError(protocol: number, type: number): boolean {
  if (protocol === 58) return type < 128;
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** The "ports" word of an L4 header as the kernel reads it (0 when the protocol has none or it is absent). */
function portsWord(h: FlowHeaders, cpu: 'le' | 'be'): number {
  const p = h.protocol;
  if (p === undefined || !PORT_PROTOCOLS.has(p)) return 0;
  if (p === 50 || p === 51) return h.spi === undefined ? 0 : nativeWord(h.spi, cpu);
  if (h.srcPort === undefined || h.dstPort === undefined) return 0;
  return nativeWord(((h.srcPort << 16) | h.dstPort) >>> 0, cpu);
}

function isIpHeaders(h: FlowHeaders): boolean {
  if (h.src === undefined || h.dst === undefined) return false;
  return (h.ethertype === 0x0800 && typeof h.src === 'number') || (h.ethertype === 0x86dd && typeof h.src !== 'number');
}

/**
 * bond_ip_hash: `h ^= dst ^ src; h ^= h >> 16; h ^= h >> 8;` then `h >> 1` when the variant's shift
 * applies to `policy`. All arithmetic unsigned 32-bit; addresses as addrWord().
 */
export function linuxIpFold(hash: number, src: number | Uint8Array, dst: number | Uint8Array, policy: LinuxXmitPolicy, v: LinuxHashVariant = LINUX_CURRENT): number {
  let h = (hash ^ addrWord(dst, v.cpu) ^ addrWord(src, v.cpu)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = (h ^ (h >>> 8)) >>> 0;
  const shift = v.shift === 'all-ip' || (v.shift === 'layer3+4' && policy === 'layer3+4');
  return shift ? h >>> 1 : h;
}

/**
 * The Linux bonding transmit hash (__bond_xmit_hash) of one frame's headers:
 * - layer2:      dst[5] ^ src[5] ^ ethertype
 * - layer2+3:    IP: fold(L2 ^ dstIP ^ srcIP); non-IP: L2
 * - layer3+4:    IP: fold(ports ^ dstIP ^ srcIP) >> 1, ports = the 4 port bytes read natively (0 for
 *                fragments and port-less protocols; ICMP echo: type|code|id word); non-IP: L2
 * - vlan+srcmac: vlan ^ srcMAC[0..2] ^ srcMAC[3..5]
 * The member is `usable[hash % usable.length]` (bond_xmit_3ad_xor_slave_get).
 */
export function linuxXmitHash(policy: LinuxXmitPolicy, h: FlowHeaders, v: LinuxHashVariant = LINUX_CURRENT): number {
  if (policy === 'vlan+srcmac') {
    const hi = Math.floor(h.srcMac / 0x1000000) & 0xffffff;
    const lo = h.srcMac % 0x1000000;
    return ((h.vlanId ?? 0) ^ hi ^ lo) >>> 0;
  }
  const l2 = linuxL2Term(h.dstMac, h.srcMac, h.ethertype, v);
  if (policy === 'layer2' || !isIpHeaders(h)) return l2;
  // bond_flow_dissect: outer addresses; ICMP errors switch to the embedded packet (current kernels).
  let f: FlowHeaders = h;
  const l4 = h.fragment ? undefined : h.protocol;
  let icmpWord = 0;
  if ((l4 === 1 || l4 === 58) && h.icmpType !== undefined) {
    if (v.icmpErrors && icmpIsError(l4, h.icmpType) && h.inner && h.inner.src !== undefined && h.inner.dst !== undefined) {
      f = { ...h.inner, ethertype: h.ethertype, dstMac: h.dstMac, srcMac: h.srcMac };
      if (f.fragment) f = { ...f, protocol: undefined };
    } else if (policy === 'layer3+4' && v.icmp !== 'none' && ICMP_HAS_ID.has(h.icmpType)) {
      icmpWord = icmpKeyWord(h.icmpType, h.icmpCode ?? 0, h.icmpId ?? 0, v);
    }
  }
  let hash: number;
  if (policy === 'layer2+3') hash = l2;
  else if (icmpWord !== 0) hash = icmpWord;
  else hash = f === h && h.fragment ? 0 : portsWord(f, v.cpu);
  return linuxIpFold(hash, f.src!, f.dst!, policy, v);
}

/** struct flow_dissector_key_icmp {u8 type; u8 code; u16 id} read as a native u32 (skb_flow_get_icmp_tci). */
function icmpKeyWord(type: number, code: number, idWire: number, v: LinuxHashVariant): number {
  // The id is stored as a host u16: ntohs(id) ('host'), or the wire bytes as they are ('raw'); 0 becomes 1.
  let b2: number;
  let b3: number;
  if (idWire === 0 || v.icmp === 'host') {
    const idv = idWire === 0 ? 1 : idWire;
    [b2, b3] = v.cpu === 'le' ? [idv & 0xff, idv >>> 8] : [idv >>> 8, idv & 0xff];
  } else {
    [b2, b3] = [idWire >>> 8, idWire & 0xff];
  }
  const bytes = [type & 0xff, code & 0xff, b2, b3];
  return v.cpu === 'le'
    ? (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0
    : ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** Index into the usable-member list: `hash % count` (count ≥ 1). */
export function memberIndex(hash: number, count: number): number {
  if (count < 1) throw new Error('memberIndex: no usable member');
  return (hash >>> 0) % count;
}

// ---------------------------------------------------------------------------------------------
// Windows NIC Teaming (LBFO / SET): PROTOCOLS.md §3.5.

/** Microsoft's default RSS secret key (40 bytes), public in the RSS specification and every NDIS driver sample. */
export const RSS_DEFAULT_KEY: Uint8Array = Uint8Array.from([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
  0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
]);

/** Toeplitz hash of `input` with `key` (Microsoft RSS; key must be ≥ input length + 4 bytes). */
export function toeplitz(input: Uint8Array, key: Uint8Array = RSS_DEFAULT_KEY): number {
  let result = 0;
  // The 32-bit window of the key starting at the current input bit.
  let window = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
  let next = 4;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    const kb = key[next++] ?? 0;
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) result = (result ^ window) >>> 0;
      window = ((window << 1) | ((kb >>> bit) & 1)) >>> 0;
    }
  }
  return result >>> 0;
}

/** Windows Address Hash variants (LoadBalancingAlgorithm TransportPorts, IPAddresses, MacAddresses). */
export type WindowsHashMode = '4-tuple' | '2-tuple' | 'mac';

/** What a Windows Address Hash actually hashed, after its fall-backs. */
export type WindowsHashInput = '4-tuple' | '2-tuple' | 'mac';

/**
 * Which input a Windows Address Hash uses for these headers: 4-tuple needs TCP/UDP ports (not a
 * fragment), else the IP 2-tuple, else the MAC addresses (documented fall-backs, PROTOCOLS.md §3.5).
 */
export function windowsHashInput(mode: WindowsHashMode, h: FlowHeaders): WindowsHashInput {
  const ip = isIpHeaders(h);
  if (mode === '4-tuple' && ip && !h.fragment && (h.protocol === 6 || h.protocol === 17) && h.srcPort !== undefined && h.dstPort !== undefined) return '4-tuple';
  if (mode !== 'mac' && ip) return '2-tuple';
  return 'mac';
}

/** Windows Address Hash (stand-in: Toeplitz with the default RSS key over the chosen input). */
export function windowsAddressHash(mode: WindowsHashMode, h: FlowHeaders): number {
  const input = windowsHashInput(mode, h);
  const parts: number[] = [];
  const pushAddr = (a: number | Uint8Array) => {
    if (typeof a === 'number') parts.push(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
    else for (const b of a) parts.push(b);
  };
  if (input === 'mac') {
    for (const m of [h.srcMac, h.dstMac]) {
      const hi = Math.floor(m / 0x100000000);
      const lo = m % 0x100000000;
      parts.push(hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
    }
  } else {
    pushAddr(h.src!);
    pushAddr(h.dst!);
    if (input === '4-tuple') parts.push(h.srcPort! >>> 8, h.srcPort! & 0xff, h.dstPort! >>> 8, h.dstPort! & 0xff);
  }
  // IPv6 4-tuple input is 36 bytes: extend the key by repeating it (the RSS spec uses a 40-byte key
  // for IPv4 and IPv6 alike; bits past the key are taken as zero here).
  return toeplitz(Uint8Array.from(parts));
}

/**
 * Hyper-V Port: every virtual switch port (one VM / vNIC, i.e. one source MAC) is affinitized to one
 * member; the generator assigns vPorts round-robin in order of creation: member = vPort % count.
 */
export function hyperVPortMember(vPort: number, count: number): number {
  return memberIndex(vPort, count);
}

/** Options of the Dynamic (flowlet) balancer. */
export interface FlowletOptions {
  /** An idle gap at least this long (s) ends a flowlet; the next packet may move (default 0.5 s; Windows' value is not documented). */
  flowletGap?: number;
  /** Half-life of the per-member load estimate (s), default 1 s. */
  halfLife?: number;
}

/**
 * Windows "Dynamic" stand-in: a flow stays on its member within a flowlet; after an idle gap of at
 * least `flowletGap` the flowlet goes to the currently least-loaded usable member (load = bytes with
 * exponential decay). Deterministic for a given packet sequence. Stateful by nature, hence a class.
 */
export class FlowletBalancer {
  private readonly flows = new Map<string, { member: number; last: number }>();
  private readonly load: number[];
  private loadTime = 0;
  private readonly gap: number;
  private readonly halfLife: number;

  constructor(
    readonly members: number,
    opts: FlowletOptions = {},
  ) {
    this.load = new Array<number>(members).fill(0);
    this.gap = opts.flowletGap ?? 0.5;
    this.halfLife = opts.halfLife ?? 1;
  }

  /**
   * The member (index into 0..members-1) for a packet of `flow` at time `t` (s) of `bytes` length;
   * `usable` lists the members that may send. Returns also whether this packet starts a new flowlet.
   */
  pick(flow: string, t: number, bytes: number, usable: readonly number[]): { member: number; newFlowlet: boolean; moved: boolean } {
    if (usable.length === 0) throw new Error('FlowletBalancer: no usable member');
    if (t > this.loadTime) {
      const k = Math.pow(0.5, (t - this.loadTime) / this.halfLife);
      for (let i = 0; i < this.load.length; i++) this.load[i]! *= k;
      this.loadTime = t;
    }
    const f = this.flows.get(flow);
    let member: number;
    let newFlowlet = false;
    let moved = false;
    if (f && t - f.last < this.gap && usable.includes(f.member)) {
      member = f.member;
    } else {
      newFlowlet = true;
      member = usable[0]!;
      for (const m of usable) if (this.load[m]! < this.load[member]!) member = m;
      moved = f !== undefined && f.member !== member;
    }
    this.load[member]! += bytes;
    if (f) {
      f.member = member;
      f.last = t;
    } else this.flows.set(flow, { member, last: t });
    return { member, newFlowlet, moved };
  }

  /** Forget a flow (closed). */
  forget(flow: string): void {
    this.flows.delete(flow);
  }
}

// ---------------------------------------------------------------------------------------------
// One name per policy, for the generator's options, truth files and the distribution analyzer.

/** Every load-balancing policy the generator can apply (and truth files name). */
export type PolicyName =
  | 'layer2'
  | 'layer2+3'
  | 'layer3+4'
  | 'vlan+srcmac'
  | 'win-4tuple'
  | 'win-2tuple'
  | 'win-mac'
  | 'hyperv-port'
  | 'dynamic';

/** Policy names with a one-line description (for `generate --list` and docs). */
export const POLICIES: Readonly<Record<PolicyName, string>> = {
  layer2: 'Linux bonding xmit_hash_policy=layer2 (dst[5] ^ src[5] ^ ethertype)',
  'layer2+3': 'Linux bonding layer2+3 (L2 term ^ IP addresses, folded)',
  'layer3+4': 'Linux bonding layer3+4 (ports ^ IP addresses, folded, >> 1)',
  'vlan+srcmac': 'Linux bonding vlan+srcmac (VLAN id ^ source MAC halves)',
  'win-4tuple': 'Windows Address Hash, TransportPorts (4-tuple → 2-tuple → MAC fall-backs; Toeplitz stand-in)',
  'win-2tuple': 'Windows Address Hash, IPAddresses (2-tuple → MAC; Toeplitz stand-in)',
  'win-mac': 'Windows Address Hash, MacAddresses (Toeplitz stand-in)',
  'hyperv-port': 'Windows Hyper-V Port (each VM source MAC on one member, round-robin by vPort)',
  dynamic: 'Windows Dynamic (flowlets re-balanced to the least-loaded member after idle gaps)',
};

/** Whether the member a policy picks can be recomputed from one frame's headers alone. */
export function isClosedForm(p: PolicyName): boolean {
  return p === 'layer2' || p === 'layer2+3' || p === 'layer3+4' || p === 'vlan+srcmac';
}

/**
 * The stateless hash of a closed-form or Windows Address Hash policy (undefined for hyperv-port and
 * dynamic, which depend on state). Member = usable[hash % usable.length].
 */
export function policyHash(p: PolicyName, h: FlowHeaders, v: LinuxHashVariant = LINUX_CURRENT): number | undefined {
  switch (p) {
    case 'layer2':
    case 'layer2+3':
    case 'layer3+4':
    case 'vlan+srcmac':
      return linuxXmitHash(p, h, v);
    case 'win-4tuple':
      return windowsAddressHash('4-tuple', h);
    case 'win-2tuple':
      return windowsAddressHash('2-tuple', h);
    case 'win-mac':
      return windowsAddressHash('mac', h);
    default:
      return undefined;
  }
}
