// A two-party LACP simulation for one link (a team member and its switch port), event driven, after
// IEEE 802.1AX-2014 §6.4 as Linux bonding implements it (PROTOCOLS.md §2.2–2.6): receive machine
// (CURRENT / EXPIRED / DEFAULTED with current_while = 3 s or 90 s by the actor's own Timeout bit),
// selection with Aggregate_Wait_Time 2 s, coupled-control mux (DETACHED → WAITING → ATTACHED →
// COLLECTING_DISTRIBUTING), periodic transmission at the rate the *partner's* Timeout bit asks for
// (1 s / 30 s), NTT on a mismatch of the partner's view, and at most 3 LACPDUs per second.
// Faults: link down/up, a side that goes silent (stops sending and processing), a side that ignores
// the requested rate (fixed period), and a partner whose system/key makes the port unselectable or
// selected into an inactive aggregator (key/partner mismatch).
import type { LacpFields } from '../../dissectors/lacp.js';
import { us } from './engine.js';
import type { Rng } from './prng.js';

/** LACP state bits (PROTOCOLS.md §2.3). */
export const S = {
  ACTIVITY: 0x01,
  TIMEOUT: 0x02,
  AGGREGATION: 0x04,
  SYNC: 0x08,
  COLLECTING: 0x10,
  DISTRIBUTING: 0x20,
  DEFAULTED: 0x40,
  EXPIRED: 0x80,
} as const;

/** 802.1AX timers in µs (PROTOCOLS.md §2.6). */
export const LACP_TIMERS = {
  FAST_PERIODIC: us(1),
  SLOW_PERIODIC: us(30),
  SHORT_TIMEOUT: us(3),
  LONG_TIMEOUT: us(90),
  AGGREGATE_WAIT: us(2),
} as const;

/** Administrative values of one side of the link. */
export interface LacpSideConfig {
  /** Source MAC of its LACPDUs (the member NIC's or the switch port's MAC). */
  mac: number;
  system: number;
  systemPriority: number;
  key: number;
  port: number;
  portPriority: number;
  /** Own LACP_Timeout bit: asks the partner to transmit every 1 s (true) or 30 s. */
  fast: boolean;
  active: boolean;
  /** Misbehaviour: transmit every this many seconds whatever the partner asks. */
  fixedPeriod?: number;
  /** Delay between receiving a PDU and acting on it (s): Linux acts on its 100 ms tick. */
  reactMin: number;
  reactMax: number;
  /** Default partner values used while DEFAULTED (partner admin; zeros in Linux). */
  partnerAdminState?: number;
}

/** Partner information as recorded from a received PDU (or defaulted). */
export interface PartnerInfo {
  systemPriority: number;
  system: number;
  key: number;
  portPriority: number;
  port: number;
  state: number;
}

/** One LACPDU the simulation sent. */
export interface SimPdu {
  /** µs since scenario start. */
  t: number;
  /** 0 = side A (the team member), 1 = side B (the switch port). */
  side: 0 | 1;
  src: number;
  fields: LacpFields;
}

/** A span of time (µs, [from, to)). */
export interface Span {
  from: number;
  to: number;
}

/** Options of a link simulation. */
export interface LacpLinkOptions {
  /** Simulation start and end (µs). */
  start: number;
  end: number;
  /** Start already negotiated (both sides collecting+distributing, periodic phases random). */
  converged: boolean;
  /** Link down intervals (no PDUs either way, both sides reinitialise when it returns). */
  linkDown?: Span[];
  /** Intervals during which a side is silent (sends nothing, ignores what it receives). */
  silent?: { side: 0 | 1; from: number; to: number }[];
  /**
   * Selection: may side `side` aggregate with this partner, and is the aggregator active? Default:
   * always selected into the active aggregator.
   */
  select?: (side: 0 | 1, partner: PartnerInfo) => 'active' | 'standby' | 'none';
}

type Mux = 'detached' | 'waiting' | 'attached' | 'cd';
type RxState = 'current' | 'expired' | 'defaulted';

interface Side {
  cfg: LacpSideConfig;
  state: number;
  rx: RxState;
  partner: PartnerInfo;
  mux: Mux;
  sel: 'active' | 'standby' | 'none';
  waitDeadline: number;
  currentWhile: number;
  nextPeriodic: number;
  period: number;
  ntt: boolean;
  tx: number[];
  wake: number;
  /** Distributing spans (mux cd and link up). */
  cd: Span[];
  cdSince: number;
  /** When the last received PDU is processed (keeps processing in arrival order). */
  lastRx: number;
}

interface Ev {
  t: number;
  seq: number;
  side: 0 | 1;
  kind: 'rx' | 'wake' | 'down' | 'up';
  pdu?: LacpFields;
}

const ZERO_PARTNER: PartnerInfo = { systemPriority: 0, system: 0, key: 0, portPriority: 0, port: 0, state: 0 };

/** Run the simulation; returns every PDU in time order and each side's distributing spans. */
export function simulateLacpLink(a: LacpSideConfig, b: LacpSideConfig, opts: LacpLinkOptions, rng: Rng): { pdus: SimPdu[]; distributing: [Span[], Span[]] } {
  const sides: [Side, Side] = [newSide(a, opts), newSide(b, opts)];
  const pdus: SimPdu[] = [];
  const queue: Ev[] = [];
  let seq = 0;
  const push = (e: Omit<Ev, 'seq'>) => {
    const ev: Ev = { ...e, seq: seq++ };
    // insertion keeps the queue sorted by (t, seq); queues are short (a few events per side)
    let i = queue.length;
    while (i > 0 && (queue[i - 1]!.t > ev.t || (queue[i - 1]!.t === ev.t && queue[i - 1]!.seq > ev.seq))) i--;
    queue.splice(i, 0, ev);
  };
  const down = (t: number) => (opts.linkDown ?? []).some((s) => t >= s.from && t < s.to);
  const silent = (side: 0 | 1, t: number) => (opts.silent ?? []).some((s) => s.side === side && t >= s.from && t < s.to);
  const select = opts.select ?? (() => 'active' as const);
  const react = (s: Side) => us(rng.uniform(s.cfg.reactMin, s.cfg.reactMax));

  for (const span of opts.linkDown ?? []) {
    push({ t: span.from, side: 0, kind: 'down' });
    if (span.to < opts.end) push({ t: span.to, side: 0, kind: 'up' });
  }

  // Initial state.
  sides.forEach((s, i) => {
    const other = sides[1 - i]!;
    if (opts.converged) {
      s.rx = 'current';
      s.partner = infoOf(other.cfg, fullState(other.cfg));
      s.sel = select(i as 0 | 1, s.partner);
      s.mux = s.sel === 'active' ? 'cd' : s.sel === 'standby' ? 'attached' : 'detached';
      s.state = actorBase(s.cfg) | (s.mux === 'cd' ? S.SYNC | S.COLLECTING | S.DISTRIBUTING : s.mux === 'attached' ? S.SYNC : 0);
      s.currentWhile = opts.start + (s.cfg.fast ? LACP_TIMERS.SHORT_TIMEOUT : LACP_TIMERS.LONG_TIMEOUT);
      s.period = periodOf(s);
      s.nextPeriodic = opts.start + Math.floor(rng.float() * s.period);
      if (s.mux === 'cd') s.cdSince = opts.start;
    } else {
      initialise(s, opts.start, true);
      s.ntt = true;
    }
    s.wake = -1;
  });
  const schedule = (i: 0 | 1, t: number) => {
    const s = sides[i];
    if (t >= opts.end) return;
    if (s.wake >= 0 && s.wake <= t) return;
    s.wake = t;
    push({ t, side: i, kind: 'wake' });
  };

  schedule(0, opts.start + (opts.converged ? 0 : us(rng.uniform(0.001, 0.05))));
  schedule(1, opts.start + (opts.converged ? 0 : us(rng.uniform(0.001, 0.05))));
  while (queue.length > 0) {
    const e = queue.shift()!;
    if (e.t >= opts.end) break;
    const s = sides[e.side];
    const t = e.t;
    if (e.kind === 'down') {
      for (const x of sides) {
        endCd(x, t);
        x.mux = 'detached';
        x.state &= ~(S.SYNC | S.COLLECTING | S.DISTRIBUTING);
      }
      continue;
    }
    if (e.kind === 'up') {
      sides.forEach((x, i) => {
        initialise(x, t, false);
        x.ntt = true;
        x.wake = -1;
        schedule(i as 0 | 1, t + us(rng.uniform(0.05, 0.3)));
      });
      continue;
    }
    if (down(t)) continue;
    if (e.kind === 'rx') {
      if (silent(e.side, t)) continue;
      receive(s, e.side, e.pdu!, t);
    } else if (e.kind === 'wake') {
      if (s.wake !== t) continue;
      s.wake = -1;
    }
    evaluate(e.side, t);
  }
  for (const x of sides) endCd(x, opts.end);
  return { pdus, distributing: [sides[0].cd, sides[1].cd] };

  function receive(s: Side, i: 0 | 1, p: LacpFields, t: number): void {
    const info: PartnerInfo = {
      systemPriority: p.actorSystemPriority,
      system: p.actorSystem,
      key: p.actorKey,
      portPriority: p.actorPortPriority,
      port: p.actorPort,
      state: p.actorState,
    };
    const changed = s.partner.system !== info.system || s.partner.key !== info.key || s.partner.port !== info.port;
    s.partner = info;
    s.rx = 'current';
    s.state &= ~(S.EXPIRED | S.DEFAULTED);
    s.currentWhile = t + (s.cfg.fast ? LACP_TIMERS.SHORT_TIMEOUT : LACP_TIMERS.LONG_TIMEOUT);
    const sel = select(i, info);
    if (changed || sel !== s.sel) {
      if (s.mux !== 'detached') detach(s, t);
      s.sel = sel;
    }
    // NTT when the partner's view of us differs from what we are (802.1AX 6.4.9 update_NTT).
    const mask = S.ACTIVITY | S.TIMEOUT | S.AGGREGATION | S.SYNC;
    if (
      p.partnerSystem !== s.cfg.system ||
      p.partnerKey !== s.cfg.key ||
      p.partnerPort !== s.cfg.port ||
      p.partnerSystemPriority !== s.cfg.systemPriority ||
      p.partnerPortPriority !== s.cfg.portPriority ||
      (p.partnerState & mask) !== (s.state & mask)
    )
      s.ntt = true;
  }

  function evaluate(i: 0 | 1, t: number): void {
    const s = sides[i];
    // Receive machine timers.
    if (s.rx === 'current' && t >= s.currentWhile) {
      s.rx = 'expired';
      s.state |= S.EXPIRED;
      s.partner = { ...s.partner, state: (s.partner.state & ~S.SYNC) | S.TIMEOUT };
      s.currentWhile = t + LACP_TIMERS.SHORT_TIMEOUT;
      if (s.mux !== 'detached') detach(s, t);
      s.sel = 'none';
      s.ntt = true;
    }
    if (s.rx === 'expired' && t >= s.currentWhile) {
      s.rx = 'defaulted';
      s.state = (s.state & ~S.EXPIRED) | S.DEFAULTED;
      s.partner = { ...ZERO_PARTNER, state: s.cfg.partnerAdminState ?? S.TIMEOUT };
      s.currentWhile = Number.POSITIVE_INFINITY;
      s.sel = 'none';
      s.ntt = true;
    }
    // Mux machine (coupled control).
    if (s.sel === 'none' && s.mux !== 'detached') detach(s, t);
    if (s.sel !== 'none' && s.mux === 'detached') {
      s.mux = 'waiting';
      s.waitDeadline = t + LACP_TIMERS.AGGREGATE_WAIT;
    }
    if (s.mux === 'waiting' && t >= s.waitDeadline) {
      s.mux = 'attached';
      s.state |= S.SYNC;
      s.ntt = true;
    }
    if (s.mux === 'attached' && s.sel === 'active' && (s.partner.state & S.SYNC) !== 0) {
      s.mux = 'cd';
      s.state |= S.COLLECTING | S.DISTRIBUTING;
      s.cdSince = t;
      s.ntt = true;
    }
    if (s.mux === 'cd' && ((s.partner.state & S.SYNC) === 0 || s.sel !== 'active')) {
      endCd(s, t);
      s.mux = 'attached';
      s.state &= ~(S.COLLECTING | S.DISTRIBUTING);
      s.ntt = true;
    }
    // Periodic machine: the partner's Timeout bit sets our rate (unless misbehaving).
    const period = periodOf(s);
    if (period !== s.period) {
      s.period = period;
      s.nextPeriodic = Math.min(s.nextPeriodic, t + period);
    }
    if (t >= s.nextPeriodic) {
      s.ntt = true;
      s.nextPeriodic = t + period + us(rng.uniform(0, 0.002));
    }
    // Transmit machine: NTT, at most 3 PDUs in any second.
    if (s.ntt && !silent(i, t) && !down(t)) {
      while (s.tx.length > 0 && s.tx[0]! <= t - LACP_TIMERS.FAST_PERIODIC) s.tx.shift();
      if (s.tx.length < 3) {
        send(i, t);
      } else {
        schedule(i, s.tx[0]! + LACP_TIMERS.FAST_PERIODIC);
      }
    } else if (silent(i, t)) {
      s.ntt = false;
    }
    // Next deadline.
    let next = s.nextPeriodic;
    if (s.rx !== 'defaulted') next = Math.min(next, s.currentWhile);
    if (s.mux === 'waiting') next = Math.min(next, s.waitDeadline);
    schedule(i, Math.max(next, t + 1));
  }

  function send(i: 0 | 1, t: number): void {
    const s = sides[i];
    s.ntt = false;
    s.tx.push(t);
    const fields: LacpFields = {
      actorSystemPriority: s.cfg.systemPriority,
      actorSystem: s.cfg.system,
      actorKey: s.cfg.key,
      actorPortPriority: s.cfg.portPriority,
      actorPort: s.cfg.port,
      actorState: s.state,
      partnerSystemPriority: s.partner.systemPriority,
      partnerSystem: s.partner.system,
      partnerKey: s.partner.key,
      partnerPortPriority: s.partner.portPriority,
      partnerPort: s.partner.port,
      partnerState: s.partner.state,
      collectorMaxDelay: 0,
    };
    pdus.push({ t, side: i, src: s.cfg.mac, fields });
    const o = (1 - i) as 0 | 1;
    const other = sides[o];
    // PDUs are processed in arrival order (Linux handles them on its state-machine tick).
    const at = Math.max(t + react(other), other.lastRx + 1);
    other.lastRx = at;
    push({ t: at, side: o, kind: 'rx', pdu: fields });
  }
}

function actorBase(c: LacpSideConfig): number {
  return (c.active ? S.ACTIVITY : 0) | (c.fast ? S.TIMEOUT : 0) | S.AGGREGATION;
}

function fullState(c: LacpSideConfig): number {
  return actorBase(c) | S.SYNC | S.COLLECTING | S.DISTRIBUTING;
}

function infoOf(c: LacpSideConfig, state: number): PartnerInfo {
  return { systemPriority: c.systemPriority, system: c.system, key: c.key, portPriority: c.portPriority, port: c.port, state };
}

function periodOf(s: Side): number {
  if (s.cfg.fixedPeriod !== undefined) return us(s.cfg.fixedPeriod);
  return s.partner.state & S.TIMEOUT ? LACP_TIMERS.FAST_PERIODIC : LACP_TIMERS.SLOW_PERIODIC;
}

function newSide(cfg: LacpSideConfig, opts: LacpLinkOptions): Side {
  return {
    cfg,
    state: actorBase(cfg),
    rx: 'defaulted',
    partner: { ...ZERO_PARTNER },
    mux: 'detached',
    sel: 'none',
    waitDeadline: 0,
    currentWhile: opts.start,
    nextPeriodic: opts.start,
    period: LACP_TIMERS.FAST_PERIODIC,
    ntt: false,
    tx: [],
    wake: -1,
    cd: [],
    cdSince: -1,
    lastRx: -1,
  };
}

/**
 * Port (re)enabled: receive machine INITIALIZE (record default → Defaulted) on first start, then
 * EXPIRED (actor Expired; partner's Sync cleared and Timeout set; current_while = short timeout).
 */
function initialise(s: Side, t: number, fresh: boolean): void {
  if (fresh) s.partner = { ...ZERO_PARTNER, state: s.cfg.partnerAdminState ?? S.TIMEOUT };
  else s.partner = { ...s.partner, state: (s.partner.state & ~S.SYNC) | S.TIMEOUT };
  s.state = actorBase(s.cfg) | S.EXPIRED | (fresh ? S.DEFAULTED : s.state & S.DEFAULTED);
  s.rx = 'expired';
  s.currentWhile = t + LACP_TIMERS.SHORT_TIMEOUT;
  s.mux = 'detached';
  s.sel = 'none';
  s.period = LACP_TIMERS.FAST_PERIODIC;
  s.nextPeriodic = t + LACP_TIMERS.FAST_PERIODIC;
  s.tx = [];
}

function detach(s: Side, t: number): void {
  endCd(s, t);
  s.mux = 'detached';
  s.state &= ~(S.SYNC | S.COLLECTING | S.DISTRIBUTING);
  s.ntt = true;
}

function endCd(s: Side, t: number): void {
  if (s.mux === 'cd' && s.cdSince >= 0) {
    if (t > s.cdSince) s.cd.push({ from: s.cdSince, to: t });
    s.cdSince = -1;
  }
}

/** Is `t` inside one of the spans? */
export function inSpans(spans: readonly Span[], t: number): boolean {
  for (const s of spans) if (t >= s.from && t < s.to) return true;
  return false;
}
