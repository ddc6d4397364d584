import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ethernet } from '../../dissectors/ethernet.js';
import { registry } from '../../dissectors/index.js';
import { vlan, type VlanFields } from '../../dissectors/vlan.js';
import { cutEverywhere, fuzzDissector, roundTrip } from './harness.js';
import { concat, frameOf, hexBytes } from '../helpers/frames.js';

export const vlanFieldsArb: fc.Arbitrary<VlanFields> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.integer({ min: 0, max: 1 }),
  vid: fc.integer({ min: 0, max: 4095 }),
  type: fc.integer({ min: 1536, max: 0xffff }),
});

// 802.1ad_QinQ.pcap frame 2 (tcpdump -e: "ethertype 802.1Q-QinQ (0x88a8), length 64: vlan 200, p 0,
// ethertype 802.1Q (0x8100), vlan 2001, p 0, ethertype ARP (0x0806), Reply 172.21.79.100 is-at 00:80:ea:81:88:63").
const QINQ_REPLY = hexBytes(
  '0020d25afb3f0080ea81886388a800c8810007d1080600010800060400020080ea818863ac154f640020d25afb3fac154f610000000000000000000000000000',
);

describe('vlan', () => {
  it('round-trips any tag', () => {
    fc.assert(fc.property(vlanFieldsArb, fc.uint8Array({ maxLength: 8 }), (f, p) => void roundTrip(vlan, f, p)));
  });

  it('splits the TCI into PCP, DEI and VID', () => {
    const b = vlan.encode({ pcp: 5, dei: 1, vid: 0xabc, type: 0x0800 });
    expect([...b]).toEqual([0xba, 0xbc, 0x08, 0x00]);
    const { layer } = roundTrip(vlan, { pcp: 5, dei: 1, vid: 0xabc, type: 0x0800 });
    expect(vlan.summary(layer)).toBe('vlan 2748, p 5, DEI, ethertype IPv4 (0x0800)');
  });

  it('decodes a QinQ stack (S-tag 0x88a8 then C-tag 0x8100) outermost first', () => {
    const p = registry.dissect(frameOf(QINQ_REPLY));
    expect(p.layers.map((l) => l.layer)).toContain('vlan');
    const tags = p.layers.filter((l) => l.layer === 'vlan') as unknown as VlanFields[];
    expect(tags.map((t) => [t.vid, t.pcp, t.dei, t.type])).toEqual([
      [200, 0, 0, 0x8100],
      [2001, 0, 0, 0x0806],
    ]);
  });

  it('stacks three tags including the legacy 0x9100 TPID', () => {
    const inner = vlan.encode({ pcp: 0, dei: 0, vid: 30, type: 0x0800 }, new Uint8Array(20));
    const mid = vlan.encode({ pcp: 3, dei: 0, vid: 20, type: 0x8100 }, inner);
    const outer = vlan.encode({ pcp: 7, dei: 1, vid: 10, type: 0x88a8 }, mid);
    const f = ethernet.encode({ dst: 1, src: 2, type: 0x9100 }, outer);
    const p = registry.dissect(frameOf(f));
    const tags = p.layers.filter((l) => l.layer === 'vlan') as unknown as VlanFields[];
    expect(tags.map((t) => t.vid)).toEqual([10, 20, 30]);
  });

  it('bounds a tagged 802.3 frame by its length field', () => {
    const f = concat(ethernet.encode({ dst: 1, src: 2, type: 0x8100 }), vlan.encode({ pcp: 0, dei: 0, vid: 5, type: 3 }), [0x42, 0x42, 0x03, 0, 0]);
    const p = registry.dissect(frameOf(f));
    expect(p.layers.map((l) => l.layer)).toEqual(['eth', 'vlan', 'llc']);
    expect(p.rawEnd - p.rawOff).toBe(0);
    expect(p.problems).toEqual([]);
  });

  it('survives every cut of a QinQ frame', () => cutEverywhere(QINQ_REPLY));
  it('survives fuzzing', () => fuzzDissector(vlan, { samples: [QINQ_REPLY.subarray(14)], linkType: 1 }));
});
