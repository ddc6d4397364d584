// The team policies' arithmetic, checked against values computed by hand from the kernel's formula
// (drivers/net/bonding/bond_main.c: bond_eth_hash, bond_ip_hash, __bond_xmit_hash) and against the
// published Microsoft RSS (Toeplitz) verification vector. Each expected number is derived in the
// comment above it, so a reader can redo it on paper.
//
// Hand arithmetic tricks used below: on a little-endian CPU a network-order word aa.bb.cc.dd enters
// the XOR as 0xddccbbaa; and since 16 ≡ 1 (mod 3) and (mod 5), a hex number's remainder mod 3 or 5 is
// the sum of its hex digits mod 3 or 5.
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6, parseMac } from '../../dissectors/core.js';
import {
  FlowletBalancer,
  LINUX_VARIANTS,
  type FlowHeaders,
  linuxXmitHash,
  memberIndex,
  toeplitz,
  windowsAddressHash,
  windowsHashInput,
} from '../../src/generator/hash.js';

const v = (name: string) => LINUX_VARIANTS[name]!;
const tcp = (src: string, sport: number, dst: string, dport: number, extra: Partial<FlowHeaders> = {}): FlowHeaders => ({
  dstMac: parseMac('00:11:22:33:44:02'),
  srcMac: parseMac('00:11:22:33:44:01'),
  ethertype: 0x0800,
  src: parseIpv4(src),
  dst: parseIpv4(dst),
  protocol: 6,
  srcPort: sport,
  dstPort: dport,
  ...extra,
});

describe('Linux bonding layer2', () => {
  const h: FlowHeaders = { dstMac: parseMac('00:11:22:33:44:55'), srcMac: parseMac('52:54:00:aa:bb:03'), ethertype: 0x0800 };
  it('current kernels: dst[5] ^ src[5] ^ be16_to_cpu(ethertype)', () => {
    // 0x55 ^ 0x03 = 0x56; 0x56 ^ 0x0800 = 0x0856 = 2134.  2134 % 7 = 2134 - 7·304 = 6.
    expect(linuxXmitHash('layer2', h)).toBe(0x0856);
    expect(memberIndex(linuxXmitHash('layer2', h), 7)).toBe(6);
  });
  it('4.x–5.14 on little-endian: the raw ethertype field read natively (0x0800 → 0x0008)', () => {
    // 0x56 ^ 0x0008 = 0x5e = 94.  94 % 7 = 3: a 7-member bond picks another member than on 5.15+.
    expect(linuxXmitHash('layer2', h, v('raw-ethertype'))).toBe(94);
    expect(memberIndex(94, 7)).toBe(3);
  });
  it('3.13-era kernels: no ethertype at all', () => {
    expect(linuxXmitHash('layer2', h, v('no-ethertype'))).toBe(0x56);
  });
});

describe('Linux bonding layer2+3', () => {
  // The kernel patch 49aefd131739 ("bonding: do not discard lowest hash bit for non layer3+4 hashing")
  // gives this example: h_dest[5] 0xa0 or 0xa1, h_source[5] 0xe3, hproto 0x8 (raw field, LE),
  // saddr 0x1e7aa8c0 (= 192.168.122.30 read little-endian), daddr 0x17aa8c0 (= 192.168.122.1).
  // Hand: 0xa0 ^ 0xe3 ^ 0x08 = 0x4b; saddr ^ daddr = 0x1f000000; h = 0x1f00004b;
  // h ^= h >> 16 → 0x1f001f4b; h ^= h >> 8 → 0x1f1f1f54 = 522133332 (the patch prints the same).
  const mk = (d5: number): FlowHeaders => ({
    dstMac: 0x525400000000 + d5,
    srcMac: 0x5254000000e3,
    ethertype: 0x0800,
    src: parseIpv4('192.168.122.30'),
    dst: parseIpv4('192.168.122.1'),
    protocol: 1,
  });
  it("reproduces the kernel patch's own numbers before the >>1 (pre-2017 arithmetic)", () => {
    expect(linuxXmitHash('layer2+3', mk(0xa0), v('no-shift'))).toBe(522133332);
    expect(linuxXmitHash('layer2+3', mk(0xa1), v('no-shift'))).toBe(522133333);
  });
  it('2017–2022 kernels shift layer2+3 too: both peers collapse onto one member', () => {
    expect(linuxXmitHash('layer2+3', mk(0xa0), v('raw-ethertype'))).toBe(261066666);
    expect(linuxXmitHash('layer2+3', mk(0xa1), v('raw-ethertype'))).toBe(261066666);
  });
  it('current kernels: be16_to_cpu ethertype and no shift', () => {
    // 0xa0 ^ 0xe3 ^ 0x0800 = 0x0843; h = 0x1f000843; ^>>16 → 0x1f001743 (0x0843 ^ 0x1f00 = 0x1743);
    // ^>>8 (0x001f0017) → 0x1f1f1754.  Peers 0xa0/0xa1 differ in bit 0 → both members of 2 used.
    expect(linuxXmitHash('layer2+3', mk(0xa0))).toBe(0x1f1f1754);
    expect(memberIndex(linuxXmitHash('layer2+3', mk(0xa0)), 2)).toBe(0);
    expect(memberIndex(linuxXmitHash('layer2+3', mk(0xa1)), 2)).toBe(1);
  });
  it('IPv6 addresses enter as ipv6_addr_hash (XOR of the four native words)', () => {
    // src 2001:db8::1 words (LE) b80d0120 ^ 0 ^ 0 ^ 01000000 = b90d0120; dst 2001:db8::2 → ba0d0120;
    // src ^ dst = 03000000.  L2: 0x02 ^ 0x01 ^ 0x86dd = 0x86de.  h = 0x030086de; ^>>16 → 0x030085de;
    // ^>>8 (0x00030085) → 0x0303855b.
    const h: FlowHeaders = {
      dstMac: parseMac('00:00:00:00:00:02'),
      srcMac: parseMac('00:00:00:00:00:01'),
      ethertype: 0x86dd,
      src: parseIpv6('2001:db8::1')!,
      dst: parseIpv6('2001:db8::2')!,
      protocol: 17,
    };
    expect(linuxXmitHash('layer2+3', h)).toBe(0x0303855b);
    expect(linuxXmitHash('layer2+3', h, v('shift-all'))).toBe(0x0181c2ad);
  });
  it('non-IP frames fall back to the layer2 term', () => {
    const arp: FlowHeaders = { dstMac: 0xffffffffffff, srcMac: parseMac('00:11:22:33:44:01'), ethertype: 0x0806 };
    // 0xff ^ 0x01 ^ 0x0806 = 0x08f8
    expect(linuxXmitHash('layer2+3', arp)).toBe(0x08f8);
    expect(linuxXmitHash('layer3+4', arp)).toBe(0x08f8);
  });
});

describe('Linux bonding layer3+4', () => {
  // 10.0.0.1:40000 > 10.0.0.2:443.  Ports word in memory 9c 40 01 bb → LE 0xbb01409c.
  // Addresses LE: 0x0100000a ^ 0x0200000a = 0x03000000.  h = 0xb801409c; ^>>16 (0xb801) → 0xb801f89d;
  // ^>>8 (0x00b801f8) → 0xb8b9f965; >>1 → 0x5c5cfcb2.  Hex digit sum 5+c+5+c+f+c+b+2 = 74:
  // 74 mod 3 = 2, 74 mod 5 = 4.
  const h = tcp('10.0.0.1', 40000, '10.0.0.2', 443);
  it('ports ^ addresses, folded, lowest bit discarded', () => {
    const x = linuxXmitHash('layer3+4', h);
    expect(x).toBe(0x5c5cfcb2);
    expect(memberIndex(x, 2)).toBe(0);
    expect(memberIndex(x, 3)).toBe(2);
    expect(memberIndex(x, 5)).toBe(4);
  });
  it('a big-endian CPU gives another member for 5 members', () => {
    // BE: ports 0x9c4001bb, addresses 0x00000003 → h = 0x9c4001b8; ^>>16 → 0x9c409df8;
    // ^>>8 (0x009c409d) → 0x9cdcdd65; >>1 → 0x4e6e6eb2; digits 4+e+6+e+6+e+b+2 = 71: mod 5 = 1.
    const x = linuxXmitHash('layer3+4', h, { ...v('current'), cpu: 'be' });
    expect(x).toBe(0x4e6e6eb2);
    expect(memberIndex(x, 5)).toBe(1);
  });
  it('fragments hash on the addresses only (ports = 0)', () => {
    // h = 0x03000000; ^>>16 → 0x03000300; ^>>8 → 0x03030303; >>1 → 0x01818181
    expect(linuxXmitHash('layer3+4', tcp('10.0.0.1', 40000, '10.0.0.2', 443, { fragment: true }))).toBe(0x01818181);
  });
  it('ICMP echo: type|code|host-order id replaces the ports (current kernels)', () => {
    // type 8, code 0, id 0x1234 → memory 08 00 34 12 → LE 0x12340008; ^ 0x03000000 = 0x11340008;
    // ^>>16 → 0x1134113c; ^>>8 (0x00113411) → 0x1125252d; >>1 → 0x08929296
    const echo: FlowHeaders = { ...tcp('10.0.0.1', 0, '10.0.0.2', 0), protocol: 1, srcPort: undefined, dstPort: undefined, icmpType: 8, icmpCode: 0, icmpId: 0x1234 };
    expect(linuxXmitHash('layer3+4', echo)).toBe(0x08929296);
    // kernels without ICMP support: ports 0 → same as the fragment case
    expect(linuxXmitHash('layer3+4', echo, v('no-shift'))).toBe(0x03030303);
  });
  it('ICMP errors hash on the embedded packet (current kernels)', () => {
    const inner = tcp('10.0.0.1', 40000, '10.0.0.2', 443);
    const err: FlowHeaders = { ...tcp('10.9.9.9', 0, '10.0.0.1', 0), protocol: 1, srcPort: undefined, dstPort: undefined, icmpType: 3, icmpCode: 4, inner };
    expect(linuxXmitHash('layer3+4', err)).toBe(0x5c5cfcb2);
  });
});

describe('Linux bonding vlan+srcmac', () => {
  it('vlan ^ srcmac[0..2] ^ srcmac[3..5]', () => {
    // 0x525400 ^ 0xaabb03 = 0xf8ef03; ^ 100 (0x64) = 0xf8ef67
    const h: FlowHeaders = { dstMac: 1, srcMac: parseMac('52:54:00:aa:bb:03'), ethertype: 0x0800, vlanId: 100 };
    expect(linuxXmitHash('vlan+srcmac', h)).toBe(0xf8ef67);
  });
});

describe('Windows address hash stand-in', () => {
  it('Toeplitz matches the Microsoft RSS verification vector', () => {
    // "Verifying the RSS Hash Calculation" (Microsoft docs): 66.9.149.187:2794 → 161.142.100.80:1766,
    // IPv4 only 0x323e8fc2, IPv4 with TCP 0x51ccc178 (input: src addr, dst addr, src port, dst port).
    const ip = [66, 9, 149, 187, 161, 142, 100, 80];
    expect(toeplitz(Uint8Array.from(ip))).toBe(0x323e8fc2);
    expect(toeplitz(Uint8Array.from([...ip, 2794 >> 8, 2794 & 0xff, 1766 >> 8, 1766 & 0xff]))).toBe(0x51ccc178);
    const h = tcp('66.9.149.187', 2794, '161.142.100.80', 1766);
    expect(windowsAddressHash('4-tuple', h)).toBe(0x51ccc178);
    expect(windowsAddressHash('2-tuple', h)).toBe(0x323e8fc2);
  });
  it('falls back 4-tuple → 2-tuple → MAC', () => {
    expect(windowsHashInput('4-tuple', tcp('10.0.0.1', 1, '10.0.0.2', 2))).toBe('4-tuple');
    expect(windowsHashInput('4-tuple', tcp('10.0.0.1', 1, '10.0.0.2', 2, { fragment: true }))).toBe('2-tuple');
    expect(windowsHashInput('4-tuple', { ...tcp('10.0.0.1', 0, '10.0.0.2', 0), protocol: 50 })).toBe('2-tuple');
    expect(windowsHashInput('4-tuple', { dstMac: 1, srcMac: 2, ethertype: 0x0806 })).toBe('mac');
    expect(windowsHashInput('mac', tcp('10.0.0.1', 1, '10.0.0.2', 2))).toBe('mac');
  });
});

describe('Dynamic (flowlet) balancer', () => {
  it('keeps a flow on its member inside a flowlet and may move it after an idle gap', () => {
    const b = new FlowletBalancer(2, { flowletGap: 0.5 });
    expect(b.pick('a', 0, 1000, [0, 1]).member).toBe(0);
    expect(b.pick('b', 0.01, 1000, [0, 1]).member).toBe(1);
    expect(b.pick('a', 0.02, 50000, [0, 1])).toEqual({ member: 0, newFlowlet: false, moved: false });
    // b idles 1 s; member 0 carries more load → b stays on 1; a idles then goes to the least loaded (1)
    const r = b.pick('a', 1.2, 1000, [0, 1]);
    expect(r.newFlowlet).toBe(true);
    expect(r.member).toBe(1);
    expect(r.moved).toBe(true);
  });
});
