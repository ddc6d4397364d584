// `teamscope heartbeat CAPTURE...`: cluster heartbeats (Windows UDP 3343, corosync/knet) per route
// and node pair against the threshold profile, and VRRP/HSRP/CARP adverts with master changes.
import type { Command } from 'commander';
import { HeartbeatAnalyzer, type HeartbeatSection } from '../analyzers/heartbeat.js';
import { arpOptions, thresholdOptions } from '../analyzers/settings.js';
import { type FhrpSection, VrrpAnalyzer } from '../analyzers/vrrp.js';
import { renderHeartbeats, renderProfiles, renderVrrp } from '../report/heartbeat.js';
import { CliError, action } from './common.js';
import { commonOptions, reorderWindowOption, runOneAnalyzer } from './one-analyzer.js';

/** Add the `heartbeat` command to `program`. */
export function registerHeartbeat(program: Command): Command {
  const cmd = program
    .command('heartbeat')
    .description('cluster heartbeats per route and node pair (gaps vs Delay × Threshold, latency), VRRP/HSRP/CARP adverts and master changes')
    .argument('[capture...]', 'capture files (- for stdin)')
    .option('--list-profiles', 'print the threshold profiles with their sources and exit');
  commonOptions(cmd);
  cmd.addOption(reorderWindowOption());
  for (const o of thresholdOptions()) cmd.addOption(o);
  // Accepted (and ignored) so one option set works for analyze, arp and heartbeat alike.
  for (const o of arpOptions()) cmd.addOption(o.hideHelp());
  cmd.action(
    action(async (files: string[], opts: Record<string, unknown>) => {
      if (opts.listProfiles) {
        process.stdout.write(renderProfiles(typeof opts.profile === 'string' ? opts.profile : undefined));
        return;
      }
      if (files.length === 0) throw new CliError('heartbeat: give at least one capture file (or --list-profiles)');
      await runOneAnalyzer(
        files,
        opts,
        [(ctx) => new HeartbeatAnalyzer(ctx.settings, ctx.sink, ctx.summary), (ctx) => new VrrpAnalyzer(ctx.settings, ctx.sink, ctx.summary)],
        (r, o) => [renderHeartbeats(r.heartbeats as HeartbeatSection, r.events, o), renderVrrp(r.vrrp as FhrpSection, r.events, o)].filter(Boolean).join('\n'),
      );
    }),
  );
  return cmd;
}
