import { describe, expect, it } from 'vitest';
import { getLayer, parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { vrrp, vrrpV3Checksum, type VrrpFields } from '../../dissectors/vrrp.js';
import { frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const SRC = parseIpv4('10.0.0.91');
const GROUP4 = parseIpv4('224.0.0.18');
const SRC6 = parseIpv6('fe80::d6ca:6dff:fe66:cf60')!;
const GROUP6 = parseIpv6('ff02::12')!;
const RAW_IPV4 = 228;
const RAW_IPV6 = 229;
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A VRRP advert in IPv4 (TTL 255 unless given), checksums computed. */
function v4frame(f: VrrpFields, ttl = 255): Uint8Array {
  return ipv4.encode({ protocol: 112, ttl, src: SRC, dst: GROUP4 }, vrrp.encode({ ...f, pseudo: { src: SRC, dst: GROUP4 } }));
}
function v6frame(f: VrrpFields): Uint8Array {
  return ipv6.encode({ nextHeader: 112, hopLimit: 255, src: SRC6, dst: GROUP6 }, vrrp.encode({ ...f, pseudo: { src: SRC6, dst: GROUP6 } }));
}
function dissect(bytes: Uint8Array, linkType: number) {
  return registry.dissect(frameOf(bytes, { linkType }));
}

describe('vrrp', () => {
  it('round-trips a VRRPv2 advert (RFC 3768 §5.1) with its message-only checksum', () => {
    const addrs = [parseIpv4('10.4.42.1'), parseIpv4('10.4.42.2'), parseIpv4('10.4.42.3')];
    const { layer, pkt } = roundTrip(vrrp, { version: 2, vrid: 42, priority: 191, authType: 1, adverInt: 10, addrs, authData: ascii('abcdefgh') });
    expect(layer).toMatchObject({ count: 3, len: 8 + 12 + 8, checksum: 0xf11f, checksumStatus: 1, ipVersion: 4 });
    expect(pkt.problems).toEqual([]);
    expect(vrrp.summary(layer)).toBe('VRRPv2 vrid 42 prio 191 intvl 10s authtype simple addrs 10.4.42.1,10.4.42.2,10.4.42.3');
  });

  it('decodes tcpdump vrrp.pcap frame 1 byte for byte (Ethernet, IPv4, VRRPv2, simple auth)', () => {
    const bytes = hexBytes('01005e00001200005e00012a08004500003012340000ff70bebc0a00005be0000012212abf03010af11f0a042a010a042a020a042a036162636465666768');
    const pkt = dissect(bytes, 1);
    expect(pkt.layers.map((l) => l.layer)).toEqual(['eth', 'ipv4', 'vrrp']);
    const l = getLayer(pkt, 'vrrp')!;
    expect(l).toMatchObject({ version: 2, type: 1, vrid: 42, priority: 191, count: 3, authType: 1, adverInt: 10, checksum: 0xf11f, checksumStatus: 1 });
    expect(l.virtualIps).toEqual(['10.4.42.1', '10.4.42.2', '10.4.42.3']);
    expect(new TextDecoder().decode(l.authData)).toBe('abcdefgh');
    expect(pkt.problems).toEqual([]);
  });

  it('gives analyzers group, priority, interval in seconds, role and virtual IPs', () => {
    const v2 = decodeWith(vrrp, vrrp.encode({ vrid: 7, priority: 0, adverInt: 3, addrs: [parseIpv4('192.0.2.1')] })).layer!;
    expect([v2.group, v2.priority, v2.interval, v2.role, v2.virtualIps]).toEqual([7, 0, 3, 'resigning', ['192.0.2.1']]);
    const v3 = dissect(v4frame({ version: 3, vrid: 44, priority: 255, maxAdverInt: 150, addrs: [parseIpv4('10.4.44.100')] }), RAW_IPV4);
    const l = getLayer(v3, 'vrrp')!;
    expect([l.group, l.priority, l.interval, l.role]).toEqual([44, 255, 1.5, 'master']);
  });

  it('VRRPv3 over IPv4: checksum with the pseudo-header (RFC 5798 §5.2.8) verifies through the IP layer', () => {
    const pkt = dissect(v4frame({ version: 3, vrid: 44, priority: 191, maxAdverInt: 1000, addrs: [parseIpv4('10.4.44.100'), parseIpv4('10.4.44.200')] }), RAW_IPV4);
    const l = getLayer(pkt, 'vrrp')!;
    expect(l).toMatchObject({ version: 3, maxAdverInt: 1000, authType: 0, adverInt: 0, checksumStatus: 1, len: 16 });
    expect(l.authData.length).toBe(0);
    expect(pkt.problems).toEqual([]);
    expect(vrrp.summary(l)).toBe('VRRPv3 vrid 44 prio 191 intvl 1000cs addrs 10.4.44.100,10.4.44.200');
  });

  it('VRRPv3 over IPv6: 16-byte addresses and the IPv6 pseudo-header', () => {
    const a = parseIpv6('fe80::200:5eff:fe00:22d')!;
    const b = parseIpv6('2001::abcd:a')!;
    const pkt = dissect(v6frame({ version: 3, vrid: 45, priority: 191, maxAdverInt: 1000, addrs: [a, b] }), RAW_IPV6);
    const l = getLayer(pkt, 'vrrp')!;
    expect(l).toMatchObject({ ipVersion: 6, count: 2, checksumStatus: 1, len: 40 });
    expect(l.virtualIps).toEqual(['fe80::200:5eff:fe00:22d', '2001::abcd:a']);
    expect(pkt.problems).toEqual([]);
    // Standalone (no IP layer below) the family is guessed from the length, the checksum left unverified.
    const alone = roundTrip(vrrp, { version: 3, vrid: 45, priority: 191, maxAdverInt: 1000, addrs: [a, b], checksum: vrrpV3Checksum(vrrp.encode({ version: 3, vrid: 45, priority: 191, maxAdverInt: 1000, addrs: [a, b], checksum: 0 }), SRC6, GROUP6) });
    expect(alone.layer).toMatchObject({ ipVersion: 6, checksumStatus: 2 });
  });

  it('refuses to guess a VRRPv3 checksum without the IP addresses', () => {
    expect(() => vrrp.encode({ version: 3, vrid: 1, priority: 100, addrs: [1] })).toThrow(/pseudo/);
  });

  it('a wrong checksum is a malformed warning (v2 and v3)', () => {
    const v2 = dissect(v4frame({ vrid: 1, priority: 100, addrs: [1], checksum: 0 }), RAW_IPV4);
    expect(v2.problems.map((p) => [p.id, p.kind, p.severity])).toEqual([['vrrp.bad-checksum', 'malformed', 'warning']]);
    const f = v4frame({ version: 3, vrid: 1, priority: 100, addrs: [1] });
    f[12 + 3]! ^= 1; // another source address: the v3 pseudo-header no longer matches (IP checksum fixed below)
    const fixed = ipv4.encode({ protocol: 112, ttl: 255, src: SRC ^ 1, dst: GROUP4 }, f.subarray(20));
    const v3 = dissect(fixed, RAW_IPV4);
    expect(v3.problems.map((p) => p.id)).toEqual(['vrrp.bad-checksum']);
    expect(getLayer(v3, 'vrrp')!.checksumStatus).toBe(0);
  });

  it('Count IP Addrs beyond the message: malformed (short frame) or truncated (cut), addresses that fit kept', () => {
    const b = vrrp.encode({ vrid: 1, priority: 100, count: 5, addrs: [parseIpv4('10.0.0.1'), parseIpv4('10.0.0.2')] });
    const short = decodeWith(vrrp, b);
    expect(short.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['vrrp.bad-count', 'malformed']]);
    expect(short.layer!.addrs.length).toBe(4); // 8 + 8 + 8 auth bytes read as 2 more addresses
    const cut = decodeWith(vrrp, vrrp.encode({ vrid: 1, priority: 100, addrs: [1, 2, 3] }), { caplen: 14 });
    expect(cut.pkt.problems.map((p) => p.kind)).toEqual(['truncated']);
    expect(cut.layer!.addrs).toEqual([1]);
    expect(cut.layer!.checksumStatus).toBe(2);
  });

  it('flags a TTL other than 255, an unknown version and a non-advertisement type', () => {
    expect(dissect(v4frame({ vrid: 1, priority: 100, addrs: [1] }, 64), RAW_IPV4).problems.map((p) => p.id)).toEqual(['vrrp.ttl-not-255']);
    const odd = decodeWith(vrrp, vrrp.encode({ version: 4, type: 2, vrid: 1, priority: 100, addrs: [1] }));
    expect(odd.pkt.problems.map((p) => p.id)).toEqual(['vrrp.bad-version', 'vrrp.bad-type']);
    expect(odd.layer!.adverInt).toBe(1); // decoded with the v2 layout, as Wireshark does
  });

  it('bytes after the message stay raw payload, inside the checksum as Wireshark computes it', () => {
    const pkt = dissect(ipv4.encode({ protocol: 112, ttl: 255, src: SRC, dst: GROUP4 }, vrrp.encode({ vrid: 1, priority: 100, addrs: [1] }, Uint8Array.of(1, 2))), RAW_IPV4);
    const l = getLayer(pkt, 'vrrp')!;
    expect([l.len, l.payloadEnd - l.payloadOff, l.checksumStatus]).toEqual([20, 2, 1]);
    expect(pkt.rawOf).toBe('vrrp.payload');
  });

  it('survives every cut of v2, v3/IPv4 and v3/IPv6 frames', () => {
    cutEverywhere(v4frame({ vrid: 42, priority: 191, authType: 1, adverInt: 10, addrs: [1, 2, 3], authData: ascii('abcdefgh') }), RAW_IPV4, { heuristic: ['carp'] });
    cutEverywhere(v4frame({ version: 3, vrid: 44, priority: 191, maxAdverInt: 1000, addrs: [1, 2] }), RAW_IPV4);
    cutEverywhere(v6frame({ version: 3, vrid: 45, priority: 191, maxAdverInt: 1000, addrs: [SRC6, GROUP6] }), RAW_IPV6);
  });

  it('survives fuzzing', () => {
    fuzzDissector(vrrp, {
      samples: [v4frame({ vrid: 1, priority: 100, addrs: [1, 2] }), v6frame({ version: 3, vrid: 2, priority: 100, addrs: [SRC6] })].map((b) => b.subarray(b[0] === 0x45 ? 20 : 40)),
    });
    fuzzDissector(vrrp, { samples: [v4frame({ vrid: 1, priority: 100, addrs: [1, 2] })], linkType: RAW_IPV4 });
  });
});
