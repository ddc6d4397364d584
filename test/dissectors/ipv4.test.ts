import { describe, expect, it } from 'vitest';
import { flagNames, newPacket, parseIpv4 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { inetFold, inetSum, ipv4, ipv4Flags, type Ipv4Layer } from '../../dissectors/ipv4.js';
import { udp } from '../../dissectors/udp.js';
import { concat, frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const A = parseIpv4('10.0.0.1');
const B = parseIpv4('224.0.0.18');
const RAW_IPV4 = 228;
const RAW = 101;

/** IPv4 + UDP + payload, lengths and IP checksum computed by the encoders. */
function ipUdp(payload: Uint8Array, ip: Partial<Parameters<typeof ipv4.encode>[0]> = {}): Uint8Array {
  return ipv4.encode({ protocol: 17, src: A, dst: B, ...ip }, udp.encode({ srcPort: 5405, dstPort: 5405 }, payload));
}

function ids(pkt: { problems: { id: string }[] }): string[] {
  return pkt.problems.map((p) => p.id);
}

describe('ipv4', () => {
  it('round-trips a plain header, computing length and a checksum that verifies', () => {
    const { layer, pkt } = roundTrip(ipv4, { dscp: 46, ecn: 1, id: 0x1234, flags: 2, ttl: 255, protocol: 112, src: A, dst: B }, new Uint8Array(8));
    expect(layer.totalLength).toBe(28);
    expect(layer.ihl).toBe(5);
    expect(layer.checksumStatus).toBe(1);
    expect(pkt.problems).toEqual([]);
    expect(flagNames(layer.flags, ipv4Flags)).toEqual(['df']);
  });

  it('keeps options: length, bytes and the header checksum over them', () => {
    const options = Uint8Array.from([0x94, 0x04, 0x00, 0x00]); // Router Alert (RFC 2113)
    const { layer } = roundTrip(ipv4, { protocol: 2, src: A, dst: B, options, ttl: 1 }, new Uint8Array(8));
    expect(layer.ihl).toBe(6);
    expect(layer.optionsLen).toBe(4);
    expect(layer.len).toBe(24);
    expect(layer.payloadOff - layer.off).toBe(24);
    expect(layer.checksumStatus).toBe(1);
  });

  it('verifies the checksum of a real header (tcpdump vrrp.pcap frame 1)', () => {
    const b = hexBytes('4500003012340000ff70bebc0a00005be0000012');
    expect(inetFold(inetSum(b, 0, 20))).toBe(0);
    const { layer, pkt } = decodeWith(ipv4, concat(b, new Uint8Array(28)));
    expect(layer!.checksum).toBe(0xbebc);
    expect(layer!.checksumStatus).toBe(1);
    expect(pkt.problems).toEqual([]);
  });

  it('reports a bad header checksum as an unusual note (offload makes it common), and round-trips it', () => {
    const { layer, pkt } = roundTrip(ipv4, { protocol: 17, src: A, dst: B, checksum: 0 }, new Uint8Array(8));
    expect(layer.checksumStatus).toBe(0);
    expect(pkt.problems.map((p) => [p.id, p.kind, p.severity, p.offset])).toEqual([['ipv4.bad-checksum', 'unusual', 'note', 10]]);
  });

  it('treats bytes beyond Total Length as a trailer (Ethernet padding), not payload', () => {
    const dgram = ipUdp(new Uint8Array(4)); // 20 + 8 + 4 = 32
    const pkt = registry.dissect(frameOf(concat(dgram, new Uint8Array(14)), { linkType: RAW_IPV4 }));
    const ip = pkt.layers[0] as Ipv4Layer;
    expect(ip.payloadEnd - pkt.frame.off).toBe(32);
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
    expect(pkt.layers[1]!.payloadEnd - pkt.frame.off).toBe(32);
    expect(pkt.problems).toEqual([]);
  });

  it('Total Length beyond the frame: malformed when the frame is whole, truncated when the capture cut it', () => {
    const dgram = ipUdp(new Uint8Array(40));
    const short = registry.dissect(frameOf(dgram.subarray(0, 50), { linkType: RAW_IPV4 }));
    expect(short.problems.find((p) => p.layer === 'ipv4')).toMatchObject({ id: 'ipv4.bad-total-length', kind: 'malformed' });
    const cut = registry.dissect(frameOf(dgram, { linkType: RAW_IPV4, caplen: 50 }));
    expect(cut.problems.find((p) => p.layer === 'ipv4')).toMatchObject({ id: 'ipv4.truncated', kind: 'truncated' });
    expect(cut.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
  });

  it('Total Length 0 (segmentation offload): payload to the frame end, with a note', () => {
    const dgram = ipUdp(new Uint8Array(4), { totalLength: 0 });
    const { layer, pkt } = decodeWith(ipv4, dgram);
    expect(layer!.payloadEnd - layer!.off).toBe(dgram.length);
    expect(ids(pkt)).toContain('ipv4.zero-total-length');
  });

  it('does not decode the transport header of a non-first fragment', () => {
    const dgram = ipUdp(new Uint8Array(16), { fragOffset: 185, flags: 1 });
    const pkt = registry.dissect(frameOf(dgram, { linkType: RAW_IPV4 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv4']);
    expect((pkt.layers[0] as Ipv4Layer).nextTable).toBeNull();
    expect(pkt.rawOf).toBe('ipv4.payload');
    expect(pkt.rawEnd - pkt.rawOff).toBe(24);
    expect(pkt.problems).toEqual([]);
  });

  it('decodes the transport header of a first fragment, without blaming UDP for the missing rest', () => {
    const whole = ipUdp(new Uint8Array(100));
    const first = ipv4.encode({ protocol: 17, src: A, dst: B, flags: 1 }, whole.subarray(20, 20 + 48));
    const pkt = registry.dissect(frameOf(first, { linkType: RAW_IPV4 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
    expect(pkt.layers[1]!.nextTable).toBeNull();
    expect(pkt.problems).toEqual([]);
  });

  it('header length below 20 and a wrong version are malformed and stop decoding', () => {
    const bad = ipUdp(new Uint8Array(4), { ihl: 4 });
    const a = decodeWith(ipv4, bad);
    expect(ids(a.pkt)).toContain('ipv4.bad-ihl');
    expect(a.layer!.nextTable).toBeNull();
    const v6 = ipUdp(new Uint8Array(4), { version: 6 });
    const b = decodeWith(ipv4, v6);
    expect(ids(b.pkt)).toContain('ipv4.bad-version');
    expect(b.layer!.nextTable).toBeNull();
  });

  it('options cut by the frame: truncated problem, header kept', () => {
    const dgram = ipv4.encode({ protocol: 17, src: A, dst: B, options: new Uint8Array(8) });
    const frame = frameOf(dgram, { caplen: 24 });
    const pkt = newPacket(frame, 0);
    const l = ipv4.decode(frame.buf, frame.off, frame.off + frame.caplen, pkt);
    expect(l!.len).toBe(24);
    expect(l!.checksumStatus).toBe(2);
    expect(pkt.problems.map((p) => p.kind)).toEqual(['truncated']);
  });

  it('is chosen on LINKTYPE_RAW by its version nibble', () => {
    const pkt = registry.dissect(frameOf(ipUdp(new Uint8Array(2)), { linkType: RAW }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
  });

  it('decodes to one flat object of numbers and views (the hot path builds no strings or arrays)', () => {
    const { layer } = decodeWith(ipv4, ipUdp(new Uint8Array(2)));
    for (const [k, v] of Object.entries(layer!)) {
      if (k === 'layer' || k === 'nextTable') continue;
      expect(typeof v === 'number' || v instanceof Uint8Array, k).toBe(true);
    }
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(ipUdp(Uint8Array.from([1, 2, 3, 4]), { options: Uint8Array.from([1, 1, 1, 0]) }), RAW_IPV4);
  });

  it('survives fuzzing', () => {
    fuzzDissector(ipv4, { samples: [ipUdp(new Uint8Array(6)), ipUdp(new Uint8Array(0), { options: new Uint8Array(4), fragOffset: 3 })], linkType: RAW_IPV4 });
  });
});
