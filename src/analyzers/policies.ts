// The candidate load-balancing policies the inference tries (PROTOCOLS.md §3), built on the
// generator's own policy arithmetic (src/generator/hash.ts) so generator and analyzer cannot
// disagree: Linux bonding xmit_hash_policy in every kernel variant that computes differently,
// Windows Address Hash (key consistency, plus the generator's Toeplitz model as a closed form),
// and Hyper-V Port (one source MAC, one member).
import {
  type FlowHeaders,
  LINUX_VARIANTS,
  type LinuxHashVariant,
  type LinuxXmitPolicy,
  type WindowsHashMode,
  linuxXmitHash,
  windowsAddressHash,
} from '../generator/hash.js';

/** What a policy may hash, for one transmit flow direction (IPv4 as u32, IPv6 as 16 bytes). */
export interface HashFields {
  srcMac: number;
  dstMac: number;
  etherType: number;
  /** 802.1Q VLAN id, -1 untagged. */
  vlan: number;
  ipVersion: 0 | 4 | 6;
  /** IPv4 address, or the XOR of the IPv6 address's four words (network order). */
  srcIp: number;
  dstIp: number;
  /** IPv6 addresses (16 bytes) when ipVersion is 6. */
  src6?: Uint8Array;
  dst6?: Uint8Array;
  proto: number;
  sport: number;
  dport: number;
  hasPorts: boolean;
}

/** A candidate: closed form (`hash`, member = usable[hash % n] in some order) or key consistency (`key`). */
export interface PolicyCandidate {
  /** Stable id: `linux-layer3+4`, `linux-layer3+4@no-shift`, `windows-address-hash-2tuple`, `hyper-v-port`, … */
  name: string;
  title: string;
  family: 'linux' | 'windows' | 'hyper-v';
  /** Other names that compute exactly the same (kernel variants equal for this policy). */
  aliases?: string[];
  hash?(f: HashFields): number;
  key?(f: HashFields): string | number;
}

/** The generator's header record for a transmit flow direction. */
export function flowHeaders(f: HashFields): FlowHeaders {
  const h: FlowHeaders = { dstMac: f.dstMac, srcMac: f.srcMac, ethertype: f.etherType };
  if (f.vlan > 0) h.vlanId = f.vlan;
  if (f.ipVersion === 4) {
    h.src = f.srcIp;
    h.dst = f.dstIp;
  } else if (f.ipVersion === 6 && f.src6 && f.dst6) {
    h.src = f.src6;
    h.dst = f.dst6;
  }
  if (f.ipVersion !== 0) h.protocol = f.proto;
  if (f.hasPorts) {
    h.srcPort = f.sport;
    h.dstPort = f.dport;
  }
  return h;
}

/** Memoised FlowHeaders per HashFields object (each candidate hashes the same flows). */
const headersOf = new WeakMap<HashFields, FlowHeaders>();
function hdr(f: HashFields): FlowHeaders {
  let h = headersOf.get(f);
  if (!h) headersOf.set(f, (h = flowHeaders(f)));
  return h;
}

/** Which LinuxHashVariant knobs change each policy's arithmetic (variants equal on these compute alike). */
function knobs(policy: LinuxXmitPolicy, v: LinuxHashVariant): string {
  switch (policy) {
    case 'layer2':
      return `${v.ethertype}/${v.cpu}`;
    case 'layer2+3':
      return `${v.ethertype}/${v.shift === 'all-ip'}/${v.cpu}`;
    case 'layer3+4':
      return `${v.ethertype}/${v.shift !== 'none'}/${v.icmp}/${v.icmpErrors}/${v.cpu}`;
    case 'vlan+srcmac':
      return '';
  }
}

function linuxCandidates(): PolicyCandidate[] {
  const out: PolicyCandidate[] = [];
  for (const policy of ['layer2', 'layer2+3', 'layer3+4', 'vlan+srcmac'] as const) {
    const seen = new Map<string, PolicyCandidate>();
    for (const [vname, v] of Object.entries(LINUX_VARIANTS)) {
      const name = vname === 'current' ? `linux-${policy}` : `linux-${policy}@${vname}`;
      const k = knobs(policy, v);
      const same = seen.get(k);
      if (same) {
        (same.aliases ??= []).push(name);
        continue;
      }
      const c: PolicyCandidate = {
        name,
        title: vname === 'current' ? `Linux ${policy}` : `Linux ${policy} (kernels ${v.kernels})`,
        family: 'linux',
        hash: (f) => linuxXmitHash(policy, hdr(f), v),
      };
      seen.set(k, c);
      out.push(c);
    }
  }
  return out;
}

function windowsModel(mode: WindowsHashMode, id: string): PolicyCandidate {
  return {
    name: `windows-address-hash-${id}@toeplitz`,
    title: `Windows Address Hash ${mode} (Toeplitz/RSS-key model; the real function is undocumented)`,
    family: 'windows',
    hash: (f) => windowsAddressHash(mode, hdr(f)),
  };
}

/** The candidates, Linux closed forms first. */
export const POLICY_CANDIDATES: readonly PolicyCandidate[] = [
  ...linuxCandidates(),
  windowsModel('4-tuple', '4tuple'),
  windowsModel('2-tuple', '2tuple'),
  windowsModel('mac', 'mac'),
  {
    name: 'windows-address-hash-4tuple',
    title: 'Windows Address Hash (4-tuple): one flow, one member',
    family: 'windows',
    key: (f) => (f.ipVersion === 0 ? `m${f.srcMac}/${f.dstMac}` : f.hasPorts ? `${f.srcIp}/${f.dstIp}/${f.proto}/${f.sport}/${f.dport}` : `${f.srcIp}/${f.dstIp}`),
  },
  {
    name: 'windows-address-hash-2tuple',
    title: 'Windows Address Hash (2-tuple): one IP pair, one member',
    family: 'windows',
    key: (f) => (f.ipVersion === 0 ? `m${f.srcMac}/${f.dstMac}` : `${f.srcIp}/${f.dstIp}`),
  },
  { name: 'windows-address-hash-mac', title: 'Windows Address Hash (MAC): one MAC pair, one member', family: 'windows', key: (f) => `${f.srcMac}/${f.dstMac}` },
  { name: 'hyper-v-port', title: 'Hyper-V Port: one source MAC (VM), one member', family: 'hyper-v', key: (f) => f.srcMac },
];
