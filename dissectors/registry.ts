// Dispatch as data: named tables (linktype, ethertype, slow.subtype, ip.proto, udp.port, ...)
// shared by every parent, overridable from the command line (--decode-as udp.port=4000:mscs).
import type { Frame } from '../src/capture/frame.js';
import { frameTime } from '../src/capture/frame.js';
import { type Dissector, type LayerMeta, type Packet, type TableName, addProblem, newPacket, resetPacket, slotViews } from './core.js';
import { type EthLayer, decodeEthInto, ethernet, newEthLayer } from './ethernet.js';
import { type Ipv4Layer, decodeIpv4Into, ipv4, newIpv4Layer } from './ipv4.js';
import { type Ipv6Layer, decodeIpv6Into, ipv6, newIpv6Slot } from './ipv6.js';
import { type TcpLayer, decodeTcpInto, newTcpLayer, tcp } from './tcp.js';
import { type UdpLayer, decodeUdpInto, newUdpLayer, udp } from './udp.js';
import { type VlanLayer, decodeVlanInto, newVlanLayer, vlan } from './vlan.js';

/** Deepest layer stack decoded (a hostile frame of 4-byte VLAN tags cannot loop us forever). */
const MAX_LAYERS = 32;

/** Filter words that stand for several protocols. */
export const filterAliases: Readonly<Record<string, readonly string[]>> = {
  heartbeat: ['mscs', 'knet', 'vrrp', 'carp', 'hsrp'],
  slow: ['lacp', 'marker', 'ossp'],
  ip: ['ipv4', 'ipv6'],
  vlan: ['vlan'],
};

/** What the fast path does with an EtherType (Registry.etherKind) and an IP protocol (Registry.protoKind). */
const GENERIC = 0;
const VLAN = 1;
const IPV4 = 2;
const IPV6 = 3;
const TCP = 1;
const UDP = 2;

/**
 * `tcp.port=N` / `udp.port=N` strings for Packet.rawOf, made once per port: every TCP/UDP frame
 * with a payload no dissector claims ends with one, and building it per packet is measurable.
 */
const tcpPortRaw: string[] = new Array<string>(65536).fill('');
const udpPortRaw: string[] = new Array<string>(65536).fill('');

/** Names accepted by --decode-as besides dissector names. */
const decodeAsAliases: Readonly<Record<string, string>> = { heartbeat: 'mscs', corosync: 'knet' };

/** Every dispatch table (TableName), for checking --decode-as rules. */
export const TABLE_NAMES: readonly TableName[] = ['linktype', 'ethertype', 'llc.sap', 'slow.subtype', 'ip.proto', 'udp.port', 'tcp.port', 'sll.proto'];

/**
 * A decoder that reuses its objects (gopacket's DecodingLayerParser), for consumers that look at a
 * packet and forget it: `decode(frame)` gives the same packet as Registry.dissect(frame) — same
 * layers, fields, problems and raw bytes — but in ONE Packet object, ONE layers array and one
 * pre-made layer object per fast-path layer (Ethernet, two 802.1Q tags, IPv4, IPv6, TCP, UDP),
 * filled in place.
 *
 * !!! The packet returned, its layers array and those layer objects are valid ONLY UNTIL THIS
 * DECODER'S NEXT decode() CALL, which overwrites them. Whatever must outlive it is copied first
 * (fields, not the layer objects); anything that keeps packets uses Registry.dissect. !!!
 *
 * Layers the fast path does not handle (ARP, slow protocols, heartbeats, a claimed port, a
 * decodeAs() override, SLL, ...) are fresh objects, exactly as dissect() makes them, pushed onto
 * the reused array; problems are a fresh array on a packet that has any.
 */
export interface Decoder {
  decode(frame: Frame): Packet;
}

/** The objects one Decoder fills: its packet (made on the first frame) and one layer per fast-path slot. */
class DecoderSlots {
  pkt: Packet | null = null;
  readonly eth: EthLayer = newEthLayer();
  readonly vlan1: VlanLayer = newVlanLayer();
  readonly vlan2: VlanLayer = newVlanLayer();
  readonly ipv4: Ipv4Layer = newIpv4Layer();
  readonly ipv6: Ipv6Layer = newIpv6Slot();
  readonly tcp: TcpLayer = newTcpLayer();
  /** The TCP slot's options (up to 40 bytes: data offset 15). */
  readonly tcpOptions = slotViews(40);
  readonly udp: UdpLayer = newUdpLayer();
}

/** A registry of dissectors in named tables. One default instance is filled by dissectors/index.ts. */
export class Registry {
  private readonly tables = new Map<TableName, Map<number, Dissector[]>>();
  private readonly byName = new Map<string, Dissector>();

  // The direct path (decoder()): Ethernet, 802.1Q tags, IPv4/IPv6, TCP/UDP called directly while the
  // tables hold exactly those dissectors for the keys met. Every add()/decodeAs() bumps `version`;
  // the lookups below are derived again from the tables on the next frame.
  private version = 0;
  private fastVersion = -1;
  private fastEth = false;
  /** Per EtherType: VLAN, IPV4, IPV6, or GENERIC (the loop decides). */
  private readonly etherKind = new Uint8Array(65536);
  /** Per IP protocol: TCP, UDP, or GENERIC. */
  private readonly protoKind = new Uint8Array(256);
  /** Per port: 1 when the tcp.port / udp.port table has the key (then the loop picks). */
  private readonly tcpPorts = new Uint8Array(65536);
  private readonly udpPorts = new Uint8Array(65536);

  /** Register `d` under `key` in `table` (several per key are tried in order through `accepts`). */
  add(table: TableName, key: number, d: Dissector<any, any>): this {
    this.byName.set(d.name, d);
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    const list = t.get(key);
    if (list) list.push(d);
    else t.set(key, [d]);
    this.version++;
    return this;
  }

  /** Make `name` the only dissector for `key` in `table` (the user's --decode-as). */
  decodeAs(table: TableName, key: number, name: string): void {
    const d = this.byName.get(decodeAsAliases[name] ?? name);
    if (!d) throw new Error(`unknown protocol '${name}' (known: ${[...this.byName.keys()].sort().join(', ')})`);
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    t.set(key, [d]);
    this.version++;
  }

  /** Parse and apply one `TABLE=KEY:PROTO` rule; throws an Error with a one-line message. */
  decodeAsRule(rule: string): void {
    const m = /^([a-z.]+)=(0x[0-9a-f]+|\d+):([a-z0-9-]+)$/i.exec(rule.trim());
    if (!m) throw new Error(`bad --decode-as '${rule}': expected TABLE=KEY:PROTO, e.g. udp.port=4000:mscs`);
    const table = m[1] as TableName;
    // Every table a dissector dispatches into, whether or not anything is registered in it by default
    // (nothing claims a TCP port out of the box, yet tcp.port=N:PROTO must work).
    if (!TABLE_NAMES.includes(table)) throw new Error(`bad --decode-as '${rule}': unknown table '${table}' (known: ${TABLE_NAMES.join(', ')})`);
    this.decodeAs(table, Number(m[2]), m[3]!);
  }

  /** Does any dissector claim `key` in `table`? */
  has(table: TableName, key: number): boolean {
    return this.tables.get(table)?.has(key) ?? false;
  }

  /** The keys of `table` that some dissector claims (a fast path precomputes from these). */
  keys(table: TableName): number[] {
    return [...(this.tables.get(table)?.keys() ?? [])];
  }

  get(name: string): Dissector | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The key under which `name` is registered in `table` (first found), for building stacks. */
  keyOf(table: TableName, name: string): number | undefined {
    const t = this.tables.get(table);
    if (!t) return undefined;
    for (const [k, list] of t) if (list.some((d) => d.name === name)) return k;
    return undefined;
  }

  private pick(table: TableName, key: number, buf: Uint8Array, off: number, end: number): Dissector | undefined {
    const list = this.tables.get(table)?.get(key);
    if (!list) return undefined;
    if (list.length === 1 && !list[0]!.accepts) return list[0];
    for (const d of list) if (!d.accepts || d.accepts(buf, off, end)) return d;
    return undefined;
  }

  /** Re-derive the fast path's lookups from the tables (after add()/decodeAs()). */
  private deriveFast(): void {
    const only = (table: TableName, key: number): Dissector | undefined => {
      const list = this.tables.get(table)?.get(key);
      return list !== undefined && list.length === 1 && !list[0]!.accepts ? list[0] : undefined;
    };
    this.fastEth = only('linktype', 1) === ethernet;
    this.etherKind.fill(GENERIC);
    for (const k of this.keys('ethertype')) {
      if (k < 0 || k > 0xffff) continue;
      const d = only('ethertype', k);
      this.etherKind[k] = d === vlan ? VLAN : d === ipv4 ? IPV4 : d === ipv6 ? IPV6 : GENERIC;
    }
    this.protoKind.fill(GENERIC);
    for (const k of this.keys('ip.proto')) {
      if (k < 0 || k > 0xff) continue;
      const d = only('ip.proto', k);
      this.protoKind[k] = d === tcp ? TCP : d === udp ? UDP : GENERIC;
    }
    this.tcpPorts.fill(0);
    for (const k of this.keys('tcp.port')) if (k >= 0 && k <= 0xffff) this.tcpPorts[k] = 1;
    this.udpPorts.fill(0);
    for (const k of this.keys('udp.port')) if (k >= 0 && k <= 0xffff) this.udpPorts[k] = 1;
    this.fastVersion = this.version;
  }

  /**
   * Decode one frame through the tables, starting from its interface's link type, into fresh objects
   * a caller may keep. The table loop alone: what has to be fast goes through decoder() (the dissect
   * and info commands) or the analyzers' own fast path, and the decoder's direct calls are tested
   * against this packet.
   */
  dissect(frame: Frame): Packet {
    return this.walk(newPacket(frame, frameTime(frame)), 'linktype', frame.iface.linkType, -1, frame.off, frame.off + frame.caplen);
  }

  /** A Decoder over this registry's tables (see Decoder: its packet lives until its next decode). */
  decoder(): Decoder {
    const slots = new DecoderSlots();
    return { decode: (frame: Frame): Packet => this.decodeReusing(slots, frame) };
  }

  /** Decoder.decode: dissect() into the slots' packet and layers. */
  private decodeReusing(s: DecoderSlots, frame: Frame): Packet {
    if (this.fastVersion !== this.version) this.deriveFast();
    let pkt = s.pkt;
    if (pkt === null) pkt = s.pkt = newPacket(frame, frameTime(frame));
    else resetPacket(pkt, frame, frameTime(frame));
    const off = frame.off;
    const end = off + frame.caplen;
    const lt = frame.iface.linkType;
    if (lt === 1 && this.fastEth) return this.decodeEthernet(pkt, s, frame.buf, off, end);
    return this.walk(pkt, 'linktype', lt, -1, off, end);
  }

  /**
   * The direct path over the slots: Ethernet, up to two tags, IPv4/IPv6, TCP/UDP called directly (one
   * layer type at every property read and call site), each decoder writing into its slot, the layers
   * pushed as they come (the reused array already has room for them). The same packet as the table
   * loop (dissect(); test/dissectors/reuse.test.ts proves it); whatever
   * else comes up (LLC, ARP, slow protocols, a third tag, a claimed port, a decodeAs() override)
   * continues in the loop from that point. None of these decoders reads pkt.layers.
   */
  private decodeEthernet(pkt: Packet, s: DecoderSlots, buf: Uint8Array, off: number, end: number): Packet {
    const ls = pkt.layers;
    const e = s.eth;
    if (!decodeEthInto(buf, off, end, pkt, e)) return stopped(pkt, 'eth', off, end);
    ls.push(e);
    off = e.payloadOff;
    end = e.payloadEnd;
    if (e.nextTable !== 'ethertype') return this.walk(pkt, e.nextTable, e.nextKey, e.nextKey2, off, end);
    let type = e.nextKey;
    let kind = this.etherKind[type]!;
    for (let n = 0; kind === VLAN; n++) {
      if (n === 2) return this.walk(pkt, 'ethertype', type, -1, off, end);
      const v = n === 0 ? s.vlan1 : s.vlan2;
      if (!decodeVlanInto(buf, off, end, pkt, v)) return stopped(pkt, 'vlan', off, end);
      ls.push(v);
      off = v.payloadOff;
      end = v.payloadEnd;
      if (v.nextTable !== 'ethertype') return this.walk(pkt, v.nextTable, v.nextKey, v.nextKey2, off, end);
      type = v.nextKey;
      kind = this.etherKind[type]!;
    }
    let ip: Ipv4Layer | Ipv6Layer;
    if (kind === IPV4) {
      const ip4 = s.ipv4;
      if (!decodeIpv4Into(buf, off, end, pkt, ip4)) return stopped(pkt, 'ipv4', off, end);
      ls.push(ip4);
      off = ip4.payloadOff;
      end = ip4.payloadEnd;
      if (ip4.nextTable === null) return finished(pkt, 'ipv4.payload', off, end);
      ip = ip4;
    } else if (kind === IPV6) {
      const ip6 = s.ipv6;
      if (!decodeIpv6Into(buf, off, end, pkt, ip6)) return stopped(pkt, 'ipv6', off, end);
      ls.push(ip6);
      off = ip6.payloadOff;
      end = ip6.payloadEnd;
      if (ip6.nextTable === null) return finished(pkt, 'ipv6.payload', off, end);
      ip = ip6;
    } else {
      return this.walk(pkt, 'ethertype', type, -1, off, end);
    }
    const proto = ip.nextKey;
    const pk = this.protoKind[proto]!;
    if (pk === TCP) {
      const t = s.tcp;
      if (!decodeTcpInto(buf, off, end, pkt, t, s.tcpOptions)) return stopped(pkt, 'tcp', off, end);
      ls.push(t);
      return this.ports(pkt, t, 'tcp.port', this.tcpPorts, tcpPortRaw, 'tcp.payload');
    }
    if (pk === UDP) {
      const u = s.udp;
      if (!decodeUdpInto(buf, off, end, pkt, ip, u)) return stopped(pkt, 'udp', off, end);
      ls.push(u);
      return this.ports(pkt, u, 'udp.port', this.udpPorts, udpPortRaw, 'udp.payload');
    }
    return this.walk(pkt, 'ip.proto', proto, -1, off, end);
  }

  /**
   * After TCP or UDP (`l`): its payload goes to the port table when either port is registered there,
   * else stays raw, named `tcp.port=N` / `udp.port=N` (strings made once per port, in `raws`).
   */
  private ports(pkt: Packet, l: LayerMeta, table: TableName, registered: Uint8Array, raws: string[], payload: string): Packet {
    const off = l.payloadOff;
    const end = l.payloadEnd;
    if (l.nextTable === null) return finished(pkt, payload, off, end);
    const k = l.nextKey;
    const k2 = l.nextKey2;
    if (registered[k] === 0 && (k2 < 0 || registered[k2] === 0)) {
      let raw = raws[k]!;
      if (raw === '') raw = raws[k] = `${table}=${k}`;
      return stopped(pkt, raw, off, end);
    }
    return this.walk(pkt, table, k, k2, off, end);
  }

  /** The table loop: decode from `table`/`key` (or `key2`) at buf[off, end) until no table continues. */
  private walk(pkt: Packet, table: TableName | null, key: number, key2: number, off: number, end: number): Packet {
    const frame = pkt.frame;
    const buf = frame.buf;
    while (table !== null) {
      let d = this.pick(table, key, buf, off, end);
      if (!d && key2 >= 0) d = this.pick(table, key2, buf, off, end);
      if (!d) {
        pkt.rawOf = `${table}=${key}`;
        break;
      }
      const l: LayerMeta | null = d.decode(buf, off, end, pkt);
      if (!l) {
        pkt.rawOf = d.name;
        break;
      }
      pkt.layers.push(l);
      off = l.payloadOff;
      end = l.payloadEnd;
      if (pkt.layers.length >= MAX_LAYERS) {
        addProblem(pkt, {
          id: 'frame.too-many-layers',
          kind: 'malformed',
          severity: 'error',
          layer: d.name,
          offset: off - frame.off,
          message: `more than ${MAX_LAYERS} nested layers; decoding stopped`,
        });
        break;
      }
      table = l.nextTable;
      key = l.nextKey;
      key2 = l.nextKey2;
      if (table === null) pkt.rawOf = off < end ? `${d.name}.payload` : '';
    }
    pkt.rawOff = off;
    pkt.rawEnd = end;
    return pkt;
  }
}

/** Decoding stopped at [off, end): a decoder returned null (`raw` is its name) or no dissector claims the key (`raw` is 'table=key'). */
function stopped(pkt: Packet, raw: string, off: number, end: number): Packet {
  pkt.rawOf = raw;
  pkt.rawOff = off;
  pkt.rawEnd = end;
  return pkt;
}

/** Decoding ended after a layer: `raw` names what is left in [off, end) ('' when nothing is). */
function finished(pkt: Packet, raw: string, off: number, end: number): Packet {
  pkt.rawOf = off < end ? raw : '';
  pkt.rawOff = off;
  pkt.rawEnd = end;
  return pkt;
}

/** The registry every command uses; dissectors/index.ts fills it. */
export const registry = new Registry();
