// `teamscope lacp CAPTURE...`: LACP per member port — partner, every state transition, problems
// with evidence, links, Marker exchanges — the LACP analyzer alone (with the member map).
import type { Command } from 'commander';
import { LacpAnalyzer } from '../analyzers/lacp.js';
import { action } from './common.js';
import { analysisCommand, runAnalysis } from './analyze.js';

/** Add the `lacp` command to `program`. */
export function registerLacp(program: Command): Command {
  const cmd = program
    .command('lacp')
    .description('LACP per member port: partner, state timeline, Defaulted/Expired/out-of-sync/mismatches/PDU gaps and rates/churn, links, Marker exchanges')
    .argument('<capture...>', 'pcap/pcapng files (- for stdin)');
  analysisCommand(cmd);
  cmd.action(
    action(async (files: string[], opts: Record<string, unknown>) => {
      await runAnalysis(files, opts, {
        analyzers: [(ctx) => new LacpAnalyzer(ctx)],
        sections: ['inputs', 'lacp', 'incidents', 'timeline', 'notes'],
        eventPrefixes: ['lacp.'],
      });
    }),
  );
  return cmd;
}
