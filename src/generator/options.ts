// The generator's knobs: one catalogue shared by every scenario (each scenario says which knobs it
// reads and its own defaults), parsed from the command line and recorded in the truth file.
import { POLICIES, type PolicyName, LINUX_VARIANTS } from './hash.js';

/** Every knob a scenario may read (camelCase, as in truth files). */
export interface Knobs {
  /** Team members (1..32). */
  members: number;
  /** Load-balancing policy (hash.ts PolicyName). */
  policy: PolicyName;
  /** Teaming mode. */
  mode: 'lacp' | 'static' | 'switch-independent';
  /** Linux kernel hash variant (hash.ts LINUX_VARIANTS). */
  kernel: string;
  /** Capture length (s). */
  duration: number;
  /** Number of flows (team traffic). */
  flows: number;
  /** Mean packets per second per flow. */
  rate: number;
  /** TCP payload of a full data segment (bytes); smaller payloads make smaller captures. */
  mss: number;
  /** Share of IPv6 flows (0..1). */
  ipv6: number;
  /** 802.1Q VLAN id on data frames (0 = untagged). */
  vlan: number;
  /** LACP rate of the team (its LACP_Timeout bit) and of the switch. */
  lacpRate: 'fast' | 'slow';
  switchLacpRate: 'fast' | 'slow';
  /** Member that fails (1-based), when (s from start) and for how long (s; 0 = until the end). */
  failMember: number;
  failAt: number;
  failFor: number;
  /** Heartbeat/route outage: when, how long (s), which routes ('one' | 'all'). */
  outageAt: number;
  outageFor: number;
  routes: 'one' | 'all';
  /** Cluster networks (routes per node pair). */
  networks: number;
  /** Cluster nodes. */
  nodes: number;
  /** Same-subnet or cross-subnet cluster routes. */
  subnet: 'same' | 'cross';
  /** Threshold profile the scenario's truth is judged against (ws2008…ws2019). */
  profile: string;
  /** Heartbeat delay (ms) and threshold (heartbeats); 0 = from the profile. */
  delay: number;
  threshold: number;
  /** Failover software whose gratuitous-ARP habits to mimic. */
  habit: 'keepalived' | 'pacemaker' | 'windows' | 'bonding';
  /** GARP count, interval (ms) and form; 0 / '' = the habit's default. */
  garpCount: number;
  garpInterval: number;
  garpForm: '' | 'request' | 'reply';
  /** Peers that keep sending to the old MAC after a takeover. */
  stale: number;
  /** Clients (ARP peers, flow clients). */
  clients: number;
  /** Epoch second of scenario time 0. */
  start: number;
}

/** One knob's command-line form and description. */
export interface KnobSpec {
  key: keyof Knobs;
  flag: string;
  description: string;
  parse: (v: string) => unknown;
}

const int = (name: string, lo: number, hi: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name} must be an integer from ${lo} to ${hi} (got '${v}')`);
  return n;
};
const num = (name: string, lo: number, hi: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`--${name} must be a number from ${lo} to ${hi} (got '${v}')`);
  return n;
};
const oneOf = <T extends string>(name: string, values: readonly T[]) => (v: string) => {
  if (!(values as readonly string[]).includes(v)) throw new Error(`--${name} must be one of ${values.join(', ')} (got '${v}')`);
  return v as T;
};

/** The knob catalogue, in the order `generate --help` lists them. */
export const KNOBS: readonly KnobSpec[] = [
  { key: 'members', flag: '--members <n>', description: 'team members (1-32)', parse: int('members', 1, 32) },
  { key: 'policy', flag: '--policy <name>', description: `load balancing: ${Object.keys(POLICIES).join(', ')}`, parse: oneOf('policy', Object.keys(POLICIES) as PolicyName[]) },
  { key: 'mode', flag: '--mode <mode>', description: 'teaming mode: lacp, static, switch-independent', parse: oneOf('mode', ['lacp', 'static', 'switch-independent'] as const) },
  { key: 'kernel', flag: '--kernel <variant>', description: `Linux hash variant: ${Object.keys(LINUX_VARIANTS).join(', ')}`, parse: oneOf('kernel', Object.keys(LINUX_VARIANTS)) },
  { key: 'duration', flag: '--duration <s>', description: 'capture length in seconds', parse: num('duration', 1, 86400) },
  { key: 'flows', flag: '--flows <n>', description: 'number of flows', parse: int('flows', 0, 1_000_000) },
  { key: 'rate', flag: '--rate <pps>', description: 'mean packets per second per flow', parse: num('rate', 0.01, 100000) },
  { key: 'mss', flag: '--mss <bytes>', description: 'TCP payload of full data segments (64-8960)', parse: int('mss', 64, 8960) },
  { key: 'ipv6', flag: '--ipv6 <share>', description: 'share of IPv6 flows, 0..1', parse: num('ipv6', 0, 1) },
  { key: 'vlan', flag: '--vlan <id>', description: '802.1Q VLAN id on data frames (0 = untagged)', parse: int('vlan', 0, 4094) },
  { key: 'lacpRate', flag: '--lacp-rate <rate>', description: "the team's LACP rate: fast or slow", parse: oneOf('lacp-rate', ['fast', 'slow'] as const) },
  { key: 'switchLacpRate', flag: '--switch-lacp-rate <rate>', description: "the switch's LACP rate: fast or slow", parse: oneOf('switch-lacp-rate', ['fast', 'slow'] as const) },
  { key: 'failMember', flag: '--fail-member <n>', description: 'member that fails (1-based)', parse: int('fail-member', 1, 32) },
  { key: 'failAt', flag: '--fail-at <s>', description: 'when the member fails (s from the start)', parse: num('fail-at', 0, 86400) },
  { key: 'failFor', flag: '--fail-for <s>', description: 'how long it stays failed (s; 0 = until the end)', parse: num('fail-for', 0, 86400) },
  { key: 'outageAt', flag: '--outage-at <s>', description: 'when heartbeats stop (s from the start)', parse: num('outage-at', 0, 86400) },
  { key: 'outageFor', flag: '--outage-for <s>', description: 'how long heartbeats stay silent (s)', parse: num('outage-for', 0, 86400) },
  { key: 'routes', flag: '--routes <which>', description: 'routes that fail: one or all', parse: oneOf('routes', ['one', 'all'] as const) },
  { key: 'networks', flag: '--networks <n>', description: 'cluster networks (routes per node pair)', parse: int('networks', 1, 4) },
  { key: 'nodes', flag: '--nodes <n>', description: 'cluster nodes', parse: int('nodes', 2, 8) },
  { key: 'subnet', flag: '--subnet <kind>', description: 'cluster routes within one subnet (same) or routed (cross)', parse: oneOf('subnet', ['same', 'cross'] as const) },
  { key: 'profile', flag: '--profile <name>', description: 'threshold profile: ws2008, ws2012, ws2012r2, ws2016, ws2019', parse: oneOf('profile', ['ws2008', 'ws2012', 'ws2012r2', 'ws2016', 'ws2019'] as const) },
  { key: 'delay', flag: '--delay <ms>', description: 'heartbeat interval in ms (0 = the profile value)', parse: int('delay', 0, 10000) },
  { key: 'threshold', flag: '--threshold <n>', description: 'missed heartbeats tolerated (0 = the profile value)', parse: int('threshold', 0, 120) },
  { key: 'habit', flag: '--habit <software>', description: 'GARP habits of: keepalived, pacemaker, windows, bonding', parse: oneOf('habit', ['keepalived', 'pacemaker', 'windows', 'bonding'] as const) },
  { key: 'garpCount', flag: '--garp-count <n>', description: 'gratuitous ARPs per announcement burst (0 = the habit default)', parse: int('garp-count', 0, 100) },
  { key: 'garpInterval', flag: '--garp-interval <ms>', description: 'spacing of gratuitous ARPs in ms (0 = the habit default)', parse: int('garp-interval', 0, 60000) },
  { key: 'garpForm', flag: '--garp-form <form>', description: 'gratuitous ARP form: request or reply (default: the habit)', parse: oneOf('garp-form', ['request', 'reply'] as const) },
  { key: 'stale', flag: '--stale <n>', description: 'peers that keep sending to the old MAC after a takeover', parse: int('stale', 0, 1000) },
  { key: 'clients', flag: '--clients <n>', description: 'client hosts', parse: int('clients', 1, 10000) },
  { key: 'start', flag: '--start <epoch>', description: 'epoch second of the first frame (default 2024-03-12 09:00:00 UTC)', parse: int('start', 0, 4_000_000_000) },
];

/** Defaults of every knob (a scenario overrides some). */
export const DEFAULT_KNOBS: Knobs = {
  members: 2,
  policy: 'layer3+4',
  mode: 'lacp',
  kernel: 'current',
  duration: 60,
  flows: 16,
  rate: 20,
  mss: 1448,
  ipv6: 0,
  vlan: 0,
  lacpRate: 'fast',
  switchLacpRate: 'fast',
  failMember: 2,
  failAt: 20,
  failFor: 0,
  outageAt: 20,
  outageFor: 30,
  routes: 'one',
  networks: 2,
  nodes: 2,
  subnet: 'same',
  profile: 'ws2019',
  delay: 0,
  threshold: 0,
  habit: 'keepalived',
  garpCount: 0,
  garpInterval: 0,
  garpForm: '',
  stale: 2,
  clients: 8,
  start: 1710234000,
};

/** Look a knob up by its key. */
export function knobSpec(key: keyof Knobs): KnobSpec {
  const k = KNOBS.find((x) => x.key === key);
  if (!k) throw new Error(`unknown knob ${key}`);
  return k;
}

/** Command-line flag name of a knob ('--fail-at'). */
export function flagName(key: keyof Knobs): string {
  return knobSpec(key).flag.split(' ')[0]!;
}

/** Capture formats `generate --format` accepts. */
export const GENERATOR_FORMATS: readonly string[] = ['pcapng', 'pcap'];
