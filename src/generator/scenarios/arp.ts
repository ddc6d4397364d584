// ARP scenarios on one captured segment (a switch SPAN): a gratuitous-ARP takeover in the habits of
// keepalived / pacemaker / Windows / Linux bonding with stale peers, an IP conflict, a flip-flop
// (split brain), and RFC 5227 probes and announcements (with and without a conflicting owner).
import type { Emission } from '../engine.js';
import { us } from '../engine.js';
import { BROADCAST_MAC, arpFrame } from '../frames.js';
import {
  type CacheTimeline,
  type Host,
  OwnerLog,
  StaleLog,
  arpExchange,
  clientTraffic,
  garpFrame,
  garpTimes,
  habitOf,
  ip4,
  makeClients,
} from '../arpworld.js';
import type { Knobs } from '../options.js';
import type { ScenarioContext, ScenarioDef } from '../scenario.js';
import { type TruthFinding, ev, macStr, t6 } from '../truth.js';

const NET = 0x0a320000; // 10.50.0.0/24

/** Node MACs by habit: Windows Hyper-V guests 00:15:5d, else KVM 52:54:00. */
function nodeMac(habit: string, n: number): number {
  return (habit === 'windows' ? 0x00155d320000 : 0x525400320000) + n;
}

/** Capture point + initial ARP resolution of `ip` by every client (answered by `owner`). */
function initialResolution(ctx: ScenarioContext, iface: number, clients: Host[], ip: number, owner: number, owners: OwnerLog): Map<number, number> {
  const rng = ctx.stream('initial arp');
  const at = new Map<number, number>();
  clients.forEach((c, i) => {
    const t = us(0.2 + 0.35 * i + rng.uniform(0, 0.1));
    at.set(c.mac, t + 1000);
    ctx.add(arpExchange(iface, t, c, ip, [owner], rng, owners));
  });
  return at;
}

/** A burst of GARPs as one source; returns the per-frame refs through `onRef`. */
function* garpBurst(iface: number, times: number[], mac: number, ip: number, habit: { form: 'request' | 'reply'; tha: 'zero' | 'broadcast' }, onRef: (ref: import('../engine.js').FrameRef) => void): Generator<Emission> {
  for (const t of times) yield { t, iface, bytes: garpFrame(mac, ip, habit), onWrite: onRef };
}

const ARP_KNOBS: (keyof Knobs)[] = ['habit', 'garpCount', 'garpInterval', 'garpForm', 'stale', 'clients', 'failAt', 'duration', 'start'];

/** A cluster IP moves from node A to node B, announced with gratuitous ARPs. */
export const garpTakeover: ScenarioDef = {
  name: 'garp-takeover',
  title: 'Gratuitous-ARP takeover of a cluster IP (with stale peers)',
  description:
    "Clients on one segment (captured on a SPAN port) resolve the cluster IP 10.50.0.100 to node A and talk to it. Node A dies at --fail-at; after the --habit's detection delay node B announces the IP with gratuitous ARPs in that software's form, count and spacing (keepalived: 5 Requests with THA ff:ff:ff:ff:ff:ff plus 5 more after 5 s; pacemaker: 5 every 200 ms; windows: 3 Requests 1 s apart, THA zero; bonding: 1, THA zero; --garp-form reply gives RFC 5944 Reply-form GARPs). Clients update at the first GARP except --stale of them, which keep sending to A's MAC until their cache entry expires and they ARP again. Truth: arp.takeover (lastFromOld, garps, garpForm, stale hosts).",
  knobs: ARP_KNOBS,
  defaults: { duration: 60, failAt: 20, clients: 6, stale: 2 },
  build(ctx) {
    const k = ctx.knobs;
    if (k.stale > k.clients) throw new Error(`--stale ${k.stale} is more than --clients ${k.clients}`);
    const habit = habitOf(ctx);
    const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the server VLAN' });
    const vip = NET + 100;
    const a: Host = { name: 'nodeA', mac: nodeMac(k.habit, 1), ip: NET + 11 };
    const b: Host = { name: 'nodeB', mac: nodeMac(k.habit, 2), ip: NET + 12 };
    const clients = makeClients(k.clients, NET);
    const owners = new OwnerLog();
    const failT = us(k.failAt);
    const takeT = failT + us(habit.detection) + us(ctx.rng.uniform(0.001, 0.05));
    if (takeT >= ctx.end) throw new Error(`the takeover (at ${(takeT / 1e6).toFixed(1)} s with the ${k.habit} habit) falls after --duration ${k.duration}`);
    const times = garpTimes(habit, takeT).filter((t) => t < ctx.end);
    const resolved = initialResolution(ctx, iface, clients, vip, a.mac, owners);
    const garpRefs: import('../engine.js').FrameRef[] = [];
    ctx.add(garpBurst(iface, times, b.mac, vip, habit, (ref) => garpRefs.push(ref)));
    const staleLog = new StaleLog();
    const rng = ctx.stream('stale');
    clients.forEach((c, i) => {
      const isStale = i >= clients.length - k.stale;
      const cache: CacheTimeline = [{ t: resolved.get(c.mac)!, mac: a.mac }];
      if (isStale) {
        const reArp = takeT + us(rng.uniform(15, 35));
        if (reArp < ctx.end) {
          ctx.add(arpExchange(iface, reArp, c, vip, [b.mac], rng, owners));
          cache.push({ t: reArp + 1000, mac: b.mac });
        }
      } else cache.push({ t: takeT + 500, mac: b.mac });
      const alive = (mac: number, t: number) => (mac === a.mac ? t < failT : t >= takeT);
      ctx.add(clientTraffic(ctx, iface, c, vip, cache, alive, 0.5, ctx.stream(`client ${i}`), { owners, toMac: { mac: a.mac, from: takeT, log: staleLog } }));
    });
    ctx.truth.event(ctx.epoch(failT), 'node.fail', `nodeA (${macStr(a.mac)}) stops`, { mac: macStr(a.mac) });
    ctx.truth.event(ctx.epoch(takeT), 'ip.move', `nodeB (${macStr(b.mac)}) brings ${ip4(vip)} online (${k.habit} habit: ${habit.source})`, { ip: ip4(vip), mac: macStr(b.mac) });
    ctx.truth.topology = {
      segment: '10.50.0.0/24',
      vip: ip4(vip),
      nodes: [a, b].map((h) => ({ name: h.name, mac: macStr(h.mac), ip: ip4(h.ip) })),
      clients: clients.map((c, i) => ({ name: c.name, mac: macStr(c.mac), ip: ip4(c.ip), stale: i >= clients.length - k.stale })),
      habit: { name: k.habit, ...habit },
    };
    const f = ctx.truth.finding('arp.takeover', { time: 0, ip: ip4(vip), fromMac: macStr(a.mac), toMac: macStr(b.mac), lastFromOld: null, garps: 0, garpForm: habit.form, stale: [], virtual: null }, { severity: 'warning' });
    ctx.atEnd.push(() => {
      const first = garpRefs[0];
      if (!first) return;
      f.time = first.time;
      f.evidence.push(ev(first));
      f.garps = garpRefs.length;
      const last = owners.lastBefore(a.mac, first.time);
      f.lastFromOld = last ? last.time : null;
      if (last) f.evidence.unshift(ev(last));
      f.stale = [...staleLog.until.entries()].sort((x, y) => x[1] - y[1]).map(([mac, until]) => ({ mac: macStr(mac), ip: ip4(clients.find((c) => c.mac === mac)!.ip), until: t6(until) }));
    });
    ctx.truth.mustNotReport('arp.conflict');
    ctx.truth.mustNotReport('arp.flipflop');
    ctx.truth.note(`GARP habit ${k.habit}: ${habit.source}`);
  },
};

/** Two hosts answer for one IP. */
export const ipConflict: ScenarioDef = {
  name: 'ip-conflict',
  title: 'IP address conflict (two MACs answering)',
  description:
    'Host X owns 10.50.0.77 and serves clients. At --fail-at a misconfigured host Y with the same address announces it once (gratuitous Request) and from then on answers every ARP request for it too, in random order with X, so client caches flip between the two MACs; Y leaves after --fail-for seconds. Truth: arp.conflict (start = first claim by Y, end = its last claim, macs).',
  knobs: ['clients', 'failAt', 'failFor', 'duration', 'start'],
  defaults: { duration: 60, failAt: 15, failFor: 30, clients: 4 },
  build(ctx) {
    const k = ctx.knobs;
    const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the server VLAN' });
    const ip = NET + 77;
    const x: Host = { name: 'hostX', mac: 0x525400320077, ip };
    const y: Host = { name: 'hostY', mac: 0x00c0b7120077, ip };
    const clients = makeClients(k.clients, NET);
    const owners = new OwnerLog();
    const yFrom = us(k.failAt);
    const yTo = k.failFor > 0 ? Math.min(ctx.end, us(k.failAt + k.failFor)) : ctx.end;
    const resolved = initialResolution(ctx, iface, clients, ip, x.mac, owners);
    const yClaims: import('../engine.js').FrameRef[] = [];
    ctx.add(garpBurst(iface, [yFrom], y.mac, ip, { form: 'request', tha: 'zero' }, (ref) => yClaims.push(ref)));
    const rng = ctx.stream('conflict arp');
    clients.forEach((c, i) => {
      const cache: CacheTimeline = [{ t: resolved.get(c.mac)!, mac: x.mac }, { t: yFrom + 500, mac: y.mac }];
      // Each client re-resolves every ~8 s while both answer; the later reply wins its cache.
      for (let t = yFrom + us(2 + i * 0.7); t < yTo; t += us(8 + rng.uniform(-1, 1))) {
        const order = rng.chance(0.5) ? [x.mac, y.mac] : [y.mac, x.mac];
        const r = ctx.stream(`conflict ${i} ${t}`);
        ctx.add(
          (function* () {
            for (const e of arpExchange(iface, t, c, ip, order, r, owners)) {
              if (e.onWrite && order.length) {
                const prev = e.onWrite;
                const fromY = arpSender(e.bytes) === y.mac;
                e.onWrite = (ref) => {
                  prev(ref);
                  if (fromY) yClaims.push(ref);
                };
              }
              yield e;
            }
          })(),
        );
        cache.push({ t: t + 2000, mac: order[order.length - 1]! });
      }
      cache.push({ t: yTo + us(1 + i * 0.3), mac: x.mac });
      if (yTo < ctx.end) ctx.add(arpExchange(iface, yTo + us(1 + i * 0.3) - 1000, c, ip, [x.mac], ctx.stream(`after ${i}`), owners));
      cache.sort((p, q) => p.t - q.t);
      ctx.add(clientTraffic(ctx, iface, c, ip, cache, (mac, t) => mac === x.mac || (t >= yFrom && t < yTo), 0.7, ctx.stream(`client ${i}`), { owners }));
    });
    ctx.truth.event(ctx.epoch(yFrom), 'ip.duplicate', `hostY (${macStr(y.mac)}) comes up with ${ip4(ip)}, already used by hostX (${macStr(x.mac)})`, {});
    ctx.truth.topology = { segment: '10.50.0.0/24', ip: ip4(ip), hosts: [x, y].map((h) => ({ name: h.name, mac: macStr(h.mac) })), clients: clients.map((c) => ({ mac: macStr(c.mac), ip: ip4(c.ip) })) };
    const f = ctx.truth.finding('arp.conflict', { start: 0, end: null, ip: ip4(ip), macs: [macStr(x.mac), macStr(y.mac)].sort(), reason: 'claims' }, { severity: 'error', timeTolerance: 0.5 });
    ctx.atEnd.push(() => {
      yClaims.sort((p, q) => p.time - q.time);
      const first = yClaims[0];
      const last = yClaims[yClaims.length - 1];
      if (!first || !last) return;
      f.start = first.time;
      f.end = last.time;
      f.evidence.push(ev(first), ev(last));
    });
    ctx.truth.mustNotReport('arp.takeover');
  },
};

/** Ethernet source of a frame we built (bytes 6..11). */
function arpSender(b: Uint8Array): number {
  return ((b[6]! << 8) | b[7]!) * 0x100000000 + (((b[8]! << 24) >>> 0) + ((b[9]! << 16) | (b[10]! << 8) | b[11]!));
}

/** Split brain: both nodes keep claiming the IP. */
export const arpFlipflop: ScenarioDef = {
  name: 'arp-flipflop',
  title: 'ARP flip-flop (split brain: both nodes claim the IP in turn)',
  description:
    'Node A owns 10.50.0.100. From --fail-at both nodes believe they are master (split brain) and re-announce the IP every 15 s in turn with keepalived-style GARP bursts (5 Requests), so every client cache — and the traffic — flips between the two MACs. Truth: the first move is an arp.takeover; every move back within 60 s is an arp.flipflop.',
  knobs: ['clients', 'failAt', 'duration', 'start'],
  defaults: { duration: 90, failAt: 15, clients: 4 },
  build(ctx) {
    const k = ctx.knobs;
    const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the server VLAN' });
    const vip = NET + 100;
    const a: Host = { name: 'nodeA', mac: 0x525400320001, ip: NET + 11 };
    const b: Host = { name: 'nodeB', mac: 0x525400320002, ip: NET + 12 };
    const clients = makeClients(k.clients, NET);
    const owners = new OwnerLog();
    const resolved = initialResolution(ctx, iface, clients, vip, a.mac, owners);
    const habit = { form: 'request' as const, tha: 'broadcast' as const, count: 5, interval: 0.0002, repeatAfter: 0, detection: 0, source: 'keepalived split brain' };
    const moves: { t: number; to: Host; from: Host; refs: import('../engine.js').FrameRef[] }[] = [];
    let who = b;
    for (let t = us(k.failAt); t < ctx.end - us(1); t += us(15)) {
      const m = { t, to: who, from: who === a ? b : a, refs: [] as import('../engine.js').FrameRef[] };
      moves.push(m);
      ctx.add(garpBurst(iface, garpTimes(habit, t), who.mac, vip, habit, (ref) => m.refs.push(ref)));
      who = who === a ? b : a;
    }
    clients.forEach((c, i) => {
      const cache: CacheTimeline = [{ t: resolved.get(c.mac)!, mac: a.mac }, ...moves.map((m) => ({ t: m.t + 1500, mac: m.to.mac }))];
      ctx.add(clientTraffic(ctx, iface, c, vip, cache, () => true, 0.6, ctx.stream(`client ${i}`), { owners }));
    });
    ctx.truth.topology = { segment: '10.50.0.0/24', vip: ip4(vip), nodes: [a, b].map((h) => ({ name: h.name, mac: macStr(h.mac) })), period: 15 };
    const findings: TruthFinding[] = moves.map((m, i) =>
      i === 0
        ? ctx.truth.finding('arp.takeover', { time: 0, ip: ip4(vip), fromMac: macStr(m.from.mac), toMac: macStr(m.to.mac), lastFromOld: null, garps: 5, garpForm: 'request', stale: [], virtual: null }, { severity: 'warning' })
        : ctx.truth.finding('arp.flipflop', { time: 0, ip: ip4(vip), fromMac: macStr(m.from.mac), toMac: macStr(m.to.mac), since: 0 }, { severity: 'warning' }),
    );
    ctx.atEnd.push(() => {
      moves.forEach((m, i) => {
        const f = findings[i]!;
        const first = m.refs[0];
        if (!first) return;
        f.time = first.time;
        f.evidence.push(ev(first));
        if (i === 0) {
          const last = owners.lastBefore(a.mac, first.time);
          f.lastFromOld = last ? last.time : null;
          f.garps = m.refs.length;
        } else f.since = findings[i - 1]!.time;
      });
      for (let i = 0; i < moves.length; i++) ctx.truth.event(findings[i]!.time as number, 'ip.claim', `${moves[i]!.to.name} announces ${ip4(vip)} (split brain)`, {});
    });
    ctx.truth.mustNotReport('arp.conflict');
    ctx.truth.note('The first move is a takeover; later moves go back to the previous owner within 15 s, i.e. within the default flipflopWindow (60 s) and outside conflictWindow (10 s).');
  },
};

/** RFC 5227 address conflict detection. */
function probeScenario(conflict: boolean): ScenarioDef {
  return {
    name: conflict ? 'arp-probe-conflict' : 'arp-probe',
    title: conflict ? 'RFC 5227 probe answered by the current owner (conflict detected)' : 'RFC 5227 probes and announcements',
    description: conflict
      ? 'Host C starts RFC 5227 address conflict detection for 10.50.0.150 at --fail-at (ARP Probes: SPA 0.0.0.0, THA zero), but host D already uses that address and answers the first probe with an ARP Reply (TPA 0.0.0.0, unicast to C, as Linux does); C stops probing and never announces. Truth: arp.conflict with reason probe.'
      : 'Host C joins at --fail-at and claims 10.50.0.150 per RFC 5227: a random PROBE_WAIT (0–1 s), 3 ARP Probes (SPA 0.0.0.0, THA zero) 1–2 s apart, ANNOUNCE_WAIT 2 s, then 2 ARP Announcements (SPA = TPA) 2 s apart; nobody answers. Truth: no conflict, no takeover; 3 probes and 2 announcements.',
    knobs: ['clients', 'failAt', 'duration', 'start'],
    defaults: { duration: 30, failAt: 5, clients: 3 },
    build(ctx) {
      const k = ctx.knobs;
      const iface = ctx.addInterface({ name: 'span0', role: 'capture-point', description: 'switch SPAN of the server VLAN' });
      const ip = NET + 150;
      const c: Host = { name: 'hostC', mac: 0x52540032c150, ip };
      const d: Host = { name: 'hostD', mac: 0x00c0b712d150, ip };
      const rng = ctx.stream('rfc5227');
      const owners = new OwnerLog();
      const clients = makeClients(k.clients, NET);
      let t = us(k.failAt) + us(rng.uniform(0, 1)); // PROBE_WAIT
      const probes: number[] = [];
      for (let i = 0; i < 3; i++) {
        probes.push(t);
        t += us(rng.uniform(1, 2)); // PROBE_MIN..PROBE_MAX
      }
      const answerAt = probes[0]! + us(rng.uniform(0.0002, 0.001));
      const used = conflict ? probes.slice(0, 1) : probes;
      const lastProbe = probes[2]!;
      const announce = conflict ? [] : [lastProbe + us(2), lastProbe + us(4)]; // ANNOUNCE_WAIT, ANNOUNCE_INTERVAL
      if ((announce[1] ?? answerAt) >= ctx.end) throw new Error(`--duration ${k.duration} is too short for the probes`);
      const refs: { answer?: import('../engine.js').FrameRef; probe?: import('../engine.js').FrameRef } = {};
      ctx.add(
        (function* (): Generator<Emission> {
          for (const [i, pt] of used.entries()) {
            yield { t: pt, iface, bytes: arpFrame({ src: c.mac, dst: BROADCAST_MAC }, { opcode: 1, sha: c.mac, spa: 0, tha: 0, tpa: ip }), onWrite: i === 0 ? (ref) => (refs.probe = ref) : undefined };
            if (conflict && i === 0) {
              yield { t: answerAt, iface, bytes: arpFrame({ src: d.mac, dst: c.mac, pad: true }, { opcode: 2, sha: d.mac, spa: ip, tha: c.mac, tpa: 0 }), onWrite: (ref) => (refs.answer = ref) };
            }
          }
          for (const at of announce) yield { t: at, iface, bytes: arpFrame({ src: c.mac, dst: BROADCAST_MAC }, { opcode: 1, sha: c.mac, spa: ip, tha: 0, tpa: ip }) };
        })(),
      );
      // Background: clients resolve and talk to a file server so the segment is not empty.
      const server: Host = { name: 'files', mac: 0x525400320010, ip: NET + 10 };
      const resolved = initialResolution(ctx, iface, clients, server.ip, server.mac, owners);
      clients.forEach((cl, i) =>
        ctx.add(clientTraffic(ctx, iface, cl, server.ip, [{ t: resolved.get(cl.mac)!, mac: server.mac }], () => true, 1, ctx.stream(`client ${i}`), { owners })),
      );
      if (conflict) {
        // D is the address's current owner: it answers clients too (one resolves it before C starts).
        ctx.add(arpExchange(iface, us(1.3), clients[0]!, ip, [d.mac], ctx.stream('d'), owners));
      }
      ctx.truth.topology = {
        segment: '10.50.0.0/24',
        ip: ip4(ip),
        prober: { mac: macStr(c.mac) },
        ...(conflict ? { owner: { mac: macStr(d.mac) } } : {}),
        expect: { probes: used.length, announcements: announce.length },
      };
      ctx.truth.event(ctx.epoch(probes[0]!), 'rfc5227.probe', `hostC probes ${ip4(ip)}`, { probes: used.length });
      if (conflict) {
        const f = ctx.truth.finding('arp.conflict', { start: 0, end: 0, ip: ip4(ip), macs: [macStr(c.mac), macStr(d.mac)].sort(), reason: 'probe' }, { severity: 'error' });
        ctx.atEnd.push(() => {
          if (!refs.answer) return;
          f.start = refs.answer.time;
          f.end = refs.answer.time;
          if (refs.probe) f.evidence.push(ev(refs.probe));
          f.evidence.push(ev(refs.answer));
        });
        ctx.truth.note('end = start = the answer to the probe (a probe conflict is a point in time; an analyzer may report end null or equal to start).');
      } else {
        ctx.truth.mustNotReport('arp.conflict');
        ctx.truth.event(ctx.epoch(announce[0]!), 'rfc5227.announce', `hostC announces ${ip4(ip)}`, { announcements: 2 });
      }
      ctx.truth.mustNotReport('arp.takeover');
    },
  };
}

export const arpProbe = probeScenario(false);
export const arpProbeConflict = probeScenario(true);

export const ARP_SCENARIOS: readonly ScenarioDef[] = [garpTakeover, ipConflict, arpFlipflop, arpProbe, arpProbeConflict];
