// Heartbeat scenarios: Windows Failover Cluster (UDP 3343) and corosync/knet, with a route outage
// shorter than the tolerance (a near miss) and one longer (a breach), on one route or all routes of a
// node pair, same subnet or cross subnet.
import { ipv4Text } from '../../../dissectors/core.js';
import { us } from '../engine.js';
import { type HbRoute, type HbTiming, PROFILES, RouteLog, heartbeatSource, outageFinding, profileTolerance } from '../cluster.js';
import type { Span } from '../lacp.js';
import type { Knobs } from '../options.js';
import type { ScenarioContext, ScenarioDef } from '../scenario.js';
import { t6 } from '../truth.js';

/** Nodes and routes of a cluster seen from capture points at site 1 (one per network). */
export function clusterRoutes(ctx: ScenarioContext, proto: 'mscs' | 'knet', prefix = 'span'): { routes: HbRoute[]; nodes: { name: string; id: number; site: number; ips: number[]; mac: number[] }[] } {
  const k = ctx.knobs;
  const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const routerMac = (net: number, site: number) => 0x02005e00fe00 + net * 16 + site;
  const nodes = Array.from({ length: k.nodes }, (_, i) => {
    const site = k.subnet === 'cross' && i > 0 ? 2 : 1;
    return {
      name: proto === 'mscs' ? `NODE${i + 1}` : `node${i + 1}`,
      id: i + 1,
      site,
      ips: Array.from({ length: k.networks }, (_, n) => (n === 0 ? ip(10, 10 * site, 1, 10 + i + 1) : ip(10, site === 1 ? 0 : 1, n, 10 + i + 1))),
      mac: Array.from({ length: k.networks }, (_, n) => (proto === 'mscs' ? 0x00155d640000 : 0x525400640000) + (i + 1) * 256 + n + 1),
    };
  });
  const netName = (n: number) => (proto === 'mscs' ? (n === 0 ? 'Cluster Network 1' : `Cluster Network ${n + 1}`) : `link ${n}`);
  const ifaces = Array.from({ length: k.networks }, (_, n) =>
    ctx.addInterface({ name: `${prefix}-net${n + 1}`, role: 'capture-point', description: `switch SPAN of ${netName(n)} at site 1` }),
  );
  const routes: HbRoute[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!;
      const b = nodes[j]!;
      if (a.site !== 1 && b.site !== 1) continue; // not visible from site 1
      for (let n = 0; n < k.networks; n++) {
        const cross = a.site !== b.site;
        routes.push({
          a: { node: a.name, nodeId: a.id, mac: a.mac[n]!, ip: a.ips[n]!, nextHopMac: cross ? routerMac(n, a.site) : b.mac[n]! },
          b: { node: b.name, nodeId: b.id, mac: b.mac[n]!, ip: b.ips[n]!, nextHopMac: cross ? routerMac(n, b.site) : a.mac[n]! },
          iface: ifaces[n]!,
          network: netName(n),
          subnet: cross ? 'cross' : 'same',
          link: n,
          outages: [],
        });
      }
    }
  }
  return { routes, nodes };
}

/** Outage windows: a near miss (a fraction of the tolerance) then the breach (--outage-for). */
function outagePlan(ctx: ScenarioContext, nearWindow: number, gapAfter: number): { near: Span; breach: Span } {
  const k = ctx.knobs;
  const near = { from: us(k.outageAt), to: us(k.outageAt + nearWindow) };
  const bFrom = k.outageAt + nearWindow + gapAfter;
  const breach = { from: us(bFrom), to: Math.min(ctx.end, us(bFrom + k.outageFor)) };
  if (breach.from >= ctx.end) throw new Error(`the outages do not fit in --duration ${k.duration}: the breach would start at ${bFrom.toFixed(1)} s`);
  return { near, breach };
}

function stageHeartbeats(ctx: ScenarioContext, proto: 'mscs' | 'knet'): void {
  const k = ctx.knobs;
  const { routes, nodes } = clusterRoutes(ctx, proto);
  const prof = PROFILES[k.profile]!;
  const delayOf = (subnet: 'same' | 'cross') => (k.delay > 0 ? k.delay : subnet === 'same' ? prof[0] : prof[2]) / 1000;
  const thrOf = (subnet: 'same' | 'cross') => (k.threshold > 0 ? k.threshold : subnet === 'same' ? prof[1] : prof[3]);
  // knet: corosync defaults for token 3000 ms, knet_pong_count 2 (corosync.conf(5)).
  const knetInterval = 0.75;
  const knetTimeout = 1.5;
  const interval = (r: HbRoute) => (proto === 'mscs' ? delayOf(r.subnet) : knetInterval);
  const tolerance = (r: HbRoute) => (proto === 'mscs' ? delayOf(r.subnet) * thrOf(r.subnet) : knetTimeout);
  const first = routes[0]!;
  const tol = tolerance(first);
  const { near, breach } = outagePlan(ctx, proto === 'mscs' ? 0.6 * tol : 0.9, proto === 'mscs' ? 15 : 5);
  const victims = routes.filter((r) => r.a.node === nodes[0]!.name && r.b.node === nodes[1]!.name);
  const hit = k.routes === 'all' ? victims : victims.slice(0, 1);
  for (const r of hit) r.outages.push(near, breach);
  const logs = routes.map(() => new RouteLog());
  routes.forEach((r, i) => {
    const timing: HbTiming = { interval: interval(r), jitter: proto === 'mscs' ? 0.03 : 0.02, latency: [0.00015, 0.0009] };
    ctx.add(heartbeatSource(ctx, r, proto, timing, ctx.stream(`hb ${i}`), (t, ref) => logs[i]!.add(t, ref)));
  });
  for (const o of [near, breach]) {
    ctx.truth.event(ctx.epoch(o.from), 'route.outage', `${k.routes === 'all' ? 'every route' : 'one route'} between ${nodes[0]!.name} and ${nodes[1]!.name} goes silent for ${((o.to - o.from) / 1e6).toFixed(1)} s`, {
      end: ctx.epoch(o.to),
      routes: hit.map((r) => `${ipv4Text(r.a.ip)} ⇄ ${ipv4Text(r.b.ip)}`),
    });
  }
  ctx.atEnd.push(() => {
    for (const o of [near, breach]) {
      const found = hit.map((r) => ({ r, f: outageFinding(ctx, r, o, proto, logs[routes.indexOf(r)]!, interval(r), tolerance(r), {}) }));
      const all = hit.length === victims.length && found.every((x) => x.f?.kind === 'heartbeat.breach');
      for (const { f } of found) {
        if (!f) continue;
        if (f.kind === 'heartbeat.breach') {
          f.allRoutesDown = all;
          f.severity = all && victims.length > 1 ? 'error' : 'warning';
          if (proto === 'knet') f.tokenExceeded = (f.duration as number) * 1000 > 3000;
        }
      }
      if (all && victims.length > 1) {
        const starts = found.map((x) => x.f!.start as number);
        const ends = found.map((x) => x.f!.end as number | null);
        const start = Math.max(...starts);
        const end = ends.some((e) => e === null) ? null : Math.min(...(ends as number[]));
        ctx.truth.finding(
          'heartbeat.pair-down',
          { start, end, duration: end === null ? null : t6(end - start), protocol: proto, from: nodes[0]!.name, to: nodes[1]!.name, routes: found.map((x) => x.f!.route) },
          { required: false, severity: 'error', timeTolerance: interval(first) },
        );
        if (proto === 'mscs') ctx.truth.event(start + tol, 'node.removed', `${nodes[1]!.name} removes ${nodes[0]!.name} from membership (System event 1135): every route silent past ${tol} s`, {});
      }
    }
  });
  ctx.truth.settings =
    proto === 'mscs'
      ? {
          profile: k.profile,
          sameSubnetDelay: delayOf('same') * 1000,
          sameSubnetThreshold: thrOf('same'),
          crossSubnetDelay: delayOf('cross') * 1000,
          crossSubnetThreshold: thrOf('cross'),
          nodes: Object.fromEntries(nodes.map((n) => [n.name, n.ips.map(ipv4Text)])),
        }
      : { token: 3000, knetPongCount: 2, knetPingInterval: 750, knetPingTimeout: 1500, nodes: Object.fromEntries(nodes.map((n) => [n.name, n.ips.map(ipv4Text)])) };
  ctx.truth.topology = {
    cluster: proto === 'mscs' ? 'Windows Failover Cluster' : 'corosync 3 / kronosnet',
    nodes: nodes.map((n) => ({ name: n.name, id: n.id, site: n.site, ips: n.ips.map(ipv4Text) })),
    routes: routes.map((r) => ({ network: r.network, a: ipv4Text(r.a.ip), b: ipv4Text(r.b.ip), subnet: r.subnet, iface: ctx.ifname(r.iface), interval: interval(r), tolerance: tolerance(r) })),
  };
  if (proto === 'mscs') ctx.truth.note(`Tolerance = Delay × Threshold = ${tol} s (profile ${k.profile}${k.delay || k.threshold ? ', overridden by --delay/--threshold' : ''}); run analyze with the same settings.`);
  else ctx.truth.note('knet timers are corosync defaults for token 3000 ms: ping every 750 ms, timeout 1500 ms.');
}

const HB_KNOBS: (keyof Knobs)[] = ['nodes', 'networks', 'subnet', 'profile', 'delay', 'threshold', 'outageAt', 'outageFor', 'routes', 'duration', 'start'];

/** Windows Failover Cluster heartbeat loss. */
export const heartbeatLoss: ScenarioDef = {
  name: 'heartbeat-loss',
  title: 'Windows cluster heartbeat loss (UDP 3343), near miss and breach',
  description:
    'A Windows Failover Cluster of --nodes nodes with --networks cluster networks; every pair exchanges NetFT heartbeat Requests and Responses (UDP 3343, decodable header) on every network at SameSubnetDelay/CrossSubnetDelay with ±3 % jitter, captured on a SPAN per network. Between NODE1 and NODE2 one route (--routes one) or every route (all) goes silent twice: first for 60 % of Delay × Threshold (a near miss), then for --outage-for seconds (a breach when longer than the tolerance). --subnet cross puts NODE2+ behind a router (TTL decremented, router MACs). Truth: heartbeat.near-miss, heartbeat.breach (start, end, duration, missed, profiles breached, allRoutesDown).',
  knobs: HB_KNOBS,
  defaults: { duration: 100, outageAt: 20, outageFor: 30, nodes: 2, networks: 2 },
  build(ctx) {
    if (ctx.knobs.profile && !PROFILES[ctx.knobs.profile]) throw new Error(`unknown profile ${ctx.knobs.profile}`);
    stageHeartbeats(ctx, 'mscs');
    void profileTolerance;
  },
};

/** corosync/knet link loss. */
export const knetLoss: ScenarioDef = {
  name: 'knet-loss',
  title: 'Corosync/knet link loss (ping/pong), near miss and breach',
  description:
    'A corosync 3 cluster of --nodes nodes with --networks knet links (UDP 5405 + link, plain knet v1 PING/PONG headers, no crypto): each node pings each peer every 750 ms (token 3000 ms defaults) and the peer pongs back echoing the timestamp. Between node1 and node2 one link or all links go silent, first for 0.9 s (a near miss against knet_ping_timeout 1500 ms), then for --outage-for seconds (a breach; beyond the 3000 ms token when longer). Truth: heartbeat.near-miss, heartbeat.breach with tokenExceeded.',
  knobs: ['nodes', 'networks', 'subnet', 'outageAt', 'outageFor', 'routes', 'duration', 'start'],
  defaults: { duration: 40, outageAt: 10, outageFor: 5, nodes: 2, networks: 2 },
  build(ctx) {
    stageHeartbeats(ctx, 'knet');
  },
};

export const HEARTBEAT_SCENARIOS: readonly ScenarioDef[] = [heartbeatLoss, knetLoss];
