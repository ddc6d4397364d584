import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getLayer } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { lacp } from '../../dissectors/lacp.js';
import { sll, type SllFields } from '../../dissectors/sll.js';
import { sll2, type Sll2Fields } from '../../dissectors/sll2.js';
import { arp } from '../../dissectors/arp.js';
import { cutEverywhere, fuzzDissector, roundTrip } from './harness.js';
import { frameOf } from '../helpers/frames.js';

const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
export const sllFieldsArb: fc.Arbitrary<SllFields> = fc.record({
  packetType: fc.integer({ min: 0, max: 4 }),
  arphrd: fc.constantFrom(1, 772, 778, 65534),
  src: mac,
  protocol: fc.integer({ min: 0, max: 0xffff }),
});
export const sll2FieldsArb: fc.Arbitrary<Sll2Fields> = fc.record({
  protocol: fc.integer({ min: 0, max: 0xffff }),
  ifindex: fc.integer({ min: 0, max: 0xffffffff }),
  arphrd: fc.constantFrom(1, 772, 778, 65534),
  packetType: fc.integer({ min: 0, max: 4 }),
  src: mac,
});

const LACPDU = lacp.encode({
  actorSystemPriority: 65535, actorSystem: 0x02aabbccdd01, actorKey: 9, actorPortPriority: 255, actorPort: 2, actorState: 0x07,
  partnerSystemPriority: 32768, partnerSystem: 0x001122334455, partnerKey: 1, partnerPortPriority: 32768, partnerPort: 11, partnerState: 0x45,
});

describe('sll (v1)', () => {
  it('round-trips any header', () => {
    fc.assert(fc.property(sllFieldsArb, (f) => void roundTrip(sll, f, Uint8Array.of(1, 2, 3))));
  });

  it('continues with an EtherType, or an 802.2 LLC payload for protocol 4', () => {
    const a = sll.encode({ packetType: 4, arphrd: 1, src: 0x020000000001, protocol: 0x0806 }, arp.encode({ opcode: 1, sha: 0x020000000001, spa: 1, tha: 0, tpa: 2 }));
    const p = registry.dissect(frameOf(a, { linkType: 113 }));
    expect(p.layers.map((l) => l.layer)).toEqual(['sll', 'arp']);
    expect(sll.summary(getLayer(p, 'sll')!)).toBe('Sent by us (4) 02:00:00:00:00:01, ethertype ARP (0x0806)');
    const q = registry.dissect(frameOf(sll.encode({ packetType: 0, arphrd: 1, src: 1, protocol: 4 }, Uint8Array.of(0x42, 0x42, 0x03, 0, 0)), { linkType: 113 }));
    expect(q.layers.map((l) => l.layer)).toEqual(['sll', 'llc']);
  });

  it('keeps non-MAC addresses as bytes', () => {
    const { layer } = roundTrip(sll, { packetType: 0, arphrd: 778, addrLen: 4, addr: Uint8Array.of(10, 0, 0, 1, 0, 0, 0, 0), protocol: 0x0800 });
    expect(layer.src).toBe(-1);
    expect(sll.summary(layer)).toBe('Unicast to us (0) 0a000001, ethertype IPv4 (0x0800)');
  });

  it('survives every cut', () => cutEverywhere(sll.encode({ packetType: 0, arphrd: 1, src: 5, protocol: 0x8809 }, LACPDU), 113));
  it('survives fuzzing', () => fuzzDissector(sll, { samples: [sll.encode({ packetType: 0, arphrd: 1, src: 5, protocol: 0x8809 }, LACPDU)], linkType: 113 }));
});

describe('sll2', () => {
  it('round-trips any header', () => {
    fc.assert(fc.property(sll2FieldsArb, (f) => void roundTrip(sll2, f, Uint8Array.of(9))));
  });

  it('carries the capturing interface index of each frame (a LACPDU on `any` is 130 octets, PROTOCOLS.md §2.1)', () => {
    const b = sll2.encode({ protocol: 0x8809, ifindex: 7, arphrd: 1, packetType: 4, src: 0x02aabbccdd01 }, LACPDU);
    expect(b.length).toBe(130);
    const p = registry.dissect(frameOf(b, { linkType: 276, ifindex: 7 }));
    expect(p.layers.map((l) => l.layer)).toEqual(['sll2', 'slow', 'lacp']);
    const s = getLayer(p, 'sll2')!;
    expect([s.ifindex, s.packetType, s.arphrd, s.addrLen, s.src]).toEqual([7, 4, 1, 6, 0x02aabbccdd01]);
    expect(sll2.summary(s)).toBe('ifindex 7 Sent by us (4) 02:aa:bb:cc:dd:01, ethertype Slow Protocols (0x8809)');
    expect(p.problems).toEqual([]);
  });

  it('reads the ifindex as unsigned 32 bits', () => {
    const { layer } = roundTrip(sll2, { protocol: 0x0800, ifindex: 0xfffffffe, arphrd: 1, packetType: 0, src: 1 });
    expect(layer.ifindex).toBe(4294967294);
  });

  it('notes a non-zero reserved field', () => {
    const p = registry.dissect(frameOf(sll2.encode({ protocol: 0x0800, reserved: 1, ifindex: 1, arphrd: 1, packetType: 0 }), { linkType: 276 }));
    expect(p.problems.map((x) => x.id)).toContain('sll2.reserved');
  });

  it('survives every cut', () => cutEverywhere(sll2.encode({ protocol: 0x8809, ifindex: 3, arphrd: 1, packetType: 0, src: 5 }, LACPDU), 276));
  it('survives fuzzing', () => fuzzDissector(sll2, { samples: [sll2.encode({ protocol: 0x8809, ifindex: 3, arphrd: 1, packetType: 0, src: 5 }, LACPDU)], linkType: 276 }));
});
