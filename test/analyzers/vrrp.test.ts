import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { VrrpAnalyzer, vrrp2MasterDown, vrrp3MasterDown, vrrp2SkewTime, vrrp3SkewTime } from '../../src/analyzers/vrrp.js';
import { carpPkt, hsrpPkt, readPcap, resetFrames, run, vrrpPkt } from './arp-hb-kit.js';
import type { TimelineEvent } from '../../src/analyzers/types.js';

const captures = resolve(import.meta.dirname, '../../../shared/captures');
const T0 = 1_700_000_000;
beforeEach(resetFrames);

describe('VRRP timers (RFC 3768 §6.1, RFC 5798 §6.1)', () => {
  it('computes Skew_Time and Master_Down_Interval in the right units', () => {
    expect(vrrp2SkewTime(100)).toBeCloseTo(156 / 256, 12);
    expect(vrrp2MasterDown(1, 100)).toBeCloseTo(3 + 156 / 256, 12);
    expect(vrrp3SkewTime(100, 100)).toBeCloseTo((156 * 100) / 256, 12);
    expect(vrrp3MasterDown(100, 100)).toBeCloseTo(300 + (156 * 100) / 256, 12);
  });
});

describe('vrrp.pcap (tcpdump test capture) against tcpdump -v', () => {
  // "    1  2014-03-05 21:55:06.745865 IP 10.0.0.91 > 224.0.0.18: VRRPv2, Advertisement, vrid 42, prio 191, authtype simple, intvl 10s, length 28"
  const lines = readFileSync(resolve(captures, 'vrrp.out'), 'utf8').split('\n').filter((l) => l.includes('VRRP'));
  const rows = lines.map((l) => {
    const m = /^\s*\d+\s+(\S+ \S+) IP6? (\S+) > \S+: VRRPv(\d), Advertisement, vrid (\d+), prio (\d+),.*intvl (\d+)(s|cs)/.exec(l)!;
    return { time: Date.parse(m[1]!.replace(' ', 'T') + 'Z') / 1000 + Number('0.' + m[1]!.split('.')[1]) - Math.floor(Number('0.' + m[1]!.split('.')[1]) * 1000) / 1000, src: m[2]!, version: Number(m[3]), vrid: Number(m[4]), prio: Number(m[5]), intvl: m[7] === 'cs' ? Number(m[6]) / 100 : Number(m[6]) };
  });
  const a = run(new VrrpAnalyzer(), readPcap(resolve(captures, 'vrrp.pcap')));
  const r = a.result();

  it('counts every advert per group, with the advertised interval', () => {
    expect(rows).toHaveLength(165);
    expect(r.groups.reduce((n, g) => n + g.adverts, 0)).toBe(165);
    for (const g of r.groups) {
      const mine = rows.filter((x) => x.vrid === g.group);
      expect(g.adverts).toBe(mine.length);
      expect(g.advertisedInterval).toBe(mine[0]!.intvl);
      expect(g.version).toBe(mine[0]!.version);
    }
  });

  it('measures each router\'s advert intervals as tcpdump\'s timestamps give them', () => {
    for (const g of r.groups) {
      for (const s of g.sources) {
        const times = rows.filter((x) => x.vrid === g.group && x.src === s.ip).map((x) => x.time);
        expect(s.adverts).toBe(times.length);
        const iv = times.slice(1).map((t, i) => t - times[i]!).sort((x, y) => x - y);
        if (iv.length === 0) continue;
        expect(s.interval.max!).toBeCloseTo(iv[iv.length - 1]!, 5);
        expect(s.interval.min!).toBeCloseTo(iv[0]!, 5);
        expect(s.interval.median!).toBeCloseTo(iv[Math.ceil(iv.length / 2) - 1]!, 5);
      }
    }
    const g42 = r.groups.find((g) => g.group === 42)!;
    expect(g42.interval.median!).toBeCloseTo(10.007, 2);
  });

  it('reports the master changes (each higher priority preempts) and no missed adverts', () => {
    for (const g of r.groups) {
      const seq = rows.filter((x) => x.vrid === g.group).map((x) => x.src).filter((s, i, l) => i === 0 || l[i - 1] !== s);
      expect(g.masters.map((m) => m.ip)).toEqual(seq);
      expect(g.masters[0]!.reason).toBe('initial');
      expect(g.masters.slice(1).every((m) => m.reason === 'preempted')).toBe(true);
      expect(g.breaches).toBe(0);
    }
    const ev = a.emitted().filter((e) => e.kind === 'vrrp.master');
    expect(ev).toHaveLength(r.groups.reduce((n, g) => n + g.masters.length, 0));
    expect(ev.find((e) => e.group === 42 && e.toIp === '10.0.0.92')).toMatchObject({ fromIp: '10.0.0.91', reason: 'preempted', ip: '10.4.42.1' });
    // Master_Down_Interval for VRRPv2, interval 10 s, best backup priority 196 (RFC 3768 §6.1).
    expect(r.groups.find((g) => g.group === 42)!.tolerance).toBeCloseTo(30 + 60 / 256, 6);
    expect(r.groups.find((g) => g.group === 44)!.tolerance).toBeCloseTo((3000 + (60 * 1000) / 256) / 100, 6);
  });
});

describe('VRRP and HSRP failover', () => {
  it('a master that stops: breach against Master_Down_Interval, then timeout takeover', () => {
    const pkts = [];
    for (let i = 0; i < 5; i++) pkts.push(vrrpPkt({ t: T0 + i, src: '10.0.0.2', vrid: 9, priority: 200, addrs: ['10.0.0.1'] }));
    for (let i = 0; i < 3; i++) pkts.push(vrrpPkt({ t: T0 + 7.7 + i, src: '10.0.0.3', vrid: 9, priority: 100, addrs: ['10.0.0.1'] }));
    const a = run(new VrrpAnalyzer(), pkts);
    const b = a.emitted().filter((e) => e.kind === 'heartbeat.breach');
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ protocol: 'vrrp', from: '10.0.0.2', missed: 3, subnet: 'same' });
    expect(b[0]!.duration).toBeCloseTo(3.7, 6);
    expect(b[0]!.tolerance).toBeCloseTo(3 + 156 / 256, 6);
    const m = a.emitted().filter((e) => e.kind === 'vrrp.master');
    expect(m.map((e) => e.reason)).toEqual(['initial', 'timeout']);
    expect(m[1]).toMatchObject({ fromIp: '10.0.0.2', toIp: '10.0.0.3', group: 9, ip: '10.0.0.1' });
  });

  it('a master resigning with priority 0 (RFC 3768 §6.4.3)', () => {
    const pkts = [
      vrrpPkt({ t: T0, src: '10.0.0.2', vrid: 9, priority: 200, addrs: ['10.0.0.1'] }),
      vrrpPkt({ t: T0 + 1, src: '10.0.0.2', vrid: 9, priority: 0, addrs: ['10.0.0.1'] }),
      vrrpPkt({ t: T0 + 1.6, src: '10.0.0.3', vrid: 9, priority: 100, addrs: ['10.0.0.1'] }),
    ];
    const m = run(new VrrpAnalyzer(), pkts).emitted().filter((e) => e.kind === 'vrrp.master');
    expect(m.map((e) => e.reason)).toEqual(['initial', 'resigned']);
  });

  it('after a resign: the text gives the master\'s priority before it resigned, Skew_Time never uses priority 0', () => {
    // keepalived stopped normally (samples/real/keepalived-vrrp.pcapng, step 4): master 150 resigns, the backup 100 takes over.
    const pkts = [];
    for (let i = 0; i < 3; i++) pkts.push(vrrpPkt({ t: T0 + i, src: '10.0.0.2', vrid: 9, priority: 150, addrs: ['10.0.0.1'] }));
    pkts.push(vrrpPkt({ t: T0 + 2.5, src: '10.0.0.2', vrid: 9, priority: 0, addrs: ['10.0.0.1'] }));
    for (let i = 0; i < 3; i++) pkts.push(vrrpPkt({ t: T0 + 2.5 + vrrp2SkewTime(100) + i, src: '10.0.0.3', vrid: 9, priority: 100, addrs: ['10.0.0.1'] }));
    const a = run(new VrrpAnalyzer(), pkts);
    const m = a.emitted().filter((e) => e.kind === 'vrrp.master');
    expect(m.map((e) => e.reason)).toEqual(['initial', 'resigned']);
    expect(m[1]!.text).toBe('VRRP group 9 (10.0.0.1): master 10.0.0.2 → 10.0.0.3 (priority 150 → 100, resigned)');
    const g = a.result().groups[0]!;
    // The resigned router is no backup: the default backup priority 100, not (256 − 0)/256.
    expect(g.tolerance).toBeCloseTo(vrrp2MasterDown(1, 100), 6);
    expect(g.tolerance).toBeCloseTo(3 + 156 / 256, 6);
    expect(g.toleranceRule).not.toContain('256 − 0');
    expect(a.emitted().filter((e) => e.kind === 'heartbeat.breach')).toHaveLength(0);
    // A router first heard resigning has no known priority: no number for it.
    resetFrames();
    const b = run(new VrrpAnalyzer(), [
      vrrpPkt({ t: T0, src: '10.0.0.2', vrid: 9, priority: 0, addrs: ['10.0.0.1'] }),
      vrrpPkt({ t: T0 + 0.6, src: '10.0.0.3', vrid: 9, priority: 100, addrs: ['10.0.0.1'] }),
    ]);
    expect(b.result().groups[0]!.tolerance).toBeCloseTo(3 + 156 / 256, 6);
  });

  it('HSRP: active hellos against the hold time, standby hellos ignored, takeover by timeout', () => {
    const pkts = [];
    for (let i = 0; i < 4; i++) {
      pkts.push(hsrpPkt({ t: T0 + 3 * i, src: '10.0.0.2', group: 1, state: 16, priority: 110, vip: '10.0.0.1' }));
      pkts.push(hsrpPkt({ t: T0 + 3 * i + 0.5, src: '10.0.0.3', group: 1, state: 8, priority: 100, vip: '10.0.0.1' }));
    }
    pkts.push(hsrpPkt({ t: T0 + 9 + 11, src: '10.0.0.3', group: 1, state: 16, priority: 100, vip: '10.0.0.1' }));
    const a = run(new VrrpAnalyzer(), pkts);
    const b = a.emitted().filter((e) => e.kind === 'heartbeat.breach');
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ protocol: 'hsrp', tolerance: 10, from: '10.0.0.2' });
    const m = a.emitted().filter((e) => e.kind === 'hsrp.master');
    expect(m.map((e) => [e.toIp, e.reason])).toEqual([
      ['10.0.0.2', 'initial'],
      ['10.0.0.3', 'timeout'],
    ]);
    expect(a.result().groups[0]!.interval.median).toBeCloseTo(3, 6);
  });

  it('CARP: 3 × (advbase + advskew/256) as the down interval, bow-out (advskew 255) is a resign', () => {
    const pkts = [];
    for (let i = 0; i < 4; i++) pkts.push(carpPkt({ t: T0 + i, src: '10.0.0.2', vhid: 3, advskew: 0 }));
    pkts.push(carpPkt({ t: T0 + 4, src: '10.0.0.2', vhid: 3, advskew: 255, advbase: 255 }));
    pkts.push(carpPkt({ t: T0 + 4.5, src: '10.0.0.3', vhid: 3, advskew: 100 }));
    for (let i = 1; i < 3; i++) pkts.push(carpPkt({ t: T0 + 4.5 + i * (1 + 100 / 256), src: '10.0.0.3', vhid: 3, advskew: 100 }));
    pkts.push(carpPkt({ t: T0 + 20, src: '10.0.0.3', vhid: 3, advskew: 100 }));
    const a = run(new VrrpAnalyzer(), pkts);
    const m = a.emitted().filter((e) => e.kind === 'carp.master');
    expect(m.map((e) => [e.toIp, e.reason])).toEqual([
      ['10.0.0.2', 'initial'],
      ['10.0.0.3', 'resigned'],
    ]);
    const b = a.emitted().filter((e) => e.kind === 'heartbeat.breach');
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ protocol: 'carp', from: '10.0.0.3' });
    expect(b[0]!.tolerance).toBeCloseTo(3 * (1 + 100 / 256), 6);
    expect(a.result().groups[0]).toMatchObject({ protocol: 'carp', group: 3, adverts: 9 });
  });

  it('live view: the advert gap is reported on tick once past Master_Down_Interval, completed when a master speaks again', () => {
    const emitted: { kind: string; end?: unknown }[] = [];
    let updates = 0;
    const a = new VrrpAnalyzer({}, { emit: (e: TimelineEvent) => emitted.push(e), update: () => updates++ } as never);
    for (let i = 0; i < 3; i++) a.onPacket(vrrpPkt({ t: T0 + i, src: '10.0.0.2', vrid: 9, priority: 200, addrs: ['10.0.0.1'] }));
    a.tick(T0 + 4);
    expect(emitted.filter((e) => e.kind === 'heartbeat.breach')).toHaveLength(0);
    a.tick(T0 + 6);
    const b = emitted.filter((e) => e.kind === 'heartbeat.breach');
    expect(b).toHaveLength(1);
    expect(b[0]!.end).toBeNull();
    a.onPacket(vrrpPkt({ t: T0 + 6.5, src: '10.0.0.3', vrid: 9, priority: 100, addrs: ['10.0.0.1'] }));
    a.finish(T0 + 7);
    expect(emitted.filter((e) => e.kind === 'heartbeat.breach')).toHaveLength(1);
    expect(b[0]!.end).toBeCloseTo(T0 + 6.5, 6);
    expect(updates).toBe(1);
  });
});
