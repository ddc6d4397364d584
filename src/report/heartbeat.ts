// Tables (cli-table3) for heartbeats: routes with intervals, latency and subnet class (and the rule
// that decided it), gaps (breaches and near misses with the profiles they breach), node pairs, and
// VRRP/HSRP/CARP groups with their master changes. Rendering only.
import type { HeartbeatSection } from '../analyzers/heartbeat.js';
import type { FhrpSection } from '../analyzers/vrrp.js';
import type { TimelineEvent } from '../analyzers/types.js';
import { DEFAULT_PROFILE, PROFILES, PROFILE_ALIASES, PROFILE_ORDER } from '../analyzers/profiles.js';
import { type RenderOptions, fmtSec, fmtTime, plainTable, titled } from './arp.js';

function ms(x: number | null): string {
  return x === null ? '—' : x < 1 ? `${(x * 1000).toFixed(3)} ms` : `${x.toFixed(3)} s`;
}

/** Heartbeat routes, gaps and node pairs as text. */
export function renderHeartbeats(section: HeartbeatSection, events: readonly TimelineEvent[], o: RenderOptions = {}): string {
  const limit = o.limit ?? 50;
  const out: string[] = [];
  const s = section.settings;
  if (section.pairs.length) {
    const t = plainTable(['protocol', 'from → to', 'route', 'subnet (rule)', 'packets', 'interval median / p99 / max', 'latency median (method)', 'missed', 'max gap', 'breaches / near'] );
    for (const p of section.pairs.slice(0, limit)) {
      const who = p.fromNode !== p.from || p.toNode !== p.to ? `${p.fromNode} → ${p.toNode}\n(${p.from} → ${p.to})` : `${p.from} → ${p.to}`;
      t.push([
        `${p.protocol}${p.decoded ? '' : ' (opaque)'}`,
        who,
        p.route,
        `${p.subnet} (${p.subnetRule})\ntolerance ${p.tolerance} s`,
        String(p.count),
        `${ms(p.interval.median)} / ${ms(p.interval.p99)} / ${ms(p.interval.max)}${p.interval.exact ? '' : ' ≈'}`,
        p.latency ? `${ms(p.latency.median)} (${p.latency.method})` : '—',
        String(p.missed),
        p.maxGapProfiles.length ? `${fmtSec(p.maxGap)}\nbreaches ${p.maxGapProfiles.join(', ')}` : fmtSec(p.maxGap),
        `${p.breaches} / ${p.nearMisses}`,
      ]);
    }
    if (section.pairs.length > limit) t.push([{ colSpan: 10, content: `… ${section.pairs.length - limit} more streams (see --json)` }]);
    out.push(
      titled(
        `Heartbeat streams (${section.pairs.length}); profile ${s.profile}: SameSubnet ${s.sameSubnet}, CrossSubnet ${s.crossSubnet}, CrossSite ${s.crossSite}; knet ping ${s.knetPingInterval} ms, timeout ${s.knetPingTimeout} ms, token ${s.token} ms`,
        t,
      ),
    );
  }
  const gaps = events.filter((e) => e.kind === 'heartbeat.breach' || e.kind === 'heartbeat.near-miss' || e.kind === 'heartbeat.pair-down');
  if (gaps.length) {
    const t = plainTable(['start', 'end', 'duration', 'what', 'protocol', 'from → to', 'route', 'tolerance', 'missed', 'all routes down', 'profiles breached']);
    for (const e of gaps.slice(0, limit)) {
      const what = e.kind === 'heartbeat.breach' ? 'BREACH' : e.kind === 'heartbeat.pair-down' ? 'PAIR DOWN' : 'near miss';
      t.push([
        fmtTime(e.start as number, o),
        `${fmtTime(e.end as number, o)}${e.ongoing ? ' (capture end)' : ''}`,
        fmtSec(e.duration as number),
        what,
        String(e.protocol),
        `${e.fromNode && e.fromNode !== e.from ? `${e.fromNode} → ${e.toNode}\n(${e.from} → ${e.to})` : `${e.from} → ${e.to}`}${e.direction === 'both' ? ' (both ways)' : ''}`,
        e.kind === 'heartbeat.pair-down' ? (e.routes as string[]).join('\n') : `${e.route}${e.subnet ? `\n${e.subnet} subnet (${e.subnetRule})` : ''}`,
        e.tolerance === undefined ? '—' : `${e.tolerance} s`,
        e.missed === undefined ? '—' : String(e.missed),
        e.allRoutesDown === null || e.allRoutesDown === undefined ? (e.kind === 'heartbeat.pair-down' ? 'yes' : '—') : e.allRoutesDown ? 'yes' : `no: ${(e.survivingRoutes as string[]).join(', ')}`,
        Array.isArray(e.profiles) && e.profiles.length ? (e.profiles as string[]).join(', ') : '—',
      ]);
    }
    if (gaps.length > limit) t.push([{ colSpan: 11, content: `… ${gaps.length - limit} more gaps (see --json)` }]);
    out.push(titled(`Heartbeat gaps (${gaps.length})`, t));
  }
  const grouped = section.nodePairs.filter((p) => p.routes.length > 1 || p.allRoutesDown.length);
  if (grouped.length) {
    const t = plainTable(['protocol', 'nodes', 'routes', 'grouped by', 'all routes down']);
    for (const p of grouped)
      t.push([p.protocol, p.nodes.join(' ⇄ '), p.routes.join('\n'), p.grouping, p.allRoutesDown.length ? p.allRoutesDown.map((d) => `${fmtTime(d.start, o)} for ${fmtSec(d.end - d.start)}`).join('\n') : 'never']);
    out.push(titled('Node pairs', t));
  }
  if (out.length === 0) out.push('Heartbeats: no cluster heartbeats (UDP 3343, corosync/knet UDP 5405-5412) in the capture.\n');
  return out.join('\n');
}

/** VRRP / HSRP / CARP groups and master changes as text. */
export function renderVrrp(section: FhrpSection, events: readonly TimelineEvent[], o: RenderOptions = {}): string {
  if (!section.groups.length) return '';
  const limit = o.limit ?? 50;
  const out: string[] = [];
  const t = plainTable(['protocol', 'group', 'virtual IPs', 'adverts', 'advertised', 'observed median / max', 'master down after', 'master', 'changes', 'breaches / near']);
  for (const g of section.groups.slice(0, limit)) {
    t.push([
      `${g.protocol} v${g.version}${g.ipVersion === 6 ? ' IPv6' : ''}`,
      `${g.group} (${g.iface}${g.vlan ? ` vlan ${g.vlan}` : ''})`,
      g.virtualIps.join('\n') || '—',
      String(g.adverts),
      `${g.advertisedInterval} s`,
      `${ms(g.interval.median)} / ${ms(g.interval.max)}`,
      `${g.tolerance} s\n${g.toleranceRule}`,
      g.master ?? '—',
      String(Math.max(0, g.masters.length - 1)),
      `${g.breaches} / ${g.nearMisses}`,
    ]);
  }
  out.push(titled(`First-hop redundancy groups (${section.groups.length})`, t));
  const routers = section.groups.flatMap((g) => g.sources.map((s) => ({ g, s })));
  if (routers.length) {
    const rt = plainTable(['protocol', 'group', 'router', 'priority', 'adverts', 'first', 'last', 'interval median / max']);
    for (const { g, s } of routers.slice(0, limit))
      rt.push([`${g.protocol} v${g.version}`, String(g.group), s.ip, String(s.priority), String(s.adverts), fmtTime(s.first, o), fmtTime(s.last, o), `${ms(s.interval.median)} / ${ms(s.interval.max)}`]);
    if (routers.length > limit) rt.push([{ colSpan: 8, content: `… ${routers.length - limit} more routers (see --json)` }]);
    out.push(titled(`Routers advertising (${routers.length})`, rt));
  }
  const masters = events.filter((e) => /^(vrrp|hsrp|carp)\.(master|dual-master)$/.test(e.kind));
  if (masters.length) {
    const m = plainTable(['time', 'protocol', 'group', 'virtual IP', 'from → to', 'reason']);
    for (const e of masters.slice(0, limit))
      m.push([fmtTime(e.time, o), e.kind.split('.')[0]!, String(e.group), String(e.ip ?? '—'), e.kind.endsWith('dual-master') ? (e.ips as string[]).join(' and ') : `${e.fromIp ?? '—'} → ${e.toIp}`, String(e.reason ?? 'dual master')]);
    if (masters.length > limit) m.push([{ colSpan: 6, content: `… ${masters.length - limit} more (see --json)` }]);
    out.push(titled(`Master changes (${masters.length})`, m));
  }
  return out.join('\n');
}

/** The threshold profiles with their tolerances and sources (`teamscope heartbeat --list-profiles`). */
export function renderProfiles(current?: string): string {
  const t = plainTable(['profile', 'Windows Server', 'SameSubnet delay × threshold', 'CrossSubnet', 'CrossSite', 'sources', 'caveat']);
  for (const name of PROFILE_ORDER) {
    const p = PROFILES[name]!;
    const tol = (d: number, n: number) => `${d} ms × ${n} = ${(d * n) / 1000} s`;
    t.push([
      `${p.name}${current && current.split('+')[0] === p.name ? ' (in use)' : ''}${p.name === DEFAULT_PROFILE ? ' (default)' : ''}`,
      p.title,
      tol(p.sameSubnetDelay, p.sameSubnetThreshold),
      tol(p.crossSubnetDelay, p.crossSubnetThreshold),
      p.crossSiteDelay !== undefined ? tol(p.crossSiteDelay, p.crossSiteThreshold!) : '— (CrossSubnet values)',
      p.sources.join('\n'),
      p.caveat ?? '',
    ]);
  }
  const aliases = Object.entries(PROFILE_ALIASES).map(([a, b]) => `${a} = ${b}`).join(', ');
  return titled(`Heartbeat threshold profiles (--profile; aliases ${aliases}); explicit --same-subnet-delay etc. override them. Check the cluster's own values with Get-Cluster | fl *subnet*, *site*`, t);
}
