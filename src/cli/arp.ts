// `teamscope arp CAPTURE...`: IP → MAC ownership, gratuitous-ARP takeovers with stale caches,
// conflicts, flip-flops, probes and learning frames (the ARP analyzer alone).
import type { Command } from 'commander';
import { ArpAnalyzer, type ArpSection } from '../analyzers/arp.js';
import { arpOptions, thresholdOptions } from '../analyzers/settings.js';
import { renderArp } from '../report/arp.js';
import { action } from './common.js';
import { commonOptions, reorderWindowOption, runOneAnalyzer } from './one-analyzer.js';

/** Add the `arp` command to `program`. */
export function registerArp(program: Command): Command {
  const cmd = program
    .command('arp')
    .description('IP address ownership from ARP and IP traffic: takeovers (GARPs, stale caches), conflicts, flip-flops, probes')
    .argument('<capture...>', 'pcap files (- for stdin)');
  commonOptions(cmd);
  cmd.addOption(reorderWindowOption());
  for (const o of arpOptions()) cmd.addOption(o);
  // Accepted (and ignored) so one option set works for analyze, arp and heartbeat alike.
  for (const o of thresholdOptions()) cmd.addOption(o.hideHelp());
  cmd.action(
    action(async (files: string[], opts: Record<string, unknown>) => {
      await runOneAnalyzer(files, opts, [(ctx) => new ArpAnalyzer(ctx.settings, ctx.sink, ctx.summary)], (r, o) => renderArp(r.arp as ArpSection, r.events, o));
    }),
  );
  return cmd;
}
