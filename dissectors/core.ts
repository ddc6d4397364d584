// Shared vocabulary of every dissector: layers, packets, problems, field descriptions, codecs.
import type { Frame } from '../src/capture/frame.js';

/** Severity of a per-frame problem (Wireshark expert-info levels, reduced). */
export type Severity = 'note' | 'warning' | 'error';

/**
 * Why a layer could not be decoded fully:
 * - `truncated`: the capture cut the frame (caplen < origLen) before the layer ended;
 * - `malformed`: the bytes contradict themselves (a length field, a version, a count);
 * - `unusual`: decodable but outside what the standard allows (reserved bits, odd values).
 */
export type ProblemKind = 'truncated' | 'malformed' | 'unusual';

/** A per-frame anomaly with a stable id (`lacp.bad-tlv-length`); tests assert on ids. */
export interface Problem {
  readonly id: string;
  readonly kind: ProblemKind;
  readonly severity: Severity;
  /** Layer name (dissector name) that raised it. */
  readonly layer: string;
  /** Byte offset within the frame where the problem is. */
  readonly offset: number;
  readonly message: string;
  /** For truncated/short layers: bytes needed and bytes present. */
  readonly need?: number;
  readonly have?: number;
}

/** Dispatch tables shared by every parent (Wireshark-style named tables). */
export type TableName = 'linktype' | 'ethertype' | 'llc.sap' | 'slow.subtype' | 'ip.proto' | 'udp.port' | 'tcp.port' | 'sll.proto';

/**
 * What every decoded layer carries besides its protocol fields. Offsets are absolute in
 * `frame.buf` (subtract `frame.off` for the frame-relative offset; Problem.offset already is). `next*` say where decoding continues: the dispatch
 * table, the key (and an alternative key, e.g. UDP source port, or -1), and the payload.
 */
export interface LayerMeta {
  readonly layer: string;
  off: number;
  /** Header length in bytes (what this layer itself consumed). */
  len: number;
  payloadOff: number;
  payloadEnd: number;
  nextTable: TableName | null;
  nextKey: number;
  nextKey2: number;
}

/** Registry of layer types by name; each dissector file adds itself by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface LayerMap {}

/** Any decoded layer. */
export type Layer = LayerMeta & Record<string, unknown>;

/** A decoded frame: its layers in order, problems, and the undecoded rest. */
export interface Packet {
  readonly frame: Frame;
  /** Epoch seconds (float) of the frame. */
  readonly time: number;
  readonly layers: LayerMeta[];
  problems: Problem[];
  /** Bytes after the last decoded layer that no dissector claimed (payload, trailer). */
  rawOff: number;
  rawEnd: number;
  /** Name of the protocol the raw bytes would be if known (e.g. 'tcp.payload'), else ''. */
  rawOf: string;
}

const NO_PROBLEMS: Problem[] = [];
Object.freeze(NO_PROBLEMS);

/** A fresh packet for a frame, no layers yet (or `layers`, an array it takes over). */
export function newPacket(frame: Frame, time: number, layers: LayerMeta[] = []): Packet {
  return { frame, time, layers, problems: NO_PROBLEMS, rawOff: 0, rawEnd: 0, rawOf: '' };
}

/**
 * Make `pkt` what newPacket(frame, time) gives, keeping its objects: no layers (its array emptied in
 * place), no problems, no raw bytes. For the registry's Decoder, which fills one packet per frame.
 */
export function resetPacket(pkt: Packet, frame: Frame, time: number): void {
  const p = pkt as { frame: Frame; time: number };
  p.frame = frame;
  p.time = time;
  // pop() rather than `length = 0`: V8 drops the backing store on a zero length, and the next
  // push() would allocate a new one (17 slots) for every packet.
  const ls = pkt.layers;
  while (ls.length > 0) ls.pop();
  pkt.problems = NO_PROBLEMS;
  pkt.rawOff = 0;
  pkt.rawEnd = 0;
  pkt.rawOf = '';
}

/**
 * Views 0..max bytes long over one shared array: a reused layer's variable-length field, filled by
 * fillView, so a decoder does not make a view of the frame (a Buffer subarray: an allocation and
 * about as many instructions as decoding the layer) for every packet. Valid until the next fill.
 */
export function slotViews(max: number): readonly Uint8Array[] {
  const backing = new Uint8Array(max);
  return Array.from({ length: max + 1 }, (_, n) => backing.subarray(0, n));
}

/** Copy b[off, off + n) into the views' shared array (n ≤ their max) and return the n-byte view. */
export function fillView(views: readonly Uint8Array[], b: Uint8Array, off: number, n: number): Uint8Array {
  const v = views[n]!;
  for (let i = 0; i < n; i++) v[i] = b[off + i]!;
  return v;
}

/** Attach a problem to a packet (allocates the list on first use). */
export function addProblem(pkt: Packet, p: Problem): void {
  if (pkt.problems === NO_PROBLEMS) pkt.problems = [p];
  else pkt.problems.push(p);
}

/**
 * Report that a layer needs `need` bytes from `offset` but only `have` are present; the kind is
 * `truncated` when the capture cut the frame, else `malformed` (the frame really is that short).
 */
export function shortLayer(pkt: Packet, layer: string, absOff: number, need: number, have: number, id = `${layer}.short`): void {
  const f = pkt.frame;
  const offset = absOff - f.off;
  const cut = f.caplen < f.origLen && offset + need > f.caplen;
  addProblem(pkt, {
    id: cut ? `${layer}.truncated` : id,
    kind: cut ? 'truncated' : 'malformed',
    severity: cut ? 'warning' : 'error',
    layer,
    offset,
    message: cut
      ? `${layer}: cut by capture, ${need} bytes needed at offset ${offset}, ${have} captured`
      : `${layer}: ${need} bytes needed at offset ${offset}, frame has ${have}`,
    need,
    have,
  });
}

/** Attach a problem at absolute offset `absOff` in frame.buf (stored frame-relative). */
export function problem(pkt: Packet, layer: string, id: string, kind: ProblemKind, severity: Severity, absOff: number, message: string): void {
  addProblem(pkt, { id, kind, severity, layer, offset: absOff - pkt.frame.off, message });
}

/** Find a layer by name in a packet, typed through LayerMap. */
export function getLayer<K extends keyof LayerMap & string>(pkt: Packet, name: K): LayerMap[K] | undefined {
  const ls = pkt.layers;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (l.layer === name) return l as unknown as LayerMap[K];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Field descriptions: one table per protocol serves display (-V), JSON, conformance and fuzzing.

/** How a field's value is shown and compared. */
export type FieldKind = 'uint' | 'mac' | 'ipv4' | 'ipv6' | 'bytes' | 'flags' | 'string' | 'bool' | 'list' | 'number';

/** A named bit within a flags field. */
export interface FlagDesc {
  readonly mask: number;
  /** camelCase name used in JSON and findings (e.g. 'synchronization'). */
  readonly name: string;
  readonly title: string;
}

/** One field of a protocol: name in camelCase, how to show it, and tshark's name for it. */
export interface FieldDesc {
  readonly name: string;
  readonly title: string;
  readonly kind: FieldKind;
  /** Name table for numbers (unknown numbers survive and show as numbers). */
  readonly names?: Readonly<Record<number, string>>;
  readonly flags?: readonly FlagDesc[];
  readonly hex?: boolean;
  /** tshark field name(s) with the same meaning, for the differential conformance test. */
  readonly tshark?: string;
  /** Hidden from the one-line summary and -V tree (still in JSON). */
  readonly hidden?: boolean;
}

/**
 * A protocol dissector: decode from a frame view, encode from field values, describe fields.
 * `decode` never throws on packet content: a short or contradictory layer becomes a Problem on
 * the packet and decode returns what it could (or null when nothing of the layer is usable).
 */
export interface Dissector<L extends LayerMeta = LayerMeta, F = Omit<L, keyof LayerMeta>> {
  /** Short name, used in filters, `--decode-as` and Problem ids (e.g. 'arp'). */
  readonly name: string;
  readonly title: string;
  readonly fields: readonly FieldDesc[];
  /** Heuristic: may this dissector decode these bytes? Used when a table key has several. */
  accepts?(buf: Uint8Array, off: number, end: number): boolean;
  decode(buf: Uint8Array, off: number, end: number, pkt: Packet): L | null;
  /** Encode this layer's header (and payload after it where the protocol carries one). */
  encode(fields: F, payload?: Uint8Array): Uint8Array;
  /** One-line summary for `dissect` (e.g. "Who has 10.0.0.1? Tell 10.0.0.2"). */
  summary(layer: L): string;
  /** Where this layer names its child: the table and the field holding the key (e.g. ethertype in `type`). */
  readonly child?: { readonly table: TableName; readonly field: string };
}

/** Fill the LayerMeta part of a layer object (keeps every layer's hidden class alike). */
export function meta(layer: string, off: number, len: number, payloadEnd: number): LayerMeta {
  return { layer, off, len, payloadOff: off + len, payloadEnd, nextTable: null, nextKey: -1, nextKey2: -1 };
}

// ---------------------------------------------------------------------------------------------
// Byte helpers: bounds are checked once per layer by the caller, then fields are read directly.

/** The DataView viewOf gave last, and the array it views. */
const lastView: { buf: Uint8Array; view: DataView } = { buf: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)) };

/**
 * A DataView over all of `b`, kept for the array asked about last: frames of one reader chunk share
 * its array, so hot decoders read 16/32-bit fields in one bounds-checked load each (u16/u32 make two
 * and four) for the price of one DataView per chunk.
 */
export function viewOf(b: Uint8Array): DataView {
  if (b !== lastView.buf) {
    lastView.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    lastView.buf = b;
  }
  return lastView.view;
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}
export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + ((b[o + 3]! << 24) >>> 0);
}
/** A 48-bit MAC as a number (exact in a double): cheap to compare and to use as a Map key. */
export function mac48(b: Uint8Array, o: number): number {
  return u16(b, o) * 0x100000000 + u32(b, o + 2);
}
export function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}
export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
export function putU16le(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}
export function putU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}
export function putMac48(b: Uint8Array, o: number, mac: number): void {
  putU16(b, o, Math.floor(mac / 0x100000000));
  putU32(b, o + 2, mac % 0x100000000);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 48-bit MAC number → 'aa:bb:cc:dd:ee:ff'. */
export function macText(mac: number): string {
  const hi = Math.floor(mac / 0x100000000);
  const lo = mac % 0x100000000;
  return `${HEX[hi >>> 8]}:${HEX[hi & 0xff]}:${HEX[lo >>> 24]}:${HEX[(lo >>> 16) & 0xff]}:${HEX[(lo >>> 8) & 0xff]}:${HEX[lo & 0xff]}`;
}

/** 'aa:bb:cc:dd:ee:ff' (or '-' separated) → 48-bit number; NaN if not a MAC. */
export function parseMac(text: string): number {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text);
  if (!m) return NaN;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}

/** IPv4 as an unsigned 32-bit number → dotted quad. */
export function ipv4Text(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Dotted quad → unsigned 32-bit number; NaN if not an IPv4 address. */
export function parseIpv4(text: string): number {
  const p = text.split('.');
  if (p.length !== 4) return NaN;
  let v = 0;
  for (const s of p) {
    if (!/^\d{1,3}$/.test(s)) return NaN;
    const n = Number(s);
    if (n > 255) return NaN;
    v = v * 256 + n;
  }
  return v;
}

/** 16 bytes at `o` → RFC 5952 text (lower case, longest zero run compressed). */
export function ipv6Text(b: Uint8Array, o: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(u16(b, o + 2 * i));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number[]) => x.map((v) => v.toString(16)).join(':');
  if (bestStart < 0) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** IPv6 text → 16 bytes; null when not an IPv6 address. */
export function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const words: number[] = [];
  const pushWords = (xs: string[]) => {
    for (const x of xs) {
      if (!/^[0-9a-f]{1,4}$/i.test(x)) return false;
      words.push(parseInt(x, 16));
    }
    return true;
  };
  if (!pushWords(head)) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  for (let i = 0; i < fill; i++) words.push(0);
  if (!pushWords(tail)) return null;
  const out = new Uint8Array(16);
  words.forEach((v, i) => putU16(out, 2 * i, v));
  return out;
}

/** Bytes → lower-case hex without separators. */
export function hexText(b: Uint8Array, off = 0, end = b.length): string {
  let s = '';
  for (let i = off; i < end; i++) s += HEX[b[i]!];
  return s;
}

/** Names of the flags set in `value`, in table order. */
export function flagNames(value: number, flags: readonly FlagDesc[]): string[] {
  const out: string[] = [];
  for (const f of flags) if (value & f.mask) out.push(f.name);
  return out;
}

/** A number with its name from a table: 'Request (1)'; unknown numbers as 'Unknown (N)'. */
export function named(value: number, names: Readonly<Record<number, string>>, hex = false): string {
  const n = names[value];
  const v = hex ? `0x${value.toString(16).padStart(4, '0')}` : String(value);
  return n === undefined ? `Unknown (${v})` : `${n} (${v})`;
}
