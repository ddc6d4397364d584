import { describe, expect, it } from 'vitest';
import { getLayer, parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { isMscs, mscs } from '../../dissectors/mscs.js';
import { udp } from '../../dissectors/udp.js';
import { frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const RAW_IPV4 = 228;
const A = parseIpv4('10.1.1.11');
const B = parseIpv4('10.1.1.12');

function onUdp(msg: Uint8Array): Uint8Array {
  return ipv4.encode({ protocol: 17, src: A, dst: B }, udp.encode({ srcPort: 3343, dstPort: 3343 }, msg));
}

describe('mscs', () => {
  it('round-trips a heartbeat Request with an IPv4 route pair (little-endian header)', () => {
    const { layer, pkt } = roundTrip(mscs, { version: 1, type: 0, sequence: 41, srcAddr: A, dstAddr: B });
    expect(layer).toMatchObject({ identifier: 0x55555555, nextHeader: 1, totalLength: 32, extLength: 16, len: 32 });
    expect(pkt.problems).toEqual([]);
    expect(mscs.summary(layer)).toBe('MSCS heartbeat Request seq 41 route 10.1.1.11 > 10.1.1.12');
  });

  it('decodes the layout byte for byte: identifier, version, reserved, type, next header, length, sequence (LE)', () => {
    const b = hexBytes('55555555 01 00 0100 0000 1000 29000000'.replace(/ /g, ''));
    const { layer } = decodeWith(mscs, b);
    expect(layer).toMatchObject({ version: 1, type: 1, nextHeader: 0, totalLength: 16, sequence: 41, srcAddr: null });
    expect(mscs.summary(layer!)).toBe('MSCS heartbeat Response seq 41');
  });

  it('an IPv6 route pair: 16-byte addresses', () => {
    const s = parseIpv6('fd00::11')!;
    const d = parseIpv6('fd00::12')!;
    const { layer } = roundTrip(mscs, { type: 1, sequence: 7, srcAddr: s, dstAddr: d });
    expect(layer).toMatchObject({ nextHeader: 2, len: 56, totalLength: 56 });
    expect(mscs.summary(layer)).toBe('MSCS heartbeat Response seq 7 route fd00::11 > fd00::12');
  });

  it('decodes UDP 3343 only when the identifier is 0x55555555; other payloads stay raw', () => {
    const pkt = registry.dissect(frameOf(onUdp(mscs.encode({ type: 0, sequence: 41 })), { linkType: RAW_IPV4 }));
    expect(getLayer(pkt, 'mscs')).toMatchObject({ sequence: 41 });
    // An "MSCS security" header (0x11E6C4EB) or a NetFT-tunnelled frame: not decoded.
    const sec = hexBytes('ebc4e611 01000000 40000000 01000000 02000000 00000000');
    const raw = registry.dissect(frameOf(onUdp(sec), { linkType: RAW_IPV4 }));
    expect(raw.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
    expect(raw.rawOf).toBe('udp.port=3343');
    expect(isMscs(hexBytes('55555555'), 0, 4)).toBe(false);
  });

  it('a Total Length or an extension beyond the message is malformed (truncated when cut)', () => {
    const long = decodeWith(mscs, mscs.encode({ type: 0, sequence: 1, totalLength: 64 }));
    expect(long.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['mscs.bad-length', 'malformed']]);
    const cut = decodeWith(mscs, mscs.encode({ type: 0, sequence: 1, srcAddr: A, dstAddr: B }), { caplen: 20 });
    expect(cut.pkt.problems.map((p) => p.kind)).toEqual(['truncated', 'truncated']);
    expect(cut.layer).toMatchObject({ len: 16, srcAddr: null });
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(onUdp(mscs.encode({ type: 0, sequence: 41, srcAddr: A, dstAddr: B })), RAW_IPV4, { heuristic: ['mscs'] });
  });

  it('survives fuzzing', () => {
    fuzzDissector(mscs, { samples: [mscs.encode({ type: 0, sequence: 41, srcAddr: A, dstAddr: B }), mscs.encode({ type: 1, sequence: 1, srcAddr: parseIpv6('::1'), dstAddr: parseIpv6('::2') })] });
    fuzzDissector(mscs, { samples: [onUdp(mscs.encode({ type: 0, sequence: 41, srcAddr: A, dstAddr: B }))], linkType: RAW_IPV4 });
  });
});
