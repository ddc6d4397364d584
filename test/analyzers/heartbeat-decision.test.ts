// The heartbeat analyzer reuses a route's subnet decision until something the decision reads
// changes: evidence arriving mid-capture (ARP, a routed TTL) must still change it.
import { beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatAnalyzer } from '../../src/analyzers/heartbeat.js';
import type { Packet } from '../../dissectors/core.js';
import { arpPkt, mscsPkt, resetFrames, run } from './arp-hb-kit.js';

const T0 = 1_700_000_000;
const A = { ip: '10.0.1.1', mac: '00:15:5d:00:01:01' };
const B = { ip: '10.0.1.2', mac: '00:15:5d:00:01:02' };
beforeEach(resetFrames);

/** Request a→b every second from `from` to `to` (answered 2 ms later), with `ttl`. */
function beats(from: number, to: number, ttl?: number): Packet[] {
  const out: Packet[] = [];
  let seq = from - T0 + 1;
  for (let t = from; t < to; t += 1) {
    out.push(mscsPkt({ t, src: A.ip, dst: B.ip, srcMac: A.mac, dstMac: B.mac, type: 0, seq, ttl }));
    out.push(mscsPkt({ t: t + 0.002, src: B.ip, dst: A.ip, srcMac: B.mac, dstMac: A.mac, type: 1, seq: seq++, ttl }));
  }
  return out;
}

describe('heartbeat subnet decision over time', () => {
  it('ARP seen after the first heartbeats changes the decision', () => {
    const pkts = [...beats(T0, T0 + 4), arpPkt({ t: T0 + 4.5, opcode: 2, sha: B.mac, spa: B.ip, tha: A.mac, tpa: A.ip }), ...beats(T0 + 5, T0 + 8)];
    const r = run(new HeartbeatAnalyzer(), pkts).result();
    expect(r.pairs[0]).toMatchObject({ subnet: 'same', subnetRule: 'arp' });
  });

  it('without that ARP it stays the default', () => {
    const r = run(new HeartbeatAnalyzer(), [...beats(T0, T0 + 4), ...beats(T0 + 5, T0 + 8)]).result();
    expect(r.pairs[0]).toMatchObject({ subnet: 'same', subnetRule: 'default' });
  });

  it('a routed TTL seen later changes the decision', () => {
    const r = run(new HeartbeatAnalyzer(), [...beats(T0, T0 + 4, 128), ...beats(T0 + 5, T0 + 8, 126)]).result();
    expect(r.pairs[0]).toMatchObject({ subnet: 'cross', subnetRule: 'ttl' });
  });
});
