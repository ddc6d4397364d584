// A takeover in progress (IP moved from MAC A to MAC B): counts the new owner's gratuitous ARPs,
// watches for the first traffic to B and for hosts still sending to A (stale ARP caches), and
// turns into an `arp.takeover` event (shared/FINDINGS.md) once its watch window closes.
import { ipv4Text, macText } from '../../dissectors/core.js';
import { type Evidence, type TimelineEvent, pushEvidence } from './types.js';

/** At most this many stale hosts are listed per takeover (the rest are counted). */
export const MAX_STALE_HOSTS = 32;
/** At most this many GARP times are kept per takeover (for spacing). */
export const MAX_GARP_TIMES = 16;

/** One host that kept sending to the old MAC after the takeover. */
export interface StaleHost {
  mac: string;
  ip: string;
  /** Last frame it sent to the old MAC (epoch s). */
  until: number;
  frames: number;
}

/** How the new owner's gratuitous ARPs were formed (RFC 5944 §4.6: Request or Reply). */
export type GarpForm = 'request' | 'reply' | 'mixed';

/** First-hop redundancy protocol behind a virtual address or MAC. */
export type VirtualKind = 'vrrp' | 'hsrp' | 'carp';

/** Mutable state of one takeover while its window is open. */
export class PendingTakeover {
  garps = 0;
  requestForm = false;
  replyForm = false;
  garpTimes: number[] = [];
  firstAnnouncement: number | null = null;
  firstTrafficToNew: number | null = null;
  readonly stale = new Map<number, { mac: number; ip: number; until: number; frames: number }>();
  staleOthers = 0;
  readonly evidence: Evidence[] = [];
  /** Frames the old MAC sent for this IP after the takeover (IP still in use by A?). */
  oldAfter = 0;
  oldAfterUntil = 0;
  flipflop = false;
  /** Ethernet source of the new owner's first claim when it differs from the ARP sender MAC (-1: same). */
  senderMismatch = -1;
  /** Last frame from the old MAC whatever its source IP (lastFromOld: with this IP as source). */
  lastFromOldMac = -1;
  /** The event once emitted (live view); completed in place when the watch closes. */
  event: TimelineEvent | null = null;

  constructor(
    readonly key: number,
    readonly ip: number,
    readonly vlan: number,
    readonly fromMac: number,
    readonly toMac: number,
    /** First claim by the new owner (ARP) or its first frame (IP-only move). */
    readonly time: number,
    /** Last frame from the old owner for this IP before `time` (-1 if never seen). */
    readonly lastFromOld: number,
    lastFromOldEvidence: Evidence | null,
    /** How the move was seen: an ARP claim, or IP traffic alone (no ARP from the new owner). */
    readonly via: 'arp' | 'ip',
    public virtual: VirtualKind | null,
    first: Evidence,
  ) {
    if (lastFromOldEvidence) this.evidence.push(lastFromOldEvidence);
    this.evidence.push(first);
  }

  /** The new owner sent a gratuitous ARP / announcement for the IP. */
  garp(time: number, reply: boolean, ev: Evidence): void {
    this.garps++;
    if (reply) this.replyForm = true;
    else this.requestForm = true;
    if (this.firstAnnouncement === null) this.firstAnnouncement = time;
    if (this.garpTimes.length < MAX_GARP_TIMES) this.garpTimes.push(time);
    pushEvidence(this.evidence, ev);
  }

  /** A frame to the old MAC for the IP, sent by host (mac, ip). */
  staleFrame(hostMac: number, hostIp: number, time: number, ev: Evidence): void {
    const s = this.stale.get(hostMac);
    if (s) {
      s.until = time;
      s.frames++;
      if (hostIp !== 0 && s.ip === 0) s.ip = hostIp;
      return;
    }
    if (this.stale.size >= MAX_STALE_HOSTS) {
      this.staleOthers++;
      return;
    }
    this.stale.set(hostMac, { mac: hostMac, ip: hostIp, until: time, frames: 1 });
    pushEvidence(this.evidence, ev);
  }

  /** A frame to the new MAC for the IP. */
  trafficToNew(time: number, ev: Evidence): void {
    if (this.firstTrafficToNew !== null) return;
    this.firstTrafficToNew = time;
    pushEvidence(this.evidence, ev);
  }

  garpForm(): GarpForm | null {
    if (this.requestForm && this.replyForm) return 'mixed';
    if (this.requestForm) return 'request';
    if (this.replyForm) return 'reply';
    return null;
  }

  /** The `arp.takeover` event (FINDINGS.md required fields first, then details). */
  toEvent(): TimelineEvent {
    const ipText = ipv4Text(this.ip);
    const stale = [...this.stale.values()]
      .sort((a, b) => a.until - b.until)
      .map((s) => ({ mac: macText(s.mac), ip: s.ip ? ipv4Text(s.ip) : null, until: s.until, frames: s.frames }));
    const staleFor = stale.length ? Math.max(...stale.map((s) => s.until)) - this.time : 0;
    const intervals: number[] = [];
    for (let i = 1; i < this.garpTimes.length; i++) intervals.push(round6(this.garpTimes[i]! - this.garpTimes[i - 1]!));
    const gap = this.lastFromOld >= 0 ? round6(this.time - this.lastFromOld) : null;
    const form = this.garpForm();
    const severity = stale.length || this.garps === 0 || this.oldAfter > 0 ? 'warning' : 'info';
    const parts = [`${ipText}${this.vlan ? ` (vlan ${this.vlan})` : ''} moved ${macText(this.fromMac)} → ${macText(this.toMac)}`];
    parts.push(this.garps ? `${this.garps} gratuitous ARP${this.garps > 1 ? 's' : ''} (${form} form)` : 'no gratuitous ARP');
    if (gap !== null) parts.push(`${gap.toFixed(3)} s after the old owner's last frame`);
    if (stale.length) parts.push(`${stale.length + this.staleOthers} host${stale.length + this.staleOthers > 1 ? 's' : ''} kept sending to the old MAC for ${staleFor.toFixed(3)} s`);
    if (this.oldAfter) parts.push(`old MAC still sent ${this.oldAfter} frame(s) from this IP until ${this.oldAfterUntil.toFixed(3)}`);
    if (this.virtual) parts.push(`${this.virtual.toUpperCase()} virtual address`);
    if (this.flipflop) parts.push('moved back (flip-flop)');
    if (this.senderMismatch >= 0) parts.push(`the claim came in a frame from ${macText(this.senderMismatch)}, not from the ARP sender MAC (proxy, bridge or forged)`);
    return {
      kind: 'arp.takeover',
      time: this.time,
      severity,
      evidence: this.evidence,
      text: parts.join('; '),
      ip: ipText,
      fromMac: macText(this.fromMac),
      toMac: macText(this.toMac),
      lastFromOld: this.lastFromOld >= 0 ? this.lastFromOld : null,
      garps: this.garps,
      garpForm: form,
      stale: stale.map((s) => ({ mac: s.mac, ip: s.ip, until: s.until })),
      virtual: this.virtual,
      vlan: this.vlan || null,
      via: this.via,
      gap,
      lastFromOldMac: this.lastFromOldMac >= 0 ? this.lastFromOldMac : null,
      firstAnnouncement: this.firstAnnouncement,
      garpIntervals: intervals,
      firstTrafficToNew: this.firstTrafficToNew,
      staleHosts: stale.length + this.staleOthers,
      staleFor: round6(staleFor),
      staleDetail: stale,
      oldStillSending: this.oldAfter ? { frames: this.oldAfter, until: this.oldAfterUntil } : null,
      flipflop: this.flipflop,
      ethernetSource: this.senderMismatch >= 0 ? macText(this.senderMismatch) : null,
    };
  }
}

/** Round to microseconds (FINDINGS.md time precision). */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
