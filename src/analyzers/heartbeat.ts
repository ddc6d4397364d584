// Cluster heartbeats per node pair and per route: Windows Failover Cluster (UDP 3343, PROTOCOLS.md
// §2.11, decoded when the mscs layer parses, else by timing and direction) and corosync/kronosnet
// (UDP 5405.., §2.10, decoded ping/pong when plain, else timing). Intervals (median, p99, max),
// missed heartbeats, every gap against Delay × Threshold of the route's subnet class (or the knet
// ping timeout), breaches and near misses, whether all routes of a pair were down at once, and
// request/response (ping/pong) latency. Section `heartbeats` of FINDINGS.md.
import type { Packet } from '../../dissectors/core.js';
import { ipv4Text, ipv6Text } from '../../dissectors/core.js';
import { type Analyzer, type EventSink, type Evidence, type TimelineEvent, evidenceOf } from './types.js';
import { type TeamscopeSettings, canonicalIp, resolveSettings } from './settings.js';
import { type SubnetClass, breachedProfiles, delayThreshold } from './profiles.js';
import { type Cidr, type SubnetDecision, type SubnetKnowledge, classifyRoute, parseCidr } from './subnet.js';
import { Series, type Summary } from './stats.js';
import { PacketSummary } from './summary.js';
import type { ArpView, EthView, Ipv4View, Ipv6View, UdpView } from './views.js';

/** UDP port of Windows cluster heartbeats (NetFT). */
export const MSCS_PORT = 3343;
/** corosync mcastport default 5405; link N uses 5405 + N (corosync.conf(5)); knet has 8 links. */
export const KNET_PORT_FIRST = 5405;
export const KNET_PORT_LAST = 5412;
/** libknet's heartbeat thread period (s): KNET_THREADS_TIMERES 200000 µs (libknet/threads_common.h). */
export const KNET_TIMER_RES = 0.2;
/** Routes tracked at most (a note says when the cap was hit). */
export const MAX_ROUTES = 1024;
/** Breach intervals remembered per route (for the all-routes-down check). */
const MAX_BREACHES_PER_ROUTE = 32;
/** Requests / pings remembered per direction for latency matching. */
const PENDING_RING = 32;
/** Table sizes for subnet inference (ARP owners, destination MACs). */
const MAX_ARP = 65536;
const MAX_DST_MACS = 4096;

/** Heartbeat protocols this analyzer handles (vrrp/hsrp/carp adverts: vrrp.ts). */
export type HeartbeatProtocol = 'mscs' | 'knet';

interface GapRec {
  dir: 0 | 1;
  start: number;
  end: number;
  startEv: Evidence;
  endEv: Evidence | null;
  ongoing: boolean;
}

class Direction {
  count = 0;
  first = 0;
  last = -1;
  lastEv: Evidence = { input: 0, frame: 0 };
  /** Intervals between beats (requests / pings when decoded, else every packet). */
  readonly beats = new Series();
  lastBeat = -1;
  missed = 0;
  breaches = 0;
  nearMisses = 0;
  maxGap = 0;
  maxGapStart = 0;
  dstMac = -1;
  minTtl = -1;
  decoded = 0;
  /** Sent requests / pings not yet answered: sequence → time (ring). */
  readonly reqSeq = new Float64Array(PENDING_RING).fill(-1);
  readonly reqTime = new Float64Array(PENDING_RING);
  reqNext = 0;
  /** Latency of answers this direction carries (response/pong time − request/ping time). */
  readonly latency = new Series();
  latencyTimingOnly = 0;
}

class Route {
  readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  held: GapRec | null = null;
  /** Observed median ping interval (s) of a knet route, and the beat count it was computed at. */
  knetObserved = -1;
  knetObservedAt = 0;
  /** A breach emitted while the silence lasts (live view), completed when it ends. */
  live: TimelineEvent | null = null;
  readonly breaches: { start: number; end: number; downFrom: number; downTo: number }[] = [];
  decision: SubnetDecision | null = null;
  /** HeartbeatAnalyzer.known when `decision` was made (it stands while nothing it read changed). */
  decisionAt = -1;
  nodeA: string;
  nodeB: string;
  constructor(
    readonly key: string,
    readonly proto: HeartbeatProtocol,
    readonly aText: string,
    readonly bText: string,
    readonly aBytes: Uint8Array,
    readonly bBytes: Uint8Array,
    readonly iface: string,
    readonly ifaceId: number,
    readonly link: number,
  ) {
    this.nodeA = aText;
    this.nodeB = bText;
  }
  get text(): string {
    return `${this.aText} ⇄ ${this.bText} (${this.iface})`;
  }
}

/** One directed heartbeat stream in the `heartbeats.pairs` list. */
export interface HeartbeatStream {
  protocol: HeartbeatProtocol;
  from: string;
  to: string;
  fromNode: string;
  toNode: string;
  route: string;
  iface: string;
  subnet: SubnetClass;
  subnetRule: string;
  subnetWhy: string;
  tolerance: number;
  /** How the tolerance was obtained (threshold names, or the knet timer and where it came from). */
  toleranceRule: string;
  decoded: boolean;
  count: number;
  first: number | null;
  last: number | null;
  interval: Summary;
  missed: number;
  breaches: number;
  nearMisses: number;
  maxGap: number;
  maxGapStart: number | null;
  maxGapProfiles: string[];
  latency: (Summary & { method: 'sequence' | 'timing' }) | null;
}

/** The `heartbeats` section. */
export interface HeartbeatSection {
  pairs: HeartbeatStream[];
  nodePairs: { protocol: HeartbeatProtocol; nodes: [string, string]; routes: string[]; grouping: string; allRoutesDown: { start: number; end: number }[] }[];
  settings: { profile: string; sameSubnet: string; crossSubnet: string; crossSite: string; knetPingTimeout: number; knetPingInterval: number; token: number };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The heartbeat analyzer (Windows cluster UDP 3343, corosync/knet). */
export class HeartbeatAnalyzer implements Analyzer<HeartbeatSection> {
  readonly section = 'heartbeats';
  private readonly s: TeamscopeSettings;
  private readonly subnets: Cidr[];
  private readonly sites: Cidr[];
  private readonly routes = new Map<string, Route>();
  private routesCapped = false;
  private readonly arpOwner = new Map<number, number>();
  private readonly macAddr = new Map<number, number>();
  /** Destination MAC → sender address → destination addresses reached through it (bounded). */
  private readonly dstBehind = new Map<number, Map<string, Set<string>>>();
  private readonly knetNode = new Map<string, number>();
  private readonly nodeNames = new Map<string, string>();
  private readonly twoNodeCache = new Map<string, { size: number; v: boolean }>();
  private readonly events: TimelineEvent[] = [];
  private readonly pairDownEmitted = new Map<string, number>();
  private readonly pairDowns = new Map<string, { start: number; end: number }[]>();
  private lastTime = 0;
  private readonly noteSet = new Set<string>();
  private readonly knowledge: SubnetKnowledge;
  /**
   * Bumped whenever something a subnet decision reads changes (the ARP maps, dstBehind, a route's
   * destination MACs or smallest TTLs): classifyRoute is pure, so a route's decision made at the
   * same value is reused instead of being made again at every heartbeat and tick (strings, arrays).
   */
  private known = 0;
  /**
   * What ARP news can change a decision: the IPv4 ends of the routes (arpOwner is asked for them)
   * and every destination MAC a route was sent to (arpAddressOf). Other ARP mappings (nearly all
   * of them on a busy network) leave every decision standing.
   */
  private readonly routeIps = new Set<number>();
  private readonly routeMacs = new Set<number>();

  private readonly sum: PacketSummary;

  /** `summary`: the run's shared per-packet summary (AnalyzerContext.summary), else a private one. */
  constructor(settings?: Partial<TeamscopeSettings>, private readonly sink?: EventSink, summary?: PacketSummary) {
    this.s = resolveSettings(settings);
    this.sum = summary ?? new PacketSummary();
    this.subnets = this.s.subnets.map(parseCidr);
    // Node names by address: { ip: name } (--node), or { name: [ip, ...] } as a scenario states it.
    for (const [k, v] of Object.entries(this.s.nodes ?? {})) {
      if (Array.isArray(v)) for (const a of v as unknown[]) this.nodeNames.set(canonicalIp(String(a)), k);
      else this.nodeNames.set(canonicalIp(k), String(v));
    }
    this.sites = this.s.sites.map(parseCidr);
    const v4 = (b: Uint8Array) => (b.length === 4 ? ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]! : -1);
    this.knowledge = {
      arpOwner: (ip) => this.arpOwner.get(v4(ip)),
      arpAddressOf: (mac) => {
        const ip = this.macAddr.get(mac);
        return ip === undefined ? undefined : Uint8Array.of(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255);
      },
      destinationsBehind: (mac) => {
        let n = 0;
        for (const set of this.dstBehind.get(mac)?.values() ?? []) if (set.size > n) n = set.size;
        return n;
      },
    };
  }

  /** Events emitted so far (also delivered to the sink). */
  emitted(): readonly TimelineEvent[] {
    return this.events;
  }

  onPacket(pkt: Packet): void {
    const sm = this.sum.fill(pkt);
    if (pkt.time > this.lastTime) this.lastTime = pkt.time;
    if (sm.arp !== null) {
      this.onArp(sm.arp as ArpView);
      return;
    }
    if (sm.proto !== 17) return;
    const sp0 = sm.sport;
    const dp0 = sm.dport;
    if (sp0 !== MSCS_PORT && dp0 !== MSCS_PORT && !(dp0 >= KNET_PORT_FIRST && dp0 <= KNET_PORT_LAST) && !(sp0 >= KNET_PORT_FIRST && sp0 <= KNET_PORT_LAST)) {
      // --decode-as may put mscs/knet on other ports: only then is the last layer one of them.
      const n = pkt.layers.length;
      if (n === 0) return; // (never index -1: a keyed miss through the prototype chain costs ~100 ns)
      const last = pkt.layers[n - 1]!;
      if (last.layer !== 'mscs' && last.layer !== 'knet') return;
    }
    let eth: EthView | undefined;
    let ip4: Ipv4View | undefined;
    let ip6: Ipv6View | undefined;
    let udp: UdpView | undefined;
    let mscs: { type: number; sequence: number } | undefined;
    let knet: { type: number; node: number; link: number; seq: number } | undefined;
    let arp: ArpView | undefined;
    const ls = pkt.layers;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      switch (l.layer) {
        case 'eth':
          if (eth === undefined) eth = l as EthView;
          break;
        case 'ipv4':
          if (ip4 === undefined && ip6 === undefined) ip4 = l as Ipv4View;
          break;
        case 'ipv6':
          if (ip4 === undefined && ip6 === undefined) ip6 = l as Ipv6View;
          break;
        case 'udp':
          if (udp === undefined) udp = l as UdpView;
          break;
        case 'mscs':
          mscs = l as unknown as { type: number; sequence: number };
          break;
        case 'knet':
          knet = l as unknown as { type: number; node: number; link: number; seq: number };
          break;
        case 'arp':
          arp = l as ArpView;
          break;
      }
    }
    void arp;
    if (udp === undefined || (ip4 === undefined && ip6 === undefined)) return;
    const sp = udp.srcPort;
    const dp = udp.dstPort;
    let proto: HeartbeatProtocol;
    if (mscs !== undefined || sp === MSCS_PORT || dp === MSCS_PORT) proto = 'mscs';
    else if (knet !== undefined || (dp >= KNET_PORT_FIRST && dp <= KNET_PORT_LAST) || (sp >= KNET_PORT_FIRST && sp <= KNET_PORT_LAST)) proto = 'knet';
    else return;
    this.onHeartbeat(pkt, proto, eth, ip4, ip6, udp, mscs, knet);
  }

  private onArp(a: ArpView): void {
    if (a.hlen !== 6 || a.plen !== 4 || a.spa === 0 || a.kind === 'probe' || a.kind.startsWith('rarp')) return;
    // Only a new or changed mapping that a route's decision reads invalidates the decisions (ARP
    // repeats itself, and most of it is about hosts that send no heartbeats).
    if ((this.arpOwner.size < MAX_ARP || this.arpOwner.has(a.spa)) && this.arpOwner.get(a.spa) !== a.sha) {
      this.arpOwner.set(a.spa, a.sha);
      if (this.routeIps.has(a.spa)) this.known++;
    }
    if ((this.macAddr.size < MAX_ARP || this.macAddr.has(a.sha)) && this.macAddr.get(a.sha) !== a.spa) {
      this.macAddr.set(a.sha, a.spa);
      if (this.routeMacs.has(a.sha)) this.known++;
    }
  }

  private onHeartbeat(
    pkt: Packet,
    proto: HeartbeatProtocol,
    eth: EthView | undefined,
    ip4: Ipv4View | undefined,
    ip6: Ipv6View | undefined,
    udp: UdpView,
    mscs: { type: number; sequence: number } | undefined,
    knet: { type: number; node: number; link: number; seq: number } | undefined,
  ): void {
    const t = pkt.time;
    let src: string;
    let dst: string;
    let ttl: number;
    if (ip4 !== undefined) {
      src = ipv4Text(ip4.src);
      dst = ipv4Text(ip4.dst);
      ttl = ip4.ttl;
    } else {
      src = ipv6Text(ip6!.src, 0);
      dst = ipv6Text(ip6!.dst, 0);
      ttl = ip6!.hopLimit;
    }
    // knet: one route per link; the link id comes from ping/pong, else from the port (5405 + link).
    let link = -1;
    if (proto === 'knet') {
      if (knet !== undefined && (knet.type === 0x81 || knet.type === 0x82)) link = knet.link;
      else {
        const p = Math.min(udp.srcPort >= KNET_PORT_FIRST && udp.srcPort <= KNET_PORT_LAST ? udp.srcPort : 99999, udp.dstPort >= KNET_PORT_FIRST && udp.dstPort <= KNET_PORT_LAST ? udp.dstPort : 99999);
        link = p - KNET_PORT_FIRST;
      }
    }
    const iface = pkt.frame.iface;
    const ab = src < dst;
    const key = `${proto}|${ab ? src : dst}|${ab ? dst : src}|${iface.id}|${proto === 'knet' ? link : ''}`;
    let r = this.routes.get(key);
    if (r === undefined) {
      if (this.routes.size >= MAX_ROUTES) {
        this.routesCapped = true;
        return;
      }
      const bytesOf = (x: string, isSrc: boolean) =>
        ip4 !== undefined
          ? Uint8Array.of(...(isSrc ? [ip4.src >>> 24, (ip4.src >>> 16) & 255, (ip4.src >>> 8) & 255, ip4.src & 255] : [ip4.dst >>> 24, (ip4.dst >>> 16) & 255, (ip4.dst >>> 8) & 255, ip4.dst & 255]))
          : (isSrc ? ip6!.src : ip6!.dst).slice();
      const [aT, bT] = ab ? [src, dst] : [dst, src];
      const [aB, bB] = ab ? [bytesOf(src, true), bytesOf(dst, false)] : [bytesOf(dst, false), bytesOf(src, true)];
      r = new Route(key, proto, aT, bT, aB, bB, iface.name, iface.id, link);
      this.routes.set(key, r);
      if (ip4 !== undefined) {
        this.routeIps.add(ip4.src);
        this.routeIps.add(ip4.dst);
      }
    }
    const di: 0 | 1 = ab ? 0 : 1;
    const d = r.dirs[di];
    const ev = evidenceOf(pkt);
    // Node identity: --node names, knet host ids.
    if (knet !== undefined && proto === 'knet') {
      if (knet.type === 0x81 || knet.type === 0x82 || knet.type === 0x00) this.knetNode.set(src, knet.node);
    }
    // Subnet evidence.
    if (eth !== undefined) {
      if (d.dstMac !== eth.dst) {
        d.dstMac = eth.dst;
        this.routeMacs.add(eth.dst);
        this.known++;
      }
      let bySrc = this.dstBehind.get(eth.dst);
      if (bySrc === undefined && this.dstBehind.size < MAX_DST_MACS) this.dstBehind.set(eth.dst, (bySrc = new Map()));
      if (bySrc !== undefined) {
        let set = bySrc.get(src);
        if (set === undefined && bySrc.size < 64) bySrc.set(src, (set = new Set()));
        if (set !== undefined && set.size < 64 && !set.has(dst)) {
          set.add(dst);
          this.known++;
        }
      }
    }
    if (d.minTtl < 0 || ttl < d.minTtl) {
      d.minTtl = ttl;
      this.known++;
    }

    // Gap since the previous packet in this direction.
    let rec: GapRec | null = null;
    if (d.count > 0) {
      const gap = t - d.last;
      if (gap > d.maxGap) {
        d.maxGap = gap;
        d.maxGapStart = d.last;
      }
      const interval = this.interval(r);
      if (gap >= 1.5 * interval) d.missed += Math.max(0, Math.round(gap / interval) - 1);
      if (gap > this.nearThreshold(r)) rec = { dir: di, start: d.last, end: t, startEv: d.lastEv, endEv: ev, ongoing: false };
    } else d.first = t;
    d.count++;
    d.last = t;
    d.lastEv = ev;

    // Beats and latency.
    if (proto === 'mscs' && mscs !== undefined) {
      d.decoded++;
      if (mscs.type === 0) {
        this.beat(d, t);
        this.remember(d, mscs.sequence, t);
      } else if (mscs.type === 1) this.answer(r.dirs[1 - di]!, d, mscs.sequence, t);
    } else if (proto === 'knet' && knet !== undefined) {
      d.decoded++;
      if (knet.type === 0x81) {
        this.beat(d, t);
        this.remember(d, knet.seq, t);
      } else if (knet.type === 0x82) this.answer(r.dirs[1 - di]!, d, knet.seq, t);
    } else {
      const prev = d.lastBeat;
      this.beat(d, t);
      // Opaque payloads: the first packet back within a quarter interval answers the last one out.
      const o = r.dirs[1 - di]!;
      if (o.count > 0 && o.last > prev && t - o.last < 0.25 * this.interval(r) && d.latencyTimingOnly >= 0) {
        d.latency.add(t - o.last);
        d.latencyTimingOnly++;
      }
    }

    // Close gaps, merging the two directions of a route when both went silent together.
    const held = r.held;
    if (held !== null && held.dir !== di) {
      r.held = null;
      if (rec !== null && this.overlap(held, rec, r)) {
        this.emitGap(r, held, rec);
        rec = null;
      } else this.emitGap(r, held, null);
    }
    if (rec !== null) {
      const o = r.dirs[1 - di]!;
      const silentToo = o.count > 0 && t - o.last > this.nearThreshold(r) && Math.abs(o.last - rec.start) <= this.mergeSlack(r);
      if (silentToo) {
        if (r.held !== null) this.emitGap(r, r.held, null);
        r.held = rec;
      } else this.emitGap(r, rec, null);
    }
  }

  private beat(d: Direction, t: number): void {
    if (d.lastBeat >= 0) d.beats.add(t - d.lastBeat);
    d.lastBeat = t;
  }

  private remember(d: Direction, seq: number, t: number): void {
    const i = d.reqNext;
    d.reqSeq[i] = seq;
    d.reqTime[i] = t;
    d.reqNext = (i + 1) % PENDING_RING;
  }

  /** A response/pong with `seq` travelling in `resp` answers a request/ping sent in `req`. */
  private answer(req: Direction, resp: Direction, seq: number, t: number): void {
    for (let k = 0; k < PENDING_RING; k++) {
      const i = (req.reqNext - 1 - k + PENDING_RING) % PENDING_RING;
      if (req.reqSeq[i] === seq) {
        const lat = t - req.reqTime[i]!;
        if (lat >= 0) resp.latency.add(lat);
        req.reqSeq[i] = -1;
        resp.latencyTimingOnly = -1;
        return;
      }
    }
  }

  /**
   * knet ping interval and timeout (s) for a route. libknet's heartbeat thread wakes every 200 ms
   * (KNET_THREADS_TIMERES, libknet/threads_common.h) and pings once knet_ping_interval has passed,
   * so pings leave on the next 200 ms tick: 750 ms configured shows as ~800 ms on the wire. When the
   * decoded pings keep the pace of the settings, the settings' timeout applies; when no timer was
   * given and they keep another pace, corosync's defaults (interval = token / (2 × pong_count),
   * timeout = token / pong_count, corosync.conf(5)) make the timeout 2 × the configured interval,
   * which is at most 2 × the observed one: that upper bound is used, and said.
   */
  private knetTimers(r: Route): { interval: number; timeout: number; rule: string } {
    const cfgI = this.s.knetPingInterval / 1000;
    const cfgT = this.s.knetPingTimeout / 1000;
    const onWire = Math.ceil(cfgI / KNET_TIMER_RES - 1e-9) * KNET_TIMER_RES;
    const src = this.s.knetTimersGiven ? 'as given' : 'corosync default for token 3000 ms';
    let beats = 0;
    for (const d of r.dirs) if (d.decoded > 0) beats += d.beats.count;
    if (beats >= 5 && (r.knetObserved < 0 || beats >= r.knetObservedAt + 64)) {
      let best = -1;
      for (const d of r.dirs) if (d.decoded > 0 && d.beats.count >= 3) best = Math.max(best, d.beats.quantile(0.5)!);
      r.knetObserved = best;
      r.knetObservedAt = beats;
    }
    const obs = beats >= 5 ? r.knetObserved : -1;
    if (obs <= 0) return { interval: onWire, timeout: cfgT, rule: `knet_ping_timeout ${this.s.knetPingTimeout} ms (${src})` };
    if (this.s.knetTimersGiven || Math.abs(obs - onWire) <= KNET_TIMER_RES / 2)
      return { interval: Math.abs(obs - cfgI) <= 0.05 * cfgI ? cfgI : obs, timeout: cfgT, rule: `knet_ping_timeout ${this.s.knetPingTimeout} ms (${src}); pings every ${(obs * 1000).toFixed(0)} ms` };
    return {
      interval: obs,
      timeout: 2 * obs,
      rule: `pings every ${(obs * 1000).toFixed(0)} ms (knet pings on a 200 ms timer): knet_ping_timeout ≤ 2 × that with corosync's defaults, so ${(2 * obs * 1000).toFixed(0)} ms is used (give --token or --knet-ping-timeout)`,
    };
  }

  /** Expected interval between beats on this route (s): Delay for mscs, knet_ping_interval for knet. */
  private interval(r: Route): number {
    if (r.proto === 'knet') return this.knetTimers(r).interval;
    return delayThreshold(this.s, this.subnet(r).subnet).delay / 1000;
  }

  /** Tolerance (s): Delay × Threshold of the route's class (mscs) or knet_ping_timeout (knet). */
  private tolerance(r: Route): number {
    if (r.proto === 'knet') return this.knetTimers(r).timeout;
    const { delay, threshold } = delayThreshold(this.s, this.subnet(r).subnet);
    return (delay * threshold) / 1000;
  }

  /** A gap is worth reporting past half the tolerance, and only when at least one beat was missed. */
  private nearThreshold(r: Route): number {
    return Math.max(this.tolerance(r) / 2, 1.5 * this.interval(r));
  }

  private mergeSlack(r: Route): number {
    return Math.max(2 * this.interval(r), this.tolerance(r) / 4);
  }

  private overlap(a: GapRec, b: GapRec, r: Route): boolean {
    return Math.abs(a.start - b.start) <= this.mergeSlack(r) && a.start < b.end && b.start < a.end;
  }

  /** Where a silence was: the fields finished and ongoing heartbeat events share (FINDINGS.md order). */
  private whereFields(r: Route, fromAddr: string, toAddr: string, both: boolean, dec: SubnetDecision) {
    return {
      protocol: r.proto,
      from: fromAddr,
      to: toAddr,
      fromNode: this.nodeOf(r, fromAddr),
      toNode: this.nodeOf(r, toAddr),
      fromAddr,
      toAddr,
      link: r.proto === 'knet' ? r.link : null,
      direction: both ? 'both' : 'one-way',
      route: r.text,
      iface: r.iface,
      subnet: dec.subnet,
      subnetRule: dec.rule,
    };
  }

  private subnet(r: Route): SubnetDecision {
    if (r.decision !== null && r.decisionAt === this.known) return r.decision;
    return this.classify(r);
  }

  private classify(r: Route): SubnetDecision {
    r.decisionAt = this.known;
    const d0 = r.dirs[0];
    const d1 = r.dirs[1];
    r.decision = classifyRoute(
      { a: r.aBytes, b: r.bBytes, aText: r.aText, bText: r.bText, dstMacAB: d0.dstMac, dstMacBA: d1.dstMac, ttlAB: d0.minTtl, ttlBA: d1.minTtl },
      this.subnets,
      this.sites,
      this.knowledge,
    );
    return r.decision;
  }

  private nodeOf(r: Route, addr: string): string {
    const named = this.nodeNames.get(canonicalIp(addr));
    if (named !== undefined) return named;
    if (r.proto === 'knet') {
      const id = this.knetNode.get(addr);
      if (id !== undefined) return `node ${id}`;
    }
    return addr;
  }

  /** Node pair of a route and how routes were grouped. */
  private pairOf(r: Route): { key: string; nodes: [string, string]; grouping: string } {
    const a = this.nodeOf(r, r.aText);
    const b = this.nodeOf(r, r.bText);
    const named = a !== r.aText || b !== r.bText;
    if (named) {
      const nodes: [string, string] = a < b ? [a, b] : [b, a];
      return { key: `${r.proto}|${nodes[0]}|${nodes[1]}`, nodes, grouping: r.proto === 'knet' && !this.nodeNames.has(canonicalIp(r.aText)) ? 'knet node ids' : '--node' };
    }
    // No names: when no address is in two routes of this protocol, the capture looks like a
    // two-node cluster with one route per network, and all its routes form one pair.
    if (this.twoNodes(r.proto)) {
      return { key: `${r.proto}|*`, nodes: ['node A', 'node B'], grouping: 'inferred: two nodes (no address is in two routes; give --node to be sure)' };
    }
    return { key: `${r.proto}|${r.aText}|${r.bText}`, nodes: [r.aText, r.bText], grouping: 'none: each route its own pair (give --node NAME=IP,...)' };
  }

  /** No address in two routes of `proto` (and more than one route): recomputed when routes are added. */
  private twoNodes(proto: HeartbeatProtocol): boolean {
    const c = this.twoNodeCache.get(proto);
    if (c !== undefined && c.size === this.routes.size) return c.v;
    const seen = new Map<string, number>();
    let routes = 0;
    for (const x of this.routes.values()) {
      if (x.proto !== proto) continue;
      routes++;
      seen.set(x.aText, (seen.get(x.aText) ?? 0) + 1);
      seen.set(x.bText, (seen.get(x.bText) ?? 0) + 1);
    }
    const v = routes > 1 && [...seen.values()].every((n) => n === 1);
    this.twoNodeCache.set(proto, { size: this.routes.size, v });
    return v;
  }

  private routesOfPair(key: string): Route[] {
    const out: Route[] = [];
    for (const x of this.routes.values()) if (this.pairOf(x).key === key) out.push(x);
    return out;
  }

  /** Emit a breach or near miss for a gap (two directions merged when `b` is given). */
  private emitGap(r: Route, a: GapRec, b: GapRec | null): void {
    const start = b ? Math.min(a.start, b.start) : a.start;
    const end = b ? Math.max(a.end, b.end) : a.end;
    const duration = round6(end - start);
    const dec = this.subnet(r);
    const tol = this.tolerance(r);
    const breach = duration > tol;
    const interval = this.interval(r);
    const missed = Math.max(0, Math.round(duration / interval) - 1);
    const profiles = r.proto === 'mscs' ? breachedProfiles(duration, dec.subnet) : [];
    const both = b !== null;
    const fromAddr = both ? r.aText : a.dir === 0 ? r.aText : r.bText;
    const toAddr = both ? r.bText : a.dir === 0 ? r.bText : r.aText;
    for (const g of b ? [a, b] : [a]) {
      const d = r.dirs[g.dir];
      if (breach) d.breaches++;
      else d.nearMisses++;
    }
    const pair = this.pairOf(r);
    let allRoutesDown = false;
    let surviving: string[] = [];
    let routesSeen = 1;
    if (breach) {
      const down = { start, end, downFrom: start + tol, downTo: end };
      if (r.breaches.length >= MAX_BREACHES_PER_ROUTE) r.breaches.shift();
      r.breaches.push(down);
      const routes = this.routesOfPair(pair.key);
      routesSeen = routes.length;
      let lo = down.downFrom;
      let hi = down.downTo;
      let silentSince = start;
      surviving = [];
      for (const x of routes) {
        if (x === r) continue;
        const iv = this.downInterval(x, lo, hi);
        if (iv === null) surviving.push(x.text);
        else {
          lo = Math.max(lo, iv[0]);
          hi = Math.min(hi, iv[1]);
          silentSince = Math.max(silentSince, iv[0] - this.tolerance(x));
        }
      }
      allRoutesDown = surviving.length === 0 && lo < hi;
      if (allRoutesDown && routes.length > 1) this.emitPairDown(pair, routes, lo, hi, r.proto, silentSince);
    }
    const ongoing = a.ongoing || (b?.ongoing ?? false);
    const evidence: Evidence[] = [a.startEv];
    if (a.endEv) evidence.push(a.endEv);
    if (b) {
      evidence.push(b.startEv);
      if (b.endEv) evidence.push(b.endEv);
    }
    const protoName = r.proto === 'mscs' ? 'cluster heartbeats (UDP 3343)' : 'knet heartbeats';
    const dirText = both ? `both directions of ${r.text}` : `${fromAddr} → ${toAddr} on ${r.text}`;
    const tolText = r.proto === 'mscs' ? `${dec.subnet === 'same' ? 'SameSubnet' : dec.subnet === 'site' ? 'CrossSite' : 'CrossSubnet'} tolerance ${tol} s` : `tolerance ${round6(tol)} s: ${this.knetTimers(r).rule}`;
    let text = `${protoName} silent ${duration.toFixed(3)} s on ${dirText} (${missed} missed; ${tolText})`;
    if (breach) text += allRoutesDown ? (routesSeen > 1 ? '; all routes of the pair were down: node removed from membership' : '; the only route seen for this pair') : `; route(s) still up: ${surviving.join(', ')}`;
    else text += ' — near miss';
    if (profiles.length) text += `; breaches ${profiles.join(', ')}`;
    if (r.proto === 'knet' && duration * 1000 > this.s.token) text += `; longer than the token timeout ${this.s.token} ms`;
    const e: TimelineEvent = {
      kind: breach ? 'heartbeat.breach' : 'heartbeat.near-miss',
      time: start,
      severity: breach ? (allRoutesDown && routesSeen > 1 ? 'error' : 'warning') : 'info',
      evidence,
      text,
      start,
      end,
      duration,
      ...this.whereFields(r, fromAddr, toAddr, both, dec),
      tolerance: round6(tol),
      toleranceRule: r.proto === 'knet' ? this.knetTimers(r).rule : tolText,
      missed,
      profiles,
      allRoutesDown: breach ? allRoutesDown : null,
      routesSeen,
      survivingRoutes: surviving,
      pair: pair.nodes,
      ongoing,
      tokenExceeded: r.proto === 'knet' ? duration * 1000 > this.s.token : null,
    };
    const live = r.live;
    if (live !== null && Math.abs((live.start as number) - start) <= this.mergeSlack(r)) {
      // Emitted while the silence lasted (live view): complete it in place.
      r.live = null;
      Object.assign(live, e);
      const sink = this.sink as (EventSink & { update?(e: TimelineEvent): void }) | undefined;
      sink?.update?.(live);
      return;
    }
    this.emit(e);
  }

  /** When was route `x` down (some direction silent past its tolerance) overlapping [lo, hi]? */
  private downInterval(x: Route, lo: number, hi: number): [number, number] | null {
    for (const b of x.breaches) if (b.downFrom < hi && b.downTo > lo) return [b.downFrom, b.downTo];
    const tol = this.tolerance(x);
    for (const d of x.dirs) {
      if (d.count === 0) continue;
      const from = d.last + tol;
      if (from < hi && this.lastTime > from) return [from, Math.max(this.lastTime, hi)];
    }
    if (x.held !== null && x.held.start + tol < hi && x.held.end > lo) return [x.held.start + tol, x.held.end];
    return null;
  }

  private emitPairDown(pair: { key: string; nodes: [string, string]; grouping: string }, routes: Route[], lo: number, hi: number, proto: HeartbeatProtocol, silentSince: number): void {
    const prev = this.pairDownEmitted.get(pair.key);
    if (prev !== undefined && prev >= lo) return;
    this.pairDownEmitted.set(pair.key, hi);
    const list = this.pairDowns.get(pair.key) ?? [];
    list.push({ start: lo, end: hi });
    this.pairDowns.set(pair.key, list);
    this.emit({
      kind: 'heartbeat.pair-down',
      time: lo,
      severity: 'error',
      evidence: [],
      text: `all ${routes.length} ${proto} routes between ${pair.nodes[0]} and ${pair.nodes[1]} down at once for ${(hi - lo).toFixed(3)} s: the node would be removed from membership (pairing: ${pair.grouping})`,
      start: lo,
      end: hi,
      duration: round6(hi - lo),
      /** Every route silent since (the routes were then marked down at `start`). */
      silentSince: round6(silentSince),
      protocol: proto,
      from: pair.nodes[0],
      to: pair.nodes[1],
      routes: routes.map((x) => x.text),
      grouping: pair.grouping,
    });
  }

  tick(time: number): void {
    if (time > this.lastTime) this.lastTime = time;
    // Live view: say a route is down as soon as its silence passes the tolerance.
    for (const r of this.routes.values()) {
      if (r.live !== null) continue;
      const tol = this.tolerance(r);
      let silent: 0 | 1 | null = null;
      for (const di of [0, 1] as const) {
        const x = r.dirs[di];
        if (x.count > 0 && time - x.last > tol && (silent === null || x.last < r.dirs[silent].last)) silent = di;
      }
      if (silent === null) continue;
      const d = r.dirs[silent];
      const o = r.dirs[1 - silent]!;
      const both = o.count > 0 && time - o.last > this.nearThreshold(r) && Math.abs(o.last - d.last) <= this.mergeSlack(r);
      const dec = this.subnet(r);
      const fromAddr = both || silent === 0 ? r.aText : r.bText;
      const toAddr = both || silent === 0 ? r.bText : r.aText;
      const start = both ? Math.min(d.last, o.last) : d.last;
      r.live = {
        kind: 'heartbeat.breach',
        time: start,
        severity: 'warning',
        evidence: [d.lastEv],
        text: `${r.proto === 'mscs' ? 'cluster heartbeats (UDP 3343)' : 'knet heartbeats'} silent for more than ${tol} s on ${both ? `both directions of ${r.text}` : `${fromAddr} → ${toAddr} on ${r.text}`} (ongoing)`,
        start,
        end: null,
        duration: null,
        ...this.whereFields(r, fromAddr, toAddr, both, dec),
        tolerance: tol,
        missed: null,
        profiles: r.proto === 'mscs' ? breachedProfiles(time - start, dec.subnet) : [],
        allRoutesDown: null,
        routesSeen: null,
        survivingRoutes: [],
        pair: this.pairOf(r).nodes,
        ongoing: true,
        tokenExceeded: null,
      };
      this.emit(r.live);
    }
  }

  finish(time: number): void {
    const now = Math.max(time, this.lastTime);
    this.lastTime = now;
    for (const r of this.routes.values()) {
      // Silences still open at the end of the capture.
      const open: GapRec[] = [];
      for (const di of [0, 1] as const) {
        const d = r.dirs[di];
        if (d.count === 0) continue;
        const gap = now - d.last;
        if (gap > d.maxGap) {
          d.maxGap = gap;
          d.maxGapStart = d.last;
        }
        if (gap > this.nearThreshold(r)) open.push({ dir: di, start: d.last, end: now, startEv: d.lastEv, endEv: null, ongoing: true });
      }
      const held = r.held;
      r.held = null;
      if (held !== null) {
        const o = open.find((g) => g.dir !== held.dir && this.overlap(held, g, r));
        if (o) {
          this.emitGap(r, held, o);
          open.splice(open.indexOf(o), 1);
        } else this.emitGap(r, held, null);
      }
      if (open.length === 2 && this.overlap(open[0]!, open[1]!, r)) this.emitGap(r, open[0]!, open[1]!);
      else for (const g of open) this.emitGap(r, g, null);
    }
  }

  private emit(e: TimelineEvent): void {
    this.events.push(e);
    this.sink?.emit(e);
  }

  result(): HeartbeatSection {
    const pairs: HeartbeatStream[] = [];
    const nodePairs = new Map<string, HeartbeatSection['nodePairs'][number]>();
    for (const r of this.routes.values()) {
      const dec = r.decision ?? this.subnet(r);
      const tol = this.tolerance(r);
      const p = this.pairOf(r);
      let np = nodePairs.get(p.key);
      if (!np) nodePairs.set(p.key, (np = { protocol: r.proto, nodes: p.nodes, routes: [], grouping: p.grouping, allRoutesDown: this.pairDowns.get(p.key) ?? [] }));
      np.routes.push(r.text);
      for (const di of [0, 1] as const) {
        const d = r.dirs[di];
        if (d.count === 0) continue;
        const from = di === 0 ? r.aText : r.bText;
        const to = di === 0 ? r.bText : r.aText;
        const latencyMethod = d.latencyTimingOnly > 0 ? 'timing' : 'sequence';
        pairs.push({
          protocol: r.proto,
          from,
          to,
          fromNode: this.nodeOf(r, from),
          toNode: this.nodeOf(r, to),
          route: r.text,
          iface: r.iface,
          subnet: dec.subnet,
          subnetRule: dec.rule,
          subnetWhy: dec.why,
          tolerance: round6(tol),
          toleranceRule:
            r.proto === 'knet'
              ? this.knetTimers(r).rule
              : `${dec.subnet === 'same' ? 'SameSubnet' : dec.subnet === 'site' ? 'CrossSite' : 'CrossSubnet'}Delay × Threshold = ${delayThreshold(this.s, dec.subnet).delay} ms × ${delayThreshold(this.s, dec.subnet).threshold}`,
          decoded: d.decoded > 0,
          count: d.count,
          first: d.count ? d.first : null,
          last: d.count ? d.last : null,
          interval: d.beats.summary(),
          missed: d.missed,
          breaches: d.breaches,
          nearMisses: d.nearMisses,
          maxGap: round6(d.maxGap),
          maxGapStart: d.maxGap > 0 ? d.maxGapStart : null,
          maxGapProfiles: r.proto === 'mscs' ? breachedProfiles(d.maxGap, dec.subnet) : [],
          latency: d.latency.count ? { ...d.latency.summary(), method: latencyMethod } : null,
        });
      }
    }
    pairs.sort((x, y) => (x.first ?? 0) - (y.first ?? 0) || x.route.localeCompare(y.route));
    const s = this.s;
    return {
      pairs,
      nodePairs: [...nodePairs.values()],
      settings: {
        profile: s.profile,
        sameSubnet: `${s.sameSubnetDelay} ms × ${s.sameSubnetThreshold}`,
        crossSubnet: `${s.crossSubnetDelay} ms × ${s.crossSubnetThreshold}`,
        crossSite: `${s.crossSiteDelay ?? s.crossSubnetDelay} ms × ${s.crossSiteThreshold ?? s.crossSubnetThreshold}`,
        knetPingTimeout: s.knetPingTimeout,
        knetPingInterval: s.knetPingInterval,
        token: s.token,
      },
    };
  }

  notes(): string[] {
    const n = [...this.noteSet];
    if (this.routesCapped) n.push(`more than ${MAX_ROUTES} heartbeat routes: later routes were not tracked`);
    let opaqueMscs = 0;
    let opaqueKnet = 0;
    let defaulted = 0;
    for (const r of this.routes.values()) {
      for (const d of r.dirs) {
        if (d.count > 0 && d.decoded === 0) {
          if (r.proto === 'mscs') opaqueMscs++;
          else opaqueKnet++;
        }
      }
      if ((r.decision ?? this.subnet(r)).rule === 'default') defaulted++;
    }
    if (opaqueMscs) n.push(`${opaqueMscs} UDP 3343 stream(s) did not decode as cluster heartbeats (signed/encrypted?): judged by timing and direction alone`);
    if (opaqueKnet) n.push(`${opaqueKnet} knet stream(s) are encrypted (crypto_cipher on): judged by timing alone, no ping/pong latency`);
    if (defaulted) n.push(`${defaulted} heartbeat route(s) could not be classified same/cross subnet from the capture: assumed same subnet (give --subnet CIDR)`);
    return n;
  }
}
