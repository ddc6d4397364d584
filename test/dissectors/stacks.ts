// Random Ethernet stacks for the registry's differential test (reuse.test.ts): valid
// layers with random fields (0–2 VLAN tags mostly, deeper sometimes; IPv4/IPv6 with options and
// extension headers; TCP/UDP on heartbeat ports and others), then cut and damaged; and a packet as
// comparable data.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Packet } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { mscs } from '../../dissectors/mscs.js';
import { tcp } from '../../dissectors/tcp.js';
import { udp } from '../../dissectors/udp.js';
import { vlan } from '../../dissectors/vlan.js';
import type { Frame } from '../../src/capture/frame.js';
import { readCaptures } from '../../src/capture/merge.js';
import { frameOf } from '../helpers/frames.js';

/**
 * A packet as comparable data: every own key in order (a changed field order would change hidden
 * classes), byte arrays as their bytes. Not where they live: a Decoder copies IPv6 addresses and TCP
 * options into arrays of its own where dissect() makes views of the frame (reuse.test.ts checks that
 * contract on its own).
 */
export function shape(p: Packet): unknown {
  const val = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { bytes: Array.from(v) };
    if (Array.isArray(v)) return v.map(val);
    if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, val(x)]);
    return v;
  };
  return {
    keys: Object.keys(p),
    time: p.time,
    layers: p.layers.map(val),
    problems: p.problems.map(val),
    problemsFrozen: Object.isFrozen(p.problems),
    layersFrozen: Object.isFrozen(p.layers),
    rawOff: p.rawOff,
    rawEnd: p.rawEnd,
    rawOf: p.rawOf,
  };
}

// ---- random stacks: valid layers with random fields, then cut and damaged

const portArb = fc.oneof(fc.constantFrom(3343, 5405, 5406, 1985, 2029, 80, 443, 0, 65535), fc.integer({ min: 0, max: 0xffff }));
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
/** Mostly undefined (the encoder's right value), sometimes a random one: stacks stay decodable often enough to reach the upper layers. */
const maybe = <T,>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: a, weight: 1 });
/** A real MSCS heartbeat (mscs accepts only its 0x55555555 identifier). */
export const MSCS = mscs.encode({ type: 0, sequence: 7 });
const udpPayloadArb = fc.oneof(bytesArb(48), fc.constant(MSCS), fc.integer({ min: 0, max: MSCS.length }).map((n) => MSCS.subarray(0, n)));

const l4Arb = fc.oneof(
  { arbitrary: fc.record({
    kind: fc.constant('tcp' as const),
    sport: portArb,
    dport: portArb,
    seq: fc.integer({ min: 0, max: 0xffffffff }),
    ack: fc.integer({ min: 0, max: 0xffffffff }),
    flags: fc.integer({ min: 0, max: 0xfff }),
    dataOffset: maybe(fc.integer({ min: 0, max: 15 })),
    options: bytesArb(40),
    payload: bytesArb(48),
  }), weight: 2 },
  { arbitrary: fc.record({
    kind: fc.constant('udp' as const),
    sport: portArb,
    dport: portArb,
    length: maybe(fc.integer({ min: 0, max: 0xffff })),
    payload: udpPayloadArb,
  }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('raw' as const), proto: fc.oneof(fc.constantFrom(0, 1, 112, 58), fc.integer({ min: 0, max: 255 })), payload: bytesArb(48) }), weight: 1 },
);

const extArb = fc.record({
  type: fc.constantFrom(0, 43, 44, 51, 60, 135, 139, 140),
  len: fc.integer({ min: 0, max: 3 }),
  fragOffset: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 0x1fff }), weight: 1 }),
  more: fc.integer({ min: 0, max: 1 }),
  fill: fc.integer({ min: 0, max: 255 }),
});
type Ext = typeof extArb extends fc.Arbitrary<infer T> ? T : never;

const l3Arb = fc.oneof(
  { arbitrary: fc.record({
    kind: fc.constant('ipv4' as const),
    version: maybe(fc.integer({ min: 0, max: 15 })),
    ihl: maybe(fc.integer({ min: 0, max: 15 })),
    totalLength: maybe(fc.integer({ min: 0, max: 0xffff })),
    id: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.integer({ min: 0, max: 7 }),
    fragOffset: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 0x1fff }), weight: 1 }),
    ttl: fc.integer({ min: 0, max: 255 }),
    src: fc.integer({ min: 0, max: 0xffffffff }),
    dst: fc.integer({ min: 0, max: 0xffffffff }),
    options: bytesArb(40),
    checksum: maybe(fc.integer({ min: 0, max: 0xffff })),
  }), weight: 3 },
  { arbitrary: fc.record({
    kind: fc.constant('ipv6' as const),
    version: maybe(fc.integer({ min: 0, max: 15 })),
    trafficClass: fc.integer({ min: 0, max: 255 }),
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
    payloadLength: maybe(fc.integer({ min: 0, max: 0xffff })),
    src: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    dst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    exts: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.array(extArb, { minLength: 1, maxLength: 4 }), weight: 1 }),
    endsWith59: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
  }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('other' as const), type: fc.oneof(fc.constantFrom(0x0806, 0x8035, 0x8809, 0x88cc, 0x0026, 0x05dc), fc.integer({ min: 0, max: 0xffff })) }), weight: 1 },
);

const tagArb = fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100), tci: fc.integer({ min: 0, max: 0xffff }) });

export const frameArb = fc.record({
  dst: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  src: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  // Mostly 0–2 tags (the fast path's), sometimes deeper stacks (the loop's).
  tags: fc.oneof(
    { arbitrary: fc.array(tagArb, { maxLength: 2 }), weight: 5 },
    { arbitrary: fc.array(tagArb, { maxLength: 12 }), weight: 1 },
  ),
  l3: l3Arb,
  l4: l4Arb,
  trailer: bytesArb(8),
  // How the frame is damaged: cut by the capture (caplen < origLen), cut for real, or bytes changed.
  cut: maybe(fc.nat()),
  // ...or cut where a layer's header ends (± 1): where "nothing follows" and "cut" meet.
  cutAtLayer: maybe(fc.record({ layer: fc.nat(), delta: fc.integer({ min: -1, max: 1 }) })),
  cutByCapture: fc.boolean(),
  damage: fc.oneof(
    { arbitrary: fc.constant([]), weight: 2 },
    { arbitrary: fc.array(fc.record({ pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }), weight: 1 },
  ),
  lead: fc.integer({ min: 0, max: 5 }),
});
export type FrameSpec = typeof frameArb extends fc.Arbitrary<infer T> ? T : never;

/** An undamaged, uncut Ethernet [tags] IPv4 frame carrying `l4` (addresses and ids from `ip`). */
export function plainSpec(l4: FrameSpec['l4'], tags: FrameSpec['tags'] = [], ip: { flags?: number; src?: number; dst?: number } = {}): FrameSpec {
  return {
    dst: 1,
    src: 2,
    tags,
    l3: { kind: 'ipv4', version: undefined, ihl: undefined, totalLength: undefined, id: 1, flags: ip.flags ?? 0, fragOffset: 0, ttl: 64, src: ip.src ?? 1, dst: ip.dst ?? 2, options: new Uint8Array(0), checksum: undefined },
    l4,
    trailer: new Uint8Array(0),
    cut: undefined,
    cutAtLayer: undefined,
    cutByCapture: false,
    damage: [],
    lead: 0,
  };
}

/** IPv6 extension headers as on the wire, the last one naming `upper`. */
function extBytes(exts: readonly Ext[], upper: number): Uint8Array {
  const parts: number[] = [];
  exts.forEach((e, i) => {
    const nh = i + 1 < exts.length ? exts[i + 1]!.type : upper;
    if (e.type === 44) {
      const fo = (e.fragOffset << 3) | e.more;
      parts.push(nh, 0, fo >>> 8, fo & 0xff, 1, 2, 3, e.fill);
    } else {
      const n = e.type === 51 ? (e.len + 2) * 4 : (e.len + 1) * 8;
      parts.push(nh, e.len, ...new Array<number>(n - 2).fill(e.fill));
    }
  });
  return Uint8Array.from(parts);
}

export function build(s: FrameSpec): Frame {
  let l4: Uint8Array;
  let proto: number;
  let l4Payload = 0;
  if (s.l4.kind === 'tcp') {
    const t = s.l4;
    l4 = tcp.encode({ srcPort: t.sport, dstPort: t.dport, seq: t.seq, ack: t.ack, flags: t.flags, options: t.options, ...(t.dataOffset !== undefined ? { dataOffset: t.dataOffset } : {}) }, t.payload);
    proto = 6;
    l4Payload = t.payload.length;
  } else if (s.l4.kind === 'udp') {
    const u = s.l4;
    l4 = udp.encode({ srcPort: u.sport, dstPort: u.dport, ...(u.length !== undefined ? { length: u.length } : {}) }, u.payload);
    proto = 17;
    l4Payload = u.payload.length;
  } else {
    l4 = s.l4.payload;
    proto = s.l4.proto;
  }
  let l3: Uint8Array;
  let type: number;
  const a = s.l3;
  if (a.kind === 'ipv4') {
    l3 = ipv4.encode(
      {
        protocol: proto,
        id: a.id,
        flags: a.flags,
        fragOffset: a.fragOffset,
        ttl: a.ttl,
        src: a.src,
        dst: a.dst,
        options: a.options,
        ...(a.version !== undefined ? { version: a.version } : {}),
        ...(a.ihl !== undefined ? { ihl: a.ihl } : {}),
        ...(a.totalLength !== undefined ? { totalLength: a.totalLength } : {}),
        ...(a.checksum !== undefined ? { checksum: a.checksum } : {}),
      },
      l4,
    );
    type = 0x0800;
  } else if (a.kind === 'ipv6') {
    const upper = a.endsWith59 ? 59 : proto;
    const ext = extBytes(a.exts, upper);
    l3 = ipv6.encode(
      {
        nextHeader: a.exts.length > 0 ? a.exts[0]!.type : upper,
        trafficClass: a.trafficClass,
        flowLabel: a.flowLabel,
        src: a.src,
        dst: a.dst,
        ext,
        ...(a.version !== undefined ? { version: a.version } : {}),
        ...(a.payloadLength !== undefined ? { payloadLength: a.payloadLength } : {}),
      },
      l4,
    );
    type = 0x86dd;
  } else {
    l3 = l4;
    type = a.type;
  }
  let body = l3;
  for (let i = s.tags.length - 1; i >= 0; i--) {
    const t = s.tags[i]!;
    body = vlan.encode({ pcp: t.tci >>> 13, dei: (t.tci >>> 12) & 1, vid: t.tci & 0xfff, type }, body);
    type = t.tpid;
  }
  const eth = ethernet.encode({ dst: s.dst, src: s.src, type }, body);
  const bytes = new Uint8Array(eth.length + s.trailer.length);
  bytes.set(eth);
  bytes.set(s.trailer, eth.length);
  for (const d of s.damage) bytes[d.pos % bytes.length] = d.value;
  // Where each layer's header ends in `bytes`: Ethernet, each tag, the IP header, the transport header.
  const ends = [14, ...s.tags.map((_, i) => 18 + 4 * i)];
  const l3Start = 14 + 4 * s.tags.length;
  ends.push(l3Start + l3.length - l4.length, l3Start + l3.length - l4Payload);
  let len = bytes.length;
  if (s.cut !== undefined) len = s.cut % (bytes.length + 1);
  else if (s.cutAtLayer !== undefined) len = Math.max(0, Math.min(bytes.length, ends[s.cutAtLayer.layer % ends.length]! + s.cutAtLayer.delta));
  if (s.cutByCapture) return frameOf(bytes, { caplen: len, origLen: bytes.length, lead: s.lead, tail: 3, sec: 1_700_000_000, nsec: 987_654_321 });
  return frameOf(bytes.subarray(0, len), { lead: s.lead, tail: 3, sec: 1_700_000_000, nsec: 987_654_321 });
}

/** Every frame of a capture file, read whole (test inputs are small). */
export async function framesOf(path: string): Promise<Frame[]> {
  const set = await readCaptures([path]);
  const out: Frame[] = [];
  for await (const b of set.batches()) out.push(...b);
  return out;
}

/** The files in `dir` whose names match `ext`. */
export function capturesIn(dir: string, ext: RegExp): string[] {
  return readdirSync(dir)
    .filter((n) => ext.test(n))
    .map((n) => join(dir, n));
}
