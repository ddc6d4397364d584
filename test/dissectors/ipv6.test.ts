import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv6, type Ipv6Layer } from '../../dissectors/ipv6.js';
import { udp } from '../../dissectors/udp.js';
import { concat, frameOf } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const S = parseIpv6('fe80::d6ca:6dff:fe66:cf60')!;
const D = parseIpv6('ff02::12')!;
const RAW_IPV6 = 229;
const RAW = 101;

/** An extension header with 8·(len+1) bytes: next header, length, then zeros (PadN-free, still valid for tests). */
function ext(next: number, len8 = 0): Uint8Array {
  const b = new Uint8Array(8 * (len8 + 1));
  b[0] = next;
  b[1] = len8;
  return b;
}
/** A Fragment header (RFC 8200 §4.5). */
function frag(next: number, offset8: number, more: boolean, id: number): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = next;
  b[2] = offset8 >>> 5;
  b[3] = ((offset8 << 3) & 0xf8) | (more ? 1 : 0);
  new DataView(b.buffer).setUint32(4, id);
  return b;
}
/** An Authentication Header (RFC 4302) of (len + 2) · 4 bytes. */
function ah(next: number, len4 = 4): Uint8Array {
  const b = new Uint8Array((len4 + 2) * 4);
  b[0] = next;
  b[1] = len4;
  return b;
}

const dgram = udp.encode({ srcPort: 40000, dstPort: 40001 }, new Uint8Array(6));

describe('ipv6', () => {
  it('round-trips the fixed header', () => {
    const { layer, pkt } = roundTrip(ipv6, { trafficClass: 0xb8, flowLabel: 0xabcde, nextHeader: 17, hopLimit: 255, src: S, dst: D }, dgram);
    expect(layer.payloadLength).toBe(dgram.length);
    expect(layer.protocol).toBe(17);
    expect(layer.len).toBe(40);
    expect(layer.fragment).toBe(false);
    expect(pkt.problems).toEqual([]);
  });

  it('walks hop-by-hop, routing, destination options and AH to the upper layer', () => {
    const chain = concat(ext(43), ext(60, 1), ext(51), ah(17));
    const { layer } = roundTrip(ipv6, { nextHeader: 0, src: S, dst: D, ext: chain }, dgram);
    expect(layer.protocol).toBe(17);
    expect(layer.len).toBe(40 + chain.length);
    expect(layer.ext.length).toBe(8 + 8 + 16 + 24);
    const pkt = registry.dissect(frameOf(ipv6.encode({ nextHeader: 0, src: S, dst: D, ext: chain }, dgram), { linkType: RAW_IPV6 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv6', 'udp']);
  });

  it('a first fragment continues to the upper layer; a later fragment stays raw', () => {
    const first = decodeWith(ipv6, ipv6.encode({ nextHeader: 44, src: S, dst: D, ext: frag(17, 0, true, 0xdeadbeef) }, dgram));
    expect(first.layer).toMatchObject({ fragment: true, fragOffset: 0, fragMore: 1, fragId: 0xdeadbeef, protocol: 17, nextTable: 'ip.proto' });
    const later = decodeWith(ipv6, ipv6.encode({ nextHeader: 44, src: S, dst: D, ext: frag(17, 185, false, 7) }, dgram));
    expect(later.layer).toMatchObject({ fragment: true, fragOffset: 185, fragMore: 0, protocol: 17, nextTable: null });
    const pkt = registry.dissect(frameOf(ipv6.encode({ nextHeader: 44, src: S, dst: D, ext: frag(17, 185, false, 7) }, dgram), { linkType: RAW_IPV6 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv6']);
    expect(pkt.rawOf).toBe('ipv6.payload');
  });

  it('stops at ESP and No Next Header', () => {
    const esp = decodeWith(ipv6, ipv6.encode({ nextHeader: 0, src: S, dst: D, ext: ext(50) }, new Uint8Array(16)));
    expect(esp.layer).toMatchObject({ protocol: 50, len: 48, nextTable: 'ip.proto', nextKey: 50 });
    const none = decodeWith(ipv6, ipv6.encode({ nextHeader: 59, src: S, dst: D }));
    expect(none.layer).toMatchObject({ protocol: 59, nextTable: null });
  });

  it('an extension header running past the payload is malformed', () => {
    const b = ipv6.encode({ nextHeader: 60, src: S, dst: D, ext: ext(17, 3) }); // claims 32 bytes, has 8
    const fixed = new Uint8Array(b.subarray(0, 48));
    new DataView(fixed.buffer).setUint16(4, 8);
    const { layer, pkt } = decodeWith(ipv6, fixed);
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['ipv6.bad-extension-length', 'malformed']]);
    expect(layer!.nextTable).toBeNull();
    expect(layer!.len).toBe(40);
  });

  it('Payload Length beyond the frame: malformed, or truncated when cut; shorter: the rest is a trailer', () => {
    const b = ipv6.encode({ nextHeader: 17, src: S, dst: D }, dgram);
    const short = decodeWith(ipv6, b.subarray(0, 44));
    expect(short.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['ipv6.bad-payload-length', 'malformed']]);
    const cut = decodeWith(ipv6, b, { caplen: 44 });
    expect(cut.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['ipv6.truncated', 'truncated']]);
    const padded = decodeWith(ipv6, concat(b, new Uint8Array(10)));
    expect(padded.layer!.payloadEnd - padded.layer!.off).toBe(b.length);
  });

  it('is chosen on LINKTYPE_RAW by its version nibble, and reports a wrong version under its own type', () => {
    const b = ipv6.encode({ nextHeader: 17, src: S, dst: D }, dgram);
    expect(registry.dissect(frameOf(b, { linkType: RAW })).layers[0]!.layer).toBe('ipv6');
    const bad = Uint8Array.from(b);
    bad[0] = 0x45;
    const { layer, pkt } = decodeWith(ipv6, bad);
    expect(pkt.problems.map((p) => p.id)).toEqual(['ipv6.bad-version']);
    expect(layer!.nextTable).toBeNull();
  });

  it('addresses are views into the frame', () => {
    const { layer, pkt } = decodeWith(ipv6, ipv6.encode({ nextHeader: 59, src: S, dst: D }));
    expect((layer as Ipv6Layer).src.buffer).toBe(pkt.frame.buf.buffer);
  });

  it('survives every cut of a frame with extension headers', () => {
    cutEverywhere(ipv6.encode({ nextHeader: 0, src: S, dst: D, ext: concat(ext(44), frag(17, 0, false, 1)) }, dgram), RAW_IPV6);
  });

  it('survives fuzzing', () => {
    fuzzDissector(ipv6, {
      samples: [ipv6.encode({ nextHeader: 0, src: S, dst: D, ext: concat(ext(43), ext(44), frag(51, 0, true, 1), ah(17)) }, dgram)],
      linkType: RAW_IPV6,
    });
  });
});
