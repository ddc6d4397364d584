// `teamscope replay CAPTURE -i IFACE [--speed X] [--loop N]`: send a capture's frames on an
// interface with their original timing, for lab reproduction and tests. With `-i NAME=DEV`
// (repeatable) the frames captured on interface NAME go out on DEV (a team's members each on
// their own link); frames of interfaces not named are not sent.
import type { Command } from 'commander';
import type { Frame } from '../capture/frame.js';
import { readCaptures } from '../capture/merge.js';
import { FrameSender, LiveError } from '../capture/live.js';
import { type ReplayStats, replayFrames } from '../capture/live-replay.js';
import { hasIpv4 } from './live.js';
import { CliError, ExitCode, action, collect, intOption, numberOption, say, setExitCode } from './common.js';

/** Options of `replay` (commander's camelCased values). */
export interface ReplayCliOptions {
  interface: string[];
  speed: number;
  loop: number;
  quiet?: boolean;
}

/** Register `replay` on the program. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("send a capture's frames on an interface with their original timing (lab reproduction); needs root or CAP_NET_RAW")
    .argument('<capture>', 'pcap or pcapng file (gzip too)')
    .requiredOption('-i, --interface <dev|name=dev>', 'send on DEV; or NAME=DEV: frames captured on interface NAME go out on DEV (repeatable)', collect)
    .option('--speed <x>', 'time factor: 2 = twice as fast, 0.5 = half speed, 0 = as fast as possible', numberOption, 1)
    .option('--loop <n>', 'send the capture N times', intOption(1), 1)
    .option('-q, --quiet', 'no summary line')
    .action(
      action(async (file: string, opts: ReplayCliOptions) => {
        await runReplay(file, opts);
      }),
    );
}

/** `-i` values → capture-interface name (or '' for all) → device. */
export function parseTargets(specs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const spec of specs) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    const [name, dev] = m ? [m[1]!.trim(), m[2]!.trim()] : ['', spec.trim()];
    if (!dev) throw new CliError(`bad -i '${spec}': expected DEV or NAME=DEV`);
    if (map.has(name)) throw new CliError(name ? `-i: capture interface '${name}' given twice` : '-i DEV given twice (use NAME=DEV to send each capture interface on its own device)');
    map.set(name, dev);
  }
  if (map.has('') && map.size > 1) throw new CliError('-i: give either one DEV for every frame, or NAME=DEV for each capture interface');
  return map;
}

/** Run `replay` (exported for tests of the wiring). */
export async function runReplay(file: string, opts: ReplayCliOptions): Promise<ReplayStats> {
  if (file === '-' && opts.loop > 1) throw new CliError('--loop needs a file (standard input can be read once)');
  const targets = parseTargets(opts.interface);
  // Open the capture once up front, so a bad file is reported before any device is touched.
  const first = await readCaptures([file]);
  await first.close();
  const senders = new Map<string, FrameSender>();
  const byName = new Map<string, FrameSender>();
  try {
    for (const [name, dev] of targets) {
      let s = senders.get(dev);
      if (!s) {
        s = await FrameSender.open(dev);
        senders.set(dev, s);
      }
      byName.set(name, s);
    }
  } catch (err) {
    for (const s of senders.values()) s.close();
    if (err instanceof LiveError) throw new CliError(err.message.replace(/^no permission to capture/, 'no permission to send'), err.code === 'no-such-interface' ? ExitCode.USAGE : ExitCode.UNREADABLE);
    throw err;
  }
  const noIpv4 = [...senders.keys()].filter((d) => !hasIpv4(d));
  if (noIpv4.length && !opts.quiet) say(`replay: the cap package's "no IPv4 address assigned" warning for ${noIpv4.join(', ')} is harmless: sending needs no address`);
  const all = byName.get('');
  const senderOf = (f: Frame): FrameSender | undefined => all ?? byName.get(f.iface.name);
  const unknownNames = new Set<string>();

  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let st: ReplayStats;
  try {
    st = await replayFrames(
      async function* () {
        const set = await readCaptures([file]);
        try {
          for await (const batch of set.batches()) yield* batch;
        } finally {
          await set.close();
        }
      },
      (bytes, f) => senderOf(f)!.send(bytes),
      {
        speed: opts.speed,
        loop: opts.loop,
        stopped: () => stop,
        select: (f) => {
          if (senderOf(f)) return true;
          unknownNames.add(f.iface.name);
          return false;
        },
      },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const s of senders.values()) s.close();
  }
  if (!opts.quiet) {
    const devs = [...new Set(targets.values())].join(', ');
    let line = `replay: sent ${st.sent} frames (${st.bytes} bytes) on ${devs} in ${(st.elapsedMs / 1000).toFixed(3)} s`;
    if (opts.loop > 1) line += ` (${st.loops} loops)`;
    if (opts.speed > 0) line += `; latest frame ${st.maxLateMs.toFixed(1)} ms behind its time`;
    if (stop) line += '; interrupted';
    say(line);
    const skipped = Object.entries(st.skippedLinkType);
    if (skipped.length) say(`replay: not sent: ${skipped.map(([lt, n]) => `${n} frames of link type ${lt} (only Ethernet frames can be sent)`).join(', ')}`);
    if (st.unselected) say(`replay: not sent: ${st.unselected} frames captured on ${[...unknownNames].join(', ')} (no -i NAME=DEV for them)`);
    if (st.cut) say(`replay: ${st.cut} frames were cut by the capture's snaplen and went out shorter than on the original wire`);
    if (st.failed) say(`replay: ${st.failed} frames refused by the interface: ${st.errors.join('; ')}`);
  }
  if (st.failed) setExitCode(ExitCode.PARTIAL);
  return st;
}
