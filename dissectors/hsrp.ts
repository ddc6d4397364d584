// Cisco HSRP version 1 (RFC 2281 §5, plus opcode 3 interface-state advertisements) and version 2
// (TLVs: Group State, Interface State, Text Auth, MD5 Auth), as Wireshark's
// epan/dissectors/packet-hsrp.c decodes them. PROTOCOLS.md §2.9. UDP ports 1985 and 2029.
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  ipv4Text,
  ipv6Text,
  mac48,
  macText,
  named,
  putMac48,
  putU16,
  putU32,
  shortLayer,
  u16,
  u32,
} from './core.js';
import { EMPTY_BYTES, type Ipv4Layer } from './ipv4.js';
import { udpDeclaredEnd } from './udp.js';

/**
 * A decoded HSRP message, v1 and v2 alike. `format` says which layout; fields a message does not carry
 * are 0 (numbers) or empty (bytes). Times: v1 seconds, v2 milliseconds (`interval`/`hold` are seconds).
 * Bytes not understood (an unknown TLV and what follows, or bytes after a v1 message) are the payload.
 */
export interface HsrpLayer extends LayerMeta {
  readonly layer: 'hsrp';
  /** 1: RFC 2281 fixed layout; 2: TLVs. */
  format: number;
  /** v1: the Version byte (0); v2: the Group State TLV's version (2). */
  version: number;
  opcode: number;
  /** v1: 0 Initial … 16 Active; v1 opcode 3: advertisement state; v2: 1 Init … 6 Active. */
  state: number;
  hellotime: number;
  holdtime: number;
  priority: number;
  group: number;
  /** v1 byte 7 (reserved1 in opcode 3). */
  reserved: number;
  /** v1: 8 bytes; v2: the Text Authentication TLV's 8 bytes (empty without one). */
  authData: Uint8Array;
  /** 4 (the number is in virtualIp) or 6 (in virtualIp6); v2 without a Group State TLV: 0. */
  ipVersion: number;
  virtualIp: number;
  virtualIp6: Uint8Array;
  /** v2 Group State TLV: the sender's interface MAC (48-bit number). */
  identifier: number;
  /** v1 opcode 3 (Advertise) header. */
  advType: number;
  advLength: number;
  /** v1 opcode 3, or v2 Interface State TLV. */
  activeGroups: number;
  passiveGroups: number;
  /** v1 opcode 3 trailing reserved word. */
  advReserved: number;
  /** An MD5 Authentication TLV, raw (type, length, 28 bytes), or empty. */
  md5Auth: Uint8Array;
  // What analyzers need, common to vrrp/hsrp/carp:
  /** Hello interval, seconds. */
  interval: number;
  /** Hold time, seconds. */
  hold: number;
  /** Lower-case state name ('active', 'standby', 'speak', 'listen', 'learn', 'init'…), '' when none. */
  role: string;
  virtualIps: string[];
}

/** Encode input (see HsrpLayer); `format` defaults to 1. */
export interface HsrpFields {
  format?: number;
  version?: number;
  opcode?: number;
  state?: number;
  hellotime?: number;
  holdtime?: number;
  priority?: number;
  group?: number;
  reserved?: number;
  authData?: Uint8Array;
  ipVersion?: number;
  virtualIp?: number;
  virtualIp6?: Uint8Array;
  identifier?: number;
  advType?: number;
  advLength?: number;
  activeGroups?: number;
  passiveGroups?: number;
  advReserved?: number;
  md5Auth?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    hsrp: HsrpLayer;
  }
}

/** Op codes (RFC 2281 §5; 3 from Cisco's interface-state advertisements). */
export const hsrpOpcodeNames: Readonly<Record<number, string>> = { 0: 'Hello', 1: 'Coup', 2: 'Resign', 3: 'Advertise' };
/** v1 states (RFC 2281 §5). */
export const hsrpStateNames: Readonly<Record<number, string>> = { 0: 'Initial', 1: 'Learn', 2: 'Listen', 4: 'Speak', 8: 'Standby', 16: 'Active' };
/** v1 opcode 3 advertisement states (packet-hsrp.c hsrp_adv_state_vals). */
export const hsrpAdvStateNames: Readonly<Record<number, string>> = { 1: 'Dormant', 2: 'Passive', 3: 'Active' };
/** v2 states (packet-hsrp.c hsrp2_state_vals; 0 is "disabled"). */
export const hsrp2StateNames: Readonly<Record<number, string>> = { 0: 'Disabled', 1: 'Init', 2: 'Learn', 3: 'Listen', 4: 'Speak', 5: 'Standby', 6: 'Active' };
/** v2 TLV types. */
export const hsrp2TlvNames: Readonly<Record<number, string>> = { 1: 'Group State', 2: 'Interface State', 3: 'Text Authentication', 4: 'MD5 Authentication' };

const V1_LEN = 20;
const V1_ADV_LEN = 16;
const GS_LEN = 40;
const MD5_LEN = 28;
/** HSRPv2 over IPv4 goes to 224.0.0.102 (packet-hsrp.c HSRP2_DST_IP_ADDR). */
const HSRP2_GROUP = 0xe0000066;

/** Is this a v2 (TLV) message? By content (a Group State TLV first, or another known TLV), else by address as Wireshark does. */
function isV2(buf: Uint8Array, off: number, end: number, pkt: Packet): boolean {
  const t = buf[off]!;
  const n = off + 1 < end ? buf[off + 1]! : -1;
  if ((t === 1 && n === GS_LEN) || (t === 2 && n === 4) || (t === 3 && n === 8) || (t === 4 && n === MD5_LEN)) return true;
  const ls = pkt.layers;
  for (let i = ls.length - 1; i >= 0; i--) {
    const l = ls[i]!;
    if (l.layer === 'ipv4') return (l as Ipv4Layer).dst === HSRP2_GROUP;
    if (l.layer === 'ipv6') return true;
  }
  return false;
}

function roleOf(format: number, opcode: number, state: number): string {
  const n = format === 2 ? hsrp2StateNames[state] : opcode === 3 ? hsrpAdvStateNames[state] : hsrpStateNames[state];
  return n === undefined ? '' : n.toLowerCase();
}

/** The HSRP dissector (RFC 2281, packet-hsrp.c; PROTOCOLS.md §2.9): udp.port 1985 and 2029. */
export const hsrp: Dissector<HsrpLayer, HsrpFields> = {
  name: 'hsrp',
  title: 'Cisco Hot Standby Router Protocol',
  fields: [
    { name: 'format', title: 'HSRP Version (layout)', kind: 'uint' },
    { name: 'version', title: 'Version', kind: 'uint', tshark: 'hsrp.version,hsrp2.version' },
    { name: 'opcode', title: 'Op Code', kind: 'uint', names: hsrpOpcodeNames, tshark: 'hsrp.opcode,hsrp2.opcode' },
    { name: 'state', title: 'State', kind: 'uint', tshark: 'hsrp.state,hsrp.adv.state,hsrp2.state' },
    { name: 'hellotime', title: 'Hellotime (v1 s, v2 ms)', kind: 'uint', tshark: 'hsrp.hellotime,hsrp2.hellotime' },
    { name: 'holdtime', title: 'Holdtime (v1 s, v2 ms)', kind: 'uint', tshark: 'hsrp.holdtime,hsrp2.holdtime' },
    { name: 'priority', title: 'Priority', kind: 'uint', tshark: 'hsrp.priority,hsrp2.priority' },
    { name: 'group', title: 'Group', kind: 'uint', tshark: 'hsrp.group,hsrp2.group' },
    { name: 'reserved', title: 'Reserved', kind: 'uint', tshark: 'hsrp.reserved,hsrp.adv.reserved1' },
    { name: 'authData', title: 'Authentication Data', kind: 'bytes', tshark: 'hsrp.auth_data,hsrp2.auth_data' },
    { name: 'ipVersion', title: 'IP Version', kind: 'uint', tshark: 'hsrp2.ipversion' },
    { name: 'virtualIp', title: 'Virtual IP Address', kind: 'ipv4', tshark: 'hsrp.virt_ip,hsrp2.virt_ip' },
    { name: 'virtualIp6', title: 'Virtual IPv6 Address', kind: 'ipv6', tshark: 'hsrp2.virt_ip_v6' },
    { name: 'identifier', title: 'Identifier', kind: 'mac', tshark: 'hsrp2.identifier' },
    { name: 'advType', title: 'Adv type', kind: 'uint', tshark: 'hsrp.adv.tlvtype' },
    { name: 'advLength', title: 'Adv length', kind: 'uint', tshark: 'hsrp.adv.tlvlength' },
    { name: 'activeGroups', title: 'Active Groups', kind: 'uint', tshark: 'hsrp.adv.activegrp,hsrp2.active_groups' },
    { name: 'passiveGroups', title: 'Passive Groups', kind: 'uint', tshark: 'hsrp.adv.passivegrp,hsrp2.passive_groups' },
    { name: 'advReserved', title: 'Adv reserved2', kind: 'uint', tshark: 'hsrp.adv.reserved2' },
    { name: 'md5Auth', title: 'MD5 Authentication TLV', kind: 'bytes', hex: true },
    { name: 'interval', title: 'Hello Interval (s)', kind: 'number', hidden: true },
    { name: 'hold', title: 'Hold Time (s)', kind: 'number', hidden: true },
    { name: 'role', title: 'Role', kind: 'string', hidden: true },
    { name: 'virtualIps', title: 'Virtual IPs', kind: 'list', hidden: true },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): HsrpLayer | null {
    const have = end - off;
    if (have < 2) {
      shortLayer(pkt, 'hsrp', off, V1_LEN, have);
      return null;
    }
    const v2 = isV2(buf, off, end, pkt);
    let version = 0;
    let opcode = 0;
    let state = 0;
    let hellotime = 0;
    let holdtime = 0;
    let priority = 0;
    let group = 0;
    let reserved = 0;
    let authData = EMPTY_BYTES;
    let ipVersion = 0;
    let virtualIp = 0;
    let virtualIp6 = EMPTY_BYTES;
    let identifier = 0;
    let advType = 0;
    let advLength = 0;
    let activeGroups = 0;
    let passiveGroups = 0;
    let advReserved = 0;
    let md5Auth = EMPTY_BYTES;
    let p = off;

    if (!v2) {
      version = buf[off]!;
      opcode = buf[off + 1]!;
      const need = opcode === 3 ? V1_ADV_LEN : V1_LEN;
      if (have < need) {
        shortLayer(pkt, 'hsrp', off, need, have);
        return null;
      }
      if (opcode === 3) {
        advType = u16(buf, off + 2);
        advLength = u16(buf, off + 4);
        state = buf[off + 6]!;
        reserved = buf[off + 7]!;
        activeGroups = u16(buf, off + 8);
        passiveGroups = u16(buf, off + 10);
        advReserved = u32(buf, off + 12);
      } else {
        state = buf[off + 2]!;
        hellotime = buf[off + 3]!;
        holdtime = buf[off + 4]!;
        priority = buf[off + 5]!;
        group = buf[off + 6]!;
        reserved = buf[off + 7]!;
        authData = buf.subarray(off + 8, off + 16);
        ipVersion = 4;
        virtualIp = u32(buf, off + 16);
      }
      p = off + need;
      // Wireshark: a 50-byte v1 message ends in an MD5 Authentication TLV.
      if (end - p >= 2 + MD5_LEN && buf[p] === 4 && buf[p + 1] === MD5_LEN) {
        md5Auth = buf.subarray(p, p + 2 + MD5_LEN);
        p += 2 + MD5_LEN;
      }
    } else {
      while (p < end) {
        if (end - p < 2) {
          shortLayer(pkt, 'hsrp', p, 2, end - p, 'hsrp.bad-tlv-length');
          break;
        }
        const t = buf[p]!;
        const n = buf[p + 1]!;
        if (p + 2 + n > end) {
          shortLayer(pkt, 'hsrp', p, 2 + n, end - p, 'hsrp.bad-tlv-length');
          break;
        }
        const v = p + 2;
        if (t === 1 && n === GS_LEN) {
          version = buf[v]!;
          opcode = buf[v + 1]!;
          state = buf[v + 2]!;
          ipVersion = buf[v + 3]!;
          group = u16(buf, v + 4);
          identifier = mac48(buf, v + 6);
          priority = u32(buf, v + 12);
          hellotime = u32(buf, v + 16);
          holdtime = u32(buf, v + 20);
          if (ipVersion === 4) virtualIp = u32(buf, v + 24);
          else virtualIp6 = buf.subarray(v + 24, v + 40);
        } else if (t === 2 && n === 4) {
          activeGroups = u16(buf, v);
          passiveGroups = u16(buf, v + 2);
        } else if (t === 3 && n === 8) {
          authData = buf.subarray(v, v + 8);
        } else if (t === 4 && n === MD5_LEN) {
          md5Auth = buf.subarray(p, p + 2 + MD5_LEN);
        } else {
          break; // an unknown TLV: it and what follows stay raw (the layer's payload)
        }
        p = v + n;
      }
    }

    if (v2 && p === end) {
      // TLVs run to the end of the datagram: if UDP says it is longer, the message was cut.
      const declared = udpDeclaredEnd(pkt);
      if (declared > end) shortLayer(pkt, 'hsrp', off, declared - off, have, 'hsrp.bad-tlv-length');
    }
    const format = v2 ? 2 : 1;
    const virtualIps: string[] = [];
    if (ipVersion === 4) virtualIps.push(ipv4Text(virtualIp));
    else if (ipVersion === 6 && virtualIp6.length === 16) virtualIps.push(ipv6Text(virtualIp6, 0));
    const scale = v2 ? 1000 : 1;
    const l: HsrpLayer = {
      layer: 'hsrp',
      off,
      len: p - off,
      payloadOff: p,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      format,
      version,
      opcode,
      state,
      hellotime,
      holdtime,
      priority,
      group,
      reserved,
      authData,
      ipVersion,
      virtualIp,
      virtualIp6,
      identifier,
      advType,
      advLength,
      activeGroups,
      passiveGroups,
      advReserved,
      md5Auth,
      interval: hellotime / scale,
      hold: holdtime / scale,
      role: roleOf(format, opcode, state),
      virtualIps,
    };
    return l;
  },

  encode(f: HsrpFields, payload?: Uint8Array): Uint8Array {
    const md5 = f.md5Auth ?? EMPTY_BYTES;
    const auth = f.authData ?? EMPTY_BYTES;
    const parts: Uint8Array[] = [];
    if ((f.format ?? 1) !== 2) {
      const adv = f.opcode === 3;
      const h = new Uint8Array(adv ? V1_ADV_LEN : V1_LEN);
      h[0] = f.version ?? 0;
      h[1] = f.opcode ?? 0;
      if (adv) {
        putU16(h, 2, f.advType ?? 1);
        putU16(h, 4, f.advLength ?? 10);
        h[6] = f.state ?? 0;
        h[7] = f.reserved ?? 0;
        putU16(h, 8, f.activeGroups ?? 0);
        putU16(h, 10, f.passiveGroups ?? 0);
        putU32(h, 12, f.advReserved ?? 0);
      } else {
        h[2] = f.state ?? 16;
        h[3] = f.hellotime ?? 3;
        h[4] = f.holdtime ?? 10;
        h[5] = f.priority ?? 100;
        h[6] = f.group ?? 0;
        h[7] = f.reserved ?? 0;
        h.set(f.authData ? auth.subarray(0, 8) : DEFAULT_AUTH, 8);
        putU32(h, 16, f.virtualIp ?? 0);
      }
      parts.push(h);
    } else {
      if ((f.ipVersion ?? 4) !== 0) {
        const g = new Uint8Array(2 + GS_LEN);
        g[0] = 1;
        g[1] = GS_LEN;
        g[2] = f.version ?? 2;
        g[3] = f.opcode ?? 0;
        g[4] = f.state ?? 6;
        const ipv = f.ipVersion ?? 4;
        g[5] = ipv;
        putU16(g, 6, f.group ?? 0);
        putMac48(g, 8, f.identifier ?? 0);
        putU32(g, 14, f.priority ?? 100);
        putU32(g, 18, f.hellotime ?? 3000);
        putU32(g, 22, f.holdtime ?? 10000);
        if (ipv === 4) putU32(g, 26, f.virtualIp ?? 0);
        else if (f.virtualIp6) g.set(f.virtualIp6.subarray(0, 16), 26);
        parts.push(g);
      }
      if ((f.activeGroups ?? 0) !== 0 || (f.passiveGroups ?? 0) !== 0) {
        const t = new Uint8Array(6);
        t[0] = 2;
        t[1] = 4;
        putU16(t, 2, f.activeGroups ?? 0);
        putU16(t, 4, f.passiveGroups ?? 0);
        parts.push(t);
      }
      if (auth.length > 0) {
        const t = new Uint8Array(10);
        t[0] = 3;
        t[1] = 8;
        t.set(auth.subarray(0, 8), 2);
        parts.push(t);
      }
    }
    parts.push(md5);
    if (payload) parts.push(payload);
    let n = 0;
    for (const x of parts) n += x.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const x of parts) {
      out.set(x, n);
      n += x.length;
    }
    return out;
  },

  summary(l: HsrpLayer): string {
    const states = l.format === 2 ? hsrp2StateNames : l.opcode === 3 ? hsrpAdvStateNames : hsrpStateNames;
    const op = hsrpOpcodeNames[l.opcode] ?? `opcode ${l.opcode}`;
    let s = `HSRPv${l.format} ${op} group ${l.group} state ${states[l.state] ?? l.state}`;
    if (l.opcode === 3 && l.format === 1) return `${s} active ${l.activeGroups} passive ${l.passiveGroups}`;
    s += ` prio ${l.priority} hello ${l.interval}s hold ${l.hold}s`;
    if (l.virtualIps.length > 0) s += ` vip ${l.virtualIps.join(',')}`;
    if (l.identifier !== 0) s += ` id ${macText(l.identifier)}`;
    return s;
  },
};

/** RFC 2281's default authentication data: "cisco" padded with zeros. */
const DEFAULT_AUTH = Uint8Array.from([0x63, 0x69, 0x73, 0x63, 0x6f, 0, 0, 0]);

/** Named state of a layer ('Active (16)'), for display. */
export function hsrpStateText(l: HsrpLayer): string {
  return named(l.state, l.format === 2 ? hsrp2StateNames : l.opcode === 3 ? hsrpAdvStateNames : hsrpStateNames);
}
