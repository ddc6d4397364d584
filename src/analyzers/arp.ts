// IP → MAC ownership from ARP (every ARP classified by the dissector's `kind`, PROTOCOLS.md §2.7)
// and from IP traffic (source IP + source MAC of frames that were not routed); takeovers, conflicts,
// flip-flops, RFC 5227 probes and announcements, VRRP/HSRP/CARP virtual addresses, Linux alb/tlb
// 0x9000 learning frames and Open vSwitch RARP learning bursts. Section `arp` of FINDINGS.md.
import type { Packet } from '../../dissectors/core.js';
import { ipv4Text, macText } from '../../dissectors/core.js';
import { type Analyzer, type EventSink, type Evidence, type TimelineEvent, evidenceOf, pushEvidence } from './types.js';
import { type TeamscopeSettings, resolveSettings } from './settings.js';
import { PendingTakeover, type VirtualKind, round6 } from './takeover.js';
import { PacketSummary } from './summary.js';
import {
  type ArpView,
  type VrrpView,
  isGroupMac,
  isInitialTtl,
  virtualMacGroup,
  virtualMacProtocol,
} from './views.js';

/** At most this many MACs are remembered per IP (more are counted). */
export const MAX_MACS_PER_IP = 8;
/** At most this many ownership changes are kept per IP (oldest dropped, counted). */
export const MAX_HISTORY = 32;
/** At most this many MACs are tracked for RARP / 0x9000 learning frames. */
export const MAX_LEARNING_MACS = 4096;
/** At most this many takeovers are watched at once (older ones close early). */
export const MAX_PENDING = 1024;
/** Fields of a hot-path cache slot (ArpAnalyzer.cache) and its size in doubles: one 64-byte cache line. */
const C_KEY = 0;
const C_MAC = 1;
const C_REC = 2;
const C_LAST = 3;
const C_FRAME = 4;
const C_INPUT = 5;
const C_COUNT = 6;
const CS = 8;
/** Low MAC bits the watch filter is indexed by. */
const WATCH_MASK = 0xfff;
/**
 * Slots in the (IP, MAC) cache of the IP-traffic hot path (power of two). 4096 slots (256 KB) hold
 * the senders of a busy segment; with the 65536 slots (4 MB) this had, a few hundred senders
 * landed on as many 4 KB pages and a hit was a cache and TLB miss. A cache miss costs a Map
 * lookup, and counts are written back on eviction, so the size changes speed, never results.
 */
const CACHE_BITS = 12;

const MULTI_MAC_NOTE =
  'some IPs were seen from several source MACs at once without ARP from the extra MACs (Windows Switch Independent teaming replaces source MACs per member, PROTOCOLS.md §3.5; else a duplicate address): see arp.ips[].multiMac';

/** EtherType of Linux bonding alb/tlb learning frames (ETH_P_LOOPBACK, bond_alb.c). */
export const ETHERTYPE_LOOPBACK = 0x9000;

/** One MAC seen using one IP. */
interface MacRec {
  /** Index in ArpAnalyzer.recs (the hot-path cache refers to records by index). */
  readonly id: number;
  /** Hot-path cache slot holding this record (its counts there are not folded in yet), or -1. */
  slot: number;
  readonly mac: number;
  first: number;
  last: number;
  lastInput: number;
  lastFrame: number;
  /** ARP packets in which this MAC claimed the IP (SPA = IP, SHA = MAC). */
  arpClaims: number;
  lastClaim: number;
  ipFrames: number;
}

/** One owner period of an IP. */
export interface OwnerPeriod {
  mac: string;
  from: number;
  to: number | null;
  via: 'arp' | 'ip';
}

interface Conflict {
  start: number;
  /** Last claim time per MAC. */
  readonly claims: Map<number, number>;
  readonly evidence: Evidence[];
  reason: 'claims' | 'probe';
  /** The event, emitted when the conflict started and completed when it ends. */
  event: TimelineEvent | null;
}

/** What an IP rarely needs (ARP counters, probes): allocated on its first ARP event. */
interface IpExtra {
  macsDropped: number;
  historyDropped: number;
  probes: number;
  lastProbe: { mac: number; time: number; ev: Evidence } | null;
  announcements: number;
  garps: number;
  replies: number;
  requests: number;
  takeovers: number;
  conflicts: number;
  flipflops: number;
}

const NO_MACS: MacRec[] = [];
Object.freeze(NO_MACS);

/** One IP (per VLAN). Kept small: 100,000 of them must fit in tens of MB. */
interface IpState {
  readonly key: number;
  readonly ip: number;
  readonly vlan: number;
  owner: MacRec | null;
  ownerVia: 'arp' | 'ip';
  ownerSince: number;
  /** MACs seen with this IP (an exact-size array: most IPs have one). */
  macs: MacRec[];
  /** Owner periods, created at the first change of owner (null: only `owner` since `ownerSince`). */
  history: { mac: number; from: number; to: number | null; via: 'arp' | 'ip' }[] | null;
  pending: PendingTakeover | null;
  conflict: Conflict | null;
  /** IP-traffic-only newcomer not yet confirmed as a move. */
  candidate: MacRec | null;
  multiMac: boolean;
  virtual: VirtualKind | null;
  x: IpExtra | null;
}

/** Per-MAC learning-frame statistics (RARP from OVS, 0x9000 from Linux alb/tlb). */
interface LearningRec {
  mac: number;
  count: number;
  first: number;
  last: number;
  minInterval: number;
  maxInterval: number;
  iface: string;
}

/** The `arp` section of `analyze --json`. */
export interface ArpSection {
  ips: {
    ip: string;
    vlan: number | null;
    owners: OwnerPeriod[];
    macs: { mac: string; first: number; last: number; arpClaims: number; ipFrames: number }[];
    virtual: VirtualKind | null;
    multiMac: boolean;
    probes: number;
    announcements: number;
    takeovers: number;
    conflicts: number;
    flipflops: number;
  }[];
  kinds: Record<string, number>;
  takeovers: number;
  conflicts: number;
  flipflops: number;
  probes: number;
  announcements: number;
  learning: { method: 'rarp' | 'alb'; mac: string; count: number; first: number; last: number; minInterval: number | null; maxInterval: number | null; iface: string }[];
  ipsTracked: number;
  capped: boolean;
}

/** Key of an IP within its VLAN: vid × 2^32 + IPv4 (a number, exact). */
export function ipKey(ip: number, vid: number): number {
  return vid === 0 ? ip : vid * 4294967296 + ip;
}

/** The ARP / gratuitous-ARP takeover analyzer. */
export class ArpAnalyzer implements Analyzer<ArpSection> {
  readonly section = 'arp';
  private readonly s: TeamscopeSettings;
  private readonly ips = new Map<number, IpState>();
  private capped = false;
  private cappedAt = 0;
  private readonly kinds: Record<string, number> = {};
  private readonly pendings = new Set<IpState>();
  private readonly conflicts = new Set<IpState>();
  private readonly candidates = new Set<IpState>();
  /** Takeovers watching frames sent to a MAC (the old owner for stale hosts, the new for first traffic). */
  private readonly watches = new Map<number, PendingTakeover[]>();
  /** Watched MACs per value of their low 12 bits (a filter in front of `watches` on the IP hot path). */
  private readonly watchLow = new Uint32Array(WATCH_MASK + 1);
  private readonly vips = new Map<number, VirtualKind>();
  private readonly carpGroups = new Set<number>();
  private readonly rarp = new Map<number, LearningRec>();
  private readonly alb = new Map<number, LearningRec>();
  private learningCapped = false;
  private rarpBurst: { start: number; end: number; macs: Set<number>; iface: string; evidence: Evidence[] } | null = null;
  private nextHousekeep = -Infinity;
  private lastTime = 0;
  private totals = { takeovers: 0, conflicts: 0, flipflops: 0, probes: 0, announcements: 0 };
  private readonly noteSet = new Set<string>();
  private ipv6Seen = false;
  /** IP frames without MAC addresses (Linux cooked or raw IP captures). */
  private noMacFrames = 0;
  private readonly events: TimelineEvent[] = [];

  /**
   * Hot-path cache: (IP key, MAC) → MacRec, two-way set associative. One 64-byte record per slot
   * (C_* fields) so a hit reads and writes one cache line, not one line in each of seven arrays.
   * Besides the key, MAC and record index it holds, since the slot's last sync, the last frame's
   * time, number and input and the frames counted. An empty slot is all zeros (key 0 never occurs:
   * source IP 0.0.0.0 is skipped), so the 4 MB are never written until used.
   */
  private readonly cache = new Float64Array((1 << CACHE_BITS) * CS);
  /** Every MacRec, packed; the cache's C_REC holds indexes into it. */
  private readonly recs: MacRec[] = [];

  private readonly sum: PacketSummary;

  /** `summary`: the run's shared per-packet summary (AnalyzerContext.summary), else a private one. */
  constructor(settings?: Partial<TeamscopeSettings>, private readonly sink?: EventSink, summary?: PacketSummary) {
    this.s = resolveSettings(settings);
    this.sum = summary ?? new PacketSummary();
  }

  /** Events emitted so far (also delivered to the sink). */
  emitted(): readonly TimelineEvent[] {
    return this.events;
  }

  onPacket(pkt: Packet): void {
    const sm = this.sum.fill(pkt);
    const t = pkt.time;
    if (t > this.lastTime) this.lastTime = t;
    if (t >= this.nextHousekeep) this.housekeep(t);
    const vid = sm.vlan < 0 ? 0 : sm.vlan;
    // First-hop redundancy adverts name virtual addresses (IP protocol 112, HSRP UDP 1985/2029).
    const fhrp = sm.proto === 112 || (sm.proto === 17 && (sm.dport === 1985 || sm.dport === 2029));
    if (fhrp) this.scanFhrp(pkt);
    if (sm.arp !== null) {
      this.onArp(pkt, sm.arp as ArpView, sm.ethDst, vid, sm.ethSrc);
      return;
    }
    if (sm.ethSrc < 0) {
      if (sm.ipVersion !== 0) this.noMacFrames++;
      return;
    }
    if (sm.ipVersion === 4) {
      // Only frames to a MAC some takeover watches go on (the filter spares a boxed 48-bit Map key per frame).
      if (this.watches.size !== 0 && this.watchLow[sm.ethDst & WATCH_MASK] !== 0) this.checkWatch(pkt, sm.ethDst, sm.ethSrc, sm.ipDst, sm.ipSrc, vid);
      // VRRP/CARP/HSRP adverts come from a router's own IP, sent (by the master / active router)
      // from the virtual MAC: they say nothing about who owns that IP.
      if (fhrp) return;
      this.onIpSource(pkt, sm, vid);
    } else if (sm.ipVersion === 6) this.ipv6Seen = true;
    else if (sm.etherType === ETHERTYPE_LOOPBACK && sm.ethSrc === sm.ethDst) this.learning(this.alb, sm.ethSrc, pkt);
  }

  private scanFhrp(pkt: Packet): void {
    for (const l of pkt.layers) {
      if (l.layer === 'vrrp') this.onVrrp(l as VrrpView);
      else if (l.layer === 'carp') this.carpGroups.add((l as unknown as { vhid: number }).vhid);
      else if (l.layer === 'hsrp') this.onHsrp(l as unknown as Record<string, unknown>);
    }
  }

  /**
   * Hot path: remember that the summarised frame's source MAC sent from its source IP (non-routed
   * frames only). Reads the summary itself: a 48-bit MAC passed as an argument would be boxed per frame.
   */
  private onIpSource(pkt: Packet, sm: PacketSummary, vid: number): void {
    const src = sm.ipSrc;
    const mac = sm.ethSrc;
    if (src === 0 || src >>> 28 >= 14 || !isInitialTtl(sm.ttl) || isGroupMac(mac)) return;
    const key = vid === 0 ? src : vid * 4294967296 + src;
    // IP and MAC mixed separately (a MAC derived from the IP must not cancel it out), then finalised.
    let h = Math.imul(src, 0x9e3779b1) ^ Math.imul(mac | 0, 0x85ebca6b) ^ Math.imul(((mac / 4294967296) | 0) + vid, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> (32 - CACHE_BITS);
    // Two-way set: slots h and h ^ 1. A hit touches one typed-array record only (no object, no allocation).
    const c = this.cache;
    let hit = -1;
    if (c[h * CS + C_KEY] === key && c[h * CS + C_MAC] === mac) hit = h;
    else if (c[(h ^ 1) * CS + C_KEY] === key && c[(h ^ 1) * CS + C_MAC] === mac) hit = h ^ 1;
    if (hit >= 0) {
      const o = hit * CS;
      c[o + C_LAST] = pkt.time;
      c[o + C_FRAME] = pkt.frame.index;
      c[o + C_INPUT] = pkt.frame.iface.input;
      c[o + C_COUNT]! += 1;
      return;
    }
    const st = this.state(key, src, vid);
    if (st === null) return;
    const r = this.macRec(st, mac, pkt);
    if (r === null) return;
    r.last = pkt.time;
    r.lastInput = pkt.frame.iface.input;
    r.lastFrame = pkt.frame.index;
    r.ipFrames++;
    // Install in the less recently used slot of the set, flushing what it held.
    const slot = c[h * CS + C_LAST]! <= c[(h ^ 1) * CS + C_LAST]! ? h : h ^ 1;
    const o = slot * CS;
    if (c[o + C_KEY] !== 0) {
      const old = this.recs[c[o + C_REC]!]!;
      this.sync(old);
      old.slot = -1;
    }
    if (r.slot >= 0) this.sync(r);
    c[o + C_KEY] = key;
    c[o + C_MAC] = mac;
    c[o + C_REC] = r.id;
    c[o + C_LAST] = pkt.time;
    c[o + C_COUNT] = 0;
    r.slot = slot;
    if (st.owner === null) this.setOwner(st, r, pkt.time, 'ip');
    else if (st.owner !== r && st.conflict === null && st.pending?.toMac !== mac && st.candidate === null && st.pending?.fromMac !== mac) {
      // A MAC other than the owner sends from the IP without having claimed it in ARP: a move
      // without gratuitous ARP, or several MACs using one IP (teaming with MAC replacement).
      if (r.ipFrames === 1 && r.arpClaims === 0) {
        st.candidate = r;
        this.candidates.add(st);
      }
    }
  }

  /** Fold what the hot-path slot of `r` counted since the last sync into `r`. */
  private sync(r: MacRec): void {
    if (r.slot < 0) return;
    const c = this.cache;
    const o = r.slot * CS;
    if (c[o + C_REC] !== r.id || c[o + C_KEY] === 0) return;
    const n = c[o + C_COUNT]!;
    if (n === 0) return;
    r.ipFrames += n;
    c[o + C_COUNT] = 0;
    const t = c[o + C_LAST]!;
    if (t >= r.last) {
      r.last = t;
      r.lastFrame = c[o + C_FRAME]!;
      r.lastInput = c[o + C_INPUT]!;
    }
  }

  /** The last frame (time, evidence) from `mac` before `before`, over every IP it used. */
  private lastFrom(mac: number, before: number): { time: number; ev: Evidence } | null {
    let best: MacRec | null = null;
    // Rare (once per takeover): a scan of every record beats an index kept for every IP.
    for (const r of this.recs) {
      if (r.mac !== mac) continue;
      if (r.slot >= 0) this.sync(r);
      if (r.last <= before && (best === null || r.last > best.last)) best = r;
    }
    return best === null ? null : { time: best.last, ev: { input: best.lastInput, frame: best.lastFrame } };
  }

  /** Sync every MAC record of an IP before reading their last-seen times. */
  private syncIp(st: IpState): void {
    for (const m of st.macs) if (m.slot >= 0) this.sync(m);
  }

  private state(key: number, ip: number, vid: number): IpState | null {
    let st = this.ips.get(key);
    if (st) return st;
    if (this.ips.size >= this.s.maxIps) {
      if (!this.capped) {
        this.capped = true;
        this.cappedAt = this.lastTime;
      }
      return null;
    }
    st = {
      key,
      ip,
      vlan: vid,
      owner: null,
      ownerVia: 'ip',
      ownerSince: 0,
      macs: NO_MACS,
      history: null,
      pending: null,
      conflict: null,
      candidate: null,
      multiMac: false,
      virtual: this.vips.get(key) ?? null,
      x: null,
    };
    this.ips.set(key, st);
    return st;
  }

  /** The rarely used part of an IP's state, allocated on first use. */
  private cx(st: IpState): IpExtra {
    return (st.x ??= { macsDropped: 0, historyDropped: 0, probes: 0, lastProbe: null, announcements: 0, garps: 0, replies: 0, requests: 0, takeovers: 0, conflicts: 0, flipflops: 0 });
  }

  private macRec(st: IpState, mac: number, pkt: Packet): MacRec | null {
    const ms = st.macs;
    for (let i = 0; i < ms.length; i++) if (ms[i]!.mac === mac) return ms[i]!;
    if (ms.length >= MAX_MACS_PER_IP) {
      this.cx(st).macsDropped++;
      return null;
    }
    const r: MacRec = { id: this.recs.length, slot: -1, mac, first: pkt.time, last: pkt.time, lastInput: pkt.frame.iface.input, lastFrame: pkt.frame.index, arpClaims: 0, lastClaim: -Infinity, ipFrames: 0 };
    if (ms.length === 0) st.macs = [r];
    else ms.push(r);
    this.recs.push(r);
    if (st.virtual === null) st.virtual = this.virtualOfMac(mac);
    return r;
  }

  private virtualOfMac(mac: number): VirtualKind | null {
    const p = virtualMacProtocol(mac);
    if (p === 'vrrp' && this.carpGroups.has(virtualMacGroup(mac))) return 'carp';
    return p;
  }

  private setOwner(st: IpState, r: MacRec, time: number, via: 'arp' | 'ip'): void {
    const prev = st.owner;
    if (prev !== null) {
      const h = st.history ?? (st.history = [{ mac: prev.mac, from: st.ownerSince, to: null, via: st.ownerVia }]);
      h[h.length - 1]!.to = time;
      if (h.length >= MAX_HISTORY) {
        h.shift();
        this.cx(st).historyDropped++;
      }
      h.push({ mac: r.mac, from: time, to: null, via });
    }
    st.owner = r;
    st.ownerVia = via;
    st.ownerSince = time;
  }

  // ---------------------------------------------------------------------------------------------
  // ARP

  private onArp(pkt: Packet, a: ArpView, ethDst: number, vid: number, ethSrc = -1): void {
    const kind = a.kind;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (kind === 'rarp-request' || kind === 'rarp-reply') {
      if (a.hlen === 6) this.onRarp(pkt, a);
      return;
    }
    if (a.hlen !== 6 || a.plen !== 4 || a.ptype !== 0x0800) return;
    const t = pkt.time;
    const ev = evidenceOf(pkt);
    // Unicast ARP to a MAC a takeover watches (Linux re-checks a stale entry by unicast request).
    if (ethDst >= 0 && this.watches.size !== 0 && !isGroupMac(ethDst)) this.checkWatch(pkt, ethDst, a.sha, a.tpa, a.spa, vid);
    if (kind === 'probe') {
      const st = this.state(ipKey(a.tpa, vid), a.tpa, vid);
      this.totals.probes++;
      if (st === null) return;
      const x = this.cx(st);
      x.probes++;
      x.lastProbe = { mac: a.sha, time: t, ev };
      return;
    }
    if (a.spa === 0 || a.spa >>> 28 >= 14 || a.spa === 0xffffffff) return;
    const st = this.state(ipKey(a.spa, vid), a.spa, vid);
    if (st === null) return;
    const garp = kind === 'gratuitous-request' || kind === 'gratuitous-reply' || kind === 'announcement';
    if (garp) {
      this.cx(st).garps++;
      if (kind === 'announcement') {
        this.cx(st).announcements++;
        this.totals.announcements++;
      }
    } else if (a.opcode === 2) this.cx(st).replies++;
    else this.cx(st).requests++;
    this.claim(st, a.sha, pkt, garp, kind === 'gratuitous-reply' || (garp && a.opcode === 2), ev);
    if (ethSrc >= 0 && ethSrc !== a.sha && st.pending !== null && st.pending.toMac === a.sha && st.pending.time === pkt.time) st.pending.senderMismatch = ethSrc;
  }

  /** `mac` claimed the IP in an ARP packet (SPA = IP, SHA = MAC). */
  private claim(st: IpState, mac: number, pkt: Packet, garp: boolean, replyForm: boolean, ev: Evidence): void {
    const t = pkt.time;
    const r = this.macRec(st, mac, pkt);
    if (r === null) return;
    this.syncIp(st);
    r.last = t;
    r.lastInput = pkt.frame.iface.input;
    r.lastFrame = pkt.frame.index;
    r.arpClaims++;
    r.lastClaim = t;
    const w = this.s.conflictWindow;

    // RFC 5227 §2.1.1: an ARP for the probed address from another MAC means the address is in use.
    const probe = st.x?.lastProbe ?? null;
    if (probe !== null && probe.mac !== mac && t - probe.time <= w) {
      // A point in time: the answer that told the prober its address is in use.
      this.emitConflict(st, t, t, [probe.mac, mac], [probe.ev, ev], 'probe');
      st.x!.lastProbe = null;
    }

    if (st.conflict !== null) {
      st.conflict.claims.set(mac, t);
      pushEvidence(st.conflict.evidence, ev);
      if (st.candidate === r) st.candidate = null;
      return;
    }
    const owner = st.owner;
    if (owner === null) {
      this.setOwner(st, r, t, 'arp');
      return;
    }
    const p = st.pending;
    if (owner.mac === mac) {
      st.ownerVia = 'arp';
      if (p !== null && p.toMac === mac && garp) p.garp(t, replyForm, ev);
      return;
    }
    // A different MAC claims the IP.
    if (p !== null && p.fromMac === mac && t - p.time <= w) {
      // The old owner claims again right after the new one: both answer for the IP.
      this.startConflict(st, p.time, [p.fromMac, p.toMac], p.evidence.slice(0, 4), ev, t);
      this.closePending(st, false);
      return;
    }
    if (p !== null) this.closePending(st, true);
    if (st.candidate !== null && st.candidate !== r) st.candidate = null;
    if (st.candidate === r) st.candidate = null;
    const tk = new PendingTakeover(
      st.key,
      st.ip,
      st.vlan,
      owner.mac,
      mac,
      t,
      owner.last,
      { input: owner.lastInput, frame: owner.lastFrame },
      'arp',
      st.virtual ?? this.virtualOfMac(mac) ?? this.virtualOfMac(owner.mac),
      ev,
    );
    if (garp) tk.garp(t, replyForm, ev);
    tk.lastFromOldMac = this.lastFrom(owner.mac, t)?.time ?? -1;
    this.openPending(st, tk);
    this.setOwner(st, r, t, 'arp');
  }

  private openPending(st: IpState, tk: PendingTakeover): void {
    if (this.pendings.size >= MAX_PENDING) {
      const oldest = this.pendings.values().next().value as IpState;
      this.closePending(oldest, true);
      this.noteSet.add(`more than ${MAX_PENDING} takeovers watched at once: the oldest were closed before their ${this.s.staleWindow} s stale-cache window ended`);
    }
    st.pending = tk;
    this.pendings.add(st);
    this.addWatch(tk.fromMac, tk);
    this.addWatch(tk.toMac, tk);
    // Flip-flop: back to the MAC that owned the IP just before (arpwatch's "flip flop").
    const h = st.history;
    if (h && h.length >= 2) {
      const prev = h[h.length - 2]!;
      if (prev.mac === tk.toMac && tk.time - h[h.length - 1]!.from <= this.s.flipflopWindow) {
        tk.flipflop = true;
        this.cx(st).flipflops++;
        this.totals.flipflops++;
        this.emit({
          kind: 'arp.flipflop',
          time: tk.time,
          severity: 'warning',
          evidence: tk.evidence.slice(),
          text: `${ipv4Text(st.ip)} flip-flopped back ${macText(tk.fromMac)} → ${macText(tk.toMac)} ${round6(tk.time - h[h.length - 1]!.from).toFixed(3)} s after moving away`,
          ip: ipv4Text(st.ip),
          fromMac: macText(tk.fromMac),
          toMac: macText(tk.toMac),
          vlan: st.vlan || null,
          virtual: tk.virtual,
          since: h[h.length - 1]!.from,
        });
      }
    }
  }

  private addWatch(mac: number, tk: PendingTakeover): void {
    const l = this.watches.get(mac);
    if (l) l.push(tk);
    else {
      this.watches.set(mac, [tk]);
      this.watchLow[mac & WATCH_MASK]!++;
    }
  }

  private dropWatch(mac: number, tk: PendingTakeover): void {
    const l = this.watches.get(mac);
    if (!l) return;
    const i = l.indexOf(tk);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) {
      this.watches.delete(mac);
      this.watchLow[mac & WATCH_MASK]!--;
    }
  }

  /** A frame (IP or unicast ARP) from (srcMac, srcIp) to (dstMac, dstIp) while takeovers are watched. */
  private checkWatch(pkt: Packet, dstMac: number, srcMac: number, dstIp: number, srcIp: number, vid: number): void {
    const l = this.watches.get(dstMac);
    if (l === undefined) return;
    const key = ipKey(dstIp, vid);
    for (let i = 0; i < l.length; i++) {
      const tk = l[i]!;
      if (tk.key !== key || pkt.time < tk.time) continue;
      if (dstMac === tk.fromMac) {
        if (srcMac !== tk.fromMac && srcMac !== tk.toMac) tk.staleFrame(srcMac, srcIp, pkt.time, evidenceOf(pkt));
      } else if (dstMac === tk.toMac) tk.trafficToNew(pkt.time, evidenceOf(pkt));
    }
  }

  /** Close a takeover's watch; `emit` false when it turned out to be a conflict. */
  private closePending(st: IpState, emit: boolean): void {
    const tk = st.pending;
    if (tk === null) return;
    st.pending = null;
    this.pendings.delete(st);
    this.dropWatch(tk.fromMac, tk);
    this.dropWatch(tk.toMac, tk);
    if (!emit) return;
    if (tk.event === null) {
      this.confirm(st, tk);
      return;
    }
    // Emitted when confirmed: now that the watch is over, complete it (stale hosts, first traffic).
    this.oldAfter(st, tk);
    Object.assign(tk.event, tk.toEvent());
    this.update(tk.event);
  }

  /** The move stood for the conflict window: emit it now (live), completed when its watch closes. */
  private confirm(st: IpState, tk: PendingTakeover): void {
    // A move back to the previous owner is told as arp.flipflop (emitted when it happened), not as a takeover.
    if (tk.flipflop) {
      if (st.pending === tk) this.closePending(st, false);
      return;
    }
    if (this.oldAfter(st, tk)) {
      // The old "owner" was only ever seen in IP traffic and keeps sending beside the ARP owner:
      // a team member's replaced source MAC (PROTOCOLS.md §3.5), not a move.
      st.multiMac = true;
      this.noteSet.add(MULTI_MAC_NOTE);
      if (st.pending === tk) this.closePending(st, false);
      return;
    }
    this.cx(st).takeovers++;
    this.totals.takeovers++;
    tk.event = tk.toEvent();
    this.emit(tk.event);
  }

  /** Did the old owner go on sending from the IP after the move? True when that means "not a move". */
  private oldAfter(st: IpState, tk: PendingTakeover): boolean {
    this.syncIp(st);
    const old = st.macs.find((m) => m.mac === tk.fromMac);
    if (!old || old.last <= tk.time || old.ipFrames === 0) return false;
    if (tk.via === 'arp' && old.arpClaims === 0) return true;
    tk.oldAfter = 1;
    tk.oldAfterUntil = old.last;
    return false;
  }

  private update(e: TimelineEvent): void {
    const sink = this.sink as (EventSink & { update?(e: TimelineEvent): void }) | undefined;
    sink?.update?.(e);
  }

  private startConflict(st: IpState, start: number, macs: number[], evidence: Evidence[], ev: Evidence, t: number): void {
    const claims = new Map<number, number>();
    for (const m of macs) claims.set(m, st.macs.find((x) => x.mac === m)?.lastClaim ?? t);
    const c: Conflict = { start, claims, evidence: [...evidence], reason: 'claims', event: null };
    pushEvidence(c.evidence, ev);
    st.conflict = c;
    this.conflicts.add(st);
    // Live view: say it now; the end is filled in when only one MAC goes on claiming.
    c.event = this.emitConflict(st, start, t, macs, c.evidence, 'claims', true);
  }

  /** End the conflict: the last MAC still claiming keeps (or takes) the IP. */
  private endConflict(st: IpState, ongoing: boolean): void {
    const c = st.conflict;
    if (c === null) return;
    st.conflict = null;
    this.conflicts.delete(st);
    let lastMac = -1;
    let lastT = -Infinity;
    let end = c.start;
    for (const [m, tt] of c.claims) {
      if (tt > lastT) {
        lastT = tt;
        lastMac = m;
      }
    }
    for (const [m, tt] of c.claims) if (m !== lastMac && tt > end) end = tt;
    if (ongoing) end = lastT;
    const e = this.conflictEvent(st, c.start, end, [...c.claims.keys()], c.evidence, c.reason, ongoing);
    if (c.event !== null) {
      Object.assign(c.event, e);
      this.update(c.event);
    }
    const r = st.macs.find((m) => m.mac === lastMac);
    if (r && st.owner !== r) this.setOwner(st, r, lastT, 'arp');
  }

  private emitConflict(st: IpState, start: number, end: number, macs: number[], evidence: Evidence[], reason: 'claims' | 'probe', ongoing = false): TimelineEvent {
    this.cx(st).conflicts++;
    this.totals.conflicts++;
    const e = this.conflictEvent(st, start, end, macs, evidence, reason, ongoing);
    this.emit(e);
    return e;
  }

  private conflictEvent(st: IpState, start: number, end: number, macs: number[], evidence: Evidence[], reason: 'claims' | 'probe', ongoing: boolean): TimelineEvent {
    const virt = macs.map((m) => this.virtualOfMac(m)).find((v) => v !== null) ?? st.virtual;
    const albMacs = macs.filter((m) => this.alb.has(m));
    const explanation = albMacs.length ? 'balance-alb' : virt && macs.some((m) => this.virtualOfMac(m) !== null) ? 'virtual-and-physical' : null;
    const ipText = ipv4Text(st.ip);
    const what =
      reason === 'probe'
        ? `${macText(macs[1]!)} answered ${macText(macs[0]!)}'s RFC 5227 probe for ${ipText}: address in use`
        : `${ipText} claimed by ${macs.map(macText).join(' and ')} within ${this.s.conflictWindow} s`;
    const why =
      explanation === 'balance-alb'
        ? ' (these MACs send Linux balance-alb learning frames: receive load balancing, not a conflict)'
        : explanation === 'virtual-and-physical'
          ? ` (${virt!.toUpperCase()} virtual MAC and a router's own MAC answered for the same address)`
          : '';
    return {
      kind: 'arp.conflict',
      time: start,
      severity: explanation ? 'info' : 'error',
      evidence: evidence.slice(),
      text: what + why,
      start,
      end,
      duration: round6(end - start),
      ip: ipText,
      macs: macs.map(macText),
      vlan: st.vlan || null,
      reason,
      virtual: virt,
      explanation,
      ongoing,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // VRRP / HSRP virtual addresses, RARP and 0x9000 learning frames

  private onVrrp(v: VrrpView): void {
    const addrs = v.addrs;
    if (!addrs) return;
    for (const a of addrs) if (typeof a === 'number') this.markVip(a, 'vrrp');
  }

  private onHsrp(h: Record<string, unknown>): void {
    const vip = h.virtualIp ?? h.vip ?? h.virtualIpAddress;
    if (typeof vip === 'number' && vip !== 0) this.markVip(vip, 'hsrp');
  }

  private markVip(ip: number, kind: VirtualKind): void {
    if (this.vips.has(ip) || this.vips.size >= MAX_LEARNING_MACS) return;
    this.vips.set(ip, kind);
    const st = this.ips.get(ip);
    if (st && st.virtual === null) st.virtual = kind;
  }

  private learning(table: Map<number, LearningRec>, mac: number, pkt: Packet): LearningRec | null {
    const t = pkt.time;
    let r = table.get(mac);
    if (!r) {
      if (table.size >= MAX_LEARNING_MACS) {
        this.learningCapped = true;
        return null;
      }
      r = { mac, count: 0, first: t, last: t, minInterval: Infinity, maxInterval: 0, iface: pkt.frame.iface.name };
      table.set(mac, r);
    } else {
      const d = t - r.last;
      if (d < r.minInterval) r.minInterval = d;
      if (d > r.maxInterval) r.maxInterval = d;
      r.last = t;
    }
    r.count++;
    return r;
  }

  private onRarp(pkt: Packet, a: ArpView): void {
    this.learning(this.rarp, a.sha, pkt);
    const t = pkt.time;
    const b = this.rarpBurst;
    if (b !== null && t - b.end <= 1) {
      b.end = t;
      if (b.macs.size < 4096) b.macs.add(a.sha);
      pushEvidence(b.evidence, evidenceOf(pkt));
      return;
    }
    this.flushRarpBurst();
    this.rarpBurst = { start: t, end: t, macs: new Set([a.sha]), iface: pkt.frame.iface.name, evidence: [evidenceOf(pkt)] };
  }

  private flushRarpBurst(): void {
    const b = this.rarpBurst;
    if (b === null) return;
    this.rarpBurst = null;
    const macs = [...b.macs];
    this.emit({
      kind: 'arp.rarp',
      time: b.start,
      severity: 'info',
      evidence: b.evidence,
      text: `${macs.length} RARP learning frame MAC${macs.length > 1 ? 's' : ''} on ${b.iface} (Open vSwitch bond failover announces MACs this way)`,
      start: b.start,
      end: b.end,
      iface: b.iface,
      macs: macs.slice(0, 16).map(macText),
      count: macs.length,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  private housekeep(now: number): void {
    this.nextHousekeep = now + 1;
    const w = this.s.conflictWindow;
    for (const st of this.pendings) {
      const tk = st.pending!;
      if (now - tk.time > Math.max(this.s.staleWindow, w)) this.closePending(st, true);
      else if (tk.event === null && now - tk.time > w) this.confirm(st, tk);
    }
    for (const st of this.conflicts) {
      const c = st.conflict!;
      let active = 0;
      for (const tt of c.claims.values()) if (now - tt <= w) active++;
      if (active <= 1) this.endConflict(st, false);
    }
    for (const st of this.candidates) this.checkCandidate(st, now, false);
    if (this.rarpBurst !== null && now - this.rarpBurst.end > 1) this.flushRarpBurst();
  }

  /** Decide an IP-traffic-only newcomer: a move without ARP, or several MACs sharing the IP. */
  private checkCandidate(st: IpState, now: number, final: boolean): void {
    const c = st.candidate;
    const o = st.owner;
    if (c === null || o === null || o === c || st.pending !== null || st.conflict !== null) {
      st.candidate = null;
      this.candidates.delete(st);
      return;
    }
    this.syncIp(st);
    if (o.last > c.first) {
      // Both MACs keep sending from the IP: MAC replacement on a team (PROTOCOLS.md §3.5) or a duplicate.
      st.multiMac = true;
      st.candidate = null;
      this.candidates.delete(st);
      this.noteSet.add(MULTI_MAC_NOTE);
      return;
    }
    if (!final && now - c.first <= this.s.conflictWindow) return;
    st.candidate = null;
    this.candidates.delete(st);
    const tk = new PendingTakeover(st.key, st.ip, st.vlan, o.mac, c.mac, c.first, o.last, { input: o.lastInput, frame: o.lastFrame }, 'ip', st.virtual, {
      input: c.lastInput,
      frame: c.lastFrame,
    });
    tk.lastFromOldMac = this.lastFrom(o.mac, c.first)?.time ?? -1;
    this.openPending(st, tk);
    this.setOwner(st, c, c.first, 'ip');
    if (final) this.closePending(st, true);
  }

  tick(time: number): void {
    if (time > this.lastTime) this.lastTime = time;
    if (time >= this.nextHousekeep) this.housekeep(time);
  }

  finish(time: number): void {
    const now = Math.max(time, this.lastTime);
    for (const st of [...this.candidates]) this.checkCandidate(st, now, true);
    for (const st of [...this.pendings]) this.closePending(st, true);
    for (const st of [...this.conflicts]) {
      const c = st.conflict!;
      let active = 0;
      for (const tt of c.claims.values()) if (now - tt <= this.s.conflictWindow) active++;
      this.endConflict(st, active > 1);
    }
    this.flushRarpBurst();
  }

  private emit(e: TimelineEvent): void {
    this.events.push(e);
    this.sink?.emit(e);
  }

  result(): ArpSection {
    const ips: ArpSection['ips'] = [];
    // By VLAN, then address: the states' numbers, not the texts (no string split per comparison).
    const states = [...this.ips.values()].sort((a, b) => a.vlan - b.vlan || a.ip - b.ip);
    for (const st of states) {
      this.syncIp(st);
      const periods = st.history ?? (st.owner ? [{ mac: st.owner.mac, from: st.ownerSince, to: null, via: st.ownerVia }] : []);
      const owners: OwnerPeriod[] = periods.map((h) => ({ mac: macText(h.mac), from: h.from, to: h.to, via: h.via }));
      ips.push({
        ip: ipv4Text(st.ip),
        vlan: st.vlan || null,
        owners,
        macs: st.macs.map((m) => ({ mac: macText(m.mac), first: m.first, last: m.last, arpClaims: m.arpClaims, ipFrames: m.ipFrames })),
        virtual: st.virtual,
        multiMac: st.multiMac,
        probes: st.x?.probes ?? 0,
        announcements: st.x?.announcements ?? 0,
        takeovers: st.x?.takeovers ?? 0,
        conflicts: st.x?.conflicts ?? 0,
        flipflops: st.x?.flipflops ?? 0,
      });
    }
    const learning: ArpSection['learning'] = [];
    const lr = (method: 'rarp' | 'alb', r: LearningRec) =>
      learning.push({
        method,
        mac: macText(r.mac),
        count: r.count,
        first: r.first,
        last: r.last,
        minInterval: r.count > 1 ? round6(r.minInterval) : null,
        maxInterval: r.count > 1 ? round6(r.maxInterval) : null,
        iface: r.iface,
      });
    for (const r of this.rarp.values()) lr('rarp', r);
    for (const r of this.alb.values()) lr('alb', r);
    return {
      ips,
      kinds: { ...this.kinds },
      ...this.totals,
      learning,
      ipsTracked: this.ips.size,
      capped: this.capped,
    };
  }

  notes(): string[] {
    const n = [...this.noteSet];
    if (this.capped)
      n.push(`ARP/IP ownership table full at ${this.s.maxIps} IPs (from ${new Date(this.cappedAt * 1000).toISOString()}): later new IPs were not tracked (raise --max-ips)`);
    if (this.learningCapped) n.push(`more than ${MAX_LEARNING_MACS} MACs sent RARP/0x9000 learning frames: the rest were not listed`);
    let dropped = 0;
    for (const st of this.ips.values()) dropped += st.x?.macsDropped ?? 0;
    if (dropped) n.push(`${dropped} frames came from a ${MAX_MACS_PER_IP + 1}th or later MAC of one IP and were not tracked`);
    if (this.noMacFrames)
      n.push(`${this.noMacFrames} IP frames carry no MAC addresses (Linux cooked / raw IP capture): ownership from IP traffic and stale ARP caches cannot be seen in them (ARP still is)`);
    if (this.ipv6Seen) n.push('IPv6 address ownership (neighbor discovery) is not tracked by the ARP analyzer');
    return n;
  }
}
