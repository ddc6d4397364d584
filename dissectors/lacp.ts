// LACPDU (IEEE 802.1AX-2014 6.4.2.3, formerly IEEE 802.3ad clause 43.4.2): version 1 fixed layout of
// PROTOCOLS.md §2.2 read at fixed offsets (as Linux, Wireshark and tcpdump do), version 2 TLVs
// (802.1AX-2014 6.4.2.4) walked between Collector and Terminator, trailing vendor bytes tolerated.
import {
  type Dissector,
  type FieldDesc,
  type FlagDesc,
  type LayerMeta,
  type Packet,
  flagNames,
  macText,
  mac48,
  named,
  problem,
  putMac48,
  putU16,
  putU32,
  shortLayer,
  u16,
  u32,
} from './core.js';

/** Actor/Partner state bits (IEEE 802.1AX-2014 6.4.2.3 items k–r; PROTOCOLS.md §2.3). */
export const lacpStateFlags: readonly FlagDesc[] = [
  { mask: 0x01, name: 'activity', title: 'LACP Activity (Active)' },
  { mask: 0x02, name: 'timeout', title: 'LACP Timeout (Short)' },
  { mask: 0x04, name: 'aggregation', title: 'Aggregation (Aggregatable)' },
  { mask: 0x08, name: 'synchronization', title: 'Synchronization (In Sync)' },
  { mask: 0x10, name: 'collecting', title: 'Collecting' },
  { mask: 0x20, name: 'distributing', title: 'Distributing' },
  { mask: 0x40, name: 'defaulted', title: 'Defaulted' },
  { mask: 0x80, name: 'expired', title: 'Expired' },
];

/** State bit masks by name (PROTOCOLS.md §2.3). */
export const LacpState = {
  ACTIVITY: 0x01,
  TIMEOUT: 0x02,
  AGGREGATION: 0x04,
  SYNCHRONIZATION: 0x08,
  COLLECTING: 0x10,
  DISTRIBUTING: 0x20,
  DEFAULTED: 0x40,
  EXPIRED: 0x80,
} as const;

/** TLV types (IEEE 802.1AX-2014 6.4.2.3 and 6.4.2.4.1–6.4.2.4.4). */
export const LacpTlvType = {
  TERMINATOR: 0x00,
  ACTOR: 0x01,
  PARTNER: 0x02,
  COLLECTOR: 0x03,
  PORT_ALGORITHM: 0x04,
  PORT_CONVERSATION_ID_DIGEST: 0x05,
  PORT_CONVERSATION_MASK_1: 0x06,
  PORT_CONVERSATION_MASK_2: 0x07,
  PORT_CONVERSATION_MASK_3: 0x08,
  PORT_CONVERSATION_MASK_4: 0x09,
  PORT_CONVERSATION_SERVICE_MAPPING: 0x0a,
} as const;

/** TLV type names (IEEE 802.1AX-2014 6.4.2). */
export const lacpTlvTypeNames: Readonly<Record<number, string>> = {
  0x00: 'Terminator',
  0x01: 'Actor Information',
  0x02: 'Partner Information',
  0x03: 'Collector Information',
  0x04: 'Port Algorithm',
  0x05: 'Port Conversation ID Digest',
  0x06: 'Port Conversation Mask-1',
  0x07: 'Port Conversation Mask-2',
  0x08: 'Port Conversation Mask-3',
  0x09: 'Port Conversation Mask-4',
  0x0a: 'Port Conversation Service Mapping Digest',
};

/**
 * Expected TLV lengths, header included (802.1AX-2014 6.4.2.3/6.4.2.4 as quoted in PROTOCOLS.md §2.4,
 * whose v2 lengths are from a secondary source: a mismatch is only 'unusual' for v2 TLVs).
 */
export const lacpTlvLengths: Readonly<Record<number, number>> = {
  0x00: 0,
  0x01: 20,
  0x02: 20,
  0x03: 16,
  0x04: 6,
  0x05: 20,
  0x06: 131,
  0x07: 130,
  0x08: 130,
  0x09: 130,
  0x0a: 18,
};

/** Port algorithm values (802.1AX-2014 Table 6-4; low octet when the IEEE 802.1 OUI 00-80-C2 prefixes it). */
export const lacpPortAlgorithmNames: Readonly<Record<number, string>> = {
  0: 'Unspecified',
  1: 'C-VID',
  2: 'S-VID',
  3: 'I-SID',
  4: 'TE-SID',
  5: 'ECMP Flow Hash',
};

/** One TLV after the Collector (version 2 or unknown), value as a view of the frame. */
export interface LacpTlv {
  type: number;
  length: number;
  value: Uint8Array;
}

/** A decoded LACPDU; fields not captured are -1 (numbers) or empty views. */
export interface LacpLayer extends LayerMeta {
  readonly layer: 'lacp';
  subtype: number;
  version: number;
  actorType: number;
  actorLength: number;
  actorSystemPriority: number;
  actorSystem: number;
  actorKey: number;
  actorPortPriority: number;
  actorPort: number;
  actorState: number;
  actorReserved: Uint8Array;
  partnerType: number;
  partnerLength: number;
  partnerSystemPriority: number;
  partnerSystem: number;
  partnerKey: number;
  partnerPortPriority: number;
  partnerPort: number;
  partnerState: number;
  partnerReserved: Uint8Array;
  collectorType: number;
  collectorLength: number;
  collectorMaxDelay: number;
  collectorReserved: Uint8Array;
  /** TLVs between Collector and Terminator (version 2, 802.1AX-2014 6.4.2.4). */
  tlvs: LacpTlv[];
  /** Port Algorithm TLV value (4 octets), -1 when absent. */
  portAlgorithm: number;
  /** Port Conversation ID Digest TLV Link Number ID, -1 when absent. */
  linkNumberId: number;
  terminatorType: number;
  terminatorLength: number;
  /** Reserved octets after the Terminator up to the 110-octet PDU size (50 in version 1). */
  reserved: Uint8Array;
  /** HP/H3C IRF MAD blob after the PDU (first octet 0x64, second = remaining length), else empty. */
  vendor: Uint8Array;
  irfDomain: number;
  irfMac: number;
  irfSwitch: number;
  irfPort: number;
}

/** Encoder input: the PDU fields; type/length and reserved fields default to the version 1 values. */
export interface LacpFields {
  subtype?: number;
  version?: number;
  actorType?: number;
  actorLength?: number;
  actorSystemPriority: number;
  actorSystem: number;
  actorKey: number;
  actorPortPriority: number;
  actorPort: number;
  actorState: number;
  actorReserved?: Uint8Array;
  partnerType?: number;
  partnerLength?: number;
  partnerSystemPriority: number;
  partnerSystem: number;
  partnerKey: number;
  partnerPortPriority: number;
  partnerPort: number;
  partnerState: number;
  partnerReserved?: Uint8Array;
  collectorType?: number;
  collectorLength?: number;
  collectorMaxDelay?: number;
  collectorReserved?: Uint8Array;
  /** TLVs written between Collector and Terminator; `length` defaults to 2 + value length. */
  tlvs?: readonly { type: number; length?: number; value: Uint8Array }[];
  terminatorType?: number;
  terminatorLength?: number;
  /** Octets after the Terminator; default zeros up to the 110-octet PDU. */
  reserved?: Uint8Array;
  /** Vendor bytes appended after the PDU. */
  vendor?: Uint8Array;
}

declare module './core.js' {
  interface LayerMap {
    lacp: LacpLayer;
  }
}

/** Size of a version 1 LACPDU from the subtype octet (PROTOCOLS.md §2.1/§2.2). */
export const LACPDU_LEN = 110;
/** Octets up to and including the Partner Information (the part a decoder insists on). */
const LACP_MIN = 42;
const OFF_COLLECTOR = 42;
const OFF_TLVS = 58;

const EMPTY: Uint8Array = new Uint8Array(0);

function bytesAt(buf: Uint8Array, o: number, n: number, e: number): Uint8Array {
  return o + n <= e ? buf.subarray(o, o + n) : o < e ? buf.subarray(o, e) : EMPTY;
}

function stateText(s: number): string {
  return `[${flagNames(s, lacpStateFlags).join(',')}]`;
}

/** The LACP dissector (slow.subtype 1). */
export const lacp: Dissector<LacpLayer, LacpFields> = {
  name: 'lacp',
  title: 'Link Aggregation Control Protocol',
  fields: [
    { name: 'subtype', title: 'Subtype', kind: 'uint', hex: true, tshark: 'slow.subtype#0' },
    { name: 'version', title: 'LACP Version', kind: 'uint', hex: true, tshark: 'lacp.version' },
    { name: 'actorType', title: 'Actor TLV type', kind: 'uint', hex: true, names: lacpTlvTypeNames, tshark: 'lacp.tlv_type#0' },
    { name: 'actorLength', title: 'Actor TLV length', kind: 'uint', tshark: 'lacp.tlv_length#0' },
    { name: 'actorSystemPriority', title: 'Actor System Priority', kind: 'uint', tshark: 'lacp.actor.sys_priority' },
    { name: 'actorSystem', title: 'Actor System', kind: 'mac', tshark: 'lacp.actor.sysid' },
    { name: 'actorKey', title: 'Actor Key', kind: 'uint', tshark: 'lacp.actor.key' },
    { name: 'actorPortPriority', title: 'Actor Port Priority', kind: 'uint', tshark: 'lacp.actor.port_priority' },
    { name: 'actorPort', title: 'Actor Port', kind: 'uint', tshark: 'lacp.actor.port' },
    { name: 'actorState', title: 'Actor State', kind: 'flags', hex: true, flags: lacpStateFlags, tshark: 'lacp.actor.state' },
    { name: 'actorReserved', title: 'Actor Reserved', kind: 'bytes', hidden: true, tshark: 'lacp.actor.reserved' },
    { name: 'partnerType', title: 'Partner TLV type', kind: 'uint', hex: true, names: lacpTlvTypeNames, tshark: 'lacp.tlv_type#1' },
    { name: 'partnerLength', title: 'Partner TLV length', kind: 'uint', tshark: 'lacp.tlv_length#1' },
    { name: 'partnerSystemPriority', title: 'Partner System Priority', kind: 'uint', tshark: 'lacp.partner.sys_priority' },
    { name: 'partnerSystem', title: 'Partner System', kind: 'mac', tshark: 'lacp.partner.sysid' },
    { name: 'partnerKey', title: 'Partner Key', kind: 'uint', tshark: 'lacp.partner.key' },
    { name: 'partnerPortPriority', title: 'Partner Port Priority', kind: 'uint', tshark: 'lacp.partner.port_priority' },
    { name: 'partnerPort', title: 'Partner Port', kind: 'uint', tshark: 'lacp.partner.port' },
    { name: 'partnerState', title: 'Partner State', kind: 'flags', hex: true, flags: lacpStateFlags, tshark: 'lacp.partner.state' },
    { name: 'partnerReserved', title: 'Partner Reserved', kind: 'bytes', hidden: true, tshark: 'lacp.partner.reserved' },
    { name: 'collectorType', title: 'Collector TLV type', kind: 'uint', hex: true, names: lacpTlvTypeNames, tshark: 'lacp.tlv_type#2' },
    { name: 'collectorLength', title: 'Collector TLV length', kind: 'uint', tshark: 'lacp.tlv_length#2' },
    { name: 'collectorMaxDelay', title: 'Collector Max Delay', kind: 'uint', tshark: 'lacp.collector.max_delay' },
    { name: 'collectorReserved', title: 'Collector Reserved', kind: 'bytes', hidden: true, tshark: 'lacp.coll_reserved' },
    { name: 'tlvs', title: 'Version 2 TLVs', kind: 'list' },
    { name: 'portAlgorithm', title: 'Port Algorithm', kind: 'uint', hex: true },
    { name: 'linkNumberId', title: 'Link Number ID', kind: 'uint' },
    { name: 'terminatorType', title: 'Terminator TLV type', kind: 'uint', hex: true, tshark: 'lacp.tlv_type#-1' },
    { name: 'terminatorLength', title: 'Terminator TLV length', kind: 'uint', tshark: 'lacp.tlv_length#-1' },
    { name: 'reserved', title: 'Reserved', kind: 'bytes', hidden: true, tshark: 'lacp.pad' },
    { name: 'vendor', title: 'Vendor data', kind: 'bytes', hidden: true, tshark: 'lacp.vendor' },
    { name: 'irfDomain', title: 'HP IRF Domain', kind: 'uint', tshark: 'lacp.vendor.hp.irf_domain' },
    { name: 'irfMac', title: 'HP IRF MAC', kind: 'mac', tshark: 'lacp.vendor.hp.irf_mac' },
    { name: 'irfSwitch', title: 'HP IRF Switch', kind: 'uint', tshark: 'lacp.vendor.hp.irf_switch' },
    { name: 'irfPort', title: 'HP IRF Port', kind: 'uint', tshark: 'lacp.vendor.hp.irf_port' },
  ] satisfies FieldDesc[],

  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): LacpLayer | null {
    const have = end - off;
    if (have < LACP_MIN) {
      shortLayer(pkt, 'lacp', off, LACPDU_LEN, have);
      return null;
    }
    const e = end;
    const version = buf[off + 1]!;
    // Collector (fixed offset 42) when captured.
    const c = off + OFF_COLLECTOR;
    const hasCollector = c + 16 <= e;
    // Version 2 TLVs from offset 58 until the Terminator (or a TLV that cannot be walked).
    const tlvs: LacpTlv[] = [];
    let portAlgorithm = -1;
    let linkNumberId = -1;
    let t = off + OFF_TLVS;
    let terminatorType = -1;
    let terminatorLength = -1;
    let need = LACPDU_LEN;
    let overrun = false;
    if (hasCollector) {
      while (t + 2 <= e) {
        const type = buf[t]!;
        const length = buf[t + 1]!;
        if (type === LacpTlvType.TERMINATOR || length < 2) {
          terminatorType = type;
          terminatorLength = length;
          break;
        }
        if (t + length > e) {
          need = Math.max(need, t + length + 2 - off);
          overrun = true;
          break;
        }
        const value = buf.subarray(t + 2, t + length);
        tlvs.push({ type, length, value });
        if (type === LacpTlvType.PORT_ALGORITHM && length >= 6) portAlgorithm = u32(buf, t + 2);
        else if (type === LacpTlvType.PORT_CONVERSATION_ID_DIGEST && length >= 4) linkNumberId = u16(buf, t + 2);
        t += length;
      }
    }
    need = Math.max(need, t + 2 - off);
    let len = need <= have ? need : have;
    // Trailing HP/H3C IRF MAD vendor blob (Wireshark packet-lacp.c); other trailing bytes stay raw.
    let vendor: Uint8Array = EMPTY;
    let irfDomain = -1;
    let irfMac = -1;
    let irfSwitch = -1;
    let irfPort = -1;
    const rest = have - len;
    if (need <= have && rest > 2 && buf[off + len] === 0x64 && buf[off + len + 1] === rest - 2) {
      const v = off + len;
      vendor = buf.subarray(v, end);
      if (rest >= 26) {
        irfDomain = u16(buf, v + 4);
        irfMac = mac48(buf, v + 6);
        irfSwitch = u16(buf, v + 20);
        irfPort = u16(buf, v + 22);
      }
      len = have;
    }
    const tEnd = terminatorType >= 0 ? t + 2 : t;
    const l: LacpLayer = {
      layer: 'lacp',
      off,
      len,
      payloadOff: off + len,
      payloadEnd: end,
      nextTable: null,
      nextKey: -1,
      nextKey2: -1,
      subtype: buf[off]!,
      version,
      actorType: buf[off + 2]!,
      actorLength: buf[off + 3]!,
      actorSystemPriority: u16(buf, off + 4),
      actorSystem: mac48(buf, off + 6),
      actorKey: u16(buf, off + 12),
      actorPortPriority: u16(buf, off + 14),
      actorPort: u16(buf, off + 16),
      actorState: buf[off + 18]!,
      actorReserved: buf.subarray(off + 19, off + 22),
      partnerType: buf[off + 22]!,
      partnerLength: buf[off + 23]!,
      partnerSystemPriority: u16(buf, off + 24),
      partnerSystem: mac48(buf, off + 26),
      partnerKey: u16(buf, off + 32),
      partnerPortPriority: u16(buf, off + 34),
      partnerPort: u16(buf, off + 36),
      partnerState: buf[off + 38]!,
      partnerReserved: buf.subarray(off + 39, off + 42),
      collectorType: hasCollector ? buf[c]! : -1,
      collectorLength: hasCollector ? buf[c + 1]! : -1,
      collectorMaxDelay: hasCollector ? u16(buf, c + 2) : -1,
      collectorReserved: hasCollector ? buf.subarray(c + 4, c + 16) : EMPTY,
      tlvs,
      portAlgorithm,
      linkNumberId,
      terminatorType,
      terminatorLength,
      reserved: terminatorType >= 0 ? bytesAt(buf, tEnd, off + len - tEnd - vendor.length, off + len - vendor.length) : EMPTY,
      vendor,
      irfDomain,
      irfMac,
      irfSwitch,
      irfPort,
    };
    if (need > have) shortLayer(pkt, 'lacp', off, need, have, overrun ? 'lacp.bad-tlv-length' : 'lacp.short');
    checkLacp(l, pkt);
    return l;
  },

  encode(f: LacpFields, payload?: Uint8Array): Uint8Array {
    const tlvs = f.tlvs ?? [];
    let tlvBytes = 0;
    for (const x of tlvs) tlvBytes += 2 + x.value.length;
    const tEnd = OFF_TLVS + tlvBytes + 2;
    const reserved = f.reserved ?? new Uint8Array(Math.max(0, LACPDU_LEN - tEnd));
    const vendor = f.vendor ?? EMPTY;
    const pdu = tEnd + reserved.length;
    const out = new Uint8Array(pdu + vendor.length + (payload?.length ?? 0));
    out[0] = f.subtype ?? 1;
    out[1] = f.version ?? 1;
    out[2] = f.actorType ?? LacpTlvType.ACTOR;
    out[3] = f.actorLength ?? 20;
    putU16(out, 4, f.actorSystemPriority);
    putMac48(out, 6, f.actorSystem);
    putU16(out, 12, f.actorKey);
    putU16(out, 14, f.actorPortPriority);
    putU16(out, 16, f.actorPort);
    out[18] = f.actorState;
    if (f.actorReserved) out.set(f.actorReserved.subarray(0, 3), 19);
    out[22] = f.partnerType ?? LacpTlvType.PARTNER;
    out[23] = f.partnerLength ?? 20;
    putU16(out, 24, f.partnerSystemPriority);
    putMac48(out, 26, f.partnerSystem);
    putU16(out, 32, f.partnerKey);
    putU16(out, 34, f.partnerPortPriority);
    putU16(out, 36, f.partnerPort);
    out[38] = f.partnerState;
    if (f.partnerReserved) out.set(f.partnerReserved.subarray(0, 3), 39);
    out[42] = f.collectorType ?? LacpTlvType.COLLECTOR;
    out[43] = f.collectorLength ?? 16;
    putU16(out, 44, f.collectorMaxDelay ?? 0);
    if (f.collectorReserved) out.set(f.collectorReserved.subarray(0, 12), 46);
    let t = OFF_TLVS;
    for (const x of tlvs) {
      out[t] = x.type;
      out[t + 1] = x.length ?? 2 + x.value.length;
      out.set(x.value, t + 2);
      t += 2 + x.value.length;
    }
    out[t] = f.terminatorType ?? LacpTlvType.TERMINATOR;
    out[t + 1] = f.terminatorLength ?? 0;
    out.set(reserved, tEnd);
    out.set(vendor, pdu);
    if (payload) out.set(payload, pdu + vendor.length);
    return out;
  },

  summary(l: LacpLayer): string {
    const side = (sys: number, port: number, key: number, state: number) => `${macText(sys)} port ${port} key ${key} ${stateText(state)}`;
    let s = `LACPv${l.version} actor ${side(l.actorSystem, l.actorPort, l.actorKey, l.actorState)} partner ${side(l.partnerSystem, l.partnerPort, l.partnerKey, l.partnerState)}`;
    if (l.portAlgorithm >= 0) s += `, algorithm ${named(l.portAlgorithm & 0xff, lacpPortAlgorithmNames)}`;
    if (l.tlvs.length > 0) s += `, ${l.tlvs.length} v2 TLV${l.tlvs.length > 1 ? 's' : ''}`;
    return s;
  },
};

/** Per-frame checks of a decoded LACPDU: version, TLV types and lengths (Wireshark lacp.wrong_tlv_*). */
function checkLacp(l: LacpLayer, pkt: Packet): void {
  const o = l.off;
  if (l.version !== 1 && l.version !== 2) {
    problem(pkt, 'lacp', 'lacp.version', 'unusual', 'warning', o + 1, `lacp: version ${l.version} (1 or 2 expected); decoded with the version 1 layout (802.1AX-2014 6.4.2.3)`);
  }
  const fixed: [number, number, number, number][] = [
    [LacpTlvType.ACTOR, l.actorType, l.actorLength, o + 2],
    [LacpTlvType.PARTNER, l.partnerType, l.partnerLength, o + 22],
    [LacpTlvType.COLLECTOR, l.collectorType, l.collectorLength, o + OFF_COLLECTOR],
  ];
  for (const [want, type, length, at] of fixed) {
    if (type < 0) continue;
    if (type !== want) badTlv(pkt, 'lacp.bad-tlv-type', 'malformed', at, `lacp: TLV type ${type} where ${lacpTlvTypeNames[want]} (${want}) is expected`);
    if (length !== lacpTlvLengths[want]) badTlv(pkt, 'lacp.bad-tlv-length', 'malformed', at + 1, `lacp: ${lacpTlvTypeNames[want]} length ${length}, expected ${lacpTlvLengths[want]}`);
  }
  let at = o + OFF_TLVS;
  for (const x of l.tlvs) {
    const want = lacpTlvLengths[x.type];
    if (want === undefined || x.type < LacpTlvType.PORT_ALGORITHM) {
      badTlv(pkt, 'lacp.bad-tlv-type', 'unusual', at, `lacp: unknown TLV type ${x.type} (length ${x.length}) skipped`);
    } else if (x.length !== want) {
      badTlv(pkt, 'lacp.bad-tlv-length', 'unusual', at + 1, `lacp: ${lacpTlvTypeNames[x.type]} length ${x.length}, expected ${want}`);
    }
    at += x.length;
  }
  if (l.terminatorType > 0) {
    badTlv(pkt, 'lacp.bad-tlv-length', 'malformed', at + 1, `lacp: TLV type ${l.terminatorType} with length ${l.terminatorLength} < 2 ends the TLV walk`);
  } else if (l.terminatorType === 0 && l.terminatorLength !== 0) {
    badTlv(pkt, 'lacp.bad-tlv-length', 'malformed', at + 1, `lacp: Terminator length ${l.terminatorLength}, expected 0`);
  }
}

function badTlv(pkt: Packet, id: string, kind: 'malformed' | 'unusual', absOff: number, message: string): void {
  problem(pkt, 'lacp', id, kind, kind === 'malformed' ? 'error' : 'warning', absOff, message);
}
