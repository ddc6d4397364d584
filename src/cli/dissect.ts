// `teamscope dissect CAPTURE...`: every packet decoded, one line each, the full field tree (-V), or
// NDJSON (--json); streaming, with a protocol filter, a count limit and --decode-as rules.
import { type Command, Option } from 'commander';
import { registry } from '../../dissectors/index.js';
import type { Packet } from '../../dissectors/core.js';
import { PacketRenderer, TimeText } from '../report/dissect.js';
import {
  ExitCode,
  Output,
  TIME_FORMATS,
  type TimeFormat,
  action,
  applyDecodeAs,
  choiceOption,
  collect,
  intOption,
  openInputs,
  parseOnly,
  say,
  setExitCode,
} from './common.js';

/** Options of `dissect` as commander parses them. */
export interface DissectOptions {
  verbose?: boolean;
  json?: boolean;
  count?: number;
  only?: string[];
  decodeAs?: string[];
  time: TimeFormat;
}

/** Does the packet hold one of the wanted layers (or a problem raised by one of them)? */
function wanted(pkt: Packet, only: Set<string>): boolean {
  const ls = pkt.layers;
  for (let i = 0; i < ls.length; i++) if (only.has(ls[i]!.layer)) return true;
  const ps = pkt.problems;
  for (let i = 0; i < ps.length; i++) if (only.has(ps[i]!.layer)) return true;
  return false;
}

/** Run `dissect` over `files`, writing to `out`. */
export async function runDissect(files: string[], opts: DissectOptions, out: Output = new Output()): Promise<void> {
  applyDecodeAs(opts.decodeAs, registry);
  const only = parseOnly(opts.only, registry);
  const limit = opts.count ?? Infinity;
  const feed = await openInputs(files);
  const time = new TimeText(opts.time);
  const r = new PacketRenderer(registry, time, feed.inputs.map((i) => i.file));
  const mode = opts.json ? 2 : opts.verbose ? 1 : 0;
  // Each packet is rendered to text before the next frame is decoded (the renderer keeps nothing
  // of it), so one reusing decoder serves the whole run.
  const decoder = registry.decoder();
  let printed = 0;
  try {
    outer: for await (const batch of feed.batches()) {
      if (batch.length > 0) time.setBase(batch[0]!);
      for (let i = 0; i < batch.length; i++) {
        const pkt = decoder.decode(batch[i]!);
        if (only !== null && !wanted(pkt, only)) continue;
        out.write(mode === 0 ? r.line(pkt) : mode === 1 ? r.tree(pkt) : r.json(pkt));
        if (++printed >= limit) break outer;
      }
      const p = out.maybeFlush();
      if (p) await p;
      if (out.closed) break;
    }
  } finally {
    await feed.close();
  }
  await out.end();
  if (out.closed) return; // the reader of our output went away: stop quietly
  for (const p of feed.problems) {
    say(p.message);
    setExitCode(ExitCode.PARTIAL);
  }
}

/** Add the `dissect` command to `program`. */
export function registerDissect(program: Command): Command {
  return program
    .command('dissect')
    .description('decode every packet: one line each, the full field tree (-V) or NDJSON (--json)')
    .argument('<capture...>', 'pcap or pcapng files, gzip-compressed or not (- for stdin); several are merged in time order')
    .addOption(new Option('-V, --verbose', 'full field tree of every layer, with flag bits and expert info').conflicts('json'))
    .option('--json', 'one JSON object per packet (NDJSON): frame, input, iface, time, layers with every field, problems')
    .addOption(new Option('-c, --count <n>', 'stop after N packets printed (after --only)').argParser(intOption(1)))
    .addOption(
      new Option('--only <protocols>', 'only packets with one of these layers, comma-separated (lacp,arp,heartbeat,vlan,slow,ip,... ; repeatable)').argParser(
        collect,
      ),
    )
    .addOption(new Option('--decode-as <rule>', 'decode TABLE=KEY as PROTO, e.g. udp.port=4000:mscs (repeatable)').argParser(collect))
    .addOption(new Option('--time <format>', 'absolute (UTC), relative (to the first packet) or epoch').argParser(choiceOption(TIME_FORMATS)).default('absolute'))
    .action(action((files: string[], opts: DissectOptions) => runDissect(files, opts)));
}
