// Team distribution: members, shares, tx/rx by the inferred team side, imbalance, hash-policy
// inference per policy and member order, member failure with flows moving, honest verdicts.
import { describe, expect, it } from 'vitest';
import { POLICY_CANDIDATES } from '../../src/analyzers/policies.js';
import { analyzeFrames } from './kit.js';
import { type Flow, FrameBuilder, SERVER_MAC, makeFlows, memberIfaces, rng, txFields } from './team-kit.js';

const policy = (name: string) => POLICY_CANDIDATES.find((p) => p.name === name)!;

/** A team sending every flow by `policyName` with member order `order` (indexes into names). */
function scenario(names: string[], policyName: string, order: number[], flows: Flow[], opts: { failAt?: number; failMember?: number; until?: number } = {}) {
  const b = new FrameBuilder(memberIfaces(names));
  const hash = policy(policyName).hash!;
  const r = rng(7);
  const until = opts.until ?? 20;
  for (let t = 0; t < until; t += 0.05) {
    const time = 1_700_000_000 + t;
    for (const [i, f] of flows.entries()) {
      if ((i + Math.round(t * 20)) % 4 !== 0) continue;
      const failed = opts.failAt !== undefined && t >= opts.failAt;
      const usable = failed ? order.filter((m) => m !== opts.failMember) : order;
      const m = usable[hash(txFields(f)) % usable.length]!;
      b.data(f, time + r() * 0.01, m, 'tx', 200);
      // The switch hashes the reply direction its own way.
      const back = usable[(f.dport * 7 + f.client) % usable.length]!;
      b.data(f, time + 0.02 + r() * 0.01, back, 'rx', 20);
    }
  }
  return b.sorted();
}

describe('distribution over separate member interfaces', () => {
  const flows = makeFlows(64, 20);
  const names = ['eth0', 'eth1', 'eth2'];

  it('infers the team side, tx/rx per member and Linux layer3+4 with the member order', () => {
    const r = analyzeFrames(scenario(names, 'linux-layer3+4', [2, 0, 1], flows));
    expect(r.members.map((m) => m.iface)).toEqual(names);
    const d = r.distribution!;
    expect(d.team.rule).toBe('inferred');
    expect(d.team.ips).toEqual(['10.0.0.10']);
    expect(d.team.macs).toEqual(['02:aa:00:00:00:01']);
    expect(d.verdict).toBe('explained');
    const top = d.policies[0]!;
    expect(top.name).toBe('linux-layer3+4');
    expect(top.explained).toBe(1);
    expect(d.order).toEqual(['eth2', 'eth0', 'eth1']);
    const tx = r.members.reduce((a, m) => a + m.tx!.packets, 0);
    const rx = r.members.reduce((a, m) => a + m.rx!.packets, 0);
    expect(tx).toBe(rx);
    expect(tx + rx).toBe(d.packets);
    expect(r.members.reduce((a, m) => a + m.share.packets, 0)).toBeCloseTo(1, 9);
    // The series adds up to each member's totals, one bucket per second of the 20 s capture.
    for (const m of r.members) {
      expect(m.series.packets.reduce((a, b) => a + b, 0)).toBe(m.packets);
      expect(m.series.bytes.reduce((a, b) => a + b, 0)).toBe(m.bytes);
    }
    expect(d.series).toMatchObject({ start: 1_700_000_000, width: 1, buckets: 20 });
    expect(d.imbalance!.packets.jain).toBeGreaterThan(0.5);
    expect(d.imbalance!.packets.jain).toBeLessThanOrEqual(1);
    // layer2 cannot explain many clients' flows spread over members by port.
    expect(d.policies.find((p) => p.name === 'linux-layer2')!.consistent).toBe(false);
  });

  for (const name of ['linux-layer2', 'linux-layer2+3', 'linux-layer2+3@shift-all', 'linux-vlan+srcmac']) {
    it(`recognises ${name}`, () => {
      const many = makeFlows(120, 60, 3);
      const r = analyzeFrames(scenario(['a', 'b'], name, [1, 0], many, { until: 4 }));
      const d = r.distribution!;
      if (name === 'linux-vlan+srcmac') {
        // One source MAC: every flow hashes alike, so everything leaves on one member.
        expect(d.verdict).toBe('one-member');
        return;
      }
      expect(['explained', 'ambiguous']).toContain(d.verdict);
      expect(d.policies.filter((p) => p.consistent && p.closedForm).map((p) => p.name)).toContain(name);
    });
  }

  it('says plainly when no candidate explains the traffic (random member choice)', () => {
    const b = new FrameBuilder(memberIfaces(['p', 'q', 'r']));
    const rnd = rng(99);
    const fl = makeFlows(90, 40, 5);
    for (const f of fl) b.data(f, 1_700_000_000 + rnd(), Math.floor(rnd() * 3), 'tx');
    for (const f of fl) b.data(f, 1_700_000_001 + rnd(), 0, 'rx');
    const d = analyzeFrames(b.sorted()).distribution!;
    expect(d.verdict).toBe('none');
    expect(d.conclusion).toMatch(/no candidate policy predicts the members/);
  });

  it('says the capture cannot tell with one member or too few flows', () => {
    const one = analyzeFrames(scenario(['solo'], 'linux-layer3+4', [0], flows, { until: 1 }));
    expect(one.distribution!.verdict).toBe('one-member');
    expect(one.notes.join('\n')).toMatch(/one capture interface/);
    const few = analyzeFrames(scenario(['a', 'b', 'c'], 'linux-layer3+4', [0, 1, 2], flows.slice(0, 5), { until: 1 }));
    expect(['too-few-flows', 'one-member']).toContain(few.distribution!.verdict);
  });
});

describe('member failure', () => {
  const flows = makeFlows(48, 16, 11);
  const names = ['eth0', 'eth1'];
  const r = analyzeFrames(scenario(names, 'linux-layer3+4', [0, 1], flows, { failAt: 10, failMember: 1 }));

  it('reports eth1 down at its last frame and where its flows went', () => {
    const down = r.events.filter((e) => e.kind === 'member.down');
    expect(down).toHaveLength(1);
    expect(down[0]!.iface).toBe('eth1');
    const last = r.members.find((m) => m.iface === 'eth1')!.last!;
    expect(down[0]!.time).toBe(last);
    expect(last).toBeLessThan(1_700_000_010);
    expect(last).toBeGreaterThan(1_700_000_009.9);
    const moved = r.events.filter((e) => e.kind === 'flow.moved');
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((e) => e.from === 'eth1' && e.to === 'eth0' && e.reason === 'failover')).toBe(true);
    expect(down[0]!.flowsMovedTo).toEqual({ eth0: moved.length });
    expect(r.distribution!.moved.failover).toBe(moved.length);
  });

  it('still explains the policy across the two epochs (2 members, then 1)', () => {
    const d = r.distribution!;
    expect(d.inference.epochs.map((e) => e.members)).toEqual([['eth0', 'eth1'], ['eth0']]);
    expect(d.verdict).toBe('explained');
    expect(d.policies[0]!.name).toBe('linux-layer3+4');
  });

  it('groups the failure into one incident', () => {
    const inc = r.incidents.find((i) => i.story.includes('member eth1 went silent'))!;
    expect(inc).toBeDefined();
    expect(inc.story).toMatch(/flows? moved eth1 → eth0 \(failover\)/);
  });
});

describe('LACP state against traffic, and caps', () => {
  it('flags data frames on a member whose LACP port is not collecting+distributing', () => {
    const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
    const fl = makeFlows(4, 4);
    const t0 = 1_700_000_000;
    b.lacpdu(t0, 0, 0x3d);
    b.lacpdu(t0, 1, 0x0d); // in sync, not collecting/distributing
    for (let i = 0; i < 10; i++) {
      b.data(fl[0]!, t0 + 0.1 + i * 0.1, 0, 'tx');
      b.data(fl[1]!, t0 + 0.15 + i * 0.1, 1, 'tx');
    }
    b.lacpdu(t0 + 2, 1, 0x3d);
    b.data(fl[1]!, t0 + 2.5, 1, 'tx');
    const r = analyzeFrames(b.sorted());
    const ev = r.events.filter((e) => e.kind === 'member.lacp-traffic');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ iface: 'eth1', packets: 10 });
    expect(ev[0]!.end).toBeCloseTo(t0 + 1.05, 6);
    expect(r.members.find((m) => m.iface === 'eth1')!.lacp).toEqual({ seen: true, notDistributingPackets: 10 });
  });

  it('caps the flow table and says so', () => {
    const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
    const fl = makeFlows(300, 100);
    fl.forEach((f, i) => b.data(f, 1_700_000_000 + i * 0.001, i % 2, 'tx'));
    const r = analyzeFrames(b.sorted(), { maxFlows: 100 });
    expect(r.distribution!.table).toMatchObject({ flows: 100, cap: 100, untrackedPackets: 200 });
    expect(r.notes.join('\n')).toMatch(/flow table full \(100 flows/);
    expect(r.distribution!.packets).toBe(300);
  });

  it('maps MACs to member names with --member', () => {
    const b = new FrameBuilder(memberIfaces(['any']));
    const fl = makeFlows(2, 2);
    b.data(fl[0]!, 1_700_000_000, 0, 'tx');
    b.data(fl[1]!, 1_700_000_001, 0, 'rx');
    const r = analyzeFrames(b.sorted(), { memberMap: { [`02:aa:00:00:00:01`]: 'team' } });
    expect(r.members.map((m) => [m.iface, m.packets])).toEqual([['team', 2]]);
    void SERVER_MAC;
  });
});

describe('policies that are not a closed-form hash', () => {
  it('tells dynamic (flowlet) balancing from a static hash', () => {
    // Bursts 2 s apart; between bursts a third of the flows go to the other member (flowlet moves).
    const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
    const fl = makeFlows(30, 10, 21);
    for (let burst = 0; burst < 6; burst++)
      for (const [i, f] of fl.entries()) {
        const member = i % 3 === 0 ? (i + burst) % 2 : i % 2;
        for (let k = 0; k < 5; k++) b.data(f, 1_700_000_000 + burst * 2 + (i % 5) * 0.01 + k * 0.02, member, 'tx');
      }
    const d = analyzeFrames(b.sorted()).distribution!;
    expect(d.moved.failover).toBe(0);
    expect(d.moved.rebalance).toBe(10 * 5);
    expect(d.verdict).toBe('consistent');
    expect(d.conclusion).toMatch(/10 of the 30 transmit flows of the team moved .* dynamic balancing/);
  });

  it('recognises Hyper-V Port (one VM MAC, one member) and the Windows Toeplitz model', () => {
    const b = new FrameBuilder(memberIfaces(['nic1', 'nic2']));
    const fl = makeFlows(80, 30, 8);
    const vms = [0, 1, 2, 3, 4, 5].map((v) => ({ mac: 0x02aa000000a0 + v * 0x1012, ip: 0x0a000020 + v }));
    fl.forEach((f, i) => {
      const vm = vms[i % vms.length]!;
      b.data(f, 1_700_000_000 + i * 0.01, (i % vms.length) % 2, 'tx', 100, vm);
    });
    const d = analyzeFrames(b.sorted(), { teamMacs: vms.map((v) => v.mac.toString(16).padStart(12, '0')) }).distribution!;
    expect(d.team.rule).toBe('given');
    const hv = d.policies.find((p) => p.name === 'hyper-v-port')!;
    expect(hv.consistent).toBe(true);
    expect(hv.testableGroups).toBe(6);
    expect(d.verdict).toBe('consistent');
    expect(d.conclusion).toMatch(/Hyper-V Port/);
  });

  it('names the Windows 4-tuple Toeplitz model when the generator used it', async () => {
    const { windowsAddressHash } = await import('../../src/generator/hash.js');
    const { flowHeaders } = await import('../../src/analyzers/policies.js');
    const b = new FrameBuilder(memberIfaces(['a', 'b', 'c']));
    const fl = makeFlows(90, 30, 13);
    fl.forEach((f, i) => b.data(f, 1_700_000_000 + i * 0.01, windowsAddressHash('4-tuple', flowHeaders(txFields(f))) % 3, 'tx'));
    fl.forEach((f, i) => b.data(f, 1_700_000_002 + i * 0.01, i % 3, 'rx'));
    const d = analyzeFrames(b.sorted()).distribution!;
    expect(d.verdict).toBe('explained');
    expect(d.policies[0]!.name).toBe('windows-address-hash-4tuple@toeplitz');
  });
});

describe('round robin', () => {
  it('reports spraying once per flow and says it is not a flow hash', () => {
    const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
    const fl = makeFlows(12, 6, 31);
    for (let step = 0; step < 200; step++) fl.forEach((f, j) => b.data(f, 1_700_000_000 + step * 0.01 + j * 0.0001, (step + j) % 2, 'tx'));
    const r = analyzeFrames(b.sorted());
    const spray = r.events.filter((e) => e.kind === 'flow.moved' && e.reason === 'spray');
    expect(spray).toHaveLength(12);
    expect(r.events.filter((e) => e.kind === 'flow.moved' && e.reason !== 'spray')).toHaveLength(0); // its first moves are part of the spraying
    expect(r.distribution!.verdict).toBe('spraying');
  });
});

describe('members from a Linux any-interface capture (SLL2)', () => {
  it('names members ifindex:N and splits their traffic', async () => {
    const { sll2 } = await import('../../dissectors/sll2.js');
    const { ipv4 } = await import('../../dissectors/ipv4.js');
    const { udp } = await import('../../dissectors/udp.js');
    const iface = { id: 0, input: 0, index: 0, name: 'any', linkType: 276, snaplen: 262144, tsUnitsPerSec: 1e9, tsOffset: 0 };
    const frames = [];
    for (let i = 0; i < 40; i++) {
      const ifindex = i % 2 ? 3 : 2;
      const bytes = sll2.encode({ protocol: 0x0800, ifindex, arphrd: 1, packetType: 4, src: 0x020000000001 }, ipv4.encode({ protocol: 17, src: 0x0a000001, dst: 0x0a000002 + (i % 5), ttl: 64 }, udp.encode({ srcPort: 4000 + i, dstPort: 53 }, new Uint8Array(4))));
      frames.push({ buf: bytes, off: 0, caplen: bytes.length, origLen: bytes.length, sec: 1_700_000_000 + i, nsec: 0, iface, index: i + 1, fileOffset: 0, ifindex });
    }
    const r = analyzeFrames(frames, { memberMap: { 'ifindex:3': 'eth1' } });
    expect(r.members.map((m) => [m.iface, m.source, m.packets])).toEqual([
      ['ifindex:2', 'ifindex', 20],
      ['eth1', 'ifindex', 20],
    ]);
  });
});
