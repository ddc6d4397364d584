// `teamscope live -i IFACE [-i IFACE ...]`: capture with libpcap and run the analyzers as frames
// arrive. On a terminal a compact view refreshed every second; otherwise one line per event
// (NDJSON with --json); --write saves a pcapng (one named interface each, flushed every second);
// Ctrl-C / SIGTERM (or --count, --duration) stops and prints the final report.
import { networkInterfaces } from 'node:os';
import { type Command, Option } from 'commander';
import { registry } from '../../dissectors/index.js';
import { linkTypeNames } from '../capture/frame.js';
import { LiveError } from '../capture/live.js';
import { type LiveFrameWriter, type LiveResult, LiveSession, pcapngLiveWriter } from '../capture/live-session.js';
import { type AnalysisResult, Pipeline } from '../analyzers/pipeline.js';
import { arpOptions, thresholdOptions } from '../analyzers/settings.js';
import type { LiveSink } from '../analyzers/timeline.js';
import type { TimelineEvent } from '../analyzers/types.js';
import { CliError, ExitCode, action, applyDecodeAs, collect, intOption, numberOption, onExit, say, setExitCode } from './common.js';
import { eventLine as eventJson, renderJson } from '../report/json.js';
import { renderTables } from '../report/table.js';
import { pipelineSettings, teamOptions } from './analyze.js';

/** Options of `live` (commander's camelCased values). */
export interface LiveCliOptions {
  interface: string[];
  filter?: string;
  snaplen?: number;
  promisc: boolean;
  write?: string;
  count?: number;
  duration?: number;
  json?: boolean;
  view?: 'auto' | 'compact' | 'lines';
  refresh?: number;
  decodeAs?: string[];
  [k: string]: unknown;
}

/** Register `live` on the program. */
export function registerLive(program: Command): void {
  const cmd = program
    .command('live')
    .description('capture on one or more interfaces (each a team member) and run the analyzers as frames arrive; Ctrl-C stops and prints the report')
    .requiredOption('-i, --interface <name>', 'capture interface (repeatable: one team member each)', collect)
    .option('-f, --filter <bpf>', 'capture filter (pcap-filter(7) syntax), e.g. "arp or vrrp or udp port 5405"')
    .option('-s, --snaplen <bytes>', 'bytes kept per frame (at most 65535)', intOption(1))
    .option('--no-promisc', 'do not capture frames addressed to other hosts')
    .option('-w, --write <file.pcapng>', 'also save the frames to a pcapng file (one named interface each, flushed every second)')
    .option('-c, --count <n>', 'stop after this many frames', intOption(1))
    .option('-d, --duration <seconds>', 'stop after this many seconds', numberOption)
    .option('--json', 'NDJSON: one line per event as it happens ({"type":"event","id":N,...}), again when it is completed ({"type":"update","id":N,...}), the final report last ({"type":"report",...})')
    .addOption(new Option('--view <mode>', 'compact: a view refreshed in place (default on a terminal); lines: one line per event').choices(['auto', 'compact', 'lines']).default('auto'))
    .option('--refresh <seconds>', 'compact view refresh period (1 to 2 s)', numberOption, 1)
    .option('--decode-as <rule>', 'decode TABLE=KEY as PROTO, e.g. udp.port=4000:mscs (repeatable)', collect);
  teamOptions(cmd);
  for (const o of [...thresholdOptions(), ...arpOptions()]) cmd.addOption(o);
  cmd.action(action(async (opts: LiveCliOptions) => runLive(opts)));
}

/** Does the interface have an IPv4 address (else cap's pcap_lookupnet printed a warning)? */
export function hasIpv4(name: string): boolean {
  return (networkInterfaces()[name] ?? []).some((a) => a.family === 'IPv4');
}

/** Set when the reader of our standard output went away (`| head`): stop quietly. */
let stdoutClosed = false;
let onStdoutClosed: (() => void) | null = null;

/** Write to standard output unless its reader went away. */
function out(s: string): void {
  if (stdoutClosed) return;
  try {
    process.stdout.write(s);
  } catch {
    stdoutClosed = true;
  }
}

function stdoutError(err: NodeJS.ErrnoException): void {
  stdoutClosed = true;
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') say(`live: cannot write to standard output: ${err.message}`);
  onStdoutClosed?.();
}

/** Exit code for a capture that could not start. */
function liveErrorCode(e: LiveError): (typeof ExitCode)[keyof typeof ExitCode] {
  return e.code === 'no-such-interface' || e.code === 'bad-filter' ? ExitCode.USAGE : ExitCode.UNREADABLE;
}

/** How events are shown while capturing. */
interface EventView extends LiveSink {
  /** Called every tick (≈ 1 s) while capturing. */
  tick(session: LiveSession<AnalysisResult>, pipeline: Pipeline): void;
  /** Capture stopped: leave the screen ready for the report. */
  close(): void;
}

/** Run `live` with parsed options (exported for tests of the wiring). */
export async function runLive(opts: LiveCliOptions): Promise<void> {
  const settings = pipelineSettings(opts);
  applyDecodeAs(opts.decodeAs, registry);
  if (opts.snaplen !== undefined && opts.snaplen > 65535) say(`live: snaplen ${opts.snaplen} lowered to 65535, the most the cap package captures`);
  const refresh = Math.min(2, Math.max(1, opts.refresh ?? 1));
  const mode = opts.json ? 'json' : opts.view === 'lines' || (opts.view !== 'compact' && !process.stdout.isTTY) ? 'lines' : 'compact';
  const view: EventView = mode === 'json' ? new JsonView() : mode === 'lines' ? new LineView() : new CompactView(refresh);
  const pipeline = new Pipeline(settings, { live: view });
  pipeline.setInput(0, { file: `live:${opts.interface.join(',')}`, format: 'live' });

  let session: LiveSession<AnalysisResult>;
  // `| head`: main.ts exits at once when the reader goes away; the file gets its last (up to one
  // second of) buffered frames first, synchronously.
  let unhook = (): void => undefined;
  const saveOnExit = (w: LiveFrameWriter): LiveFrameWriter => {
    unhook = onExit(() => w.flushSync?.());
    return w;
  };
  try {
    session = await LiveSession.start(
      {
        interfaces: opts.interface,
        filter: opts.filter,
        snaplen: opts.snaplen !== undefined ? Math.min(opts.snaplen, 65535) : undefined,
        promiscuous: opts.promisc,
        count: opts.count,
        duration: opts.duration,
      },
      pipeline,
      {
        writer: opts.write ? (ifs) => saveOnExit(pcapngLiveWriter(opts.write!, ifs)) : undefined,
        onTick: () => view.tick(session, pipeline),
      },
    );
  } catch (err) {
    unhook();
    if (err instanceof LiveError) throw new CliError(err.message, liveErrorCode(err));
    const e = err as NodeJS.ErrnoException;
    if (opts.write && typeof e?.code === 'string' && typeof e.syscall === 'string') throw new CliError(`cannot write ${opts.write}: ${e.message}`, ExitCode.UNREADABLE);
    throw err;
  }
  for (const n of session.notes) say(`live: ${n}`);
  const noIpv4 = session.interfaces.filter((i) => !hasIpv4(i.name)).map((i) => i.name);
  if (noIpv4.length) say(`live: the cap package's "no IPv4 address assigned" warning for ${noIpv4.join(', ')} is harmless: capture works without an address (only the 'ip broadcast' filter primitive needs the netmask)`);
  const ifText = session.interfaces.map((i) => `${i.name} (${linkTypeNames[i.linkType] ?? `linktype ${i.linkType}`})`).join(', ');
  say(`live: capturing on ${ifText}${opts.filter ? ` with filter '${opts.filter}'` : ''}${opts.write ? `, saving to ${opts.write}` : ''}; Ctrl-C stops`);
  view.tick(session, pipeline);

  const onSignal = () => session.stop('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // `teamscope live ... | head`: when the reader goes away, stop capturing (no report to print).
  onStdoutClosed = onSignal;
  process.stdout.on('error', stdoutError);
  let result: LiveResult<AnalysisResult>;
  try {
    result = await session.done;
  } finally {
    unhook(); // the session closed the file
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    onStdoutClosed = null;
    view.close();
  }
  const st = result.stats;
  const per = st.perInterface.map((p) => `${p.name} ${p.frames}`).join(', ');
  say(`live: stopped (${result.reason === 'signal' ? 'interrupted' : result.reason}) after ${(result.end - result.start).toFixed(1)} s: ${st.frames} frames (${per})`);
  if (result.reason === 'error') {
    throw result.error instanceof Error ? result.error : new Error(String(result.error));
  }
  if (opts.json) out(`{"type":"report",${renderJson(result.report, true).slice(1)}`);
  else out(renderReport(result.report));
  setExitCode(ExitCode.OK);
}

// ---------------------------------------------------------------------------------------------
// Views.

/** Seconds since the epoch → 'HH:MM:SS.mmm' (UTC, as the tables print times). */
export function clockText(t: number): string {
  const d = new Date(Math.round(t * 1000));
  return d.toISOString().slice(11, 23);
}

/** One line for an event: time, severity, kind, text. */
export function eventLine(e: TimelineEvent): string {
  return `${clockText(e.time)}  ${e.severity.padEnd(7)}  ${e.kind.padEnd(20)}  ${e.text}`;
}

/**
 * NDJSON: each event as it happens ({"type":"event","id":N,...}), then the same event again as
 * {"type":"update","id":N,...} when an open interval closes or the analyzer completes it.
 */
class JsonView implements EventView {
  private readonly ids = new WeakMap<TimelineEvent, number>();
  private next = 1;
  emit(e: TimelineEvent): void {
    const id = this.next++;
    this.ids.set(e, id);
    out(`{"type":"event","id":${id},${eventJson(e).slice(1)}`);
  }
  update(e: TimelineEvent): void {
    out(`{"type":"update","id":${this.ids.get(e) ?? null},${eventJson(e).slice(1)}`);
  }
  tick(): void {}
  close(): void {}
}

/** Not a terminal: one line per event as it happens. */
class LineView implements EventView {
  emit(e: TimelineEvent): void {
    out(`${eventLine(e)}\n`);
  }
  update(e: TimelineEvent): void {
    if (e.end !== undefined && e.end !== null) out(`${eventLine(e)}  (ended ${clockText(Number(e.end))})\n`);
  }
  tick(): void {}
  close(): void {}
}

/** What the compact view shows, gathered from the session and the analyzers' current sections. */
export interface LiveSnapshot {
  now: number;
  elapsed: number;
  members: { name: string; frames: number; bytes: number }[];
  lacp: { iface: string; system: string; port: number; actor: string[]; partner: string[]; collectingDistributing: boolean; last: number; rate?: 'fast' | 'slow' }[];
  heartbeats: { protocol: string; from: string; to: string; route: string; last: number | null; tolerance: number; breaches: number; nearMisses: number }[];
  vrrp: { protocol: string; group: number; virtualIps: string[]; master: string | null; last: number | null; tolerance: number }[];
  events: TimelineEvent[];
}

const MAX_ROWS = 8;

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

/** LACP state flag names (FINDINGS.md) → one letter each, for the compact view. */
const LACP_LETTERS: Record<string, string> = { activity: 'A', timeout: 'T', aggregation: 'G', synchronization: 'S', collecting: 'C', distributing: 'D', defaulted: 'F', expired: 'E' };

/** 'activity,aggregation,…' → 'AGSCD' ('-' when none). */
export function lacpLetters(flags: readonly string[]): string {
  return flags.map((f) => LACP_LETTERS[f] ?? '?').join('') || '-';
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** The compact view as text lines (pure: tested without a terminal). */
export function renderCompact(s: LiveSnapshot, width = 120): string[] {
  const cut = (l: string) => (l.length > width ? `${l.slice(0, width - 1)}…` : l);
  const out: string[] = [];
  const frames = s.members.reduce((a, m) => a + m.frames, 0);
  const bytes = s.members.reduce((a, m) => a + m.bytes, 0);
  out.push(`teamscope live  ${clockText(s.now)} UTC  running ${s.elapsed.toFixed(0)} s  ${frames} frames  ${bytesText(bytes)}`);
  out.push('Members      frames   share     bytes   share');
  for (const m of s.members) out.push(`  ${m.name.padEnd(10)} ${String(m.frames).padStart(7)} ${pct(m.frames, frames).padStart(7)} ${bytesText(m.bytes).padStart(9)} ${pct(m.bytes, bytes).padStart(7)}`);
  if (s.lacp.length) {
    out.push('LACP (A activity, T short timeout, G aggregation, S sync, C collecting, D distributing, F defaulted, E expired)');
    for (const p of s.lacp.slice(0, MAX_ROWS)) {
      // No LACPDU for the timeout the partner asked for (3 × 1 s fast, 3 × 30 s slow): it expired.
      const age = s.now - p.last;
      const state = age > (p.rate === 'slow' ? 90 : 3) ? `SILENT ${age.toFixed(1)} s` : p.collectingDistributing ? 'up' : 'NOT DISTRIBUTING';
      out.push(`  ${p.iface} ${p.system} port ${p.port}: ${state}; actor ${lacpLetters(p.actor)} partner ${lacpLetters(p.partner)}; last PDU ${(s.now - p.last).toFixed(1)} s ago`);
    }
    if (s.lacp.length > MAX_ROWS) out.push(`  … ${s.lacp.length - MAX_ROWS} more ports`);
  }
  if (s.heartbeats.length || s.vrrp.length) {
    out.push('Heartbeats');
    for (const h of s.heartbeats.slice(0, MAX_ROWS)) {
      const age = h.last === null ? Infinity : s.now - h.last;
      const health = age > h.tolerance ? `SILENT ${age.toFixed(1)} s` : age > h.tolerance / 2 ? `late ${age.toFixed(1)} s` : 'ok';
      out.push(`  ${h.protocol} ${h.from} → ${h.to}: ${health} (tolerance ${h.tolerance} s; ${h.breaches} breaches, ${h.nearMisses} near misses)`);
    }
    if (s.heartbeats.length > MAX_ROWS) out.push(`  … ${s.heartbeats.length - MAX_ROWS} more directions`);
    for (const g of s.vrrp.slice(0, MAX_ROWS)) {
      const age = g.last === null ? Infinity : s.now - g.last;
      const health = age > g.tolerance ? `SILENT ${age.toFixed(1)} s` : 'ok';
      out.push(`  ${g.protocol} group ${g.group} (${g.virtualIps.join(', ') || '?'}): master ${g.master ?? '?'} ${health} (Master_Down ${g.tolerance} s)`);
    }
  }
  out.push('Latest events');
  if (s.events.length === 0) out.push('  (none yet)');
  for (const e of s.events.slice(-MAX_ROWS)) out.push(`  ${eventLine(e)}`);
  return out.map(cut);
}

interface SectionLike {
  section: string;
  result(): unknown;
}

/** The snapshot of a running session (analyzers' result() are read-only snapshots). */
export function snapshotOf(session: LiveSession<AnalysisResult>, pipeline: Pipeline, events: TimelineEvent[], now: number, start: number): LiveSnapshot {
  const st = session.stats();
  const snap: LiveSnapshot = { now, elapsed: now - start, members: st.perInterface.map((p) => ({ name: p.name, frames: p.frames, bytes: p.bytes })), lacp: [], heartbeats: [], vrrp: [], events };
  for (const a of pipeline.analyzers as unknown as SectionLike[]) {
    try {
      if (a.section === 'lacp') {
        const r = a.result() as { ports?: LiveSnapshot['lacp'] & { partnerState?: string[] }[] } | null;
        for (const p of r?.ports ?? []) {
          const q = p as unknown as { iface: string; system: string; port: number; actor: string[]; partnerState: string[]; collectingDistributing: boolean; last: number; rate?: 'fast' | 'slow' };
          snap.lacp.push({ iface: q.iface, system: q.system, port: q.port, actor: q.actor, partner: q.partnerState, collectingDistributing: q.collectingDistributing, last: q.last, rate: q.rate });
        }
      } else if (a.section === 'heartbeats') {
        const r = a.result() as { pairs?: LiveSnapshot['heartbeats'] } | null;
        for (const p of r?.pairs ?? []) snap.heartbeats.push({ protocol: p.protocol, from: p.from, to: p.to, route: p.route, last: p.last, tolerance: p.tolerance, breaches: p.breaches, nearMisses: p.nearMisses });
      } else if (a.section === 'vrrp') {
        const r = a.result() as { groups?: { protocol: string; group: number; virtualIps: string[]; master: string | null; tolerance: number; sources?: { ip: string; last: number }[] }[] } | null;
        for (const g of r?.groups ?? []) {
          const m = g.sources?.find((x) => x.ip === g.master);
          snap.vrrp.push({ protocol: g.protocol, group: g.group, virtualIps: g.virtualIps, master: g.master, last: m?.last ?? null, tolerance: g.tolerance });
        }
      }
    } catch {
      // a section that cannot be shown mid-run is left out of the view
    }
  }
  return snap;
}

/** On a terminal: the compact view, redrawn in place every `refresh` seconds. */
class CompactView implements EventView {
  private readonly events: TimelineEvent[] = [];
  private drawn = 0;
  private lastDraw = 0;
  private readonly start = Date.now() / 1000;
  constructor(private readonly refresh: number) {}

  emit(e: TimelineEvent): void {
    this.events.push(e);
    if (this.events.length > 64) this.events.splice(0, this.events.length - 64);
  }
  update(): void {}

  tick(session: LiveSession<AnalysisResult>, pipeline: Pipeline): void {
    const now = Date.now() / 1000;
    if (now - this.lastDraw < this.refresh - 0.05) return;
    this.lastDraw = now;
    const lines = renderCompact(snapshotOf(session, pipeline, this.events, now, this.start), process.stdout.columns || 120);
    let s = this.drawn ? `\x1b[${this.drawn}F\x1b[J` : '';
    s += `${lines.join('\n')}\n`;
    this.drawn = lines.length;
    out(s);
  }

  close(): void {
    out('\n');
  }
}

/** The final report: the tables `analyze` prints (times absolute, UTC). */
export function renderReport(r: AnalysisResult): string {
  const origin = r.inputs.reduce((m, i) => (i.first !== null && i.first < m ? i.first : m), Infinity);
  return renderTables(r, { time: 'absolute', origin: Number.isFinite(origin) ? origin : 0, limit: 50 });
}
