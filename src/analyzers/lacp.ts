// LACP per member port (actor system + port, per member): the partner, every state transition, and
// diagnoses as `lacp.problem` intervals with evidence (issue 4 "LACP"; PROTOCOLS.md §2.2–2.6;
// FINDINGS.md lacp.state / lacp.problem), plus Marker request/response pairs and their latency.
import { type Packet, flagNames, macText } from '../../dissectors/core.js';
import { type LacpLayer, LacpState, lacpStateFlags } from '../../dissectors/lacp.js';
import type { MarkerLayer } from '../../dissectors/marker.js';
import type { AnalyzerContext } from './context.js';
import { type Analyzer, type Evidence, type EventSeverity, type TimelineEvent, MAX_EVIDENCE, evidenceOf, pushEvidence } from './types.js';
import { closeInterval } from './timeline.js';

/** Actor/Partner state bits: the dissector's table (PROTOCOLS.md §2.3), re-exported for analyzer users. */
export { LacpState };

/** Names of the bits set in a state octet, in bit order (the dissector's flag table, as FINDINGS.md spells them). */
export function lacpFlags(state: number): string[] {
  return flagNames(state, lacpStateFlags);
}

/** LACP timers (PROTOCOLS.md §2.6; IEEE 802.1AX 6.4.4). */
export const LacpTimers = {
  FAST_PERIODIC: 1,
  SLOW_PERIODIC: 30,
  SHORT_TIMEOUT: 3,
  LONG_TIMEOUT: 90,
  CHURN_DETECTION: 60,
  AGGREGATE_WAIT: 2,
  /** At most 3 LACPDUs in any Fast_Periodic_Time (IEEE 802.3ad 43.4.16; Linux AD_MAX_TX_IN_SECOND). */
  MAX_PER_SECOND: 3,
  /**
   * Slack (s) on the one-second window of MAX_PER_SECOND: a violation needs 4 PDUs within
   * FAST_PERIODIC − this. An end sends its periodic PDU every 1 s, so one or two immediate PDUs after
   * a state change put the 4th PDU at 1 s ± send/capture jitter (e.g. 0.99976 s or 1.00024 s); that is
   * the limit met, not broken. Linux runs its LACP state machines on a 100 ms tick (AD_TIMER_INTERVAL),
   * so PDUs really sent too fast are at least one tick inside the window, far beyond 10 ms of jitter.
   */
  RATE_TOLERANCE: 0.01,
} as const;

/** Out of sync / in sync but not collecting+distributing for less than this is negotiation, not a problem (s). */
export const LACP_GRACE = LacpTimers.SHORT_TIMEOUT;

/** Problem codes (FINDINGS.md lacp.problem). */
export type LacpProblemCode =
  | 'defaulted'
  | 'expired'
  | 'out-of-sync'
  | 'not-distributing'
  | 'passive-both'
  | 'partner-changed'
  | 'key-mismatch'
  | 'partner-mismatch'
  | 'timeout-mismatch'
  | 'pdu-gap'
  | 'pdu-rate'
  | 'churn';

const SEVERITY: Record<LacpProblemCode, EventSeverity> = {
  defaulted: 'warning',
  expired: 'warning',
  'out-of-sync': 'warning',
  'not-distributing': 'warning',
  'passive-both': 'error',
  'partner-changed': 'warning',
  'key-mismatch': 'error',
  'partner-mismatch': 'error',
  'timeout-mismatch': 'info',
  'pdu-gap': 'warning',
  'pdu-rate': 'warning',
  churn: 'error',
};

/** What a problem means, for the report (one line each). */
export const LACP_PROBLEM_TEXT: Record<LacpProblemCode, string> = {
  defaulted: 'using defaulted partner information: no LACPDU accepted from the partner',
  expired: 'receive machine EXPIRED: partner LACPDUs stopped arriving within the timeout',
  'out-of-sync': 'not in synchronization (not attached to an aggregator that matches the partner)',
  'not-distributing': 'in sync but not collecting and distributing',
  'passive-both': 'both ends passive: neither will start LACP',
  'partner-changed': 'the partner (system, port or key) changed',
  'key-mismatch': 'ports of one team see one partner system with different keys: they cannot aggregate together',
  'partner-mismatch': 'ports of one team (same key) see different partner systems: they cannot aggregate together',
  'timeout-mismatch': 'the ends ask for different LACPDU rates (short vs long timeout)',
  'pdu-gap': 'LACPDU gap longer than the timeout for the rate in use',
  'pdu-rate': `more than ${LacpTimers.MAX_PER_SECOND} LACPDUs within one second`,
  churn: `not in sync for longer than Churn_Detection_Time (${LacpTimers.CHURN_DETECTION} s)`,
};

/** At most this many state entries kept per port (the rest are counted). */
export const MAX_STATES_PER_PORT = 2000;
/** At most this many ports tracked. */
export const MAX_PORTS = 4096;
/** At most this many marker exchanges kept. */
export const MAX_MARKERS = 10_000;

/** Partner identity as one port sees it. */
export interface LacpPartner {
  system: string;
  systemPriority: number;
  port: number;
  portPriority: number;
  key: number;
}

/** One entry of a port's state timeline (every PDU where a state changed, and the first). */
export interface LacpStateEntry {
  time: number;
  input: number;
  frame: number;
  actor: string[];
  partner: string[];
}

/** One port in `lacp.ports` (FINDINGS.md). */
export interface LacpPortResult {
  iface: string;
  system: string;
  systemPriority: number;
  port: number;
  portPriority: number;
  key: number;
  partner: LacpPartner | null;
  /** Partners seen over time (only when it changed). */
  partners: (LacpPartner & { from: number; to: number })[];
  states: LacpStateEntry[];
  statesDropped: number;
  actor: string[];
  partnerState: string[];
  pdus: number;
  first: number;
  last: number;
  /** Rate the partner asks this port to send at: 'fast' (1 s) or 'slow' (30 s), at the last PDU. */
  rate: 'fast' | 'slow';
  interval: { median: number | null; max: number | null };
  collectingDistributing: boolean;
  /** Collecting+distributing without a break since (null: not at its last LACPDU). */
  upAt: number | null;
  problems: number[];
}

/** A link (two ports that name each other as partners, seen on one member). */
export interface LacpLinkResult {
  iface: string;
  ends: { system: string; port: number }[];
  /** Both ends collecting+distributing since (null: not at the end of the capture). */
  upAt: number | null;
  /** Every time both ends reached collecting+distributing, and when that ended. */
  up: { from: number; to: number | null; evidence: Evidence[] }[];
}

/** A Marker exchange (PROTOCOLS.md §2.5). */
export interface MarkerExchange {
  iface: string;
  system: string;
  port: number;
  transactionId: number;
  request: { time: number; input: number; frame: number } | null;
  response: { time: number; input: number; frame: number } | null;
  latency: number | null;
}

/** The `lacp` section (FINDINGS.md). */
export interface LacpSection {
  ports: LacpPortResult[];
  links: LacpLinkResult[];
  markers: MarkerExchange[];
  /** lacp.problem events (as objects also in the timeline). */
  problems: TimelineEvent[];
}

interface OpenCondition {
  since: number;
  sinceEvidence: Evidence;
  event: TimelineEvent | null;
  side?: 'actor' | 'partner';
}

class Port {
  readonly states: LacpStateEntry[] = [];
  statesDropped = 0;
  pdus = 0;
  first = 0;
  last = -1;
  lastEvidence: Evidence = { input: 0, frame: 0 };
  actorState = -1;
  partnerState = -1;
  systemPriority = 0;
  portPriority = 0;
  key = 0;
  partner: LacpPartner | null = null;
  partnerNum = 0;
  partnerPortNum = 0;
  partnerKeyNum = 0;
  readonly partners: (LacpPartner & { from: number; to: number })[] = [];
  /** The last three PDU times (ring) for the rate check. */
  readonly recent = [-Infinity, -Infinity, -Infinity];
  recentAt = 0;
  readonly gaps: number[] = [];
  gapCount = 0;
  maxGap = 0;
  upAt: number | null = null;
  /** When this port's own state was not collecting+distributing. */
  readonly unusable: { from: number; to: number | null }[] = [];
  readonly open = new Map<string, OpenCondition>();
  readonly problemIdx: number[] = [];
  readonly prefix: string;

  constructor(
    readonly member: number,
    readonly iface: string,
    readonly system: number,
    readonly port: number,
  ) {
    this.prefix = `port ${port} of ${macText(system)} on ${iface}`;
  }
}

class Link {
  readonly up: { from: number; to: number | null; evidence: Evidence[] }[] = [];
  isUp = false;
  constructor(
    readonly member: number,
    readonly a: Port,
    readonly b: Port,
  ) {}
}

const GAP_SAMPLES = 512;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}

/** Seconds with millisecond-ish precision for texts. */
function secs(s: number): string {
  return s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(3)} s`;
}

/** The LACP analyzer (section `lacp`). */
export class LacpAnalyzer implements Analyzer<LacpSection> {
  readonly section = 'lacp';
  private readonly ports = new Map<string, Port>();
  private readonly portList: Port[] = [];
  private readonly links = new Map<string, Link>();
  private readonly markers: MarkerExchange[] = [];
  private readonly pendingMarkers = new Map<string, MarkerExchange>();
  private readonly problems: TimelineEvent[] = [];
  private portsDropped = 0;
  private markersDropped = 0;
  private now = -Infinity;
  private end = -Infinity;

  constructor(private readonly ctx: AnalyzerContext) {}

  onPacket(pkt: Packet): void {
    const s = this.ctx.summary;
    if (s.pkt !== pkt) s.fill(pkt);
    if (s.lacp !== null) this.onLacp(pkt, s.lacp as LacpLayer);
    else if (s.marker !== null) this.onMarker(pkt, s.marker as MarkerLayer);
  }

  tick(time: number): void {
    if (time <= this.now) return;
    this.now = time;
    for (const p of this.portList) this.checkTimers(p, time, false);
  }

  finish(time: number): void {
    this.end = Math.max(time, this.now);
    this.now = this.end;
    for (const p of this.portList) this.checkTimers(p, this.end, true);
  }

  // ---------------------------------------------------------------------------------------------

  private member(pkt: Packet): number {
    const s = this.ctx.summary;
    return this.ctx.members.resolve(s);
  }

  private onLacp(pkt: Packet, l: LacpLayer): void {
    const t = pkt.time;
    if (t > this.now) this.now = t;
    const m = this.member(pkt);
    const key = `${m}/${l.actorSystem}/${l.actorPort}`;
    let p = this.ports.get(key);
    if (!p) {
      if (this.portList.length >= MAX_PORTS) {
        this.portsDropped++;
        return;
      }
      p = new Port(m, this.ctx.members.name(m), l.actorSystem, l.actorPort);
      this.ports.set(key, p);
      this.portList.push(p);
      this.ctx.lacpSeen[m] = 1;
      this.ctx.lacpSystems.add(l.actorSystem);
      this.ctx.lacpPorts.push({ member: m, system: l.actorSystem, unusable: p.unusable });
    }
    const ev = evidenceOf(pkt);
    const prevA = p.actorState;
    const prevP = p.partnerState;
    const a = l.actorState;
    const ps = l.partnerState;

    // Gap since the previous PDU, judged by the rate in use then (the partner's Timeout bit asks us).
    if (p.pdus > 0) {
      const dt = t - p.last;
      if (p.gaps.length < GAP_SAMPLES) p.gaps.push(dt);
      else p.gaps[p.gapCount % GAP_SAMPLES] = dt;
      p.gapCount++;
      if (dt > p.maxGap) p.maxGap = dt;
      this.checkTimers(p, t, false);
      const gap = p.open.get('pdu-gap');
      if (gap) {
        if (gap.event) {
          closeInterval(gap.event, t);
          gap.event.evidence.push(ev);
          gap.event.text = `${p.prefix}: no LACPDU for ${secs(t - (gap.event.start as number))} (timeout ${gap.event.timeout} s at the ${gap.event.rate} rate)`;
          this.ctx.sink.update?.(gap.event);
        }
        p.open.delete('pdu-gap');
      }
    }

    // Rate: the fourth PDU within one second (less RATE_TOLERANCE for jitter) breaks the
    // 3-per-Fast_Periodic_Time limit.
    const slot = p.recentAt % 3;
    const oldest = p.recent[slot]!;
    p.recent[slot] = t;
    p.recentAt++;
    const tooFast = t - oldest < LacpTimers.FAST_PERIODIC - LacpTimers.RATE_TOLERANCE;
    this.condition(p, 'pdu-rate', tooFast, t, ev, undefined, 0);
    const rc = p.open.get('pdu-rate');
    if (tooFast && rc?.event) {
      rc.event.maxInOneSecond = Math.max(Number(rc.event.maxInOneSecond ?? 0), 4);
      pushEvidence(rc.event.evidence, ev);
    }

    p.pdus++;
    if (p.pdus === 1) p.first = t;
    p.last = t;
    p.lastEvidence = ev;
    p.systemPriority = l.actorSystemPriority;
    p.portPriority = l.actorPortPriority;
    p.key = l.actorKey;

    // Partner identity (all-zero = unknown, e.g. while defaulted).
    const known = l.partnerSystem !== 0 || l.partnerPort !== 0;
    if (known) {
      const changed = p.partner !== null && (p.partnerNum !== l.partnerSystem || p.partnerPortNum !== l.partnerPort || p.partnerKeyNum !== l.partnerKey);
      const np: LacpPartner = {
        system: macText(l.partnerSystem),
        systemPriority: l.partnerSystemPriority,
        port: l.partnerPort,
        portPriority: l.partnerPortPriority,
        key: l.partnerKey,
      };
      if (changed) {
        const from = p.partner!;
        this.pointProblem(p, 'partner-changed', t, [p.lastEvidence, ev], `${p.prefix}: partner changed from ${from.system} port ${from.port} key ${from.key} to ${np.system} port ${np.port} key ${np.key}`, { from, to: np });
      }
      if (p.partner === null || changed) {
        const last = p.partners[p.partners.length - 1];
        if (last) last.to = t;
        if (p.partners.length < 64) p.partners.push({ ...np, from: t, to: t });
      }
      const cur = p.partners[p.partners.length - 1];
      if (cur) cur.to = t;
      p.partner = np;
      p.partnerNum = l.partnerSystem;
      p.partnerPortNum = l.partnerPort;
      p.partnerKeyNum = l.partnerKey;
    }

    // State transitions (lacp.state events, one per side that changed).
    if (prevA !== a || prevP !== ps) {
      const entry: LacpStateEntry = { time: t, input: ev.input, frame: ev.frame, actor: lacpFlags(a), partner: lacpFlags(ps) };
      if (p.states.length < MAX_STATES_PER_PORT) p.states.push(entry);
      else p.statesDropped++;
      if (prevA >= 0 && prevA !== a) this.stateEvent(p, 'actor', prevA, a, t, ev);
      if (prevP >= 0 && prevP !== ps) this.stateEvent(p, 'partner', prevP, ps, t, ev);
    }
    p.actorState = a;
    p.partnerState = ps;

    // Flag conditions (opened on the first PDU showing them, closed on the first PDU without).
    const S = LacpState;
    this.condition(p, 'expired', (a & S.EXPIRED) !== 0, t, ev, undefined, 0);
    this.condition(p, 'defaulted', (a & S.DEFAULTED) !== 0, t, ev, undefined, 0);
    this.condition(p, 'out-of-sync', (a & S.SYNCHRONIZATION) === 0, t, ev, undefined, LACP_GRACE);
    const cd = S.COLLECTING | S.DISTRIBUTING;
    this.condition(p, 'not-distributing', (a & S.SYNCHRONIZATION) !== 0 && (a & cd) !== cd, t, ev, undefined, LACP_GRACE);
    this.condition(p, 'churn:actor', (a & S.SYNCHRONIZATION) === 0, t, ev, 'actor', LacpTimers.CHURN_DETECTION);
    this.condition(p, 'churn:partner', (ps & S.SYNCHRONIZATION) === 0, t, ev, 'partner', LacpTimers.CHURN_DETECTION);
    const partnerKnown = known && (a & S.DEFAULTED) === 0;
    this.condition(p, 'passive-both', partnerKnown && (a & S.ACTIVITY) === 0 && (ps & S.ACTIVITY) === 0, t, ev, undefined, 0);
    this.condition(p, 'timeout-mismatch', partnerKnown && (a & S.TIMEOUT) !== (ps & S.TIMEOUT), t, ev, undefined, 0);
    this.teamChecks(p, t, ev);

    const isCD = (a & cd) === cd;
    // This port's own usability (its first LACPDU out of the aggregator: take it that it was so before).
    const lastU = p.unusable[p.unusable.length - 1];
    if (!isCD && (!lastU || lastU.to !== null)) {
      if (p.unusable.length < MAX_STATES_PER_PORT) p.unusable.push({ from: p.pdus === 1 ? -Infinity : t, to: null });
    } else if (isCD && lastU && lastU.to === null) lastU.to = t;
    if (!isCD) p.upAt = null;
    else if (p.upAt === null) p.upAt = t;
    const wasBlocked = this.ctx.lacpBlocked[m] === 1;
    const blocked = this.blocked(m);
    this.ctx.lacpBlocked[m] = blocked ? 1 : 0;
    // This port's first LACPDU shows it out of the aggregator: take it that it was so before too.
    const firstOfPort = p.pdus === 1 && (a & (LacpState.COLLECTING | LacpState.DISTRIBUTING)) !== (LacpState.COLLECTING | LacpState.DISTRIBUTING);
    if (blocked !== wasBlocked) {
      const list = this.ctx.lacpUnusable[m]!;
      if (blocked) {
        if (list.length < MAX_STATES_PER_PORT) list.push({ from: firstOfPort ? -Infinity : t, to: null });
      } else {
        const open = list[list.length - 1];
        if (open && open.to === null) open.to = t;
      }
    }
    let period = 0;
    for (const q of this.portList) if (q.member === m && q.pdus > 0) period = Math.max(period, q.partnerState & LacpState.TIMEOUT ? LacpTimers.FAST_PERIODIC : LacpTimers.SLOW_PERIODIC);
    this.ctx.lacpPeriod[m] = period;
    this.partnerHeard(p, t, ev);
    this.linkCheck(p, t, ev);
  }

  /** Is any port seen on member `m` (by its last PDU) not collecting+distributing? */
  private blocked(m: number): boolean {
    const cd = LacpState.COLLECTING | LacpState.DISTRIBUTING;
    for (const p of this.portList) if (p.member === m && (p.actorState & cd) !== cd) return true;
    return false;
  }

  private stateEvent(p: Port, side: 'actor' | 'partner', from: number, to: number, t: number, ev: Evidence): void {
    const S = LacpState;
    const lost = from & ~to & (S.SYNCHRONIZATION | S.COLLECTING | S.DISTRIBUTING);
    const gained = to & ~from & (S.EXPIRED | S.DEFAULTED);
    const severity: EventSeverity = lost || gained ? 'warning' : 'info';
    const added = lacpFlags(to & ~from);
    const removed = lacpFlags(from & ~to);
    const change = [...added.map((f) => `+${f}`), ...removed.map((f) => `-${f}`)].join(' ');
    this.ctx.sink.emit({
      kind: 'lacp.state',
      time: t,
      severity,
      evidence: [ev],
      text: `${p.prefix}: ${side} ${change} → [${lacpFlags(to).join(', ')}]`,
      iface: p.iface,
      system: macText(p.system),
      port: p.port,
      side,
      from: lacpFlags(from),
      to: lacpFlags(to),
    });
  }

  /**
   * A condition that is a problem once it has lasted `minDur` seconds: opened at the first PDU
   * showing it, emitted when confirmed (end null while it lasts), closed by the first PDU without it.
   */
  private condition(p: Port, key: string, on: boolean, t: number, ev: Evidence, side: 'actor' | 'partner' | undefined, minDur: number): void {
    const c = p.open.get(key);
    if (on) {
      if (!c) {
        const oc: OpenCondition = { since: t, sinceEvidence: ev, event: null, side };
        p.open.set(key, oc);
        if (minDur === 0) this.openProblem(p, key, oc, ev);
      } else if (c.event) {
        if (c.event.evidence.length < MAX_EVIDENCE) c.event.evidence.push(ev);
        else c.event.evidence[MAX_EVIDENCE - 1] = ev;
      } else if (t - c.since >= minDur) this.openProblem(p, key, c, ev);
      return;
    }
    if (!c) return;
    p.open.delete(key);
    if (!c.event && t - c.since >= minDur && minDur > 0) this.openProblem(p, key, c, ev);
    if (c.event) {
      closeInterval(c.event, t);
      c.event.endEvidence = ev;
      pushEvidence(c.event.evidence, ev);
      c.event.text = this.problemText(p, c.event);
      this.ctx.sink.update?.(c.event);
    }
  }

  private openProblem(p: Port, key: string, c: OpenCondition, ev: Evidence): void {
    const code = key.split(':')[0] as LacpProblemCode;
    const e: TimelineEvent = {
      kind: 'lacp.problem',
      time: c.since,
      severity: SEVERITY[code],
      evidence: c.sinceEvidence === ev ? [ev] : [c.sinceEvidence, ev],
      text: '',
      start: c.since,
      end: null,
      duration: null,
      iface: p.iface,
      system: macText(p.system),
      port: p.port,
      code,
    };
    if (c.side) e.side = c.side;
    if (p.pdus <= 1 && c.since === p.first) e.sinceCaptureStart = true;
    if (code === 'defaulted') this.partnerSilence(p, e);
    if (code === 'timeout-mismatch') {
      e.actorTimeout = p.actorState & LacpState.TIMEOUT ? 'short' : 'long';
      e.partnerTimeout = p.partnerState & LacpState.TIMEOUT ? 'short' : 'long';
    }
    if (code === 'passive-both' && p.partner) e.partner = { system: p.partner.system, port: p.partner.port };
    e.text = this.problemText(p, e);
    c.event = e;
    this.record(p, e);
  }

  private record(p: Port, e: TimelineEvent): void {
    p.problemIdx.push(this.problems.length);
    this.problems.push(e);
    this.ctx.sink.emit(e);
  }

  private pointProblem(p: Port, code: LacpProblemCode, t: number, evidence: Evidence[], text: string, extra: Record<string, unknown>): void {
    const e: TimelineEvent = {
      kind: 'lacp.problem',
      time: t,
      severity: SEVERITY[code],
      evidence,
      text,
      start: t,
      end: t,
      duration: 0,
      iface: p.iface,
      system: macText(p.system),
      port: p.port,
      code,
      ...extra,
    };
    this.record(p, e);
  }

  /** A PDU from `q`: ports that name q as partner and sit in Defaulted learn when their partner was heard again. */
  private partnerHeard(q: Port, t: number, ev: Evidence): void {
    const p = this.partnerPort(q);
    const d = p?.open.get('defaulted')?.event;
    if (!p || !d || d.partnerHeard !== undefined) return;
    d.partnerHeard = t;
    d.partnerHeardEvidence = ev;
    d.partnerSilentFor = t - (d.partnerLastHeard === null || d.partnerLastHeard === undefined ? (d.start as number) : (d.partnerLastHeard as number));
  }

  /** For a Defaulted interval: when the partner port was last / next heard on this member. */
  private partnerSilence(p: Port, e: TimelineEvent): void {
    const partner = this.partnerPort(p);
    e.partnerLastHeard = partner && partner.pdus > 0 ? partner.last : null;
  }

  /** The port on the same member that this port names as its partner (or that names this port). */
  private partnerPort(p: Port): Port | undefined {
    for (const q of this.portList) {
      if (q === p || q.member !== p.member) continue;
      if (p.partner && q.system === p.partnerNum && q.port === p.partnerPortNum) return q;
      if (q.partner && q.partnerNum === p.system && q.partnerPortNum === p.port) return q;
    }
    return undefined;
  }

  private problemText(p: Port, e: TimelineEvent): string {
    const code = e.code as LacpProblemCode;
    const dur = e.end === null || e.end === undefined ? `since ${e.sinceCaptureStart ? 'the capture start' : 'then'}, still at the end` : `for ${secs((e.end as number) - (e.start as number))}`;
    switch (code) {
      case 'defaulted': {
        const q = this.partnerPort(p);
        const who = q ? `partner ${macText(q.system)} port ${q.port}` : 'partner';
        const heard =
          typeof e.partnerHeard === 'number'
            ? `; ${who} silent until ${secs(e.partnerHeard - (e.start as number))} after it began`
            : `; ${who} not heard${e.end === null ? '' : ' before it ended'}`;
        return `${p.prefix}: Defaulted ${dur}${heard}`;
      }
      case 'expired':
        return `${p.prefix}: Expired ${dur}${e.sinceCaptureStart ? ' (already at capture start)' : ''}`;
      case 'churn':
        return `${p.prefix}: ${e.side} not in sync ${dur} (churn: > ${LacpTimers.CHURN_DETECTION} s)`;
      case 'timeout-mismatch':
        return `${p.prefix}: actor asks for the ${e.actorTimeout} timeout, partner for the ${e.partnerTimeout} one`;
      case 'passive-both':
        return `${p.prefix}: both ends passive`;
      case 'pdu-rate':
        return `${p.prefix}: ${e.maxInOneSecond ?? 4}+ LACPDUs within one second (limit ${LacpTimers.MAX_PER_SECOND})`;
      default:
        return `${p.prefix}: ${code} ${dur} — ${LACP_PROBLEM_TEXT[code]}`;
    }
  }

  /** Confirm long-lasting conditions and detect PDU gaps without waiting for the next PDU. */
  private checkTimers(p: Port, t: number, atEnd: boolean): void {
    for (const [key, c] of p.open) {
      if (c.event) continue;
      const code = key.split(':')[0];
      const min = code === 'churn' ? LacpTimers.CHURN_DETECTION : code === 'out-of-sync' || code === 'not-distributing' ? LACP_GRACE : 0;
      if (t - c.since >= min && min > 0) this.openProblem(p, key, c, p.lastEvidence);
    }
    if (p.pdus === 0 || p.open.has('pdu-gap')) return;
    const fast = (p.partnerState & LacpState.TIMEOUT) !== 0;
    const timeout = fast ? LacpTimers.SHORT_TIMEOUT : LacpTimers.LONG_TIMEOUT;
    if (t - p.last > timeout) {
      const e: TimelineEvent = {
        kind: 'lacp.problem',
        time: p.last,
        severity: SEVERITY['pdu-gap'],
        evidence: [p.lastEvidence],
        text: '',
        start: p.last,
        end: null,
        duration: null,
        iface: p.iface,
        system: macText(p.system),
        port: p.port,
        code: 'pdu-gap',
        rate: fast ? 'fast' : 'slow',
        timeout,
      };
      e.text = `${p.prefix}: no LACPDU since ${secs(t - p.last)}${atEnd ? ' before the capture end' : ''} (timeout ${timeout} s at the ${fast ? 'fast' : 'slow'} rate)`;
      p.open.set('pdu-gap', { since: p.last, sinceEvidence: p.lastEvidence, event: e });
      this.record(p, e);
    }
  }

  /**
   * Key and partner agreement among the ports of one team (same actor system and key) on different
   * members: a port whose partner is another system (partner-mismatch) or the same system with
   * another key (key-mismatch) cannot aggregate with the others. Told on the odd port out: the one
   * whose partner the fewest ports share, or, on a tie, the one not collecting+distributing.
   */
  private teamChecks(p: Port, t: number, ev: Evidence): void {
    const usable = (q: Port) => q.partner !== null && (q.actorState & (LacpState.DEFAULTED | LacpState.AGGREGATION)) === LacpState.AGGREGATION;
    const cd = LacpState.COLLECTING | LacpState.DISTRIBUTING;
    let keyOther: Port | null = null;
    let sysOther: Port | null = null;
    if (usable(p)) {
      const team = this.portList.filter((q) => q.system === p.system && q.key === p.key && usable(q) && (q === p || q.member !== p.member));
      const share = (pred: (q: Port) => boolean) => team.filter(pred).length;
      const odd = (mine: number, theirs: number, q: Port) => mine < theirs || (mine === theirs && (p.actorState & cd) !== cd && (q.actorState & cd) === cd);
      for (const q of team) {
        if (q === p) continue;
        if (q.partnerNum !== p.partnerNum) {
          if (!sysOther && odd(share((x) => x.partnerNum === p.partnerNum), share((x) => x.partnerNum === q.partnerNum), q)) sysOther = q;
        } else if (q.partnerKeyNum !== p.partnerKeyNum) {
          const mine = share((x) => x.partnerNum === p.partnerNum && x.partnerKeyNum === p.partnerKeyNum);
          const theirs = share((x) => x.partnerNum === q.partnerNum && x.partnerKeyNum === q.partnerKeyNum);
          if (!keyOther && odd(mine, theirs, q)) keyOther = q;
        }
      }
    }
    this.condition(p, 'key-mismatch', keyOther !== null, t, ev, undefined, 0);
    const km = p.open.get('key-mismatch');
    if (keyOther && km?.event && km.event.with === undefined) {
      km.event.with = { iface: keyOther.iface, port: keyOther.port, partnerKey: keyOther.partnerKeyNum };
      km.event.text = `${p.prefix}: its partner ${macText(p.partnerNum)} uses key ${p.partnerKeyNum}, but the team's port ${keyOther.port} on ${keyOther.iface} sees key ${keyOther.partnerKeyNum} on the same partner: they cannot aggregate (partner port in another LAG?)`;
    }
    this.condition(p, 'partner-mismatch', sysOther !== null, t, ev, undefined, 0);
    const pm = p.open.get('partner-mismatch');
    if (sysOther && pm?.event && pm.event.with === undefined) {
      pm.event.with = { iface: sysOther.iface, port: sysOther.port, partnerSystem: macText(sysOther.partnerNum) };
      pm.event.text = `${p.prefix}: partner system ${macText(p.partnerNum)}, but the team's port ${sysOther.port} on ${sysOther.iface} (same key ${p.key}) sees ${macText(sysOther.partnerNum)}: they cannot aggregate (cabled to another switch?)`;
    }
  }

  /** Track links (two ports naming each other on one member) reaching collecting+distributing on both ends. */
  private linkCheck(p: Port, t: number, ev: Evidence): void {
    const q = this.partnerPort(p);
    if (!q || !p.partner || !q.partner) return;
    if (p.partnerNum !== q.system || p.partnerPortNum !== q.port || q.partnerNum !== p.system || q.partnerPortNum !== p.port) return;
    const [x, y] = p.system < q.system || (p.system === q.system && p.port < q.port) ? [p, q] : [q, p];
    const key = `${p.member}/${x.system}/${x.port}/${y.system}/${y.port}`;
    let link = this.links.get(key);
    if (!link) this.links.set(key, (link = new Link(p.member, x, y)));
    const cd = LacpState.COLLECTING | LacpState.DISTRIBUTING | LacpState.SYNCHRONIZATION;
    const up = (x.actorState & cd) === cd && (y.actorState & cd) === cd;
    if (up === link.isUp) return;
    link.isUp = up;
    const ends = `${macText(x.system)} port ${x.port} ⇄ ${macText(y.system)} port ${y.port}`;
    if (up) {
      link.up.push({ from: t, to: null, evidence: [q.lastEvidence, ev] });
      this.ctx.sink.emit({
        kind: 'lacp.link',
        time: t,
        severity: 'info',
        evidence: [q.lastEvidence, ev],
        text: `LACP link on ${p.iface} up: ${ends} both in sync, collecting and distributing`,
        iface: p.iface,
        state: 'up',
        ends: [
          { system: macText(x.system), port: x.port },
          { system: macText(y.system), port: y.port },
        ],
      });
    } else {
      const last = link.up[link.up.length - 1];
      if (last) last.to = t;
      const down = (x.actorState & cd) !== cd ? x : y;
      this.ctx.sink.emit({
        kind: 'lacp.link',
        time: t,
        severity: 'warning',
        evidence: [ev],
        text: `LACP link on ${p.iface} down: ${macText(down.system)} port ${down.port} now [${lacpFlags(down.actorState).join(', ')}]`,
        iface: p.iface,
        state: 'down',
        ends: [
          { system: macText(x.system), port: x.port },
          { system: macText(y.system), port: y.port },
        ],
      });
    }
  }

  private onMarker(pkt: Packet, l: MarkerLayer): void {
    const m = this.member(pkt);
    const iface = this.ctx.members.name(m);
    const key = `${m}/${l.requesterSystem}/${l.requesterPort}/${l.requesterTransactionId}`;
    const at = { time: pkt.time, input: pkt.frame.iface.input, frame: pkt.frame.index };
    if (l.tlvType === 1) {
      if (this.markers.length >= MAX_MARKERS) {
        this.markersDropped++;
        return;
      }
      const x: MarkerExchange = { iface, system: macText(l.requesterSystem), port: l.requesterPort, transactionId: l.requesterTransactionId, request: at, response: null, latency: null };
      this.markers.push(x);
      this.pendingMarkers.set(key, x);
    } else if (l.tlvType === 2) {
      const x = this.pendingMarkers.get(key);
      if (x) {
        this.pendingMarkers.delete(key);
        x.response = at;
        x.latency = at.time - x.request!.time;
      } else if (this.markers.length < MAX_MARKERS) {
        this.markers.push({ iface, system: macText(l.requesterSystem), port: l.requesterPort, transactionId: l.requesterTransactionId, request: null, response: at, latency: null });
      }
    }
  }

  result(): LacpSection {
    const ports: LacpPortResult[] = this.portList.map((p) => ({
      iface: p.iface,
      system: macText(p.system),
      systemPriority: p.systemPriority,
      port: p.port,
      portPriority: p.portPriority,
      key: p.key,
      partner: p.partner,
      partners: p.partners,
      states: p.states,
      statesDropped: p.statesDropped,
      actor: lacpFlags(p.actorState),
      partnerState: lacpFlags(p.partnerState),
      pdus: p.pdus,
      first: p.first,
      last: p.last,
      rate: p.partnerState & LacpState.TIMEOUT ? 'fast' : 'slow',
      interval: { median: median(p.gaps), max: p.gapCount ? p.maxGap : null },
      collectingDistributing: (p.actorState & 0x30) === 0x30,
      upAt: p.upAt,
      problems: p.problemIdx,
    }));
    const links: LacpLinkResult[] = [...this.links.values()].map((k) => {
      const last = k.up[k.up.length - 1];
      return {
        iface: this.ctx.members.name(k.member),
        ends: [
          { system: macText(k.a.system), port: k.a.port },
          { system: macText(k.b.system), port: k.b.port },
        ],
        upAt: k.isUp && last ? last.from : null,
        up: k.up,
      };
    });
    return { ports, links, markers: this.markers, problems: this.problems };
  }

  notes(): string[] {
    const n: string[] = [];
    if (this.portsDropped) n.push(`LACP: more than ${MAX_PORTS} ports; ${this.portsDropped} LACPDUs of further ports were not analysed`);
    if (this.markersDropped) n.push(`LACP: more than ${MAX_MARKERS} Marker exchanges; ${this.markersDropped} were not kept`);
    const dropped = this.portList.reduce((a, p) => a + p.statesDropped, 0);
    if (dropped) n.push(`LACP: ${dropped} state changes beyond ${MAX_STATES_PER_PORT} per port were not kept in the state lists (events still emitted)`);
    const unanswered = this.markers.filter((x) => x.request && !x.response).length;
    if (unanswered) n.push(`LACP: ${unanswered} Marker request(s) without a response in the capture`);
    return n;
  }
}
