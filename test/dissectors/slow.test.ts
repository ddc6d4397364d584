import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getLayer } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { marker, type MarkerFields } from '../../dissectors/marker.js';
import { ossp, OUI_ITU_T } from '../../dissectors/ossp.js';
import { slow } from '../../dissectors/slow.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';
import { frameOf, hexBytes } from '../helpers/frames.js';

// slow-ossp.pcap frame 1 (tcpdump -v: "OSSP, length 52 / OUI: ITU-T (0x0019a7)"; tshark: ESMC, QL TLV, SSM 0x4).
const OSSP_FRAME = hexBytes(
  '0180c200000200112233445588090a0019a7000110000000010004040000000000000000000000000000000000000000000000000000000000000000000000000000',
);

const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
export const markerFieldsArb: fc.Arbitrary<MarkerFields> = fc.record({
  tlvType: fc.integer({ min: 1, max: 2 }),
  requesterPort: fc.integer({ min: 0, max: 0xffff }),
  requesterSystem: mac,
  requesterTransactionId: fc.integer({ min: 0, max: 0xffffffff }),
});

function slowFrame(pdu: Uint8Array): Uint8Array {
  return ethernet.encode({ dst: 0x0180c2000002, src: 0x020000000001, type: 0x8809 }, pdu);
}

describe('slow protocols', () => {
  it('is a zero-length layer whose subtype octet belongs to the child', () => {
    const p = registry.dissect(frameOf(OSSP_FRAME));
    const s = getLayer(p, 'slow')!;
    expect([s.len, s.subtype, s.nextTable, s.nextKey]).toEqual([0, 10, 'slow.subtype', 10]);
    expect(getLayer(p, 'ossp')!.off).toBe(s.off);
    expect(slow.summary(s)).toBe('Slow Protocols, subtype Organization Specific Slow Protocol (OSSP) (10)');
    roundTrip(slow, { subtype: 3 }, Uint8Array.of(3, 1, 2));
  });

  it('leaves unknown subtypes (OAM) as raw payload', () => {
    const p = registry.dissect(frameOf(slowFrame(Uint8Array.of(3, 1, 0, 0))));
    expect(p.layers.map((l) => l.layer)).toEqual(['eth', 'slow']);
    expect(p.rawOf).toBe('slow.subtype=3');
  });
});

describe('marker', () => {
  it('round-trips Marker and Marker Response PDUs', () => {
    fc.assert(fc.property(markerFieldsArb, (f) => void roundTrip(marker, f)));
  });

  it('decodes the 110-octet layout of PROTOCOLS.md §2.5', () => {
    const b = marker.encode({ tlvType: 2, requesterPort: 7, requesterSystem: 0x001122334455, requesterTransactionId: 0xdeadbeef });
    expect(b.length).toBe(110);
    expect([...b.subarray(0, 20)]).toEqual([2, 1, 2, 16, 0, 7, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]);
    const p = registry.dissect(frameOf(slowFrame(b)));
    const m = getLayer(p, 'marker')!;
    expect(p.problems).toEqual([]);
    expect(marker.summary(m)).toBe('Marker Response requester 00:11:22:33:44:55 port 7 transaction 3735928559');
  });

  it('reports bad TLV type/length and a non-zero pad', () => {
    const b = marker.encode({ tlvType: 3, tlvLength: 0x16, requesterPort: 1, requesterSystem: 1, requesterTransactionId: 1, pad: 1 });
    const { pkt } = decodeWith(marker, b);
    expect(pkt.problems.map((p) => p.id)).toEqual(['marker.bad-tlv-type', 'marker.bad-tlv-length', 'marker.bad-pad']);
  });

  it('survives every cut', () => cutEverywhere(slowFrame(marker.encode({ tlvType: 1, requesterPort: 1, requesterSystem: 2, requesterTransactionId: 3 }))));
  it('survives fuzzing', () => fuzzDissector(marker, { samples: [marker.encode({ tlvType: 1, requesterPort: 1, requesterSystem: 2, requesterTransactionId: 3 })], linkType: 1 }));
});

describe('ossp', () => {
  it('decodes ESMC from slow-ossp.pcap', () => {
    const p = registry.dissect(frameOf(OSSP_FRAME));
    const o = getLayer(p, 'ossp')!;
    expect(p.problems).toEqual([]);
    expect([o.oui, o.ituSubtype, o.esmcVersion, o.eventFlag, o.qlTlvType, o.qlTlvLength, o.ssmCode, o.extTlvType]).toEqual([OUI_ITU_T, 1, 1, 0, 1, 4, 4, -1]);
    expect(o.len).toBe(14);
    expect(p.rawEnd - p.rawOff).toBe(38); // ESMC padding
    expect(ossp.summary(o)).toBe('OSSP ESMC, Information, QL-SSU-A (4)');
  });

  it('round-trips ESMC with the extended QL TLV, and other OUIs', () => {
    const { layer } = roundTrip(ossp, {
      oui: OUI_ITU_T, eventFlag: 1, ssmCode: 2, extTlvType: 2, essmCode: 0x20,
      clockId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), extFlags: 3, eeecCount: 4, eecCount: 1,
    }, new Uint8Array(10));
    expect(layer.len).toBe(34);
    expect(ossp.summary(layer)).toBe('OSSP ESMC, Event, QL-PRC (2), eSSM 0x20, clock 0102030405060708, 4 eEEC 1 EEC');
    const other = roundTrip(ossp, { oui: 0x00005e }, Uint8Array.of(1, 2, 3));
    expect(other.layer.ssmCode).toBe(-1);
    expect(ossp.summary(other.layer)).toBe('OSSP, OUI Unknown (0x00005e)');
  });

  it('reports a QL TLV that is not first or has a wrong length', () => {
    const b = ossp.encode({ oui: OUI_ITU_T, qlTlvType: 2, qlTlvLength: 5, ssmCode: 4 });
    const { pkt } = decodeWith(ossp, b);
    expect(pkt.problems.map((p) => p.id)).toEqual(['ossp.bad-tlv-type', 'ossp.bad-tlv-length']);
  });

  it('survives every cut', () => cutEverywhere(OSSP_FRAME));
  it('survives fuzzing', () => fuzzDissector(ossp, { samples: [OSSP_FRAME.subarray(14), ossp.encode({ oui: OUI_ITU_T, extTlvType: 2 })], linkType: 1 }));
});

describe('slow (fuzz)', () => {
  it('survives fuzzing', () => fuzzDissector(slow, { samples: [OSSP_FRAME.subarray(14)], linkType: 1 }));
});
