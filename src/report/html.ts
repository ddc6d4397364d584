// `analyze --html FILE`: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
// for incident write-ups: the incidents as stories, a timeline with one lane per member (traffic
// and silences), per LACP port (state over time) and per kind of event, then the sections' tables.
import type { DistributionSection, MemberResult } from '../analyzers/distribution.js';
import type { LacpSection } from '../analyzers/lacp.js';
import type { AnalysisResult } from '../analyzers/pipeline.js';
import type { TimelineEvent } from '../analyzers/types.js';
import { fmtTime } from './arp.js';

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const SEV_COLOR: Record<string, string> = { info: '#4a7bd0', warning: '#e0a020', error: '#d03030' };

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
.meta{color:#667;margin:0 0 16px}table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #d8dbe4;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f2f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}.sev-info{color:#4a7bd0}.sev-warning{color:#b07800}.sev-error{color:#c02020;font-weight:600}
.incident{border-left:5px solid #4a7bd0;padding:6px 10px;margin:8px 0;background:#f7f8fb}.incident.warning{border-color:#e0a020}.incident.error{border-color:#d03030}
.incident .when{color:#556;font-size:12px}svg text{font:11px system-ui,sans-serif;fill:#334}.notes li{margin:2px 0}code{font-size:12px}
`;

interface Scale {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
}
const X = (s: Scale, t: number) => s.x0 + ((t - s.t0) / (s.t1 - s.t0 || 1)) * (s.x1 - s.x0);

function timeText(t: number | null | undefined, origin: number, relative: boolean): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return '—';
  return relative ? `+${(t - origin).toFixed(3)} s` : fmtTime(t);
}

function start(e: TimelineEvent): number {
  return typeof e.start === 'number' ? e.start : e.time;
}
function end(e: TimelineEvent, capEnd: number): number {
  if (typeof e.end === 'number') return e.end;
  if (e.end === null) return capEnd;
  return start(e);
}

/** Color of an LACP actor state (flag names). */
function stateColor(flags: readonly string[]): string {
  const has = (f: string) => flags.includes(f);
  if (has('expired') || has('defaulted')) return '#d03030';
  if (!has('synchronization')) return '#e08030';
  if (!(has('collecting') && has('distributing'))) return '#e0c040';
  return '#3a9a50';
}

function lane(label: string, y: number, h: number, body: string, s: Scale): string {
  return `<g><text x="4" y="${y + h / 2 + 4}">${esc(label.length > 28 ? label.slice(0, 27) + '…' : label)}</text><rect x="${s.x0}" y="${y}" width="${s.x1 - s.x0}" height="${h}" fill="#f6f7fa"/>${body}</g>`;
}

/** The SVG timeline. */
export function timelineSvg(r: AnalysisResult, relative = false): string {
  const firsts = r.inputs.map((i) => i.first).filter((x): x is number => x !== null);
  const lasts = r.inputs.map((i) => i.last).filter((x): x is number => x !== null);
  if (firsts.length === 0) return '<p>No packets.</p>';
  const t0 = Math.min(...firsts);
  const t1 = Math.max(...lasts, t0 + 1e-3);
  const s: Scale = { t0, t1, x0: 190, x1: 1180 };
  const parts: string[] = [];
  let y = 28;
  const H = 22;
  const GAP = 6;
  // Incident spans behind everything.
  const spans: string[] = [];
  // Members: traffic per bucket and silences.
  const members: MemberResult[] = r.members;
  const d = r.distribution as DistributionSection | null;
  const maxBucket = Math.max(1, ...members.flatMap((m) => m.series.packets));
  for (const m of members) {
    let body = '';
    if (d && d.series.start !== null && m.series.packets.length) {
      const w = d.series.width;
      const pts: string[] = [`${X(s, d.series.start).toFixed(1)},${y + H}`];
      m.series.packets.forEach((p, i) => {
        const xa = X(s, d.series.start! + i * w);
        const xb = X(s, d.series.start! + (i + 1) * w);
        const yy = y + H - (p / maxBucket) * (H - 2);
        pts.push(`${xa.toFixed(1)},${yy.toFixed(1)}`, `${xb.toFixed(1)},${yy.toFixed(1)}`);
      });
      pts.push(`${X(s, d.series.start + m.series.packets.length * w).toFixed(1)},${y + H}`);
      body += `<polygon points="${pts.join(' ')}" fill="#8fb4e8" stroke="#4a7bd0" stroke-width="0.5"><title>${esc(m.iface)}: ${m.packets} packets</title></polygon>`;
    }
    for (const dn of m.down) {
      const xa = X(s, dn.from);
      const xb = X(s, dn.to ?? t1);
      body += `<rect x="${xa}" y="${y}" width="${Math.max(2, xb - xa)}" height="${H}" fill="#d03030" opacity="0.35"><title>${esc(m.iface)} silent ${esc(timeText(dn.from, t0, relative))} … ${esc(dn.to === null ? 'end' : timeText(dn.to, t0, relative))}</title></rect>`;
    }
    parts.push(lane(`member ${m.iface}`, y, H, body, s));
    y += H + GAP;
  }
  // LACP ports: actor state over time.
  const l = r.lacp as LacpSection | null;
  for (const p of l?.ports ?? []) {
    let body = '';
    p.states.forEach((st, i) => {
      const next = p.states[i + 1]?.time ?? p.last;
      const xa = X(s, st.time);
      const xb = X(s, Math.max(next, st.time));
      body += `<rect x="${xa}" y="${y + 4}" width="${Math.max(2, xb - xa)}" height="${H - 8}" fill="${stateColor(st.actor)}"><title>${esc(timeText(st.time, t0, relative))} actor [${esc(st.actor.join(', '))}] partner [${esc(st.partner.join(', '))}] (frame ${st.frame})</title></rect>`;
    });
    parts.push(lane(`LACP ${p.system.slice(9)} port ${p.port}`, y, H, body, s));
    y += H + GAP;
  }
  // Events by family.
  const families = new Map<string, TimelineEvent[]>();
  for (const e of r.events) {
    const fam = e.kind.split('.')[0]!;
    if (!families.has(fam)) families.set(fam, []);
    families.get(fam)!.push(e);
  }
  for (const [fam, es] of families) {
    let body = '';
    for (const e of es.slice(0, 5000)) {
      const a = start(e);
      const b = end(e, t1);
      const xa = X(s, a);
      const color = SEV_COLOR[e.severity] ?? '#888';
      const tip = `<title>${esc(timeText(e.time, t0, relative))} ${esc(e.kind)}: ${esc(e.text)}</title>`;
      if (b > a) body += `<rect x="${xa}" y="${y + 5}" width="${Math.max(2, X(s, b) - xa)}" height="${H - 10}" fill="${color}" opacity="0.6">${tip}</rect>`;
      else body += `<circle cx="${xa}" cy="${y + H / 2}" r="4" fill="${color}">${tip}</circle>`;
    }
    parts.push(lane(fam, y, H, body, s));
    y += H + GAP;
  }
  r.incidents.forEach((inc, i) => {
    const xa = X(s, inc.start);
    const xb = X(s, inc.end);
    spans.push(`<rect x="${xa}" y="18" width="${Math.max(3, xb - xa)}" height="${y - 18}" fill="${SEV_COLOR[inc.severity]}" opacity="0.08"/><text x="${xa + 2}" y="14">#${i + 1}</text>`);
  });
  // Axis.
  const ticks: string[] = [];
  for (let i = 0; i <= 8; i++) {
    const t = t0 + ((t1 - t0) * i) / 8;
    const x = X(s, t);
    const label = relative ? `+${(t - t0).toFixed(t1 - t0 < 10 ? 2 : 0)} s` : fmtTime(t).slice(11, 19);
    ticks.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" stroke="#889"/><text x="${x - 20}" y="${y + 16}">${esc(label)}</text>`);
  }
  const h = y + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="${h}" viewBox="0 0 1200 ${h}" role="img" aria-label="timeline">${spans.join('')}${parts.join('')}<line x1="${s.x0}" y1="${y}" x2="${s.x1}" y2="${y}" stroke="#889"/>${ticks.join('')}</svg>`;
}

function table(head: string[], rows: (string | number)[][], numeric: number[] = []): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((row) => `<tr>${row.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

/** The whole report page. */
export function renderHtml(r: AnalysisResult, opts: { title?: string; relative?: boolean } = {}): string {
  const rel = opts.relative ?? false;
  const origin = Math.min(...r.inputs.map((i) => i.first ?? Infinity));
  const T = (t: number | null | undefined) => timeText(t, origin, rel);
  const out: string[] = [];
  const packets = r.inputs.reduce((a, i) => a + i.packets, 0);
  out.push(`<h1>${esc(opts.title ?? 'teamscope report')}</h1>`);
  out.push(`<p class="meta">${esc(r.inputs.map((i) => i.file).join(', '))} — ${packets} packets, ${esc(T(Number.isFinite(origin) ? origin : null))} … ${esc(T(Math.max(...r.inputs.map((i) => i.last ?? -Infinity))))}; schema ${r.schema}</p>`);

  out.push('<h2>Incidents</h2>');
  if (r.incidents.length === 0) out.push('<p>No incidents: nothing at warning level or above, no failover, takeover or master change.</p>');
  r.incidents.forEach((inc, i) => {
    out.push(`<div class="incident ${inc.severity}"><div class="when">#${i + 1} · ${esc(T(inc.start))} · ${(inc.end - inc.start).toFixed(3)} s · ${inc.events.length} events · <span class="sev-${inc.severity}">${inc.severity}</span></div>${esc(inc.story)}</div>`);
  });

  out.push('<h2>Timeline</h2>', timelineSvg(r, rel));

  if (r.members.length) {
    out.push('<h2>Team members</h2>');
    const d = r.distribution;
    if (d) out.push(`<p>${esc(d.team.rule === 'unknown' ? `Team side not identified: ${d.team.why}.` : `Team side ${[...d.team.ips, ...d.team.macs].join(', ')} (${d.team.rule}: ${d.team.why}).`)}</p>`);
    out.push(
      table(
        ['member', 'packets', 'share', 'bytes', 'flows', 'team tx packets', 'team rx packets', 'first', 'last', 'silent'],
        r.members.map((m) => [m.iface, m.packets, `${(100 * m.share.packets).toFixed(1)}%`, m.bytes, m.flows, m.tx?.packets ?? '—', m.rx?.packets ?? '—', T(m.first), T(m.last), m.down.map((x) => `${T(x.from)} … ${x.to === null ? 'end' : T(x.to)}`).join('; ') || '—']),
        [1, 3, 4, 5, 6],
      ),
    );
    if (d) {
      out.push(`<p><b>Hash policy:</b> ${esc(d.conclusion)}</p>`);
      if (d.policies.length)
        out.push(table(['policy', 'kind', 'explains', 'flows', 'member order'], d.policies.map((p) => [p.title, p.closedForm ? 'hash' : 'key', `${(100 * p.explained).toFixed(1)}%`, `${p.explainedFlows}/${p.flows}`, p.order?.join(', ') ?? '—']), [2]));
    }
  }

  const l = r.lacp;
  if (l && l.ports.length) {
    out.push('<h2>LACP</h2>');
    out.push(
      table(
        ['member', 'actor', 'partner', 'actor state', 'partner state', 'LACPDUs', 'C+D since'],
        l.ports.map((p) => [p.iface, `${p.system} port ${p.port} key ${p.key}`, p.partner ? `${p.partner.system} port ${p.partner.port} key ${p.partner.key}` : 'unknown', p.actor.join(', '), p.partnerState.join(', ') || 'none', p.pdus, p.collectingDistributing ? T(p.upAt) : 'not now']),
        [5],
      ),
    );
    if (l.problems.length) out.push(table(['start', 'end', 'severity', 'port', 'problem'], l.problems.map((e) => [T(e.start as number), e.end === null ? 'still' : T(e.end as number), e.severity, `${e.system} port ${e.port}`, e.text])));
  }

  const pick = (prefix: string) => r.events.filter((e) => e.kind.startsWith(prefix));
  const arp = pick('arp.');
  if (arp.length) {
    out.push('<h2>IP takeovers and ARP</h2>');
    out.push(table(['time', 'event', 'severity', 'what'], arp.map((e) => [T(e.time), e.kind, e.severity, e.text])));
  }
  const hb = r.events.filter((e) => e.kind.startsWith('heartbeat.') || e.kind.endsWith('.master'));
  if (hb.length) {
    out.push('<h2>Heartbeats and first-hop redundancy</h2>');
    out.push(table(['time', 'event', 'severity', 'what'], hb.map((e) => [T(e.time), e.kind, e.severity, e.text])));
  }

  out.push('<h2>All events</h2>');
  out.push(
    table(
      ['time', 'severity', 'event', 'what', 'evidence (input:frame)'],
      r.events.slice(0, 20000).map((e) => [T(e.time), e.severity, e.kind, e.text, e.evidence.slice(0, 4).map((x) => `${x.input}:${x.frame}`).join(' ')]),
    ),
  );
  if (r.events.length > 20000) out.push(`<p>… ${r.events.length - 20000} more events in the JSON output.</p>`);

  if (r.notes.length) out.push('<h2>Notes</h2>', `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  out.push(`<h2>Inputs</h2>`, table(['input', 'format', 'packets', 'first', 'last', 'out of order', 'problems'], r.inputs.map((i) => [i.file, i.format, i.packets, T(i.first), T(i.last), i.outOfOrder, i.problems.map((p) => `${p.id} ×${p.count}`).join(', ') || (i.error ?? 'none')]), [2, 5]));
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title ?? 'teamscope report')}</title><style>${CSS}</style></head><body>\n${out.join('\n')}\n</body></html>\n`;
}
