// Cluster heartbeat models shared by the heartbeat and mixed scenarios: Windows Failover Cluster
// (NetFT, UDP 3343 Request/Response per route at SameSubnetDelay/CrossSubnetDelay with jitter;
// PROTOCOLS.md §2.11) and corosync/knet ping/pong (PROTOCOLS.md §2.10), with route outages, and the
// heartbeat.breach / heartbeat.near-miss truth (docs/json-arp-heartbeats.md definitions).
import { ipv4Text } from '../../dissectors/core.js';
import type { Emission, FrameRef, Source } from './engine.js';
import { us } from './engine.js';
import { type L2, knetFrame, mscsFrame } from './frames.js';
import type { Span } from './lacp.js';
import type { Rng } from './prng.js';
import type { ScenarioContext } from './scenario.js';
import { type TruthFinding, ev, t6 } from './truth.js';

/** Windows threshold profiles (PROTOCOLS.md decisions list): [same delay ms, same threshold, cross delay, cross threshold]. */
export const PROFILES: Readonly<Record<string, readonly [number, number, number, number]>> = {
  ws2008: [1000, 5, 1000, 5],
  ws2012: [1000, 5, 1000, 5],
  ws2012r2: [1000, 5, 1000, 5],
  ws2016: [1000, 10, 1000, 20],
  ws2019: [1000, 20, 1000, 20],
};

/** Tolerance (s) of a profile for a subnet class. */
export function profileTolerance(profile: string, subnet: 'same' | 'cross'): number {
  const p = PROFILES[profile]!;
  return subnet === 'same' ? (p[0] * p[1]) / 1000 : (p[2] * p[3]) / 1000;
}

/** Profiles (release order) whose tolerance a silence of `gap` s exceeds. */
export function breachedProfiles(gap: number, subnet: 'same' | 'cross'): string[] {
  return Object.keys(PROFILES).filter((p) => gap > profileTolerance(p, subnet));
}

/** One end of a heartbeat route. */
export interface RouteEnd {
  node: string;
  /** knet node id. */
  nodeId: number;
  mac: number;
  ip: number;
  /** MAC frames to the other end are sent to (the peer's, or the router's when cross-subnet). */
  nextHopMac: number;
}

/** A heartbeat route between two nodes on one network, seen on one capture interface. */
export interface HbRoute {
  a: RouteEnd;
  b: RouteEnd;
  iface: number;
  network: string;
  vlan?: number;
  subnet: 'same' | 'cross';
  /** knet link id (port 5405 + link). */
  link: number;
  /** Silences (both directions). */
  outages: Span[];
  /** Capture interface of a packet travelling from end `dir` (0 = a, 1 = b) at `t`; default `iface`; -1 = not captured. */
  ifaceAt?: (dir: 0 | 1, t: number) => number;
}

/** Heartbeat timing of a route. */
export interface HbTiming {
  /** Interval between requests/pings (s) and its relative jitter. */
  interval: number;
  jitter: number;
  /** Response latency range (s). */
  latency: [number, number];
}

/** Frames of one route, both directions, with a log of every packet time (for the truth). */
export function heartbeatSource(ctx: ScenarioContext, r: HbRoute, proto: 'mscs' | 'knet', timing: HbTiming, rng: Rng, log: (t: number, ref: FrameRef, dir: 0 | 1) => void): Source {
  const inOutage = (t: number) => r.outages.some((o) => t >= o.from && t < o.to);
  const ends = [r.a, r.b] as const;
  // Each end sends its own requests (pings) on its own phase; the other answers.
  const next: [number, number] = [us(rng.uniform(0, timing.interval)), us(rng.uniform(0, timing.interval))];
  const seq: [number, number] = [rng.int(1, 50000), rng.int(1, 50000)];
  const pending: { t: number; dir: 0 | 1; bytes: Uint8Array }[] = [];
  const crossTtl = (ttl: number) => (r.subnet === 'cross' ? ttl - 1 : ttl);
  const frame = (dir: 0 | 1, kind: 'req' | 'resp', s: number, sendTime: number): Uint8Array => {
    const from = ends[dir];
    const to = ends[1 - dir]!;
    // Captured at the A side: frames A sends are as sent; frames from B crossed the router (cross subnet).
    const l2: L2 = dir === 0 ? { src: from.mac, dst: from.nextHopMac } : { src: r.subnet === 'cross' ? to.nextHopMac : from.mac, dst: to.mac, pad: true };
    if (r.vlan !== undefined) l2.vlan = r.vlan;
    const ttl = proto === 'mscs' ? 128 : 64;
    const l3 = { src: from.ip, dst: to.ip, ttl: dir === 0 ? ttl : crossTtl(ttl), id: (s * 7 + dir) & 0xffff };
    if (proto === 'mscs') return mscsFrame(l2, l3, { type: kind === 'req' ? 0 : 1, sequence: s >>> 0, srcAddr: from.ip, dstAddr: to.ip });
    // knet ping: the pinger's timespec (host order, x86-64: tv_sec u64 LE, tv_nsec u64 LE); a pong echoes it.
    const pinger = kind === 'req' ? from : to;
    void pinger;
    const ts = new Uint8Array(16);
    const abs = ctx.startSec + sendTime / 1e6;
    const sec = Math.floor(abs);
    const nsec = Math.round((abs - sec) * 1e9);
    new DataView(ts.buffer).setUint32(0, sec, true);
    new DataView(ts.buffer).setUint32(8, nsec, true);
    return knetFrame(l2, l3, 5405 + r.link, { type: kind === 'req' ? 0x81 : 0x82, node: from.nodeId, link: r.link, pingTime: ts, seq: s & 0xffff, timed: 1 });
  };
  return (function* (): Generator<Emission> {
    for (;;) {
      const d: 0 | 1 = next[0] <= next[1] ? 0 : 1;
      const t = next[d];
      // Flush responses due before the next request.
      pending.sort((x, y) => x.t - y.t);
      while (pending.length > 0 && pending[0]!.t <= t) {
        const p = pending.shift()!;
        if (p.t >= ctx.end) return;
        const dir = p.dir;
        const pi = r.ifaceAt ? r.ifaceAt(dir, p.t) : r.iface;
        if (pi >= 0) yield { t: p.t, iface: pi, bytes: p.bytes, onWrite: (ref) => log(p.t, ref, dir) };
      }
      if (t >= ctx.end) {
        for (const p of pending) {
          const pi = r.ifaceAt ? r.ifaceAt(p.dir, p.t) : r.iface;
          if (p.t < ctx.end && pi >= 0) yield { t: p.t, iface: pi, bytes: p.bytes, onWrite: (ref) => log(p.t, ref, p.dir) };
        }
        return;
      }
      next[d] = t + us(timing.interval * (1 + rng.uniform(-timing.jitter, timing.jitter)));
      seq[d] = (seq[d] + 1) >>> 0;
      if (inOutage(t)) continue;
      const s = seq[d];
      const qi = r.ifaceAt ? r.ifaceAt(d, t) : r.iface;
      if (qi >= 0) yield { t, iface: qi, bytes: frame(d, 'req', s, t), onWrite: (ref) => log(t, ref, d) };
      const rt = t + us(rng.uniform(timing.latency[0], timing.latency[1]));
      if (!inOutage(rt)) pending.push({ t: rt, dir: (1 - d) as 0 | 1, bytes: frame((1 - d) as 0 | 1, 'resp', s, t) });
    }
  })();
}

/** Packet times of a route as written (both directions together). */
export class RouteLog {
  readonly times: number[] = [];
  readonly refs: FrameRef[] = [];
  add(t: number, ref: FrameRef): void {
    this.times.push(t);
    this.refs.push(ref);
  }
  /** Last packet strictly before `t` and first at or after `t2`. */
  around(t: number, t2: number): { last: { t: number; ref: FrameRef } | null; first: { t: number; ref: FrameRef } | null } {
    let last: { t: number; ref: FrameRef } | null = null;
    let first: { t: number; ref: FrameRef } | null = null;
    for (let i = 0; i < this.times.length; i++) {
      const x = this.times[i]!;
      if (x < t) last = { t: x, ref: this.refs[i]! };
      if (x >= t2 && first === null) first = { t: x, ref: this.refs[i]! };
    }
    return { last, first };
  }
}

/**
 * heartbeat.breach / heartbeat.near-miss truth for one outage of one route: start = last heartbeat
 * packet of the route before the silence, end = first after (null if silent to the end), duration,
 * tolerance and the profiles breached; near miss when longer than half the tolerance and 1.5 intervals.
 */
export function outageFinding(
  ctx: ScenarioContext,
  r: HbRoute,
  o: Span,
  proto: 'mscs' | 'knet',
  log: RouteLog,
  interval: number,
  tolerance: number,
  extra: Record<string, unknown>,
): TruthFinding | null {
  const { last, first } = log.around(o.from, o.to);
  if (!last) return null;
  const startT = last.t;
  const endT = first ? first.t : null;
  const duration = ((endT ?? ctx.end) - startT) / 1e6;
  const breach = duration > tolerance;
  const near = !breach && duration > Math.max(tolerance / 2, 1.5 * interval);
  if (!breach && !near) return null;
  const aIp = ipv4Text(r.a.ip);
  const bIp = ipv4Text(r.b.ip);
  const [lo, hi] = aIp < bIp ? [aIp, bIp] : [bIp, aIp];
  const f = ctx.truth.finding(
    breach ? 'heartbeat.breach' : 'heartbeat.near-miss',
    {
      start: t6(ctx.epoch(startT)),
      end: endT === null ? null : t6(ctx.epoch(endT)),
      duration: t6(duration),
      protocol: proto,
      from: aIp,
      to: bIp,
      fromNode: r.a.node,
      toNode: r.b.node,
      fromAddr: aIp,
      toAddr: bIp,
      direction: 'both',
      route: `${lo} ⇄ ${hi} (${ctx.ifname(r.iface)})`,
      network: r.network,
      iface: ctx.ifname(r.iface),
      subnet: r.subnet,
      tolerance: t6(tolerance),
      missed: Math.round(duration / interval) - 1,
      profiles: proto === 'mscs' ? breachedProfiles(duration, r.subnet) : [],
      ongoing: endT === null,
      ...extra,
    },
    { severity: breach ? 'warning' : 'info', timeTolerance: interval },
  );
  f.evidence.push(ev(last.ref));
  if (first) f.evidence.push(ev(first.ref));
  return f;
}
