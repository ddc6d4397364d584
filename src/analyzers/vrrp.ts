// First-hop redundancy adverts as heartbeats: VRRP v2/v3 (RFC 3768 / RFC 5798, PROTOCOLS.md §2.8),
// CARP (§2.8) and HSRP v1/v2 (RFC 2281, §2.9). Per group: adverts and their intervals, gaps against
// Master_Down_Interval (VRRP/CARP) or the hold time (HSRP) as heartbeat.breach / near-miss events,
// and master changes as vrrp.master / hsrp.master / carp.master events (FINDINGS.md).
import type { Packet } from '../../dissectors/core.js';
import { ipv4Text, ipv6Text } from '../../dissectors/core.js';
import { type Analyzer, type EventSink, type Evidence, type TimelineEvent, evidenceOf } from './types.js';
import { type TeamscopeSettings, resolveSettings } from './settings.js';
import { Series, type Summary } from './stats.js';
import { PacketSummary } from './summary.js';
import type { Ipv4View, Ipv6View } from './views.js';

/** Redundancy protocols handled here. */
export type FhrpProtocol = 'vrrp' | 'hsrp' | 'carp';

/** Groups tracked at most. */
export const MAX_GROUPS = 4096;
/** Sources (routers) remembered per group. */
const MAX_SOURCES = 16;
/** RFC 3768 §6.1 / RFC 5798 §6.1: a backup's default priority. */
export const VRRP_DEFAULT_PRIORITY = 100;

/** VRRPv2 Skew_Time in seconds: (256 − Priority) / 256 (RFC 3768 §6.1). */
export function vrrp2SkewTime(priority: number): number {
  return (256 - priority) / 256;
}
/** VRRPv2 Master_Down_Interval in seconds: 3 × Advertisement_Interval + Skew_Time (RFC 3768 §6.1). */
export function vrrp2MasterDown(adverIntSeconds: number, backupPriority: number): number {
  return 3 * adverIntSeconds + vrrp2SkewTime(backupPriority);
}
/** VRRPv3 Skew_Time in centiseconds: ((256 − Priority) × Master_Adver_Interval) / 256 (RFC 5798 §6.1). */
export function vrrp3SkewTime(priority: number, masterAdverIntCs: number): number {
  return ((256 - priority) * masterAdverIntCs) / 256;
}
/** VRRPv3 Master_Down_Interval in centiseconds: 3 × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1). */
export function vrrp3MasterDown(masterAdverIntCs: number, backupPriority: number): number {
  return 3 * masterAdverIntCs + vrrp3SkewTime(backupPriority, masterAdverIntCs);
}

interface Source {
  addr: string;
  /** Priority of the latest advert (0: resigning, RFC 3768 §6.4.3). */
  priority: number;
  /** Last non-zero advertised priority (its priority as master before resigning), 0 if none seen. */
  ownPriority: number;
  adverts: number;
  first: number;
  last: number;
  readonly intervals: Series;
  state: string;
}

interface Group {
  readonly key: string;
  readonly proto: FhrpProtocol;
  readonly group: number;
  readonly version: number;
  readonly ipVersion: number;
  readonly iface: string;
  readonly vlan: number;
  virtualIps: string[];
  adverts: number;
  /** Advertised interval (s) and hold time (HSRP, s) of the latest master advert. */
  interval: number;
  hold: number;
  readonly sources: Map<string, Source>;
  sourcesDropped: number;
  master: Source | null;
  masterLast: number;
  masterLastEv: Evidence | null;
  /** Intervals between consecutive adverts of the master (whoever it is). */
  readonly intervals: Series;
  resignedBy: string | null;
  resignedAt: number;
  coupBy: string | null;
  masters: { time: number; ip: string; priority: number; reason: string }[];
  breaches: number;
  nearMisses: number;
  maxGap: number;
  dual: { start: number; a: string; b: string } | null;
  /** A breach emitted on tick while the master is silent (live view), completed when it ends. */
  live: TimelineEvent | null;
  flips: number[];
}

/** One group of the `vrrp` section. */
export interface FhrpGroupResult {
  protocol: FhrpProtocol;
  group: number;
  version: number;
  ipVersion: number;
  iface: string;
  vlan: number | null;
  virtualIps: string[];
  adverts: number;
  advertisedInterval: number;
  /** Master_Down_Interval (VRRP/CARP) or hold time (HSRP), seconds, for the latest master. */
  tolerance: number;
  toleranceRule: string;
  interval: Summary;
  master: string | null;
  masters: { time: number; ip: string; priority: number; reason: string }[];
  sources: { ip: string; priority: number; adverts: number; first: number; last: number; interval: Summary; state: string }[];
  breaches: number;
  nearMisses: number;
  maxGap: number;
}

/** The `vrrp` section (VRRP, HSRP and CARP groups). */
export interface FhrpSection {
  groups: FhrpGroupResult[];
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** HSRP states that mean "this router forwards for the group". */
function hsrpActive(h: { state: number; role?: string; version?: number; format?: number }): boolean {
  if (typeof h.role === 'string' && h.role !== '') return h.role === 'active';
  return h.format === 2 ? h.state === 6 : h.state === 16;
}

/** VRRP / HSRP / CARP advert analyzer. */
export class VrrpAnalyzer implements Analyzer<FhrpSection> {
  readonly section = 'vrrp';
  private readonly s: TeamscopeSettings;
  private readonly groups = new Map<string, Group>();
  private capped = false;
  private readonly events: TimelineEvent[] = [];
  private lastTime = 0;

  private readonly sum: PacketSummary;

  /** `summary`: the run's shared per-packet summary (AnalyzerContext.summary), else a private one. */
  constructor(settings?: Partial<TeamscopeSettings>, private readonly sink?: EventSink, summary?: PacketSummary) {
    this.s = resolveSettings(settings);
    this.sum = summary ?? new PacketSummary();
  }

  emitted(): readonly TimelineEvent[] {
    return this.events;
  }

  onPacket(pkt: Packet): void {
    const sm = this.sum.fill(pkt);
    if (sm.proto !== 112 && !(sm.proto === 17 && (sm.dport === 1985 || sm.dport === 2029 || sm.sport === 1985 || sm.sport === 2029))) {
      if (pkt.time > this.lastTime) this.lastTime = pkt.time;
      return;
    }
    let ip4: Ipv4View | undefined;
    let ip6: Ipv6View | undefined;
    let vid = 0;
    const ls = pkt.layers;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      switch (l.layer) {
        case 'vlan':
          if (vid === 0) vid = (l as unknown as { vid: number }).vid;
          break;
        case 'ipv4':
          if (ip4 === undefined) ip4 = l as Ipv4View;
          break;
        case 'ipv6':
          if (ip6 === undefined) ip6 = l as Ipv6View;
          break;
        case 'vrrp':
        case 'carp':
        case 'hsrp':
          if (pkt.time > this.lastTime) this.lastTime = pkt.time;
          this.onAdvert(pkt, l.layer as FhrpProtocol, l as unknown as Record<string, unknown>, ip4, ip6, vid);
          return;
      }
    }
    if (pkt.time > this.lastTime) this.lastTime = pkt.time;
  }

  private onAdvert(pkt: Packet, proto: FhrpProtocol, l: Record<string, unknown>, ip4: Ipv4View | undefined, ip6: Ipv6View | undefined, vid: number): void {
    const t = pkt.time;
    const src = ip4 !== undefined ? ipv4Text(ip4.src) : ip6 !== undefined ? ipv6Text(ip6.src, 0) : '?';
    const ipVersion = ip6 !== undefined && ip4 === undefined ? 6 : 4;
    const groupNo = Number(l.group ?? l.vrid ?? l.vhid ?? 0);
    const version = Number(l.version ?? 0);
    const vkey = proto === 'hsrp' ? Number(l.format ?? 1) : version === 3 ? 3 : proto === 'vrrp' ? 2 : version;
    const key = `${proto}|${vkey}|${ipVersion}|${groupNo}|${pkt.frame.iface.id}|${vid}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      if (this.groups.size >= MAX_GROUPS) {
        this.capped = true;
        return;
      }
      g = {
        key,
        proto,
        group: groupNo,
        version: proto === 'hsrp' ? Number(l.format ?? 1) : version,
        ipVersion,
        iface: pkt.frame.iface.name,
        vlan: vid,
        virtualIps: [],
        adverts: 0,
        interval: 0,
        hold: 0,
        sources: new Map(),
        sourcesDropped: 0,
        master: null,
        masterLast: -1,
        masterLastEv: null,
        intervals: new Series(),
        resignedBy: null,
        resignedAt: -1,
        coupBy: null,
        masters: [],
        breaches: 0,
        nearMisses: 0,
        maxGap: 0,
        dual: null,
        live: null,
        flips: [],
      };
      this.groups.set(key, g);
    }
    g.adverts++;
    const vips = l.virtualIps;
    if (Array.isArray(vips) && vips.length && g.virtualIps.length === 0) g.virtualIps = (vips as string[]).slice(0, 16);
    const priority = Number(l.priority ?? 0);
    let srcRec = g.sources.get(src);
    if (srcRec === undefined) {
      if (g.sources.size >= MAX_SOURCES) g.sourcesDropped++;
      else g.sources.set(src, (srcRec = { addr: src, priority, ownPriority: priority, adverts: 0, first: t, last: t, intervals: new Series(), state: '' }));
    } else srcRec.intervals.add(t - srcRec.last);
    if (srcRec) {
      srcRec.adverts++;
      srcRec.last = t;
      srcRec.priority = priority;
      if (priority !== 0) srcRec.ownPriority = priority;
      srcRec.state = String(l.role ?? '');
    }
    const ev = evidenceOf(pkt);

    // Who is master: VRRP/CARP only the master advertises (RFC 3768 §6.4.3); HSRP: the Active router.
    let isMasterAdvert: boolean;
    if (proto === 'hsrp') {
      const opcode = Number(l.opcode ?? 0);
      if (opcode === 2) {
        // Resign (RFC 2281 §5.2).
        g.resignedBy = src;
        g.resignedAt = t;
        return;
      }
      if (opcode === 1) g.coupBy = src;
      isMasterAdvert = opcode === 0 && hsrpActive(l as { state: number; role?: string; format?: number });
      if (isMasterAdvert) {
        g.interval = Number(l.interval ?? l.hellotime ?? 3);
        g.hold = Number(l.hold ?? l.holdtime ?? 10);
      }
    } else {
      if (priority === 0) {
        // The master is resigning (RFC 3768 §6.4.3): backups take over after Skew_Time.
        g.resignedBy = src;
        g.resignedAt = t;
        return;
      }
      isMasterAdvert = true;
      g.interval = Number(l.interval ?? (version === 3 ? Number(l.maxAdverInt ?? 100) / 100 : Number(l.adverInt ?? 1)));
    }
    if (!isMasterAdvert || !srcRec) return;

    if (g.master === srcRec) {
      const gap = t - g.masterLast;
      g.intervals.add(gap);
      this.checkGap(g, g.masterLast, t, g.masterLastEv, ev, false);
      g.masterLast = t;
      g.masterLastEv = ev;
      return;
    }
    // A new master.
    const old = g.master;
    let reason: string;
    if (old === null) reason = 'initial';
    else if (g.resignedBy === old.addr && g.resignedAt >= g.masterLast) reason = 'resigned';
    else if (g.coupBy === src) reason = 'preempted';
    else {
      const gap = t - g.masterLast;
      reason = gap > this.tolerance(g).value ? 'timeout' : gap > 1.5 * g.interval ? 'timeout' : 'preempted';
    }
    if (old !== null) {
      // The gap with no master adverts, seen by the group.
      this.checkGap(g, g.masterLast, t, g.masterLastEv, ev, false);
      g.intervals.add(t - g.masterLast);
      // Two routers advertising alternately: dual master (split brain), one event per episode.
      g.flips.push(t);
      while (g.flips.length && t - g.flips[0]! > 3 * this.tolerance(g).value) g.flips.shift();
      if (g.flips.length >= 4 && g.dual === null) {
        g.dual = { start: g.flips[0]!, a: old.addr, b: src };
        this.emit({
          kind: `${g.proto}.dual-master`,
          time: g.flips[0]!,
          severity: 'error',
          evidence: [ev],
          text: `${g.proto.toUpperCase()} group ${g.group}: ${old.addr} and ${src} both advertise as master (${g.flips.length} changes within ${(t - g.flips[0]!).toFixed(1)} s): split brain`,
          group: g.group,
          ips: [old.addr, src],
        });
      }
    }
    g.master = srcRec;
    g.masterLast = t;
    g.masterLastEv = ev;
    g.resignedBy = null;
    g.coupBy = null;
    if (g.masters.length < 256) g.masters.push({ time: t, ip: src, priority, reason });
    if (g.dual !== null) return;
    const vip = g.virtualIps[0] ?? null;
    this.emit({
      kind: `${g.proto}.master`,
      time: t,
      severity: reason === 'initial' ? 'info' : reason === 'timeout' ? 'warning' : 'info',
      evidence: old !== null && g.masterLastEv ? [ev] : [ev],
      text:
        reason === 'initial'
          ? `${g.proto.toUpperCase()} group ${g.group}${vip ? ` (${vip})` : ''}: ${src} is master (priority ${priority})`
          : `${g.proto.toUpperCase()} group ${g.group}${vip ? ` (${vip})` : ''}: master ${old!.addr} → ${src} (${old!.ownPriority > 0 ? `priority ${old!.ownPriority} → ${priority}` : `resigned → priority ${priority}`}, ${reason})`,
      group: g.group,
      ip: vip,
      virtualIps: g.virtualIps,
      fromIp: old?.addr ?? null,
      toIp: src,
      reason,
      priority,
      iface: g.iface,
    });
  }

  /** Master_Down_Interval (VRRP/CARP) or hold time (HSRP), seconds, and how it was computed. */
  private tolerance(g: Group): { value: number; rule: string } {
    if (g.proto === 'hsrp') return { value: g.hold || 10, rule: `hold time ${g.hold || 10} s (RFC 2281)` };
    if (g.proto === 'carp') return { value: 3 * g.interval, rule: `3 × advbase+advskew/256 = ${round6(3 * g.interval)} s` };
    // Backups do not advertise: the best-known backup priority, else the default 100. A router whose
    // latest advert has priority 0 resigned (shutdown → Initialize, RFC 3768 §6.4.3): it is no backup,
    // and priority 0 is never a Skew_Time input.
    let backup = -1;
    for (const s of g.sources.values()) if (s !== g.master && s.priority > 0 && s.priority > backup && s.priority < 255) backup = s.priority;
    const assumed = backup < 0;
    if (assumed) backup = VRRP_DEFAULT_PRIORITY;
    if (g.version === 3) {
      const v = vrrp3MasterDown(g.interval * 100, backup) / 100;
      return { value: v, rule: `3 × ${g.interval * 100} cs + skew(priority ${backup}${assumed ? ', assumed' : ''}) = ${round6(v)} s (RFC 5798 §6.1)` };
    }
    const v = vrrp2MasterDown(g.interval, backup);
    return { value: v, rule: `3 × ${g.interval} s + (256 − ${backup}${assumed ? ', assumed' : ''})/256 = ${round6(v)} s (RFC 3768 §6.1)` };
  }

  private checkGap(g: Group, start: number, end: number, startEv: Evidence | null, endEv: Evidence | null, ongoing: boolean): void {
    const gap = end - start;
    if (gap > g.maxGap) g.maxGap = gap;
    if (g.interval <= 0) return;
    const tol = this.tolerance(g);
    if (gap <= Math.max(tol.value / 2, 1.5 * g.interval)) return;
    const breach = gap > tol.value;
    if (breach) g.breaches++;
    else g.nearMisses++;
    const missed = Math.max(0, Math.round(gap / g.interval) - 1);
    const master = g.master?.addr ?? '?';
    const evidence: Evidence[] = [];
    if (startEv) evidence.push(startEv);
    if (endEv) evidence.push(endEv);
    const route = `${g.proto.toUpperCase()} group ${g.group} on ${g.iface}${g.vlan ? ` vlan ${g.vlan}` : ''}`;
    const e: TimelineEvent = {
      kind: breach ? 'heartbeat.breach' : 'heartbeat.near-miss',
      time: start,
      severity: breach ? 'warning' : 'info',
      evidence,
      text: `${route}: no adverts from master ${master} for ${gap.toFixed(3)} s (${missed} missed; ${tol.rule})${breach ? ': backups take over' : ' — near miss'}`,
      start,
      end,
      duration: round6(gap),
      protocol: g.proto,
      from: master,
      to: g.ipVersion === 6 ? (g.proto === 'vrrp' ? 'ff02::12' : 'ff02::66') : g.proto === 'hsrp' ? (g.version === 2 ? '224.0.0.102' : '224.0.0.2') : '224.0.0.18',
      route,
      subnet: 'same',
      subnetRule: 'protocol',
      tolerance: round6(tol.value),
      missed,
      profiles: [],
      group: g.group,
      ongoing,
    };
    const live = g.live;
    if (live !== null && Math.abs((live.start as number) - start) < 1e-6) {
      // Emitted on tick while the silence lasted (live view): complete it in place.
      g.live = null;
      Object.assign(live, e);
      (this.sink as (EventSink & { update?(e: TimelineEvent): void }) | undefined)?.update?.(live);
      return;
    }
    g.live = null;
    this.emit(e);
  }

  tick(time: number): void {
    if (time > this.lastTime) this.lastTime = time;
    // Live view: a master silent past Master_Down_Interval / the hold time is reported at once.
    for (const g of this.groups.values()) {
      if (g.live !== null || g.master === null || g.interval <= 0) continue;
      const tol = this.tolerance(g);
      if (time - g.masterLast <= tol.value) continue;
      const route = `${g.proto.toUpperCase()} group ${g.group} on ${g.iface}${g.vlan ? ` vlan ${g.vlan}` : ''}`;
      g.live = {
        kind: 'heartbeat.breach',
        time: g.masterLast,
        severity: 'warning',
        evidence: g.masterLastEv ? [g.masterLastEv] : [],
        text: `${route}: no adverts from master ${g.master.addr} for more than ${round6(tol.value)} s (${tol.rule}): backups take over (ongoing)`,
        start: g.masterLast,
        end: null,
        duration: null,
        protocol: g.proto,
        from: g.master.addr,
        to: g.ipVersion === 6 ? (g.proto === 'vrrp' ? 'ff02::12' : 'ff02::66') : g.proto === 'hsrp' ? (g.version === 2 ? '224.0.0.102' : '224.0.0.2') : '224.0.0.18',
        route,
        subnet: 'same',
        subnetRule: 'protocol',
        tolerance: round6(tol.value),
        missed: null,
        profiles: [],
        group: g.group,
        ongoing: true,
      };
      this.emit(g.live);
    }
  }

  finish(time: number): void {
    const now = Math.max(time, this.lastTime);
    for (const g of this.groups.values()) {
      if (g.master !== null && g.masterLast >= 0) {
        const gap = now - g.masterLast;
        if (gap > this.tolerance(g).value) this.checkGap(g, g.masterLast, now, g.masterLastEv, null, true);
      }
    }
  }

  private emit(e: TimelineEvent): void {
    this.events.push(e);
    this.sink?.emit(e);
  }

  result(): FhrpSection {
    const groups: FhrpGroupResult[] = [];
    for (const g of this.groups.values()) {
      const tol = this.tolerance(g);
      groups.push({
        protocol: g.proto,
        group: g.group,
        version: g.version,
        ipVersion: g.ipVersion,
        iface: g.iface,
        vlan: g.vlan || null,
        virtualIps: g.virtualIps,
        adverts: g.adverts,
        advertisedInterval: g.interval,
        tolerance: round6(tol.value),
        toleranceRule: tol.rule,
        interval: g.intervals.summary(),
        master: g.master?.addr ?? null,
        masters: g.masters,
        sources: [...g.sources.values()].map((s) => ({ ip: s.addr, priority: s.priority, adverts: s.adverts, first: s.first, last: s.last, interval: s.intervals.summary(), state: s.state })),
        breaches: g.breaches,
        nearMisses: g.nearMisses,
        maxGap: round6(g.maxGap),
      });
    }
    groups.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.group - b.group || a.ipVersion - b.ipVersion);
    return { groups };
  }

  notes(): string[] {
    const n: string[] = [];
    if (this.capped) n.push(`more than ${MAX_GROUPS} VRRP/HSRP/CARP groups: later groups were not tracked`);
    for (const g of this.groups.values()) {
      if (g.sourcesDropped) n.push(`${g.proto} group ${g.group}: more than ${MAX_SOURCES} routers advertised; the rest were not listed`);
      if (g.proto === 'vrrp' && this.tolerance(g).rule.includes('assumed'))
        n.push(`${g.proto} group ${g.group}: Master_Down_Interval uses an assumed backup priority of ${VRRP_DEFAULT_PRIORITY} (backups do not advertise)`);
    }
    return n;
  }
}
