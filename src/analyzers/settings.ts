// Command-line options shared by `analyze`, `arp` and `heartbeat` (threshold profile, explicit
// thresholds, subnets, nodes, knet timers, ARP windows) and their parser to AnalysisSettings.
import { Option } from 'commander';
import { ipv6Text, parseIpv4, parseIpv6 } from '../../dissectors/core.js';
import type { AnalysisSettings } from './types.js';
import { DEFAULT_PROFILE, PROFILE_ALIASES, PROFILE_ORDER, findProfile } from './profiles.js';

/** Settings of the ARP and heartbeat analyzers beyond AnalysisSettings (all have defaults). */
export interface ArpHeartbeatSettings {
  /** Two MACs claiming one IP within this many seconds of each other is a conflict, not a takeover (RFC 5227 DEFEND_INTERVAL 10 s). */
  conflictWindow: number;
  /** How long after a takeover hosts still sending to the old MAC are watched (s). */
  staleWindow: number;
  /** A move back to the previous owner within this many seconds is a flip-flop (s). */
  flipflopWindow: number;
  /** CIDRs naming sites: a route between two different --site CIDRs uses CrossSite* thresholds. */
  sites: string[];
  /** Node names by address (text), from --node NAME=IP[,IP...]; groups routes into node pairs. */
  nodes: Record<string, string>;
  /** corosync totem token (ms), default 3000 (corosync.conf(5)). */
  token: number;
  /** knet_pong_count, default 2 (corosync.conf(5)). */
  knetPongCount: number;
  /** knet_ping_interval (ms); default token / (pong_count × 2). */
  knetPingInterval: number;
  /** knet_ping_timeout (ms); default token / pong_count. */
  knetPingTimeout: number;
  /** True when the user gave any knet timer (--token, --knet-*): never infer them from the wire then. */
  knetTimersGiven: boolean;
}

/** Everything the ARP/heartbeat/VRRP analyzers read. */
export type TeamscopeSettings = AnalysisSettings & ArpHeartbeatSettings;

/** Default AnalysisSettings (profile ws2019) for commands and tests. */
export function defaultSettings(): TeamscopeSettings {
  const p = findProfile(DEFAULT_PROFILE)!;
  return {
    profile: p.name,
    sameSubnetDelay: p.sameSubnetDelay,
    sameSubnetThreshold: p.sameSubnetThreshold,
    crossSubnetDelay: p.crossSubnetDelay,
    crossSubnetThreshold: p.crossSubnetThreshold,
    crossSiteDelay: p.crossSiteDelay,
    crossSiteThreshold: p.crossSiteThreshold,
    reorderWindow: 4096,
    memberMap: {},
    subnets: [],
    maxFlows: 1_000_000,
    maxIps: 100_000,
    conflictWindow: 10,
    staleWindow: 300,
    flipflopWindow: 60,
    sites: [],
    nodes: {},
    token: 3000,
    knetPongCount: 2,
    knetPingInterval: 750,
    knetPingTimeout: 1500,
    knetTimersGiven: false,
  };
}

/** Fill whatever a partial settings object lacks with the defaults (analyzers call this). */
export function resolveSettings(s?: Partial<TeamscopeSettings>): TeamscopeSettings {
  const d = defaultSettings();
  const out = { ...d, ...(s ?? {}) } as TeamscopeSettings;
  for (const k of Object.keys(d) as (keyof TeamscopeSettings)[]) if (out[k] === undefined) (out as unknown as Record<string, unknown>)[k] = d[k];
  // knet timers follow the token unless given (corosync.conf(5)).
  if (s && s.knetPingInterval === undefined) out.knetPingInterval = out.token / (out.knetPongCount * 2);
  if (s && s.knetPingTimeout === undefined) out.knetPingTimeout = out.token / out.knetPongCount;
  return out;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Heartbeat threshold options: --profile and the cluster's own setting names (PROTOCOLS.md §2.11). */
export function thresholdOptions(): Option[] {
  const names = [...PROFILE_ORDER, ...Object.keys(PROFILE_ALIASES)].join(', ');
  return [
    new Option('--profile <name>', `heartbeat threshold profile: ${names}`).default(DEFAULT_PROFILE),
    new Option('--same-subnet-delay <ms>', 'SameSubnetDelay in ms (overrides the profile)'),
    new Option('--same-subnet-threshold <n>', 'SameSubnetThreshold in heartbeats (overrides the profile)'),
    new Option('--cross-subnet-delay <ms>', 'CrossSubnetDelay in ms (overrides the profile)'),
    new Option('--cross-subnet-threshold <n>', 'CrossSubnetThreshold in heartbeats (overrides the profile)'),
    new Option('--cross-site-delay <ms>', 'CrossSiteDelay in ms (overrides the profile)'),
    new Option('--cross-site-threshold <n>', 'CrossSiteThreshold in heartbeats (overrides the profile)'),
    new Option('--subnet <cidr>', 'a same-subnet network (repeatable): routes inside one are same-subnet, between two are cross-subnet').argParser(collect),
    new Option('--site <cidr>', 'a site network (repeatable): routes between two sites use CrossSite thresholds').argParser(collect),
    new Option('--node <name=ip,...>', 'name a cluster node by its addresses (repeatable); groups routes into node pairs').argParser(collect),
    new Option('--token <ms>', 'corosync totem token timeout in ms (default 3000)'),
    new Option('--knet-pong-count <n>', 'corosync knet_pong_count (default 2)'),
    new Option('--knet-ping-interval <ms>', 'corosync knet_ping_interval in ms (default token / (pong_count × 2))'),
    new Option('--knet-ping-timeout <ms>', 'corosync knet_ping_timeout in ms (default token / pong_count)'),
  ];
}

/** ARP options: conflict, stale-cache and flip-flop windows. */
export function arpOptions(): Option[] {
  return [
    new Option('--conflict-window <s>', 'two MACs claiming one IP within this many seconds is a conflict (default 10, RFC 5227 DEFEND_INTERVAL)'),
    new Option('--stale-window <s>', 'watch hosts still sending to the old MAC this long after a takeover (default 300)'),
    new Option('--flipflop-window <s>', 'a move back to the previous MAC within this many seconds is a flip-flop (default 60)'),
  ];
}

function num(opts: Record<string, unknown>, key: string, flag: string, min: number, integer: boolean): number | undefined {
  const v = opts[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new Error(`bad ${flag} '${String(v)}': expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return n;
}

/** Is `text` an IPv4 or IPv6 CIDR (or a bare address)? */
export function checkCidr(text: string, flag: string): void {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined || !addr) throw new Error(`bad ${flag} '${text}': expected ADDRESS/PREFIX, e.g. 10.0.0.0/24`);
  const v4 = !Number.isNaN(parseIpv4(addr));
  const v6 = !v4 && parseIpv6(addr) !== null;
  if (!v4 && !v6) throw new Error(`bad ${flag} '${text}': '${addr}' is not an IP address`);
  if (len !== undefined) {
    const n = Number(len);
    if (!/^\d+$/.test(len) || n > (v4 ? 32 : 128)) throw new Error(`bad ${flag} '${text}': prefix length must be 0..${v4 ? 32 : 128}`);
  }
}

/**
 * Options (commander's camelCased values) → settings: the profile's values, then any explicit
 * threshold option on top. Throws an Error with a one-line message naming the bad option.
 */
export function settingsFromOptions(opts: Record<string, unknown>, base?: Partial<TeamscopeSettings>): TeamscopeSettings {
  const s = resolveSettings(base);
  const pname = typeof opts.profile === 'string' ? opts.profile : (base?.profile ?? DEFAULT_PROFILE);
  const p = findProfile(pname);
  if (!p) throw new Error(`unknown --profile '${pname}' (known: ${[...PROFILE_ORDER, ...Object.keys(PROFILE_ALIASES)].join(', ')})`);
  const explicit = {
    sameSubnetDelay: num(opts, 'sameSubnetDelay', '--same-subnet-delay', 1, false),
    sameSubnetThreshold: num(opts, 'sameSubnetThreshold', '--same-subnet-threshold', 1, true),
    crossSubnetDelay: num(opts, 'crossSubnetDelay', '--cross-subnet-delay', 1, false),
    crossSubnetThreshold: num(opts, 'crossSubnetThreshold', '--cross-subnet-threshold', 1, true),
    crossSiteDelay: num(opts, 'crossSiteDelay', '--cross-site-delay', 1, false),
    crossSiteThreshold: num(opts, 'crossSiteThreshold', '--cross-site-threshold', 1, true),
  };
  const overridden = Object.entries(explicit).filter(([, v]) => v !== undefined).map(([k]) => k);
  s.profile = overridden.length ? `${p.name}+${overridden.map((k) => k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(',')}` : p.name;
  s.sameSubnetDelay = explicit.sameSubnetDelay ?? p.sameSubnetDelay;
  s.sameSubnetThreshold = explicit.sameSubnetThreshold ?? p.sameSubnetThreshold;
  s.crossSubnetDelay = explicit.crossSubnetDelay ?? p.crossSubnetDelay;
  s.crossSubnetThreshold = explicit.crossSubnetThreshold ?? p.crossSubnetThreshold;
  s.crossSiteDelay = explicit.crossSiteDelay ?? p.crossSiteDelay ?? s.crossSubnetDelay;
  s.crossSiteThreshold = explicit.crossSiteThreshold ?? p.crossSiteThreshold ?? s.crossSubnetThreshold;

  const subnets = (opts.subnet as string[] | undefined) ?? [];
  for (const c of subnets) checkCidr(c, '--subnet');
  if (subnets.length) s.subnets = subnets;
  const sites = (opts.site as string[] | undefined) ?? [];
  for (const c of sites) checkCidr(c, '--site');
  if (sites.length) s.sites = sites;
  for (const spec of (opts.node as string[] | undefined) ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new Error(`bad --node '${spec}': expected NAME=IP[,IP...]`);
    for (const a of m[2]!.split(',')) {
      const t = a.trim();
      if (Number.isNaN(parseIpv4(t)) && parseIpv6(t) === null) throw new Error(`bad --node '${spec}': '${t}' is not an IP address`);
      s.nodes[canonicalIp(t)] = m[1]!.trim();
    }
  }

  s.knetTimersGiven = ['token', 'knetPongCount', 'knetPingInterval', 'knetPingTimeout'].some((k) => opts[k] !== undefined) || s.knetTimersGiven;
  s.token = num(opts, 'token', '--token', 1, false) ?? s.token;
  s.knetPongCount = num(opts, 'knetPongCount', '--knet-pong-count', 1, true) ?? s.knetPongCount;
  s.knetPingInterval = num(opts, 'knetPingInterval', '--knet-ping-interval', 1, false) ?? s.token / (s.knetPongCount * 2);
  s.knetPingTimeout = num(opts, 'knetPingTimeout', '--knet-ping-timeout', 1, false) ?? s.token / s.knetPongCount;
  s.conflictWindow = num(opts, 'conflictWindow', '--conflict-window', 0, false) ?? s.conflictWindow;
  s.staleWindow = num(opts, 'staleWindow', '--stale-window', 0, false) ?? s.staleWindow;
  s.flipflopWindow = num(opts, 'flipflopWindow', '--flipflop-window', 0, false) ?? s.flipflopWindow;
  s.maxIps = num(opts, 'maxIps', '--max-ips', 1, true) ?? s.maxIps;
  return s;
}

/** Warnings about threshold values outside the documented ranges (PROTOCOLS.md §2.11), for notes. */
export function settingsWarnings(s: TeamscopeSettings): string[] {
  const w: string[] = [];
  if (s.sameSubnetDelay < 250 || s.sameSubnetDelay > 2000) w.push(`SameSubnetDelay ${s.sameSubnetDelay} ms is outside the documented 250..2000 ms`);
  if (s.crossSubnetDelay < 250 || s.crossSubnetDelay > 4000) w.push(`CrossSubnetDelay ${s.crossSubnetDelay} ms is outside the documented 250..4000 ms`);
  if (s.sameSubnetThreshold < 3 || s.sameSubnetThreshold > 120) w.push(`SameSubnetThreshold ${s.sameSubnetThreshold} is outside the documented 3..120`);
  if (s.crossSubnetThreshold < 3 || s.crossSubnetThreshold > 120) w.push(`CrossSubnetThreshold ${s.crossSubnetThreshold} is outside the documented 3..120`);
  if (s.sameSubnetThreshold > s.crossSubnetThreshold || s.sameSubnetDelay > s.crossSubnetDelay)
    w.push('Microsoft advises SameSubnet* ≤ CrossSubnet* (delay and threshold)');
  return w;
}

/** Canonical text of an IP address (IPv6 compressed), for map keys from user input. */
export function canonicalIp(text: string): string {
  const v4 = parseIpv4(text);
  if (!Number.isNaN(v4)) return text.trim();
  const b = parseIpv6(text);
  if (!b) return text;
  return ipv6Text(b, 0);
}
