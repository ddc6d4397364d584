// The generator's clock and scheduler: a scenario is a set of sources (iterators of frames in time
// order: one per flow, per LACP link, per heartbeat route…), merged by time through a binary heap and
// streamed to a capture sink one frame at a time, so a million-frame capture never sits in memory.
// Times are integer microseconds since the scenario start (pcap and pcapng agree on them exactly).

/** Seconds → integer microseconds. */
export function us(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/** Where a written frame landed: input (file) index and 1-based frame number in it, and its epoch time. */
export interface FrameRef {
  input: number;
  frame: number;
  /** Epoch seconds (µs precision). */
  time: number;
}

/** One frame a source wants written. */
export interface Emission {
  /** Microseconds since the scenario start. */
  t: number;
  /** Capture interface index (into the scenario's interface list). */
  iface: number;
  bytes: Uint8Array;
  /** Called with the frame's place once written (for evidence in the ground truth). */
  onWrite?: (ref: FrameRef) => void;
}

/** A source of frames in non-decreasing time order. */
export type Source = Iterator<Emission, unknown, undefined>;

/** A capture interface of the generated capture (one per team member or capture point). */
export interface CaptureInterface {
  name: string;
  description?: string;
  /** LINKTYPE_* (1 = Ethernet). */
  linkType: number;
  snaplen: number;
}

/** Where frames go: a pcapng writer with named interfaces, classic pcap file(s), or memory (tests). */
export interface FrameSink {
  /** Declare the interfaces before the first frame. */
  open(interfaces: readonly CaptureInterface[]): void | Promise<void>;
  /** Write one frame; returns its input index and 1-based frame number there. */
  write(iface: number, sec: number, usec: number, bytes: Uint8Array): { input: number; frame: number } | Promise<{ input: number; frame: number }>;
  close(): void | Promise<void>;
}

interface HeapItem {
  e: Emission;
  src: Source;
  order: number;
}

/** A min-heap of pending emissions, by time then by source order (deterministic ties); sift with a hole, no allocation. */
class EmissionHeap {
  private readonly a: HeapItem[] = [];

  get size(): number {
    return this.a.length;
  }

  push(it: HeapItem): void {
    const a = this.a;
    let i = a.length;
    a.push(it);
    const t = it.e.t;
    const o = it.order;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = a[p]!;
      const qt = q.e.t;
      if (qt < t || (qt === t && q.order < o)) break;
      a[i] = q;
      i = p;
    }
    a[i] = it;
  }

  pop(): HeapItem | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    const n = a.length;
    if (n > 0 && last) {
      const t = last.e.t;
      const o = last.order;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let m = l;
        let mi = a[l]!;
        const r = l + 1;
        if (r < n) {
          const ri = a[r]!;
          if (ri.e.t < mi.e.t || (ri.e.t === mi.e.t && ri.order < mi.order)) {
            m = r;
            mi = ri;
          }
        }
        if (t < mi.e.t || (t === mi.e.t && o < mi.order)) break;
        a[i] = mi;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

/** What a run wrote. */
export interface RunStats {
  packets: number;
  bytes: number;
  /** Time of the first and last frame, µs since start (0/0 when nothing was written). */
  first: number;
  last: number;
  perInterface: number[];
}

/**
 * Merge `sources` by time and write every frame to `sink` (already opened). `startSec` is the epoch
 * second of scenario time 0. Sources must yield non-decreasing times; a violation is a programmer error.
 */
export async function runSources(
  sources: readonly Source[],
  sink: FrameSink,
  startSec: number,
  interfaceCount: number,
  observe?: (iface: number, t: number, input: number, frame: number) => void,
): Promise<RunStats> {
  const heap = new EmissionHeap();
  sources.forEach((src, order) => {
    const r = src.next();
    if (!r.done) heap.push({ e: r.value, src, order });
  });
  const stats: RunStats = { packets: 0, bytes: 0, first: 0, last: 0, perInterface: new Array<number>(interfaceCount).fill(0) };
  for (;;) {
    const it = heap.pop();
    if (!it) break;
    const e = it.e;
    if (e.t < stats.last) throw new Error(`generator: a source went back in time (${e.t} µs after ${stats.last} µs)`);
    if (stats.packets === 0) stats.first = e.t;
    stats.last = e.t;
    const sec = startSec + Math.floor(e.t / 1e6);
    const usec = e.t % 1e6;
    const w = sink.write(e.iface, sec, usec, e.bytes);
    const ref = w instanceof Promise ? await w : w;
    stats.packets++;
    stats.bytes += e.bytes.length;
    stats.perInterface[e.iface] = (stats.perInterface[e.iface] ?? 0) + 1;
    if (observe) observe(e.iface, e.t, ref.input, ref.frame);
    if (e.onWrite) e.onWrite({ input: ref.input, frame: ref.frame, time: epoch(startSec, e.t) });
    const r = it.src.next();
    if (!r.done) {
      if (r.value.t < e.t) throw new Error(`generator: source ${it.order} went back in time (${r.value.t} µs after ${e.t} µs)`);
      it.e = r.value;
      heap.push(it);
    }
  }
  return stats;
}

/** Epoch seconds of scenario time `t` µs (a JSON number exact to the microsecond). */
export function epoch(startSec: number, t: number): number {
  return Math.round((startSec + t / 1e6) * 1e6) / 1e6;
}

/** A sink that keeps frames in memory (tests, samples checks). */
export class MemorySink implements FrameSink {
  interfaces: readonly CaptureInterface[] = [];
  readonly frames: { iface: number; sec: number; usec: number; bytes: Uint8Array }[] = [];

  open(interfaces: readonly CaptureInterface[]): void {
    this.interfaces = interfaces;
  }

  write(iface: number, sec: number, usec: number, bytes: Uint8Array): { input: number; frame: number } {
    this.frames.push({ iface, sec, usec, bytes });
    return { input: 0, frame: this.frames.length };
  }

  close(): void {}
}
