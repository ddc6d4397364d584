// The shared dissector harness (STYLE principle 7, SPEC "Tests"): one round-trip, one cut-everywhere
// and one fuzz check, run on every dissector. Tests call these inside `it(...)`.
import { expect } from 'vitest';
import fc from 'fast-check';
import type { Dissector, LayerMeta, Packet, Problem } from '../../dissectors/core.js';
import { hexText, newPacket } from '../../dissectors/core.js';
import { registry as defaultRegistry } from '../../dissectors/index.js';
import type { Registry } from '../../dissectors/registry.js';
import { frameOf } from '../helpers/frames.js';

/** Deep copy with typed arrays turned into plain arrays, so views and copies compare equal. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

/** The protocol fields of a decoded layer (its LayerMeta keys removed), to feed back to an encoder. */
export function fieldsOf<L extends LayerMeta>(l: L): Omit<L, keyof LayerMeta> {
  const { layer: _layer, off: _off, len: _len, payloadOff: _po, payloadEnd: _pe, nextTable: _nt, nextKey: _nk, nextKey2: _nk2, ...rest } = l;
  return rest;
}

/** Decode `bytes` with one dissector, placed at a non-zero offset inside a larger buffer. */
export function decodeWith<L extends LayerMeta>(
  d: Dissector<L, any>,
  bytes: Uint8Array,
  opts: { caplen?: number; origLen?: number; linkType?: number; lead?: number; tail?: number; fill?: number } = {},
): { layer: L | null; pkt: Packet } {
  const frame = frameOf(bytes, { lead: 5, tail: 7, ...opts });
  const pkt = newPacket(frame, 0);
  const layer = d.decode(frame.buf, frame.off, frame.off + frame.caplen, pkt);
  return { layer, pkt };
}

/**
 * encode→decode gives back every key of `fields` (undefined keys skipped), and decode→encode of the
 * decoded layer gives the same bytes. `payload` is passed to encode, and on the way back the decoded
 * layer's payload bytes are passed. Returns the decoded layer, its packet and the encoded bytes.
 */
export function roundTrip<L extends LayerMeta, F>(
  d: Dissector<L, F>,
  fields: F,
  payload?: Uint8Array,
): { layer: L; pkt: Packet; bytes: Uint8Array } {
  const bytes = d.encode(fields, payload);
  const { layer, pkt } = decodeWith(d, bytes);
  expect(layer, `${d.name}: decode(encode(fields)) returned null; problems ${JSON.stringify(pkt.problems)}`).not.toBeNull();
  const l = layer!;
  const rec = l as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields as object)) {
    if (v === undefined) continue;
    expect(plain(rec[k]), `${d.name}.${k}`).toEqual(plain(v));
  }
  const back = payload === undefined ? undefined : pkt.frame.buf.slice(l.payloadOff, l.payloadEnd);
  const again = d.encode(l as unknown as F, back);
  expect(hexText(again), `${d.name}: encode(decode(bytes)) differs`).toBe(hexText(bytes));
  // Display must work on whatever was decoded.
  expect(typeof d.summary(l)).toBe('string');
  return { layer: l, pkt, bytes };
}

/** What a packet decoded to, in a comparable form (offsets frame-relative, views as arrays). */
export function packetShape(pkt: Packet): unknown {
  const base = pkt.frame.off;
  return {
    layers: pkt.layers.map((l) => plain({ ...l, off: l.off - base, payloadOff: l.payloadOff - base, payloadEnd: l.payloadEnd - base })),
    problems: pkt.problems.map((p) => ({ ...p })),
    raw: [pkt.rawOff - base, pkt.rawEnd - base, pkt.rawOf],
  };
}

/** Options of cutEverywhere. */
export interface CutOptions {
  registry?: Registry;
  /** Layers found through an `accepts` heuristic: a cut may make them simply absent (raw payload). */
  heuristic?: readonly string[];
}

/**
 * Dissect every prefix of `bytes` through the registry, once cut by the capture (caplen < origLen) and
 * once as a frame really that short (caplen == origLen). Never throws; nothing is read past caplen
 * (two different fills after the captured bytes decode identically); the layers before the cut decode
 * as in the whole frame; the first layer whose header does not fit in the prefix (a zero-length layer
 * needs one byte) reports a problem of kind `truncated` (cut) resp. `malformed` (short).
 */
export function cutEverywhere(bytes: Uint8Array, linkType = 1, opts: CutOptions = {}): void {
  const reg = opts.registry ?? defaultRegistry;
  const whole = reg.dissect(frameOf(bytes, { linkType }));
  const layers = whole.layers;
  const base = whole.frame.off;
  for (let n = 0; n <= bytes.length; n++) {
    for (const cut of [true, false]) {
      if (cut && n === bytes.length) continue;
      const origLen = cut ? bytes.length : n;
      const what = `${cut ? 'cut' : 'short'} at ${n} of ${bytes.length}`;
      let a: Packet;
      let b: Packet;
      try {
        a = reg.dissect(frameOf(bytes, { linkType, caplen: n, origLen, lead: 3, tail: 24, fill: 0x00 }));
        b = reg.dissect(frameOf(bytes, { linkType, caplen: n, origLen, lead: 3, tail: 24, fill: 0xff }));
      } catch (e) {
        throw new Error(`dissect threw when ${what}: ${(e as Error).stack ?? String(e)}`);
      }
      expect(packetShape(a), `${what}: decoding depends on bytes past caplen`).toEqual(packetShape(b));
      for (const p of a.problems) checkProblem(p, what);
      const i = layers.findIndex((l) => l.off - base + Math.max(l.len, 1) > n);
      if (i < 0) continue;
      const names = a.layers.map((l) => l.layer);
      expect(names.slice(0, i), `${what}: layers before the cut`).toEqual(layers.slice(0, i).map((l) => l.layer));
      const x = layers[i]!.layer;
      if (opts.heuristic?.includes(x) && !names.includes(x)) continue;
      const kind = cut ? 'truncated' : 'malformed';
      const hit = a.problems.some((p) => p.layer === x && p.kind === kind);
      expect(hit, `${what}: expected a ${kind} problem from '${x}', got ${JSON.stringify(a.problems.map((p) => p.id))}`).toBe(true);
    }
  }
}

function checkProblem(p: Problem, what: string): void {
  expect(p.id, `${what}: problem id`).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  expect(['truncated', 'malformed', 'unusual'], `${what}: problem kind`).toContain(p.kind);
  expect(['note', 'warning', 'error'], `${what}: severity`).toContain(p.severity);
  expect(Number.isInteger(p.offset) && p.offset >= 0, `${what}: problem offset ${p.offset}`).toBe(true);
}

/** Check the structural promises of one decoded layer inside [off, end). */
function checkLayer(l: LayerMeta, off: number, end: number, what: string): void {
  expect(l.off, `${what}: layer.off`).toBe(off);
  expect(l.len >= 0 && l.payloadOff >= off && l.payloadOff <= l.payloadEnd && l.payloadEnd <= end, `${what}: ${l.layer} bounds off=${l.off} len=${l.len} payload=[${l.payloadOff},${l.payloadEnd}) end=${end}`).toBe(true);
}

/** Options of fuzzDissector. */
export interface FuzzOptions {
  /** Real or encoded frames to mutate (random bytes are always tried too). */
  samples?: readonly Uint8Array[];
  /** Also run whole frames of this link type through the registry. */
  linkType?: number;
  registry?: Registry;
  numRuns?: number;
  maxLength?: number;
}

/** Bytes: random, or a sample with random bytes overwritten, cut or extended. */
export function mutatedBytes(samples: readonly Uint8Array[], maxLength = 256): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ maxLength });
  if (samples.length === 0) return random;
  const mutated = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.oneof(fc.constant(-1), fc.nat()),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([s, edits, cutAt, extra]) => {
      let b = Uint8Array.from(s);
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      if (cutAt >= 0) b = b.slice(0, cutAt % (b.length + 1));
      else if (extra.length > 0) {
        const c = new Uint8Array(b.length + extra.length);
        c.set(b);
        c.set(extra, b.length);
        b = c;
      }
      return b;
    });
  return fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: random, weight: 1 });
}

/**
 * Feed random and mutated bytes to `d.decode` (and, with `linkType`, whole frames to the registry,
 * cut or not): no exception escapes, layers stay within their bounds, problems are well-formed,
 * and `summary` works on whatever was decoded.
 */
export function fuzzDissector(d: Dissector<any, any>, opts: FuzzOptions = {}): void {
  const reg = opts.registry ?? defaultRegistry;
  fc.assert(
    fc.property(mutatedBytes(opts.samples ?? [], opts.maxLength), fc.boolean(), (bytes, cut) => {
      const origLen = cut ? bytes.length + 10 : bytes.length;
      const frame = frameOf(bytes, { origLen, lead: 2, tail: 4 });
      const pkt = newPacket(frame, 0);
      const end = frame.off + frame.caplen;
      const l = d.decode(frame.buf, frame.off, end, pkt);
      if (l) {
        checkLayer(l, frame.off, end, d.name);
        expect(typeof d.summary(l)).toBe('string');
      }
      for (const p of pkt.problems) checkProblem(p, d.name);
      if (opts.linkType !== undefined) {
        const whole = reg.dissect(frameOf(bytes, { origLen, linkType: opts.linkType, lead: 1, tail: 3 }));
        let off = whole.frame.off;
        let e = off + whole.frame.caplen;
        for (const x of whole.layers) {
          checkLayer(x, off, e, `registry ${x.layer}`);
          const dx = reg.get(x.layer);
          if (dx) expect(typeof dx.summary(x as never)).toBe('string');
          off = x.payloadOff;
          e = x.payloadEnd;
        }
        for (const p of whole.problems) checkProblem(p, 'registry');
      }
    }),
    { numRuns: opts.numRuns ?? 500 },
  );
}
