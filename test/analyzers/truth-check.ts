// Compare analyzer events with a generator scenario's ground truth (src/generator/truth.ts): every
// required finding matched by one event of its kind (times within the finding's tolerance, every
// other field equal), as many events of each checked kind as the truth has findings, and no event
// of an `absent` kind. Returns readable mismatches (empty = agreement).
import type { TimelineEvent } from '../../src/analyzers/types.js';

/** Fields compared with the finding's time tolerance. */
const TIME_KEYS = new Set(['time', 'start', 'end', 'duration', 'lastFromOld', 'until', 'firstTrafficToNew', 'firstAnnouncement', 'gap', 'staleFor']);
/** Fields of a truth finding that are about the finding, not compared with the event (`info`: the truth's non-compared extras). */
const META_KEYS = new Set(['kind', 'required', 'severity', 'timeTolerance', 'evidence', 'text', 'info']);
/** Truth fields nothing on the wire can tell (a cluster network's name): not compared. */
const UNOBSERVABLE = new Set(['network']);

interface Finding {
  kind: string;
  required: boolean;
  /** Allowed difference (s) on time fields (truth.ts; `tolerance` is a heartbeat event field). */
  timeTolerance: number;
  [k: string]: unknown;
}

function same(key: string, want: unknown, got: unknown, tol: number): boolean {
  if (want === null || want === undefined) return got === null || got === undefined;
  if (typeof want === 'number') return typeof got === 'number' && (TIME_KEYS.has(key) ? Math.abs(got - want) <= tol + 1e-9 : Math.abs(got - want) <= 1e-9);
  if (typeof want === 'string' || typeof want === 'boolean') return got === want;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return false;
    if (want.every((w) => typeof w !== 'object' || w === null)) {
      const a = [...want].map(String).sort();
      const b = [...got].map(String).sort();
      return a.every((x, i) => x === b[i]);
    }
    const used = new Set<number>();
    return want.every((w) => {
      const i = got.findIndex((g, j) => !used.has(j) && same(key, w, g, tol));
      if (i < 0) return false;
      used.add(i);
      return true;
    });
  }
  if (typeof want === 'object') {
    if (typeof got !== 'object' || got === null) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, v]) => same(k, v, (got as Record<string, unknown>)[k], tol));
  }
  return false;
}

/** Why `e` does not match `f` ('' when it does). */
export function mismatch(f: Finding, e: TimelineEvent): string {
  if (e.kind !== f.kind) return `kind ${e.kind}`;
  for (const [k, v] of Object.entries(f)) {
    if (META_KEYS.has(k) || UNOBSERVABLE.has(k)) continue;
    if (!same(k, v, e[k], f.timeTolerance ?? 0.001)) return `${k}: want ${JSON.stringify(v)}, got ${JSON.stringify(e[k])}`;
  }
  return '';
}

/** Check `events` against the truth's findings of the kinds `kinds` selects. */
export function checkTruth(truth: { findings: Finding[]; absent: string[] }, events: readonly TimelineEvent[], kinds: (k: string) => boolean): string[] {
  const out: string[] = [];
  const findings = truth.findings.filter((f) => kinds(f.kind));
  const used = new Set<TimelineEvent>();
  for (const f of findings) {
    const cands = events.filter((e) => e.kind === f.kind && !used.has(e));
    const m = cands.find((e) => mismatch(f, e) === '');
    if (m) used.add(m);
    else if (f.required) {
      const why = cands.map((e) => `  ${mismatch(f, e)} (event at ${e.time})`).join('\n');
      out.push(`missing ${f.kind} ${JSON.stringify(Object.fromEntries(Object.entries(f).filter(([k]) => !META_KEYS.has(k))))}\n${why || '  (no event of that kind)'}`);
    }
  }
  const counted = new Set(findings.map((f) => f.kind));
  for (const k of counted) {
    const want = findings.filter((f) => f.kind === k && f.required).length;
    const maxWant = findings.filter((f) => f.kind === k).length;
    const got = events.filter((e) => e.kind === k).length;
    if (got < want || got > maxWant) out.push(`${k}: ${got} events, truth has ${want}${maxWant > want ? `..${maxWant}` : ''}: ${events.filter((e) => e.kind === k).map((e) => e.text).join(' | ')}`);
  }
  for (const a of truth.absent) {
    const [kind, code] = a.split(':');
    if (!kinds(kind!)) continue;
    const bad = events.filter((e) => e.kind === kind && (code === undefined || e.code === code));
    if (bad.length) out.push(`${a} must not be reported, got: ${bad.map((e) => e.text).join(' | ')}`);
  }
  return out;
}

/** The kinds this engineer's analyzers report. */
export const MY_KINDS = (k: string): boolean => /^(arp\.|heartbeat\.|vrrp\.|hsrp\.|carp\.)/.test(k);
