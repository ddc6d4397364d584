// What `teamscope arp` and `teamscope heartbeat` share: their common options, feeding capture files
// through the analysis pipeline with only their analyzers, --json / tables, and --fail-on.
import { Option, type Command } from 'commander';
import type { Frame } from '../capture/frame.js';
import { openSource } from '../capture/source.js';
import { PCAP_HEADER_LEN, PcapParser, parsePcapHeader, pcapMagic } from '../capture/pcap.js';
import { LinkType } from '../capture/frame.js';
import { type AnalysisResult, type AnalyzerFactory, Pipeline } from '../analyzers/pipeline.js';
import { settingsFromOptions } from '../analyzers/settings.js';
import { CliError, ExitCode, Output, applyDecodeAs, choiceOption, collect, intOption, setExitCode } from './common.js';
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

/**
 * Stand-in reader until the capture readers land: classic pcap (µs/ns, either byte order, gzip
 * through openSource), chunked; several files are merged by timestamp in memory.
 */
export const classicPcapFeeder: FrameFeeder = async (files, feed, input, error) => {
  const all: Frame[][] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const src = await openSource(file);
    try {
      const head = new Uint8Array(PCAP_HEADER_LEN);
      const n = await src.read(head, 0, PCAP_HEADER_LEN);
      if (n < PCAP_HEADER_LEN || !pcapMagic(head)) throw new CliError(`${file}: not a classic pcap file (pcapng needs the full capture reader)`, ExitCode.UNREADABLE);
      const h = parsePcapHeader(head);
      input(i, file, h.nanosecond ? 'pcap-ns' : 'pcap');
      const iface = { id: i, input: i, index: 0, name: file.split('/').pop()!, linkType: h.linkType || LinkType.ETHERNET, snaplen: h.snaplen, tsUnitsPerSec: h.nanosecond ? 1e9 : 1e6, tsOffset: 0 };
      const parser = new PcapParser(file, iface, h);
      const frames: Frame[] = [];
      let carry = new Uint8Array(0);
      let base = PCAP_HEADER_LEN;
      for (;;) {
        const chunk = new Uint8Array(carry.length + (4 << 20));
        chunk.set(carry, 0);
        const got = await src.read(chunk, carry.length, 4 << 20);
        const end = carry.length + got;
        const out: Frame[] = [];
        const used = parser.parse(chunk, 0, end, base, out);
        for (const f of out) (files.length > 1 ? frames.push(f) : feed(f));
        if (parser.problem) {
          error(i, parser.problem.message);
          carry = new Uint8Array(0);
          break;
        }
        carry = chunk.slice(used, end);
        base += used;
        if (got === 0) break;
      }
      if (carry.length) error(i, parser.truncated(carry, 0, carry.length, base).message);
      if (files.length > 1) all.push(frames);
    } finally {
      await src.close();
    }
  }
  if (files.length > 1) {
    const merged = all.flat().sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
    for (const f of merged) feed(f);
  }
};

/** Run `analyzers` over `files` and print the result (tables from `render`, or --json). */
export async function runOneAnalyzer(
  files: string[],
  opts: Record<string, unknown>,
  analyzers: readonly AnalyzerFactory[],
  render: (r: AnalysisResult, o: { time: 'absolute' | 'relative' | 'epoch'; origin: number; all: boolean; limit: number }) => string,
  feeder: FrameFeeder = classicPcapFeeder,
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
