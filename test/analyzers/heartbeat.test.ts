import { beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatAnalyzer } from '../../src/analyzers/heartbeat.js';
import { classifyRoute, parseCidr, type SubnetKnowledge } from '../../src/analyzers/subnet.js';
import { addressBytes } from '../../src/analyzers/subnet.js';
import { Series } from '../../src/analyzers/stats.js';
import type { Packet } from '../../dissectors/core.js';
import type { TimelineEvent } from '../../src/analyzers/types.js';
import { arpPkt, knetPkt, mscsPkt, resetFrames, run } from './arp-hb-kit.js';

const T0 = 1_700_000_000;
const N1 = { mac: '00:15:5d:00:01:01', mac2: '00:15:5d:00:02:01' };
const N2 = { mac: '00:15:5d:00:01:02', mac2: '00:15:5d:00:02:02' };
beforeEach(resetFrames);

/**
 * Two nodes exchanging Windows cluster heartbeats on a route: each sends a Request every `delay`
 * seconds and the other answers 2 ms later; `silent(t, dir)` drops packets.
 */
function mscsRoute(o: {
  a: string;
  b: string;
  macA: string;
  macB: string;
  from: number;
  to: number;
  delay?: number;
  ttl?: number;
  silent?: (t: number, from: 'a' | 'b') => boolean;
  opaque?: boolean;
  ifname?: string;
}): Packet[] {
  const out: Packet[] = [];
  const d = o.delay ?? 1;
  let seq = 1;
  for (let t = o.from; t < o.to; t += d) {
    for (const [side, offset] of [
      ['a', 0],
      ['b', d / 2],
    ] as const) {
      const ts = t + offset;
      const s = side === 'a' ? { src: o.a, dst: o.b, srcMac: o.macA, dstMac: o.macB } : { src: o.b, dst: o.a, srcMac: o.macB, dstMac: o.macA };
      const r = { src: s.dst, dst: s.src, srcMac: s.dstMac, dstMac: s.srcMac };
      const q = seq++;
      if (!o.silent?.(ts, side)) out.push(mscsPkt({ t: ts, ...s, type: 0, seq: q, ttl: o.ttl, opaque: o.opaque, ifname: o.ifname }));
      if (!o.silent?.(ts + 0.002, side === 'a' ? 'b' : 'a')) out.push(mscsPkt({ t: ts + 0.002, ...r, type: 1, seq: q, ttl: o.ttl, opaque: o.opaque, ifname: o.ifname }));
    }
  }
  return out;
}

const byTime = (p: Packet[]) => p.sort((x, y) => x.time - y.time);

describe('Windows cluster heartbeats (UDP 3343)', () => {
  it('measures intervals, latency by sequence, and no gaps on a healthy route', () => {
    const a = run(new HeartbeatAnalyzer(), mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 60 }));
    const r = a.result();
    expect(r.pairs).toHaveLength(2);
    const p = r.pairs[0]!;
    expect(p.protocol).toBe('mscs');
    expect(p.decoded).toBe(true);
    expect(p.interval.median).toBeCloseTo(1, 6);
    expect(p.interval.max).toBeCloseTo(1, 6);
    expect(p.latency!.method).toBe('sequence');
    expect(p.latency!.median).toBeCloseTo(0.002, 6);
    expect(p.missed).toBe(0);
    expect(a.emitted()).toHaveLength(0);
  });

  it('a 7 s one-way silence: near miss under ws2016 same-subnet (10 s), breach under ws2012 (5 s), with the profiles it breaches', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 40, silent: (t, side) => side === 'b' && t > T0 + 10.4 && t < T0 + 17.4 });
    const ws2016 = run(new HeartbeatAnalyzer({ profile: 'ws2016', sameSubnetThreshold: 10, crossSubnetThreshold: 20 }), pkts);
    const e = ws2016.emitted();
    expect(e.map((x) => x.kind)).toEqual(['heartbeat.near-miss']);
    expect(e[0]).toMatchObject({ protocol: 'mscs', from: '10.0.1.2', to: '10.0.1.1', direction: 'one-way', subnet: 'same', tolerance: 10, missed: 6 });
    // b's last packet is its answer at 10.002; its next one its request at 17.5.
    expect(e[0]!.duration).toBeCloseTo(7.498, 6);
    expect(e[0]!.profiles).toEqual(['ws2008', 'ws2012', 'ws2012r2']);
    resetFrames();
    const ws2012 = run(new HeartbeatAnalyzer({ profile: 'ws2012', sameSubnetThreshold: 5, crossSubnetThreshold: 5 }), pkts);
    const b = ws2012.emitted();
    expect(b.map((x) => x.kind)).toEqual(['heartbeat.breach']);
    expect(b[0]!.start).toBeCloseTo(T0 + 10.002, 6);
    expect(b[0]!.end).toBeCloseTo(T0 + 17.5, 6);
    expect(b[0]!.allRoutesDown).toBe(true);
    expect(b[0]!.routesSeen).toBe(1);
    expect(ws2012.result().pairs.find((p) => p.from === '10.0.1.2')!.missed).toBe(6);
  });

  it('both directions silent together give one event; another route that survives is named', () => {
    const cut = (t: number) => t > T0 + 10.4 && t < T0 + 16.4;
    const pkts = byTime([
      ...mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 30, silent: cut, ifname: 'eth0' }),
      ...mscsRoute({ a: '10.0.2.1', b: '10.0.2.2', macA: N1.mac2, macB: N2.mac2, from: T0 + 0.1, to: T0 + 30, ifname: 'eth1' }),
    ]);
    const a = run(new HeartbeatAnalyzer({ sameSubnetThreshold: 5 }), pkts);
    const e = a.emitted();
    expect(e.map((x) => x.kind)).toEqual(['heartbeat.breach']);
    expect(e[0]).toMatchObject({ direction: 'both', allRoutesDown: false, routesSeen: 2 });
    expect(e[0]!.route).toContain('10.0.1.1 ⇄ 10.0.1.2');
    expect(e[0]!.survivingRoutes).toEqual(['10.0.2.1 ⇄ 10.0.2.2 (eth1)']);
    expect(a.result().nodePairs[0]!.grouping).toMatch(/two nodes/);
  });

  it('all routes of a pair down at once: the node would be removed (pair-down event)', () => {
    const cut = (t: number) => t > T0 + 10.4 && t < T0 + 18.4;
    const pkts = byTime([
      ...mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 30, silent: cut }),
      ...mscsRoute({ a: '10.0.2.1', b: '10.0.2.2', macA: N1.mac2, macB: N2.mac2, from: T0 + 0.1, to: T0 + 30, silent: cut }),
    ]);
    const a = run(new HeartbeatAnalyzer({ sameSubnetThreshold: 5, nodes: { '10.0.1.1': 'n1', '10.0.2.1': 'n1', '10.0.1.2': 'n2', '10.0.2.2': 'n2' } }), pkts);
    const e = a.emitted();
    const breaches = e.filter((x) => x.kind === 'heartbeat.breach');
    expect(breaches).toHaveLength(2);
    expect(breaches[1]!.allRoutesDown).toBe(true);
    expect(breaches[1]!.severity).toBe('error');
    expect(breaches.map((b) => [b.fromNode, b.toNode])).toEqual([
      ['n1', 'n2'],
      ['n1', 'n2'],
    ]);
    const pd = e.filter((x) => x.kind === 'heartbeat.pair-down');
    expect(pd).toHaveLength(1);
    expect(pd[0]).toMatchObject({ from: 'n1', to: 'n2' });
    expect(a.result().nodePairs[0]!.allRoutesDown).toHaveLength(1);
  });

  it('cross subnet: TTL below its initial value decides, and CrossSubnet thresholds apply', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.9.1.2', macA: N1.mac, macB: '00:00:0c:aa:bb:cc', from: T0, to: T0 + 40, ttl: 126, silent: (t) => t > T0 + 10.4 && t < T0 + 17.4 });
    const a = run(new HeartbeatAnalyzer({ sameSubnetThreshold: 5, crossSubnetThreshold: 10 }), pkts);
    const e = a.emitted();
    expect(e.map((x) => x.kind)).toEqual(['heartbeat.near-miss']);
    expect(e[0]).toMatchObject({ subnet: 'cross', subnetRule: 'ttl', tolerance: 10 });
    expect(a.result().pairs[0]!.subnetRule).toBe('ttl');
  });

  it('--subnet decides before the wire', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 5, ttl: 126 });
    const a = run(new HeartbeatAnalyzer({ subnets: ['10.0.1.0/24'] }), pkts);
    expect(a.result().pairs[0]).toMatchObject({ subnet: 'same', subnetRule: 'option' });
  });

  it('opaque UDP 3343 payloads are judged by timing and direction, and the report says so', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 40, opaque: true, silent: (t, s) => s === 'a' && t > T0 + 10.4 && t < T0 + 17.4 });
    const a = run(new HeartbeatAnalyzer({ sameSubnetThreshold: 5 }), pkts);
    const e = a.emitted();
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ kind: 'heartbeat.breach', from: '10.0.1.1', to: '10.0.1.2' });
    expect(e[0]!.duration).toBeCloseTo(7.502, 6);
    const p = a.result().pairs[0]!;
    expect(p.decoded).toBe(false);
    expect(p.latency!.method).toBe('timing');
    expect(a.notes().join()).toMatch(/timing and direction alone/);
  });

  it('ends with an ongoing silence when heartbeats stop before the capture does', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 30, silent: (t, s) => s === 'b' && t > T0 + 10.4 });
    const a = run(new HeartbeatAnalyzer({ sameSubnetThreshold: 5 }), pkts);
    const e = a.emitted();
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ kind: 'heartbeat.breach', ongoing: true, from: '10.0.1.2' });
  });
});

describe('live view', () => {
  it('a breach is emitted while the silence lasts (tick) and completed in place when it ends', () => {
    const pkts = mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 30, silent: (t) => t > T0 + 10.4 && t < T0 + 18.4 });
    const emitted: TimelineEvent[] = [];
    const updated: TimelineEvent[] = [];
    const a = new HeartbeatAnalyzer({ sameSubnetThreshold: 5 }, { emit: (e: TimelineEvent) => emitted.push(e), update: (e: TimelineEvent) => updated.push(e) } as never);
    let next = T0;
    let seenAt = -1;
    for (const p of pkts) {
      while (p.time >= next) {
        a.tick(next);
        if (seenAt < 0 && emitted.length) seenAt = next;
        next += 1;
      }
      a.onPacket(p);
    }
    a.finish(pkts[pkts.length - 1]!.time);
    expect(seenAt).toBe(T0 + 16);
    expect(emitted).toHaveLength(1);
    expect(updated).toEqual([emitted[0]]);
    expect(emitted[0]).toMatchObject({ kind: 'heartbeat.breach', direction: 'both', ongoing: false, missed: 8 });
    expect(emitted[0]!.end).toBeCloseTo(T0 + 18.502, 6);
  });
});

describe('corosync / knet heartbeats', () => {
  function knetLink(o: { from: number; to: number; silent?: (t: number) => boolean; encrypted?: boolean; link?: number; every?: number }): Packet[] {
    const out: Packet[] = [];
    let seq = 0;
    for (let t = o.from; t < o.to; t += o.every ?? 0.75) {
      seq++;
      const a = { src: '192.168.1.1', dst: '192.168.1.2', srcMac: N1.mac, dstMac: N2.mac, link: o.link };
      const b = { src: '192.168.1.2', dst: '192.168.1.1', srcMac: N2.mac, dstMac: N1.mac, link: o.link };
      if (!o.silent?.(t)) {
        out.push(knetPkt({ t, ...a, type: 0x81, node: 1, seq, encrypted: o.encrypted }));
        out.push(knetPkt({ t: t + 0.0005, ...b, type: 0x82, node: 2, seq, encrypted: o.encrypted }));
        out.push(knetPkt({ t: t + 0.3, ...b, type: 0x81, node: 2, seq, encrypted: o.encrypted }));
        out.push(knetPkt({ t: t + 0.3005, ...a, type: 0x82, node: 1, seq, encrypted: o.encrypted }));
      }
    }
    return out;
  }

  it('ping/pong latency, node ids, and a gap past knet_ping_timeout', () => {
    const a = run(new HeartbeatAnalyzer(), knetLink({ from: T0, to: T0 + 20, silent: (t) => t > T0 + 5 && t < T0 + 8 }));
    const r = a.result();
    const p = r.pairs.find((x) => x.from === '192.168.1.1')!;
    expect(p.fromNode).toBe('node 1');
    expect(p.toNode).toBe('node 2');
    expect(p.interval.median).toBeCloseTo(0.75, 6);
    expect(p.latency!.median).toBeCloseTo(0.0005, 6);
    const e = a.emitted();
    expect(e.map((x) => x.kind)).toEqual(['heartbeat.breach']);
    expect(e[0]).toMatchObject({ protocol: 'knet', direction: 'both', from: '192.168.1.1', to: '192.168.1.2', fromNode: 'node 1', toNode: 'node 2', tolerance: 1.5, tokenExceeded: true, link: 0 });
    expect(r.nodePairs[0]!.grouping).toBe('knet node ids');
  });

  it('pings at another pace than the default timers: timeout = 2 × observed interval, unless timers are given', () => {
    const pkts = knetLink({ from: T0, to: T0 + 20, every: 0.6, silent: (t) => t > T0 + 5 && t < T0 + 6 });
    const a = run(new HeartbeatAnalyzer(), pkts);
    const p = a.result().pairs[0]!;
    expect(p.tolerance).toBeCloseTo(1.2, 6);
    expect(p.toleranceRule).toMatch(/2 × that/);
    expect(a.emitted().map((e) => [e.kind, e.tolerance])).toEqual([['heartbeat.breach', 1.2]]);
    expect(a.emitted()[0]!.missed).toBe(2);
    resetFrames();
    const b = run(new HeartbeatAnalyzer({ token: 3000, knetTimersGiven: true }), pkts);
    expect(b.result().pairs[0]!.tolerance).toBe(1.5);
    expect(b.emitted()[0]!.tolerance).toBe(1.5);
  });

  it('encrypted knet by timing alone', () => {
    const a = run(new HeartbeatAnalyzer(), knetLink({ from: T0, to: T0 + 20, encrypted: true, silent: (t) => t > T0 + 5 && t < T0 + 6.5 }));
    const e = a.emitted();
    expect(e.map((x) => x.kind)).toEqual(['heartbeat.breach']);
    expect(e[0]!.duration).toBeCloseTo(6.7505 - 4.8, 6);
    expect(a.result().pairs[0]!.decoded).toBe(false);
    expect(a.notes().join()).toMatch(/encrypted/);
  });
});

describe('subnet inference rules', () => {
  const none: SubnetKnowledge = { arpOwner: () => undefined, arpAddressOf: () => undefined, destinationsBehind: () => 0 };
  const obs = (o: Partial<Parameters<typeof classifyRoute>[0]> = {}) => ({
    a: addressBytes('10.0.1.1')!,
    b: addressBytes('10.0.2.1')!,
    aText: '10.0.1.1',
    bText: '10.0.2.1',
    dstMacAB: 0x111,
    dstMacBA: 0x222,
    ttlAB: 128,
    ttlBA: 128,
    ...o,
  });
  it('option, site, link-local, arp, ttl, arp-gateway, router-mac, default', () => {
    expect(classifyRoute(obs(), [parseCidr('10.0.0.0/16')], [], none).rule).toBe('option');
    expect(classifyRoute(obs(), [parseCidr('10.0.1.0/24'), parseCidr('10.0.2.0/24')], [], none)).toMatchObject({ subnet: 'cross', rule: 'option' });
    expect(classifyRoute(obs(), [], [parseCidr('10.0.1.0/24'), parseCidr('10.0.2.0/24')], none)).toMatchObject({ subnet: 'site', rule: 'site-option' });
    expect(classifyRoute(obs({ a: addressBytes('fe80::1')!, b: addressBytes('fe80::2')! }), [], [], none).rule).toBe('link-local');
    expect(classifyRoute(obs(), [], [], { ...none, arpOwner: () => 0x111 })).toMatchObject({ subnet: 'same', rule: 'arp' });
    expect(classifyRoute(obs({ ttlBA: 127 }), [], [], none)).toMatchObject({ subnet: 'cross', rule: 'ttl' });
    expect(classifyRoute(obs(), [], [], { ...none, arpAddressOf: () => addressBytes('10.0.1.254')! })).toMatchObject({ subnet: 'cross', rule: 'arp-gateway' });
    // A multi-homed host: the MAC's other address is on another network than the sender: not a gateway.
    expect(classifyRoute(obs(), [], [], { ...none, arpAddressOf: () => addressBytes('10.7.7.7')! })).toMatchObject({ subnet: 'same', rule: 'default' });
    expect(classifyRoute(obs(), [], [], { ...none, destinationsBehind: () => 5 })).toMatchObject({ subnet: 'cross', rule: 'router-mac' });
    expect(classifyRoute(obs(), [], [], none)).toMatchObject({ subnet: 'same', rule: 'default' });
  });

  it('the analyzer uses ARP seen in the capture', () => {
    const pkts = byTime([
      arpPkt({ t: T0 - 1, opcode: 2, sha: N2.mac, spa: '10.0.1.2', tha: N1.mac, tpa: '10.0.1.1' }),
      ...mscsRoute({ a: '10.0.1.1', b: '10.0.1.2', macA: N1.mac, macB: N2.mac, from: T0, to: T0 + 3 }),
    ]);
    expect(run(new HeartbeatAnalyzer(), pkts).result().pairs[0]).toMatchObject({ subnet: 'same', subnetRule: 'arp' });
  });
});

describe('bounded interval statistics', () => {
  it('exact up to 512 samples, then a histogram within 1.2 %', () => {
    const s = new Series();
    for (let i = 0; i < 500; i++) s.add(1 + (i % 10) / 1000);
    expect(s.summary()).toMatchObject({ exact: true, median: 1.004, max: 1.009 });
    for (let i = 0; i < 100_000; i++) s.add(1 + (i % 10) / 1000);
    const m = s.summary();
    expect(m.exact).toBe(false);
    expect(Math.abs(m.median! - 1.0045) / 1.0045).toBeLessThan(0.012);
    expect(m.max).toBe(1.009);
    expect(m.count).toBe(100_500);
  });
});
