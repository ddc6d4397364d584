// `teamscope analyze CAPTURE...`: every analyzer in one pass — team distribution, LACP, takeovers,
// heartbeats, VRRP — as tables by section with the timeline last, `--json` (docs/findings-schema.md)
// or `--html FILE`. Also the runner `lacp` and `distribution` share. Thin: the work is in
// src/analyzers and src/report.
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { registry } from '../../dissectors/index.js';
import type { PipelineSettings } from '../analyzers/context.js';
import { parseMemberOptions } from '../analyzers/members.js';
import { type AnalysisResult, type AnalyzerFactory, Pipeline } from '../analyzers/pipeline.js';
import { arpOptions, settingsFromOptions, thresholdOptions } from '../analyzers/settings.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { type SectionName, renderTables } from '../report/table.js';
import { CliError, ExitCode, Output, action, applyDecodeAs, collect, intOption, openInputs, setExitCode } from './common.js';
import { commonOptions, reorderWindowOption } from './one-analyzer.js';
import { newBatch } from '../capture/frame.js';
import { Reorder } from '../capture/reorder.js';

/** What a run of analyze / lacp / distribution is told on the command line. */
export interface RunSpec {
  analyzers?: readonly AnalyzerFactory[];
  sections?: readonly SectionName[];
  /** Keep only these event kinds (prefixes) in the output's timeline (the analysis sees everything). */
  eventPrefixes?: readonly string[];
}

/** Options of the team analyzers (members, team side, reorder window, flow cap). */
export function teamOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--member <name=mac|iface>', 'name a team member by its MAC or capture interface (repeatable; several MACs/ifaces comma-separated)').argParser(collect))
    .addOption(new Option('--team-mac <mac>', 'a MAC of the team side (repeatable; default: inferred)').argParser(collect))
    .addOption(new Option('--team-ip <ip>', 'an IP of the team side (repeatable; default: inferred)').argParser(collect))
    .addOption(reorderWindowOption())
    .addOption(new Option('--max-flows <n>', 'flows tracked at most (a note says when the cap was hit; default 1000000)').argParser(intOption(16)));
}

/** Command-line options → pipeline settings; a bad value becomes a usage error naming the option. */
export function pipelineSettings(opts: Record<string, unknown>): PipelineSettings {
  try {
    const s = settingsFromOptions(opts) as PipelineSettings;
    s.memberMap = parseMemberOptions((opts.member as string[] | undefined) ?? []);
    s.teamMacs = ((opts.teamMac as string[] | undefined) ?? []).map((m) => m.toLowerCase());
    s.teamIps = (opts.teamIp as string[] | undefined) ?? [];
    if (opts.reorderWindow !== undefined) s.reorderWindow = Number(opts.reorderWindow);
    if (opts.maxFlows !== undefined) s.maxFlows = Number(opts.maxFlows);
    return s;
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

/** Feed every input through the bounded reorder stage into a pipeline; returns the result. */
export async function analyzeFiles(files: readonly string[], settings: PipelineSettings, analyzers?: readonly AnalyzerFactory[]): Promise<AnalysisResult> {
  const p = new Pipeline(settings, analyzers ? { analyzers } : {});
  const feed = await openInputs(files);
  const reorder = new Reorder(settings.reorderWindow);
  try {
    feed.inputs.forEach((m, i) => p.setInput(i, { file: m.file, format: m.format }));
    const out = newBatch();
    for await (const batch of feed.batches()) {
      p.prescan(batch);
      out.length = 0;
      reorder.process(batch, out);
      for (let i = 0; i < out.length; i++) p.feed(out[i]!);
    }
    out.length = 0;
    reorder.flush(out);
    for (let i = 0; i < out.length; i++) p.feed(out[i]!);
    // Arrival order per input, as each reader delivered it (before merging and reordering).
    feed.inputs.forEach((m, i) => p.setOutOfOrder(i, m.outOfOrder));
    for (const pr of feed.problems) {
      p.inputError(
        feed.inputs.findIndex((m) => m.file === pr.file),
        pr.message,
      );
      setExitCode(ExitCode.PARTIAL);
    }
  } finally {
    await feed.close();
  }
  p.reordered = reorder.reordered;
  if (reorder.outOfOrder) {
    p.note(
      `${reorder.outOfOrder} frames arrived out of time order: ${reorder.reordered} were put back in order within the ${reorder.window}-frame window (moved back up to ${reorder.maxDisplacement} places)` +
        (reorder.late ? `, ${reorder.late} came too late for the window and were analysed out of order (raise --reorder-window)` : ''),
    );
  }
  return p.finish();
}

function origin(r: AnalysisResult): number {
  const o = r.inputs.reduce((m, i) => (i.first !== null && i.first < m ? i.first : m), Infinity);
  return Number.isFinite(o) ? o : 0;
}

/** Run, then print tables / JSON and write HTML; set the exit code for --fail-on. */
export async function runAnalysis(files: string[], opts: Record<string, unknown>, spec: RunSpec = {}, out: Output = new Output()): Promise<AnalysisResult> {
  const settings = pipelineSettings(opts);
  try {
    applyDecodeAs(opts.decodeAs as string[] | undefined, registry);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const full = await analyzeFiles(files, settings, spec.analyzers);
  const r = spec.eventPrefixes ? { ...full, events: full.events.filter((e) => spec.eventPrefixes!.some((p) => e.kind.startsWith(p))) } : full;
  if (r !== full) r.incidents = full.incidents.map((inc) => ({ ...inc, events: inc.events.map((i) => r.events.indexOf(full.events[i]!)).filter((i) => i >= 0) })).filter((inc) => inc.events.length > 0);
  if (opts.html) {
    try {
      await writeFile(String(opts.html), renderHtml(full, { relative: opts.time === 'relative' }));
    } catch (err) {
      throw new CliError(`cannot write ${String(opts.html)}: ${err instanceof Error ? err.message : String(err)}`, ExitCode.USAGE);
    }
  }
  if (opts.json) out.write(renderJson(r));
  else
    out.write(
      renderTables(r, {
        time: (opts.time as 'absolute' | 'relative' | 'epoch') ?? 'absolute',
        origin: origin(r),
        all: Boolean(opts.all),
        limit: Number(opts.limit ?? 50),
        ...(spec.sections ? { sections: spec.sections } : {}),
      }),
    );
  await out.end();
  const failOn = opts.failOn as 'warning' | 'error' | undefined;
  if (failOn && r.events.some((e) => e.severity === 'error' || (failOn === 'warning' && e.severity === 'warning'))) setExitCode(ExitCode.FINDINGS);
  return r;
}

/** Options every analysis command has. */
export function analysisCommand(cmd: Command): Command {
  commonOptions(cmd);
  cmd.option('--html <file>', 'also write a self-contained HTML report with the timeline');
  teamOptions(cmd);
  for (const o of thresholdOptions()) cmd.addOption(o);
  for (const o of arpOptions()) cmd.addOption(o);
  return cmd;
}

/** Add the `analyze` command to `program`. */
export function registerAnalyze(program: Command): Command {
  const cmd = program
    .command('analyze')
    .description('everything in one pass: team members and hash policy, LACP, IP takeovers, heartbeats, VRRP/HSRP/CARP, and one incident timeline')
    .argument('<capture...>', 'pcap/pcapng files, gzip or not (- for stdin); several files are merged in time order');
  analysisCommand(cmd);
  cmd.action(
    action(async (files: string[], opts: Record<string, unknown>) => {
      await runAnalysis(files, opts);
    }),
  );
  return cmd;
}
