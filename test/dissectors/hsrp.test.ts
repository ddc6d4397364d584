import { describe, expect, it } from 'vitest';
import { getLayer, parseIpv4, parseIpv6, parseMac } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { hsrp, type HsrpFields } from '../../dissectors/hsrp.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { udp } from '../../dissectors/udp.js';
import { concat, frameOf, hexBytes } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const SRC = parseIpv4('10.0.0.2');
const V1_GROUP = parseIpv4('224.0.0.2');
const V2_GROUP = parseIpv4('224.0.0.102');
const RAW_IPV4 = 228;
const cisco = Uint8Array.of(0x63, 0x69, 0x73, 0x63, 0x6f, 0, 0, 0);

function onUdp(msg: Uint8Array, dst = V1_GROUP, port = 1985): Uint8Array {
  return ipv4.encode({ protocol: 17, ttl: 1, src: SRC, dst }, udp.encode({ srcPort: port, dstPort: port }, msg));
}
function hsrpOf(b: Uint8Array) {
  const pkt = registry.dissect(frameOf(b, { linkType: RAW_IPV4 }));
  return { pkt, l: getLayer(pkt, 'hsrp') };
}

const v2hello: HsrpFields = {
  format: 2,
  version: 2,
  opcode: 0,
  state: 6,
  ipVersion: 4,
  group: 1000,
  identifier: parseMac('00:1b:2c:3d:4e:5f'),
  priority: 110,
  hellotime: 3000,
  holdtime: 10000,
  virtualIp: parseIpv4('10.0.0.1'),
  authData: cisco,
};

describe('hsrp', () => {
  it('round-trips an HSRPv1 hello (RFC 2281 §5) and reads it like Wireshark', () => {
    const { layer, pkt } = roundTrip(hsrp, { format: 1, version: 0, opcode: 0, state: 16, hellotime: 3, holdtime: 10, priority: 100, group: 1, reserved: 0, authData: cisco, virtualIp: parseIpv4('10.0.0.1') });
    expect(layer).toMatchObject({ len: 20, ipVersion: 4, interval: 3, hold: 10, role: 'active', virtualIps: ['10.0.0.1'] });
    expect(pkt.problems).toEqual([]);
    expect(hsrp.summary(layer)).toBe('HSRPv1 Hello group 1 state Active prio 100 hello 3s hold 10s vip 10.0.0.1');
  });

  it('decodes a v1 hello byte for byte', () => {
    const msg = hexBytes('00 00 08 03 0a 64 2a 00 636973636f000000 c0a80101');
    const { l, pkt } = hsrpOf(onUdp(msg));
    expect(pkt.layers.map((x) => x.layer)).toEqual(['ipv4', 'udp', 'hsrp']);
    expect(l).toMatchObject({ format: 1, opcode: 0, state: 8, hellotime: 3, holdtime: 10, priority: 100, group: 42, role: 'standby', virtualIps: ['192.168.1.1'] });
  });

  it('v1 opcode 3 (interface-state advertisement) and a trailing MD5 authentication TLV', () => {
    const { layer } = roundTrip(hsrp, { format: 1, opcode: 3, advType: 1, advLength: 10, state: 2, activeGroups: 3, passiveGroups: 1 });
    expect(layer).toMatchObject({ len: 16, role: 'passive', activeGroups: 3, passiveGroups: 1, virtualIps: [] });
    const md5 = concat([4, 28], new Uint8Array(28).fill(0xab));
    const withMd5 = roundTrip(hsrp, { format: 1, state: 16, group: 1, authData: cisco, virtualIp: 1, md5Auth: md5 });
    expect(withMd5.layer.len).toBe(50);
    expect(withMd5.layer.md5Auth.length).toBe(30);
  });

  it('round-trips an HSRPv2 Group State TLV (40 bytes: times in ms, 32-bit priority, 16-bit group, identifier) plus text auth', () => {
    const { layer, pkt } = roundTrip(hsrp, v2hello);
    expect(layer).toMatchObject({ format: 2, len: 42 + 10, interval: 3, hold: 10, role: 'active', virtualIps: ['10.0.0.1'] });
    expect(pkt.problems).toEqual([]);
    expect(hsrp.summary(layer)).toBe('HSRPv2 Hello group 1000 state Active prio 110 hello 3s hold 10s vip 10.0.0.1 id 00:1b:2c:3d:4e:5f');
  });

  it('HSRPv2 over IPv6 (UDP 2029) carries a 16-byte virtual address', () => {
    const vip = parseIpv6('fe80::5:73ff:fea0:1')!;
    const msg = hsrp.encode({ ...v2hello, ipVersion: 6, virtualIp6: vip, authData: undefined });
    const b = ipv6.encode({ nextHeader: 17, hopLimit: 255, src: parseIpv6('fe80::2')!, dst: parseIpv6('ff02::66')! }, udp.encode({ srcPort: 2029, dstPort: 2029 }, msg));
    const l = getLayer(registry.dissect(frameOf(b, { linkType: 229 })), 'hsrp')!;
    expect(l).toMatchObject({ format: 2, ipVersion: 6, virtualIps: ['fe80::5:73ff:fea0:1'] });
  });

  it('tells v1 from v2 by content first, then by destination (224.0.0.102 is v2, as Wireshark decides)', () => {
    expect(hsrpOf(onUdp(hsrp.encode(v2hello), V1_GROUP)).l!.format).toBe(2); // a Group State TLV is v2 wherever it goes
    const v1 = hsrp.encode({ state: 16, group: 1, authData: cisco, virtualIp: 1 });
    expect(hsrpOf(onUdp(v1, V1_GROUP)).l!.format).toBe(1);
    const unknownTlv = Uint8Array.of(9, 2, 0, 0);
    expect(hsrpOf(onUdp(unknownTlv, V2_GROUP)).l).toMatchObject({ format: 2, len: 0, ipVersion: 0 });
  });

  it('an unknown v2 TLV and what follows stay raw payload; a TLV past the end is malformed', () => {
    const msg = concat(hsrp.encode(v2hello), [9, 2, 1, 2]);
    const { layer, pkt } = decodeWith(hsrp, msg);
    expect(layer!.len).toBe(52);
    expect(layer!.payloadEnd - layer!.payloadOff).toBe(4);
    expect(pkt.problems).toEqual([]);
    const cut = decodeWith(hsrp, hsrp.encode(v2hello).subarray(0, 30));
    expect(cut.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['hsrp.bad-tlv-length', 'malformed']]);
  });

  it('a short v1 message is malformed', () => {
    const { layer, pkt } = decodeWith(hsrp, hsrp.encode({ state: 16 }).subarray(0, 12));
    expect(layer).toBeNull();
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['hsrp.short', 'malformed']]);
  });

  it('survives every cut of v1 and v2 frames', () => {
    cutEverywhere(onUdp(hsrp.encode({ state: 16, group: 1, authData: cisco, virtualIp: 1 })), RAW_IPV4);
    cutEverywhere(onUdp(hsrp.encode(v2hello), V2_GROUP), RAW_IPV4);
  });

  it('survives fuzzing', () => {
    fuzzDissector(hsrp, { samples: [hsrp.encode(v2hello), hsrp.encode({ state: 16, group: 1, virtualIp: 1 })] });
    fuzzDissector(hsrp, { samples: [onUdp(hsrp.encode(v2hello), V2_GROUP)], linkType: RAW_IPV4 });
  });
});
