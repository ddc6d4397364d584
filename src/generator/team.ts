// A NIC team on the wire: N members (one capture interface each), its LACP links to the switch (a
// two-party simulation per member), and client/server flows whose outbound frames leave on the member
// the team's policy picks over the members usable at that instant, and whose inbound frames arrive on
// the member the switch (or, switch-independent, the team's primary/affinity rules) picks.
// Source-MAC rules per mode follow PROTOCOLS.md §3.5; member selection hash.ts.
import type { TcpFields } from '../../dissectors/tcp.js';
import type { Emission, FrameRef, Source } from './engine.js';
import { us } from './engine.js';
import { type L2, type L3, lacpFrame, tcpFrame, udpFrame } from './frames.js';
import {
  FlowletBalancer,
  type FlowHeaders,
  LINUX_VARIANTS,
  type LinuxHashVariant,
  type LinuxXmitPolicy,
  type PolicyName,
  hyperVPortMember,
  isClosedForm,
  linuxXmitHash,
  memberIndex,
  policyHash,
} from './hash.js';
import { type LacpSideConfig, type SimPdu, type Span, inSpans, simulateLacpLink } from './lacp.js';
import { LacpObserver } from './observe.js';
import type { Rng } from './prng.js';
import type { ScenarioContext } from './scenario.js';
import { type TruthFinding, ev, macStr, t6 } from './truth.js';
import { zeroPayload } from './build.js';
import { ipv4Text, ipv6Text } from '../../dissectors/core.js';

/** Team configuration. */
export interface TeamSpec {
  node: string;
  team: string;
  mode: 'lacp' | 'static' | 'switch-independent';
  policy: PolicyName;
  kernel: string;
  teamMac: number;
  memberMacs: number[];
  /** Member interface names (capture interface names). */
  memberNames: string[];
  lacpFast: boolean;
  switchLacpFast: boolean;
  /** Member link failures: member index (0-based) → down spans (µs). */
  linkDown: Map<number, Span[]>;
  /** Switch port silent spans (LACP partner stops answering): member → spans. */
  partnerSilent?: Map<number, Span[]>;
  /** Per-member switch identity override (key or partner-system mismatch). */
  switchOverride?: Map<number, { system?: number; key?: number }>;
  /** Switch ignores the requested LACP rate and sends every this many seconds. */
  switchFixedPeriod?: number;
  /** LACP starts from scratch at these times (µs, per member); default: already negotiated at 0. */
  lacpStart?: number[];
  vlan: number;
}

/** The switch the team is cabled to. */
export const SWITCH = { system: 0x001c73a1b2c0, systemPriority: 32768, key: 0x0011, portBase: 0x0100, macBase: 0x001c73a1b201 } as const;

/** Windows or Linux, by policy family. */
export function osOf(p: PolicyName): 'linux' | 'windows' {
  return p === 'layer2' || p === 'layer2+3' || p === 'layer3+4' || p === 'vlan+srcmac' ? 'linux' : 'windows';
}

/** Canonical policy name as the distribution analyzer names its candidates (src/analyzers/policies.ts). */
export function canonicalPolicy(p: PolicyName): string {
  switch (p) {
    case 'win-4tuple':
      return 'windows-address-hash-4tuple';
    case 'win-2tuple':
      return 'windows-address-hash-2tuple';
    case 'win-mac':
      return 'windows-address-hash-mac';
    case 'hyperv-port':
      return 'hyper-v-port';
    case 'dynamic':
      return 'windows-dynamic';
    default:
      return `linux-${p}`;
  }
}

/** One end of a flow. */
export interface Endpoint {
  mac: number;
  ip: number | Uint8Array;
  port: number;
}

/** A flow between a client (behind the switch) and the team's host (or one of its VMs). */
export interface FlowSpec {
  id: number;
  proto: 6 | 17;
  /** Client side: its MAC is the client's own (same subnet) or the gateway's (remote client). */
  client: Endpoint;
  /** Team side: source MAC is the team MAC (or a VM MAC for Hyper-V port). */
  server: Endpoint;
  /** Hyper-V vPort of the server side (VM index), for hyperv-port. */
  vport: number;
  /** Mean packets per second and share sent by the team. */
  rate: number;
  outShare: number;
  /** First packet (µs); flows starting after 0 open with a handshake. */
  start: number;
  ttl: number;
  /** The team side stops answering at this time (µs; default: never). */
  end?: number;
  /** The client keeps sending (unanswered) until this time (µs; default: `end`). */
  clientUntil?: number;
  /** Called with every inbound frame written (e.g. to find stale senders). */
  logInbound?: (t: number, ref: FrameRef) => void;
}

/** Runtime view of the team: which members may send/receive at an instant. */
export interface TeamRuntime {
  spec: TeamSpec;
  ifaces: number[];
  /** Members (0-based, in member order) the team may transmit on at `t`. */
  hostUsable(t: number): number[];
  /** Members the switch may send to at `t`. */
  switchUsable(t: number): number[];
  linkUp(m: number, t: number): boolean;
  /** LACP PDUs per member (empty without LACP). */
  pdus: SimPdu[][];
  lacpConfigs: [LacpSideConfig, LacpSideConfig][];
}

/** Build the team: declare member interfaces, simulate LACP, and return its runtime view. */
export function buildTeam(ctx: ScenarioContext, spec: TeamSpec): TeamRuntime {
  const n = spec.memberMacs.length;
  const ifaces = spec.memberNames.map((name, m) =>
    ctx.addInterface({ name, role: 'member', node: spec.node, team: spec.team, mac: spec.memberMacs[m]!, description: `${spec.node} ${spec.team} member ${m + 1}` }),
  );
  const pdus: SimPdu[][] = [];
  const configs: [LacpSideConfig, LacpSideConfig][] = [];
  const hostCd: Span[][] = [];
  const swCd: Span[][] = [];
  const os = osOf(spec.policy);
  for (let m = 0; m < n; m++) {
    const down = spec.linkDown.get(m) ?? [];
    if (spec.mode === 'lacp') {
      const ov = spec.switchOverride?.get(m);
      const host: LacpSideConfig = {
        mac: spec.memberMacs[m]!,
        system: spec.teamMac,
        systemPriority: os === 'linux' ? 65535 : 32768,
        key: os === 'linux' ? 0x0009 : 0x0001,
        port: m + 1,
        portPriority: os === 'linux' ? 255 : 32768,
        fast: spec.lacpFast,
        active: true,
        reactMin: os === 'linux' ? 0.001 : 0.001,
        reactMax: os === 'linux' ? 0.1 : 0.01,
      };
      const sw: LacpSideConfig = {
        mac: SWITCH.macBase + m,
        system: ov?.system ?? SWITCH.system,
        systemPriority: SWITCH.systemPriority,
        key: ov?.key ?? SWITCH.key,
        port: SWITCH.portBase + m + 1,
        portPriority: 32768,
        fast: spec.switchLacpFast,
        active: true,
        reactMin: 0.0005,
        reactMax: 0.01,
        ...(spec.switchFixedPeriod !== undefined ? { fixedPeriod: spec.switchFixedPeriod } : {}),
      };
      // Selection: a member whose partner differs from the first member's (key or system) goes to
      // another aggregator that is not active (Linux: one active aggregator per bond).
      const ref = spec.switchOverride?.get(0);
      const refSystem = ref?.system ?? SWITCH.system;
      const refKey = ref?.key ?? SWITCH.key;
      const select = (side: 0 | 1, p: { system: number; key: number }) => {
        if (side === 1) return 'active' as const;
        return p.system === refSystem && p.key === refKey ? ('active' as const) : ('standby' as const);
      };
      const silent = (spec.partnerSilent?.get(m) ?? []).map((s) => ({ side: 1 as const, from: s.from, to: s.to }));
      const r = simulateLacpLink(host, sw, { start: spec.lacpStart?.[m] ?? 0, end: ctx.end, converged: spec.lacpStart === undefined, linkDown: down, silent, select }, ctx.stream(`lacp ${spec.node} ${m}`));
      pdus.push(r.pdus);
      configs.push([host, sw]);
      hostCd.push(r.distributing[0]);
      swCd.push(r.distributing[1]);
    } else {
      pdus.push([]);
      const up = complement(down, ctx.end);
      hostCd.push(up);
      swCd.push(up);
    }
  }
  const downOf = (m: number) => spec.linkDown.get(m) ?? [];
  return {
    spec,
    ifaces,
    pdus,
    lacpConfigs: configs,
    hostUsable: usableLookup(hostCd, n),
    switchUsable: usableLookup(swCd, n),
    linkUp: (m, t) => !inSpans(downOf(m), t),
  };
}

/**
 * `t → members whose spans contain t`, as a lookup over the piecewise-constant segments between
 * span boundaries (the same array is returned for every t of a segment: callers must not modify it).
 */
function usableLookup(spans: readonly Span[][], n: number): (t: number) => number[] {
  const cuts = [...new Set(spans.flatMap((ss) => ss.flatMap((s) => [s.from, s.to])))].sort((a, b) => a - b);
  const sets: number[][] = [];
  const at = (t: number) => {
    const out: number[] = [];
    for (let m = 0; m < n; m++) if (inSpans(spans[m]!, t)) out.push(m);
    return out;
  };
  // Segment i covers [cuts[i-1], cuts[i]) (segment 0 before the first cut).
  for (let i = 0; i <= cuts.length; i++) sets.push(at(i === 0 ? (cuts[0] ?? 0) - 1 : cuts[i - 1]!));
  let lo = -Infinity;
  let hi = -Infinity;
  let cur: number[] = [];
  return (t: number) => {
    if (t >= lo && t < hi) return cur;
    let a = 0;
    let b = cuts.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cuts[mid]! <= t) a = mid + 1;
      else b = mid;
    }
    lo = a === 0 ? -Infinity : cuts[a - 1]!;
    hi = a === cuts.length ? Infinity : cuts[a]!;
    cur = sets[a]!;
    return cur;
  };
}

/** The spans of [0, end) not covered by `down`. */
export function complement(down: readonly Span[], end: number): Span[] {
  const sorted = [...down].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  let t = 0;
  for (const d of sorted) {
    if (d.from > t) out.push({ from: t, to: d.from });
    t = Math.max(t, d.to);
  }
  if (t < end) out.push({ from: t, to: end });
  return out;
}

/** Frame sources for the LACPDUs of every member, with lacp.state / lacp.problem truth. */
export function lacpSources(ctx: ScenarioContext, rt: TeamRuntime, observer: LacpObserver): Source[] {
  return rt.pdus.map((list, m) =>
    (function* (): Generator<Emission> {
      const iface = rt.ifaces[m]!;
      const name = ctx.ifname(iface);
      for (const p of list) {
        const fields = p.fields;
        yield { t: p.t, iface, bytes: lacpFrame(p.src, fields), onWrite: (ref: FrameRef) => observer.pdu(name, fields, ref) };
      }
    })(),
  );
}

/** Which member sends an outbound frame, and the flow-move bookkeeping. */
class Distributor {
  private readonly variant: LinuxHashVariant;
  private readonly flowlets: FlowletBalancer;
  /** Closed-form candidates still consistent with every checked frame. */
  readonly candidates = new Map<string, { policy: LinuxXmitPolicy; variant: LinuxHashVariant }>();
  checked = 0;

  constructor(private readonly rt: TeamRuntime) {
    this.variant = LINUX_VARIANTS[rt.spec.kernel] ?? LINUX_VARIANTS.current!;
    this.flowlets = new FlowletBalancer(rt.spec.memberMacs.length, { flowletGap: 0.5 });
    for (const p of ['layer2', 'layer2+3', 'layer3+4', 'vlan+srcmac'] as const) {
      for (const [vn, v] of Object.entries(LINUX_VARIANTS)) {
        if (p === 'vlan+srcmac' && vn !== 'current') continue;
        this.candidates.set(vn === 'current' ? `linux-${p}` : `linux-${p}@${vn}`, { policy: p, variant: v });
      }
    }
  }

  /** Member index for an outbound packet of `flow` at `t`, or -1 when none is usable. */
  pick(flow: FlowSpec, h: FlowHeaders, t: number, bytes: number): number {
    const usable = this.rt.hostUsable(t);
    if (usable.length === 0) return -1;
    const p = this.rt.spec.policy;
    let m: number;
    if (p === 'hyperv-port') {
      const home = hyperVPortMember(flow.vport, this.rt.spec.memberMacs.length);
      m = usable.includes(home) ? home : usable[flow.vport % usable.length]!;
    } else if (p === 'dynamic') {
      m = this.flowlets.pick(`f${flow.id}`, t / 1e6, bytes, usable).member;
    } else {
      const hash = isClosedForm(p) ? linuxXmitHash(p as LinuxXmitPolicy, h, this.variant) : policyHash(p, h)!;
      m = usable[memberIndex(hash, usable.length)]!;
    }
    if (usable.length >= 2 && this.checked < 20_000) {
      this.checked++;
      for (const [name, c] of this.candidates) {
        if (usable[memberIndex(linuxXmitHash(c.policy, h, c.variant), usable.length)] !== m) this.candidates.delete(name);
      }
    }
    return m;
  }
}

/** Options of flowSources. */
export interface FlowOptions {
  /** Frame length of the team's data packets (TCP payload up to 1448). */
  mss?: number;
}

/**
 * Frame sources for every flow; records flow.moved findings (outbound direction: the team's choice)
 * and the policy truth (explainedBy: closed-form candidates consistent with every checked frame).
 */
export function flowSources(ctx: ScenarioContext, rt: TeamRuntime, flows: readonly FlowSpec[], opts: FlowOptions = {}): Source[] {
  const dist = new Distributor(rt);
  const spec = rt.spec;
  const os = osOf(spec.policy);
  const mss = opts.mss ?? ctx.knobs.mss;
  const vlan = spec.vlan > 0 ? spec.vlan : undefined;
  ctx.atEnd.push(() => {
    ctx.truth.policy = {
      name: canonicalPolicy(spec.policy),
      family: os === 'linux' ? 'linux' : spec.policy === 'hyperv-port' ? 'hyper-v' : 'windows',
      option: spec.policy,
      ...(os === 'linux' ? { variant: spec.kernel } : {}),
      closedForm: isClosedForm(spec.policy),
      explainedBy: dist.checked > 0 ? [...dist.candidates.keys()] : [],
      framesChecked: dist.checked,
    };
  });
  return flows.map((flow) => flowSource(ctx, rt, dist, flow, mss, vlan, ctx.stream(`flow ${spec.node} ${flow.id}`)));
}

function flowText(flow: FlowSpec): string {
  const ip = (a: number | Uint8Array) => (typeof a === 'number' ? ipv4Text(a) : `[${ipv6Text(a, 0)}]`);
  const proto = flow.proto === 6 ? 'tcp' : 'udp';
  return `${proto} ${ip(flow.server.ip)}:${flow.server.port} > ${ip(flow.client.ip)}:${flow.client.port}`;
}

function* flowSource(ctx: ScenarioContext, rt: TeamRuntime, dist: Distributor, flow: FlowSpec, mss: number, vlan: number | undefined, rng: Rng): Generator<Emission> {
  const spec = rt.spec;
  const win = osOf(spec.policy) === 'windows';
  let serverSeq = rng.u32();
  let clientSeq = rng.u32();
  let ipId = rng.int(0, 0xffff);
  let clientIpId = rng.int(0, 0xffff);
  let lastMember = -1;
  let lastOutTime = -1;
  const v6 = typeof flow.server.ip !== 'number';
  const ethertype = v6 ? 0x86dd : 0x0800;
  const text = flowText(flow);
  const serverL3 = (): L3 => ({ src: flow.server.ip, dst: flow.client.ip, ttl: win ? 128 : 64, id: (ipId = (ipId + 1) & 0xffff) });
  const clientL3 = (): L3 => ({ src: flow.client.ip, dst: flow.server.ip, ttl: flow.ttl, id: (clientIpId = (clientIpId + 1) & 0xffff) });
  const headers = (srcMac: number): FlowHeaders => ({
    dstMac: flow.client.mac,
    srcMac,
    ethertype,
    vlanId: vlan ?? 0,
    src: flow.server.ip,
    dst: flow.client.ip,
    protocol: flow.proto,
    srcPort: flow.server.port,
    dstPort: flow.client.port,
  });

  /** Source MAC of an outbound frame sent on member m (PROTOCOLS.md §3.5). */
  const outSrcMac = (m: number, t: number): number => {
    if (spec.policy === 'hyperv-port') return flow.server.mac;
    if (spec.mode === 'switch-independent' && win) {
      const primary = rt.hostUsable(t)[0] ?? 0;
      return m === primary ? spec.teamMac : spec.memberMacs[m]!;
    }
    return flow.server.mac;
  };

  /** Inbound member: switch hash (switch-dependent), primary member (SI address hash), affinity (SI Hyper-V port/dynamic). */
  const inMember = (t: number): number => {
    const usable = spec.mode === 'switch-independent' ? rt.hostUsable(t).filter((m) => rt.linkUp(m, t)) : rt.switchUsable(t);
    if (usable.length === 0) return -1;
    if (spec.mode === 'switch-independent') {
      if (spec.policy === 'hyperv-port') {
        const home = hyperVPortMember(flow.vport, spec.memberMacs.length);
        return usable.includes(home) ? home : usable[flow.vport % usable.length]!;
      }
      return usable[0]!;
    }
    // The switch's own src-dst-ip-port hash (stand-in: the Linux layer3+4 arithmetic on the inbound headers).
    const h: FlowHeaders = {
      dstMac: flow.server.mac,
      srcMac: flow.client.mac,
      ethertype,
      src: flow.client.ip,
      dst: flow.server.ip,
      protocol: flow.proto,
      srcPort: flow.client.port,
      dstPort: flow.server.port,
    };
    return usable[memberIndex(linuxXmitHash('layer3+4', h), usable.length)]!;
  };

  const out = (t: number, payload: number, flags: number): Emission | null => {
    if (flow.end !== undefined && t >= flow.end) return null;
    const srcGuess = spec.policy === 'hyperv-port' ? flow.server.mac : spec.teamMac;
    const m = dist.pick(flow, headers(srcGuess), t, payload + 54);
    if (m < 0) return null;
    const srcMac = outSrcMac(m, t);
    const l2: L2 = { src: srcMac, dst: flow.client.mac, ...(vlan !== undefined ? { vlan } : {}) };
    let bytes: Uint8Array;
    if (flow.proto === 6) {
      const f: TcpFields = { srcPort: flow.server.port, dstPort: flow.client.port, seq: serverSeq >>> 0, ack: clientSeq >>> 0, flags, window: win ? 8212 : 501 };
      bytes = tcpFrame(l2, serverL3(), f, payload);
      serverSeq = (serverSeq + payload + (flags & 0x03 ? 1 : 0)) >>> 0;
    } else {
      bytes = udpFrame(l2, serverL3(), flow.server.port, flow.client.port, [], zeroPayload(payload));
    }
    const e: Emission = { t, iface: rt.ifaces[m]!, bytes };
    if (lastMember >= 0 && m !== lastMember) {
      const from = lastMember;
      const failover = !rt.hostUsable(t).includes(from);
      const f: TruthFinding = ctx.truth.finding(
        'flow.moved',
        { time: t6(ctx.epoch(t)), flow: text, from: spec.memberNames[from], to: spec.memberNames[m], reason: failover ? 'failover' : 'rebalance', lastOnFrom: t6(ctx.epoch(lastOutTime)) },
        { severity: failover ? 'warning' : 'info' },
      );
      e.onWrite = (ref) => f.evidence.push(ev(ref));
    }
    lastMember = m;
    lastOutTime = t;
    return e;
  };

  const inb = (t: number, payload: number, flags: number): Emission | null => {
    if (flow.clientUntil !== undefined ? t >= flow.clientUntil : flow.end !== undefined && t >= flow.end) return null;
    const m = inMember(t);
    if (m < 0) return null;
    const dstMac = spec.policy === 'hyperv-port' ? flow.server.mac : spec.teamMac;
    const l2: L2 = { src: flow.client.mac, dst: dstMac, pad: true, ...(vlan !== undefined ? { vlan } : {}) };
    let bytes: Uint8Array;
    if (flow.proto === 6) {
      const f: TcpFields = { srcPort: flow.client.port, dstPort: flow.server.port, seq: clientSeq >>> 0, ack: serverSeq >>> 0, flags, window: 2048 };
      bytes = tcpFrame(l2, clientL3(), f, payload);
      clientSeq = (clientSeq + payload + (flags & 0x03 ? 1 : 0)) >>> 0;
    } else {
      bytes = udpFrame(l2, clientL3(), flow.client.port, flow.server.port, [], zeroPayload(payload));
    }
    const log = flow.logInbound;
    return { t, iface: rt.ifaces[m]!, bytes, ...(log ? { onWrite: (ref: FrameRef) => log(t, ref) } : {}) };
  };

  let t = flow.start;
  if (flow.proto === 6 && flow.start > 0) {
    // Three-way handshake: SYN in, SYN/ACK out, ACK in.
    const syn = inb(t, 0, 0x02);
    if (syn) yield syn;
    t += us(rng.uniform(0.0001, 0.0005));
    const sa = out(t, 0, 0x12);
    if (sa) yield sa;
    t += us(rng.uniform(0.0002, 0.002));
    const ack = inb(t, 0, 0x10);
    if (ack) yield ack;
  }
  const meanGap = 1 / flow.rate;
  for (;;) {
    t += Math.max(1, us(rng.exp(meanGap)));
    if (t >= ctx.end) return;
    if (rng.chance(flow.outShare)) {
      const len = flow.proto === 6 ? (rng.chance(0.8) ? mss : rng.int(40, mss)) : rng.int(60, Math.max(60, Math.min(1200, mss)));
      const e = out(t, len, 0x18);
      if (e) yield e;
    } else {
      const len = flow.proto === 6 ? (rng.chance(0.7) ? 0 : rng.int(20, Math.max(20, Math.min(400, mss)))) : rng.int(60, Math.max(60, Math.min(600, mss)));
      const e = inb(t, len, len > 0 ? 0x18 : 0x10);
      if (e) yield e;
    }
  }
}

/** Client population and flows for a team scenario. */
export interface FlowPlan {
  flows: FlowSpec[];
  clients: { mac: number; ip4: number; ip6: Uint8Array; local: boolean }[];
  gatewayMac: number;
  server: { ip4: number; ip6: Uint8Array };
  vms: { mac: number; ip4: number; ip6: Uint8Array }[];
}

/** Address helpers: 10.20.0.0/24 and 2001:db8:20::/64 for the team's subnet, 192.0.2.0/24 remote. */
export function planFlows(ctx: ScenarioContext, spec: TeamSpec, count: number, clients: number, rate: number, ipv6Share: number, rng: Rng, addr: { net4?: number; server4?: number } = {}): FlowPlan {
  const net4 = addr.net4 ?? ((10 << 24) | (20 << 16));
  const ip6 = (prefix: number, host: number) => {
    const b = new Uint8Array(16);
    b.set([0x20, 0x01, 0x0d, 0xb8, 0x00, prefix]);
    b[14] = host >>> 8;
    b[15] = host & 0xff;
    return b;
  };
  const gatewayMac = 0x0000_5e00_0101;
  const cl = Array.from({ length: clients }, (_, i) => {
    const local = i % 2 === 0;
    return {
      mac: local ? 0x5254_0010_0000 + i + 1 : gatewayMac,
      ip4: local ? net4 + 101 + i : (0xc0000200 + 10 + i) >>> 0,
      ip6: local ? ip6(0x20, 0x101 + i) : ip6(0x99, 0x10 + i),
      local,
    };
  });
  const server = { ip4: addr.server4 ?? net4 + 10, ip6: ip6(0x20, 0x10) };
  const vmCount = spec.policy === 'hyperv-port' ? Math.max(4, spec.memberMacs.length * 2) : 0;
  const vms = Array.from({ length: vmCount }, (_, i) => ({ mac: 0x00155d0a0000 + i + 1, ip4: net4 + 20 + i, ip6: ip6(0x20, 0x20 + i) }));
  const win = osOf(spec.policy) === 'windows';
  const servicesTcp = [443, 445, 1433, 2049, 3260, 5201, 22, 8080];
  const servicesUdp = [9000, 9100, 11000, 20002];
  const flows: FlowSpec[] = [];
  const used = new Set<string>();
  for (let id = 0; id < count; id++) {
    const c = cl[id % cl.length]!;
    const v6 = rng.chance(ipv6Share);
    const proto: 6 | 17 = rng.chance(0.75) ? 6 : 17;
    const vm = vms.length ? vms[id % vms.length]! : null;
    let port = 0;
    for (let tries = 0; tries < 100; tries++) {
      port = win ? rng.int(49152, 65535) : rng.int(32768, 60999);
      const k = `${c.ip4}/${port}/${proto}/${v6}`;
      if (!used.has(k)) {
        used.add(k);
        break;
      }
    }
    const start = rng.chance(0.7) ? 0 : us(rng.uniform(0, ctx.knobs.duration * 0.8));
    flows.push({
      id,
      proto,
      client: { mac: c.mac, ip: v6 ? c.ip6 : c.ip4, port },
      server: {
        mac: vm ? vm.mac : spec.teamMac,
        ip: vm ? (v6 ? vm.ip6 : vm.ip4) : v6 ? server.ip6 : server.ip4,
        port: proto === 6 ? rng.pick(servicesTcp) : rng.pick(servicesUdp),
      },
      vport: vm ? id % vms.length : 0,
      rate: rate * rng.uniform(0.3, 1.7),
      outShare: proto === 6 ? 0.66 : 0.5,
      start,
      ttl: c.local ? 64 : 61,
    });
  }
  return { flows, clients: cl, gatewayMac, server, vms };
}

/** member.down / member.up truth for link failures (the member's interface goes silent). */
export function linkTruth(ctx: ScenarioContext, rt: TeamRuntime, log: IfaceLog): void {
  const lastSeen = (m: number, t: number) => log.lastBefore(rt.ifaces[m]!, t);
  const firstSeen = (m: number, t: number) => log.firstAfter(rt.ifaces[m]!, t);
  for (const [m, spans] of rt.spec.linkDown) {
    for (const s of spans) {
      log.watch(rt.ifaces[m]!, s.from);
      log.watch(rt.ifaces[m]!, s.to);
    }
  }
  ctx.atEnd.push(() => {
    for (const [m, spans] of rt.spec.linkDown) {
      for (const s of spans) {
        const name = rt.spec.memberNames[m]!;
        const last = lastSeen(m, s.from);
        const d = ctx.truth.finding(
          'member.down',
          { time: last ? last.time : t6(ctx.epoch(s.from)), iface: name, lastSeen: last ? last.time : null },
          { severity: 'error', timeTolerance: 5 },
        );
        if (last) d.evidence.push(ev(last));
        if (s.to < ctx.end) {
          const first = firstSeen(m, s.to);
          const u = ctx.truth.finding('member.up', { time: first ? first.time : t6(ctx.epoch(s.to)), iface: name, firstSeen: first ? first.time : null }, { severity: 'info', timeTolerance: 1 });
          if (first) u.evidence.push(ev(first));
        }
      }
    }
  });
}

/**
 * The last frame before and the first frame at/after given instants, per interface (for member.down
 * lastSeen / member.up firstSeen): register the instants first, then feed every written frame.
 */
export class IfaceLog {
  private readonly probes = new Map<number, { t: number; last: FrameRef | null; first: FrameRef | null }[]>();

  constructor(private readonly ctx: ScenarioContext) {
    ctx.frameObservers.push((iface, t, input, frame) => {
      const ps = this.probes.get(iface);
      if (!ps) return;
      for (const p of ps) {
        if (t < p.t) p.last = { input, frame, time: ctx.epoch(t) };
        else if (p.first === null) p.first = { input, frame, time: ctx.epoch(t) };
      }
    });
  }

  /** Watch instant `t` (µs) on `iface`. */
  watch(iface: number, t: number): void {
    const ps = this.probes.get(iface);
    const p = { t, last: null, first: null };
    if (ps) {
      if (!ps.some((x) => x.t === t)) ps.push(p);
    } else this.probes.set(iface, [p]);
  }

  /** Last frame on `iface` strictly before watched instant `t`. */
  lastBefore(iface: number, t: number): FrameRef | null {
    return this.probes.get(iface)?.find((p) => p.t === t)?.last ?? null;
  }

  /** First frame on `iface` at or after watched instant `t`. */
  firstAfter(iface: number, t: number): FrameRef | null {
    return this.probes.get(iface)?.find((p) => p.t === t)?.first ?? null;
  }
}

/** Team topology for the truth file. */
export function teamTopology(spec: TeamSpec, plan: FlowPlan | null): Record<string, unknown> {
  return {
    node: spec.node,
    team: spec.team,
    os: osOf(spec.policy),
    mode: spec.mode,
    teamMac: macStr(spec.teamMac),
    members: spec.memberNames.map((name, i) => ({ name, order: i + 1, mac: macStr(spec.memberMacs[i]!) })),
    switch: { system: macStr(SWITCH.system), key: SWITCH.key },
    lacpRate: spec.mode === 'lacp' ? (spec.lacpFast ? 'fast' : 'slow') : null,
    switchLacpRate: spec.mode === 'lacp' ? (spec.switchLacpFast ? 'fast' : 'slow') : null,
    ...(plan
      ? {
          serverIp: ipv4Text(plan.server.ip4),
          serverIp6: ipv6Text(plan.server.ip6, 0),
          gatewayMac: macStr(plan.gatewayMac),
          vms: plan.vms.map((v) => ({ mac: macStr(v.mac), ip: ipv4Text(v.ip4) })),
          flows: plan.flows.length,
        }
      : {}),
  };
}
