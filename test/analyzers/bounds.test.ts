// Bounded state: a capture with far more distinct flows and addresses than the caps keeps the
// tables at their caps, says so in the notes, and still counts every packet per member.
import { describe, expect, it } from 'vitest';
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { udp } from '../../dissectors/udp.js';
import { Pipeline } from '../../src/analyzers/pipeline.js';
import type { Frame } from '../../src/capture/frame.js';
import { memberIfaces } from './team-kit.js';

/** `count` frames of distinct UDP flows from `ips` distinct sources, alternating two members. */
function* frames(count: number, ips: number): Generator<Frame> {
  const ifaces = memberIfaces(['eth0', 'eth1']).map((i) => ({ ...i, input: 0 }));
  const template = ethernet.encode({ dst: 0x020000000001, src: 0x020000000002, type: 0x0800 }, ipv4.encode({ protocol: 17, src: 0x0a000000, dst: 0x0b000001, ttl: 64 }, udp.encode({ srcPort: 1, dstPort: 53 }, new Uint8Array(8))));
  for (let i = 0; i < count; i++) {
    const b = template.slice();
    const ip = 0x0a000000 + (i % ips);
    b[26] = ip >>> 24;
    b[27] = (ip >>> 16) & 0xff;
    b[28] = (ip >>> 8) & 0xff;
    b[29] = ip & 0xff;
    const sport = 0x8000 | (i & 0x3fff); // distinct flows, clear of every registered port (HSRP 1985, knet, 3343)
    b[34] = sport >>> 8;
    b[35] = sport & 0xff;
    b[24] = 0; // checksum left wrong on purpose: offload-style captures go through the fast path too
    b[25] = 0;
    yield { buf: b, off: 0, caplen: b.length, origLen: b.length, sec: 1_700_000_000 + Math.floor(i / 10000), nsec: (i % 10000) * 100000, iface: ifaces[i % 2]!, index: i + 1, fileOffset: 0, ifindex: -1 };
  }
}

describe('caps', () => {
  it('stops at --max-flows and --max-ips, with notes, and counts every packet', () => {
    const p = new Pipeline({ maxFlows: 20_000, maxIps: 5_000 });
    const before = process.memoryUsage().heapUsed;
    for (const f of frames(60_000, 30_000)) p.feed(f);
    const r = p.finish();
    const grown = process.memoryUsage().heapUsed - before;
    const d = r.distribution!;
    expect(d.table).toMatchObject({ flows: 20_000, cap: 20_000, untrackedPackets: 40_000 });
    expect(d.packets).toBe(60_000);
    expect(r.members.map((m) => m.packets)).toEqual([30_000, 30_000]);
    expect(r.notes.join('\n')).toMatch(/flow table full \(20000 flows, --max-flows\)/);
    expect(r.notes.join('\n')).toMatch(/more than 5000 addresses \(--max-ips\)/);
    // Zeroed checksums (a few happen to verify): noted per input as the dissector would.
    expect(r.inputs[0]!.problems.map((x) => x.id)).toEqual(['ipv4.bad-checksum']);
    expect(r.inputs[0]!.problems[0]!.count).toBeGreaterThan(59_900);
    // Bounded by the caps, not by the 60 000 packets (generous: allocation noise of the test itself).
    expect(grown).toBeLessThan(120 * 1024 * 1024);
  });
});
