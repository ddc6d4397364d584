// LACP analyzer on the real capture LACP.pcap (tcpdump's lacp-ev.out is the oracle for times and
// flags): Expired, then Defaulted while the partner is silent, then both ends collecting+distributing.
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/analyzers/types.js';
import { LacpTimers } from '../../src/analyzers/lacp.js';
import { analyzeFrames, pcapFrames, sharedCapture, utc } from './kit.js';
import { FrameBuilder, memberIfaces } from './team-kit.js';

const SYS22 = '00:13:c4:12:0f:00';
const SYS25 = '00:0e:83:16:f5:00';
const ms = 0.001;

describe('LACP.pcap (2009, two ends of one link)', () => {
  const r = analyzeFrames(pcapFrames(sharedCapture('LACP.pcap')), {}, ['LACP.pcap']);
  const problems = (port: number, code: string) =>
    r.events.filter((e) => e.kind === 'lacp.problem' && e.port === port && e.code === code) as (TimelineEvent & { start: number; end: number | null })[];

  it('finds both ports with their partners', () => {
    const p22 = r.lacp!.ports.find((p) => p.system === SYS22 && p.port === 22)!;
    const p25 = r.lacp!.ports.find((p) => p.system === SYS25 && p.port === 25)!;
    expect(p22.pdus).toBe(13);
    expect(p25.pdus).toBe(7);
    expect(p22.partner).toMatchObject({ system: SYS25, port: 25, key: 13 });
    expect(p25.partner).toMatchObject({ system: SYS22, port: 22, key: 13 });
    expect(p22.key).toBe(13);
    expect(p22.states[0]).toMatchObject({ frame: 1, actor: ['activity', 'aggregation', 'expired'] });
  });

  it('reports port 22 Expired from the capture start until frame 4', () => {
    const [e] = problems(22, 'expired');
    expect(e).toBeDefined();
    expect(e!.system).toBe(SYS22);
    expect(e!.start).toBeCloseTo(utc('2009-11-15 04:02:10.267147'), 5);
    expect(e!.end).toBeCloseTo(utc('2009-11-15 04:02:18.675985'), 5);
    expect(e!.sinceCaptureStart).toBe(true);
    expect(e!.evidence[0]).toEqual({ input: 0, frame: 1 });
  });

  it('reports port 22 Defaulted while the partner was silent, after Expired', () => {
    const [d] = problems(22, 'defaulted');
    const [x] = problems(22, 'expired');
    expect(d!.start).toBeGreaterThanOrEqual(x!.end as number);
    expect(Math.abs(d!.start - utc('2009-11-15 04:02:18.675985'))).toBeLessThan(ms);
    expect(Math.abs((d!.end as number) - utc('2009-11-15 04:03:40.737784'))).toBeLessThan(ms);
    // The partner (port 25) is first heard at frame 9, 76.55 s into the Defaulted period.
    expect(Math.abs((d!.partnerHeard as number) - utc('2009-11-15 04:03:35.229252'))).toBeLessThan(ms);
    expect(d!.partnerSilentFor as number).toBeCloseTo(76.553, 2);
    expect(d!.severity).toBe('warning');
  });

  it('reports the link collecting+distributing on both ends at frame 18', () => {
    const up = r.events.filter((e) => e.kind === 'lacp.link' && e.state === 'up');
    expect(up).toHaveLength(1);
    expect(Math.abs(up[0]!.time - utc('2009-11-15 04:03:40.765033'))).toBeLessThan(ms);
    expect(up[0]!.evidence).toEqual([
      { input: 0, frame: 17 },
      { input: 0, frame: 18 },
    ]);
    const link = r.lacp!.links[0]!;
    expect(link.upAt).toBeCloseTo(utc('2009-11-15 04:03:40.765033'), 5);
    const p22 = r.lacp!.ports.find((p) => p.port === 22)!;
    const p25 = r.lacp!.ports.find((p) => p.port === 25)!;
    expect(p22.collectingDistributing && p25.collectingDistributing).toBe(true);
    expect(p22.actor).toEqual(['activity', 'aggregation', 'synchronization', 'collecting', 'distributing']);
  });

  it('emits every actor transition of port 22 with from/to flag lists', () => {
    const tr = r.events.filter((e) => e.kind === 'lacp.state' && e.port === 22 && e.side === 'actor');
    expect(tr.map((e) => e.evidence[0]!.frame)).toEqual([4, 5, 10, 11, 16, 17]);
    expect(tr[0]).toMatchObject({ from: ['activity', 'aggregation', 'expired'], to: ['activity', 'aggregation', 'synchronization', 'defaulted'] });
  });

  it('flags the LACPDU gap at the fast rate, the 4 PDUs in 0.89 s from port 25, and partner churn', () => {
    const [gap] = problems(22, 'pdu-gap');
    expect(gap!.start).toBeCloseTo(utc('2009-11-15 04:02:12.147802'), 5);
    expect(gap!.end).toBeCloseTo(utc('2009-11-15 04:02:18.675985'), 5);
    expect(gap!.timeout).toBe(3);
    expect(problems(25, 'pdu-rate')).toHaveLength(1);
    const churn = problems(22, 'churn');
    expect(churn.map((c) => c.side)).toEqual(['partner']);
    expect(problems(22, 'partner-changed')).toHaveLength(0);
    expect(problems(22, 'passive-both')).toHaveLength(0);
  });

  it('tells one incident that starts with Expired and ends with the link up', () => {
    expect(r.incidents).toHaveLength(1);
    const story = r.incidents[0]!.story;
    expect(story).toMatch(/^LACP port 22 of 00:13:c4:12:0f:00: expired/);
    expect(story).toMatch(/defaulted \(82\.1 s, partner silent 76\.6 s\)/);
    expect(story).toMatch(/LACP link on LACP\.pcap up$/);
  });
});

describe('LACP pdu-rate: more than 3 LACPDUs in one second, with jitter tolerance', () => {
  // A periodic PDU every 1 s plus two immediate PDUs after state changes put the 4th PDU at the
  // 1 s period ± send/capture jitter: the limit is met, not broken (LacpTimers.RATE_TOLERANCE).
  const rate = (offsets: number[]) => {
    const b = new FrameBuilder(memberIfaces(['eth0']));
    const t0 = 1_700_000_000;
    for (const dt of offsets) b.lacpdu(t0 + dt, 0, 0x3d);
    return analyzeFrames(b.sorted()).events.filter((e) => e.kind === 'lacp.problem' && e.code === 'pdu-rate');
  };

  it('4 PDUs over 1.000237 s (or 0.999763 s): no pdu-rate', () => {
    expect(rate([0, 0.3, 0.6, 1.000237])).toHaveLength(0);
    expect(rate([0, 0.3, 0.6, 0.999763])).toHaveLength(0);
    expect(LacpTimers.RATE_TOLERANCE).toBe(0.01);
  });

  it('4 PDUs within 0.5 s: pdu-rate', () => {
    const r = rate([0, 0.1, 0.3, 0.5]);
    expect(r).toHaveLength(1);
    expect(r[0]!.maxInOneSecond).toBe(4);
  });
});
