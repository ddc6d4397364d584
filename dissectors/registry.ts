// Dispatch as data: named tables (linktype, ethertype, slow.subtype, ip.proto, udp.port, ...)
// shared by every parent, overridable from the command line (--decode-as udp.port=4000:mscs).
import type { Frame } from '../src/capture/frame.js';
import { frameTime } from '../src/capture/frame.js';
import { type Dissector, type LayerMeta, type Packet, type TableName, addProblem, newPacket } from './core.js';

/** Deepest layer stack decoded (a hostile frame of 4-byte VLAN tags cannot loop us forever). */
const MAX_LAYERS = 32;

/** Filter words that stand for several protocols. */
export const filterAliases: Readonly<Record<string, readonly string[]>> = {
  heartbeat: ['mscs', 'knet', 'vrrp', 'carp', 'hsrp'],
  slow: ['lacp', 'marker', 'ossp'],
  ip: ['ipv4', 'ipv6'],
  vlan: ['vlan'],
};

/** Names accepted by --decode-as besides dissector names. */
const decodeAsAliases: Readonly<Record<string, string>> = { heartbeat: 'mscs', corosync: 'knet' };

/** A registry of dissectors in named tables. One default instance is filled by dissectors/index.ts. */
export class Registry {
  private readonly tables = new Map<TableName, Map<number, Dissector[]>>();
  private readonly byName = new Map<string, Dissector>();

  /** Register `d` under `key` in `table` (several per key are tried in order through `accepts`). */
  add(table: TableName, key: number, d: Dissector<any, any>): this {
    this.byName.set(d.name, d);
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    const list = t.get(key);
    if (list) list.push(d);
    else t.set(key, [d]);
    return this;
  }

  /** Make `name` the only dissector for `key` in `table` (the user's --decode-as). */
  decodeAs(table: TableName, key: number, name: string): void {
    const d = this.byName.get(decodeAsAliases[name] ?? name);
    if (!d) throw new Error(`unknown protocol '${name}' (known: ${[...this.byName.keys()].sort().join(', ')})`);
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    t.set(key, [d]);
  }

  /** Parse and apply one `TABLE=KEY:PROTO` rule; throws an Error with a one-line message. */
  decodeAsRule(rule: string): void {
    const m = /^([a-z.]+)=(0x[0-9a-f]+|\d+):([a-z0-9-]+)$/i.exec(rule.trim());
    if (!m) throw new Error(`bad --decode-as '${rule}': expected TABLE=KEY:PROTO, e.g. udp.port=4000:mscs`);
    const table = m[1] as TableName;
    if (!this.tables.has(table)) throw new Error(`bad --decode-as '${rule}': unknown table '${table}' (known: ${[...this.tables.keys()].join(', ')})`);
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

  /** Decode one frame through the tables, starting from its interface's link type. */
  dissect(frame: Frame): Packet {
    const pkt = newPacket(frame, frameTime(frame));
    const buf = frame.buf;
    let off = frame.off;
    let end = frame.off + frame.caplen;
    let table: TableName | null = 'linktype';
    let key = frame.iface.linkType;
    let key2 = -1;
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

/** The registry every command uses; dissectors/index.ts fills it. */
export const registry = new Registry();
