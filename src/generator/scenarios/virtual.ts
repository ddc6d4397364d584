// First-hop redundancy failovers: VRRPv2 (keepalived habits: adverts and GARPs from the routers'
// own MACs) with the master dying (Master_Down_Interval) or resigning (priority 0, Skew_Time), and
// HSRPv1 with the active router dying (hold time). PROTOCOLS.md §2.8, §2.9.
import type { Emission, FrameRef } from '../engine.js';
import { us } from '../engine.js';
import { hsrpFrame, ipv4MulticastMac, vrrpFrame } from '../frames.js';
import { type CacheTimeline, type Host, OwnerLog, arpExchange, clientTraffic, garpFrame, garpTimes, ip4, makeClients } from '../arpworld.js';
import type { ScenarioContext, ScenarioDef } from '../scenario.js';
import { type TruthFinding, ev, macStr, t6 } from '../truth.js';

const VRRP_GROUP = 0xe0000012; // 224.0.0.18
const HSRP_GROUP = 0xe0000002; // 224.0.0.2

/** Client traffic through the gateway: requests to a remote server via the gateway MAC; the router answers (routed, TTL 63). */
function gatewayClients(ctx: ScenarioContext, iface: number, gw: number, cacheOf: (c: Host, resolved: number) => CacheTimeline, alive: (mac: number, t: number) => boolean, owners: OwnerLog, clients: Host[]): void {
  const rng = ctx.stream('gw arp');
  clients.forEach((c, i) => {
    const t = us(0.4 + 0.3 * i + rng.uniform(0, 0.1));
    const cache = cacheOf(c, t + 1000);
    ctx.add(arpExchange(iface, t, c, gw, [cache[0]!.mac], rng, owners));
    ctx.add(clientTraffic(ctx, iface, c, gw, cache, alive, 0.5, ctx.stream(`client ${i}`), { owners }));
  });
}

function vrrpScenario(resign: boolean): ScenarioDef {
  return {
    name: resign ? 'vrrp-resign' : 'vrrp-failover',
    title: resign ? 'VRRP master resigns (priority 0, fast takeover)' : 'VRRP failover (master dies, backup takes over)',
    description: resign
      ? 'keepalived pair, VRRPv2 VRID 51 for 10.30.0.1: R1 (priority 200) advertises every second; at --fail-at it is stopped cleanly and sends one advert with priority 0; R2 (priority 100) takes over after Skew_Time (256 − 100)/256 s, advertises and sends keepalived\'s 5 + 5 gratuitous ARPs from its own MAC. Truth: vrrp.master reason resigned, arp.takeover (virtual vrrp).'
      : 'keepalived pair, VRRPv2 VRID 51 for 10.30.0.1: R1 (priority 200) advertises every second from its own MAC (keepalived does not use the virtual MAC by default); at --fail-at it dies; R2 (priority 100) becomes master after Master_Down_Interval = 3 × 1 + (256 − 100)/256 s, advertises and sends 5 + 5 gratuitous ARPs; clients move their gateway traffic to R2. Truth: vrrp.master reason timeout, heartbeat.breach (protocol vrrp), arp.takeover (virtual vrrp).',
    knobs: ['clients', 'failAt', 'duration', 'start'],
    defaults: { duration: 40, failAt: 15, clients: 4 },
    build(ctx) {
      const k = ctx.knobs;
      const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the gateway VLAN' });
      const net = 0x0a1e0000; // 10.30.0.0/24
      const vip = net + 1;
      const r1: Host = { name: 'R1', mac: 0x525400300002, ip: net + 2 };
      const r2: Host = { name: 'R2', mac: 0x525400300003, ip: net + 3 };
      const vrid = 51;
      const rng = ctx.stream('vrrp');
      const failT = us(k.failAt);
      const skew = (256 - 100) / 256;
      const mdi = 3 * 1 + skew;
      const owners = new OwnerLog();
      const advert = (r: Host, priority: number) => vrrpFrame({ src: r.mac, dst: ipv4MulticastMac(VRRP_GROUP) }, { src: r.ip, dst: VRRP_GROUP }, { version: 2, vrid, priority, addrs: [vip], adverInt: 1, authType: 0 });
      // R1's adverts until it fails (its last one is the priority-0 resignation when resigning).
      const r1Times: number[] = [];
      for (let t = us(0.3 + rng.uniform(0, 0.2)); t < failT; t += us(1) + Math.round(rng.uniform(-300, 300))) r1Times.push(t);
      let lastR1 = r1Times[r1Times.length - 1]!;
      if (resign) {
        lastR1 = failT;
        r1Times.push(failT);
      }
      const takeT = lastR1 + us(resign ? skew : mdi) + us(rng.uniform(0.001, 0.01));
      const refs: { lastR1?: FrameRef; firstR2?: FrameRef; garps: FrameRef[] } = { garps: [] };
      ctx.add(
        (function* (): Generator<Emission> {
          for (const [i, t] of r1Times.entries()) {
            const last = i === r1Times.length - 1;
            yield { t, iface, bytes: advert(r1, resign && last ? 0 : 200), onWrite: last ? (ref) => (refs.lastR1 = ref) : undefined };
          }
          let first = true;
          for (let t = takeT; t < ctx.end; t += us(1) + Math.round(rng.uniform(-300, 300))) {
            const isFirst = first;
            first = false;
            yield { t, iface, bytes: advert(r2, 100), onWrite: isFirst ? (ref) => (refs.firstR2 = ref) : undefined };
          }
        })(),
      );
      const garpAt = garpTimes({ form: 'request', tha: 'broadcast', count: 5, interval: 0.0002, repeatAfter: 5, detection: 0, source: '' }, takeT + 300).filter((t) => t < ctx.end);
      ctx.add(
        (function* (): Generator<Emission> {
          for (const t of garpAt) yield { t, iface, bytes: garpFrame(r2.mac, vip, { form: 'request', tha: 'broadcast' }), onWrite: (ref) => refs.garps.push(ref) };
        })(),
      );
      const clients = makeClients(k.clients, net);
      gatewayClients(
        ctx,
        iface,
        vip,
        (c, resolved) => [{ t: resolved, mac: r1.mac }, { t: takeT + 1000, mac: r2.mac }],
        (mac, t) => (mac === r1.mac ? t < failT : t >= takeT),
        owners,
        clients,
      );
      ctx.truth.topology = {
        segment: '10.30.0.0/24',
        vrid,
        vip: ip4(vip),
        routers: [
          { name: 'R1', ip: ip4(r1.ip), mac: macStr(r1.mac), priority: 200 },
          { name: 'R2', ip: ip4(r2.ip), mac: macStr(r2.mac), priority: 100 },
        ],
        masterDownInterval: mdi,
        skewTime: skew,
      };
      ctx.truth.event(ctx.epoch(failT), resign ? 'vrrp.resign' : 'router.fail', resign ? 'R1 shuts down keepalived (priority 0 advert)' : 'R1 dies', {});
      const initial = ctx.truth.finding('vrrp.master', { time: 0, group: vrid, ip: ip4(vip), fromIp: null, toIp: ip4(r1.ip), reason: 'initial', priority: 200 }, { required: false, severity: 'info' });
      const change = ctx.truth.finding('vrrp.master', { time: 0, group: vrid, ip: ip4(vip), fromIp: ip4(r1.ip), toIp: ip4(r2.ip), reason: resign ? 'resigned' : 'timeout', priority: 100 }, { severity: 'warning' });
      const take = ctx.truth.finding('arp.takeover', { time: 0, ip: ip4(vip), fromMac: macStr(r1.mac), toMac: macStr(r2.mac), lastFromOld: null, garps: 0, garpForm: 'request', stale: [], virtual: 'vrrp' }, { severity: 'warning' });
      let gap: TruthFinding | null = null;
      if (!resign)
        gap = ctx.truth.finding(
          'heartbeat.breach',
          { start: 0, end: 0, duration: 0, protocol: 'vrrp', from: ip4(r1.ip), to: ip4(VRRP_GROUP), route: `VRRP group ${vrid} on ${ctx.ifname(iface)}`, subnet: 'same', tolerance: t6(mdi), missed: 0, profiles: [], group: vrid },
          { severity: 'warning' },
        );
      ctx.atEnd.push(() => {
        const f0 = r1Times[0]!;
        initial.time = t6(ctx.epoch(f0));
        if (refs.firstR2) {
          change.time = refs.firstR2.time;
          change.evidence.push(ev(refs.firstR2));
        }
        if (refs.lastR1) change.evidence.unshift(ev(refs.lastR1));
        const g = refs.garps[0];
        if (g) {
          take.time = g.time;
          take.evidence.push(ev(g));
          take.garps = refs.garps.length;
          const last = owners.lastBefore(r1.mac, g.time);
          take.lastFromOld = last ? last.time : null;
        }
        if (gap && refs.lastR1 && refs.firstR2) {
          gap.start = refs.lastR1.time;
          gap.end = refs.firstR2.time;
          gap.duration = t6(refs.firstR2.time - refs.lastR1.time);
          gap.missed = Math.max(0, Math.round((gap.duration as number) / 1) - 1);
          gap.evidence.push(ev(refs.lastR1), ev(refs.firstR2));
        }
      });
      if (resign) ctx.truth.mustNotReport('heartbeat.breach');
      ctx.truth.note(
        resign
          ? 'After a priority-0 advert the backup waits Skew_Time only (RFC 3768 §6.4.2): the advert gap is well below Master_Down_Interval.'
          : `The advert gap is Master_Down_Interval (${mdi} s, RFC 3768 §6.1 with the backup priority 100) plus the backup's reaction (1–10 ms): a breach by a few milliseconds.`,
      );
    },
  };
}

export const vrrpFailover = vrrpScenario(false);
export const vrrpResign = vrrpScenario(true);

/** HSRPv1 active router dies; the standby takes over after the hold time. */
export const hsrpFailover: ScenarioDef = {
  name: 'hsrp-failover',
  title: 'HSRP failover (active router dies, standby takes over after the hold time)',
  description:
    'HSRPv1 group 10 for 10.40.0.1 (UDP 1985 to 224.0.0.2, TTL 1, hello 3 s, hold 10 s): R1 Active (priority 110, hellos from the virtual MAC 00:00:0c:07:ac:0a), R2 Standby (priority 100, hellos from its own MAC). R1 dies at --fail-at; 10 s after its last hello R2 becomes Active, hellos from the virtual MAC and sends a gratuitous ARP for the virtual IP from the virtual MAC. The gateway MAC does not change, so clients keep it. Truth: hsrp.master reason timeout, heartbeat.breach (protocol hsrp), no arp.takeover.',
  knobs: ['clients', 'failAt', 'duration', 'start'],
  defaults: { duration: 45, failAt: 15, clients: 4 },
  build(ctx) {
    const k = ctx.knobs;
    const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the gateway VLAN' });
    const net = 0x0a280000; // 10.40.0.0/24
    const vip = net + 1;
    const group = 10;
    const vmac = 0x00000c07ac00 + group;
    const r1: Host = { name: 'R1', mac: 0x001c73280002, ip: net + 2 };
    const r2: Host = { name: 'R2', mac: 0x001c73280003, ip: net + 3 };
    const rng = ctx.stream('hsrp');
    const failT = us(k.failAt);
    const hello = (src: number, r: Host, state: number, priority: number) =>
      hsrpFrame({ src, dst: ipv4MulticastMac(HSRP_GROUP) }, { src: r.ip, dst: HSRP_GROUP }, { version: 0, opcode: 0, state, hellotime: 3, holdtime: 10, priority, group, virtualIp: vip });
    const r1Times: number[] = [];
    for (let t = us(0.5 + rng.uniform(0, 0.5)); t < failT; t += us(3) + Math.round(rng.uniform(-2000, 2000))) r1Times.push(t);
    const lastR1 = r1Times[r1Times.length - 1]!;
    const takeT = lastR1 + us(10) + us(rng.uniform(0.001, 0.02));
    const refs: { lastR1?: FrameRef; firstActive?: FrameRef } = {};
    ctx.add(
      (function* (): Generator<Emission> {
        for (const [i, t] of r1Times.entries()) yield { t, iface, bytes: hello(vmac, r1, 16, 110), onWrite: i === r1Times.length - 1 ? (ref) => (refs.lastR1 = ref) : undefined };
      })(),
    );
    ctx.add(
      (function* (): Generator<Emission> {
        let first = true;
        for (let t = us(1.7 + rng.uniform(0, 0.5)); t < ctx.end; ) {
          if (t < takeT) {
            yield { t, iface, bytes: hello(r2.mac, r2, 8, 100) };
            t += us(3) + Math.round(rng.uniform(-2000, 2000));
            if (t >= takeT) t = takeT;
          } else {
            const isFirst = first;
            first = false;
            yield { t, iface, bytes: hello(vmac, r2, 16, 100), onWrite: isFirst ? (ref) => (refs.firstActive = ref) : undefined };
            if (isFirst) yield { t: t + 200, iface, bytes: garpFrame(vmac, vip, { form: 'request', tha: 'zero' }) };
            t += us(3) + Math.round(rng.uniform(-2000, 2000));
          }
        }
      })(),
    );
    const owners = new OwnerLog();
    gatewayClients(ctx, iface, vip, (c, resolved) => [{ t: resolved, mac: vmac }], (_mac, t) => t < failT || t >= takeT, owners, makeClients(k.clients, net));
    ctx.truth.topology = {
      segment: '10.40.0.0/24',
      group,
      vip: ip4(vip),
      virtualMac: macStr(vmac),
      routers: [
        { name: 'R1', ip: ip4(r1.ip), mac: macStr(r1.mac), priority: 110 },
        { name: 'R2', ip: ip4(r2.ip), mac: macStr(r2.mac), priority: 100 },
      ],
      hellotime: 3,
      holdtime: 10,
    };
    ctx.truth.event(ctx.epoch(failT), 'router.fail', 'R1 dies', {});
    const initial = ctx.truth.finding('hsrp.master', { time: 0, group, ip: ip4(vip), fromIp: null, toIp: ip4(r1.ip), reason: 'initial', priority: 110 }, { required: false, severity: 'info' });
    const change = ctx.truth.finding('hsrp.master', { time: 0, group, ip: ip4(vip), fromIp: ip4(r1.ip), toIp: ip4(r2.ip), reason: 'timeout', priority: 100 }, { severity: 'warning' });
    const gap = ctx.truth.finding(
      'heartbeat.breach',
      { start: 0, end: 0, duration: 0, protocol: 'hsrp', from: ip4(r1.ip), to: ip4(HSRP_GROUP), route: `HSRP group ${group} on ${ctx.ifname(iface)}`, subnet: 'same', tolerance: 10, missed: 0, profiles: [], group },
      { severity: 'warning' },
    );
    ctx.atEnd.push(() => {
      initial.time = t6(ctx.epoch(r1Times[0]!));
      if (refs.firstActive) {
        change.time = refs.firstActive.time;
        change.evidence.push(ev(refs.firstActive));
      }
      if (refs.lastR1 && refs.firstActive) {
        gap.start = refs.lastR1.time;
        gap.end = refs.firstActive.time;
        gap.duration = t6(refs.firstActive.time - refs.lastR1.time);
        gap.missed = Math.max(0, Math.round((gap.duration as number) / 3) - 1);
        gap.evidence.push(ev(refs.lastR1), ev(refs.firstActive));
      }
    });
    ctx.truth.mustNotReport('arp.takeover');
    ctx.truth.note('The hello gap is the hold time (10 s) plus the standby\'s reaction (1–20 ms): a breach by milliseconds. The virtual MAC stays the same, so ARP shows no takeover.');
  },
};

export const VIRTUAL_SCENARIOS: readonly ScenarioDef[] = [vrrpFailover, vrrpResign, hsrpFailover];
