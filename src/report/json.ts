// `analyze --json`: the full analysis result with stable keys (shared/FINDINGS.md; documented in
// docs/findings-schema.md). Top-level keys and every event's leading keys come in a fixed order;
// numbers are rounded to the microsecond where they are times; nothing is recomputed.
import type { AnalysisResult } from '../analyzers/pipeline.js';
import type { TimelineEvent } from '../analyzers/types.js';

/** Top-level keys in the order FINDINGS.md lists them; other sections follow alphabetically. */
export const TOP_LEVEL_KEYS = ['schema', 'inputs', 'settings', 'members', 'distribution', 'lacp', 'arp', 'heartbeats', 'events', 'incidents', 'notes'] as const;

/** Leading keys of every event, then the kind's required fields (FINDINGS.md "Events"). */
const EVENT_HEAD = ['kind', 'time', 'severity'];
const EVENT_FIELDS: Record<string, readonly string[]> = {
  'lacp.state': ['iface', 'system', 'port', 'side', 'from', 'to'],
  'lacp.problem': ['start', 'end', 'duration', 'iface', 'system', 'port', 'code'],
  'lacp.link': ['iface', 'state', 'ends'],
  'member.down': ['iface', 'lastSeen', 'end', 'duration'],
  'member.up': ['iface', 'firstSeen'],
  'member.lacp-traffic': ['start', 'end', 'duration', 'iface', 'packets'],
  'flow.moved': ['flow', 'from', 'to', 'reason'],
  'arp.takeover': ['ip', 'fromMac', 'toMac', 'lastFromOld', 'garps', 'garpForm', 'stale', 'virtual'],
  'arp.conflict': ['start', 'end', 'ip', 'macs'],
  'arp.flipflop': ['ip', 'fromMac', 'toMac'],
  'heartbeat.breach': ['start', 'end', 'duration', 'protocol', 'from', 'to', 'route', 'subnet', 'subnetRule', 'tolerance', 'missed', 'profiles'],
  'heartbeat.near-miss': ['start', 'end', 'duration', 'protocol', 'from', 'to', 'route', 'subnet', 'subnetRule', 'tolerance', 'missed', 'profiles'],
  'vrrp.master': ['group', 'ip', 'fromIp', 'toIp', 'reason'],
  'hsrp.master': ['group', 'ip', 'fromIp', 'toIp', 'reason'],
  'carp.master': ['group', 'ip', 'fromIp', 'toIp', 'reason'],
};
const EVENT_TAIL = ['text', 'evidence'];

/** An event with its keys in the documented order (kind, time, severity, required fields, others A–Z, text, evidence). */
export function orderEvent(e: TimelineEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lead = [...EVENT_HEAD, ...(EVENT_FIELDS[e.kind] ?? [])];
  for (const k of lead) if (k in e) out[k] = e[k];
  const rest = Object.keys(e)
    .filter((k) => !lead.includes(k) && !EVENT_TAIL.includes(k))
    .sort();
  for (const k of rest) out[k] = e[k];
  for (const k of EVENT_TAIL) if (k in e) out[k] = e[k];
  return out;
}

/** The result as a plain object with stable key order. */
export function toJsonObject(r: AnalysisResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TOP_LEVEL_KEYS) {
    if (k === 'events') out.events = r.events.map(orderEvent);
    else out[k] = r[k] ?? null;
  }
  for (const k of Object.keys(r).sort()) if (!(k in out)) out[k] = r[k];
  // Interval events inside sections are the same objects as in `events`: order them too.
  const lacp = out.lacp as { problems?: TimelineEvent[] } | null;
  if (lacp && Array.isArray(lacp.problems)) out.lacp = { ...lacp, problems: lacp.problems.map(orderEvent) };
  return out;
}

/** Infinity and NaN have no JSON form: write null (the schema says where a number may be null). */
function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (v instanceof Uint8Array) return Array.from(v);
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  return v;
}

/** `analyze --json` text (pretty by default; `compact` for one line, e.g. NDJSON). */
export function renderJson(r: AnalysisResult, compact = false): string {
  return JSON.stringify(toJsonObject(r), replacer, compact ? undefined : 2) + '\n';
}

/** One event as one NDJSON line (for `live`). */
export function eventLine(e: TimelineEvent): string {
  return JSON.stringify(orderEvent(e), replacer) + '\n';
}
