// What a scenario is (a named recipe with knobs, capture interfaces, frame sources and ground truth)
// and how one is run: build → merge sources into the sink → complete the truth file.
import type { CaptureInterface, FrameSink, RunStats, Source } from './engine.js';
import { epoch, runSources, us } from './engine.js';
import { DEFAULT_KNOBS, type Knobs, flagName } from './options.js';
import { Rng } from './prng.js';
import { TRUTH_SCHEMA, type TruthFile, type TruthInterface, TruthBuilder, splitInfo, t6 } from './truth.js';

/** A scenario: how to build it and what it shows. */
export interface ScenarioDef {
  name: string;
  title: string;
  /** What the scenario stages, for `generate --list`. */
  description: string;
  /** Knobs it reads (others are refused on the command line), with its own defaults. */
  knobs: readonly (keyof Knobs)[];
  defaults: Partial<Knobs>;
  /** Register interfaces and sources, record what will happen; complete truth in ctx.atEnd callbacks. */
  build(ctx: ScenarioContext): void;
}

/** A capture interface with what it stands for in the truth file. */
export interface ScenarioInterface extends CaptureInterface {
  role: TruthInterface['role'];
  node?: string;
  team?: string;
  mac?: number;
}

/** Everything a scenario's build sees and fills. */
export class ScenarioContext {
  readonly rng: Rng;
  readonly truth = new TruthBuilder();
  readonly interfaces: ScenarioInterface[] = [];
  readonly sources: Source[] = [];
  /** Called for every frame written (scalars only: keep it cheap). */
  readonly frameObservers: ((iface: number, t: number, input: number, frame: number) => void)[] = [];
  /** Run after the last frame is written (complete findings that depend on what was written). */
  readonly atEnd: ((stats: RunStats) => void)[] = [];
  /** End of the capture, µs since start. */
  readonly end: number;

  constructor(
    readonly knobs: Knobs,
    readonly seed: number,
  ) {
    this.rng = new Rng(seed, 'scenario');
    this.end = us(knobs.duration);
  }

  get startSec(): number {
    return this.knobs.start;
  }

  /** Declare a capture interface (Ethernet); returns its index. */
  addInterface(i: Omit<ScenarioInterface, 'linkType' | 'snaplen'> & Partial<Pick<ScenarioInterface, 'linkType' | 'snaplen'>>): number {
    this.interfaces.push({ linkType: 1, snaplen: 262144, ...i });
    return this.interfaces.length - 1;
  }

  /** Add a frame source. */
  add(src: Source): void {
    this.sources.push(src);
  }

  /** Epoch seconds of scenario time `t` µs. */
  epoch(t: number): number {
    return epoch(this.startSec, t);
  }

  /** An independent random stream for one part of the scenario. */
  stream(label: string): Rng {
    return new Rng(this.seed, label);
  }

  /** Name of interface `i` as the scenario knows it (translated to the reported name in the truth file). */
  ifname(i: number): string {
    return this.interfaces[i]!.name;
  }
}

/** Options of runScenario. */
export interface RunOptions {
  format: 'pcapng' | 'pcap';
  /** Files the sink writes, reported names of its interfaces, and input index per interface. */
  files: () => string[];
  reportedName: () => string[];
  inputOf: () => number[];
  /** The regenerating command line (recorded in the truth). */
  command: string;
}

/** Resolve knobs: catalogue defaults, then the scenario's, then the user's. */
export function resolveKnobs(def: ScenarioDef, given: Partial<Knobs>): Knobs {
  for (const k of Object.keys(given) as (keyof Knobs)[]) {
    if (!def.knobs.includes(k)) throw new Error(`${flagName(k)} does not apply to scenario '${def.name}' (it reads: ${def.knobs.map(flagName).join(' ') || 'no knobs'})`);
  }
  return { ...DEFAULT_KNOBS, ...def.defaults, ...given };
}

/** Build and run a scenario into `sink`; returns its truth file and run statistics. */
export async function runScenario(def: ScenarioDef, knobs: Knobs, seed: number, sink: FrameSink, opts: RunOptions): Promise<{ truth: TruthFile; stats: RunStats }> {
  const ctx = new ScenarioContext(knobs, seed);
  def.build(ctx);
  await sink.open(ctx.interfaces);
  const obs = ctx.frameObservers;
  const observe = obs.length === 0 ? undefined : obs.length === 1 ? obs[0] : (i: number, t: number, inp: number, fr: number) => obs.forEach((o) => o(i, t, inp, fr));
  const stats = await runSources(ctx.sources, sink, ctx.startSec, ctx.interfaces.length, observe);
  await sink.close();
  for (const f of ctx.atEnd) f(stats);
  const names = opts.reportedName();
  const inputs = opts.inputOf();
  const rename = new Map<string, string>(ctx.interfaces.map((i, k) => [i.name, names[k] ?? i.name]));
  const { happened, findings } = ctx.truth.sorted();
  for (const f of findings) {
    if (typeof f.iface === 'string') f.iface = rename.get(f.iface) ?? f.iface;
    if (f.kind === 'flow.moved') {
      if (typeof f.from === 'string') f.from = rename.get(f.from) ?? f.from;
      if (typeof f.to === 'string') f.to = rename.get(f.to) ?? f.to;
    }
  }
  for (const h of happened) if (typeof h.iface === 'string') h.iface = rename.get(h.iface) ?? h.iface;
  for (const f of findings) {
    const info = f.info as Record<string, unknown> | undefined;
    if (info && typeof info.iface === 'string') info.iface = rename.get(info.iface) ?? info.iface;
    splitInfo(f);
  }
  const used: Record<string, unknown> = {};
  for (const k of def.knobs) used[k] = knobs[k];
  const truth: TruthFile = {
    schema: TRUTH_SCHEMA,
    generator: { tool: 'teamscope generate', scenario: def.name, seed, format: opts.format, options: used, command: opts.command },
    capture: {
      files: opts.files(),
      format: opts.format,
      packets: stats.packets,
      first: stats.packets ? t6(ctx.epoch(stats.first)) : 0,
      last: stats.packets ? t6(ctx.epoch(stats.last)) : 0,
      interfaces: ctx.interfaces.map((i, k) => {
        const ti: TruthInterface = { input: inputs[k] ?? 0, index: k, name: names[k] ?? i.name, role: i.role };
        if (i.node !== undefined) ti.node = i.node;
        if (i.team !== undefined) ti.team = i.team;
        if (i.mac !== undefined) ti.mac = macHex(i.mac);
        if (i.description !== undefined) ti.description = i.description;
        return ti;
      }),
    },
    settings: ctx.truth.settings,
    topology: ctx.truth.topology,
    policy: ctx.truth.policy,
    happened,
    findings,
    absent: [...ctx.truth.absent].sort(),
    incidents: ctx.truth.incidents,
    notes: ctx.truth.notes,
  };
  return { truth, stats };
}

function macHex(m: number): string {
  const h = m.toString(16).padStart(12, '0');
  return h.match(/../g)!.join(':');
}
