// Ground truth that follows from the frames as written: for LACP, every state change of each PDU
// sender (lacp.state, actor and partner side) and the flag conditions FINDINGS.md names as
// lacp.problem codes, computed from the exact values the generator put in the PDUs.
import type { LacpFields } from '../../dissectors/lacp.js';
import type { FrameRef } from './engine.js';
import { S } from './lacp.js';
import { type TruthBuilder, type TruthFinding, ev, macStr, t6 } from './truth.js';

/** FINDINGS.md flag names in bit order. */
export const LACP_FLAGS = ['activity', 'timeout', 'aggregation', 'synchronization', 'collecting', 'distributing', 'defaulted', 'expired'] as const;

/** Flag names of a state octet. */
export function flags(state: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 8; i++) if (state & (1 << i)) out.push(LACP_FLAGS[i]!);
  return out;
}

/** How a condition becomes a finding: minimum duration (s) to count, and from which duration it is required. */
interface CondRule {
  code: string;
  /** Shorter than this: not a finding at all (the analyzer's grace). */
  min: number;
  /** At least this long: required; between min and this: optional (borderline). */
  requiredFrom: number;
  severity: TruthFinding['severity'];
  test: (f: LacpFields) => boolean;
}

const CD = S.COLLECTING | S.DISTRIBUTING;

/** Conditions on one sender's PDUs (same definitions as FINDINGS.md lacp.problem codes). */
const RULES: readonly CondRule[] = [
  { code: 'expired', min: 0, requiredFrom: 0, severity: 'warning', test: (f) => (f.actorState & S.EXPIRED) !== 0 },
  { code: 'defaulted', min: 0, requiredFrom: 0, severity: 'warning', test: (f) => (f.actorState & S.DEFAULTED) !== 0 },
  { code: 'out-of-sync', min: 3, requiredFrom: 5, severity: 'warning', test: (f) => (f.actorState & S.SYNC) === 0 },
  { code: 'not-distributing', min: 3, requiredFrom: 5, severity: 'warning', test: (f) => (f.actorState & S.SYNC) !== 0 && (f.actorState & CD) !== CD },
  {
    code: 'timeout-mismatch',
    min: 0,
    requiredFrom: 10,
    severity: 'info',
    test: (f) => (f.partnerSystem !== 0 || f.partnerPort !== 0) && (f.actorState & S.DEFAULTED) === 0 && (f.actorState & S.TIMEOUT) !== (f.partnerState & S.TIMEOUT),
  },
];

interface SenderState {
  actor: number;
  partner: number;
  open: Map<string, { since: number; ref: FrameRef; finding: TruthFinding | null }>;
  last: number;
}

/** Watches the LACPDUs written and records lacp.state and lacp.problem findings. */
export class LacpObserver {
  private readonly senders = new Map<string, SenderState>();
  private readonly list: { key: string; iface: string; system: number; port: number; st: SenderState }[] = [];

  constructor(private readonly truth: TruthBuilder) {}

  /** One PDU written on `iface` (scenario interface name). */
  pdu(iface: string, f: LacpFields, ref: FrameRef): void {
    const key = `${iface}/${f.actorSystem}/${f.actorPort}`;
    let st = this.senders.get(key);
    const t = ref.time;
    const base = { iface, system: macStr(f.actorSystem), port: f.actorPort };
    if (!st) {
      st = { actor: f.actorState, partner: f.partnerState, open: new Map(), last: t };
      this.senders.set(key, st);
      this.list.push({ key, iface, system: f.actorSystem, port: f.actorPort, st });
    } else {
      for (const [side, from, to] of [
        ['actor', st.actor, f.actorState],
        ['partner', st.partner, f.partnerState],
      ] as const) {
        if (from === to) continue;
        const lost = from & ~to & (S.SYNC | S.COLLECTING | S.DISTRIBUTING);
        const gained = to & ~from & (S.EXPIRED | S.DEFAULTED);
        this.truth.finding('lacp.state', { time: t6(t), ...base, side, from: flags(from), to: flags(to) }, { severity: lost || gained ? 'warning' : 'info' }).evidence.push(ev(ref));
      }
      st.actor = f.actorState;
      st.partner = f.partnerState;
    }
    st.last = t;
    for (const r of RULES) {
      const on = r.test(f);
      const c = st.open.get(r.code);
      if (on && !c) {
        const finding =
          r.min === 0
            ? this.truth.finding('lacp.problem', { start: t6(t), end: null, ...base, code: r.code }, { severity: r.severity, required: r.requiredFrom === 0 })
            : null;
        finding?.evidence.push(ev(ref));
        st.open.set(r.code, { since: t, ref, finding });
      } else if (!on && c) {
        st.open.delete(r.code);
        this.close(r, c, t, base, ref);
      }
    }
  }

  private close(r: CondRule, c: { since: number; ref: FrameRef; finding: TruthFinding | null }, t: number | null, base: Record<string, unknown>, endRef: FrameRef | null): void {
    const dur = (t ?? c.since) - c.since;
    let f = c.finding;
    if (!f) {
      if (t !== null && dur < r.min) return;
      if (t === null && dur < r.min) return;
      f = this.truth.finding('lacp.problem', { start: t6(c.since), end: null, ...base, code: r.code }, { severity: r.severity });
      f.evidence.push(ev(c.ref));
    }
    f.end = t === null ? null : t6(t);
    f.required = r.requiredFrom === 0 || dur >= r.requiredFrom;
    if (endRef) f.evidence.push(ev(endRef));
  }

  /** End of capture at epoch `t`: conditions still open stay open (end null) when long enough. */
  finish(t: number): void {
    for (const s of this.list) {
      const base = { iface: s.iface, system: macStr(s.system), port: s.port };
      for (const r of RULES) {
        const c = s.st.open.get(r.code);
        if (!c) continue;
        const dur = t - c.since;
        if (!c.finding && dur < r.min) continue;
        let f = c.finding;
        if (!f) {
          f = this.truth.finding('lacp.problem', { start: t6(c.since), end: null, ...base, code: r.code }, { severity: r.severity });
          f.evidence.push(ev(c.ref));
        }
        f.end = null;
        f.required = r.requiredFrom === 0 || dur >= r.requiredFrom;
      }
    }
  }
}
