import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { setUdpChecksum, transportChecksum, udp } from '../../dissectors/udp.js';
import { frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const A = parseIpv4('192.0.2.1');
const B = parseIpv4('192.0.2.2');
const RAW_IPV4 = 228;

describe('udp', () => {
  it('round-trips, computing the length; checksum 0 unless asked', () => {
    const { layer, pkt } = roundTrip(udp, { srcPort: 50000, dstPort: 3343 }, new Uint8Array(5));
    expect(layer).toMatchObject({ length: 13, checksum: 0, payloadOff: layer.off + 8, payloadEnd: layer.off + 13 });
    expect(pkt.problems).toEqual([]);
  });

  it('continues in udp.port with the lower port first, the higher second', () => {
    const a = decodeWith(udp, udp.encode({ srcPort: 50000, dstPort: 3343 }, new Uint8Array(4))).layer!;
    expect([a.nextTable, a.nextKey, a.nextKey2]).toEqual(['udp.port', 3343, 50000]);
    const b = decodeWith(udp, udp.encode({ srcPort: 1985, dstPort: 1985 }, new Uint8Array(4))).layer!;
    expect([b.nextKey, b.nextKey2]).toEqual([1985, -1]);
    const empty = decodeWith(udp, udp.encode({ srcPort: 1, dstPort: 2 })).layer!;
    expect(empty.nextTable).toBeNull();
  });

  it('checks the length field: below 8 and beyond the frame are malformed, beyond a cut frame truncated', () => {
    const tiny = decodeWith(udp, udp.encode({ srcPort: 1, dstPort: 2, length: 4 }, new Uint8Array(4)));
    expect(tiny.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['udp.bad-length', 'malformed']]);
    expect(tiny.layer!.nextTable).toBeNull();
    const long = decodeWith(udp, udp.encode({ srcPort: 1, dstPort: 2, length: 40 }, new Uint8Array(4)));
    expect(long.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['udp.bad-length', 'malformed']]);
    const cut = decodeWith(udp, udp.encode({ srcPort: 1, dstPort: 2 }, new Uint8Array(40)), { caplen: 20 });
    expect(cut.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['udp.truncated', 'truncated']]);
  });

  it('computes the checksum with the IPv4 pseudo-header (RFC 768 example checked against a known datagram)', () => {
    // 10.0.0.1:1985 → 224.0.0.2:1985, an HSRPv1 hello; 0x9afb computed independently (Python, RFC 1071).
    const d = hexBytes('07c107c1001c0000' + '00001003 0a 64 01 00 636973636f000000 0a000001'.replace(/ /g, ''));
    setUdpChecksum(d, parseIpv4('10.0.0.1'), parseIpv4('224.0.0.2'));
    expect((d[6]! << 8) | d[7]!).toBe(0x9afb);
    expect(transportChecksum(d, 17, parseIpv4('10.0.0.1'), parseIpv4('224.0.0.2'))).toBe(0);
    const v6 = setUdpChecksum(udp.encode({ srcPort: 2029, dstPort: 2029 }, new Uint8Array(7).fill(9)), parseIpv6('fe80::1')!, parseIpv6('ff02::66')!);
    expect(transportChecksum(v6, 17, parseIpv6('fe80::1')!, parseIpv6('ff02::66')!)).toBe(0);
    expect(v6[6]! | v6[7]!).not.toBe(0);
  });

  it('a datagram in an IPv6 packet decodes through the registry', () => {
    const d = udp.encode({ srcPort: 40000, dstPort: 53 }, new Uint8Array(3));
    const pkt = registry.dissect(frameOf(ipv6.encode({ nextHeader: 17, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')! }, d), { linkType: 229 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv6', 'udp']);
    expect(pkt.rawOf).toBe('udp.port=53');
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(ipv4.encode({ protocol: 17, src: A, dst: B }, udp.encode({ srcPort: 7, dstPort: 9 }, new Uint8Array(3))), RAW_IPV4);
  });

  it('survives fuzzing', () => {
    fuzzDissector(udp, { samples: [ipv4.encode({ protocol: 17, src: A, dst: B }, udp.encode({ srcPort: 7, dstPort: 9 }, new Uint8Array(3)))], linkType: RAW_IPV4 });
  });
});
