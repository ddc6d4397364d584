// Shared by the generator tests: run a scenario while recording the intended field values of every
// frame (the stacks handed to the encoders), read the result back with tshark, and the tshark gate
// (fail under CI / TEAMSCOPE_REQUIRE_NET when tshark is missing, else skip visibly).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FieldDesc, ipv6Text, macText, ipv4Text, parseIpv4, parseIpv6, parseMac } from '../../dissectors/core.js';
import { type Stack, recordBuilds } from '../../src/generator/build.js';
import type { CaptureInterface } from '../../src/generator/engine.js';
import { findScenario } from '../../src/generator/index.js';
import type { Knobs } from '../../src/generator/options.js';
import { resolveKnobs, runScenario } from '../../src/generator/scenario.js';
import { PcapngSink } from '../../src/generator/sinks.js';
import type { TruthFile } from '../../src/generator/truth.js';

/** Is tshark on the PATH? */
export function hasTshark(): boolean {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Whether a missing tshark must fail the run (CI or TEAMSCOPE_REQUIRE_NET). */
export function tsharkRequired(): boolean {
  return Boolean(process.env.CI || process.env.TEAMSCOPE_REQUIRE_NET);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'teamscope-gen-'));
}

/** One written frame and the stack it was built from. */
export interface RecordedFrame {
  frame: number;
  iface: number;
  stack: Stack | undefined;
  bytes: Uint8Array;
}

/** Runs are serialised: the build recorder is global. */
let queue: Promise<unknown> = Promise.resolve();

/** Run `scenario` into a pcapng under `dir`, recording each frame's stack; returns the file, truth and frames. */
export function runRecorded(dir: string, scenario: string, knobs: Partial<Knobs> = {}, seed = 1, tag = ''): Promise<{ file: string; truth: TruthFile; frames: RecordedFrame[] }> {
  const p = queue.then(() => runRecordedNow(dir, scenario, knobs, seed, tag));
  queue = p.catch(() => undefined);
  return p;
}

async function runRecordedNow(dir: string, scenario: string, knobs: Partial<Knobs> = {}, seed = 1, tag = ''): Promise<{ file: string; truth: TruthFile; frames: RecordedFrame[] }> {
  const def = findScenario(scenario);
  if (!def) throw new Error(`no scenario ${scenario}`);
  const file = join(dir, `${scenario}${tag}.pcapng`);
  const inner = new PcapngSink(file);
  const intents = new Map<Uint8Array, Stack>();
  const frames: RecordedFrame[] = [];
  const sink = {
    open: (i: readonly CaptureInterface[]) => inner.open(i),
    write: (iface: number, sec: number, usec: number, bytes: Uint8Array) => {
      const r = inner.write(iface, sec, usec, bytes);
      frames.push({ frame: r.frame, iface, stack: intents.get(bytes), bytes });
      return r;
    },
    close: () => inner.close(),
  };
  recordBuilds((stack, bytes) => intents.set(bytes, stack.map(([d, f]) => [d, { ...f }] as const)));
  try {
    const { truth } = await runScenario(def, resolveKnobs(def, knobs), seed, sink, {
      format: 'pcapng',
      files: () => [file],
      reportedName: () => inner.reportedName,
      inputOf: () => inner.inputOf,
      command: `test ${scenario}`,
    });
    return { file, truth, frames };
  } finally {
    recordBuilds(null);
  }
}

/** tshark's fields for every frame: frame number → field → values (all occurrences). */
export function tsharkFields(file: string, fields: readonly string[], twoPass = true): Map<number, Record<string, string[]>> {
  const args = [...(twoPass ? ['-2'] : []), '-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.number'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const out = new Map<number, Record<string, string[]>>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const cols = line.split('\t');
    const rec: Record<string, string[]> = {};
    fields.forEach((f, i) => {
      const v = cols[i + 1] ?? '';
      rec[f] = v === '' ? [] : v.split('|');
    });
    out.set(Number(cols[0]), rec);
  }
  return out;
}

/** Frames tshark marks malformed or with an error-level expert item (two passes). */
export function tsharkBadFrames(file: string): string[] {
  const r = spawnSync('tshark', ['-2', '-r', file, '-Y', '_ws.malformed || _ws.expert.severity == "Error"'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    // Older/newer tshark spell the severity filter differently: fall back to the numeric value.
    const r2 = spawnSync('tshark', ['-2', '-r', file, '-Y', '_ws.malformed || _ws.expert.severity == 8388608'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r2.status !== 0) throw new Error(`tshark failed: ${r2.stderr}`);
    return r2.stdout.split('\n').filter(Boolean);
  }
  return r.stdout.split('\n').filter(Boolean);
}

/** tshark's expert,error summary (empty when there is none). */
export function tsharkExpertErrors(file: string): string {
  const r = spawnSync('tshark', ['-2', '-r', file, '-q', '-z', 'expert,error'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** The tshark field name of a FieldDesc we compare (first alternative; none for indexed '#n' names). */
export function tsharkName(fd: FieldDesc): string | null {
  if (!fd.tshark) return null;
  const first = fd.tshark.split(',')[0]!;
  return first.includes('#') ? null : first;
}

/** A tshark value in our representation (numbers; MACs and IPv4 as numbers; IPv6 as text). */
export function parseTsharkValue(kind: FieldDesc['kind'], v: string): number | string {
  if (kind === 'mac') return parseMac(v);
  if (kind === 'ipv4') return parseIpv4(v);
  if (kind === 'ipv6') return ipv6Text(parseIpv6(v)!, 0);
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  if (v === 'True') return 1;
  if (v === 'False') return 0;
  return Number(v);
}

/** Our intended value in the same representation, or undefined when not comparable. */
export function intendedValue(kind: FieldDesc['kind'], v: unknown): number | string | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Uint8Array && v.length === 16 && kind === 'ipv6') return ipv6Text(v, 0);
  return undefined;
}

/** For messages. */
export function show(kind: FieldDesc['kind'], v: number | string): string {
  if (typeof v === 'string') return v;
  if (kind === 'mac') return macText(v);
  if (kind === 'ipv4') return ipv4Text(v);
  return String(v);
}
