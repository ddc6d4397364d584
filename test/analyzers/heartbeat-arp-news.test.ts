// The heartbeat analyzer re-makes a route's subnet decision after ARP news only when the news is
// about what the decision reads: an end of a route (arpOwner) or a MAC a route sends to
// (arpAddressOf). These tests fail when such news does not reach the reused decision.
import { beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatAnalyzer } from '../../src/analyzers/heartbeat.js';
import type { Packet } from '../../dissectors/core.js';
import { arpPkt, mscsPkt, resetFrames, run } from './arp-hb-kit.js';

const T0 = 1_700_000_000;
/** Two nodes on different /24s (addresses above 128.0.0.0: their numbers are not small integers). */
const A = { ip: '192.168.1.5', mac: '00:15:5d:00:01:05' };
const B = { ip: '192.168.2.7', mac: '00:15:5d:00:02:07' };
/** Their gateways' MACs (the frames' destination MACs when routed). */
const GW_A = { ip: '192.168.1.1', mac: '00:00:5e:00:01:01' };
const GW_B = { ip: '192.168.2.1', mac: '00:00:5e:00:01:02' };
/** A host no route involves. */
const OTHER = { ip: '192.168.1.99', mac: '00:15:5d:00:01:63' };
beforeEach(resetFrames);

/** A→B requests every second from `from` to `to`, answered 2 ms later, to the given destination MACs. */
function beats(from: number, to: number, macAB: string, macBA: string): Packet[] {
  const out: Packet[] = [];
  let seq = from - T0 + 1;
  for (let t = from; t < to; t += 1) {
    out.push(mscsPkt({ t, src: A.ip, dst: B.ip, srcMac: A.mac, dstMac: macAB, type: 0, seq }));
    out.push(mscsPkt({ t: t + 0.002, src: B.ip, dst: A.ip, srcMac: B.mac, dstMac: macBA, type: 1, seq: seq++ }));
  }
  return out;
}

function decision(pkts: Packet[]): unknown {
  const p = run(new HeartbeatAnalyzer(), pkts).result().pairs[0]!;
  return { subnet: p.subnet, subnetRule: p.subnetRule };
}

describe('heartbeat subnet decision after ARP news', () => {
  it('ARP giving a route destination MAC to another address next to the sender makes the route routed', () => {
    const arp = arpPkt({ t: T0 + 4.5, opcode: 2, sha: GW_A.mac, spa: GW_A.ip, tha: A.mac, tpa: A.ip });
    const pkts = [...beats(T0, T0 + 4, GW_A.mac, GW_B.mac), arp, ...beats(T0 + 5, T0 + 8, GW_A.mac, GW_B.mac)];
    expect(decision(pkts)).toEqual({ subnet: 'cross', subnetRule: 'arp-gateway' });
  });

  it('ARP for a route end, seen after the heartbeats began, decides the route', () => {
    const arp = arpPkt({ t: T0 + 4.5, opcode: 2, sha: B.mac, spa: B.ip, tha: A.mac, tpa: A.ip });
    const pkts = [...beats(T0, T0 + 4, B.mac, A.mac), arp, ...beats(T0 + 5, T0 + 8, B.mac, A.mac)];
    expect(decision(pkts)).toEqual({ subnet: 'same', subnetRule: 'arp' });
  });

  it('ARP moving a route end away from the route destination MAC (proxy ARP, then the host itself) re-decides', () => {
    // Only the end's mapping changes: B's own MAC is no destination MAC of the route.
    const proxy = arpPkt({ t: T0 - 1, opcode: 2, sha: GW_A.mac, spa: B.ip, tha: A.mac, tpa: A.ip });
    const own = arpPkt({ t: T0 + 4.5, opcode: 2, sha: B.mac, spa: B.ip, tha: A.mac, tpa: A.ip });
    expect(decision([proxy, ...beats(T0, T0 + 4, GW_A.mac, GW_B.mac)])).toEqual({ subnet: 'same', subnetRule: 'arp' });
    resetFrames();
    const pkts = [proxy, ...beats(T0, T0 + 4, GW_A.mac, GW_B.mac), own, ...beats(T0 + 5, T0 + 8, GW_A.mac, GW_B.mac)];
    expect(decision(pkts)).toEqual({ subnet: 'same', subnetRule: 'default' });
  });

  it('ARP about a host off every route leaves the decision as it was', () => {
    const arp = arpPkt({ t: T0 + 4.5, opcode: 2, sha: OTHER.mac, spa: OTHER.ip, tha: A.mac, tpa: A.ip });
    const pkts = [...beats(T0, T0 + 4, GW_A.mac, GW_B.mac), arp, ...beats(T0 + 5, T0 + 8, GW_A.mac, GW_B.mac)];
    expect(decision(pkts)).toEqual({ subnet: 'same', subnetRule: 'default' });
  });

  it('the gateway ARP decides the same whether it comes before or after the heartbeats', () => {
    const early = arpPkt({ t: T0 - 1, opcode: 2, sha: GW_A.mac, spa: GW_A.ip, tha: A.mac, tpa: A.ip });
    expect(decision([early, ...beats(T0, T0 + 8, GW_A.mac, GW_B.mac)])).toEqual({ subnet: 'cross', subnetRule: 'arp-gateway' });
  });
});
