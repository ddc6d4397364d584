// What `teamscope arp` and `teamscope heartbeat` share: their common options, feeding capture files
// through the analysis pipeline with only their analyzers, --json / tables, and --fail-on.
import { Option, type Command } from 'commander';
import type { Frame } from '../capture/frame.js';
import { type AnalysisResult, type AnalyzerFactory, Pipeline } from '../analyzers/pipeline.js';
import { settingsFromOptions } from '../analyzers/settings.js';
import { CliError, ExitCode, Output, applyDecodeAs, choiceOption, collect, intOption, openInputs, setExitCode } from './common.js';
import { registry } from '../../dissectors/index.js';

/** Options every single-analyzer command has besides the thresholds. */
export function commonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the structured result (FINDINGS.md schema) instead of tables')
    .addOption(new Option('--time <format>', 'times as absolute (UTC), relative (to the first frame) or epoch').argParser(choiceOption(['absolute', 'relative', 'epoch'] as const)).default('absolute'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').argParser(choiceOption(['warning', 'error'] as const)))
    .addOption(new Option('--max-ips <n>', 'addresses tracked at most (a note says when the cap was hit)').argParser(intOption(1)))
    .addOption(new Option('--limit <n>', 'rows per table').argParser(intOption(1)).default(50))
    .option('--all', 'list every address and stream, not only those with something to say')
    .addOption(new Option('--decode-as <rule>', 'TABLE=KEY:PROTO, e.g. udp.port=4000:mscs (repeatable)').argParser(collect));
}

/** Feed frames of `files` to `feed`, in time order (several files are merged by timestamp). */
export type FrameFeeder = (
  files: readonly string[],
  feed: (f: Frame) => void,
  input: (i: number, file: string, format: string) => void,
  error: (i: number, message: string) => void,
) => Promise<void>;

/** The commands' reader: every input opened up front, frames merged in time order (common.ts openInputs). */
export const inputsFeeder: FrameFeeder = async (files, feed, input, error) => {
  const f = await openInputs(files);
  try {
    f.inputs.forEach((m, i) => input(i, m.file, m.format));
    for await (const batch of f.batches()) for (const fr of batch) feed(fr);
    for (const p of f.problems) error(f.inputs.findIndex((m) => m.file === p.file), p.message);
  } finally {
    await f.close();
  }
};

/** Run `analyzers` over `files` and print the result (tables from `render`, or --json). */
export async function runOneAnalyzer(
  files: string[],
  opts: Record<string, unknown>,
  analyzers: readonly AnalyzerFactory[],
  render: (r: AnalysisResult, o: { time: 'absolute' | 'relative' | 'epoch'; origin: number; all: boolean; limit: number }) => string,
  feeder: FrameFeeder = inputsFeeder,
  out: Output = new Output(),
): Promise<AnalysisResult> {
  let settings;
  try {
    settings = settingsFromOptions(opts);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  applyDecodeAs(opts.decodeAs as string[] | undefined, registry);
  const p = new Pipeline(settings, { analyzers });
  await feeder(
    files,
    (f) => p.feed(f),
    (i, file, format) => p.setInput(i, { file, format }),
    (i, message) => {
      p.inputError(i, message);
      setExitCode(ExitCode.PARTIAL);
    },
  );
  const r = p.finish();
  if (opts.json) out.write(JSON.stringify(r, null, 2) + '\n');
  else {
    const origin = r.inputs.reduce((m, i) => (i.first !== null && i.first < m ? i.first : m), Infinity);
    out.write(render(r, { time: (opts.time as 'absolute') ?? 'absolute', origin: Number.isFinite(origin) ? origin : 0, all: Boolean(opts.all), limit: Number(opts.limit ?? 50) }));
    if (r.notes.length) out.write(`\nNotes:\n${r.notes.map((n) => `- ${n}`).join('\n')}\n`);
  }
  await out.flush();
  const failOn = opts.failOn as 'warning' | 'error' | undefined;
  if (failOn && r.events.some((e) => e.severity === 'error' || (failOn === 'warning' && e.severity === 'warning'))) setExitCode(ExitCode.FINDINGS);
  return r;
}
