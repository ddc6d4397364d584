import { beforeEach, describe, expect, it } from 'vitest';
import { ArpAnalyzer } from '../../src/analyzers/arp.js';
import type { TimelineEvent } from '../../src/analyzers/types.js';
import { arpPkt, garpReply, garpRequest, packet, resetFrames, run, udpPkt, vrrpPkt, mac } from './arp-hb-kit.js';
import { ethernet } from '../../dissectors/ethernet.js';

const A = '00:50:56:00:00:0a';
const B = '00:50:56:00:00:0b';
const C = '00:50:56:00:00:0c';
const H = '00:50:56:00:00:99';
const VIP = '10.0.0.50';
const T0 = 1_700_000_000;

const kinds = (evs: readonly TimelineEvent[], k: string) => evs.filter((e) => e.kind === k);

/** Host H (10.0.0.9) sends a UDP datagram to VIP via `toMac`. */
const toVip = (t: number, toMac: string, host = H, hostIp = '10.0.0.9') =>
  udpPkt({ t, srcMac: host, dstMac: toMac, src: hostIp, dst: VIP, sport: 5000, dport: 80 });
/** The VIP owner answers from `fromMac`. */
const fromVip = (t: number, fromMac: string) => udpPkt({ t, srcMac: fromMac, dstMac: H, src: VIP, dst: '10.0.0.9', sport: 80, dport: 5000 });

beforeEach(resetFrames);

describe('ARP ownership and takeovers', () => {
  it('reports a GARP takeover: last frame from the old MAC, GARP count, spacing and form, first traffic to the new MAC, stale hosts', () => {
    const pkts = [
      arpPkt({ t: T0, opcode: 2, sha: A, spa: VIP, tha: H, tpa: '10.0.0.9', ethDst: mac(H) }),
      fromVip(T0 + 1, A),
      toVip(T0 + 1.5, A),
      fromVip(T0 + 2, A), // last frame from A
      garpRequest(T0 + 5, B, VIP),
      toVip(T0 + 5.2, A), // H still uses A
      toVip(T0 + 6.4, A, C, '10.0.0.12'), // and so does C
      garpRequest(T0 + 6, B, VIP),
      garpRequest(T0 + 7, B, VIP),
      toVip(T0 + 8.25, A), // H's last stale frame
      toVip(T0 + 9, B), // first traffic to B
      fromVip(T0 + 9.1, B),
    ].sort((x, y) => x.time - y.time);
    const a = run(new ArpAnalyzer({ staleWindow: 30 }), pkts);
    const tk = kinds(a.emitted(), 'arp.takeover');
    expect(tk).toHaveLength(1);
    const e = tk[0]!;
    expect(e.ip).toBe(VIP);
    expect(e.fromMac).toBe(A);
    expect(e.toMac).toBe(B);
    expect(e.time).toBeCloseTo(T0 + 5, 6);
    expect(e.lastFromOld).toBeCloseTo(T0 + 2, 6);
    expect(e.garps).toBe(3);
    expect(e.garpForm).toBe('request');
    expect(e.garpIntervals).toEqual([1, 1]);
    expect(e.firstTrafficToNew).toBeCloseTo(T0 + 9, 6);
    expect(e.virtual).toBeNull();
    const stale = e.stale as { mac: string; ip: string; until: number }[];
    expect(stale.map((s) => s.mac).sort()).toEqual([C, H].sort());
    expect(stale.find((s) => s.mac === H)!.until).toBeCloseTo(T0 + 8.25, 6);
    expect(stale.find((s) => s.mac === C)!.ip).toBe('10.0.0.12');
    expect(e.severity).toBe('warning');
    expect(e.evidence.length).toBeGreaterThan(2);
    const r = a.result();
    const vip = r.ips.find((x) => x.ip === VIP)!;
    expect(vip.owners.map((o) => o.mac)).toEqual([A, B]);
    expect(vip.owners[1]!.from).toBeCloseTo(T0 + 5, 6);
    expect(r.takeovers).toBe(1);
    expect(r.conflicts).toBe(0);
  });

  it('lastFromOld is the old MAC\'s last frame for the IP; of any source IP it is lastFromOldMac', () => {
    const own = (t: number) => udpPkt({ t, srcMac: A, dstMac: H, src: '10.0.0.5', dst: '10.0.0.9', sport: 1, dport: 2 });
    const a = run(new ArpAnalyzer(), [garpRequest(T0, A, VIP), fromVip(T0 + 1, A), own(T0 + 3.5), garpRequest(T0 + 5, B, VIP), own(T0 + 6)]);
    const e = kinds(a.emitted(), 'arp.takeover')[0]!;
    expect(e.lastFromOld).toBeCloseTo(T0 + 1, 6);
    expect(e.lastFromOldMac).toBeCloseTo(T0 + 3.5, 6);
    expect(e.gap).toBeCloseTo(4, 6);
  });

  it('classifies the GARP form: reply, mixed', () => {
    const a = run(new ArpAnalyzer(), [garpRequest(T0, A, VIP), garpReply(T0 + 20, B, VIP), garpRequest(T0 + 21, B, VIP)]);
    const e = kinds(a.emitted(), 'arp.takeover')[0]!;
    expect(e.garpForm).toBe('mixed');
    expect(e.garps).toBe(2);
    const b = run(new ArpAnalyzer(), [garpRequest(T0, A, VIP), garpReply(T0 + 20, B, VIP)]);
    expect(kinds(b.emitted(), 'arp.takeover')[0]!.garpForm).toBe('reply');
  });

  it('tells a conflict (both MACs keep answering) from a takeover', () => {
    const pkts = [
      arpPkt({ t: T0, opcode: 2, sha: A, spa: VIP, tha: H, tpa: '10.0.0.9', ethDst: mac(H) }),
      arpPkt({ t: T0 + 0.001, opcode: 2, sha: B, spa: VIP, tha: H, tpa: '10.0.0.9', ethDst: mac(H) }),
      arpPkt({ t: T0 + 3, opcode: 2, sha: A, spa: VIP, tha: H, tpa: '10.0.0.9', ethDst: mac(H) }),
      arpPkt({ t: T0 + 3.001, opcode: 2, sha: B, spa: VIP, tha: H, tpa: '10.0.0.9', ethDst: mac(H) }),
    ];
    const a = run(new ArpAnalyzer(), pkts);
    expect(kinds(a.emitted(), 'arp.takeover')).toHaveLength(0);
    const c = kinds(a.emitted(), 'arp.conflict');
    expect(c).toHaveLength(1);
    expect(c[0]!.ip).toBe(VIP);
    expect((c[0]!.macs as string[]).sort()).toEqual([A, B]);
    expect(c[0]!.start).toBeCloseTo(T0 + 0.001, 6);
    expect(c[0]!.end).toBeCloseTo(T0 + 3.001, 6);
    expect(c[0]!.severity).toBe('error');
  });

  it('reports a flip-flop (not a takeover) when the IP moves back to the previous MAC within the window', () => {
    const a = run(new ArpAnalyzer({ flipflopWindow: 60 }), [garpRequest(T0, A, VIP), garpRequest(T0 + 20, B, VIP), garpRequest(T0 + 40, A, VIP)]);
    expect(kinds(a.emitted(), 'arp.takeover').map((e) => e.toMac)).toEqual([B]);
    const ff = kinds(a.emitted(), 'arp.flipflop');
    expect(ff).toHaveLength(1);
    expect(ff[0]).toMatchObject({ ip: VIP, fromMac: B, toMac: A });
    expect(ff[0]!.time).toBeCloseTo(T0 + 40, 6);
  });

  it('counts RFC 5227 probes and announcements, and a probe answered by another MAC is a conflict', () => {
    const pkts = [
      arpPkt({ t: T0, sha: C, spa: '0.0.0.0', tpa: '10.0.0.77' }),
      arpPkt({ t: T0 + 1, sha: C, spa: '0.0.0.0', tpa: '10.0.0.77' }),
      arpPkt({ t: T0 + 3, sha: C, spa: '10.0.0.77', tpa: '10.0.0.77' }),
      arpPkt({ t: T0 + 10, sha: C, spa: '0.0.0.0', tpa: VIP }),
      arpPkt({ t: T0 + 10.1, opcode: 2, sha: A, spa: VIP, tha: C, tpa: '0.0.0.0', ethDst: mac(C) }),
    ];
    const a = run(new ArpAnalyzer(), pkts);
    const r = a.result();
    expect(r.probes).toBe(3);
    expect(r.announcements).toBe(1);
    expect(r.ips.find((x) => x.ip === '10.0.0.77')!.probes).toBe(2);
    const c = kinds(a.emitted(), 'arp.conflict');
    expect(c).toHaveLength(1);
    expect(c[0]!.reason).toBe('probe');
    expect(c[0]!.macs).toEqual([C, A]);
    expect(c[0]!.start).toBeCloseTo(T0 + 10.1, 6);
    expect(c[0]!.end).toBeCloseTo(T0 + 10.1, 6);
  });

  it('recognises VRRP virtual addresses and MACs (planned move, not a conflict)', () => {
    const pkts = [
      vrrpPkt({ t: T0, src: '10.0.0.2', vrid: 7, priority: 100, addrs: [VIP] }),
      garpRequest(T0 + 1, A, VIP),
      garpRequest(T0 + 30, B, VIP),
      garpRequest(T0 + 60, '00:00:5e:00:01:07', '10.0.0.60'),
    ];
    const a = run(new ArpAnalyzer(), pkts);
    const tk = kinds(a.emitted(), 'arp.takeover');
    expect(tk).toHaveLength(1);
    expect(tk[0]!.virtual).toBe('vrrp');
    expect(tk[0]!.severity).toBe('info');
    expect(a.result().ips.find((x) => x.ip === '10.0.0.60')!.virtual).toBe('vrrp');
  });

  it('sees a move without gratuitous ARP from IP traffic alone', () => {
    const pkts = [fromVip(T0, A), fromVip(T0 + 1, A), fromVip(T0 + 5, B), fromVip(T0 + 6, B), fromVip(T0 + 30, B)];
    const a = run(new ArpAnalyzer(), pkts);
    const tk = kinds(a.emitted(), 'arp.takeover');
    expect(tk).toHaveLength(1);
    expect(tk[0]).toMatchObject({ fromMac: A, toMac: B, garps: 0, garpForm: null, via: 'ip', severity: 'warning' });
    expect(tk[0]!.time).toBeCloseTo(T0 + 5, 6);
  });

  it('does not call two MACs sending from one IP at once a takeover (teaming MAC replacement)', () => {
    const pkts = [];
    for (let i = 0; i < 20; i++) pkts.push(fromVip(T0 + i, i % 2 ? A : B));
    const a = run(new ArpAnalyzer(), pkts);
    expect(kinds(a.emitted(), 'arp.takeover')).toHaveLength(0);
    expect(a.result().ips.find((x) => x.ip === VIP)!.multiMac).toBe(true);
    expect(a.notes().join()).toMatch(/several source MACs/);
  });

  it('ignores routed traffic (TTL below its initial value) for ownership', () => {
    const a = run(new ArpAnalyzer(), [udpPkt({ t: T0, srcMac: A, dstMac: H, src: '192.168.7.7', dst: '10.0.0.9', sport: 1, dport: 2, ttl: 61 })]);
    expect(a.result().ips).toHaveLength(0);
  });

  it('recognises OVS RARP bursts and Linux alb 0x9000 learning frames', () => {
    const lp = (t: number, m: string) => packet(ethernet.encode({ dst: mac(m), src: mac(m), type: 0x9000 }, new Uint8Array(46)), t);
    const pkts = [
      arpPkt({ t: T0, opcode: 3, sha: A, spa: '0.0.0.0', tha: A, tpa: '0.0.0.0', rarp: true }),
      arpPkt({ t: T0 + 0.01, opcode: 3, sha: B, spa: '0.0.0.0', tha: B, tpa: '0.0.0.0', rarp: true }),
      lp(T0 + 1, C),
      lp(T0 + 2, C),
      lp(T0 + 3, C),
    ];
    const a = run(new ArpAnalyzer(), pkts);
    const r = kinds(a.emitted(), 'arp.rarp');
    expect(r).toHaveLength(1);
    expect(r[0]!.count).toBe(2);
    const alb = a.result().learning.find((l) => l.method === 'alb')!;
    expect(alb).toMatchObject({ mac: C, count: 3, minInterval: 1, maxInterval: 1 });
  });

  it('keeps the ownership table bounded and says so (100,000 IPs, cap 50,000)', () => {
    const a = new ArpAnalyzer({ maxIps: 50_000 });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) {
      const o = 10 * 16777216 + 65536 + i; // 10.1.x.y
      const addr = `${o >>> 24}.${(o >>> 16) & 255}.${(o >>> 8) & 255}.${o & 255}`;
      a.onPacket(udpPkt({ t: T0 + i / 1000, srcMac: `02:00:00:${((i >>> 16) & 255).toString(16).padStart(2, '0')}:${((i >>> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, dstMac: H, src: addr, dst: '10.0.0.9', sport: 1, dport: 2 }));
    }
    a.finish(T0 + 100);
    const r = a.result();
    expect(r.ipsTracked).toBe(50_000);
    expect(r.capped).toBe(true);
    expect(a.notes().join()).toMatch(/table full at 50000 IPs/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('live view', () => {
  it('emits a takeover once the conflict window passes, then completes it in place (sink.update)', () => {
    const emitted: TimelineEvent[] = [];
    const updated: TimelineEvent[] = [];
    const a = new ArpAnalyzer({ conflictWindow: 10, staleWindow: 300 }, { emit: (e: TimelineEvent) => emitted.push(e), update: (e: TimelineEvent) => updated.push(e) } as never);
    a.onPacket(garpRequest(T0, A, VIP));
    a.onPacket(garpRequest(T0 + 20, B, VIP));
    a.onPacket(toVip(T0 + 25, A));
    expect(emitted).toHaveLength(0);
    a.onPacket(toVip(T0 + 31, A));
    expect(emitted.map((e) => e.kind)).toEqual(['arp.takeover']);
    expect((emitted[0]!.stale as unknown[]).length).toBe(1);
    a.onPacket(toVip(T0 + 40, A, C, '10.0.0.12'));
    a.finish(T0 + 41);
    expect(updated).toHaveLength(1);
    expect(updated[0]).toBe(emitted[0]);
    expect((emitted[0]!.stale as unknown[]).length).toBe(2);
  });
});

describe('virtual MACs', () => {
  it('VRRP v4/v6, HSRP v1/v2/IPv6 ranges and their group numbers', async () => {
    const { virtualMacProtocol, virtualMacGroup } = await import('../../src/analyzers/views.js');
    const cases: [string, string | null, number][] = [
      ['00:00:5e:00:01:2a', 'vrrp', 42],
      ['00:00:5e:00:02:2d', 'vrrp', 45],
      ['00:00:0c:07:ac:0a', 'hsrp', 10],
      ['00:00:0c:9f:f0:0a', 'hsrp', 10],
      ['00:00:0c:9f:ff:ff', 'hsrp', 4095],
      ['00:05:73:a0:01:00', 'hsrp', 256],
      ['00:00:5e:00:03:01', null, 1],
      ['00:00:0c:9f:e0:01', null, 1],
    ];
    for (const [m, p, g] of cases) {
      expect(virtualMacProtocol(mac(m))).toBe(p);
      if (p) expect(virtualMacGroup(mac(m))).toBe(g);
    }
  });
});
