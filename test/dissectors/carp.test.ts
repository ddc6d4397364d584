import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { carp, isCarp } from '../../dissectors/carp.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { ipv6 } from '../../dissectors/ipv6.js';
import { vrrp } from '../../dissectors/vrrp.js';
import { frameOf } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const SRC = parseIpv4('192.0.2.10');
const GROUP4 = parseIpv4('224.0.0.18');
const RAW_IPV4 = 228;
const counter = Uint8Array.of(0, 0, 0, 0, 0x5f, 0x00, 0x00, 0x2a);
const hmac = Uint8Array.from({ length: 20 }, (_, i) => i * 7);

function onIp(payload: Uint8Array): Uint8Array {
  return ipv4.encode({ protocol: 112, ttl: 255, src: SRC, dst: GROUP4 }, payload);
}
function layers(b: Uint8Array): string[] {
  return registry.dissect(frameOf(b, { linkType: RAW_IPV4 })).layers.map((l) => l.layer);
}

describe('carp', () => {
  it('round-trips an advertisement (struct carp_header, 36 bytes) with a verifying checksum', () => {
    const { layer, pkt } = roundTrip(carp, { version: 2, type: 1, vhid: 5, advskew: 100, authLen: 7, demotion: 0, advbase: 1, counter, hmac });
    expect(layer).toMatchObject({ len: 36, checksumStatus: 1, group: 5, priority: 155, role: 'master' });
    expect(layer.interval).toBeCloseTo(1 + 100 / 256);
    expect(layer.virtualIps).toEqual([]);
    expect(pkt.problems).toEqual([]);
    expect(carp.summary(layer)).toBe('CARPv2 vhid 5 advbase 1 advskew 100 demote 0 counter 000000005f00002a');
  });

  it('is told from VRRP by Wireshark\'s heuristic: ≥ 36 bytes, version 1–2, type 1, authlen 7', () => {
    expect(layers(onIp(carp.encode({ vhid: 5, counter, hmac })))).toEqual(['ipv4', 'carp']);
    expect(layers(onIp(carp.encode({ version: 1, vhid: 5 })))).toEqual(['ipv4', 'carp']);
    expect(layers(onIp(carp.encode({ vhid: 5, authLen: 6 })))).toEqual(['ipv4', 'vrrp']);
    expect(layers(onIp(carp.encode({ version: 3, vhid: 5 })))).toEqual(['ipv4', 'vrrp']);
    expect(layers(onIp(carp.encode({ type: 2, vhid: 5 })))).toEqual(['ipv4', 'vrrp']);
    expect(layers(onIp(carp.encode({ vhid: 5 }).subarray(0, 35)))).toEqual(['ipv4', 'vrrp']);
    // VRRPv3 with 7 IPv4 addresses is 36 bytes with byte 3 = 7, but version 3: VRRP.
    const seven = [1, 2, 3, 4, 5, 6, 7];
    expect(layers(onIp(vrrp.encode({ version: 3, vrid: 1, priority: 100, addrs: seven, checksum: 0 })))).toEqual(['ipv4', 'vrrp']);
  });

  it('keeps a VRRPv2 advert with 7 addresses as VRRP (44 bytes; Wireshark\'s heuristic calls it CARP)', () => {
    const v = vrrp.encode({ vrid: 1, priority: 100, addrs: [1, 2, 3, 4, 5, 6, 7] });
    expect(v.length).toBe(44);
    expect(isCarp(v, 0, v.length)).toBe(false);
    expect(layers(onIp(v))).toEqual(['ipv4', 'vrrp']);
  });

  it('CARP over IPv6 uses the same heuristic', () => {
    const b = ipv6.encode({ nextHeader: 112, hopLimit: 255, src: parseIpv6('fe80::1')!, dst: parseIpv6('ff02::12')! }, carp.encode({ vhid: 9 }));
    expect(registry.dissect(frameOf(b, { linkType: 229 })).layers.map((l) => l.layer)).toEqual(['ipv6', 'carp']);
  });

  it('a wrong checksum is a malformed warning', () => {
    const { layer, pkt } = decodeWith(carp, carp.encode({ vhid: 5, checksum: 0x1234 }));
    expect(layer!.checksumStatus).toBe(0);
    expect(pkt.problems.map((p) => [p.id, p.kind, p.severity])).toEqual([['carp.bad-checksum', 'malformed', 'warning']]);
  });

  it('decoded as CARP by --decode-as when short: a malformed problem, what is there kept', () => {
    const { layer, pkt } = decodeWith(carp, carp.encode({ vhid: 5 }).subarray(0, 20));
    expect(layer).toMatchObject({ vhid: 5, len: 20, checksumStatus: 2 });
    expect(layer!.hmac.length).toBe(0);
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['carp.short', 'malformed']]);
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(onIp(carp.encode({ vhid: 5, counter, hmac })), RAW_IPV4, { heuristic: ['carp'] });
  });

  it('survives fuzzing', () => {
    const sample = carp.encode({ vhid: 5, counter, hmac });
    fuzzDissector(carp, { samples: [sample] });
    fuzzDissector(carp, { samples: [onIp(sample)], linkType: RAW_IPV4 });
  });
});
