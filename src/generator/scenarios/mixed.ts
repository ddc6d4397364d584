// One incident that mixes everything within a minute, captured where a support engineer would
// capture it — on the team members of the node that lost: a member failure on NODE1's LACP team,
// then every cluster heartbeat route between NODE1 and NODE2 silent past the threshold, then NODE2
// taking over the SQL role's IP with Windows' gratuitous ARPs while a client still talks to NODE1.
import { ipv4Text } from '../../../dissectors/core.js';
import type { Emission, FrameRef } from '../engine.js';
import { us } from '../engine.js';
import { type HbRoute, RouteLog, heartbeatSource, outageFinding } from '../cluster.js';
import { garpFrame, garpTimes, HABITS } from '../arpworld.js';
import { LacpObserver } from '../observe.js';
import type { ScenarioDef } from '../scenario.js';
import { IfaceLog, type TeamSpec, buildTeam, flowSources, lacpSources, linkTruth, planFlows, teamTopology } from '../team.js';
import { ev, macStr, t6 } from '../truth.js';

/** The mixed incident. */
export const mixedIncident: ScenarioDef = {
  name: 'mixed-incident',
  title: 'Mixed incident: member failure, heartbeat breach and IP takeover within a minute',
  description:
    "NODE1 (Windows, LBFO LACP team Team1 = NIC1 + NIC2, Address Hash) serves a SQL role on 10.0.0.60 (VLAN 10) and exchanges cluster heartbeats with NODE2 on VLAN 10 and VLAN 20; the capture is taken on NODE1's two team members. At --fail-at NIC2 loses its link (its flows fail over to NIC1); 2 s later the switch stops forwarding the cluster traffic between the nodes for 25 s (both routes silent, past the 20 × 1 s threshold); NODE1 loses quorum and stops the role, and NODE2 brings 10.0.0.60 online with Windows-style gratuitous ARPs while one client keeps sending to NODE1's MAC; NIC2 returns later and LACP renegotiates. Truth: member.down/up, flow.moved, lacp.state, two heartbeat.breach (all routes down), arp.takeover with a stale host, and the incident that groups them.",
  knobs: ['failAt', 'duration', 'flows', 'rate', 'mss', 'start'],
  defaults: { duration: 90, failAt: 20, flows: 12, rate: 15, members: 2, policy: 'win-4tuple', mode: 'lacp', clients: 6 },
  build(ctx) {
    const k = ctx.knobs;
    const T0 = us(k.failAt);
    const hbFrom = T0 + us(2);
    const hbTo = hbFrom + us(25);
    const roleStop = hbFrom + us(20.6);
    const takeT = hbFrom + us(23.1);
    const nic2Back = T0 + us(45);
    if (nic2Back + us(5) > ctx.end) throw new Error(`--duration ${k.duration} is too short for the incident at --fail-at ${k.failAt} (needs ${(k.failAt + 50).toFixed(0)} s)`);
    const net10 = 0x0a000000; // 10.0.0.0/24
    const net20 = 0x0a0a0100; // 10.10.1.0/24
    const roleIp = net10 + 60;
    const spec: TeamSpec = {
      node: 'NODE1',
      team: 'Team1',
      mode: 'lacp',
      policy: 'win-4tuple',
      kernel: 'current',
      teamMac: 0x0015178a1101,
      memberMacs: [0x0015178a1101, 0x0015178a1102],
      memberNames: ['NIC1', 'NIC2'],
      lacpFast: true,
      switchLacpFast: true,
      linkDown: new Map([[1, [{ from: T0, to: nic2Back }]]]),
      vlan: 10,
    };
    const rt = buildTeam(ctx, spec);
    const observer = new LacpObserver(ctx.truth);
    const log = new IfaceLog(ctx);
        for (const s of lacpSources(ctx, rt, observer)) ctx.add(s);
    const plan = planFlows(ctx, spec, k.flows, 6, k.rate, 0, ctx.stream('plan'), { net4: net10, server4: roleIp });
    const staleMac = plan.clients.find((c) => c.local)!.mac;
    const staleLog = new Map<number, number>();
    for (const f of plan.flows) {
      f.end = roleStop;
      if (f.client.mac === staleMac && f.proto === 6) {
        f.clientUntil = takeT + us(17);
        f.logInbound = (t, ref) => {
          if (t >= takeT) staleLog.set(staleMac, ref.time);
        };
      }
    }
    // Make sure the stale client has a TCP flow that lasts.
    if (!plan.flows.some((f) => f.clientUntil !== undefined)) {
      const f = plan.flows.find((x) => x.client.mac === staleMac)!;
      f.clientUntil = takeT + us(17);
      f.logInbound = (t, ref) => {
        if (t >= takeT) staleLog.set(staleMac, ref.time);
      };
    }
    for (const s of flowSources(ctx, rt, plan.flows)) ctx.add(s);
    ctx.atEnd.push((stats) => observer.finish(ctx.epoch(stats.last)));
    linkTruth(ctx, rt, log);
    log.watch(rt.ifaces[0]!, roleStop);

    // Heartbeats NODE1 ⇄ NODE2 on both VLANs; they happen to hash onto NIC1 both ways.
    const n2mac = 0x0015178a2201;
    const routes: HbRoute[] = [
      { vlan: 10, network: 'Management (VLAN 10)', ip1: net10 + 11, ip2: net10 + 12 },
      { vlan: 20, network: 'Cluster (VLAN 20)', ip1: net20 + 11, ip2: net20 + 12 },
    ].map((n, i) => ({
      a: { node: 'NODE1', nodeId: 1, mac: spec.teamMac, ip: n.ip1, nextHopMac: n2mac },
      b: { node: 'NODE2', nodeId: 2, mac: n2mac, ip: n.ip2, nextHopMac: spec.teamMac },
      iface: rt.ifaces[0]!,
      network: n.network,
      vlan: n.vlan,
      subnet: 'same',
      link: i,
      outages: [{ from: hbFrom, to: hbTo }],
    }));
    const logs = routes.map(() => new RouteLog());
    routes.forEach((r, i) => ctx.add(heartbeatSource(ctx, r, 'mscs', { interval: 1, jitter: 0.03, latency: [0.0002, 0.0009] }, ctx.stream(`hb ${i}`), (t, ref) => logs[i]!.add(t, ref))));

    // NODE2 takes the role IP: Windows registers it with 3 broadcast ARP Requests (SPA = TPA), seen on NIC1.
    const habit = HABITS.windows!;
    const garps: FrameRef[] = [];
    ctx.add(
      (function* (): Generator<Emission> {
        for (const t of garpTimes(habit, takeT)) yield { t, iface: rt.ifaces[0]!, bytes: garpFrame(n2mac, roleIp, habit, 10), onWrite: (ref) => garps.push(ref) };
      })(),
    );
    // A last frame from NODE1 as the role IP's owner is its last outbound flow packet before roleStop (logged per iface).
    ctx.truth.topology = {
      teams: [teamTopology(spec, plan)],
      cluster: {
        nodes: [
          { name: 'NODE1', mac: macStr(spec.teamMac), ips: [ipv4Text(net10 + 11), ipv4Text(net20 + 11)] },
          { name: 'NODE2', mac: macStr(n2mac), ips: [ipv4Text(net10 + 12), ipv4Text(net20 + 12)] },
        ],
        roleIp: ipv4Text(roleIp),
      },
    };
    ctx.truth.settings = { profile: 'ws2019', sameSubnetDelay: 1000, sameSubnetThreshold: 20, nodes: { NODE1: [ipv4Text(net10 + 11), ipv4Text(net20 + 11)], NODE2: [ipv4Text(net10 + 12), ipv4Text(net20 + 12)] }, members: { NIC1: 'Team1', NIC2: 'Team1' } };
    ctx.truth.event(ctx.epoch(T0), 'link.down', 'NIC2 loses its link', { iface: 'NIC2' });
    ctx.truth.event(ctx.epoch(hbFrom), 'route.outage', 'the switch stops forwarding cluster traffic between NODE1 and NODE2 (both VLANs) for 25 s', { end: ctx.epoch(hbTo) });
    ctx.truth.event(ctx.epoch(hbFrom + us(20)), 'node.removed', 'NODE2 removes NODE1 from membership (System event 1135)', {});
    ctx.truth.event(ctx.epoch(roleStop), 'role.offline', 'NODE1 loses quorum and takes the SQL role offline', {});
    ctx.truth.event(ctx.epoch(takeT), 'ip.move', `NODE2 brings ${ipv4Text(roleIp)} online`, {});
    ctx.truth.event(ctx.epoch(nic2Back), 'link.up', 'NIC2 link returns', { iface: 'NIC2' });

    const take = ctx.truth.finding('arp.takeover', { time: 0, ip: ipv4Text(roleIp), fromMac: macStr(spec.teamMac), toMac: macStr(n2mac), lastFromOld: null, garps: 0, garpForm: 'request', stale: [], virtual: null, vlan: 10 }, { severity: 'warning' });
    ctx.atEnd.push(() => {
      for (const [i, r] of routes.entries()) {
        const f = outageFinding(ctx, r, { from: hbFrom, to: hbTo }, 'mscs', logs[i]!, 1, 20, {});
        if (f) {
          f.allRoutesDown = true;
          f.severity = 'error';
        }
      }
      const g = garps[0];
      if (g) {
        take.time = g.time;
        take.garps = garps.length;
        take.evidence.push(ev(g));
      }
      const last = log.lastBefore(rt.ifaces[0]!, roleStop);
      // The last frame NODE1 sent from the role IP: found by scanning is costly; the flows stop at roleStop,
      // so the last outbound role frame is at most the last frame on NIC1 before roleStop that NODE1 sent.
      take.lastFromOld = lastRoleFrame ?? (last ? last.time : null);
      const until = staleLog.get(staleMac);
      take.stale = until !== undefined ? [{ mac: macStr(staleMac), ip: ipv4Text(plan.clients.find((c) => c.mac === staleMac)!.ip4), until: t6(until) }] : [];
      const kinds = ctx.truth.findings.filter((f) => f.required && f.kind !== 'lacp.state' && ((f.time ?? f.start) as number) >= ctx.epoch(T0) - 1 && ((f.time ?? f.start) as number) <= ctx.epoch(takeT) + 5);
      ctx.truth.incidents.push({ start: t6(Math.min(...kinds.map((f) => (f.time ?? f.start) as number))), end: take.time as number, kinds: [...new Set(kinds.map((f) => f.kind))].sort() });
    });
    // Track NODE1's last frame from the role IP (outbound flow frames carry it as source).
    let lastRoleFrame: number | null = null;
    for (let i = 0; i < ctx.sources.length; i++) {
      const src = ctx.sources[i]!;
      ctx.sources[i] = (function* (): Generator<Emission> {
        for (;;) {
          const r = src.next();
          if (r.done) return;
          const e = r.value;
          if (isFromRole(e.bytes, spec.teamMac, roleIp)) {
            const prev = e.onWrite;
            e.onWrite = (ref) => {
              if (ref.time < ctx.epoch(takeT)) lastRoleFrame = ref.time;
              prev?.(ref);
            };
          }
          yield e;
        }
      })();
    }
    ctx.truth.note('Heartbeats and the GARPs are seen on NIC1 (the team hashes the heartbeat routes there and the switch floods broadcasts to one LAG port).');
  },
};

/** Ethernet source = team MAC and IPv4 source = the role IP (VLAN-tagged frame). */
function isFromRole(b: Uint8Array, mac: number, ip: number): boolean {
  if (b.length < 34) return false;
  const src = ((b[6]! << 8) | b[7]!) * 0x100000000 + (((b[8]! << 24) >>> 0) + ((b[9]! << 16) | (b[10]! << 8) | b[11]!));
  if (src !== mac) return false;
  let o = 12;
  let type = (b[o]! << 8) | b[o + 1]!;
  if (type === 0x8100) {
    o += 4;
    type = (b[o]! << 8) | b[o + 1]!;
  }
  if (type !== 0x0800) return false;
  const ipo = o + 2;
  const s = (((b[ipo + 12]! << 24) >>> 0) + ((b[ipo + 13]! << 16) | (b[ipo + 14]! << 8) | b[ipo + 15]!)) >>> 0;
  return s === ip;
}

export const MIXED_SCENARIOS: readonly ScenarioDef[] = [mixedIncident];
