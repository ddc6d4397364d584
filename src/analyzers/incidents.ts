// Incidents: related timeline events grouped by time proximity and shared members, systems, IPs,
// MACs or nodes, each told as one short story ("member eth1 went silent → LACP port 2 expired →
// 412 flows moved eth1 → eth0 (failover) → …") (issue 4, "One incident timeline"; FINDINGS.md).
import type { EventSeverity, TimelineEvent } from './types.js';

/** One incident (FINDINGS.md `incidents[]`). */
export interface Incident {
  start: number;
  end: number;
  severity: EventSeverity;
  /** Indexes into the result's `events`. */
  events: number[];
  story: string;
  /** What the events share: `iface:eth1`, `ip:10.0.0.5`, `mac:…`, `system:…`. */
  entities: string[];
}

/** Events closer than this (s) and sharing an entity are one incident. */
export const LINK_WINDOW = 10;
/** Events closer than this (s) are one incident even without a shared entity. */
export const TIGHT_WINDOW = 2;
/** An interval counts as touching events up to this long after its start (s). */
const MAX_SPAN = 120;
/** At most this many phrases per story. */
const MAX_PHRASES = 8;

const NOTABLE = new Set(['member.down', 'member.up', 'flow.moved', 'arp.takeover', 'arp.conflict', 'arp.flipflop', 'vrrp.master', 'hsrp.master', 'carp.master', 'lacp.link', 'heartbeat.breach']);

/** Info-level kinds that make an incident on their own. */
const STORY_WORTHY = new Set(['member.down', 'member.up', 'flow.moved', 'arp.takeover', 'arp.flipflop']);

const RANK: Record<EventSeverity, number> = { info: 0, warning: 1, error: 2 };

/** Does this event start or join an incident? */
export function isNotable(e: TimelineEvent): boolean {
  return e.severity !== 'info' || NOTABLE.has(e.kind);
}

const IPV4_RE = /\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b/g;
const MAC_RE = /\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/gi;

/** Entities an event is about, as `type:value` strings. */
export function entitiesOf(e: TimelineEvent): string[] {
  const out = new Set<string>();
  const add = (type: string, v: unknown) => {
    if (typeof v === 'string' && v !== '') out.add(`${type}:${v.toLowerCase()}`);
    else if (typeof v === 'number') out.add(`${type}:${v}`);
  };
  const scanText = (v: unknown) => {
    if (typeof v !== 'string') return;
    for (const m of v.matchAll(IPV4_RE)) add('ip', m[1]);
    for (const m of v.matchAll(MAC_RE)) add('mac', m[1]);
  };
  add('iface', e.iface);
  if (typeof e.system === 'string') add('system', e.system);
  add('ip', e.ip);
  add('mac', e.fromMac);
  add('mac', e.toMac);
  if (Array.isArray(e.macs)) for (const m of e.macs) add('mac', m);
  if (e.kind === 'flow.moved') {
    add('iface', e.from);
    add('iface', e.to);
    scanText(e.flow);
  } else if (e.kind.startsWith('heartbeat.')) {
    add('host', e.from);
    add('host', e.to);
    scanText(e.from);
    scanText(e.to);
    add('route', e.route);
  } else if (e.kind.endsWith('.master')) {
    add('ip', e.fromIp);
    add('ip', e.toIp);
    add('group', `${e.kind}:${String(e.group)}`);
  } else {
    if (typeof e.from === 'string') scanText(e.from);
    if (typeof e.to === 'string') scanText(e.to);
  }
  if (Array.isArray(e.ends)) for (const x of e.ends as { system?: string }[]) add('system', x.system);
  if (e.partner && typeof e.partner === 'object') add('system', (e.partner as { system?: string }).system);
  if (Array.isArray(e.stale)) for (const s of e.stale as { mac?: string; ip?: string }[]) add('ip', s.ip);
  return [...out];
}

function interval(e: TimelineEvent): [number, number] {
  const start = typeof e.start === 'number' ? e.start : e.time;
  const end = typeof e.end === 'number' ? e.end : start;
  return [start, Math.min(end, start + MAX_SPAN)];
}

/** Group notable events into incidents (events must be in time order). */
export function buildIncidents(events: readonly TimelineEvent[]): Incident[] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let y = x;
    while (parent.get(y) !== r) {
      const n = parent.get(y)!;
      parent.set(y, r);
      y = n;
    }
    return r;
  };
  interface Cluster {
    end: number;
    entities: Set<string>;
  }
  const clusters = new Map<number, Cluster>();
  const active: number[] = [];
  const ents = new Map<number, string[]>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (!isNotable(e)) continue;
    const [s, en] = interval(e);
    const mine = entitiesOf(e);
    ents.set(i, mine);
    parent.set(i, i);
    clusters.set(i, { end: en, entities: new Set(mine) });
    // Clusters still open at s.
    for (let k = active.length - 1; k >= 0; k--) {
      const root = find(active[k]!);
      const c = clusters.get(root);
      if (!c || c.end + LINK_WINDOW < s) {
        active.splice(k, 1);
        continue;
      }
      if (root === find(i)) continue;
      const shares = mine.some((x) => c.entities.has(x));
      if (!(shares || s <= c.end + TIGHT_WINDOW)) continue;
      const mineRoot = find(i);
      const mc = clusters.get(mineRoot)!;
      parent.set(mineRoot, root);
      c.end = Math.max(c.end, mc.end);
      for (const x of mc.entities) c.entities.add(x);
      clusters.delete(mineRoot);
    }
    active.push(i);
  }
  const groups = new Map<number, number[]>();
  for (const i of parent.keys()) {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  const incidents: Incident[] = [];
  for (const idx of groups.values()) {
    idx.sort((a, b) => a - b);
    let sev: EventSeverity = 'info';
    let start = Infinity;
    let end = -Infinity;
    const entities = new Set<string>();
    for (const i of idx) {
      const e = events[i]!;
      if (RANK[e.severity] > RANK[sev]) sev = e.severity;
      const [s] = interval(e);
      const en = typeof e.end === 'number' ? e.end : s;
      start = Math.min(start, s);
      end = Math.max(end, en);
      for (const x of ents.get(i) ?? []) entities.add(x);
    }
    // An incident needs something to tell: a warning or error, or a failover, takeover or master change.
    if (sev === 'info' && !idx.some((i) => STORY_WORTHY.has(events[i]!.kind) || events[i]!.kind.endsWith('.master'))) continue;
    incidents.push({ start, end, severity: sev, events: idx, story: tell(idx.map((i) => events[i]!)), entities: [...entities].sort() });
  }
  incidents.sort((a, b) => a.start - b.start);
  return incidents;
}

const secs = (x: unknown) => (typeof x === 'number' ? (x >= 10 ? `${x.toFixed(1)} s` : `${x.toFixed(x < 0.01 ? 4 : 2)} s`) : '?');

/** One phrase for a run of similar events. */
function phrase(kind: string, es: TimelineEvent[]): string {
  const e = es[0]!;
  switch (kind) {
    case 'member.down':
      return `member ${e.iface} went silent`;
    case 'member.up':
      return `member ${e.iface} back after ${secs(e.silentFor)}`;
    case 'flow.moved':
      return `${es.length} flow${es.length === 1 ? '' : 's'} moved ${e.from} → ${e.to} (${e.reason})`;
    case 'lacp.state': {
      const to = (e.to as string[] | undefined) ?? [];
      return `LACP port ${e.port} of ${e.system} ${e.side} now [${to.join(', ')}]`;
    }
    case 'lacp.problem': {
      const items = es.map((x) => {
        const dur = typeof x.duration === 'number' && x.duration > 0 ? secs(x.duration) : x.end === null ? 'ongoing' : '';
        const extra = x.code === 'defaulted' && typeof x.partnerSilentFor === 'number' ? `, partner silent ${secs(x.partnerSilentFor)}` : x.code === 'churn' ? `, ${String(x.side)}` : '';
        return `${String(x.code)}${dur || extra ? ` (${[dur, extra.replace(/^, /, '')].filter(Boolean).join(', ')})` : ''}`;
      });
      return `LACP port ${e.port} of ${e.system}: ${items.join(', ')}`;
    }
    case 'lacp.link':
      return `LACP link on ${e.iface} ${e.state}`;
    case 'member.lacp-traffic':
      return `${e.packets} frames on ${e.iface} while LACP not distributing`;
    case 'heartbeat.breach':
    case 'heartbeat.near-miss': {
      const missed = es.reduce((a, x) => a + (typeof x.missed === 'number' ? x.missed : 0), 0);
      const what = kind === 'heartbeat.breach' ? 'missed' : 'nearly missed';
      const route = typeof e.route === 'string' && !e.route.includes(String(e.from)) ? ` via ${e.route}` : '';
      return `heartbeats ${e.from} → ${e.to}${route} ${what} ${missed} (${secs(e.duration)})`;
    }
    case 'arp.takeover': {
      const stale = Array.isArray(e.stale) ? (e.stale as { until?: number }[]) : [];
      const staleFor = stale.length ? Math.max(...stale.map((s) => (typeof s.until === 'number' ? s.until - e.time : 0))) : 0;
      return `${e.ip} taken over by ${e.toMac} with ${e.garps} GARP${e.garps === 1 ? '' : 's'}${stale.length ? `, ${stale.length} host${stale.length === 1 ? '' : 's'} stale for ${secs(staleFor)}` : ''}${e.virtual ? ` (${String(e.virtual)})` : ''}`;
    }
    case 'heartbeat.pair-down':
      return `all ${Array.isArray(e.routes) ? e.routes.length : ''} routes ${e.from} ⇄ ${e.to} down at once (${secs(e.duration)})`;
    case 'arp.conflict':
      return `ARP conflict on ${e.ip} (${Array.isArray(e.macs) ? e.macs.join(' vs ') : ''})`;
    case 'arp.flipflop':
      return `${e.ip} flip-flopped ${e.fromMac} → ${e.toMac}`;
    default:
      if (kind.endsWith('.master')) return `${kind.split('.')[0]!.toUpperCase()} group ${e.group} master ${e.fromIp ?? '?'} → ${e.toIp} (${e.reason})`;
      return e.text || kind;
  }
}

/** Key under which consecutive events collapse into one phrase. */
function runKey(e: TimelineEvent): string {
  switch (e.kind) {
    case 'flow.moved':
      return `flow.moved|${e.from}|${e.to}|${e.reason}`;
    case 'lacp.problem':
      return `lacp.problem|${e.iface}|${e.system}|${e.port}`;
    case 'heartbeat.breach':
    case 'heartbeat.near-miss':
      return `${e.kind}|${e.from}|${e.to}|${String(e.route)}`;
    case 'lacp.state':
      return `lacp.state|${e.iface}|${e.system}|${e.port}|${e.side}`;
    default:
      return `${e.kind}|${JSON.stringify([e.iface, e.ip, e.port, e.system, e.side, e.to])}`;
  }
}

/** Tell events (time order) as one line: phrases joined by arrows. */
export function tell(all: readonly TimelineEvent[]): string {
  // State transitions of a port whose problems are in the story say the same thing again.
  const told = new Set(all.filter((e) => e.kind === 'lacp.problem').map((e) => `${e.iface}|${e.system}|${e.port}`));
  // LACP going quiet on a member that went silent is part of that member's phrase, not a story of its own.
  const silent = new Map<string, TimelineEvent[]>();
  for (const e of all) if (e.kind === 'member.down') silent.set(String(e.iface), []);
  const events = all.filter((e) => {
    if (e.kind === 'lacp.state' && told.has(`${e.iface}|${e.system}|${e.port}`)) return false;
    if (e.kind === 'lacp.problem' && silent.has(String(e.iface)) && (e.code === 'pdu-gap' || e.code === 'expired' || e.code === 'defaulted')) {
      silent.get(String(e.iface))!.push(e);
      return false;
    }
    if (e.kind === 'lacp.link' && e.state === 'down' && silent.has(String(e.iface))) return false;
    return true;
  });
  const runs: { key: string; kind: string; es: TimelineEvent[] }[] = [];
  const byKey = new Map<string, { key: string; kind: string; es: TimelineEvent[] }>();
  for (const e of events) {
    const key = runKey(e);
    // Same-key events collapse into the first phrase of their kind (flow moves, repeated breaches).
    const r = byKey.get(key);
    if (r && (e.kind === 'flow.moved' || e.kind === 'lacp.problem' || e.kind === 'lacp.state' || e.kind.startsWith('heartbeat.'))) {
      if (e.kind === 'lacp.state') {
        r.es[0] = e; // the latest state says where the port ended up
        continue;
      }
      r.es.push(e);
      continue;
    }
    const run = { key, kind: e.kind, es: [e] };
    runs.push(run);
    byKey.set(key, run);
  }
  const parts = runs.slice(0, MAX_PHRASES).map((r) => {
    const text = phrase(r.kind, r.es);
    if (r.kind !== 'member.down') return text;
    const lacp = silent.get(String(r.es[0]!.iface)) ?? [];
    const gap = Math.max(0, ...lacp.filter((x) => x.code === 'pdu-gap' && typeof x.duration === 'number').map((x) => x.duration as number));
    const detail = [gap > 0 ? `no LACPDUs for ${secs(gap)}` : '', ...new Set(lacp.filter((x) => x.code !== 'pdu-gap').map((x) => `LACP ${String(x.code)}`))].filter(Boolean);
    return detail.length ? `${text} (${detail.join(', ')})` : text;
  });
  if (runs.length > MAX_PHRASES) parts.push(`… ${runs.length - MAX_PHRASES} more`);
  return parts.join(' → ');
}
