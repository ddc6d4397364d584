// Bounded streaming statistics for intervals and latencies: exact for the first samples, then a
// fixed log-scale histogram (memory per series is constant whatever the capture length).

/** Samples kept exactly before switching to the histogram. */
export const EXACT_SAMPLES = 512;
/** Histogram bins per decade (bin width ±1.2 %), over 1 µs .. 10^4 s. */
const BINS_PER_DECADE = 100;
const MIN_EXP = -6;
const DECADES = 10;
const NBINS = BINS_PER_DECADE * DECADES + 2;

/** Median / p99 / max summary as in FINDINGS.md (`interval: { median, p99, max }`). */
export interface Summary {
  count: number;
  min: number | null;
  median: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  /** False once the series outgrew the exact buffer: median and p99 come from a histogram (±1.2 %). */
  exact: boolean;
}

/** A series of non-negative durations (seconds). */
export class Series {
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  private exact: Float64Array | null = new Float64Array(16);
  private hist: Uint32Array | null = null;

  add(x: number): void {
    if (!(x >= 0)) return;
    const n = this.count++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const e = this.exact;
    if (e !== null) {
      if (n < e.length) {
        e[n] = x;
        return;
      }
      if (n < EXACT_SAMPLES) {
        const g = new Float64Array(Math.min(EXACT_SAMPLES, e.length * 2));
        g.set(e);
        g[n] = x;
        this.exact = g;
        return;
      }
      // Move the exact samples into the histogram.
      const h = (this.hist = new Uint32Array(NBINS));
      for (let i = 0; i < n; i++) h[bin(e[i]!)]!++;
      this.exact = null;
    }
    this.hist![bin(x)]!++;
  }

  /** Quantile q in [0, 1] (nearest rank); null when empty. */
  quantile(q: number): number | null {
    const n = this.count;
    if (n === 0) return null;
    if (this.exact !== null) {
      const s = this.exact.slice(0, n).sort();
      return s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
    }
    const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
    let acc = 0;
    const h = this.hist!;
    for (let i = 0; i < h.length; i++) {
      acc += h[i]!;
      if (acc >= rank) return Math.min(this.max, Math.max(this.min, binValue(i)));
    }
    return this.max;
  }

  summary(): Summary {
    const n = this.count;
    return {
      count: n,
      min: n ? round6(this.min) : null,
      median: n ? round6(this.quantile(0.5)!) : null,
      p99: n ? round6(this.quantile(0.99)!) : null,
      max: n ? round6(this.max) : null,
      mean: n ? round6(this.sum / n) : null,
      exact: this.exact !== null,
    };
  }
}

function bin(x: number): number {
  if (x <= 0) return 0;
  const b = Math.floor((Math.log10(x) - MIN_EXP) * BINS_PER_DECADE) + 1;
  return b < 1 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

function binValue(b: number): number {
  if (b === 0) return 0;
  return 10 ** (MIN_EXP + (b - 0.5) / BINS_PER_DECADE);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
