// Heartbeats on a port of the user's choosing (--decode-as udp.port=N:mscs) reach the heartbeat
// analyzer through the pipeline: the fast path leaves decode-as ports to the dissectors, and the
// analyzer recognises the datagram by its last layer, not its port. Without the rule the same
// frames are plain UDP and no heartbeat.
import { describe, expect, it } from 'vitest';
import { registry } from '../../dissectors/index.js';
import { parseIpv4, parseMac } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { udp } from '../../dissectors/udp.js';
import { mscs } from '../../dissectors/mscs.js';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import { ANALYZERS, Pipeline } from '../../src/analyzers/pipeline.js';
import type { HeartbeatSection } from '../../src/analyzers/heartbeat.js';

const T0 = 1_700_000_000;
const PORT = 4000;
const A = { ip: '10.0.1.1', mac: '00:15:5d:00:01:01' };
const B = { ip: '10.0.1.2', mac: '00:15:5d:00:01:02' };
const iface: InterfaceInfo = { id: 0, input: 0, index: 0, name: 'eth0', linkType: 1, snaplen: 262144, tsUnitsPerSec: 1e9, tsOffset: 0 };

/** Request A→B every second, answered 2 ms later, on UDP PORT. */
function frames(): Frame[] {
  const out: Frame[] = [];
  const one = (t: number, from: typeof A, to: typeof A, type: 0 | 1, seq: number) => {
    const dgram = udp.encode({ srcPort: PORT, dstPort: PORT }, mscs.encode({ type, sequence: seq }));
    const bytes = ethernet.encode({ dst: parseMac(to.mac), src: parseMac(from.mac), type: 0x0800 }, ipv4.encode({ protocol: 17, ttl: 128, src: parseIpv4(from.ip), dst: parseIpv4(to.ip) }, dgram));
    const sec = Math.floor(t);
    out.push({ buf: bytes, off: 0, caplen: bytes.length, origLen: bytes.length, sec, nsec: Math.round((t - sec) * 1e9), iface, index: out.length + 1, fileOffset: 0, ifindex: -1 });
  };
  for (let i = 0; i < 10; i++) {
    one(T0 + i, A, B, 0, i + 1);
    one(T0 + i + 0.002, B, A, 1, i + 1);
  }
  return out;
}

function heartbeats(): HeartbeatSection {
  const p = new Pipeline({}, { analyzers: [ANALYZERS[3]!] });
  for (const f of frames()) p.feed(f);
  return p.finish().heartbeats as HeartbeatSection;
}

describe('heartbeats on a --decode-as port', () => {
  it('plain UDP on that port without the rule is no heartbeat', () => {
    expect(heartbeats().pairs).toEqual([]);
  });

  it('with udp.port=N:mscs both directions are decoded cluster heartbeats', () => {
    registry.decodeAsRule(`udp.port=${PORT}:mscs`);
    const pairs = heartbeats().pairs;
    expect(pairs.map((s) => [s.protocol, s.from, s.to, s.count, s.decoded])).toEqual([
      ['mscs', A.ip, B.ip, 10, true],
      ['mscs', B.ip, A.ip, 10, true],
    ]);
    expect(pairs[1]!.latency?.count).toBe(10);
  });
});
