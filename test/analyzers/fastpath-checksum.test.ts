// The IPv4 header checksum from five header words (the fast path's and the dissector's for headers
// without options) must give the byte-range verdict (headerChecksumOk, used for headers with options).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerChecksumOk, wordsChecksumOk } from '../../dissectors/ipv4.js';

function verdicts(h: Uint8Array): [boolean, boolean] {
  const dv = new DataView(h.buffer, h.byteOffset, 20);
  const w = [0, 4, 8, 12, 16].map((o) => dv.getUint32(o)) as [number, number, number, number, number];
  return [wordsChecksumOk(...w), headerChecksumOk(h, 0, 20)];
}

/** Fill in the checksum field (bytes 10-11) so the header verifies. */
function withChecksum(h: Uint8Array): Uint8Array {
  h[10] = 0;
  h[11] = 0;
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (h[i]! << 8) | h[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  h[10] = c >>> 8;
  h[11] = c & 0xff;
  return h;
}

describe('fast path IPv4 header checksum', () => {
  it('agrees with headerChecksumOk on random headers, valid or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean(), fc.nat(19), (bytes, fix, flip) => {
        const h = fix ? withChecksum(bytes) : bytes;
        const [a, b] = verdicts(h);
        expect(a).toBe(b);
        if (fix) {
          expect(a).toBe(true);
          h[flip]! ^= 0x01;
          const [c, d] = verdicts(h);
          expect(c).toBe(d);
          expect(c).toBe(false);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('handles the extremes: all ones and all zeros', () => {
    expect(verdicts(new Uint8Array(20).fill(0xff))).toEqual([true, true]);
    expect(verdicts(new Uint8Array(20))).toEqual([false, false]);
  });
});
