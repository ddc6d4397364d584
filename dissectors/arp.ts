// ARP and RARP (RFC 826, RFC 903): hardware/protocol types and sizes, opcode, sender and target
// addresses; classified as request/reply, gratuitous (RFC 5944 §4.6), probe/announcement (RFC 5227 §1).
import {
  type Dissector,
  type FieldDesc,
  type LayerMeta,
  type Packet,
  ipv4Text,
  mac48,
  macText,
  named,
  problem,
  putMac48,
  putU16,
  putU32,
  shortLayer,
  u16,
  u32,
} from './core.js';

/**
 * What an ARP packet is for (PROTOCOLS.md §2.7). `announcement` and both `gratuitous-*` forms are all
 * gratuitous ARPs (see isGratuitous); `probe` is RFC 5227's address probe.
 */
export type ArpKind =
  | 'request'
  | 'reply'
  | 'gratuitous-request'
  | 'gratuitous-reply'
  | 'probe'
  | 'announcement'
  | 'rarp-request'
  | 'rarp-reply'
  | 'other';

/** A decoded ARP/RARP packet. Addresses are numbers when hlen = 6 / plen = 4, else -1 (see `addrs`). */
export interface ArpLayer extends LayerMeta {
  readonly layer: 'arp';
  htype: number;
  ptype: number;
  hlen: number;
  plen: number;
  opcode: number;
  /** Sender hardware address (48-bit number), -1 when hlen ≠ 6 or not captured. */
  sha: number;
  /** Sender protocol address (IPv4 number), -1 when plen ≠ 4 or not captured. */
  spa: number;
  tha: number;
  tpa: number;
  kind: ArpKind;
  /** The whole address block SHA|SPA|THA|TPA as captured (a view; any hlen/plen). */
  addrs: Uint8Array;
}

/** Encoder input: sizes default to Ethernet/IPv4; `addrs` supplies addresses of other sizes. */
export interface ArpFields {
  htype?: number;
  ptype?: number;
  hlen?: number;
  plen?: number;
  opcode: number;
  sha: number;
  spa: number;
  tha: number;
  tpa: number;
  /** Ignored by the encoder (derived from the addresses). */
  kind?: ArpKind;
  addrs?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    arp: ArpLayer;
  }
}

/** Fixed part before the addresses (RFC 826: ar$hrd, ar$pro, ar$hln, ar$pln, ar$op). */
export const ARP_FIXED_LEN = 8;
/** Ethernet/IPv4 ARP length (RFC 826 with hln 6, pln 4). */
export const ARP_ETH_IPV4_LEN = 28;

/** ARP opcodes (IANA "ARP Parameters", Operation Codes). */
export const ArpOp = { REQUEST: 1, REPLY: 2, RREQUEST: 3, RREPLY: 4 } as const;

/** Opcode names (IANA ARP Parameters; Wireshark op_vals). */
export const arpOpcodeNames: Readonly<Record<number, string>> = {
  1: 'request',
  2: 'reply',
  3: 'reverse request',
  4: 'reverse reply',
  5: 'DRARP-Request',
  6: 'DRARP-Reply',
  7: 'DRARP-Error',
  8: 'InARP-Request',
  9: 'InARP-Reply',
  10: 'ARP-NAK',
  11: 'MARS-Request',
  12: 'MARS-Multi',
  13: 'MARS-MServ',
  14: 'MARS-Join',
  15: 'MARS-Leave',
  16: 'MARS-NAK',
  17: 'MARS-Unserv',
  18: 'MARS-SJoin',
  19: 'MARS-SLeave',
  20: 'MARS-Grouplist-Request',
  21: 'MARS-Grouplist-Reply',
  22: 'MARS-Redirect-Map',
  23: 'MAPOS-UNARP',
  24: 'OP_EXP1',
  25: 'OP_EXP2',
};

/** Hardware types (IANA ARP Parameters, Hardware Types). */
export const arpHardwareTypeNames: Readonly<Record<number, string>> = {
  1: 'Ethernet',
  6: 'IEEE 802',
  7: 'ARCNET',
  15: 'Frame Relay',
  16: 'ATM',
  17: 'HDLC',
  18: 'Fibre Channel',
  19: 'ATM (RFC 2225)',
  20: 'Serial Line',
  24: 'IEEE 1394',
  32: 'InfiniBand',
};

/**
 * Classification core. Precedence follows Wireshark epan/dissectors/packet-arp.c (dissect_arp,
 * read via the code search in wireshark/wireshark): for a Request or Reply, SPA == TPA makes it
 * gratuitous, and a gratuitous Request whose THA is all-zero is an "ARP Announcement" (RFC 5227 §2.3),
 * otherwise "Gratuitous ARP (Request)" (RFC 5944 §4.6 form, e.g. THA ff:ff:ff:ff:ff:ff as keepalived
 * and IPaddr2 send); a Reply with SPA == TPA is "Gratuitous ARP (Reply)" whatever its THA. Only when
 * SPA ≠ TPA can a Request be a "Probe": THA all-zero and SPA 0.0.0.0 (RFC 5227 §2.1.1). So a Request
 * with SPA = TPA = 0.0.0.0 and THA zero is an announcement, as in Wireshark.
 */
function classify(opcode: number, spaEqTpa: boolean, spaZero: boolean, thaZero: boolean): ArpKind {
  switch (opcode) {
    case ArpOp.REQUEST:
      if (spaEqTpa) return thaZero ? 'announcement' : 'gratuitous-request';
      return thaZero && spaZero ? 'probe' : 'request';
    case ArpOp.REPLY:
      return spaEqTpa ? 'gratuitous-reply' : 'reply';
    case ArpOp.RREQUEST:
      return 'rarp-request';
    case ArpOp.RREPLY:
      return 'rarp-reply';
    default:
      return 'other';
  }
}

/** Classify an Ethernet/IPv4 ARP packet (PROTOCOLS.md §2.7; precedence of Wireshark packet-arp.c). */
export function classifyArp(opcode: number, sha: number, spa: number, tha: number, tpa: number): ArpKind {
  void sha; // the sender MAC does not enter the classification (RFC 5227 and Wireshark alike)
  return classify(opcode, spa === tpa, spa === 0, tha === 0);
}

/** Is this kind a gratuitous ARP in the broad sense (RFC 5944 §4.6 either form, or an RFC 5227 announcement)? */
export function isGratuitous(kind: ArpKind): boolean {
  return kind === 'gratuitous-request' || kind === 'gratuitous-reply' || kind === 'announcement';
}

function allZero(b: Uint8Array, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[o + i] !== 0) return false;
  return true;
}

function sameBytes(b: Uint8Array, x: number, y: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/** The ARP/RARP dissector (ethertype 0x0806 and 0x8035). */
export const arp: Dissector<ArpLayer, ArpFields> = {
  name: 'arp',
  title: 'Address Resolution Protocol',
  fields: [
    { name: 'htype', title: 'Hardware type', kind: 'uint', names: arpHardwareTypeNames, tshark: 'arp.hw.type' },
    { name: 'ptype', title: 'Protocol type', kind: 'uint', hex: true, tshark: 'arp.proto.type' },
    { name: 'hlen', title: 'Hardware size', kind: 'uint', tshark: 'arp.hw.size' },
    { name: 'plen', title: 'Protocol size', kind: 'uint', tshark: 'arp.proto.size' },
    { name: 'opcode', title: 'Opcode', kind: 'uint', names: arpOpcodeNames, tshark: 'arp.opcode' },
    { name: 'sha', title: 'Sender MAC address', kind: 'mac', tshark: 'arp.src.hw_mac' },
    { name: 'spa', title: 'Sender IP address', kind: 'ipv4', tshark: 'arp.src.proto_ipv4' },
    { name: 'tha', title: 'Target MAC address', kind: 'mac', tshark: 'arp.dst.hw_mac' },
    { name: 'tpa', title: 'Target IP address', kind: 'ipv4', tshark: 'arp.dst.proto_ipv4' },
    { name: 'kind', title: 'Kind', kind: 'string' },
    { name: 'addrs', title: 'Address block', kind: 'bytes', hidden: true },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): ArpLayer | null {
    const have = end - off;
    if (have < ARP_FIXED_LEN) {
      shortLayer(pkt, 'arp', off, ARP_FIXED_LEN, have);
      return null;
    }
    const htype = u16(buf, off);
    const ptype = u16(buf, off + 2);
    const hlen = buf[off + 4]!;
    const plen = buf[off + 5]!;
    const opcode = u16(buf, off + 6);
    if (htype === ARPHRD_ATM2225) return decodeAtmArp(buf, off, end, pkt, ptype, hlen, plen, opcode);
    const total = ARP_FIXED_LEN + 2 * (hlen + plen);
    const len = total <= have ? total : have;
    if (total > have) shortLayer(pkt, 'arp', off, total, have);
    const o = off + ARP_FIXED_LEN;
    const oSpa = o + hlen;
    const oTha = oSpa + plen;
    const oTpa = oTha + hlen;
    const e = off + len;
    const sha = hlen === 6 && oSpa <= e ? mac48(buf, o) : -1;
    const spa = plen === 4 && oTha <= e ? u32(buf, oSpa) : -1;
    const tha = hlen === 6 && oTpa <= e ? mac48(buf, oTha) : -1;
    const tpa = plen === 4 && oTpa + 4 <= e ? u32(buf, oTpa) : -1;
    let kind: ArpKind;
    if (total <= have) {
      // Byte comparisons work for any hlen/plen and equal classifyArp's for 6/4.
      kind = classify(opcode, sameBytes(buf, oSpa, oTpa, plen), allZero(buf, oSpa, plen), allZero(buf, oTha, hlen));
    } else {
      kind = opcode === ArpOp.REQUEST ? 'request' : opcode === ArpOp.REPLY ? 'reply' : classify(opcode, false, false, false);
    }
    const l: ArpLayer = {
      layer: 'arp',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      htype,
      ptype,
      hlen,
      plen,
      opcode,
      sha,
      spa,
      tha,
      tpa,
      kind,
      addrs: buf.subarray(o, e),
    };
    if ((htype === 1 || htype === 6) && hlen !== 6) {
      problem(pkt, 'arp', 'arp.hlen-mismatch', 'unusual', 'warning', off + 4, `arp: hardware type ${htype} with hardware size ${hlen} (expected 6)`);
    }
    if (ptype === 0x0800 && plen !== 4) {
      problem(pkt, 'arp', 'arp.plen-mismatch', 'unusual', 'warning', off + 5, `arp: protocol type IPv4 with protocol size ${plen} (expected 4)`);
    }
    if (sha >= 0) {
      const eth = pkt.layers[0];
      if (eth !== undefined && eth.layer === 'eth' && (eth as unknown as { src: number }).src !== sha) {
        problem(pkt, 'arp', 'arp.sender-mac-mismatch', 'unusual', 'note', o, `arp: sender MAC ${macText(sha)} differs from the Ethernet source`);
      }
    }
    return l;
  },

  encode(f: ArpFields, payload?: Uint8Array): Uint8Array {
    if (f.htype === ARPHRD_ATM2225) {
      // ATMARP: the fixed part as given, then the rest of the header verbatim (see decodeAtmArp).
      const rest = f.addrs ?? new Uint8Array(0);
      const out = new Uint8Array(ARP_FIXED_LEN + rest.length + (payload?.length ?? 0));
      putU16(out, 0, f.htype);
      putU16(out, 2, f.ptype ?? 0x0800);
      out[4] = f.hlen ?? 0;
      out[5] = f.plen ?? 0;
      putU16(out, 6, f.opcode);
      out.set(rest, ARP_FIXED_LEN);
      if (payload) out.set(payload, ARP_FIXED_LEN + rest.length);
      return out;
    }
    const hlen = f.hlen ?? 6;
    const plen = f.plen ?? 4;
    const total = ARP_FIXED_LEN + 2 * (hlen + plen);
    const out = new Uint8Array(total + (payload?.length ?? 0));
    putU16(out, 0, f.htype ?? 1);
    putU16(out, 2, f.ptype ?? 0x0800);
    out[4] = hlen;
    out[5] = plen;
    putU16(out, 6, f.opcode);
    const o = ARP_FIXED_LEN;
    if (f.addrs) out.set(f.addrs.subarray(0, total - o), o);
    if (hlen === 6) {
      if (f.sha >= 0) putMac48(out, o, f.sha);
      if (f.tha >= 0) putMac48(out, o + hlen + plen, f.tha);
    }
    if (plen === 4) {
      if (f.spa >= 0) putU32(out, o + hlen, f.spa);
      if (f.tpa >= 0) putU32(out, o + 2 * hlen + plen, f.tpa);
    }
    if (payload) out.set(payload, total);
    return out;
  },

  summary(l: ArpLayer): string {
    const pa = (v: number, at: number) => (v >= 0 ? ipv4Text(v) : addrText(l.addrs, at, l.plen));
    const ha = (v: number, at: number) => (v >= 0 ? macText(v) : addrText(l.addrs, at, l.hlen));
    const spa = pa(l.spa, l.hlen);
    const tpa = pa(l.tpa, 2 * l.hlen + l.plen);
    const sha = ha(l.sha, 0);
    const tha = ha(l.tha, l.hlen + l.plen);
    switch (l.kind) {
      case 'request':
        return `Who has ${tpa}? Tell ${spa}`;
      case 'probe':
        return `Who has ${tpa}? (ARP Probe)`;
      case 'announcement':
        return `ARP Announcement for ${tpa}`;
      case 'gratuitous-request':
        return `Gratuitous ARP for ${tpa} (Request)`;
      case 'gratuitous-reply':
        return `Gratuitous ARP for ${spa} (Reply)`;
      case 'reply':
        return `${spa} is at ${sha}`;
      case 'rarp-request':
        return `Who is ${tha}? Tell ${sha}`;
      case 'rarp-reply':
        return `${tha} is at ${tpa}`;
      default:
        return `ARP ${named(l.opcode, arpOpcodeNames)}`;
    }
  },
};

/** ARP hardware type 19: ATM (RFC 2225), whose ATMARP packets have their own layout (RFC 2225 §8.7). */
export const ARPHRD_ATM2225 = 19;

/**
 * ATMARP (RFC 2225 §8.7): after ar$hrd, ar$pro come ar$shtl, ar$sstl, ar$op, ar$spln, ar$thtl, ar$tstl,
 * ar$tpln (type-and-length octets, low 6 bits = length), then the six variable addresses. Wireshark
 * dissects this layout (packet-arp.c calls atmarp for ARPHRD_ATM2225); teamscope only checks its length,
 * keeps everything after the first 8 octets in `addrs` (hlen = ar$shtl, plen = ar$sstl), and notes it.
 */
function decodeAtmArp(buf: Uint8Array, off: number, end: number, pkt: Packet, ptype: number, shtl: number, sstl: number, opcode: number): ArpLayer {
  const have = end - off;
  let total = 12;
  if (have >= 12) total += (shtl & 0x3f) + (sstl & 0x3f) + buf[off + 8]! + (buf[off + 9]! & 0x3f) + (buf[off + 10]! & 0x3f) + buf[off + 11]!;
  const len = total <= have ? total : have;
  if (total > have) shortLayer(pkt, 'arp', off, total, have);
  problem(pkt, 'arp', 'arp.atmarp', 'unusual', 'note', off, 'arp: ATMARP (RFC 2225 §8.7) addresses are not decoded');
  return {
    layer: 'arp',
    off,
    len,
    payloadOff: off + len,
    payloadEnd: end,
    nextTable: null,
    nextKey: -1,
    nextKey2: -1,
    htype: ARPHRD_ATM2225,
    ptype,
    hlen: shtl,
    plen: sstl,
    opcode,
    sha: -1,
    spa: -1,
    tha: -1,
    tpa: -1,
    kind: 'other',
    addrs: buf.subarray(off + ARP_FIXED_LEN, off + len),
  };
}

/** Address bytes of any size as colon-separated hex ('?' where not captured). */
function addrText(b: Uint8Array, at: number, n: number): string {
  if (at + n > b.length) return '?';
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(b[at + i]!.toString(16).padStart(2, '0'));
  return parts.join(':') || '(empty)';
}
