// `analyze` as readable tables (cli-table3), one section each — inputs, members, distribution,
// LACP, ARP, heartbeats, VRRP/HSRP/CARP, incidents — the timeline last, then honest notes.
// Rendering only: every number comes from the analysis result (DESIGN.md "Outputs").
import type Table from 'cli-table3';
import type { ArpSection } from '../analyzers/arp.js';
import type { DistributionSection, MemberResult } from '../analyzers/distribution.js';
import type { HeartbeatSection } from '../analyzers/heartbeat.js';
import type { LacpSection } from '../analyzers/lacp.js';
import type { AnalysisResult } from '../analyzers/pipeline.js';
import type { TimelineEvent } from '../analyzers/types.js';
import type { FhrpSection } from '../analyzers/vrrp.js';
import { type RenderOptions, fmtSec, fmtTime, plainTable, titled } from './arp.js';
import { renderArp } from './arp.js';
import { renderHeartbeats, renderVrrp } from './heartbeat.js';

export type { RenderOptions };

/** Sections `analyze` can show (and `lacp` / `distribution` show alone). */
export type SectionName = 'inputs' | 'members' | 'distribution' | 'lacp' | 'arp' | 'heartbeats' | 'vrrp' | 'incidents' | 'timeline' | 'notes';

export const ALL_SECTIONS: readonly SectionName[] = ['inputs', 'members', 'distribution', 'lacp', 'arp', 'heartbeats', 'vrrp', 'incidents', 'timeline', 'notes'];

/** Options of the tables besides time format and row limits. */
export interface TableOptions extends RenderOptions {
  sections?: readonly SectionName[];
}

const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(1)}%`);

/** 1234567 → '1.23 M', for packet and byte counts. */
export function count(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} M`;
  return `${(n / 1e9).toFixed(2)} G`;
}

/** Bytes with binary units. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function more(t: Table.Table, n: number, cols: number, what: string): void {
  if (n > 0) t.push([{ colSpan: cols, content: `… ${n} more ${what} (see --json)` }]);
}

/** The inputs: packets, time span, frames out of order, per-frame problems. */
export function renderInputs(r: AnalysisResult, o: RenderOptions = {}): string {
  const t = plainTable(['input', 'format', 'packets', 'first', 'last', 'span', 'out of order', 'problems']);
  for (const i of r.inputs) {
    const probs = i.problems
      .slice(0, 4)
      .map((p) => `${p.id} ×${p.count}`)
      .concat(i.problems.length > 4 ? [`… ${i.problems.length - 4} more kinds`] : []);
    if (i.error) probs.unshift(`reading stopped: ${i.error}`);
    t.push([i.file, i.format, count(i.packets), fmtTime(i.first, o), fmtTime(i.last, o), i.first !== null && i.last !== null ? fmtSec(i.last - i.first) : '—', String(i.outOfOrder), probs.join('\n') || 'none']);
  }
  return titled('Inputs', t);
}

/** Per member: packets, share, flows, tx/rx relative to the team, silences, LACP. */
export function renderMembers(members: readonly MemberResult[], d: DistributionSection | null, o: RenderOptions = {}): string {
  if (members.length === 0) return '';
  const t = plainTable(['member', 'packets', 'share', 'bytes', 'flows', 'team tx', 'team rx', 'first', 'last', 'silent', 'LACP']);
  for (const m of members) {
    const silent = m.down.map((x) => `${fmtTime(x.from, o)} … ${x.to === null ? 'end' : fmtTime(x.to, o)}`).join('\n');
    const lacp = m.lacp.seen ? (m.lacp.notDistributingPackets ? `${m.lacp.notDistributingPackets} frames while not distributing` : 'LACPDUs seen') : '—';
    t.push([
      m.iface + (m.source === 'mac' ? `\n(${m.macs.join(', ')})` : m.ifaces.length > 1 || m.ifaces[0] !== m.iface ? `\n(${m.ifaces.join(', ')})` : ''),
      count(m.packets),
      pct(m.share.packets),
      bytes(m.bytes),
      String(m.flows),
      m.tx ? `${count(m.tx.packets)} pkts\n${bytes(m.tx.bytes)}` : '—',
      m.rx ? `${count(m.rx.packets)} pkts\n${bytes(m.rx.bytes)}` : '—',
      fmtTime(m.first, o),
      fmtTime(m.last, o),
      silent || '—',
      lacp,
    ]);
  }
  let head = `Team members (${members.length})`;
  if (d) head += d.team.rule === 'unknown' ? ` — team side not identified: ${d.team.why}` : ` — team side ${[...d.team.ips, ...d.team.macs].join(', ')} (${d.team.rule}: ${d.team.why})`;
  return titled(head, t);
}

/** Imbalance, flows on several members, and the hash-policy verdict with each candidate. */
export function renderDistribution(d: DistributionSection, o: RenderOptions = {}): string {
  const out: string[] = [];
  const lines: string[] = [];
  lines.push(`Hash policy: ${d.conclusion}`);
  if (d.imbalance) {
    const b = d.imbalance.basis === 'tx' ? 'team transmit' : 'all';
    lines.push(
      `Imbalance (${b} traffic): packets max/mean ${d.imbalance.packets.maxOverMean?.toFixed(2) ?? '—'}, Jain ${d.imbalance.packets.jain?.toFixed(3) ?? '—'}; bytes max/mean ${d.imbalance.bytes.maxOverMean?.toFixed(2) ?? '—'}, Jain ${d.imbalance.bytes.jain?.toFixed(3) ?? '—'}`,
    );
  }
  if (d.moved.flows)
    lines.push(
      `Flows seen on more than one member: ${d.moved.flows} (team transmit moves: ${d.moved.failover} failover, ${d.moved.rebalance} rebalance, ${d.moved.spray} spraying; receive-direction moves by the switch: ${d.moved.receive})`,
    );
  lines.push(`Flows tracked: ${d.table.flows} of at most ${d.table.cap}${d.table.capHitAt !== null ? ` — cap hit at ${fmtTime(d.table.capHitAt, o)}` : ''}`);
  out.push(`Distribution\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  if (d.policies.length) {
    const t = plainTable(['policy', 'kind', 'explains', 'flows', 'verdict', 'member order']);
    const limit = o.all ? d.policies.length : Math.min(d.policies.length, 8);
    for (const p of d.policies.slice(0, limit)) {
      const verdict = p.closedForm
        ? p.consistent
          ? (p.chance ?? 1) < 0.01
            ? 'predicts every flow'
            : `fits every flow, but by chance ${(100 * (p.chance ?? 1)).toFixed(1)}%`
          : 'does not fit'
        : p.consistent
          ? (p.testableGroups ?? 0) > 0
            ? `consistent (${p.testableGroups} groups tested)`
            : 'consistent, untested (every key unique)'
          : 'inconsistent';
      t.push([p.title, p.closedForm ? 'hash' : 'key', pct(p.explained), `${p.explainedFlows}/${p.flows}`, verdict, p.order?.join(', ') ?? '—']);
    }
    more(t, d.policies.length - limit, 6, 'candidates');
    const ep = d.inference.epochs.length > 1 ? `; ${d.inference.epochs.length} epochs of active members` : '';
    out.push(titled(`Hash-policy candidates (${d.inference.flows} ${d.inference.teamKnown ? 'team transmit flows' : 'flow directions'}${d.inference.sampled ? ', sampled' : ''}${ep})`, t));
  }
  return out.join('\n');
}

/** LACP ports, their problems, links and Marker exchanges. */
export function renderLacp(l: LacpSection, events: readonly TimelineEvent[], o: RenderOptions = {}): string {
  if (l.ports.length === 0 && l.markers.length === 0) return '';
  const limit = o.limit ?? 50;
  const out: string[] = [];
  const t = plainTable(['member', 'actor (system, port, key)', 'partner (system, port, key)', 'actor state', 'partner state', 'LACPDUs', 'interval median / max', 'rate', 'collecting+distributing since']);
  for (const p of l.ports.slice(0, limit)) {
    t.push([
      p.iface,
      `${p.system}\nport ${p.port} key ${p.key}`,
      p.partner ? `${p.partner.system}\nport ${p.partner.port} key ${p.partner.key}` : 'unknown',
      p.actor.join(', '),
      p.partnerState.join(', ') || 'none',
      String(p.pdus),
      `${fmtSec(p.interval.median)} / ${fmtSec(p.interval.max)}`,
      p.rate,
      p.collectingDistributing ? fmtTime(p.upAt, o) : 'not now',
    ]);
  }
  more(t, l.ports.length - limit, 9, 'ports');
  out.push(titled(`LACP ports (${l.ports.length})`, t));
  if (l.problems.length) {
    const pt = plainTable(['start', 'end', 'duration', 'severity', 'port', 'problem']);
    for (const e of l.problems.slice(0, limit)) {
      pt.push([fmtTime(e.start as number, o), e.end === null ? 'still' : fmtTime(e.end as number, o), e.end === null ? '—' : fmtSec(e.duration as number), e.severity, `${e.iface}\n${e.system} port ${e.port}`, wrap(`${e.code}: ${e.text.replace(/^port \d+ of \S+ on \S+: /, '')}`, 70)]);
    }
    more(pt, l.problems.length - limit, 6, 'problems');
    out.push(titled(`LACP problems (${l.problems.length})`, pt));
  }
  if (l.links.length) {
    const lt = plainTable(['member', 'ends', 'collecting+distributing on both ends']);
    for (const k of l.links) lt.push([k.iface, k.ends.map((e) => `${e.system} port ${e.port}`).join('\n'), k.up.map((u) => `${fmtTime(u.from, o)} … ${u.to === null ? 'end' : fmtTime(u.to, o)}`).join('\n') || 'never']);
    out.push(titled('LACP links', lt));
  }
  if (l.markers.length) {
    const mt = plainTable(['member', 'requester', 'transaction', 'request', 'response', 'latency']);
    for (const m of l.markers.slice(0, limit)) mt.push([m.iface, `${m.system} port ${m.port}`, String(m.transactionId), fmtTime(m.request?.time, o), fmtTime(m.response?.time, o), m.latency === null ? (m.request ? 'no response' : 'no request') : `${(m.latency * 1000).toFixed(3)} ms`]);
    more(mt, l.markers.length - limit, 6, 'marker exchanges');
    out.push(titled(`Marker exchanges (${l.markers.length})`, mt));
  }
  void events;
  return out.join('\n');
}

/** Incidents: related events told as one story each. */
export function renderIncidents(r: AnalysisResult, o: RenderOptions = {}): string {
  if (r.incidents.length === 0) return '';
  const lines = r.incidents.map((inc, i) => {
    const head = `  #${i + 1}  ${fmtTime(inc.start, o)}, ${fmtSec(inc.end - inc.start)}, ${inc.severity}, ${inc.events.length} events`;
    return `${head}\n${wrap(inc.story, 100, '      ')}`;
  });
  return `Incidents (${r.incidents.length})\n${lines.join('\n')}\n`;
}

/** Wrap text at `width` columns on spaces, each line indented. */
export function wrap(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out.join('\n');
}

/** Consecutive flow.moved events with the same from/to/reason shown as one row. */
function collapse(events: readonly TimelineEvent[]): { e: TimelineEvent; n: number; last: number }[] {
  const rows: { e: TimelineEvent; n: number; last: number }[] = [];
  for (const e of events) {
    const prev = rows[rows.length - 1];
    if (prev && e.kind === 'flow.moved' && prev.e.kind === 'flow.moved' && prev.e.from === e.from && prev.e.to === e.to && prev.e.reason === e.reason && e.time - prev.last <= 1) {
      prev.n++;
      prev.last = e.time;
      continue;
    }
    rows.push({ e, n: 1, last: e.time });
  }
  return rows;
}

/** The merged timeline, time order (info-level LACP state changes included). */
export function renderTimeline(r: AnalysisResult, o: RenderOptions = {}): string {
  if (r.events.length === 0) return 'Timeline\n  (no events)\n';
  const limit = o.limit ?? 200;
  const rows = collapse(r.events);
  const t = plainTable(['time', 'severity', 'event', 'what']);
  for (const { e, n, last } of rows.slice(0, limit)) {
    const what = n > 1 ? `${n} flows moved ${e.from} → ${e.to} (${e.reason}) until ${fmtTime(last, o)}, e.g. ${e.flow}` : e.text;
    t.push([fmtTime(e.time, o), e.severity, e.kind, wrap(what, 90)]);
  }
  more(t, rows.length - limit, 4, 'events');
  return titled(`Timeline (${r.events.length} events)`, t);
}

/** Everything `analyze` prints, section by section, the timeline last, then the notes. */
export function renderTables(r: AnalysisResult, o: TableOptions = {}): string {
  const want = new Set(o.sections ?? ALL_SECTIONS);
  const parts: string[] = [];
  if (want.has('inputs')) parts.push(renderInputs(r, o));
  if (want.has('members')) parts.push(renderMembers(r.members, r.distribution, o));
  if (want.has('distribution') && r.distribution && r.members.length) parts.push(renderDistribution(r.distribution, o));
  if (want.has('lacp') && r.lacp) parts.push(renderLacp(r.lacp, r.events, o));
  if (want.has('arp') && r.arp) parts.push(renderArp(r.arp as ArpSection, r.events, o));
  if (want.has('heartbeats') && r.heartbeats) parts.push(renderHeartbeats(r.heartbeats as HeartbeatSection, r.events, o));
  if (want.has('vrrp') && r.vrrp) parts.push(renderVrrp(r.vrrp as FhrpSection, r.events, o));
  if (want.has('incidents')) parts.push(renderIncidents(r, o));
  if (want.has('timeline')) parts.push(renderTimeline(r, { ...o, limit: o.all ? Infinity : Math.max(o.limit ?? 50, 200) }));
  if (want.has('notes') && r.notes.length) parts.push(`Notes\n${r.notes.map((n) => `  - ${n}`).join('\n')}\n`);
  return parts.filter((p) => p !== '').join('\n');
}
