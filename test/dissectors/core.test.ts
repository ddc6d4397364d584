import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipv4Text, ipv6Text, mac48, macText, parseIpv4, parseIpv6, parseMac, putMac48, u32, u32le, putU32, putU32le } from '../../dissectors/core.js';

describe('core byte and text helpers', () => {
  it('MAC numbers survive text and bytes both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        const n = mac48(b, 0);
        expect(parseMac(macText(n))).toBe(n);
        const out = new Uint8Array(6);
        putMac48(out, 0, n);
        expect([...out]).toEqual([...b]);
      }),
    );
  });

  it('prints MACs lower-case with colons', () => {
    expect(macText(parseMac('00:13:C4:12:0F:00'))).toBe('00:13:c4:12:0f:00');
    expect(Number.isNaN(parseMac('00:13:c4:12:0f'))).toBe(true);
  });

  it('reads and writes 32-bit words unsigned in both byte orders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const b = new Uint8Array(4);
        putU32(b, 0, v);
        expect(u32(b, 0)).toBe(v);
        putU32le(b, 0, v);
        expect(u32le(b, 0)).toBe(v);
      }),
    );
  });

  it('IPv4 text round-trips and rejects junk', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      expect(parseIpv4(ipv4Text(v))).toBe(v);
    }));
    expect(ipv4Text(parseIpv4('198.18.0.1'))).toBe('198.18.0.1');
    expect(Number.isNaN(parseIpv4('198.18.0.256'))).toBe(true);
  });

  it('IPv6 text follows RFC 5952 and round-trips', () => {
    expect(ipv6Text(parseIpv6('2001:db8:0:0:1:0:0:1')!, 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6Text(parseIpv6('ff02::12')!, 0)).toBe('ff02::12');
    expect(ipv6Text(new Uint8Array(16), 0)).toBe('::');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect([...parseIpv6(ipv6Text(b, 0))!]).toEqual([...b]);
      }),
    );
  });
});
