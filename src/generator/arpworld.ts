// An L2 segment with IP owners and clients, for the ARP scenarios: gratuitous-ARP bursts in each
// failover software's habit (PROTOCOLS.md §2.7), ARP request/reply exchanges, and client traffic to
// a service IP that goes to whatever MAC each client's ARP cache holds (stale caches included).
import { ipv4Text } from '../../dissectors/core.js';
import type { Emission, FrameRef } from './engine.js';
import { us } from './engine.js';
import { BROADCAST_MAC, arpFrame, udpFrame } from './frames.js';
import type { Rng } from './prng.js';
import type { ScenarioContext } from './scenario.js';
import { zeroPayload } from './build.js';

/** GARP habits of failover software (PROTOCOLS.md §2.7). */
export interface GarpHabit {
  /** ARP Request (opcode 1) or Reply (opcode 2). */
  form: 'request' | 'reply';
  /** THA of the Request form: zero or broadcast. */
  tha: 'zero' | 'broadcast';
  count: number;
  /** Spacing within a burst (s). */
  interval: number;
  /** A second burst this many seconds after the first (0 = none). */
  repeatAfter: number;
  /** Delay between the old owner's failure and the first GARP (detection + start-up), s. */
  detection: number;
  source: string;
}

/** Habits: keepalived, pacemaker IPaddr2, Windows cluster IP resource, Linux bonding active-backup. */
export const HABITS: Readonly<Record<string, GarpHabit>> = {
  keepalived: {
    form: 'request',
    tha: 'broadcast',
    count: 5,
    interval: 0.0002,
    repeatAfter: 5,
    detection: 3.609,
    source: 'keepalived: 5 GARPs on becoming MASTER and 5 more after vrrp_garp_master_delay 5 s (acassen/keepalived#2469); Request with THA ff:ff:ff:ff:ff:ff (#223); takeover after Master_Down_Interval 3 × 1 s + skew (256 − 100)/256 s',
  },
  pacemaker: {
    form: 'request',
    tha: 'broadcast',
    count: 5,
    interval: 0.2,
    repeatAfter: 0,
    detection: 11,
    source: 'pacemaker IPaddr2 send_arp: arp_count 5, arp_interval 200 ms, Request with THA ff:…:ff (ClusterLabs/resource-agents#1131); detection = monitor interval 10 s + start',
  },
  windows: {
    form: 'request',
    tha: 'zero',
    count: 3,
    interval: 1,
    repeatAfter: 0,
    detection: 21,
    source: 'Windows TCP/IP registers a cluster IP by broadcasting an ARP request for it "several times" (KB Q168567; ArpRetryCount default 3 — spacing 1 s assumed, unverified); detection = SameSubnetThreshold 20 × 1 s + online',
  },
  bonding: {
    form: 'request',
    tha: 'zero',
    count: 1,
    interval: 0,
    repeatAfter: 0,
    detection: 0.1,
    source: 'Linux bonding active-backup with fail_over_mac=active: num_grat_arp 1 on the new active slave (Documentation/networking/bonding.rst); the kernel sends it from net/ipv4/devinet.c inetdev_send_gratuitous_arp → arp_send(ARPOP_REQUEST, …, dest_hw NULL, …, target_hw NULL): broadcast, THA zero; miimon 100 ms',
  },
};

/** The habit with the knobs' overrides applied. */
export function habitOf(ctx: ScenarioContext): GarpHabit {
  const k = ctx.knobs;
  const h = { ...HABITS[k.habit]! };
  if (k.garpCount > 0) h.count = k.garpCount;
  if (k.garpInterval > 0) h.interval = k.garpInterval / 1000;
  if (k.garpForm) h.form = k.garpForm;
  return h;
}

/** A host on the segment. */
export interface Host {
  name: string;
  mac: number;
  ip: number;
}

/** One gratuitous ARP (or announcement) frame. */
export function garpFrame(mac: number, ip: number, habit: Pick<GarpHabit, 'form' | 'tha'>, vlan?: number): Uint8Array {
  const l2 = { src: mac, dst: BROADCAST_MAC, ...(vlan !== undefined ? { vlan } : {}) };
  if (habit.form === 'reply') return arpFrame(l2, { opcode: 2, sha: mac, spa: ip, tha: mac, tpa: ip });
  return arpFrame(l2, { opcode: 1, sha: mac, spa: ip, tha: habit.tha === 'broadcast' ? BROADCAST_MAC : 0, tpa: ip });
}

/** Times (µs) of a habit's GARPs starting at `t0`. */
export function garpTimes(habit: GarpHabit, t0: number): number[] {
  const out: number[] = [];
  for (const base of habit.repeatAfter > 0 ? [t0, t0 + us(habit.repeatAfter)] : [t0]) {
    for (let i = 0; i < habit.count; i++) out.push(base + us(habit.interval * i));
  }
  return out;
}

/** Per-MAC log of frames it sent carrying `ip` as source (ARP SPA or IP source), for lastFromOld. */
export class OwnerLog {
  private readonly last = new Map<number, FrameRef[]>();
  add(mac: number, ref: FrameRef): void {
    const l = this.last.get(mac);
    if (l) l.push(ref);
    else this.last.set(mac, [ref]);
  }
  /** Last frame from `mac` strictly before epoch time `t`. */
  lastBefore(mac: number, t: number): FrameRef | null {
    const l = this.last.get(mac) ?? [];
    let r: FrameRef | null = null;
    for (const x of l) if (x.time < t) r = x;
    return r;
  }
}

/** Frames a client sent to a MAC (for stale-host truth). */
export class StaleLog {
  /** client MAC → last frame time to the watched MAC, and count. */
  readonly until = new Map<number, number>();
  add(client: number, t: number): void {
    this.until.set(client, t);
  }
}

/** A client's view of a service IP over time: the MAC in its ARP cache from each instant on. */
export type CacheTimeline = { t: number; mac: number }[];

/** MAC in a cache timeline at `t` (null before the first entry). */
export function cachedAt(tl: CacheTimeline, t: number): number | null {
  let m: number | null = null;
  for (const e of tl) if (e.t <= t) m = e.mac;
  return m;
}

/**
 * A client's traffic to a service: a UDP request every ~`period` s to the cached MAC, and the
 * owner's response when `alive(mac, t)`; frames from the service IP are logged per owner MAC.
 */
export function* clientTraffic(
  ctx: ScenarioContext,
  iface: number,
  client: Host,
  service: number,
  cache: CacheTimeline,
  alive: (mac: number, t: number) => boolean,
  period: number,
  rng: Rng,
  logs: { owners: OwnerLog; toMac?: { mac: number; from: number; log: StaleLog } },
  vlan?: number,
): Generator<Emission> {
  let t = us(rng.uniform(0.5, 1.5) + period * rng.float());
  const sport = rng.int(32768, 60999);
  let id = rng.int(0, 0xffff);
  const svcPort = 9000;
  const v = vlan !== undefined ? { vlan } : {};
  for (;;) {
    t += us(period * rng.uniform(0.7, 1.3));
    if (t >= ctx.end) return;
    const mac = cachedAt(cache, t);
    if (mac === null) continue;
    const req = udpFrame({ src: client.mac, dst: mac, pad: true, ...v }, { src: client.ip, dst: service, ttl: 64, id: (id = (id + 1) & 0xffff) }, sport, svcPort, [], zeroPayload(rng.int(24, 120)));
    const w = logs.toMac;
    const at = t;
    yield { t, iface, bytes: req, onWrite: w && w.mac === mac && t >= w.from ? () => w.log.add(client.mac, ctx.epoch(at)) : undefined };
    if (alive(mac, t)) {
      const rt = t + us(rng.uniform(0.0002, 0.002));
      if (rt >= ctx.end) return;
      const resp = udpFrame({ src: mac, dst: client.mac, ...v }, { src: service, dst: client.ip, ttl: 64, id: (id * 3) & 0xffff }, svcPort, sport, [], zeroPayload(rng.int(40, 300)));
      yield { t: rt, iface, bytes: resp, onWrite: (ref) => logs.owners.add(mac, ref) };
      t = rt;
    }
  }
}

/** An ARP request from `client` for `ip` and the replies of every MAC in `answerers`. */
export function* arpExchange(iface: number, t: number, client: Host, ip: number, answerers: number[], rng: Rng, owners: OwnerLog, vlan?: number): Generator<Emission> {
  const v = vlan !== undefined ? { vlan } : {};
  yield { t, iface, bytes: arpFrame({ src: client.mac, dst: BROADCAST_MAC, pad: true, ...v }, { opcode: 1, sha: client.mac, spa: client.ip, tha: 0, tpa: ip }) };
  let rt = t;
  for (const mac of answerers) {
    rt += Math.max(1, Math.round(rng.uniform(100, 900)));
    yield { t: rt, iface, bytes: arpFrame({ src: mac, dst: client.mac, pad: true, ...v }, { opcode: 2, sha: mac, spa: ip, tha: client.mac, tpa: client.ip }), onWrite: (ref) => owners.add(mac, ref) };
  }
}

/** Client hosts 10.50.0.101… with MACs 52:54:00:50:00:xx. */
export function makeClients(n: number, net = 0x0a320000): Host[] {
  return Array.from({ length: n }, (_, i) => ({ name: `client${i + 1}`, mac: 0x525400500000 + i + 1, ip: net + 101 + i }));
}

/** IPv4 text. */
export const ip4 = ipv4Text;
