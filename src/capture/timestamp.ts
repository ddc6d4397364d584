// Exact conversions between 64-bit pcapng timestamp units and (seconds, nanoseconds) integers.
// Present-day nanosecond timestamps exceed 2^53, so a plain float division would lose digits.

/**
 * How one interface's timestamp units map to time (pcapng §4.2 if_tsresol): `unitsPerSec` is 10^k
 * or 2^k; the sub-second remainder `rem` (0 ≤ rem < unitsPerSec) gives nsec = floor(rem * mul / div).
 */
export interface TsScale {
  readonly unitsPerSec: number;
  readonly mul: number;
  readonly div: number;
  /** unitsPerSec lies in [4096, 1 431 655 765]: the float-then-correct split below is exact. */
  readonly fast: boolean;
  /** unitsPerSec as a BigInt, for the rare resolutions outside the fast range. */
  readonly big: bigint;
}

/** Scale for if_tsresol byte `v` (MSB clear: 10^-v s; MSB set: 2^-(v & 0x7f) s), per pcapng §4.2. */
export function tsScaleOf(tsresol: number): TsScale {
  const pow2 = (tsresol & 0x80) !== 0;
  const k = tsresol & 0x7f;
  if (pow2) {
    const big = 1n << BigInt(k);
    const unitsPerSec = 2 ** k;
    // nsec = floor(rem * 1e9 / 2^k) = floor(rem * 1953125 / 2^(k-9)) exact while rem * 1953125 < 2^53.
    if (k >= 9) return { unitsPerSec, mul: 1953125, div: 2 ** (k - 9), fast: isFast(unitsPerSec), big };
    return { unitsPerSec, mul: 1e9, div: unitsPerSec, fast: isFast(unitsPerSec), big };
  }
  const big = 10n ** BigInt(k);
  const unitsPerSec = 10 ** k;
  if (k <= 9) return { unitsPerSec, mul: 10 ** (9 - k), div: 1, fast: isFast(unitsPerSec), big };
  return { unitsPerSec, mul: 1, div: 10 ** (k - 9), fast: false, big };
}

function isFast(r: number): boolean {
  return r >= 4096 && r <= 1431655765;
}

/** µs scale (the pcapng default and classic pcap). */
export const MICRO: TsScale = tsScaleOf(6);
/** ns scale (if_tsresol = 9 and ns classic pcap). */
export const NANO: TsScale = tsScaleOf(9);

/** Result slot of `splitTicks` (module-level so the hot loop allocates nothing). */
export const split = { sec: 0, nsec: 0 };

/**
 * Split the 64-bit unit count hi·2^32 + lo into `split.sec` / `split.nsec`, exactly.
 * Fast path: a float quotient is within ±1 of the true one (error ≤ 0.75 for R ≥ 4096), and the
 * remainder is recovered exactly modulo 2^32 (it lies in [-R, 2R), a range narrower than 2^32).
 */
export function splitTicks(hi: number, lo: number, s: TsScale): void {
  if (s.fast) {
    const r = s.unitsPerSec;
    let sec = Math.floor((hi * 4294967296 + lo) / r);
    let rem = (lo - (Math.imul(sec, r) >>> 0)) >>> 0;
    if (rem >= 2 * r) rem -= 4294967296;
    if (rem < 0) {
      sec--;
      rem += r;
    } else if (rem >= r) {
      sec++;
      rem -= r;
    }
    split.sec = sec;
    split.nsec = (s.div === 1 ? rem * s.mul : Math.floor((rem * s.mul) / s.div)) | 0;
    return;
  }
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const sec = v / s.big;
  const rem = v - sec * s.big;
  split.sec = Number(sec);
  split.nsec = Number((rem * 1000000000n) / s.big);
}

/** Result slot of `joinTicks`. */
export const ticks = { hi: 0, lo: 0 };

/**
 * Units since the epoch for (sec, nsec) at `unitsPerSec` (10^k, k ≤ 9, or 2^k), into `ticks.hi` /
 * `ticks.lo`, exactly: sec·R + floor(nsec·R / 1e9) computed in 16-bit limbs. `sec` ≥ 0, < 2^32·R^-1·2^32.
 */
export function joinTicks(sec: number, nsec: number, unitsPerSec: number): void {
  const sub = unitsPerSec === 1e9 ? nsec : unitsPerSec === 1e6 ? Math.floor(nsec / 1000) : subUnits(nsec, unitsPerSec);
  // sec = sh·2^16 + sl;  total = sh·R·2^16 + (sl·R + sub)
  const sh = Math.floor(sec / 65536);
  const sl = sec - sh * 65536;
  const a = sl * unitsPerSec + sub; // < 2^16·R + R, exact for R < 2^36
  const b = sh * unitsPerSec; // exact while sec·R < 2^69 and sh·R < 2^53
  const bq = Math.floor(b / 65536);
  const br = b - bq * 65536;
  const c = br * 65536 + a; // < 2^32 + 2^16·R + R, exact
  const cq = Math.floor(c / 4294967296);
  ticks.hi = bq + cq;
  ticks.lo = c - cq * 4294967296;
}

function subUnits(nsec: number, r: number): number {
  return Number((BigInt(nsec) * BigInt(r)) / 1000000000n);
}
