// The IPv4 decoder verifies the header checksum with its own unrolled sum (dissectors/ipv4.ts
// headerChecksumOk); its verdict must be RFC 1071's as the shared helpers compute it, for any header.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newPacket } from '../../dissectors/core.js';
import { inetFold, inetSum, ipv4 } from '../../dissectors/ipv4.js';
import { frameOf } from '../helpers/frames.js';

describe('ipv4 header checksum verdict', () => {
  it('is inetFold(inetSum(header)) === 0 for random headers of every length, right or wrong', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 15 }),
        fc.uint8Array({ minLength: 60, maxLength: 60 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (ihl, bytes, fix, lead) => {
          const hlen = ihl * 4;
          const h = bytes.slice(0, hlen);
          h[0] = 0x40 | ihl;
          if (fix) {
            h[10] = 0;
            h[11] = 0;
            const c = inetFold(inetSum(h, 0, hlen));
            h[10] = c >>> 8;
            h[11] = c & 0xff;
          }
          const f = frameOf(h, { lead, tail: 2 });
          const l = ipv4.decode(f.buf, f.off, f.off + hlen, newPacket(f, 0))!;
          expect(l.checksumStatus).toBe(inetFold(inetSum(h, 0, hlen)) === 0 ? 1 : 0);
          if (fix) expect(l.checksumStatus).toBe(1);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('treats an all-zero and an all-ones header as RFC 1071 does', () => {
    for (const fill of [0, 0xff]) {
      const h = new Uint8Array(20).fill(fill);
      h[0] = 0x45;
      const f = frameOf(h);
      const l = ipv4.decode(f.buf, 0, 20, newPacket(f, 0))!;
      expect(l.checksumStatus).toBe(inetFold(inetSum(h, 0, 20)) === 0 ? 1 : 0);
    }
  });
});
