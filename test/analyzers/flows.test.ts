// The flow table: both directions of a flow meet in one entry (IPv4, IPv6, non-IP), keys stay
// apart across VLANs and protocols, growth keeps every flow, the cap counts what it cannot hold.
import { describe, expect, it } from 'vitest';
import { FlowKind, FlowTable } from '../../src/analyzers/flows.js';
import { PacketSummary } from '../../src/analyzers/summary.js';

function v4(src: number, dst: number, sp: number, dp: number, proto = 6, vlan = -1): PacketSummary {
  const s = new PacketSummary();
  Object.assign(s, { ipVersion: 4, ipSrc: src, ipDst: dst, sport: sp, dport: dp, proto, vlan, ethSrc: 1, ethDst: 2, length: 60, time: 1 });
  return s;
}
function v6(a: number[], b: number[], sp: number, dp: number): PacketSummary {
  const buf = new Uint8Array(64);
  buf.set(a, 8);
  buf.set(b, 24);
  const s = new PacketSummary();
  Object.assign(s, { ipVersion: 6, ip6Buf: buf, ip6SrcOff: 8, ip6DstOff: 24, sport: sp, dport: dp, proto: 17, vlan: -1, ethSrc: 1, ethDst: 2, length: 80, time: 1 });
  return s;
}

describe('FlowTable', () => {
  it('puts both directions of an IPv4 flow in one entry', () => {
    const t = new FlowTable(100);
    const a = t.lookup(v4(0x0a000001, 0x0a000002, 1000, 80));
    const da = t.dir;
    const b = t.lookup(v4(0x0a000002, 0x0a000001, 80, 1000));
    expect(b).toBe(a);
    expect(t.dir).toBe(1 - da);
    expect(t.lookup(v4(0x0a000001, 0x0a000002, 1000, 80, 17))).not.toBe(a);
    expect(t.lookup(v4(0x0a000001, 0x0a000002, 1000, 80, 6, 10))).not.toBe(a);
    expect(t.count).toBe(3);
  });

  it('puts both directions of an IPv6 flow in one entry, ordered by address', () => {
    const t = new FlowTable(100);
    const x = Array.from({ length: 16 }, (_, i) => i);
    const y = Array.from({ length: 16 }, (_, i) => (i === 15 ? 99 : i));
    const a = t.lookup(v6(y, x, 5000, 53));
    expect(t.dir).toBe(1); // y > x: the packet goes B → A
    expect(t.lookup(v6(x, y, 53, 5000))).toBe(a);
    expect(t.dir).toBe(0);
    expect(t.kind(a)).toBe(FlowKind.IPV6);
    expect(t.word(a, 0, 3)).toBe(0x0c0d0e0f);
    expect(t.word(a, 1, 3)).toBe(0x0c0d0e63);
    expect(t.port(a, 0)).toBe(53);
  });

  it('grows without losing flows and caps with a count of what it could not hold', () => {
    const t = new FlowTable(5000, 16);
    const ids = new Map<number, number>();
    for (let i = 0; i < 6000; i++) ids.set(i, t.lookup(v4(0x0a000000 + i, 0x0b000000, 1, 2)));
    expect(t.count).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(t.lookup(v4(0x0a000000 + i, 0x0b000000, 1, 2))).toBe(ids.get(i));
    expect(t.untrackedPackets).toBe(1000);
    expect(t.lookup(v4(0x0a000000 + 5500, 0x0b000000, 1, 2))).toBe(-1);
  });
});
