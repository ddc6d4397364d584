// The generator's entry point: the scenario catalogue and generate(), which runs one scenario into a
// capture file (pcapng or pcap) and returns (and optionally writes) its ground truth.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { RunStats } from './engine.js';
import { DEFAULT_KNOBS, KNOBS, type Knobs, flagName } from './options.js';
import { type ScenarioDef, resolveKnobs, runScenario } from './scenario.js';
import { ARP_SCENARIOS } from './scenarios/arp.js';
import { HEARTBEAT_SCENARIOS } from './scenarios/heartbeat.js';
import { MIXED_SCENARIOS } from './scenarios/mixed.js';
import { TEAM_SCENARIOS } from './scenarios/team.js';
import { VIRTUAL_SCENARIOS } from './scenarios/virtual.js';
import { type CaptureFormat, fileSink } from './sinks.js';
import type { TruthFile } from './truth.js';

/** Every scenario, in `generate --list` order. */
export const SCENARIOS: readonly ScenarioDef[] = [...TEAM_SCENARIOS, ...ARP_SCENARIOS, ...HEARTBEAT_SCENARIOS, ...VIRTUAL_SCENARIOS, ...MIXED_SCENARIOS];

/** Find a scenario by name. */
export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** What generate() needs. */
export interface GenerateOptions {
  scenario: string;
  /** Capture file to write (pcap with several interfaces: one file per interface derived from it). */
  out: string;
  /** Truth file to write (JSON), if any. */
  truth?: string;
  seed: number;
  format: CaptureFormat;
  /** Knobs given by the user (the rest take the scenario's defaults). */
  knobs?: Partial<Knobs>;
}

/** What generate() did. */
export interface GenerateResult {
  truth: TruthFile;
  stats: RunStats;
  files: string[];
}

/** The command line that regenerates a capture byte for byte (paths as given). */
export function commandLine(o: GenerateOptions): string {
  const parts = ['teamscope', 'generate', o.scenario, '-o', o.out, '--seed', String(o.seed)];
  if (o.format !== 'pcapng') parts.push('--format', o.format);
  const given = o.knobs ?? {};
  for (const k of KNOBS) {
    const v = given[k.key];
    if (v === undefined) continue;
    parts.push(flagName(k.key), String(v));
  }
  if (o.truth) parts.push('--truth', o.truth);
  return parts.join(' ');
}

/** Run one scenario into a capture file; writes the truth file when asked. */
export async function generate(o: GenerateOptions): Promise<GenerateResult> {
  const def = findScenario(o.scenario);
  if (!def) throw new Error(`unknown scenario '${o.scenario}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error(`--seed must be a non-negative integer (got ${o.seed})`);
  const knobs = resolveKnobs(def, o.knobs ?? {});
  const sink = fileSink(o.format, o.out);
  const { truth, stats } = await runScenario(def, knobs, o.seed, sink, {
    format: o.format,
    files: () => sink.files.map((f) => basename(f)),
    reportedName: () => sink.reportedName,
    inputOf: () => sink.inputOf,
    command: commandLine(o),
  });
  if (o.truth) writeFileSync(o.truth, `${JSON.stringify(truth, null, 2)}\n`);
  return { truth, stats, files: sink.files };
}

/** One paragraph per scenario for `generate --list`. */
export function listScenarios(): string {
  const out: string[] = [];
  for (const s of SCENARIOS) {
    const defaults = s.knobs.map((k) => `${flagName(k)} ${String({ ...DEFAULT_KNOBS, ...s.defaults }[k]) || "''"}`).join(' ');
    out.push(`${s.name} — ${s.title}\n  ${wrap(s.description, 76).join('\n  ')}\n  knobs: ${defaults || '(none)'}`);
  }
  return `${out.join('\n\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}
