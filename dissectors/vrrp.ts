// VRRP version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 §5.1) advertisements on IP protocol 112.
// Field offsets checked against both RFCs and Wireshark's epan/dissectors/packet-vrrp.c (versions other
// than 3 use the v2 layout, as there). PROTOCOLS.md §2.8.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  ipv4Text,
  ipv6Text,
  problem,
  putU16,
  putU32,
  shortLayer,
  u16,
  u32,
} from './core.js';
import { isCarp } from './carp.js';
import { EMPTY_BYTES, type Ipv4Layer, checksumStatusNames, inetFold, inetSum, pseudoSum4 } from './ipv4.js';
import { type Ipv6Layer, pseudoSum6 } from './ipv6.js';
import { parentComplete } from './udp.js';

/** A decoded VRRP advertisement. v2-only fields are 0 in v3 and the other way round. */
export interface VrrpLayer extends LayerMeta {
  readonly layer: 'vrrp';
  version: number;
  type: number;
  vrid: number;
  priority: number;
  /** Count IPvX Addrs as sent (the addresses decoded may be fewer when the frame is short). */
  count: number;
  /** v2: 0 none, 1 simple text (RFC 2338, reserved in RFC 3768), 2 IP AH. */
  authType: number;
  /** v2: advertisement interval, seconds. */
  adverInt: number;
  /** v3: the 4 reserved bits before Max Adver Int. */
  reserved: number;
  /** v3: maximum advertisement interval, centiseconds. */
  maxAdverInt: number;
  checksum: number;
  /** 0 bad, 1 good, 2 not verified (cut, fragment, or v3 without an IP layer), as tshark's vrrp.checksum.status. */
  checksumStatus: number;
  /** 4 or 6: the address family (from the IP layer below). */
  ipVersion: number;
  /** IPv4 addresses as numbers, IPv6 addresses as 16-byte views. */
  addrs: (number | Uint8Array)[];
  /** v2: the 8 bytes of Authentication Data (view); empty in v3. */
  authData: Uint8Array;
  // What analyzers need, common to vrrp/hsrp/carp:
  /** = vrid. */
  group: number;
  /** Advertisement interval in seconds (v2 adverInt, v3 maxAdverInt / 100). */
  interval: number;
  /** 'master' (only the master advertises) or 'resigning' (priority 0, RFC 3768 §6.4.3). */
  role: string;
  /** The addresses as text (copies, safe to keep). */
  virtualIps: string[];
}

/**
 * Encode input. `count` defaults to addrs.length, the checksum is computed when omitted: over the message
 * for v2, with the IP pseudo-header for v3 — which needs `pseudo` (the IP source and destination).
 */
export interface VrrpFields {
  version?: number;
  type?: number;
  vrid: number;
  priority: number;
  count?: number;
  authType?: number;
  adverInt?: number;
  reserved?: number;
  maxAdverInt?: number;
  checksum?: number;
  addrs: readonly (number | Uint8Array)[];
  authData?: Uint8Array;
  pseudo?: { src: number | Uint8Array; dst: number | Uint8Array };
}

declare module './core.js' {
  interface LayerMap {
    vrrp: VrrpLayer;
  }
}

/** VRRP message types (RFC 3768 §5.3.2, RFC 5798 §5.2.2). */
export const vrrpTypeNames: Readonly<Record<number, string>> = { 1: 'Advertisement' };

/** VRRPv2 authentication types (RFC 2338 §5.3.6; types 1 and 2 reserved by RFC 3768). */
export const vrrpAuthTypeNames: Readonly<Record<number, string>> = { 0: 'none', 1: 'simple', 2: 'ah', 3: 'md5 (Cisco)' };

/** Notable priorities (RFC 3768 §5.3.4). */
export const vrrpPriorityNames: Readonly<Record<number, string>> = { 0: 'master resigning', 100: 'default backup', 255: 'address owner' };

const HEADER = 8;
const AUTH_LEN = 8;
const PROTO_VRRP = 112;

/** The IP layer below (the last one decoded), if any. */
function ipParent(pkt: Packet): Ipv4Layer | Ipv6Layer | null {
  const ls = pkt.layers;
  const p = ls.length > 0 ? ls[ls.length - 1]! : null;
  if (p !== null && (p.layer === 'ipv4' || p.layer === 'ipv6')) return p as Ipv4Layer | Ipv6Layer;
  return null;
}

/** The VRRPv3 checksum value to write over `msg` (RFC 5798 §5.2.8: IP pseudo-header + VRRP message). */
export function vrrpV3Checksum(msg: Uint8Array, src: number | Uint8Array, dst: number | Uint8Array): number {
  const ps =
    typeof src === 'number' && typeof dst === 'number'
      ? pseudoSum4(src, dst, PROTO_VRRP, msg.length)
      : pseudoSum6(src as Uint8Array, dst as Uint8Array, PROTO_VRRP, msg.length);
  return inetFold(inetSum(msg, 0, msg.length, ps));
}

/** The VRRP dissector (RFC 3768, RFC 5798; PROTOCOLS.md §2.8): ip.proto 112 when the CARP heuristic says no. */
export const vrrp: Dissector<VrrpLayer, VrrpFields> = {
  name: 'vrrp',
  title: 'Virtual Router Redundancy Protocol',
  fields: [
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'vrrp.version' },
    { name: 'type', title: 'Type', kind: 'uint', names: vrrpTypeNames, tshark: 'vrrp.type' },
    { name: 'vrid', title: 'Virtual Rtr ID', kind: 'uint', tshark: 'vrrp.virt_rtr_id' },
    { name: 'priority', title: 'Priority', kind: 'uint', names: vrrpPriorityNames, tshark: 'vrrp.prio' },
    { name: 'count', title: 'Count IP Addrs', kind: 'uint', tshark: 'vrrp.addr_count' },
    { name: 'authType', title: 'Auth Type (v2)', kind: 'uint', names: vrrpAuthTypeNames, tshark: 'vrrp.auth_type' },
    { name: 'adverInt', title: 'Adver Int (v2, s)', kind: 'uint', tshark: 'vrrp.adver_int' },
    { name: 'reserved', title: 'Reserved (v3)', kind: 'uint', tshark: 'vrrp.reserved_mbz' },
    { name: 'maxAdverInt', title: 'Max Adver Int (v3, cs)', kind: 'uint', tshark: 'vrrp.short_adver_int' },
    { name: 'checksum', title: 'Checksum', kind: 'uint', hex: true, tshark: 'vrrp.checksum' },
    { name: 'checksumStatus', title: 'Checksum Status', kind: 'uint', names: checksumStatusNames, tshark: 'vrrp.checksum.status' },
    { name: 'ipVersion', title: 'Address Family', kind: 'uint' },
    { name: 'addrs', title: 'IP Addresses', kind: 'list', tshark: 'vrrp.ip_addr,vrrp.ipv6_addr' },
    { name: 'authData', title: 'Authentication Data (v2)', kind: 'bytes', tshark: 'vrrp.auth_string' },
    { name: 'group', title: 'Group (VRID)', kind: 'uint', hidden: true },
    { name: 'interval', title: 'Interval (s)', kind: 'number', hidden: true },
    { name: 'role', title: 'Role', kind: 'string', hidden: true },
    { name: 'virtualIps', title: 'Virtual IPs', kind: 'list', hidden: true },
  ] satisfies FieldDesc[],
  accepts: (buf, off, end) => !isCarp(buf, off, end),

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): VrrpLayer | null {
    const have = end - off;
    if (have < HEADER) {
      shortLayer(pkt, 'vrrp', off, HEADER, have);
      return null;
    }
    const b0 = buf[off]!;
    const version = b0 >>> 4;
    const type = b0 & 0x0f;
    const priority = buf[off + 2]!;
    const count = buf[off + 3]!;
    const v3 = version === 3;
    const parent = ipParent(pkt);
    const ipVersion = parent ? (parent.layer === 'ipv6' ? 6 : 4) : v3 && have === HEADER + 16 * count ? 6 : 4;
    const asz = ipVersion === 6 ? 16 : 4;
    const need = HEADER + count * asz + (v3 ? 0 : AUTH_LEN);

    if (version !== 2 && version !== 3) {
      problem(pkt, 'vrrp', 'vrrp.bad-version', 'malformed', 'warning', off, `vrrp: version ${version} (2 or 3 expected); decoded with the v2 layout`);
    }
    if (type !== 1) problem(pkt, 'vrrp', 'vrrp.bad-type', 'unusual', 'warning', off, `vrrp: type ${type} (1 Advertisement expected)`);
    if (parent !== null) {
      const ttl = parent.layer === 'ipv4' ? parent.ttl : parent.hopLimit;
      if (ttl !== 255) {
        problem(pkt, 'vrrp', 'vrrp.ttl-not-255', 'unusual', 'warning', off, `vrrp: IP TTL/hop limit ${ttl}; receivers discard adverts not sent with 255 (RFC 3768 §7.1, RFC 5798 §7.1)`);
      }
    }
    if (need > have) shortLayer(pkt, 'vrrp', off, need, have, 'vrrp.bad-count');

    const addrs: (number | Uint8Array)[] = [];
    const virtualIps: string[] = [];
    let p = off + HEADER;
    for (let i = 0; i < count && p + asz <= end; i++, p += asz) {
      if (asz === 4) {
        const a = u32(buf, p);
        addrs.push(a);
        virtualIps.push(ipv4Text(a));
      } else {
        addrs.push(buf.subarray(p, p + 16));
        virtualIps.push(ipv6Text(buf, p));
      }
    }
    p = off + HEADER + count * asz;
    let authData = EMPTY_BYTES;
    if (!v3 && p < end) authData = buf.subarray(p, Math.min(p + AUTH_LEN, end));

    let checksumStatus = 2;
    // Over the whole IP payload, as Wireshark does, even when Count IP Addrs disagrees with its length.
    if (parentComplete(pkt, end) && (!v3 || parent !== null)) {
      let sum = inetSum(buf, off, end);
      if (v3 && parent !== null) {
        sum += parent.layer === 'ipv4' ? pseudoSum4(parent.src, parent.dst, PROTO_VRRP, have) : pseudoSum6(parent.src, parent.dst, PROTO_VRRP, have);
      }
      checksumStatus = inetFold(sum) === 0 ? 1 : 0;
      if (checksumStatus === 0) problem(pkt, 'vrrp', 'vrrp.bad-checksum', 'malformed', 'warning', off + 6, 'vrrp: checksum does not verify');
    }

    const adverInt = v3 ? 0 : buf[off + 5]!;
    const maxAdverInt = v3 ? u16(buf, off + 4) & 0x0fff : 0;
    const len = need < have ? need : have;
    const l: VrrpLayer = {
      layer: 'vrrp',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      version,
      type,
      vrid: buf[off + 1]!,
      priority,
      count,
      authType: v3 ? 0 : buf[off + 4]!,
      adverInt,
      reserved: v3 ? buf[off + 4]! >>> 4 : 0,
      maxAdverInt,
      checksum: u16(buf, off + 6),
      checksumStatus,
      ipVersion,
      addrs,
      authData,
      group: buf[off + 1]!,
      interval: v3 ? maxAdverInt / 100 : adverInt,
      role: priority === 0 ? 'resigning' : 'master',
      virtualIps,
    };
    return l;
  },

  encode(f: VrrpFields, payload?: Uint8Array): Uint8Array {
    const six = f.addrs.length > 0 && typeof f.addrs[0] !== 'number';
    const version = f.version ?? (six ? 3 : 2);
    const v3 = version === 3;
    const asz = six ? 16 : 4;
    const msgLen = HEADER + f.addrs.length * asz + (v3 ? 0 : AUTH_LEN);
    const out = new Uint8Array(msgLen + (payload ? payload.length : 0));
    out[0] = (version << 4) | ((f.type ?? 1) & 0x0f);
    out[1] = f.vrid;
    out[2] = f.priority;
    out[3] = f.count ?? f.addrs.length;
    if (v3) putU16(out, 4, ((f.reserved ?? 0) << 12) | ((f.maxAdverInt ?? 100) & 0x0fff));
    else {
      out[4] = f.authType ?? 0;
      out[5] = f.adverInt ?? 1;
    }
    let p = HEADER;
    for (const a of f.addrs) {
      if (typeof a === 'number') putU32(out, p, a);
      else out.set(a.subarray(0, 16), p);
      p += asz;
    }
    if (!v3 && f.authData) out.set(f.authData.subarray(0, AUTH_LEN), p);
    if (payload) out.set(payload, msgLen);
    let checksum = f.checksum;
    if (checksum === undefined) {
      if (!v3) checksum = inetFold(inetSum(out, 0, out.length));
      else if (f.pseudo) checksum = vrrpV3Checksum(out, f.pseudo.src, f.pseudo.dst);
      else throw new Error('vrrp.encode: a VRRPv3 checksum covers the IP pseudo-header: give `pseudo` {src, dst} or `checksum`');
    }
    putU16(out, 6, checksum);
    return out;
  },

  summary(l: VrrpLayer): string {
    const intvl = l.version === 3 ? `${l.maxAdverInt}cs` : `${l.adverInt}s`;
    let s = `VRRPv${l.version} vrid ${l.vrid} prio ${l.priority} intvl ${intvl}`;
    if (l.version !== 3 && l.authType !== 0) s += ` authtype ${vrrpAuthTypeNames[l.authType] ?? l.authType}`;
    if (l.virtualIps.length > 0) s += ` addrs ${l.virtualIps.join(',')}`;
    return s;
  },
};
