// Per-packet renderings for `teamscope dissect`: one line, the -V field tree (from each dissector's
// FieldDesc table, with names and flag names like tshark), and one NDJSON object per packet.
// Rendering only: the packets come decoded from the registry, nothing here parses bytes.
import type { Frame, InterfaceInfo } from '../capture/frame.js';
import {
  type Dissector,
  type FieldDesc,
  type FlagDesc,
  type LayerMeta,
  type Packet,
  type Problem,
  hexText,
  ipv4Text,
  ipv6Text,
  macText,
  named,
} from '../../dissectors/core.js';
import type { Registry } from '../../dissectors/registry.js';

/** How times are printed: UTC date and time, seconds since the first frame, or epoch seconds. */
export type TimeFormat = 'absolute' | 'relative' | 'epoch';

/** Fraction digits an interface's timestamps carry (6 for µs captures, 9 for ns, 7 for 2^-20 s...). */
export function timeDigits(iface: InterfaceInfo): number {
  const u = iface.tsUnitsPerSec;
  if (!(u > 1)) return 0;
  return Math.min(9, Math.ceil(Math.log10(u) - 1e-9));
}

function fraction(nsec: number, digits: number): string {
  if (digits === 0) return '';
  return '.' + String(nsec).padStart(9, '0').slice(0, digits);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** 'YYYY-MM-DD HH:MM:SS' (UTC) for epoch seconds `sec`. */
export function utcText(sec: number): string {
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return `${sec}`;
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/**
 * Formats frame times exactly from (sec, nsec), at each interface's own precision. Relative times
 * count from the first frame handed to `setBase` (the first frame read, shown or not).
 */
export class TimeText {
  private baseSec = 0;
  private baseNsec = 0;
  private hasBase = false;
  private lastSec = NaN;
  private lastPrefix = '';

  constructor(readonly format: TimeFormat) {}

  /** Set the origin of relative times (only the first call counts). */
  setBase(f: Frame): void {
    if (this.hasBase) return;
    this.hasBase = true;
    this.baseSec = f.sec;
    this.baseNsec = f.nsec;
  }

  /** The frame's time in this formatter's format (absolute times end in 'Z': they are UTC). */
  text(f: Frame): string {
    const digits = timeDigits(f.iface);
    if (this.format === 'epoch') return f.sec + fraction(f.nsec, digits);
    if (this.format === 'relative') return this.since(f, digits);
    if (f.sec !== this.lastSec) {
      this.lastSec = f.sec;
      this.lastPrefix = utcText(f.sec).replace(' ', 'T');
    }
    return this.lastPrefix + fraction(f.nsec, digits) + 'Z';
  }

  /** Seconds since the base frame, exact (negative for frames earlier than the first). */
  since(f: Frame, digits = timeDigits(f.iface)): string {
    if (!this.hasBase) this.setBase(f);
    let s = f.sec - this.baseSec;
    let ns = f.nsec - this.baseNsec;
    let sign = '';
    if (s < 0 || (s === 0 && ns < 0)) {
      sign = '-';
      s = -s;
      ns = -ns;
    }
    if (ns < 0) {
      s -= 1;
      ns += 1e9;
    }
    return sign + s + fraction(ns, digits);
  }
}

// ---------------------------------------------------------------------------------------------
// Field values.

const META_KEYS = new Set(['layer', 'off', 'len', 'payloadOff', 'payloadEnd', 'nextTable', 'nextKey', 'nextKey2']);

/** Value of a list element or an undescribed field as text. */
function genericText(v: unknown): string {
  if (v instanceof Uint8Array) return v.length === 16 ? ipv6Text(v, 0) : hexText(v);
  if (Array.isArray(v)) return v.map(genericText).join(', ');
  if (v !== null && typeof v === 'object') {
    return (
      '{' +
      Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${k}: ${genericText(x)}`)
        .join(', ') +
      '}'
    );
  }
  return String(v);
}

/** Looks like a list of IP addresses (VRRP/CARP address lists): numbers shown as dotted quads. */
function isAddressList(d: FieldDesc): boolean {
  return /(addr|address|ips?)(es|s)?$/i.test(d.name);
}

/** Dissectors mark a field the frame does not carry (a v2-only field, an address of another size) with -1. */
function absent(d: FieldDesc, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === 'number' && v < 0 && (d.kind === 'uint' || d.kind === 'mac' || d.kind === 'ipv4' || d.kind === 'flags');
}

/** One value as text for the line and the -V tree (names and hex as the FieldDesc says). */
export function valueText(d: FieldDesc, v: unknown): string {
  switch (d.kind) {
    case 'mac':
      return typeof v === 'number' ? (v < 0 ? '-' : macText(v)) : genericText(v);
    case 'ipv4':
      return typeof v === 'number' ? (v < 0 ? '-' : ipv4Text(v)) : genericText(v);
    case 'ipv6':
      return v instanceof Uint8Array && v.length >= 16 ? ipv6Text(v, 0) : genericText(v);
    case 'bytes':
      return v instanceof Uint8Array ? (v.length === 0 ? '(empty)' : hexText(v)) : genericText(v);
    case 'bool':
      return v ? 'True' : 'False';
    case 'flags':
      if (typeof v !== 'number') return genericText(v);
      return flagsText(v, d.flags ?? []);
    case 'list':
      if (!Array.isArray(v)) return genericText(v);
      return v.map((x) => (typeof x === 'number' && isAddressList(d) ? ipv4Text(x) : d.names && typeof x === 'number' ? named(x, d.names, d.hex) : genericText(x))).join(', ');
    case 'uint':
    case 'number':
      if (typeof v !== 'number') return genericText(v);
      if (d.names) return named(v, d.names, d.hex);
      return d.hex ? hexNumber(v) : String(v);
    default:
      return genericText(v);
  }
}

function hexNumber(v: number, width = 0): string {
  return '0x' + v.toString(16).padStart(width || (v > 0xffff ? 8 : v > 0xff ? 4 : 2), '0');
}

/** Width in bits of a flags field: the highest mask bit, rounded up to whole bytes. */
function flagsWidth(flags: readonly FlagDesc[]): number {
  let max = 0;
  for (const f of flags) max = Math.max(max, f.mask);
  let bits = 8;
  while (bits < 32 && max >= 2 ** bits) bits += 8;
  return bits;
}

/** '0x3d (activity, aggregation, synchronization, ...)'. */
export function flagsText(v: number, flags: readonly FlagDesc[]): string {
  const set: string[] = [];
  for (const f of flags) if (v & f.mask) set.push(f.name);
  return `${hexNumber(v, flagsWidth(flags) / 4)}${set.length ? ` (${set.join(', ')})` : ''}`;
}

/** tshark-style bit line: '.... ..1. = Timeout: Set'. */
export function flagBitLine(v: number, f: FlagDesc, width: number): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const bit = 2 ** i;
    s += Math.floor(f.mask / bit) % 2 ? (Math.floor(v / bit) % 2 ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return `${s} = ${f.title}: ${v & f.mask ? 'Set' : 'Not set'}`;
}

/** One value for JSON: MACs and IPs as text, bytes as hex, numbers as numbers. */
export function valueJson(d: FieldDesc | undefined, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (d) {
    // Dissectors mark an address that is absent (other sizes, not captured) with -1.
    if (d.kind === 'mac' && typeof v === 'number') return v < 0 ? null : macText(v);
    if (d.kind === 'ipv4' && typeof v === 'number') return v < 0 ? null : ipv4Text(v);
    if (d.kind === 'list' && Array.isArray(v)) {
      const addrs = isAddressList(d);
      return v.map((x) => (addrs && typeof x === 'number' ? ipv4Text(x) : addrs && x instanceof Uint8Array && x.length === 16 ? ipv6Text(x, 0) : valueJson(undefined, x)));
    }
  }
  if (v instanceof Uint8Array) return d?.kind === 'ipv6' && v.length >= 16 ? ipv6Text(v, 0) : hexText(v);
  if (Array.isArray(v)) return v.map((x) => valueJson(undefined, x));
  if (typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = valueJson(undefined, x);
    return o;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

// ---------------------------------------------------------------------------------------------
// Per-dissector lookups, cached (the registry may be changed by --decode-as, but not its dissectors).

interface Shape {
  d: Dissector | undefined;
  /** The dissector's fields with their JSON keys. */
  fields: JsonField[];
  label: string;
  src: FieldDesc | undefined;
  dst: FieldDesc | undefined;
  byName: Map<string, FieldDesc>;
}

/** Protocol column labels where upper-casing the layer name reads wrong. */
const LABELS: Record<string, string> = { ipv4: 'IPv4', ipv6: 'IPv6', eth: 'Ethernet', marker: 'Marker', vlan: '802.1Q', llc: 'LLC' };

/** Renders decoded packets; holds the caches and the time formatter of one `dissect` run. */
export class PacketRenderer {
  private readonly shapes = new Map<string, Shape>();

  constructor(
    private readonly reg: Registry,
    readonly time: TimeText,
    /** File name of each input (index = Frame.iface.input), for JSON and multi-file runs. */
    private readonly inputs: readonly string[] = [],
  ) {}

  private shape(layer: string): Shape {
    let s = this.shapes.get(layer);
    if (s) return s;
    const d = this.reg.get(layer);
    const byName = new Map<string, FieldDesc>();
    for (const f of d?.fields ?? []) byName.set(f.name, f);
    const src = byName.get('src');
    const dst = byName.get('dst');
    const addr = (f: FieldDesc | undefined) => (f && (f.kind === 'mac' || f.kind === 'ipv4' || f.kind === 'ipv6') ? f : undefined);
    const fields = (d?.fields ?? []).map((x): JsonField => ({ ...x, jsonKey: JSON.stringify(x.name) + ':', jsonNamesKey: JSON.stringify(`${x.name}Names`) + ':' }));
    s = { d, fields, label: LABELS[layer] ?? layer.toUpperCase(), src: addr(src), dst: addr(dst), byName };
    this.shapes.set(layer, s);
    return s;
  }

  /** Interface column: if_name, or `ifindex:N` for SLL2 frames that carry one. */
  ifaceText(f: Frame): string {
    return f.ifindex >= 0 ? `ifindex:${f.ifindex}` : f.iface.name;
  }

  /** 'src → dst' from the deepest layer with addresses (IP over Ethernet), '' if none. */
  addresses(pkt: Packet): string {
    const ls = pkt.layers;
    for (let i = ls.length - 1; i >= 0; i--) {
      const l = ls[i]! as unknown as Record<string, unknown> & LayerMeta;
      const s = this.shape(l.layer);
      if (s.src && s.dst) return `${valueText(s.src, l[s.src.name])} → ${valueText(s.dst, l[s.dst.name])}`;
    }
    // Linux cooked captures carry only the sender's link address.
    for (let i = ls.length - 1; i >= 0; i--) {
      const l = ls[i]! as unknown as Record<string, unknown> & LayerMeta;
      const s = this.shape(l.layer);
      const src = s.byName.get('src');
      const v = src ? l[src.name] : undefined;
      if (src && src.kind === 'mac' && typeof v === 'number' && v >= 0) return `${macText(v)} → ?`;
    }
    return '? → ?';
  }

  /** One line: number, time, interface, src → dst, protocol, length, summary, problem ids. */
  line(pkt: Packet): string {
    const f = pkt.frame;
    const ls = pkt.layers;
    let proto = 'DATA';
    let info = pkt.rawOf === '' ? '' : `${pkt.rawOf} not decoded`;
    if (ls.length > 0) {
      const top = ls[ls.length - 1]!;
      const s = this.shape(top.layer);
      proto = s.label;
      info = s.d ? safeSummary(s.d, top) : '';
    }
    let line = `${f.index} ${this.time.text(f)} ${this.ifaceText(f)} ${this.addresses(pkt)} ${proto} ${f.origLen} ${info}`;
    if (f.caplen < f.origLen && pkt.problems.length === 0) line += ` [cut at ${f.caplen} of ${f.origLen} bytes]`;
    const ps = pkt.problems;
    if (ps.length > 0) {
      line += ' [';
      for (let i = 0; i < ps.length; i++) line += (i ? ', ' : '') + ps[i]!.severity + ' ' + ps[i]!.id;
      line += ']';
    }
    return line + '\n';
  }

  /** The -V tree: a frame header, then every layer with every field (flags bit by bit), problems as expert info. */
  tree(pkt: Packet): string {
    const f = pkt.frame;
    const ifc = f.iface;
    const bitsOnWire = f.origLen * 8;
    let out = `Frame ${f.index}: ${f.origLen} bytes on wire (${bitsOnWire} bits), ${f.caplen} bytes captured (${f.caplen * 8} bits) on interface ${ifc.name} (${ifc.index})\n`;
    const input = this.inputs[ifc.input];
    if (input !== undefined && this.inputs.length > 1) out += `    Input: ${input} (${ifc.input})\n`;
    out += `    Interface: ${ifc.name}${ifc.description ? ` (${ifc.description})` : ''}, id ${ifc.index}\n`;
    if (f.ifindex >= 0) out += `    Interface index (SLL2): ${f.ifindex}\n`;
    const digits = timeDigits(ifc);
    out += `    Arrival Time: ${utcText(f.sec)}${fraction(f.nsec, 9)} UTC\n`;
    out += `    Epoch Time: ${f.sec}${fraction(f.nsec, digits)} seconds\n`;
    out += `    Time since first frame: ${this.time.since(f, digits)} seconds\n`;
    out += `    Frame Number: ${f.index}\n`;
    out += `    Frame Length: ${f.origLen} bytes\n`;
    out += `    Capture Length: ${f.caplen} bytes\n`;
    out += `    File Offset: ${f.fileOffset}\n`;
    const names = pkt.layers.map((l) => l.layer);
    if (pkt.rawOff < pkt.rawEnd) names.push('data');
    out += `    Protocols in frame: ${names.join(':')}\n`;
    const shown = new Set<Problem>();
    for (const l of pkt.layers) {
      const s = this.shape(l.layer);
      const rec = l as unknown as Record<string, unknown>;
      const title = s.d?.title ?? l.layer;
      const sum = s.d ? safeSummary(s.d, l) : '';
      out += sum === '' ? `${title}\n` : sum.startsWith(title) ? `${sum}\n` : `${title}, ${sum}\n`;
      for (const d of s.d?.fields ?? []) {
        if (d.hidden) continue;
        const v = rec[d.name];
        if (absent(d, v) || (Array.isArray(v) && v.length === 0)) continue;
        out += `    ${d.title}: ${valueText(d, v)}\n`;
        if (d.kind === 'flags' && d.flags && typeof v === 'number') {
          const w = flagsWidth(d.flags);
          for (const fl of d.flags) out += `        ${flagBitLine(v, fl, w)}\n`;
        }
      }
      for (const [k, v] of Object.entries(rec)) {
        if (META_KEYS.has(k) || s.byName.has(k) || v === undefined) continue;
        out += `    ${k}: ${genericText(v)}\n`;
      }
      for (const p of pkt.problems) {
        if (p.layer !== l.layer || shown.has(p)) continue;
        shown.add(p);
        out += `    ${expertText(p)}\n`;
      }
    }
    const rest = pkt.problems.filter((p) => !shown.has(p));
    if (rest.length > 0) {
      out += 'Expert Info\n';
      for (const p of rest) out += `    ${expertText(p)}\n`;
    }
    if (pkt.rawOff < pkt.rawEnd) {
      const n = pkt.rawEnd - pkt.rawOff;
      const shownBytes = Math.min(n, 64);
      out += `Data (${n} bytes${pkt.rawOf ? `, ${pkt.rawOf}` : ''})\n`;
      out += `    Data: ${hexText(f.buf, pkt.rawOff, pkt.rawOff + shownBytes)}${n > shownBytes ? '…' : ''}\n`;
    }
    return out + '\n';
  }

  /** One NDJSON object (with its newline): frame, input, iface, time, layers with all fields, problems, raw bytes. */
  json(pkt: Packet): string {
    const f = pkt.frame;
    const file = this.inputs[f.iface.input];
    let o =
      '{"frame":' + f.index +
      ',"input":' + f.iface.input +
      ',"file":' + (file === undefined ? 'null' : JSON.stringify(file)) +
      ',"iface":' + JSON.stringify(this.ifaceText(f)) +
      ',"time":' + f.sec + fraction(f.nsec, 9) +
      ',"sec":' + f.sec +
      ',"nsec":' + f.nsec +
      ',"caplen":' + f.caplen +
      ',"len":' + f.origLen +
      ',"layers":[';
    const ls = pkt.layers;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      const s = this.shape(l.layer);
      const rec = l as unknown as Record<string, unknown>;
      o += (i ? ',{"layer":' : '{"layer":') + JSON.stringify(l.layer) + ',"offset":' + (l.off - f.off) + ',"length":' + l.len + ',"fields":{';
      let first = true;
      for (const d of s.fields) {
        const v = rec[d.name];
        if (v === undefined) continue;
        o += (first ? '' : ',') + d.jsonKey + (absent(d, v) ? 'null' : jsonText(d, v));
        first = false;
        if (d.kind === 'flags' && d.flags && typeof v === 'number' && v >= 0) {
          o += ',' + d.jsonNamesKey + '[';
          let n = 0;
          for (const fl of d.flags) if (v & fl.mask) o += (n++ ? ',"' : '"') + fl.name + '"';
          o += ']';
        }
      }
      for (const k in rec) {
        if (META_KEYS.has(k) || s.byName.has(k)) continue;
        const v = rec[k];
        if (v === undefined) continue;
        o += (first ? '' : ',') + JSON.stringify(k) + ':' + jsonText(undefined, v);
        first = false;
      }
      o += '}}';
    }
    o += '],"problems":[';
    const ps = pkt.problems;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      o +=
        (i ? ',' : '') +
        JSON.stringify({ id: p.id, kind: p.kind, severity: p.severity, layer: p.layer, offset: p.offset, message: p.message });
    }
    o += '],"raw":';
    o += pkt.rawOff < pkt.rawEnd ? '{"offset":' + (pkt.rawOff - f.off) + ',"length":' + (pkt.rawEnd - pkt.rawOff) + ',"of":' + (pkt.rawOf ? JSON.stringify(pkt.rawOf) : 'null') + '}' : 'null';
    return o + '}\n';
  }
}

/** A field with its JSON key text precomputed. */
interface JsonField extends FieldDesc {
  readonly jsonKey: string;
  readonly jsonNamesKey: string;
}

/** One value as JSON text (the same conventions as valueJson, without building objects for scalars). */
function jsonText(d: FieldDesc | undefined, v: unknown): string {
  if (typeof v === 'number') {
    if (d !== undefined) {
      if (d.kind === 'mac') return '"' + macText(v) + '"';
      if (d.kind === 'ipv4') return '"' + ipv4Text(v) + '"';
    }
    return Number.isFinite(v) ? String(v) : 'null';
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return '"' + (d?.kind === 'ipv6' && v.length >= 16 ? ipv6Text(v, 0) : hexText(v)) + '"';
  return JSON.stringify(valueJson(d, v)) ?? 'null';
}

/** A dissector's summary; a throwing summary is a bug, shown in place rather than killing the run. */
function safeSummary(d: Dissector, l: LayerMeta): string {
  try {
    return d.summary(l);
  } catch (err) {
    return `(summary failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** '[Expert Info (Error/malformed): lacp.bad-tlv-length at offset 23: message]'. */
export function expertText(p: Problem): string {
  const sev = p.severity === 'error' ? 'Error' : p.severity === 'warning' ? 'Warning' : 'Note';
  return `[Expert Info (${sev}/${p.kind}): ${p.id} at offset ${p.offset}: ${p.message}]`;
}
