// Random traffic into the ARP, heartbeat and VRRP analyzers: no exception, results serialise,
// every event carries FINDINGS.md's common fields, and the state stays bounded.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArpAnalyzer } from '../../src/analyzers/arp.js';
import { HeartbeatAnalyzer } from '../../src/analyzers/heartbeat.js';
import { VrrpAnalyzer } from '../../src/analyzers/vrrp.js';
import type { Packet } from '../../dissectors/core.js';
import { arpPkt, carpPkt, hsrpPkt, knetPkt, mscsPkt, resetFrames, udpPkt, vrrpPkt } from './arp-hb-kit.js';

const MACS = ['00:50:56:00:00:0a', '00:50:56:00:00:0b', '00:00:5e:00:01:07', '00:00:0c:07:ac:01', '02:00:00:00:00:01'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.50', '10.0.1.2', '0.0.0.0'];

const step = fc.oneof(
  fc.record({ k: fc.constant('arp'), op: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 0, max: 4 }), sp: fc.integer({ min: 0, max: 4 }), tp: fc.integer({ min: 0, max: 4 }), th: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ k: fc.constant('ip'), s: fc.integer({ min: 0, max: 4 }), d: fc.integer({ min: 0, max: 4 }), sp: fc.integer({ min: 0, max: 4 }), dp: fc.integer({ min: 0, max: 4 }), ttl: fc.constantFrom(1, 63, 64, 127, 128, 255) }),
  fc.record({ k: fc.constant('mscs'), s: fc.integer({ min: 0, max: 3 }), d: fc.integer({ min: 0, max: 3 }), type: fc.constantFrom(0 as const, 1 as const), seq: fc.integer({ min: 0, max: 5 }), opaque: fc.boolean() }),
  fc.record({ k: fc.constant('knet'), s: fc.integer({ min: 0, max: 3 }), d: fc.integer({ min: 0, max: 3 }), type: fc.constantFrom(0x81, 0x82, 0), seq: fc.integer({ min: 0, max: 5 }), enc: fc.boolean() }),
  fc.record({ k: fc.constant('vrrp'), s: fc.integer({ min: 0, max: 3 }), prio: fc.constantFrom(0, 100, 200, 255), v: fc.constantFrom(2 as const, 3 as const) }),
  fc.record({ k: fc.constant('carp'), s: fc.integer({ min: 0, max: 3 }), skew: fc.constantFrom(0, 100, 255) }),
  fc.record({ k: fc.constant('hsrp'), s: fc.integer({ min: 0, max: 3 }), state: fc.constantFrom(8, 16), op: fc.constantFrom(0, 1, 2) }),
);

function build(steps: { k: string; [f: string]: unknown }[], dts: number[]): Packet[] {
  resetFrames();
  let t = 1_700_000_000;
  return steps.map((x, i) => {
    t += dts[i % dts.length]!;
    const n = (v: unknown) => Number(v);
    switch (x.k) {
      case 'arp':
        return arpPkt({ t, opcode: n(x.op), sha: MACS[n(x.s)]!, spa: IPS[n(x.sp)]!, tpa: IPS[n(x.tp)]!, tha: MACS[n(x.th)]!, rarp: n(x.op) > 2 });
      case 'ip':
        return udpPkt({ t, srcMac: MACS[n(x.s)]!, dstMac: MACS[n(x.d)]!, src: IPS[n(x.sp)]!, dst: IPS[n(x.dp)]!, sport: 1000, dport: 80, ttl: n(x.ttl) });
      case 'mscs':
        return mscsPkt({ t, srcMac: MACS[n(x.s)]!, dstMac: MACS[n(x.d)]!, src: IPS[n(x.s)]!, dst: IPS[n(x.d)]!, type: x.type as 0 | 1, seq: n(x.seq), opaque: Boolean(x.opaque) });
      case 'knet':
        return knetPkt({ t, srcMac: MACS[n(x.s)]!, dstMac: MACS[n(x.d)]!, src: IPS[n(x.s)]!, dst: IPS[n(x.d)]!, type: n(x.type), node: n(x.s) + 1, seq: n(x.seq), encrypted: Boolean(x.enc) });
      case 'vrrp':
        return vrrpPkt({ t, src: IPS[n(x.s)]!, vrid: 7, priority: n(x.prio), version: x.v as 2 | 3, addrs: ['10.0.0.50'] });
      case 'carp':
        return carpPkt({ t, src: IPS[n(x.s)]!, vhid: 7, advskew: n(x.skew) });
      default:
        return hsrpPkt({ t, src: IPS[n(x.s)]!, group: 1, state: n(x.state), priority: 100, vip: '10.0.0.50', opcode: n(x.op) });
    }
  });
}

describe('ARP / heartbeat / VRRP analyzers on random traffic', () => {
  it('never throw, serialise, and give every event its common fields', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), fc.array(fc.constantFrom(0, 0.001, 0.5, 1, 3, 12, 40), { minLength: 1, maxLength: 8 }), (steps, dts) => {
        const pkts = build(steps, dts);
        for (const A of [ArpAnalyzer, HeartbeatAnalyzer, VrrpAnalyzer]) {
          const a = new A({ conflictWindow: 5, staleWindow: 30 });
          let last = 0;
          for (const p of pkts) {
            a.onPacket(p);
            a.tick?.(p.time);
            last = p.time;
          }
          a.finish(last + 1);
          JSON.stringify(a.result());
          for (const e of a.emitted()) {
            expect(typeof e.kind).toBe('string');
            expect(Number.isFinite(e.time)).toBe(true);
            expect(['info', 'warning', 'error']).toContain(e.severity);
            expect(Array.isArray(e.evidence)).toBe(true);
            expect(typeof e.text).toBe('string');
          }
          a.notes();
        }
      }),
      { numRuns: 150 },
    );
  });
});
