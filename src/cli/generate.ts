// `teamscope generate SCENARIO -o FILE [--truth FILE.json] [--seed N] [--format pcapng|pcap] [knobs]`
// and `teamscope generate --list`: the built-in traffic generator (src/generator), thin layer.
import { Command, Option } from 'commander';
import { GENERATOR_FORMATS, KNOBS, type Knobs } from '../generator/options.js';
import { generate, listScenarios } from '../generator/index.js';
import { CliError, action } from './common.js';

/** Add the `generate` command to `program`. */
export function registerGenerate(program: Command): void {
  const cmd = program
    .command('generate')
    .argument('[scenario]', 'scenario to stage (see --list)')
    .description('write a synthetic capture of a scenario (team distribution, LACP faults, GARP takeover, heartbeat loss, VRRP/HSRP failover…) and its ground truth')
    .option('-o, --output <file>', 'capture file to write (pcap with several interfaces: one FILE.IFNAME.pcap per interface)')
    .option('--truth <file>', 'write the ground truth (JSON) here')
    .option('--seed <n>', 'random seed: same seed and options, same bytes', '1')
    .addOption(new Option('--format <format>', 'capture format').choices(GENERATOR_FORMATS).default('pcapng'))
    .option('--list', 'describe every scenario and its knobs');
  for (const k of KNOBS) cmd.option(k.flag, k.description);
  cmd.addHelpText(
    'after',
    `
Examples:
  teamscope generate --list
  teamscope generate garp-takeover -o takeover.pcapng --truth takeover.json --seed 7
  teamscope generate team --policy layer2+3 --members 4 --flows 200 -o team.pcapng`,
  );
  cmd.action(
    action(async (scenario: string | undefined, opts: Record<string, string | boolean | undefined>) => {
      if (opts.list) {
        process.stdout.write(listScenarios());
        return;
      }
      if (!scenario) throw new CliError("generate needs a SCENARIO (or --list to see them)");
      if (typeof opts.output !== 'string') throw new CliError('generate needs -o FILE (the capture to write)');
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed) || seed < 0) throw new CliError(`--seed must be a non-negative integer (got '${String(opts.seed)}')`);
      const knobs: Partial<Knobs> = {};
      for (const k of KNOBS) {
        const v = opts[k.key];
        if (typeof v !== 'string') continue;
        try {
          (knobs as Record<string, unknown>)[k.key] = k.parse(v);
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      }
      const started = Date.now();
      let r;
      try {
        r = await generate({
          scenario,
          out: opts.output,
          ...(typeof opts.truth === 'string' ? { truth: opts.truth } : {}),
          seed,
          format: opts.format === 'pcap' ? 'pcap' : 'pcapng',
          knobs,
        });
      } catch (e) {
        const msg = (e as Error).message;
        if (/^(unknown scenario|--|.*does not apply|.*needs)/.test(msg)) throw new CliError(msg);
        throw e;
      }
      const secs = (Date.now() - started) / 1000;
      process.stderr.write(
        `teamscope: ${scenario}: ${r.stats.packets} frames on ${r.truth.capture.interfaces.length} interface(s) → ${r.files.join(', ')}` +
          `${typeof opts.truth === 'string' ? `; truth → ${opts.truth} (${r.truth.findings.filter((f) => f.required).length} required findings)` : ''} in ${secs.toFixed(2)} s\n`,
      );
    }),
  );
}
