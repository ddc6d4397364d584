import { describe, expect, it } from 'vitest';
import { getLayer, parseIpv4 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { isPlainKnet, knet, type KnetFields } from '../../dissectors/knet.js';
import { udp } from '../../dissectors/udp.js';
import { frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const RAW_IPV4 = 228;
/** A struct timespec as x86-64 Linux sends it: tv_sec, tv_nsec, little-endian 64-bit each. */
const pingTime = hexBytes('39300000000000001027000000000000');
const ping: KnetFields = { type: 0x81, node: 2, maxVersion: 1, link: 0, pingTime, seq: 17, timed: 1 };

function onUdp(msg: Uint8Array, port = 5405): Uint8Array {
  return ipv4.encode({ protocol: 17, src: parseIpv4('192.0.2.1'), dst: parseIpv4('192.0.2.2') }, udp.encode({ srcPort: port, dstPort: port }, msg));
}
function dissect(b: Uint8Array) {
  return registry.dissect(frameOf(b, { linkType: RAW_IPV4 }));
}

describe('knet', () => {
  it('round-trips a PING (26 bytes: header, link, timespec, seq, timed — libknet/onwire.h)', () => {
    const { layer, pkt } = roundTrip(knet, ping);
    expect(layer).toMatchObject({ version: 1, len: 26 });
    expect(pkt.problems).toEqual([]);
    expect(knet.summary(layer)).toBe('knet PING node 2 link 0 seq 17');
  });

  it('decodes a PONG byte for byte: node in network order, timespec opaque', () => {
    const b = hexBytes('01 82 0003 01 00 01' + '39300000000000001027000000000000' + '0011 01');
    const { layer } = decodeWith(knet, b);
    expect(layer).toMatchObject({ type: 0x82, node: 3, maxVersion: 1, link: 1, seq: 17, timed: 1 });
    expect(knet.summary(layer!)).toBe('knet PONG node 3 link 1 seq 17');
  });

  it('round-trips DATA (14-byte header, user data raw) and PMTUD', () => {
    const data = roundTrip(knet, { type: 0, node: 1, seq: 500, compress: 0, bcast: 1, fragNum: 2, fragSeq: 1, channel: 3 }, Uint8Array.of(1, 2, 3));
    expect(data.layer).toMatchObject({ len: 14, payloadEnd: data.layer.payloadOff + 3 });
    expect(knet.summary(data.layer)).toBe('knet DATA node 1 seq 500 frag 1/2 channel 3 len 3');
    const pmtud = roundTrip(knet, { type: 0x84, node: 1, link: 2, pmtudSize: 1400 });
    expect(pmtud.layer.len).toBe(9);
  });

  it('accepts only plain knet v1 with a known type and a length that fits it', () => {
    const b = knet.encode(ping);
    const ok = (x: Uint8Array) => isPlainKnet(x, 0, x.length);
    expect(ok(b)).toBe(true);
    expect(ok(b.subarray(0, 25))).toBe(false); // PING is exactly 26 bytes
    expect(ok(Uint8Array.of(...b, 0))).toBe(false);
    expect(ok(knet.encode({ ...ping, version: 2 }))).toBe(false);
    expect(ok(knet.encode({ ...ping, type: 0x85 }))).toBe(false);
    expect(ok(knet.encode({ ...ping, timed: 2 }))).toBe(false);
    expect(ok(knet.encode({ ...ping, maxVersion: 0 }))).toBe(true); // old knet did not advertise max_ver
    expect(ok(knet.encode({ type: 0, node: 1, fragNum: 0 }))).toBe(false);
    expect(ok(knet.encode({ type: 0, node: 1, fragNum: 2, fragSeq: 3 }))).toBe(false);
    expect(ok(knet.encode({ type: 0x84, node: 1 }))).toBe(true);
    expect(ok(knet.encode({ type: 0x84, node: 1 }, Uint8Array.of(0)))).toBe(false);
    expect(ok(knet.encode({ type: 0x83, node: 1 }, new Uint8Array(100)))).toBe(true);
  });

  it('through UDP 5405–5412: plain knet decodes, an encrypted datagram stays raw', () => {
    const pkt = dissect(onUdp(knet.encode(ping), 5406));
    expect(getLayer(pkt, 'knet')).toMatchObject({ type: 0x81, node: 2, seq: 17 });
    // aes256/sha256 crypto output: random-looking bytes (here: a fixed pattern that is not knet v1).
    const enc = Uint8Array.from({ length: 90 }, (_, i) => (i * 73 + 41) & 0xff);
    const raw = dissect(onUdp(enc));
    expect(raw.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
    expect(raw.rawOf).toBe('udp.port=5405');
    expect(raw.problems).toEqual([]);
  });

  it('decoded by --decode-as when short: a malformed problem', () => {
    const { layer, pkt } = decodeWith(knet, knet.encode(ping).subarray(0, 10));
    expect(layer).toMatchObject({ type: 0x81, node: 2, len: 6, seq: 0 });
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['knet.short', 'malformed']]);
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(onUdp(knet.encode(ping)), RAW_IPV4, { heuristic: ['knet'] });
    cutEverywhere(onUdp(knet.encode({ type: 0, node: 1, seq: 1 }, Uint8Array.of(9, 9))), RAW_IPV4, { heuristic: ['knet'] });
  });

  it('survives fuzzing', () => {
    fuzzDissector(knet, { samples: [knet.encode(ping), knet.encode({ type: 0, node: 1 }, Uint8Array.of(1))] });
    fuzzDissector(knet, { samples: [onUdp(knet.encode(ping))], linkType: RAW_IPV4 });
  });
});
