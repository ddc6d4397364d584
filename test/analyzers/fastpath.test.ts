// The pipeline's fast path must summarise exactly what dissection + PacketSummary.fill give, and
// step aside for every frame on which a dissector would report a problem or that an analyzer needs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registry } from '../../dissectors/index.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { tcp } from '../../dissectors/tcp.js';
import { udp } from '../../dissectors/udp.js';
import { vlan } from '../../dissectors/vlan.js';
import { FastPath } from '../../src/analyzers/fastpath.js';
import { PacketSummary } from '../../src/analyzers/summary.js';
import { frameOf } from '../helpers/frames.js';

const FIELDS = ['time', 'length', 'ethSrc', 'ethDst', 'etherType', 'vlan', 'packetType', 'ipVersion', 'ipSrc', 'ipDst', 'ttl', 'proto', 'fragment', 'sport', 'dport', 'lacp', 'marker', 'arp'] as const;

function frameBytes(o: { v6: boolean; udp: boolean; vid: number; sport: number; dport: number; flags: number; frag: number; pad: number; proto?: number }): Uint8Array {
  const l4 = o.proto !== undefined ? new Uint8Array(12) : o.udp ? udp.encode({ srcPort: o.sport, dstPort: o.dport }, new Uint8Array(5)) : tcp.encode({ srcPort: o.sport, dstPort: o.dport, flags: 0x18 }, new Uint8Array(7));
  const proto = o.proto ?? (o.udp ? 17 : 6);
  const l3 = o.v6
    ? ipv6.encode({ nextHeader: proto, hopLimit: 63, src: Uint8Array.from({ length: 16 }, (_, i) => i * 7), dst: Uint8Array.from({ length: 16 }, (_, i) => 255 - i) } as never, l4)
    : ipv4.encode({ protocol: proto, src: 0x0a000001, dst: 0xc0a80102, ttl: 64, flags: o.flags, fragOffset: o.frag }, l4);
  const type = o.v6 ? 0x86dd : 0x0800;
  const body = o.vid >= 0 ? vlan.encode({ pcp: 0, dei: 0, vid: o.vid, type }, l3) : l3;
  const eth = ethernet.encode({ dst: 0x0200000000aa, src: 0x0200000000bb, type: o.vid >= 0 ? 0x8100 : type }, body);
  const out = new Uint8Array(eth.length + o.pad);
  out.set(eth);
  return out;
}

function compare(bytes: Uint8Array): 'fast' | 'full' {
  const fp = new FastPath(registry);
  const a = new PacketSummary();
  const f = frameOf(bytes, { sec: 1_700_000_000, nsec: 123_456_000 });
  const pkt = fp.take(f, a);
  if (!pkt) return 'full';
  const full = registry.dissect(f);
  expect(pkt.problems).toEqual(full.problems);
  expect(full.problems.every((p) => p.id === 'ipv4.bad-checksum')).toBe(true);
  const b = new PacketSummary().fill(full);
  for (const k of FIELDS) expect([k, a[k]]).toEqual([k, b[k]]);
  if (a.ipVersion === 6) for (let i = 0; i < 16; i++) expect(a.ip6Buf![a.ip6SrcOff + i]).toBe(b.ip6Buf![b.ip6SrcOff + i]);
  return 'fast';
}

describe('fast path', () => {
  it('takes plain TCP/UDP over IPv4/IPv6, tagged or not, with the same summary as dissection', () => {
    for (const v6 of [false, true])
      for (const u of [false, true])
        for (const vid of [-1, 0, 42]) expect(compare(frameBytes({ v6, udp: u, vid, sport: 443, dport: 50123, flags: 2, frag: 0, pad: 6 }))).toBe('fast');
    expect(compare(frameBytes({ v6: false, udp: false, vid: -1, sport: 1, dport: 2, flags: 0, frag: 100, pad: 0 }))).toBe('fast');
  });

  it('takes frames with a bad IPv4 header checksum (offload) and notes it as the dissector does', () => {
    const b = frameBytes({ v6: false, udp: false, vid: -1, sport: 80, dport: 1234, flags: 2, frag: 0, pad: 0 });
    b[14 + 10]! ^= 0xff;
    expect(compare(b)).toBe('fast');
  });

  it('leaves heartbeat, HSRP, VRRP and knet traffic to the dissectors', () => {
    for (const port of [3343, 1985, 2029, 5405, 5412]) expect(compare(frameBytes({ v6: false, udp: true, vid: -1, sport: 40000, dport: port, flags: 0, frag: 0, pad: 0 }))).toBe('full');
    expect(compare(frameBytes({ v6: false, udp: false, vid: -1, sport: 1, dport: 2, flags: 0, frag: 0, pad: 0, proto: 112 }))).toBe('full');
  });

  it('never takes a frame a dissector would report (fuzzed bytes)', () => {
    const base = [frameBytes({ v6: false, udp: false, vid: -1, sport: 80, dport: 1234, flags: 2, frag: 0, pad: 0 }), frameBytes({ v6: true, udp: true, vid: 7, sport: 53, dport: 5353, flags: 0, frag: 0, pad: 4 })];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.tuple(fc.nat(80), fc.nat(255)), { maxLength: 4 }), fc.nat(90), (which, edits, cut) => {
        const b = base[which]!.slice(0, Math.max(0, base[which]!.length - (cut % 30)));
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        compare(b);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Every summary field and the packet's problems and raw offsets, for comparing two fast-path runs. */
function snapshot(fp: FastPath, f: ReturnType<typeof frameOf>): unknown {
  const s = new PacketSummary();
  const pkt = fp.take(f, s);
  if (!pkt) return null;
  const ip6 = s.ipVersion === 6 ? [...s.ip6Buf!.subarray(s.ip6SrcOff, s.ip6SrcOff + 16), ...s.ip6Buf!.subarray(s.ip6DstOff, s.ip6DstOff + 16)] : [];
  return { fields: FIELDS.map((k) => s[k]), ip6, problems: pkt.problems, rawOff: pkt.rawOff, rawEnd: pkt.rawEnd, time: pkt.time };
}

describe('fast path pre-scan', () => {
  const plain = [
    frameBytes({ v6: false, udp: false, vid: -1, sport: 443, dport: 50123, flags: 2, frag: 0, pad: 0 }),
    frameBytes({ v6: true, udp: true, vid: 42, sport: 53, dport: 5353, flags: 0, frag: 0, pad: 4 }),
    frameBytes({ v6: false, udp: true, vid: 0, sport: 40000, dport: 3343, flags: 0, frag: 0, pad: 0 }),
    frameBytes({ v6: false, udp: false, vid: -1, sport: 1, dport: 2, flags: 0, frag: 100, pad: 0 }),
  ];

  it('gives, for frames pre-scanned in a batch, exactly what taking them alone gives (fuzzed bytes, two inputs)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(plain.length - 1), fc.array(fc.tuple(fc.nat(80), fc.nat(255)), { maxLength: 3 }), fc.nat(40), fc.nat(1)), { minLength: 1, maxLength: 40 }),
        (specs) => {
          const frames = specs.map(([which, edits, cut, input], i) => {
            const b = plain[which]!.slice(0, Math.max(0, plain[which]!.length - (cut % 25)));
            for (const [at, v] of edits) if (at < b.length) b[at] = v;
            const f = frameOf(b, { sec: 1_700_000_000 + i, nsec: 5_000, index: i + 1 });
            return { ...f, iface: { ...f.iface, input } };
          });
          const pre = new FastPath(registry);
          pre.prescan(frames);
          const alone = new FastPath(registry);
          for (const f of frames) expect(snapshot(pre, f)).toEqual(snapshot(alone, f));
          expect(pre.fast).toBe(alone.fast);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('decodes a frame itself when its record was overwritten or never written', () => {
    const fp = new FastPath(registry, 16);
    const frames = Array.from({ length: 20000 }, (_, i) => frameOf(plain[i % 2]!, { index: i + 1 }));
    fp.prescan(frames);
    // Frame 1's record was overwritten long ago; a frame never pre-scanned has none.
    const alone = new FastPath(registry);
    expect(snapshot(fp, frames[0]!)).toEqual(snapshot(alone, frames[0]!));
    expect(snapshot(fp, frames[19999]!)).toEqual(snapshot(alone, frames[19999]!));
    const late = frameOf(plain[3]!, { index: 20001 });
    expect(snapshot(fp, late)).toEqual(snapshot(alone, late));
    // A frame of another input whose record lands on a pre-scanned frame's (same index, input 8192
    // with this 8192-record ring) is not given that frame's record.
    const other = frameOf(plain[2]!, { index: 19999 });
    expect(snapshot(fp, { ...other, iface: { ...other.iface, input: 8192 } })).toEqual(snapshot(alone, other));
  });

  it('takes a pre-scanned frame from its record, not by decoding it again', () => {
    const fp = new FastPath(registry);
    const bytes = plain[0]!.slice();
    const f = frameOf(bytes, { index: 7 });
    fp.prescan([f]);
    // The bytes change after the pre-scan (they cannot while a reader pins them; here they do, to tell the two apart).
    f.buf[f.off + 14 + 20]! ^= 0xff;
    expect(new FastPath(registry).take(f, new PacketSummary())).not.toBeNull();
    const s = new PacketSummary();
    fp.take(f, s);
    expect(s.sport).toBe(443);
  });
});

describe('pipeline with and without the fast path', () => {
  it('gives the same result', async () => {
    const { Pipeline } = await import('../../src/analyzers/pipeline.js');
    const { FrameBuilder, makeFlows, memberIfaces } = await import('./team-kit.js');
    const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
    const fl = makeFlows(40, 10);
    for (let i = 0; i < 400; i++) b.data(fl[i % 40]!, 1_700_000_000 + i * 0.05, (i * 7) % 2, i % 3 ? 'tx' : 'rx');
    b.lacpdu(1_700_000_000, 0, 0x3d);
    const run = (fastPath: boolean) => {
      const p = new Pipeline({}, { fastPath });
      for (const f of b.sorted()) p.feed(f);
      return { r: p.finish(), stats: p.decodeStats };
    };
    const a = run(true);
    const c = run(false);
    expect(a.stats.fast).toBe(400);
    expect(c.stats.fast).toBe(0);
    expect(JSON.parse(JSON.stringify(a.r))).toEqual(JSON.parse(JSON.stringify(c.r)));
  });
});
