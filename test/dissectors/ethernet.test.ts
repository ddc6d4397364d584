import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getLayer } from '../../dissectors/core.js';
import { ethernet, type EthFields } from '../../dissectors/ethernet.js';
import { registry } from '../../dissectors/index.js';
import { LLC_PDU } from '../../dissectors/llc.js';
import { cutEverywhere, fuzzDissector, roundTrip } from './harness.js';
import { frameOf, hexBytes } from '../helpers/frames.js';

const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
export const ethFieldsArb: fc.Arbitrary<EthFields> = fc.record({ dst: mac, src: mac, type: fc.integer({ min: 0, max: 0xffff }) });

// Frame 1 of 802.1ad_QinQ.pcap (tcpdump: "00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8)").
const QINQ_ARP = hexBytes(
  'ffffffffffff0020d25afb3f88a800c8810007d1080600010800060400010020d25afb3fac154f61000000000000ac154f640000000000000000000000000000',
);

describe('ethernet', () => {
  it('round-trips any header and payload', () => {
    fc.assert(
      fc.property(ethFieldsArb, fc.uint8Array({ maxLength: 40 }), (f, payload) => {
        const type = f.type <= 1500 ? payload.length : f.type;
        roundTrip(ethernet, { ...f, type }, payload);
      }),
    );
  });

  it('reads MACs as numbers and the type as the dispatch key', () => {
    const p = registry.dissect(frameOf(QINQ_ARP));
    const e = getLayer(p, 'eth')!;
    expect(e.dst).toBe(0xffffffffffff);
    expect(e.src).toBe(0x0020d25afb3f);
    expect(e.type).toBe(0x88a8);
    expect([e.nextTable, e.nextKey]).toEqual(['ethertype', 0x88a8]);
    expect(ethernet.summary(e)).toBe('00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8)');
  });

  it('treats a type/length ≤ 1500 as an 802.3 length bounding an LLC payload', () => {
    const llcPdu = [0x42, 0x42, 0x03, 1, 2, 3];
    const b = ethernet.encode({ dst: 0x0180c2000000, src: 0x020000000001, type: llcPdu.length }, Uint8Array.from([...llcPdu, 0, 0, 0, 0]));
    const p = registry.dissect(frameOf(b));
    const e = getLayer(p, 'eth')!;
    expect([e.nextTable, e.nextKey]).toEqual(['llc.sap', LLC_PDU]);
    expect(e.payloadEnd - e.payloadOff).toBe(6);
    expect(getLayer(p, 'llc')!.dsap).toBe(0x42);
    expect(p.problems).toEqual([]);
    expect(ethernet.summary(e)).toBe('02:00:00:00:00:01 > 01:80:c2:00:00:00, 802.3, length 6');
  });

  it('reports an 802.3 length beyond the frame as malformed, or truncated when the capture cut it', () => {
    const b = ethernet.encode({ dst: 1, src: 2, type: 100 }, new Uint8Array(10));
    const p = registry.dissect(frameOf(b));
    expect(p.problems.map((x) => [x.id, x.kind, x.offset])).toEqual([['eth.bad-length', 'malformed', 12]]);
    expect(getLayer(p, 'eth')!.payloadEnd).toBe(b.length);
    const q = registry.dissect(frameOf(b, { origLen: 14 + 100 }));
    expect(q.problems.map((x) => x.id)).toEqual(['eth.truncated']);
  });

  it('reports a header shorter than 14 bytes', () => {
    const p = registry.dissect(frameOf(QINQ_ARP.subarray(0, 13)));
    expect(p.layers).toEqual([]);
    expect(p.problems.map((x) => [x.id, x.kind, x.need, x.have])).toEqual([['eth.short', 'malformed', 14, 13]]);
  });

  it('survives every cut', () => cutEverywhere(QINQ_ARP));
  it('survives fuzzing', () => fuzzDissector(ethernet, { samples: [QINQ_ARP], linkType: 1 }));
});
