// `teamscope distribution CAPTURE...`: team members' traffic, tx/rx, imbalance, flows moving
// between members, members going silent, and the hash policy that explains the traffic.
import type { Command } from 'commander';
import { TeamAnalyzer } from '../analyzers/distribution.js';
import { LacpAnalyzer } from '../analyzers/lacp.js';
import { action } from './common.js';
import { analysisCommand, runAnalysis } from './analyze.js';

/** Add the `distribution` command to `program`. */
export function registerDistribution(program: Command): Command {
  const cmd = program
    .command('distribution')
    .description('team member distribution: packets/bytes/flows per member, tx/rx, imbalance, failover and rebalancing, hash-policy inference')
    .argument('<capture...>', 'pcap/pcapng files, one per member or one pcapng with an interface per member (- for stdin)');
  analysisCommand(cmd);
  cmd.action(
    action(async (files: string[], opts: Record<string, unknown>) => {
      // LACP runs too: traffic on a member whose LACP state is not collecting+distributing is a finding here.
      await runAnalysis(files, opts, {
        analyzers: [(ctx) => new LacpAnalyzer(ctx), (ctx) => new TeamAnalyzer(ctx)],
        sections: ['inputs', 'members', 'distribution', 'incidents', 'timeline', 'notes'],
        eventPrefixes: ['member.', 'flow.'],
      });
    }),
  );
  return cmd;
}
