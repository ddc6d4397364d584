// What `teamscope arp` and `teamscope heartbeat` share: their common options, feeding capture files
// through analyze's reader, reorder stage and pipeline with only their analyzers, --json / tables,
// and --fail-on.
import { Option, type Command } from 'commander';
import type { AnalysisResult, AnalyzerFactory } from '../analyzers/pipeline.js';
import { ExitCode, Output, applyDecodeAs, choiceOption, collect, intOption, setExitCode } from './common.js';
import { registry } from '../../dissectors/index.js';
// analyze.ts imports commonOptions from here: a cycle of functions only, called after both modules loaded.
import { analyzeFiles, pipelineSettings } from './analyze.js';

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

/** --reorder-window (analyze, live, arp, heartbeat): frames held back to put a capture in time order. */
export function reorderWindowOption(): Option {
  return new Option('--reorder-window <n>', 'frames held back to put them in time order (default 4096)').argParser(intOption(1));
}

/** Run `analyzers` over `files` and print the result (tables from `render`, or --json). */
export async function runOneAnalyzer(
  files: string[],
  opts: Record<string, unknown>,
  analyzers: readonly AnalyzerFactory[],
  render: (r: AnalysisResult, o: { time: 'absolute' | 'relative' | 'epoch'; origin: number; all: boolean; limit: number }) => string,
  out: Output = new Output(),
): Promise<AnalysisResult> {
  const settings = pipelineSettings(opts);
  applyDecodeAs(opts.decodeAs as string[] | undefined, registry);
  // The same reader and reorder stage as analyze: captures whose frames are out of time order are
  // put back in order, and the result says how many were.
  const r = await analyzeFiles(files, settings, analyzers);
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
