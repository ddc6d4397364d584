// Team member distribution (issue 4, "Team member distribution"): per member packets, bytes, flows,
// share and tx/rx over time; imbalance; flows seen on more than one member (failover, rebalance,
// spray → flow.moved); members going silent and coming back (member.down / member.up); traffic on a
// member whose LACP state is not collecting+distributing; and the hash-policy inference.
import { type Packet, ipv4Text, ipv6Text, macText, parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import type { AnalyzerContext } from './context.js';
import { Cur, Dir, FlowKind, FlowTable, NO_MEMBER } from './flows.js';
import { type InferenceResult, type TxFlow, inferPolicies, inferable } from './hashinfer.js';
import { MAX_MEMBERS } from './members.js';
import { type Analyzer, type Evidence, type TimelineEvent, evidenceOf, pushEvidence } from './types.js';

/** Buckets kept per member for the traffic-over-time series (the width doubles to stay within). */
export const MAX_BUCKETS = 600;
/** A member silent this long (at least) while others carry traffic is down (s). */
export const MIN_SILENCE = 1;
/** …and at least this many of its usual packet gaps. */
export const SILENCE_GAPS = 20;
/** Members with fewer packets per second than this are too quiet to call silent. */
export const MIN_RATE_FOR_DOWN = 2;
/** A flow move is classified this long after it happened (failover needs the old member's silence) (s). */
export const CLASSIFY_DELAY = 2;
/** Rebalancing within this long after the usable members changed is failback, not dynamic balancing (s). */
export const FAILBACK_WINDOW = 5;
/** Moves at most this many packets apart continue a spraying streak. */
export const SPRAY_PACKETS = 2;
/** …and at most this long after the previous move (s). */
export const SPRAY_WINDOW = 0.2;
/** A streak of this many such moves of one flow direction is spraying (balance-rr, per-packet). */
export const SPRAY_MOVES = 4;
/** At most this many flow.moved events are emitted (the rest are counted in the moves summary). */
export const MAX_MOVE_EVENTS = 20_000;
/** At most this many per-member splits of multi-member flows are kept (tx/rx attribution). */
export const MAX_SPLITS = 500_000;

/** EtherTypes the per-packet path tests (a const enum: a literal there, not a checked module cell). */
const enum EtherType {
  SLOW_PROTOCOLS = 0x8809,
}

/** Why a flow changed member (FINDINGS.md flow.moved). */
export type MoveReason = 'failover' | 'rebalance' | 'spray';

/** Per member traffic, `members[]` in FINDINGS.md. */
export interface MemberResult {
  iface: string;
  source: string;
  ifaces: string[];
  macs: string[];
  packets: number;
  bytes: number;
  /** Share of all team packets / bytes (0..1). */
  share: { packets: number; bytes: number };
  flows: number;
  first: number | null;
  last: number | null;
  /** Relative to the team side (null when the team side is not known). */
  tx: { packets: number; bytes: number } | null;
  rx: { packets: number; bytes: number } | null;
  /** Traffic between other hosts seen on this member (neither end is the team). */
  other: { packets: number; bytes: number } | null;
  /** Silences (member.down → member.up). */
  down: { from: number; to: number | null }[];
  lacp: { seen: boolean; notDistributingPackets: number };
  /** Packets and bytes per bucket of `series.width` seconds from `series.start`. */
  series: { packets: number[]; bytes: number[] };
}

/** The `distribution` section (FINDINGS.md: policies with name, consistent, explained). */
export interface DistributionSection {
  members: number;
  packets: number;
  bytes: number;
  flows: number;
  /** The team side: how it was decided and the addresses. */
  team: { rule: 'given' | 'inferred' | 'unknown'; ips: string[]; macs: string[]; why: string };
  /** Imbalance over members: max/mean and Jain's fairness index, by packets and bytes (of tx when known). */
  imbalance: { basis: 'tx' | 'all'; packets: { maxOverMean: number | null; jain: number | null }; bytes: { maxOverMean: number | null; jain: number | null } } | null;
  series: { start: number | null; width: number; buckets: number };
  /** Flows seen on more than one member; moves of the team's transmit directions by reason; moves of the receive direction (the switch's choice). */
  moved: { flows: number; failover: number; rebalance: number; spray: number; receive: number; eventsDropped: number };
  policies: InferenceResult['policies'];
  verdict: InferenceResult['verdict'];
  explainedBy: string[];
  conclusion: string;
  order: InferenceResult['order'];
  inference: InferenceResult['population'];
  /** Flow table capacity use and what it could not hold. */
  table: { flows: number; cap: number; capHitAt: number | null; untrackedPackets: number };
}

/** A decided (or undecidable) team side; IPv4 addresses as numbers for the per-flow checks. */
interface TeamGuess {
  rule: 'given' | 'inferred' | 'unknown';
  ips: Set<string>;
  ip4: Set<number>;
  ip6: Set<string>;
  macs: Set<number>;
  why: string;
}

function teamGuess(rule: TeamGuess['rule'], why: string): TeamGuess {
  return { rule, ips: new Set(), ip4: new Set(), ip6: new Set(), macs: new Set(), why };
}

function addIp(t: TeamGuess, text: string): void {
  const v4 = parseIpv4(text);
  if (!Number.isNaN(v4)) {
    t.ip4.add(v4);
    t.ips.add(ipv4Text(v4));
    return;
  }
  const v6 = parseIpv6(text);
  if (v6) {
    const norm = ipv6Text(v6, 0);
    t.ip6.add(norm);
    t.ips.add(norm);
  }
}

/** The two-sides split of the flow graph is tried on at most this many flows. */
const ORIENT_MAX_FLOWS = 200_000;

/** How much an inference verdict says, for choosing the team side between two orientations. */
const VERDICT_SCORE: Record<string, number> = { explained: 5, ambiguous: 4, consistent: 3, spraying: 3, none: 1, 'too-few-flows': 0, 'one-member': 0, 'no-traffic': 0 };

interface PendingMove {
  flow: number;
  d: number;
  from: number;
  to: number;
  time: number;
  gap: number;
  evidence: Evidence;
}

/** Stable text of a flow direction: `proto src:sport > dst:dport` (FINDINGS.md flow.moved; the VLAN is the event's `vlan`). */
export function flowText(ft: FlowTable, id: number, dir: number): string {
  const kind = ft.kind(id);
  const s = dir === 0 ? 0 : 1;
  const r = 1 - s;
  if (kind === FlowKind.L2) {
    return `eth 0x${ft.etherType(id).toString(16).padStart(4, '0')} ${macText(ft.keyMac(id, s))} > ${macText(ft.keyMac(id, r))}`;
  }
  const proto = ft.proto(id);
  const pname = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 ? 'icmp' : proto === 58 ? 'icmpv6' : `ip${proto}`;
  const addr = (side: number) => {
    if (kind === FlowKind.IPV4) return ipv4Text(ft.word(id, side, 0));
    const b = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const w = ft.word(id, side, i);
      b[4 * i] = w >>> 24;
      b[4 * i + 1] = w >>> 16;
      b[4 * i + 2] = w >>> 8;
      b[4 * i + 3] = w;
    }
    return `[${ipv6Text(b, 0)}]`;
  };
  const hasPorts = proto === 6 || proto === 17 || proto === 132;
  const ep = (side: number) => (hasPorts ? `${addr(side)}:${ft.port(id, side)}` : addr(side));
  return `${pname} ${ep(s)} > ${ep(r)}`;
}

function endpointText(ft: FlowTable, id: number, side: number): string {
  const kind = ft.kind(id);
  if (kind === FlowKind.L2) return macText(ft.keyMac(id, side));
  if (kind === FlowKind.IPV4) return ipv4Text(ft.word(id, side, 0));
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const w = ft.word(id, side, i);
    b[4 * i] = w >>> 24;
    b[4 * i + 1] = w >>> 16;
    b[4 * i + 2] = w >>> 8;
    b[4 * i + 3] = w;
  }
  return ipv6Text(b, 0);
}

function isGroupMac(mac: number): boolean {
  return mac >= 0 && (Math.floor(mac / 0x10000000000) & 1) === 1;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Max/mean and Jain's fairness index of a list of loads. */
export function imbalanceOf(xs: readonly number[]): { maxOverMean: number | null; jain: number | null } {
  const n = xs.length;
  const sum = xs.reduce((a, b) => a + b, 0);
  if (n === 0 || sum === 0) return { maxOverMean: null, jain: null };
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return { maxOverMean: Math.max(...xs) / (sum / n), jain: (sum * sum) / (n * sq) };
}

/** The team distribution analyzer: fills `members` and `distribution`. */
export class TeamAnalyzer implements Analyzer<DistributionSection> {
  readonly section = 'distribution';
  readonly flows: FlowTable;

  // Per member (index < MAX_MEMBERS).
  private readonly mPkts = new Float64Array(MAX_MEMBERS);
  private readonly mBytes = new Float64Array(MAX_MEMBERS);
  private readonly mFirst = new Float64Array(MAX_MEMBERS).fill(NaN);
  private readonly mLast = new Float64Array(MAX_MEMBERS).fill(NaN);
  private readonly mFlows = new Uint32Array(MAX_MEMBERS);
  private readonly mDown = new Uint8Array(MAX_MEMBERS);
  private readonly mDownEvent: (TimelineEvent | null)[] = new Array(MAX_MEMBERS).fill(null);
  private readonly mDownList: { from: number; to: number | null }[][] = Array.from({ length: MAX_MEMBERS }, () => []);
  /** Packets in the current one-second window and a smoothed rate (pkt/s). */
  private readonly mRate = new Float64Array(MAX_MEMBERS);
  private readonly mBlocked = new Float64Array(MAX_MEMBERS);
  private readonly mBlockedEvent: (TimelineEvent | null)[] = new Array(MAX_MEMBERS).fill(null);
  private winStart = NaN;

  // Per member series.
  private bStart = NaN;
  private bWidth = 1;
  private bEnd = -Infinity;
  private readonly snapPkts = new Float64Array(MAX_MEMBERS);
  private readonly snapBytes = new Float64Array(MAX_MEMBERS);
  private readonly winPkts = new Float64Array(MAX_MEMBERS);
  private lastMember = 0;
  private lastLen = 0;
  private bIdx = 0;
  private readonly bPkts = new Float64Array(MAX_MEMBERS * MAX_BUCKETS);
  private readonly bBytes = new Float64Array(MAX_MEMBERS * MAX_BUCKETS);

  /** Per (flow direction, member) packets/bytes for directions seen on several members. */
  private readonly splits = new Map<number, Float64Array>();
  private splitsDropped = 0;

  private readonly pending: PendingMove[] = [];
  private pendingHead = 0;
  private moveEvents = 0;
  private moveDropped = 0;
  private readonly moveCounts = { failover: 0, rebalance: 0, spray: 0 };
  private movedFlows = 0;

  private readonly epFlows = new Map<number | string, number>();
  private flowsCounted = 0;
  private epDropped = 0;
  private teamGuess: number | string | null = null;
  private teamGuessFlows = 0;
  private rxMoves = 0;
  private readonly downEvents: TimelineEvent[] = [];
  private readonly undecided: { e: TimelineEvent; flow: number; d: number; reason: MoveReason; from: number; to: number }[] = [];
  private now = -Infinity;
  private ended = false;
  private memoResult: { dist: DistributionSection; members: MemberResult[] } | null = null;

  constructor(private readonly ctx: AnalyzerContext) {
    this.flows = new FlowTable(ctx.settings.maxFlows);
  }

  onPacket(pkt: Packet): void {
    const s = this.ctx.summary;
    if (s.pkt !== pkt) s.fill(pkt);
    const m = this.ctx.members.resolve(s);
    const t = pkt.time;
    const len = s.length;
    // Per member: packets, bytes, last time (per-second rates and the series come from these at ticks).
    const np = (this.mPkts[m]! += 1);
    this.mBytes[m]! += len;
    if (np === 1) this.mFirst[m] = t;
    this.mLast[m] = t;
    if (t > this.now) this.now = t;
    // The calls below take the packet, not `t`: one boxed copy of `t` for calls that rarely happen
    // would be allocated for every packet (V8 shares it between them, ahead of their branches).
    if (t >= this.bEnd) {
      this.lastMember = m;
      this.lastLen = len;
      this.advanceBucket(pkt);
    }
    if (this.mDown[m] === 1) this.memberUp(m, pkt);

    const slow = s.etherType === EtherType.SLOW_PROTOCOLS;
    if (this.ctx.lacpBlocked[m] === 1) {
      if (!slow) this.blockedTraffic(m, pkt);
    } else if (this.mBlockedEvent[m] !== null) this.closeBlocked(m);
    if (slow) return;

    const ft = this.flows;
    const id = ft.lookup(s);
    if (id < 0) return;
    if (ft.created) {
      this.countEndpoints(id);
      // An LACP system that is also a data endpoint is the team's side of the link (switches' system MACs carry no data).
      const ls = this.ctx.lacpSystems;
      if (ls.size > 0) {
        if (ls.has(s.ethSrc)) this.ctx.dataSystems.add(s.ethSrc);
        if (ls.has(s.ethDst)) this.ctx.dataSystems.add(s.ethDst);
      }
    }
    const d = 2 * id + ft.dir;
    // The flow direction's hot record, all in one place.
    const D = ft.dirs;
    const o = d * Dir.SIZE;
    if (ft.addressedDir[d] === 0) ft.addressed(d, s);
    D[o + Dir.PKTS]! += 1;
    D[o + Dir.BYTES]! += len;
    const prevT = D[o + Dir.LAST]!;
    D[o + Dir.LAST] = t;
    const cur = D[o + Dir.CUR]!;
    if (cur === m) return;
    if (cur === m + Cur.MULTI) {
      this.split(d, m, len);
      return;
    }
    this.assign(id, d, cur & 0xff, m, prevT, pkt);
  }

  /** Online guess of the team side (for telling the team's own flow moves from the switch's): flows per endpoint. */
  private countEndpoints(id: number): void {
    const ft = this.flows;
    const kind = ft.kind(id);
    if (kind === FlowKind.L2) return;
    this.flowsCounted++;
    for (let side = 0; side < 2; side++) {
      const key: number | string = kind === FlowKind.IPV4 ? ft.word(id, side, 0) : endpointText(ft, id, side);
      const c = this.epFlows.get(key);
      if (c === undefined) {
        if (this.epFlows.size >= this.ctx.settings.maxIps) {
          this.epDropped++;
          continue;
        }
        this.epFlows.set(key, 1);
      } else {
        this.epFlows.set(key, c + 1);
        if (c + 1 > this.teamGuessFlows) {
          this.teamGuessFlows = c + 1;
          this.teamGuess = key;
        }
      }
    }
  }

  private teamMacSet: Set<number> | null = null;
  private givenTeamMacs(): Set<number> {
    if (!this.teamMacSet) this.teamMacSet = new Set((this.ctx.settings.teamMacs ?? []).map(parseMacLoose).filter((x) => !Number.isNaN(x)));
    return this.teamMacSet;
  }

  /** Is the sender of flow direction d (not) the team? true: team, false: the other side, null: cannot tell. */
  private senderIsTeam(id: number, d: number): boolean | null {
    const ft = this.flows;
    const kind = ft.kind(id);
    if (kind === FlowKind.L2) return null;
    const side = d & 1;
    const key = (sd: number): number | string => (kind === FlowKind.IPV4 ? ft.word(id, sd, 0) : endpointText(ft, id, sd));
    const given = this.ctx.settings.teamIps ?? [];
    const givenMacs = this.givenTeamMacs();
    if (given.length > 0 || givenMacs.size > 0) {
      if (given.includes(endpointText(ft, id, side))) return true;
      const mac = (sd: number) => (sd === 0 ? ft.macA[id]! : ft.macB[id]!);
      if (givenMacs.has(mac(side))) return true;
      return given.includes(endpointText(ft, id, 1 - side)) || givenMacs.has(mac(1 - side)) ? false : null;
    }
    if (this.teamGuess === null || this.teamGuessFlows * 2 < this.flowsCounted || this.flowsCounted < 4) return null;
    if (key(side) === this.teamGuess) return true;
    if (key(1 - side) === this.teamGuess) return false;
    return null;
  }

  /** A flow direction seen on member m for the first time, or again after another member. */
  private assign(id: number, d: number, cur: number, m: number, prevT: number, pkt: Packet): void {
    const t = pkt.time;
    const gap = t - prevT;
    const ft = this.flows;
    const D = ft.dirs;
    const o = d * Dir.SIZE;
    const bit = 2 ** m;
    const other = d ^ 1;
    const masks = ft.masks;
    const mine = masks[d]!;
    if ((((mine | masks[other]!) / bit) & 1) === 0) this.mFlows[m]! += 1;
    if (cur === NO_MEMBER) {
      ft.firstMember[d] = m;
      D[o + Dir.CUR] = m;
      masks[d] = bit;
      return;
    }
    // Moved.
    const wasSingle = (mine & (mine - 1)) === 0;
    if (wasSingle && ((mine / bit) & 1) === 0) {
      // Becoming multi-member: start the per-member split with what the first member carried.
      const sp = this.splitArray(d, cur);
      if (sp) {
        sp[0]! += D[o + Dir.PKTS]! - 1;
        sp[1]! += D[o + Dir.BYTES]! - this.ctx.summary.length;
      }
    }
    if (((mine / bit) & 1) === 0) masks[d] = mine + bit;
    // Moved: the direction now holds the bits of at least two members (cur's and m's).
    D[o + Dir.CUR] = m + Cur.MULTI;
    this.split(d, m, this.ctx.summary.length);
    const moves = ft.moves[d]!;
    if (moves < 0xffff) ft.moves[d] = moves + 1;
    if (moves === 0 && (ft.moves[other] ?? 0) === 0) this.movedFlows++;
    // Spraying: a flow's packets alternate members (balance-rr): moves a packet or two apart and
    // within SPRAY_WINDOW of each other, in a row (flowlet moves wait for idle gaps; failovers do not repeat).
    if (Number.isNaN(ft.t0)) ft.t0 = t;
    const rel = t - ft.t0;
    const since = D[o + Dir.PKTS]! - ft.movePkts[d]!;
    const sinceT = rel - ft.moveTime[d]!;
    ft.movePkts[d] = D[o + Dir.PKTS]!;
    ft.moveTime[d] = rel;
    const streak = ft.tightMoves[d]!;
    if (streak >= SPRAY_MOVES) return; // spraying: counted, not told again
    const next = moves > 0 && since <= SPRAY_PACKETS && sinceT <= SPRAY_WINDOW ? streak + 1 : 1;
    ft.tightMoves[d] = next;
    if (next === SPRAY_MOVES) {
      this.emitMove({ flow: id, d, from: cur, to: m, time: t, gap, evidence: evidenceOf(pkt) }, 'spray');
      return;
    }
    if (this.pending.length - this.pendingHead < 1_000_000) this.pending.push({ flow: id, d, from: cur, to: m, time: t, gap, evidence: evidenceOf(pkt) });
    else this.moveDropped++;
  }

  private splitArray(d: number, m: number): Float64Array | null {
    const key = d * MAX_MEMBERS + m;
    let a = this.splits.get(key);
    if (!a) {
      if (this.splits.size >= MAX_SPLITS) {
        this.splitsDropped++;
        return null;
      }
      a = new Float64Array(2);
      this.splits.set(key, a);
    }
    return a;
  }

  private split(d: number, m: number, len: number): void {
    const a = this.splitArray(d, m);
    if (a) {
      a[0]! += 1;
      a[1]! += len;
    }
  }

  /** Put what each member carried since the last snapshot into the current bucket. */
  private flushBucket(): void {
    const o = this.bIdx;
    for (let m = 0; m < this.ctx.members.count; m++) {
      this.bPkts[m * MAX_BUCKETS + o]! += this.mPkts[m]! - this.snapPkts[m]!;
      this.bBytes[m * MAX_BUCKETS + o]! += this.mBytes[m]! - this.snapBytes[m]!;
      this.snapPkts[m] = this.mPkts[m]!;
      this.snapBytes[m] = this.mBytes[m]!;
    }
  }

  /** Time passed the current bucket: account it and move to the bucket of `t` (per-packet cost: none). */
  private advanceBucket(pkt: Packet): void {
    const t = pkt.time;
    if (Number.isNaN(this.bStart)) {
      this.bStart = Math.floor(t);
      this.bWidth = 1;
      this.winStart = this.bStart;
    } else {
      // The packet that crossed is already counted: keep it for the next bucket.
      this.mPkts[this.lastMember]! -= 1;
      this.mBytes[this.lastMember]! -= this.lastLen;
      this.flushBucket();
      this.mPkts[this.lastMember]! += 1;
      this.mBytes[this.lastMember]! += this.lastLen;
    }
    let idx = Math.max(0, Math.floor((t - this.bStart) / this.bWidth));
    while (idx >= MAX_BUCKETS) {
      // Halve the resolution: merge bucket pairs for every member.
      for (let m = 0; m < MAX_MEMBERS; m++) {
        const o = m * MAX_BUCKETS;
        for (let i = 0; i < MAX_BUCKETS / 2; i++) {
          this.bPkts[o + i] = this.bPkts[o + 2 * i]! + this.bPkts[o + 2 * i + 1]!;
          this.bBytes[o + i] = this.bBytes[o + 2 * i]! + this.bBytes[o + 2 * i + 1]!;
        }
        this.bPkts.fill(0, o + MAX_BUCKETS / 2, o + MAX_BUCKETS);
        this.bBytes.fill(0, o + MAX_BUCKETS / 2, o + MAX_BUCKETS);
      }
      this.bWidth *= 2;
      idx = Math.floor((t - this.bStart) / this.bWidth);
    }
    this.bIdx = idx;
    this.bEnd = this.bStart + (idx + 1) * this.bWidth;
  }

  private blockedTraffic(m: number, pkt: Packet): void {
    const t = pkt.time;
    this.mBlocked[m]! += 1;
    let e = this.mBlockedEvent[m];
    if (!e) {
      const iface = this.ctx.members.name(m);
      e = {
        kind: 'member.lacp-traffic',
        time: t,
        severity: 'warning',
        evidence: [evidenceOf(pkt)],
        text: '',
        start: t,
        end: null,
        duration: null,
        iface,
        packets: 0,
      };
      this.mBlockedEvent[m] = e;
      this.ctx.sink.emit(e);
    } else pushEvidence(e.evidence, evidenceOf(pkt));
    e.packets = (e.packets as number) + 1;
    e.lastSeen = t;
    e.text = `${e.packets} data frames on ${e.iface} while its LACP state was not collecting+distributing`;
  }

  private closeBlocked(m: number): void {
    const e = this.mBlockedEvent[m]!;
    e.end = e.lastSeen as number;
    e.duration = (e.end as number) - (e.start as number);
    e.text = `${e.packets} data frames on ${e.iface} while its LACP state was not collecting+distributing (${(e.duration as number).toFixed(3)} s)`;
    this.mBlockedEvent[m] = null;
    this.ctx.sink.update?.(e);
  }

  private memberUp(m: number, pkt: Packet): void {
    const t = pkt.time;
    this.mDown[m] = 0;
    const down = this.mDownEvent[m];
    const list = this.mDownList[m]!;
    const last = list[list.length - 1];
    if (last) last.to = t;
    const silent = down ? t - (down.lastSeen as number) : 0;
    if (down) {
      down.end = t;
      down.duration = silent;
      this.ctx.sink.update?.(down);
    }
    this.mDownEvent[m] = null;
    const iface = this.ctx.members.name(m);
    this.ctx.sink.emit({
      kind: 'member.up',
      time: t,
      severity: 'info',
      evidence: [evidenceOf(pkt)],
      text: `${iface} carries traffic again after ${silent.toFixed(3)} s of silence`,
      iface,
      firstSeen: t,
      silentFor: silent,
    });
  }

  tick(time: number): void {
    if (time < this.now) return;
    this.now = time;
    // One-second windows: smooth each member's packet rate.
    if (!Number.isNaN(this.winStart) && time - this.winStart >= 1) {
      const span = time - this.winStart;
      for (let m = 0; m < this.ctx.members.count; m++) {
        const r = (this.mPkts[m]! - this.winPkts[m]!) / span;
        this.mRate[m] = this.mRate[m] === 0 ? r : 0.7 * this.mRate[m]! + 0.3 * r;
        this.winPkts[m] = this.mPkts[m]!;
      }
      this.winStart = time;
    }
    this.checkSilence(time);
    this.classifyMoves(time, false);
  }

  /** Members that went silent while others kept carrying traffic. */
  private checkSilence(time: number): void {
    const n = this.ctx.members.count;
    if (n < 2) return;
    for (let m = 0; m < n; m++) {
      if (this.mDown[m] === 1 || Number.isNaN(this.mLast[m]!)) continue;
      const last = this.mLast[m]!;
      const rate = this.mRate[m]!;
      if (rate < MIN_RATE_FOR_DOWN) continue;
      // A member that still sends its LACPDUs is not silent: wait at least 1.5 LACP periods.
      const limit = Math.max(MIN_SILENCE, SILENCE_GAPS / rate, 1.5 * this.ctx.lacpPeriod[m]!);
      if (time - last <= limit) continue;
      let othersBusy = false;
      for (let o = 0; o < n && !othersBusy; o++) if (o !== m && this.mLast[o]! > last + limit / 2) othersBusy = true;
      if (!othersBusy) continue;
      this.mDown[m] = 1;
      const iface = this.ctx.members.name(m);
      this.mDownList[m]!.push({ from: last, to: null });
      const e: TimelineEvent = {
        kind: 'member.down',
        time: last,
        severity: 'error',
        evidence: [],
        text: `${iface} went silent (last frame ${limit.toFixed(1)}+ s before others stopped… detected ${(time - last).toFixed(1)} s later)`,
        iface,
        lastSeen: last,
        detectedAt: time,
        end: null,
        duration: null,
        ratePerSecond: Math.round(rate * 10) / 10,
        flowsMovedTo: {} as Record<string, number>,
      };
      e.text = `${iface} went silent while other members kept carrying traffic (it carried ${e.ratePerSecond} packets/s)`;
      this.mDownEvent[m] = e;
      this.downEvents.push(e);
      this.ctx.sink.emit(e);
    }
  }

  /** Classify pending moves older than CLASSIFY_DELAY (all of them at the end). */
  private classifyMoves(time: number, all: boolean): void {
    const q = this.pending;
    while (this.pendingHead < q.length) {
      const mv = q[this.pendingHead]!;
      if (!all && time - mv.time < CLASSIFY_DELAY) break;
      this.pendingHead++;
      const ft = this.flows;
      if (ft.tightMoves[mv.d]! >= SPRAY_MOVES) continue; // told as spray
      // The old member is down, or carried nothing after the move: failover; else rebalance.
      // Failover: the old member went silent, or LACP took it out of the aggregator, or it carried nothing since.
      const oldLast = this.mLast[mv.from]!;
      const within = (xs: { from: number; to: number | null }[]) => xs.some((x) => x.from <= mv.time + 0.001 && (x.to === null || x.to >= mv.time));
      const failover = this.mDown[mv.from] === 1 || within(this.mDownList[mv.from]!) || within(this.teamUnusable(mv.from)) || oldLast < mv.time;
      // A move soon after the set of usable members changed (a member back, LACP distributing again)
      // is a static hash re-spreading flows (failback), not evidence of dynamic balancing.
      if (!failover && mv.time - this.lastMembershipChange(mv.time) > FAILBACK_WINDOW) {
        if (ft.rebalanced[mv.d]! < 255) ft.rebalanced[mv.d]! += 1;
        if (mv.gap < ft.rebalanceGap[mv.d]!) ft.rebalanceGap[mv.d] = mv.gap;
      }
      this.emitMove(mv, failover ? 'failover' : 'rebalance');
    }
    if (this.pendingHead > 4096 && this.pendingHead * 2 > q.length) {
      q.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /**
   * When member m could not carry the team's transmit traffic for LACP reasons: the team's own port
   * out of the aggregator (the team's port is the one whose system also carries data); without that
   * knowledge, any port on the member.
   */
  private teamUnusable(m: number): { from: number; to: number | null }[] {
    const ds = this.ctx.dataSystems;
    if (ds.size > 0) {
      const own = this.ctx.lacpPorts.filter((p) => p.member === m && ds.has(p.system));
      if (own.length > 0) return own.flatMap((p) => p.unusable);
    }
    return this.ctx.lacpUnusable[m]!;
  }

  /** Latest time ≤ t at which a member went silent, came back, or left or rejoined the LACP aggregator. */
  private lastMembershipChange(t: number): number {
    let last = -Infinity;
    const n = this.ctx.members.count;
    for (let m = 0; m < n; m++) {
      for (const list of [this.mDownList[m]!, this.teamUnusable(m)])
        for (const x of list) {
          if (x.from <= t && x.from > last) last = x.from;
          if (x.to !== null && x.to <= t && x.to > last) last = x.to;
        }
    }
    return last;
  }

  private emitMove(mv: PendingMove, reason: MoveReason): void {
    // The team decides which member its own frames leave on; the switch decides the other direction.
    // Moves of the receive direction are counted, not told as flow.moved.
    const teamSends = this.senderIsTeam(mv.flow, mv.d);
    if (teamSends === false) {
      this.rxMoves++;
      return;
    }
    this.moveCounts[reason]++;
    const fromName = this.ctx.members.name(mv.from);
    const toName = this.ctx.members.name(mv.to);
    if (reason === 'failover') {
      const down = this.mDownEvent[mv.from] ?? null;
      if (down) {
        const to = down.flowsMovedTo as Record<string, number>;
        to[toName] = (to[toName] ?? 0) + 1;
      }
    }
    if (this.moveEvents >= MAX_MOVE_EVENTS) {
      this.moveDropped++;
      return;
    }
    this.moveEvents++;
    const flow = flowText(this.flows, mv.flow, mv.d & 1);
    const ev: TimelineEvent = {
      kind: 'flow.moved',
      time: mv.time,
      severity: reason === 'rebalance' ? 'info' : 'warning',
      evidence: [mv.evidence],
      text: `${flow} moved ${fromName} → ${toName} (${reason})`,
      flow,
      from: fromName,
      to: toName,
      reason,
      idle: Number.isFinite(mv.gap) ? mv.gap : null,
      vlan: this.flows.vlan(mv.flow) >= 0 ? this.flows.vlan(mv.flow) : null,
    };
    this.ctx.sink.emit(ev);
    // Undecided direction: checked again once the team side is known (finish).
    if (teamSends === null && this.undecided.length < MAX_MOVE_EVENTS) this.undecided.push({ e: ev, flow: mv.flow, d: mv.d, reason, from: mv.from, to: mv.to });
  }

  finish(time: number): void {
    if (this.ended) return;
    this.ended = true;
    this.now = Math.max(this.now, time);
    this.checkSilence(this.now);
    this.classifyMoves(this.now, true);
    for (let m = 0; m < MAX_MEMBERS; m++) if (this.mBlockedEvent[m]) this.closeBlocked(m);
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  /** Decide the team side: given addresses, else endpoints in ≥ half the flows and on every member. */
  private teamSide(): TeamGuess {
    const given = this.ctx.settings;
    const ft = this.flows;
    const n = this.ctx.members.count;
    if ((given.teamIps?.length ?? 0) > 0 || (given.teamMacs?.length ?? 0) > 0) {
      const t = teamGuess('given', 'from --team-ip / --team-mac');
      for (const ip of given.teamIps ?? []) addIp(t, ip);
      for (const m of this.givenTeamMacs()) t.macs.add(m);
      return t;
    }
    if (n < 2) return teamGuess('unknown', 'one member: no team side to infer');
    const total = this.flowsCounted;
    if (total < 2) return teamGuess('unknown', 'too few IP flows to infer the team side');
    // The flows per address were counted as flows appeared; an address in at least half of them…
    const cand: (number | string)[] = [];
    for (const [k, c] of this.epFlows) if (c * 2 >= total) cand.push(k);
    // …that also shows on every member.
    let all = 0;
    for (let m = 0; m < n; m++) if (this.mPkts[m]! > 0) all |= 1 << m;
    const masks = new Map<number | string, number>(cand.map((k) => [k, 0]));
    const macs = new Set<number>();
    if (cand.length > 0) {
      for (let id = 0; id < ft.count; id++) {
        const kind = ft.kind(id);
        if (kind === FlowKind.L2) continue;
        const mask = ft.maskOf(2 * id) | ft.maskOf(2 * id + 1);
        for (let side = 0; side < 2; side++) {
          const k = kind === FlowKind.IPV4 ? ft.word(id, side, 0) : cand.some((c) => typeof c === 'string') ? endpointText(ft, id, side) : null;
          if (k === null) continue;
          const have = masks.get(k);
          if (have === undefined) continue;
          masks.set(k, have | mask);
          const mac = side === 0 ? ft.macA[id]! : ft.macB[id]!;
          if (mac >= 0 && macs.size < 64) macs.add(mac);
        }
      }
    }
    const t = teamGuess('inferred', `end of ≥ 50% of the ${total} IP flows and seen on all ${popcount(all)} members`);
    for (const [k, mask] of masks) {
      if ((mask & all) !== all) continue;
      if (typeof k === 'number') {
        t.ip4.add(k);
        t.ips.add(ipv4Text(k));
      } else {
        t.ip6.add(k);
        t.ips.add(k);
      }
    }
    if (t.ips.size === 0) return teamGuess('unknown', 'no address is an end of at least half the flows on every member; give --team-ip/--team-mac');
    for (const m of macs) t.macs.add(m);
    return t;
  }

  /**
   * When no single address stands out (several VMs or servers behind one team), split the endpoints
   * into the two sides of a bipartite flow graph; the side whose transmit flows a policy explains
   * best is the team (ties: the side with fewer addresses).
   */
  private orient(): TeamGuess[] {
    const ft = this.flows;
    if (ft.count > ORIENT_MAX_FLOWS) return [];
    const adj = new Map<string, Set<string>>();
    const limit = ft.count;
    for (let id = 0; id < limit; id++) {
      if (ft.kind(id) === FlowKind.L2 || isGroupMac(ft.macA[id]!) || isGroupMac(ft.macB[id]!)) continue;
      const a = endpointText(ft, id, 0);
      const b = endpointText(ft, id, 1);
      if (a === b) return [];
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        let set = adj.get(x);
        if (!set) {
          if (adj.size >= this.ctx.settings.maxIps) return [];
          adj.set(x, (set = new Set()));
        }
        set.add(y);
      }
    }
    const color = new Map<string, number>();
    const small = new Set<string>();
    const large = new Set<string>();
    for (const start of adj.keys()) {
      if (color.has(start)) continue;
      const comp: [string[], string[]] = [[], []];
      color.set(start, 0);
      const queue = [start];
      while (queue.length) {
        const x = queue.pop()!;
        const c = color.get(x)!;
        comp[c]!.push(x);
        for (const y of adj.get(x) ?? []) {
          const cy = color.get(y);
          if (cy === undefined) {
            color.set(y, 1 - c);
            queue.push(y);
          } else if (cy === c) return []; // not bipartite: no two sides
        }
      }
      const [p, q] = comp[0]!.length <= comp[1]!.length ? comp : [comp[1]!, comp[0]!];
      for (const x of p) small.add(x);
      for (const x of q) large.add(x);
    }
    if (small.size === 0 || large.size === 0) return [];
    const macsOf = (ips: Set<string>) => {
      const macs = new Set<number>();
      for (let id = 0; id < limit && macs.size < 64; id++) {
        if (ft.kind(id) === FlowKind.L2) continue;
        if (ips.has(endpointText(ft, id, 0)) && ft.macA[id]! >= 0) macs.add(ft.macA[id]!);
        if (ips.has(endpointText(ft, id, 1)) && ft.macB[id]! >= 0) macs.add(ft.macB[id]!);
      }
      return macs;
    };
    const guess = (ips: Set<string>, why: string) => {
      const t = teamGuess('inferred', why);
      for (const ip of ips) addIp(t, ip);
      for (const m of macsOf(ips)) t.macs.add(m);
      return t;
    };
    return [
      guess(small, `the side of the flows with fewer addresses (${small.size} vs ${large.size}) whose transmit flows the policy explains`),
      guess(large, `the side of the flows (${large.size} addresses vs ${small.size}) whose transmit flows the policy explains`),
    ];
  }

  /** The inference population for a team side (all directions when unknown). */
  private population(team: TeamGuess): { txFlows: TxFlow[]; sampled: boolean } {
    const ft = this.flows;
    const known = team.rule !== 'unknown';
    const txFlows: TxFlow[] = [];
    const INFER_CAP = 200_000;
    let sampled = false;
    for (let id = 0; id < ft.count; id++) {
      if (!inferable(ft, id)) continue;
      for (let dir = 0; dir < 2; dir++) {
        const d = 2 * id + dir;
        if (ft.pkts(d) === 0) continue;
        if (known && !this.isTeam(team, id, dir)) continue;
        const dstMac = dir === 0 ? ft.macB[id]! : ft.macA[id]!;
        if (isGroupMac(dstMac)) continue;
        if (txFlows.length >= INFER_CAP) {
          sampled = true;
          continue;
        }
        txFlows.push({
          id,
          dir,
          member: ft.firstMember[d]!,
          time: ft.first[id]!,
          moved: ft.moves[d]! > 0,
          rebalanced: ft.rebalanced[d]!,
          rebalanceGap: ft.rebalanceGap[d]!,
          sprayed: ft.tightMoves[d]! >= SPRAY_MOVES,
          last: { member: ft.curOf(d), time: ft.lastOf(d) },
        });
      }
    }
    return { txFlows, sampled };
  }

  /** Flow moves told before the team side was known that turn out to be the receive direction. */
  private retractReceiveMoves(team: TeamGuess): void {
    for (const u of this.undecided) {
      const side = u.d & 1;
      if (this.isTeam(team, u.flow, side) || !this.isTeam(team, u.flow, 1 - side)) continue;
      this.ctx.sink.retract?.(u.e);
      this.moveCounts[u.reason]--;
      this.rxMoves++;
      if (u.reason === 'failover') {
        for (const ev of this.downEvents) {
          const to = ev.flowsMovedTo as Record<string, number>;
          const name = this.ctx.members.name(u.to);
          if (ev.iface === this.ctx.members.name(u.from) && to[name]) {
            to[name]--;
            if (to[name] === 0) delete to[name];
            break;
          }
        }
      }
    }
    this.undecided.length = 0;
  }

  /** Is side `s` of flow `id` the team? */
  private isTeam(team: TeamGuess, id: number, s: number): boolean {
    const ft = this.flows;
    if (team.rule === 'unknown') return false;
    const kind = ft.kind(id);
    if (kind === FlowKind.L2) return team.macs.has(ft.keyMac(id, s));
    if (kind === FlowKind.IPV4 ? team.ip4.has(ft.word(id, s, 0)) : team.ip6.size > 0 && team.ip6.has(endpointText(ft, id, s))) return true;
    return team.rule === 'given' && team.macs.has(s === 0 ? ft.macA[id]! : ft.macB[id]!);
  }

  private compute(): { dist: DistributionSection; members: MemberResult[] } {
    if (this.memoResult) return this.memoResult;
    if (!Number.isNaN(this.bStart)) this.flushBucket();
    let totalPkts = 0;
    let totalBytes = 0;
    for (let m = 0; m < this.ctx.members.count; m++) {
      totalPkts += this.mPkts[m]!;
      totalBytes += this.mBytes[m]!;
    }
    const ft = this.flows;
    const ms = this.ctx.members;
    const n = ms.count;
    // Members active over time for the inference epochs; a member is not usable while silent or
    // while LACP has it out of the aggregator.
    const downs = this.mDownList.slice(0, n).map((d, m) => [...d, ...this.teamUnusable(m)]);
    const order = ms.ordered();
    const active = order.filter((m) => this.mPkts[m]! > 0);
    const names = ms.members.map((x) => x.name);
    const run = (t: TeamGuess) => {
      const pop = this.population(t);
      return inferPolicies(ft, pop.txFlows, { members: active, downs, names, teamKnown: t.rule !== 'unknown', sampled: pop.sampled });
    };
    let team = this.teamSide();
    let inf = run(team);
    if (team.rule === 'unknown' && n >= 2) {
      const score = (r: InferenceResult) => (VERDICT_SCORE[r.verdict] ?? 0) * 10 + (r.policies[0]?.explained ?? 0);
      let best: { t: TeamGuess; r: InferenceResult } | null = null;
      for (const t of this.orient()) {
        const r = run(t);
        if (VERDICT_SCORE[r.verdict]! < VERDICT_SCORE.consistent!) continue;
        if (!best || score(r) > score(best.r)) best = { t, r };
      }
      if (best) {
        team = best.t;
        inf = best.r;
      }
    }
    const known = team.rule !== 'unknown';
    if (known) this.retractReceiveMoves(team);
    const tx = new Float64Array(n * 2);
    const rx = new Float64Array(n * 2);
    const oth = new Float64Array(n * 2);
    if (known) {
      for (let id = 0; id < ft.count; id++) {
        const aTeam = this.isTeam(team, id, 0);
        const bTeam = this.isTeam(team, id, 1);
        for (let dir = 0; dir < 2; dir++) {
          const d = 2 * id + dir;
          if (ft.pkts(d) === 0) continue;
          const senderTeam = dir === 0 ? aTeam : bTeam;
          const receiverTeam = dir === 0 ? bTeam : aTeam;
          const target = senderTeam ? tx : receiverTeam ? rx : oth;
          const mask = ft.maskOf(d);
          if ((mask & (mask - 1)) === 0) {
            const m = ft.firstMember[d]!;
            if (m < n) {
              target[2 * m]! += ft.pkts(d);
              target[2 * m + 1]! += ft.bytesOf(d);
            }
          } else {
            for (let m = 0; m < n; m++) {
              const a = this.splits.get(d * MAX_MEMBERS + m);
              if (a) {
                target[2 * m]! += a[0]!;
                target[2 * m + 1]! += a[1]!;
              }
            }
          }
        }
      }
    }
    const members: MemberResult[] = [];
    for (const m of order) {
      const id = ms.members[m]!;
      const series = { packets: [] as number[], bytes: [] as number[] };
      const nb = Number.isNaN(this.bStart) ? 0 : this.bIdx + 1;
      for (let i = 0; i < nb; i++) {
        series.packets.push(this.bPkts[m * MAX_BUCKETS + i]!);
        series.bytes.push(this.bBytes[m * MAX_BUCKETS + i]!);
      }
      members.push({
        iface: id.name,
        source: id.source,
        ifaces: id.ifaces,
        macs: id.macs,
        packets: this.mPkts[m]!,
        bytes: this.mBytes[m]!,
        share: { packets: totalPkts ? this.mPkts[m]! / totalPkts : 0, bytes: totalBytes ? this.mBytes[m]! / totalBytes : 0 },
        flows: this.mFlows[m]!,
        first: Number.isNaN(this.mFirst[m]!) ? null : this.mFirst[m]!,
        last: Number.isNaN(this.mLast[m]!) ? null : this.mLast[m]!,
        tx: known ? { packets: tx[2 * m]!, bytes: tx[2 * m + 1]! } : null,
        rx: known ? { packets: rx[2 * m]!, bytes: rx[2 * m + 1]! } : null,
        other: known ? { packets: oth[2 * m]!, bytes: oth[2 * m + 1]! } : null,
        down: this.mDownList[m]!,
        lacp: { seen: this.ctx.lacpSeen[m] === 1, notDistributingPackets: this.mBlocked[m]! },
        series,
      });
    }
    const basis: 'tx' | 'all' = known ? 'tx' : 'all';
    const loadP = members.map((x) => (known ? x.tx!.packets : x.packets));
    const loadB = members.map((x) => (known ? x.tx!.bytes : x.bytes));
    const dist: DistributionSection = {
      members: n,
      packets: totalPkts,
      bytes: totalBytes,
      flows: ft.count,
      team: { rule: team.rule, ips: [...team.ips], macs: [...team.macs].map(macText), why: team.why },
      imbalance: n >= 2 ? { basis, packets: imbalanceOf(loadP), bytes: imbalanceOf(loadB) } : null,
      series: { start: Number.isNaN(this.bStart) ? null : this.bStart, width: this.bWidth, buckets: Number.isNaN(this.bStart) ? 0 : this.bIdx + 1 },
      moved: { flows: this.movedFlows, ...this.moveCounts, receive: this.rxMoves, eventsDropped: this.moveDropped },
      policies: inf.policies,
      verdict: inf.verdict,
      explainedBy: inf.explainedBy,
      conclusion: inf.conclusion,
      order: inf.order,
      inference: inf.population,
      table: { flows: ft.count, cap: ft.cap, capHitAt: Number.isNaN(ft.capHitAt) ? null : ft.capHitAt, untrackedPackets: ft.untrackedPackets },
    };
    this.memoResult = { dist, members };
    return this.memoResult;
  }

  result(): DistributionSection {
    return this.compute().dist;
  }

  /** The `members` section. */
  memberResults(): MemberResult[] {
    return this.compute().members;
  }

  notes(): string[] {
    const n: string[] = [];
    const ft = this.flows;
    const ms = this.ctx.members;
    if (!Number.isNaN(ft.capHitAt))
      n.push(`flow table full (${ft.cap} flows, --max-flows) from ${new Date(ft.capHitAt * 1000).toISOString()}: ${ft.untrackedPackets} packets of later new flows were counted per member but not per flow`);
    if (this.epDropped) n.push(`more than ${this.ctx.settings.maxIps} addresses (--max-ips): flows of later addresses were not counted for finding the team side`);
    if (this.splitsDropped) n.push(`per-member split of multi-member flows capped at ${MAX_SPLITS}: tx/rx per member is approximate`);
    if (this.moveDropped) n.push(`${this.moveDropped} flow moves beyond ${MAX_MOVE_EVENTS} events were counted but not listed`);
    if (ms.overflowFrames) n.push(`more than ${MAX_MEMBERS} members: the rest were counted as '${ms.name(MAX_MEMBERS - 1)}'`);
    if (ms.count === 1 && !ms.byMac)
      n.push(`one capture interface (${ms.name(0)}): per-member distribution needs one interface per member (pcapng, several files, or an SLL2 'any' capture) or --member NAME=MAC`);
    const r = this.compute().dist;
    if (r.team.rule === 'unknown' && ms.count >= 2) n.push(`team side not identified (${r.team.why}): tx/rx per member not split; inference used every flow direction`);
    return n;
  }
}

function parseMacLoose(text: string): number {
  const m = /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) return NaN;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}
