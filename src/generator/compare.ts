// Compare an analysis (the `events` of `teamscope analyze --json`) with a scenario's ground truth:
// which required findings were reported with the right values, which were missed or reported with
// other values (and which fields differ), and which forbidden kinds were reported anyway.
import type { TruthFile, TruthFinding } from './truth.js';

/** An analyzer event as found in `analyze --json` (`events[]`). */
export type AnalyzedEvent = Record<string, unknown> & { kind: string };

/** Fields of a truth finding that describe the comparison itself, not the event. */
const META = new Set(['kind', 'required', 'severity', 'timeTolerance', 'evidence', 'info']);
/** Lists compared as sets (their order carries no meaning). */
const SETS = new Set(['macs', 'stale']);
/** Fields compared within timeTolerance. */
const TIMES = new Set(['time', 'start', 'end', 'duration', 'lastSeen', 'firstSeen', 'lastFromOld', 'lastOnFrom', 'since']);

/** One truth finding and how the analysis matched it. */
export interface FindingMatch {
  finding: TruthFinding;
  /** The closest event of the same kind (null when there is none). */
  event: AnalyzedEvent | null;
  /** Fields whose values differ in the closest event: [field, truth, analysis]. */
  diffs: [string, unknown, unknown][];
}

/** The comparison. */
export interface Comparison {
  matched: FindingMatch[];
  /** Required findings not reported with the truth's values. */
  missing: FindingMatch[];
  /** Optional findings not reported (informational). */
  optionalMissing: FindingMatch[];
  /** Events of a kind (or lacp.problem code) the truth says must not be reported. */
  forbidden: AnalyzedEvent[];
}

function same(field: string, want: unknown, got: unknown, tol: number): boolean {
  if (TIMES.has(field) && typeof want === 'number' && typeof got === 'number') return Math.abs(want - got) <= tol + 1e-9;
  if (want === null || typeof want !== 'object') return want === got;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return false;
    if (SETS.has(field)) return want.every((w) => got.some((g) => same(field, w, g, tol))) && got.every((g) => want.some((w) => same(field, w, g, tol)));
    return want.every((w, i) => same(field, w, got[i], tol));
  }
  if (got === null || typeof got !== 'object') return false;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) => same(TIMES.has(k) ? k : field, v, (got as Record<string, unknown>)[k], tol));
}

function diffsOf(f: TruthFinding, e: AnalyzedEvent): [string, unknown, unknown][] {
  const out: [string, unknown, unknown][] = [];
  for (const [k, v] of Object.entries(f)) {
    if (META.has(k)) continue;
    if (!same(k, v, e[k], f.timeTolerance)) out.push([k, v, e[k]]);
  }
  return out;
}

/** Compare analyzer events with a truth file (each event matches at most one finding). */
export function compareWithTruth(events: readonly AnalyzedEvent[], truth: TruthFile): Comparison {
  const used = new Set<AnalyzedEvent>();
  const r: Comparison = { matched: [], missing: [], optionalMissing: [], forbidden: [] };
  for (const f of truth.findings) {
    let best: FindingMatch = { finding: f, event: null, diffs: [] };
    for (const e of events) {
      if (e.kind !== f.kind || used.has(e)) continue;
      const d = diffsOf(f, e);
      if (best.event === null || d.length < best.diffs.length) best = { finding: f, event: e, diffs: d };
      if (d.length === 0) break;
    }
    if (best.event && best.diffs.length === 0) {
      used.add(best.event);
      r.matched.push(best);
    } else if (f.required) r.missing.push(best);
    else r.optionalMissing.push(best);
  }
  for (const e of events) {
    const key = e.kind === 'lacp.problem' ? `lacp.problem:${String(e.code)}` : e.kind;
    if (truth.absent.includes(e.kind) || truth.absent.includes(key)) r.forbidden.push(e);
  }
  return r;
}
