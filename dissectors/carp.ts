// CARP, the Common Address Redundancy Protocol (OpenBSD/FreeBSD): IP protocol 112 like VRRP, told
// apart by Wireshark's heuristic (epan/dissectors/packet-carp.c, test_carp_packet). PROTOCOLS.md §2.8.
import { type Dissector, type FieldDesc, type LayerMeta, type Packet, hexText, problem, putU16, shortLayer, u16 } from './core.js';
import { EMPTY_BYTES, checksumStatusNames, inetFold, inetSum } from './ipv4.js';
import { parentComplete } from './udp.js';

/** A decoded CARP advertisement (struct carp_header, 36 bytes). */
export interface CarpLayer extends LayerMeta {
  readonly layer: 'carp';
  version: number;
  type: number;
  /** Virtual host id (the group; also the last byte of the 00:00:5e:00:01:xx MAC). */
  vhid: number;
  advskew: number;
  /** Size of counter + HMAC in 32-bit words: 7. */
  authLen: number;
  demotion: number;
  /** Advertisement base interval, seconds. */
  advbase: number;
  checksum: number;
  /** 0 bad, 1 good, 2 not verified (cut or fragment), as tshark's carp.checksum.status. */
  checksumStatus: number;
  /** 64-bit replay counter (8-byte view, big-endian). */
  counter: Uint8Array;
  /** SHA-1 HMAC (20-byte view). */
  hmac: Uint8Array;
  // What analyzers need, common to vrrp/hsrp/carp:
  /** = vhid. */
  group: number;
  /** Derived, higher wins as in VRRP: 255 − advskew (CARP itself elects the lowest advbase + advskew/256). */
  priority: number;
  /** Seconds between advertisements: advbase + advskew / 256. */
  interval: number;
  /** Only masters advertise. */
  role: string;
  /** CARP advertisements carry no addresses: always empty. */
  virtualIps: string[];
}

/** Encode input; checksum computed when omitted, counter and HMAC zero when omitted. */
export interface CarpFields {
  version?: number;
  type?: number;
  vhid: number;
  advskew?: number;
  authLen?: number;
  demotion?: number;
  advbase?: number;
  checksum?: number;
  counter?: Uint8Array;
  hmac?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    carp: CarpLayer;
  }
}

/** CARP message types (packet-carp.c carp_type_vals). */
export const carpTypeNames: Readonly<Record<number, string>> = { 1: 'Advertisement' };

const LENGTH = 36;
/** A VRRPv2 advertisement with 7 addresses is 8 + 28 + 8 bytes and has byte 3 = 7: Wireshark's heuristic takes it for CARP. */
const VRRP2_SEVEN_ADDRS = 44;

/**
 * Wireshark's CARP heuristic (packet-carp.c test_carp_packet): at least 36 bytes, version 1 or 2, type 1
 * (Advertisement), authlen (byte 3) 7. One refinement: exactly 44 bytes of version 2 is a VRRPv2 advert
 * with 7 addresses (CARP headers are 36 bytes), which Wireshark misreads as CARP.
 */
export function isCarp(buf: Uint8Array, off: number, end: number): boolean {
  const n = end - off;
  if (n < LENGTH) return false;
  const b0 = buf[off]!;
  const version = b0 >>> 4;
  if (version < 1 || version > 2 || (b0 & 0x0f) !== 1 || buf[off + 3] !== 7) return false;
  return !(version === 2 && n === VRRP2_SEVEN_ADDRS);
}

/** The CARP dissector (PROTOCOLS.md §2.8): ip.proto 112, registered before vrrp, accepts = isCarp. */
export const carp: Dissector<CarpLayer, CarpFields> = {
  name: 'carp',
  title: 'Common Address Redundancy Protocol',
  fields: [
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'carp.version' },
    { name: 'type', title: 'Type', kind: 'uint', names: carpTypeNames, tshark: 'carp.type' },
    { name: 'vhid', title: 'Virtual Host ID', kind: 'uint', tshark: 'carp.vhid' },
    { name: 'advskew', title: 'Advertisement Skew', kind: 'uint', tshark: 'carp.advskew' },
    { name: 'authLen', title: 'Auth Len', kind: 'uint', tshark: 'carp.authlen' },
    { name: 'demotion', title: 'Demotion', kind: 'uint', tshark: 'carp.demotion' },
    { name: 'advbase', title: 'Advertisement Base (s)', kind: 'uint', tshark: 'carp.adver_int' },
    { name: 'checksum', title: 'Checksum', kind: 'uint', hex: true, tshark: 'carp.checksum' },
    { name: 'checksumStatus', title: 'Checksum Status', kind: 'uint', names: checksumStatusNames, tshark: 'carp.checksum.status' },
    { name: 'counter', title: 'Counter', kind: 'bytes', tshark: 'carp.counter' },
    { name: 'hmac', title: 'HMAC (SHA-1)', kind: 'bytes', tshark: 'carp.hmac' },
    { name: 'group', title: 'Group (VHID)', kind: 'uint', hidden: true },
    { name: 'priority', title: 'Priority (255 − advskew)', kind: 'uint', hidden: true },
    { name: 'interval', title: 'Interval (s)', kind: 'number', hidden: true },
    { name: 'role', title: 'Role', kind: 'string', hidden: true },
    { name: 'virtualIps', title: 'Virtual IPs', kind: 'list', hidden: true },
  ] satisfies FieldDesc[],
  accepts: isCarp,

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): CarpLayer | null {
    const have = end - off;
    if (have < 8) {
      shortLayer(pkt, 'carp', off, LENGTH, have);
      return null;
    }
    if (have < LENGTH) shortLayer(pkt, 'carp', off, LENGTH, have);
    const b0 = buf[off]!;
    const version = b0 >>> 4;
    const type = b0 & 0x0f;
    if (version < 1 || version > 2) problem(pkt, 'carp', 'carp.bad-version', 'malformed', 'warning', off, `carp: version ${version}`);
    let checksumStatus = 2;
    if (have >= LENGTH && parentComplete(pkt, end)) {
      checksumStatus = inetFold(inetSum(buf, off, end)) === 0 ? 1 : 0;
      if (checksumStatus === 0) problem(pkt, 'carp', 'carp.bad-checksum', 'malformed', 'warning', off + 6, 'carp: checksum does not verify');
    }
    const vhid = buf[off + 1]!;
    const advskew = buf[off + 2]!;
    const advbase = buf[off + 5]!;
    const len = have < LENGTH ? have : LENGTH;
    const l: CarpLayer = {
      layer: 'carp',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      version,
      type,
      vhid,
      advskew,
      authLen: buf[off + 3]!,
      demotion: buf[off + 4]!,
      advbase,
      checksum: u16(buf, off + 6),
      checksumStatus,
      counter: have >= 16 ? buf.subarray(off + 8, off + 16) : EMPTY_BYTES,
      hmac: have >= LENGTH ? buf.subarray(off + 16, off + LENGTH) : EMPTY_BYTES,
      group: vhid,
      priority: 255 - advskew,
      interval: advbase + advskew / 256,
      role: 'master',
      virtualIps: [],
    };
    return l;
  },

  encode(f: CarpFields, payload?: Uint8Array): Uint8Array {
    const plen = payload ? payload.length : 0;
    const out = new Uint8Array(LENGTH + plen);
    out[0] = ((f.version ?? 2) << 4) | ((f.type ?? 1) & 0x0f);
    out[1] = f.vhid;
    out[2] = f.advskew ?? 0;
    out[3] = f.authLen ?? 7;
    out[4] = f.demotion ?? 0;
    out[5] = f.advbase ?? 1;
    if (f.counter) out.set(f.counter.subarray(0, 8), 8);
    if (f.hmac) out.set(f.hmac.subarray(0, 20), 16);
    if (payload) out.set(payload, LENGTH);
    putU16(out, 6, f.checksum ?? inetFold(inetSum(out, 0, out.length)));
    return out;
  },

  summary(l: CarpLayer): string {
    return `CARPv${l.version} vhid ${l.vhid} advbase ${l.advbase} advskew ${l.advskew} demote ${l.demotion} counter ${hexText(l.counter)}`;
  },
};
