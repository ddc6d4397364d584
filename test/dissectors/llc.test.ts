import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getLayer } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { registry } from '../../dissectors/index.js';
import { llc, type LlcFields } from '../../dissectors/llc.js';
import { cutEverywhere, fuzzDissector, roundTrip } from './harness.js';
import { frameOf } from '../helpers/frames.js';

export const llcFieldsArb: fc.Arbitrary<LlcFields> = fc.oneof(
  fc.record({ dsap: fc.integer({ min: 0, max: 0xff }), ssap: fc.integer({ min: 0, max: 0xff }), control: fc.constantFrom(0x03, 0x13, 0x6f, 0xaf) }),
  fc.record({ dsap: fc.integer({ min: 0, max: 0xff }), ssap: fc.integer({ min: 0, max: 0xff }), control: fc.integer({ min: 0, max: 0xffff }).filter((c) => (c & 3) !== 3) }),
  fc.record({ dsap: fc.constant(0xaa), ssap: fc.constant(0xaa), control: fc.constant(3), oui: fc.integer({ min: 0, max: 0xffffff }), pid: fc.integer({ min: 0, max: 0xffff }) }),
);

describe('llc', () => {
  it('round-trips U, I/S and SNAP headers', () => {
    fc.assert(fc.property(llcFieldsArb, (f) => void roundTrip(llc, f, Uint8Array.of(1, 2))));
  });

  it('dispatches SNAP with OUI 0 on its EtherType, other SAPs on the DSAP', () => {
    const snap = llc.encode({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x0806 }, new Uint8Array(28));
    const p = registry.dissect(frameOf(ethernet.encode({ dst: 1, src: 2, type: snap.length }, snap)));
    expect(p.layers.map((l) => l.layer)).toEqual(['eth', 'llc', 'arp']);
    expect(llc.summary(getLayer(p, 'llc')!)).toBe('LLC/SNAP, oui Encapsulated Ethernet (0x0000), pid 0x0806');
    const stp = llc.encode({ dsap: 0x42, ssap: 0x42, control: 3 }, new Uint8Array(35));
    const q = registry.dissect(frameOf(ethernet.encode({ dst: 0x0180c2000000, src: 2, type: stp.length }, stp)));
    expect(q.rawOf).toBe('llc.sap=66');
    expect(llc.summary(getLayer(q, 'llc')!)).toBe('LLC, dsap Spanning Tree BPDU (0x0042), ssap Spanning Tree BPDU (0x0042) Command, ctrl 0x03');
  });

  it('reads a two-octet I/S control field', () => {
    const { layer } = roundTrip(llc, { dsap: 0xf0, ssap: 0xf0, control: 0x1234 });
    expect(layer.len).toBe(4);
  });

  it('survives every cut', () => {
    const snap = llc.encode({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x0806 }, new Uint8Array(28));
    cutEverywhere(ethernet.encode({ dst: 1, src: 2, type: snap.length }, snap));
  });
  it('survives fuzzing', () => fuzzDissector(llc, { samples: [llc.encode({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x0800 })], linkType: 1 }));
});
