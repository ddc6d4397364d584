// The candidate load-balancing policies the inference tries (PROTOCOLS.md §3): closed-form hashes
// (Linux bonding xmit_hash_policy and its kernel-version variants) and key-consistency policies
// (Windows address hash, Hyper-V port / source MAC) whose arithmetic is not public.

/** What a policy may hash, for one transmit flow direction. IPs are network-order u32 (IPv6: XOR of its four words). */
export interface HashFields {
  srcMac: number;
  dstMac: number;
  etherType: number;
  vlan: number;
  ipVersion: 0 | 4 | 6;
  srcIp: number;
  dstIp: number;
  proto: number;
  sport: number;
  dport: number;
  hasPorts: boolean;
}

/** A candidate: closed form (`hash`, member = hash % n in some order) or key consistency (`key`). */
export interface PolicyCandidate {
  /** Stable id, `family-policy@variant`. */
  name: string;
  title: string;
  family: 'linux' | 'windows' | 'hyper-v';
  hash?(f: HashFields): number;
  key?(f: HashFields): string | number;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function bswap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/** How the EtherType enters Linux's L2 term (PROTOCOLS.md §3.1). */
type EthTerm = 'host' | 'raw' | 'none';

/** `dst_mac[5] ⊕ src_mac[5] ⊕ ethertype` (bond_eth_hash). */
function l2(f: HashFields, eth: EthTerm): number {
  const t = eth === 'host' ? f.etherType : eth === 'raw' ? bswap16(f.etherType) : 0;
  return ((f.dstMac % 256) ^ (f.srcMac % 256) ^ t) >>> 0;
}

/** `h ^= dst ^ src; h ^= h >> 16; h ^= h >> 8` on a little-endian host (bond_ip_hash). */
function ipFold(h: number, f: HashFields): number {
  h = (h ^ bswap32((f.srcIp ^ f.dstIp) >>> 0)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = (h ^ (h >>> 8)) >>> 0;
  return h;
}

/** The 32-bit ports word as copied from the header on a little-endian host. */
function portsWord(f: HashFields): number {
  return bswap32(((f.sport << 16) | f.dport) >>> 0);
}

function linuxLayer2(eth: EthTerm) {
  return (f: HashFields) => l2(f, eth);
}

function linuxLayer23(eth: EthTerm, shift: boolean) {
  return (f: HashFields) => {
    if (f.ipVersion === 0) return l2(f, eth);
    const h = ipFold(l2(f, eth), f);
    return shift ? h >>> 1 : h;
  };
}

function linuxLayer34(eth: EthTerm) {
  return (f: HashFields) => {
    if (f.ipVersion === 0) return l2(f, eth);
    return ipFold(f.hasPorts ? portsWord(f) : 0, f) >>> 1;
  };
}

/** Linux ≤ 3.x formulas (bond_xmit_hash_policy_l23 / _l34 with ntohl, 16 bits of the addresses). */
function linuxOldLayer23(f: HashFields): number {
  if (f.ipVersion !== 4) return (f.dstMac % 256) ^ (f.srcMac % 256);
  return (((f.srcIp ^ f.dstIp) & 0xffff) ^ ((f.dstMac % 256) ^ (f.srcMac % 256))) >>> 0;
}
function linuxOldLayer34(f: HashFields): number {
  if (f.ipVersion !== 4) return (f.dstMac % 256) ^ (f.srcMac % 256);
  const l4 = f.hasPorts ? f.sport ^ f.dport : 0;
  return (l4 ^ ((f.srcIp ^ f.dstIp) & 0xffff)) >>> 0;
}

/** vlan+srcmac (bond_vlan_srcmac_hash). */
function vlanSrcMac(f: HashFields): number {
  const hi = Math.floor(f.srcMac / 0x1000000);
  const lo = f.srcMac % 0x1000000;
  return ((f.vlan > 0 ? f.vlan : 0) ^ hi ^ lo) >>> 0;
}

/** The candidates, most specific first within a family. */
export const POLICY_CANDIDATES: readonly PolicyCandidate[] = [
  { name: 'linux-layer2', title: 'Linux layer2', family: 'linux', hash: linuxLayer2('host') },
  { name: 'linux-layer2@raw-ethertype', title: 'Linux layer2 (kernels < 5.15: EtherType byte-swapped)', family: 'linux', hash: linuxLayer2('raw') },
  { name: 'linux-layer2@no-ethertype', title: 'Linux layer2 (2.6/3.x: MACs only)', family: 'linux', hash: linuxLayer2('none') },
  { name: 'linux-layer2+3', title: 'Linux layer2+3', family: 'linux', hash: linuxLayer23('host', false) },
  { name: 'linux-layer2+3@shift', title: 'Linux layer2+3 (before the 2021 fix: hash >> 1)', family: 'linux', hash: linuxLayer23('host', true) },
  { name: 'linux-layer2+3@raw-ethertype', title: 'Linux layer2+3 (EtherType byte-swapped, hash >> 1)', family: 'linux', hash: linuxLayer23('raw', true) },
  { name: 'linux-layer2+3@3.x', title: 'Linux layer2+3 (3.x formula)', family: 'linux', hash: linuxOldLayer23 },
  { name: 'linux-layer3+4', title: 'Linux layer3+4', family: 'linux', hash: linuxLayer34('host') },
  { name: 'linux-layer3+4@raw-ethertype', title: 'Linux layer3+4 (EtherType byte-swapped for non-IP)', family: 'linux', hash: linuxLayer34('raw') },
  { name: 'linux-layer3+4@3.x', title: 'Linux layer3+4 (3.x formula)', family: 'linux', hash: linuxOldLayer34 },
  { name: 'linux-vlan+srcmac', title: 'Linux vlan+srcmac', family: 'linux', hash: vlanSrcMac },
  {
    name: 'windows-address-hash-4tuple',
    title: 'Windows Address Hash (4-tuple)',
    family: 'windows',
    key: (f) => (f.ipVersion === 0 ? `m${f.srcMac}/${f.dstMac}` : f.hasPorts ? `${f.srcIp}/${f.dstIp}/${f.proto}/${f.sport}/${f.dport}` : `${f.srcIp}/${f.dstIp}`),
  },
  {
    name: 'windows-address-hash-2tuple',
    title: 'Windows Address Hash (2-tuple IP)',
    family: 'windows',
    key: (f) => (f.ipVersion === 0 ? `m${f.srcMac}/${f.dstMac}` : `${f.srcIp}/${f.dstIp}`),
  },
  { name: 'windows-address-hash-mac', title: 'Windows Address Hash (MAC addresses)', family: 'windows', key: (f) => `${f.srcMac}/${f.dstMac}` },
  { name: 'hyper-v-port', title: 'Hyper-V Port / source MAC', family: 'hyper-v', key: (f) => f.srcMac },
];
