// A live session: capture (LiveCapture) → incremental analysis (one frame at a time, a tick every
// second) → optional capture file flushed every second; stops on --count, --duration or when the
// caller says so (Ctrl-C), and finishes the analysis into its final report. Prints nothing.
import type { Frame, InterfaceInfo } from './frame.js';
import { LiveCapture, type LiveOptions, type LiveStats } from './live.js';
import { PcapngWriter, type WriteTarget } from './writer.js';

/** The analysis a live session drives: the pipeline's incremental face. */
export interface IncrementalAnalysis<R> {
  /** Dissect and analyse one frame (frames come in capture order). */
  feed(frame: Frame): void;
  /** Capture time advanced to `time` (epoch seconds) with or without packets. */
  tick(time: number): void;
  /** End of input at `time`: close open intervals and return the final report. */
  finish(time: number): R;
}

/** Where captured frames are saved (a pcapng writer with one named interface per capture interface). */
export interface LiveFrameWriter {
  write(frame: Frame): void;
  /** Push what was written to the file (called every `flushMs`). */
  flush(): Promise<void> | void;
  close(): Promise<void> | void;
  /** Write what is buffered at once, synchronously (the process is about to exit), if the writer can. */
  flushSync?(): void;
}

/** Why a session ended. */
export type StopReason = 'count' | 'duration' | 'signal' | 'error';

/** Options of a live session: the capture's, plus when to stop and how often to tick and flush. */
export interface LiveSessionOptions extends LiveOptions {
  /** Stop after this many frames (all interfaces together). */
  count?: number;
  /** Stop after this many seconds. */
  duration?: number;
  /** Analysis tick period, ms (default 1000). */
  tickMs?: number;
  /** Writer flush period, ms (default 1000: a crash loses at most the last second). */
  flushMs?: number;
}

/** How a session ended, with the analysis' final report. */
export interface LiveResult<R> {
  reason: StopReason;
  report: R;
  stats: LiveStats;
  /** Epoch seconds of the start and of the end. */
  start: number;
  end: number;
  error?: unknown;
}

/** Callbacks (all optional). */
export interface LiveSessionHooks {
  /** Make the writer once the interfaces are open (their names and link types known). */
  writer?: (interfaces: readonly InterfaceInfo[]) => Promise<LiveFrameWriter> | LiveFrameWriter;
  /** Every frame, after the analysis saw it. */
  onFrame?: (f: Frame) => void;
  /** Every tick (after the analysis' tick), with the epoch time in seconds. */
  onTick?: (time: number) => void;
}

const nowSeconds = (): number => (performance.timeOrigin + performance.now()) / 1000;

/** A running live session; `done` settles when it stops (by count, duration, stop() or an error). */
export class LiveSession<R> {
  readonly done: Promise<LiveResult<R>>;
  private resolve!: (r: LiveResult<R>) => void;
  private capture: LiveCapture | null = null;
  private writer: LiveFrameWriter | null = null;
  /** Frames captured before the writer was ready. */
  private pending: Frame[] | null = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private lastTime = 0;
  private readonly startTime = nowSeconds();

  private constructor(
    private readonly analysis: IncrementalAnalysis<R>,
    private readonly opts: LiveSessionOptions,
    private readonly hooks: LiveSessionHooks,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  /** Open the interfaces and start; throws LiveError (one line) when capture cannot start. */
  static async start<R>(opts: LiveSessionOptions, analysis: IncrementalAnalysis<R>, hooks: LiveSessionHooks = {}): Promise<LiveSession<R>> {
    const s = new LiveSession(analysis, opts, hooks);
    s.capture = await LiveCapture.open(opts, (f) => s.frame(f));
    try {
      if (hooks.writer) {
        s.writer = await hooks.writer(s.capture.interfaces);
        for (const f of s.pending ?? []) s.writer.write(f);
      }
    } catch (err) {
      s.capture.stop();
      throw err;
    }
    s.pending = null;
    const every = (ms: number, fn: () => void) => s.timers.push(setInterval(fn, ms));
    every(opts.tickMs ?? 1000, () => s.tick());
    if (s.writer) every(opts.flushMs ?? 1000, () => void s.flushWriter());
    if (opts.duration !== undefined && opts.duration > 0) s.timers.push(setTimeout(() => s.stop('duration'), opts.duration * 1000));
    if (opts.count === 0) s.stop('count');
    return s;
  }

  /** The interfaces being captured. */
  get interfaces(): readonly InterfaceInfo[] {
    return this.capture?.interfaces ?? [];
  }

  /** Notes from the capture (a lowered snaplen, ...). */
  get notes(): readonly string[] {
    return this.capture?.notes ?? [];
  }

  stats(): LiveStats {
    return this.capture ? this.capture.stats() : { frames: 0, bytes: 0, perInterface: [] };
  }

  private frame(f: Frame): void {
    if (this.stopping) return;
    const t = f.sec + f.nsec / 1e9;
    if (t > this.lastTime) this.lastTime = t;
    try {
      if (this.pending) this.pending.push(f);
      else this.writer?.write(f);
      this.analysis.feed(f);
      this.hooks.onFrame?.(f);
    } catch (err) {
      this.stop('error', err);
      return;
    }
    if (this.opts.count !== undefined && this.opts.count > 0 && this.capture!.frames >= this.opts.count) this.stop('count');
  }

  private tick(): void {
    if (this.stopping) return;
    const t = nowSeconds();
    if (t > this.lastTime) this.lastTime = t;
    try {
      this.analysis.tick(this.lastTime);
      this.hooks.onTick?.(this.lastTime);
    } catch (err) {
      this.stop('error', err);
    }
  }

  private async flushWriter(): Promise<void> {
    try {
      await this.writer?.flush();
    } catch (err) {
      this.stop('error', err);
    }
  }

  /** Stop capturing, finish the analysis and the file; `done` then settles. Idempotent. */
  stop(reason: StopReason = 'signal', error?: unknown): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.capture?.stop();
    void this.finishUp(reason, error);
  }

  private async finishUp(reason: StopReason, error: unknown): Promise<void> {
    const end = Math.max(this.lastTime, nowSeconds());
    let report: R;
    try {
      report = this.analysis.finish(end);
    } catch (err) {
      error ??= err;
      reason = 'error';
      report = undefined as R;
    }
    try {
      await this.writer?.close();
    } catch (err) {
      error ??= err;
      reason = 'error';
    }
    this.resolve({ reason, report, stats: this.stats(), start: this.startTime, end, ...(error !== undefined ? { error } : {}) });
  }
}

/**
 * A pcapng file for a live session: one IDB per capture interface, declared up front in capture
 * order (so an interface without traffic is still there, named), nanosecond timestamps (the file
 * holds exactly the times the live analysis saw).
 */
export function pcapngLiveWriter(target: WriteTarget, interfaces: readonly InterfaceInfo[]): LiveFrameWriter {
  const w = new PcapngWriter(target, { nanosecond: true });
  const idb = new Map<number, number>();
  for (const i of interfaces) idb.set(i.id, w.addInterface({ name: i.name, linkType: i.linkType, snaplen: i.snaplen, description: `teamscope live capture on ${i.name}` }));
  return {
    write(f: Frame): void {
      const n = idb.get(f.iface.id);
      if (n === undefined) throw new Error(`live writer: frame on undeclared interface ${f.iface.name}`);
      w.writePacket(n, f.sec, f.nsec, f.buf, f.origLen, f.off, f.caplen);
    },
    flush: () => w.flush(),
    flushSync: () => w.flushSync(),
    close: () => w.close(),
  };
}
