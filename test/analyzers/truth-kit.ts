// Compare an analysis result with a generator scenario's ground truth (src/generator/truth.ts):
// every required finding must have an event of its kind with the same members, systems, ports,
// codes, flows, addresses, flag lists and severity, and times within the finding's tolerance;
// kinds the truth marks absent must not appear.
import type { AnalysisResult } from '../../src/analyzers/pipeline.js';
import type { TimelineEvent } from '../../src/analyzers/types.js';
import type { TruthFile, TruthFinding } from '../../src/generator/truth.js';

const EXACT = ['iface', 'system', 'port', 'side', 'code', 'flow', 'from', 'to', 'reason', 'ip', 'fromMac', 'toMac', 'group', 'protocol', 'route', 'state'];
// Heartbeat events carry a FINDINGS field named `tolerance` (seconds): compared exactly when present in the truth.
const TIMES = ['time', 'start', 'end', 'lastSeen', 'firstSeen'];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Why `e` does not match finding `f` (null: it matches). */
export function mismatch(f: TruthFinding, e: TimelineEvent): string | null {
  if (e.kind !== f.kind) return 'kind';
  for (const k of EXACT) if (k in f && !same(f[k], e[k])) return `${k}: ${JSON.stringify(e[k])} ≠ ${JSON.stringify(f[k])}`;
  // `timeTolerance` (older truth files: `tolerance`); a missing one is a bug in the truth, not a pass.
  const tol = (f as { timeTolerance?: number }).timeTolerance ?? (f as { tolerance?: number }).tolerance;
  if (typeof tol !== 'number') throw new Error(`truth finding without a time tolerance: ${JSON.stringify(f).slice(0, 120)}`);
  for (const k of TIMES) {
    if (!(k in f)) continue;
    const want = f[k];
    const got = e[k];
    if (want === null || got === null) {
      if (want !== got) return `${k}: ${String(got)} ≠ ${String(want)}`;
      continue;
    }
    if (typeof want !== 'number' || typeof got !== 'number' || Math.abs(want - got) > tol) return `${k}: ${String(got)} ≠ ${String(want)} ± ${tol}`;
  }
  return null;
}

export interface Comparison {
  missing: { finding: TruthFinding; closest: string }[];
  severity: { finding: TruthFinding; got: string }[];
  present: string[];
  matched: number;
  /** Truth incidents whose events are not all in one of the result's incidents. */
  incidents: string[];
  /** Events of each kind (kind or kind:code) in the result vs. required and optional findings in the truth. */
  counts: Record<string, { required: number; optional: number; found: number }>;
}

const keyOf = (x: { kind: string; code?: unknown }) => (x.kind === 'lacp.problem' ? `${x.kind}:${String(x.code)}` : x.kind);

/** Match the truth's findings against the result's events. */
export function compareWithTruth(truth: TruthFile, r: AnalysisResult): Comparison {
  const used = new Set<TimelineEvent>();
  const out: Comparison = { missing: [], severity: [], present: [], matched: 0, counts: {}, incidents: [] };
  for (const f of truth.findings) {
    if (!f.required) continue;
    const cands = r.events.filter((e) => e.kind === f.kind && !used.has(e));
    const hit = cands.find((e) => mismatch(f, e) === null);
    if (!hit) {
      const reasons = cands.map((e) => mismatch(f, e)!).slice(0, 3);
      out.missing.push({ finding: f, closest: reasons.join(' | ') || `no ${f.kind} events` });
      continue;
    }
    used.add(hit);
    out.matched++;
    if (hit.severity !== f.severity) out.severity.push({ finding: f, got: hit.severity });
  }
  // Incidents: the events of the listed kinds within the span belong to one incident.
  for (const ti of truth.incidents ?? []) {
    const idx = r.events.map((e, i) => [e, i] as const).filter(([e]) => ti.kinds.includes(e.kind) && (typeof e.start === 'number' ? e.start : e.time) >= ti.start - 0.001 && (typeof e.start === 'number' ? e.start : e.time) <= ti.end + 0.001);
    const holders = new Set(idx.map(([, i]) => r.incidents.findIndex((inc) => inc.events.includes(i))));
    const kindsFound = new Set(idx.map(([e]) => e.kind));
    const lacking = ti.kinds.filter((k) => !kindsFound.has(k));
    if (lacking.length || holders.size !== 1 || holders.has(-1))
      out.incidents.push(`incident ${ti.start}…${ti.end} [${ti.kinds.join(', ')}]: events in incidents ${[...holders].join(',')}${lacking.length ? `, no ${lacking.join(', ')}` : ''}`);
  }
  for (const a of truth.absent) {
    const n = r.events.filter((e) => keyOf(e as { kind: string; code?: unknown }) === a || e.kind === a).length;
    if (n) out.present.push(`${a} ×${n}`);
  }
  for (const f of truth.findings) {
    const k = keyOf(f);
    out.counts[k] ??= { required: 0, optional: 0, found: 0 };
    if (f.required) out.counts[k]!.required++;
    else out.counts[k]!.optional++;
  }
  for (const k of Object.keys(out.counts)) out.counts[k]!.found = r.events.filter((e) => keyOf(e as { kind: string; code?: unknown }) === k).length;
  return out;
}

/** A readable summary for assertion messages. */
export function describeComparison(c: Comparison): string {
  const lines: string[] = [];
  for (const m of c.missing.slice(0, 12)) lines.push(`missing ${JSON.stringify({ ...m.finding, evidence: undefined, required: undefined }).slice(0, 260)}\n    closest: ${m.closest.slice(0, 300)}`);
  for (const s of c.severity.slice(0, 6)) lines.push(`severity ${s.finding.kind} ${String(s.finding.code ?? '')}: ${s.got} ≠ ${s.finding.severity}`);
  for (const p of c.present) lines.push(`must not report: ${p}`);
  for (const i of c.incidents) lines.push(i);
  for (const [k, v] of countMismatches(c)) lines.push(`count ${k}: ${v.found} found, truth ${v.required} required + ${v.optional} optional`);
  return lines.join('\n');
}

/** Kinds whose count is outside [required, required + optional]. */
export function countMismatches(c: Comparison): [string, { required: number; optional: number; found: number }][] {
  return Object.entries(c.counts).filter(([, v]) => v.found < v.required || v.found > v.required + v.optional);
}
