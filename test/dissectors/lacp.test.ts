import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flagNames, getLayer, parseMac } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { lacp, lacpStateFlags, LACPDU_LEN, type LacpFields } from '../../dissectors/lacp.js';
import { cutEverywhere, decodeWith, fieldsOf, fuzzDissector, roundTrip } from './harness.js';
import { concat, frameOf, hexBytes } from '../helpers/frames.js';

const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
export const lacpFieldsArb: fc.Arbitrary<LacpFields> = fc.record({
  actorSystemPriority: u16,
  actorSystem: mac,
  actorKey: u16,
  actorPortPriority: u16,
  actorPort: u16,
  actorState: u8,
  partnerSystemPriority: u16,
  partnerSystem: mac,
  partnerKey: u16,
  partnerPortPriority: u16,
  partnerPort: u16,
  partnerState: u8,
  collectorMaxDelay: u16,
});

// LACP.pcap frame 1 (tcpdump -v: "LACPv1, length 110 / Actor ... System 00:13:c4:12:0f:00, System
// Priority 32768, Key 13, Port 22, Port Priority 32768 / State Flags [Activity, Aggregation, Expired] /
// Partner ... System 00:0e:83:16:f5:00 ... Key 13, Port 25 ... [Timeout, Aggregation, Collecting,
// Distributing] / Collector ... Max Delay 32768").
const FRAME1 = hexBytes(
  '0180c20000020013c4120f0d88090101011480000013c4120f00000d800000168500000002148000000e8316f500000d80000019360000000310800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
);

describe('lacp', () => {
  it('decodes the version 1 layout field by field', () => {
    const p = registry.dissect(frameOf(FRAME1));
    expect(p.layers.map((l) => l.layer)).toEqual(['eth', 'slow', 'lacp']);
    expect(p.problems).toEqual([]);
    const l = getLayer(p, 'lacp')!;
    expect(l.len).toBe(LACPDU_LEN);
    expect([l.subtype, l.version, l.actorType, l.actorLength, l.partnerType, l.partnerLength, l.collectorType, l.collectorLength, l.terminatorType, l.terminatorLength]).toEqual([
      1, 1, 1, 20, 2, 20, 3, 16, 0, 0,
    ]);
    expect([l.actorSystemPriority, l.actorSystem, l.actorKey, l.actorPortPriority, l.actorPort, l.actorState]).toEqual([32768, parseMac('00:13:c4:12:0f:00'), 13, 32768, 22, 0x85]);
    expect([l.partnerSystem, l.partnerKey, l.partnerPort, l.partnerState]).toEqual([parseMac('00:0e:83:16:f5:00'), 13, 25, 0x36]);
    expect(l.collectorMaxDelay).toBe(32768);
    expect(l.reserved.length).toBe(50);
    expect(lacp.summary(l)).toBe(
      'LACPv1 actor 00:13:c4:12:0f:00 port 22 key 13 [activity,aggregation,expired] partner 00:0e:83:16:f5:00 port 25 key 13 [timeout,aggregation,collecting,distributing]',
    );
  });

  it('names the state flags as PROTOCOLS.md §2.3 (0x3d healthy slow, 0x45 defaulted)', () => {
    expect(lacpStateFlags.map((f) => [f.mask, f.name])).toEqual([
      [0x01, 'activity'],
      [0x02, 'timeout'],
      [0x04, 'aggregation'],
      [0x08, 'synchronization'],
      [0x10, 'collecting'],
      [0x20, 'distributing'],
      [0x40, 'defaulted'],
      [0x80, 'expired'],
    ]);
    expect(flagNames(0x3d, lacpStateFlags)).toEqual(['activity', 'aggregation', 'synchronization', 'collecting', 'distributing']);
    expect(flagNames(0x45, lacpStateFlags)).toEqual(['activity', 'aggregation', 'defaulted']);
  });

  it('round-trips any version 1 PDU, byte for byte', () => {
    fc.assert(fc.property(lacpFieldsArb, (f) => void roundTrip(lacp, f)));
    const { bytes } = roundTrip(lacp, fieldsOf(decodeWith(lacp, FRAME1.subarray(14)).layer!));
    expect(bytes.length).toBe(110);
  });

  it('walks version 2 TLVs and decodes the Port Algorithm and Conversation ID Digest', () => {
    const digest = new Uint8Array(16).fill(0xab);
    const f: LacpFields = {
      version: 2,
      actorSystemPriority: 1, actorSystem: 2, actorKey: 3, actorPortPriority: 4, actorPort: 5, actorState: 0x3d,
      partnerSystemPriority: 1, partnerSystem: 6, partnerKey: 3, partnerPortPriority: 4, partnerPort: 7, partnerState: 0x3d,
      tlvs: [
        { type: 4, length: 6, value: Uint8Array.of(0x00, 0x80, 0xc2, 0x01) },
        { type: 5, length: 20, value: concat([0, 9], digest) },
      ],
    };
    const { layer, pkt } = roundTrip(lacp, f);
    expect(pkt.problems).toEqual([]);
    expect(layer.tlvs.map((t) => [t.type, t.length])).toEqual([[4, 6], [5, 20]]);
    expect(layer.portAlgorithm).toBe(0x0080c201);
    expect(layer.linkNumberId).toBe(9);
    expect(layer.len).toBe(110);
    expect(lacp.summary(layer)).toContain('algorithm C-VID (1), 2 v2 TLVs');
  });

  it('makes a PDU longer than 110 octets when the v2 TLVs need it (Conversation Masks)', () => {
    const base = decodeWith(lacp, FRAME1.subarray(14)).layer!;
    const masks = [
      { type: 6, length: 131, value: new Uint8Array(129) },
      { type: 7, length: 130, value: new Uint8Array(128) },
    ];
    const { layer, pkt } = roundTrip(lacp, { ...fieldsOf(base), version: 2, tlvs: masks, reserved: undefined });
    expect(pkt.problems).toEqual([]);
    expect(layer.len).toBe(58 + 131 + 130 + 2);
  });

  it('reports wrong TLV types and lengths with stable ids', () => {
    const b = Uint8Array.from(FRAME1.subarray(14));
    b[2] = 9; // actor type
    b[23] = 19; // partner length
    b[59] = 3; // terminator length
    const { pkt } = decodeWith(lacp, b);
    expect(pkt.problems.map((p) => [p.id, p.kind, p.offset])).toEqual([
      ['lacp.bad-tlv-type', 'malformed', 2],
      ['lacp.bad-tlv-length', 'malformed', 23],
      ['lacp.bad-tlv-length', 'malformed', 59],
    ]);
  });

  it('flags unknown versions and unknown TLVs but still decodes', () => {
    const b = Uint8Array.from(FRAME1.subarray(14));
    b[1] = 7;
    b[58] = 0x42;
    b[59] = 4;
    const { layer, pkt } = decodeWith(lacp, b);
    expect(layer!.actorPort).toBe(22);
    expect(layer!.tlvs.map((t) => t.type)).toEqual([0x42]);
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([
      ['lacp.version', 'unusual'],
      ['lacp.bad-tlv-type', 'unusual'],
    ]);
  });

  it('reports a TLV running past the frame', () => {
    const b = Uint8Array.from(FRAME1.subarray(14));
    b[58] = 6;
    b[59] = 131;
    const { pkt } = decodeWith(lacp, b);
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['lacp.bad-tlv-length', 'malformed']]);
  });

  it('tolerates trailing bytes and decodes the HP IRF MAD blob', () => {
    const irf = hexBytes('64' + '18' + '0000' + '0007' + '3cd92b000001' + '0000000000000000' + '0002' + '0011' + '0000');
    const p = registry.dissect(frameOf(concat(FRAME1, irf)));
    const l = getLayer(p, 'lacp')!;
    expect([l.irfDomain, l.irfMac, l.irfSwitch, l.irfPort]).toEqual([7, parseMac('3c:d9:2b:00:00:01'), 2, 17]);
    expect(p.rawEnd - p.rawOff).toBe(0);
    const q = registry.dissect(frameOf(concat(FRAME1, [1, 2, 3, 4])));
    expect(getLayer(q, 'lacp')!.vendor.length).toBe(0);
    expect(q.rawEnd - q.rawOff).toBe(4);
    expect(q.problems).toEqual([]);
  });

  it('decodes the actor and partner of a PDU cut by a short snaplen', () => {
    const p = registry.dissect(frameOf(FRAME1, { caplen: 64, origLen: 124 }));
    const l = getLayer(p, 'lacp')!;
    expect([l.actorPort, l.partnerPort, l.collectorMaxDelay]).toEqual([22, 25, -1]);
    expect(p.problems.map((x) => [x.id, x.need, x.have])).toEqual([['lacp.truncated', 110, 50]]);
    const q = registry.dissect(frameOf(FRAME1, { caplen: 14 + 60, origLen: 124 }));
    expect([getLayer(q, 'lacp')!.collectorMaxDelay, getLayer(q, 'lacp')!.terminatorType]).toEqual([32768, 0]);
  });

  it('survives every cut', () => cutEverywhere(FRAME1));
  it('survives fuzzing', () => fuzzDissector(lacp, { samples: [FRAME1.subarray(14)], linkType: 1 }));
  it('survives fuzzing of whole frames', () => fuzzDissector(lacp, { samples: [FRAME1], linkType: 1, numRuns: 300 }));
});
