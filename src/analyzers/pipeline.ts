// The analysis pipeline: frames (in time order) → registry.dissect → every analyzer's onPacket →
// finish → the result with FINDINGS.md's top level. One streaming pass; usable incrementally for
// live capture (feed / tick / finish, events through a LiveSink as they happen). Analyzers are
// pluggable: one line each in ANALYZERS.
import type { Frame } from '../capture/frame.js';
import { type Problem } from '../../dissectors/core.js';
import { registry as defaultRegistry } from '../../dissectors/index.js';
import type { Registry } from '../../dissectors/registry.js';
import { ArpAnalyzer } from './arp.js';
import { type AnalyzerContext, type PipelineSettings, newContext } from './context.js';
import { type DistributionSection, type MemberResult, TeamAnalyzer } from './distribution.js';
import { FastPath } from './fastpath.js';
import { HeartbeatAnalyzer } from './heartbeat.js';
import { type Incident, buildIncidents } from './incidents.js';
import { LacpAnalyzer, type LacpSection } from './lacp.js';
import { resolveSettings, settingsWarnings } from './settings.js';
import { type LiveSink, Timeline } from './timeline.js';
import type { Analyzer, TimelineEvent } from './types.js';
import { VrrpAnalyzer } from './vrrp.js';

/** The `analyze --json` schema version (FINDINGS.md; bump on a breaking change). */
export const SCHEMA_VERSION = 1;

/** Builds one analyzer for a run. */
export type AnalyzerFactory = (ctx: AnalyzerContext) => Analyzer;

/**
 * Every analyzer of `analyze`, in the order they see each packet. The LACP analyzer runs before
 * the team analyzer (which reads the per-member LACP state it maintains).
 */
export const ANALYZERS: readonly AnalyzerFactory[] = [
  (ctx) => new LacpAnalyzer(ctx),
  (ctx) => new TeamAnalyzer(ctx),
  (ctx) => new ArpAnalyzer(ctx.settings, ctx.sink, ctx.summary),
  (ctx) => new HeartbeatAnalyzer(ctx.settings, ctx.sink, ctx.summary),
  (ctx) => new VrrpAnalyzer(ctx.settings, ctx.sink, ctx.summary),
];

/** A per-frame problem summarised per input: id, how often, first frames. */
export interface ProblemSummary {
  id: string;
  kind: string;
  severity: string;
  layer: string;
  count: number;
  frames: number[];
  message: string;
}

/** One input (FINDINGS.md `inputs[]`). */
export interface InputResult {
  file: string;
  format: string;
  packets: number;
  bytes: number;
  first: number | null;
  last: number | null;
  /** Frames whose timestamp is earlier than an earlier frame of the same input (as read, before reordering). */
  outOfOrder: number;
  /** Per-frame problems by id, plus reading problems (`read.*`). */
  problems: ProblemSummary[];
  /** Set when reading stopped early (the message names the file, offset and what was expected). */
  error?: string;
}

/** The full analysis result (FINDINGS.md top level). */
export interface AnalysisResult {
  schema: number;
  inputs: InputResult[];
  settings: Record<string, unknown>;
  members: MemberResult[];
  distribution: DistributionSection | null;
  lacp: LacpSection | null;
  arp: unknown;
  heartbeats: unknown;
  events: TimelineEvent[];
  incidents: Incident[];
  notes: string[];
  /** Other analyzer sections (e.g. vrrp). */
  [section: string]: unknown;
}

/** Describes an input before its frames arrive (readers fill it). */
export interface InputInfo {
  file: string;
  format: string;
}

const FRAMES_KEPT = 8;

/** Per-input counters in Pipeline.istat: packets, bytes, first, last, max time, out of order. */
const ISTAT = 6;

class InputStats {
  /** Set by the feeder (before reordering); null: use outOfOrder. */
  arrivalOutOfOrder: number | null = null;
  readonly problems = new Map<string, ProblemSummary>();
  error: string | undefined;
  constructor(
    public file: string,
    public format: string,
  ) {}

  addProblem(p: Problem, frame: number): void {
    const s = this.problems.get(p.id);
    if (s) {
      s.count++;
      if (s.frames.length < FRAMES_KEPT) s.frames.push(frame);
    } else this.problems.set(p.id, { id: p.id, kind: p.kind, severity: p.severity, layer: p.layer, count: 1, frames: [frame], message: p.message });
  }
}

/** Options of a pipeline beyond settings. */
export interface PipelineOptions {
  live?: LiveSink;
  analyzers?: readonly AnalyzerFactory[];
  registry?: Registry;
  /** Summarise plain TCP/UDP frames without full dissection (default true; results are identical). */
  fastPath?: boolean;
}

/**
 * One analysis run. Feed frames in time order (the readers' reorder stage does that for files);
 * `tick` lets time advance without packets (live); `finish` returns the result.
 */
export class Pipeline {
  readonly ctx: AnalyzerContext;
  readonly analyzers: Analyzer[];
  readonly timeline: Timeline;
  readonly settings: PipelineSettings;
  private readonly registry: Registry;
  private fast: FastPath | null = null;
  private readonly a0: Analyzer | null;
  private readonly a1: Analyzer | null;
  private readonly a2: Analyzer | null;
  private readonly a3: Analyzer | null;
  private readonly a4: Analyzer | null;
  private readonly a5: Analyzer | null;
  private readonly a6: Analyzer | null;
  private readonly a7: Analyzer | null;
  private readonly rest: Analyzer[];
  private readonly useFast: boolean;
  private readonly inputs: InputStats[] = [];
  private istat = new Float64Array(0);
  private readonly extraNotes: string[] = [];
  private nextTick = -Infinity;
  private now = -Infinity;
  /** Frames fed with a time earlier than an already fed frame (after the reorder stage). */
  lateFrames = 0;
  /** Frames the reorder stage had to reorder (reported by the reader). */
  reordered = 0;
  packets = 0;
  private result: AnalysisResult | null = null;

  constructor(settings: Partial<PipelineSettings> = {}, opts: PipelineOptions = {}) {
    const s = resolveSettings(settings) as PipelineSettings;
    s.teamIps = settings.teamIps ?? [];
    s.teamMacs = settings.teamMacs ?? [];
    this.settings = s;
    this.timeline = new Timeline(opts.live);
    this.ctx = newContext(s, this.timeline);
    this.registry = opts.registry ?? defaultRegistry;
    this.analyzers = (opts.analyzers ?? ANALYZERS).map((f) => f(this.ctx));
    const a = this.analyzers;
    this.a0 = a[0] ?? null;
    this.a1 = a[1] ?? null;
    this.a2 = a[2] ?? null;
    this.a3 = a[3] ?? null;
    this.a4 = a[4] ?? null;
    this.a5 = a[5] ?? null;
    this.a6 = a[6] ?? null;
    this.a7 = a[7] ?? null;
    this.rest = a.slice(8);
    this.useFast = opts.fastPath ?? true;
  }

  /** Frames summarised on the fast path and frames fully dissected. */
  get decodeStats(): { fast: number; dissected: number } {
    return { fast: this.fast?.fast ?? 0, dissected: this.packets - (this.fast?.fast ?? 0) };
  }

  /** Declare input `index` (file name and format) before or while its frames arrive. */
  setInput(index: number, info: InputInfo): void {
    const s = this.input(index);
    s.file = info.file;
    s.format = info.format;
  }

  /**
   * How many frames of input `index` arrived earlier than a frame before them (counted by the feeder
   * before its reorder stage; without it, `feed` counts what still arrives out of order).
   */
  setOutOfOrder(index: number, count: number): void {
    const s = this.input(index);
    s.arrivalOutOfOrder = count;
  }

  /** Reading input `index` stopped early: keep the message (everything before it is analysed). */
  inputError(index: number, message: string): void {
    this.input(index).error = message;
  }

  /** Add a note to the result (e.g. from the reader). */
  note(text: string): void {
    this.extraNotes.push(text);
  }

  /** An input first seen through one of its frames: named after its interface until setInput says more. */
  private newInput(f: Frame): InputStats {
    const fresh = this.inputs.length <= f.iface.input;
    const s = this.input(f.iface.input);
    if (fresh || s.file === `input${f.iface.input}`) s.file = f.iface.name;
    return s;
  }

  private input(i: number): InputStats {
    while (this.inputs.length <= i) this.inputs.push(new InputStats(`input${this.inputs.length}`, 'unknown'));
    if (this.istat.length < this.inputs.length * ISTAT) {
      const n = new Float64Array(Math.max(this.inputs.length, 2 * this.istat.length / ISTAT) * ISTAT);
      n.set(this.istat);
      for (let j = this.istat.length / ISTAT; j < n.length / ISTAT; j++) {
        n[j * ISTAT + 2] = NaN;
        n[j * ISTAT + 3] = NaN;
        n[j * ISTAT + 4] = -Infinity;
      }
      this.istat = n;
    }
    return this.inputs[i]!;
  }

  /** The fast path, made on the first frame: the registry is read then (after --decode-as rules were applied). */
  private fastPath(): FastPath | null {
    if (this.fast === null && this.useFast) this.fast = new FastPath(this.registry, this.settings.reorderWindow);
    return this.fast;
  }

  /**
   * Optional: frames about to enter the reorder stage, in arrival order. Their headers are decoded
   * now, while the reader has just read them, not when `feed` gets them a window later (FastPath.prescan).
   */
  prescan(frames: readonly Frame[]): void {
    this.fastPath()?.prescan(frames);
  }

  /** Dissect and analyse one frame. */
  feed(frame: Frame): void {
    let fast = this.fast;
    if (fast === null && this.useFast) fast = this.fastPath();
    let pkt = fast !== null ? fast.take(frame, this.ctx.summary) : null;
    if (pkt === null) {
      pkt = this.registry.dissect(frame);
      this.ctx.summary.fill(pkt);
    }
    const t = pkt.time;
    const k = frame.iface.input;
    if (k >= this.inputs.length) this.newInput(frame);
    // Per-input counters in one typed array (no boxed numbers written per packet).
    const st = this.istat;
    const o = k * ISTAT;
    st[o]! += 1;
    st[o + 1]! += frame.origLen;
    if (st[o] === 1) st[o + 2] = t;
    if (t < st[o + 4]!) st[o + 5]! += 1;
    else st[o + 4] = t;
    st[o + 3] = t;
    if (pkt.problems.length > 0) for (const p of pkt.problems) this.inputs[k]!.addProblem(p, frame.index);
    if (t < this.now) this.lateFrames++;
    else {
      this.now = t;
      if (t >= this.nextTick) this.tick(t);
    }
    this.packets++;
    // One call site per analyzer slot: each stays monomorphic (a loop over five classes would not).
    this.a0?.onPacket(pkt);
    this.a1?.onPacket(pkt);
    this.a2?.onPacket(pkt);
    this.a3?.onPacket(pkt);
    this.a4?.onPacket(pkt);
    this.a5?.onPacket(pkt);
    this.a6?.onPacket(pkt);
    this.a7?.onPacket(pkt);
    const rest = this.rest;
    for (let i = 0; i < rest.length; i++) rest[i]!.onPacket(pkt);
  }

  /** Capture time advanced to `time` (called at least once per second of capture time). */
  tick(time: number): void {
    if (time > this.now) this.now = time;
    this.nextTick = Math.floor(time) + 1;
    const as = this.analyzers;
    for (let i = 0; i < as.length; i++) as[i]!.tick?.(time);
  }

  /** End of input: close intervals, build sections, timeline and incidents. */
  finish(time?: number): AnalysisResult {
    if (this.result) return this.result;
    const end = time ?? (Number.isFinite(this.now) ? this.now : 0);
    for (const a of this.analyzers) a.finish(end);
    const sections: Record<string, unknown> = {};
    const notes: string[] = [];
    let team: TeamAnalyzer | undefined;
    for (const a of this.analyzers) {
      sections[a.section] = a.result();
      if (a instanceof TeamAnalyzer) team = a;
    }
    for (const a of this.analyzers) notes.push(...a.notes());
    const events = this.timeline.sorted();
    const incidents = buildIncidents(events);
    notes.push(...this.timeline.notes());
    if (this.lateFrames) notes.push(`${this.lateFrames} frames arrived later than the reorder window allowed and were analysed out of time order (raise --reorder-window)`);
    notes.push(...settingsWarnings(this.settings));
    notes.push(...this.extraNotes);
    const inputs: InputResult[] = this.inputs.map((s, i) => {
      const st = this.istat.subarray(i * ISTAT, i * ISTAT + ISTAT);
      const r: InputResult = {
        file: s.file,
        format: s.format,
        packets: st[0]!,
        bytes: st[1]!,
        first: Number.isNaN(st[2]!) ? null : st[2]!,
        last: Number.isNaN(st[3]!) ? null : st[3]!,
        outOfOrder: s.arrivalOutOfOrder ?? st[5]!,
        problems: [...s.problems.values()].sort((a, b) => b.count - a.count),
      };
      if (s.error !== undefined) r.error = s.error;
      return r;
    });
    const st = this.settings;
    const { memberMap, teamIps, teamMacs, ...rest } = st;
    this.result = {
      schema: SCHEMA_VERSION,
      inputs,
      settings: { ...rest, members: memberMap, teamIps, teamMacs },
      members: team ? team.memberResults() : [],
      distribution: (sections.distribution as DistributionSection | undefined) ?? null,
      lacp: (sections.lacp as LacpSection | undefined) ?? null,
      arp: sections.arp ?? null,
      heartbeats: sections.heartbeats ?? null,
      events,
      incidents,
      notes,
    };
    for (const [k, v] of Object.entries(sections)) if (!(k in this.result)) this.result[k] = v;
    return this.result;
  }
}
