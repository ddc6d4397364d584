// Team scenarios: distribution per policy, LACP negotiation, member failure, partner loss, key /
// partner-system mismatch, rate mismatch (configured and ignored), and Marker exchanges.
import { markerFrame } from '../frames.js';
import type { Emission } from '../engine.js';
import { us } from '../engine.js';
import { LacpObserver } from '../observe.js';
import type { Knobs } from '../options.js';
import type { ScenarioContext, ScenarioDef } from '../scenario.js';
import { IfaceLog, SWITCH, type TeamRuntime, type TeamSpec, buildTeam, flowSources, lacpSources, linkTruth, osOf, planFlows, teamTopology } from '../team.js';
import { ev, macStr, t6 } from '../truth.js';
import type { Span } from '../lacp.js';

const TEAM_KNOBS: (keyof Knobs)[] = ['members', 'policy', 'mode', 'kernel', 'duration', 'flows', 'rate', 'mss', 'ipv6', 'vlan', 'lacpRate', 'switchLacpRate', 'clients', 'start'];

/** Everything a team scenario variant may change. */
interface TeamVariant {
  linkDown?: Map<number, Span[]>;
  partnerSilent?: Map<number, Span[]>;
  switchOverride?: Map<number, { system?: number; key?: number }>;
  switchFixedPeriod?: number;
  /** LACP starts from scratch at these times (µs, per member) instead of already negotiated. */
  lacpStart?: number[];
}

/** Node/team names and MACs by OS (Linux bond with 52:54:00 NICs; Windows LBFO team with vendor NICs). */
function teamSpec(k: Knobs, v: TeamVariant): TeamSpec {
  const linux = osOf(k.policy) === 'linux';
  const n = k.members;
  if (k.mode === 'switch-independent' && linux) throw new Error('--mode switch-independent needs a Windows policy (win-4tuple, win-2tuple, win-mac, hyperv-port, dynamic); Linux bonding balance-xor/802.3ad are switch dependent');
  const memberMacs = Array.from({ length: n }, (_, i) => (linux ? 0x525400a10001 + i : 0x0015178a0001 + i));
  return {
    node: linux ? 'srv1' : 'HV01',
    team: linux ? 'bond0' : 'Team1',
    mode: k.mode,
    policy: k.policy,
    kernel: k.kernel,
    // Linux: the bond takes its first slave's MAC; Windows: the team MAC is the primary member's.
    teamMac: memberMacs[0]!,
    memberMacs,
    memberNames: Array.from({ length: n }, (_, i) => (linux ? `eth${i + 1}` : `NIC${i + 1}`)),
    lacpFast: k.lacpRate === 'fast',
    switchLacpFast: k.switchLacpRate === 'fast',
    linkDown: v.linkDown ?? new Map(),
    ...(v.partnerSilent ? { partnerSilent: v.partnerSilent } : {}),
    ...(v.switchOverride ? { switchOverride: v.switchOverride } : {}),
    ...(v.switchFixedPeriod !== undefined ? { switchFixedPeriod: v.switchFixedPeriod } : {}),
    ...(v.lacpStart ? { lacpStart: v.lacpStart } : {}),
    vlan: k.vlan,
  };
}

/** Build the team, its LACP and flows; returns the runtime and the per-interface log. */
export function stageTeam(ctx: ScenarioContext, v: TeamVariant = {}): { rt: TeamRuntime; log: IfaceLog; observer: LacpObserver } {
  const k = ctx.knobs;
  const spec = teamSpec(k, v);
  const rt = buildTeam(ctx, spec);
  const observer = new LacpObserver(ctx.truth);
  const log = new IfaceLog(ctx);
    for (const s of lacpSources(ctx, rt, observer)) ctx.add(s);
  const plan = planFlows(ctx, spec, k.flows, k.clients, k.rate, k.ipv6, ctx.stream('plan'));
  for (const s of flowSources(ctx, rt, plan.flows)) ctx.add(s);
  ctx.truth.topology = { teams: [teamTopology(spec, plan)] };
  ctx.truth.settings = { members: Object.fromEntries(spec.memberNames.map((n) => [n, spec.team])) };
  ctx.atEnd.push((stats) => observer.finish(ctx.epoch(stats.last)));
  linkTruth(ctx, rt, log);
  for (const [m, spans] of spec.linkDown) {
    for (const s of spans) {
      ctx.truth.event(ctx.epoch(s.from), 'link.down', `${spec.memberNames[m]} loses its link`, { iface: spec.memberNames[m] });
      if (s.to < ctx.end) ctx.truth.event(ctx.epoch(s.to), 'link.up', `${spec.memberNames[m]} link returns`, { iface: spec.memberNames[m] });
    }
  }
  return { rt, log, observer };
}

function failSpan(ctx: ScenarioContext): Span {
  const k = ctx.knobs;
  if (k.failMember > k.members) throw new Error(`--fail-member ${k.failMember} is beyond --members ${k.members}`);
  const from = us(k.failAt);
  const to = k.failFor > 0 ? Math.min(ctx.end, us(k.failAt + k.failFor)) : ctx.end;
  if (from >= ctx.end) throw new Error(`--fail-at ${k.failAt} is past the end of the capture (--duration ${k.duration})`);
  return { from, to };
}

/** Team distribution for one policy, no faults. */
export const teamDistribution: ScenarioDef = {
  name: 'team',
  title: 'Team distribution per policy',
  description:
    'A team (Linux bond or Windows LBFO, by --policy) with --members members, each captured on its own interface, carrying --flows TCP/UDP flows (IPv4 and --ipv6 share of IPv6) to and from clients on the same subnet and behind a gateway. Outbound frames leave on the member the policy picks (exact kernel arithmetic for Linux); with --mode lacp every member also exchanges LACPDUs with the switch. Truth: the policy and the closed-form candidates that explain it, LACP state, no failures.',
  knobs: TEAM_KNOBS,
  defaults: { duration: 60, flows: 24 },
  build(ctx) {
    stageTeam(ctx);
    ctx.truth.mustNotReport('member.down');
    if (ctx.knobs.policy !== 'dynamic') ctx.truth.mustNotReport('flow.moved');
    ctx.truth.mustNotReport('lacp.problem:expired');
    ctx.truth.mustNotReport('lacp.problem:defaulted');
  },
};

/** A member's link fails and (optionally) returns. */
export const memberFailure: ScenarioDef = {
  name: 'member-failure',
  title: 'Member link failure and return',
  description:
    "Team traffic as in 'team'; member --fail-member loses its link at --fail-at for --fail-for seconds (0 = until the end): its interface goes silent, LACP on it stops and renegotiates when the link returns (Expired → collecting/distributing), and its flows move to the survivors by the policy's arithmetic over the remaining members, then rebalance back. Truth: member.down/up, flow.moved (failover, rebalance), lacp.state.",
  knobs: [...TEAM_KNOBS, 'failMember', 'failAt', 'failFor'],
  defaults: { duration: 60, failAt: 20, failFor: 20 },
  build(ctx) {
    const span = failSpan(ctx);
    stageTeam(ctx, { linkDown: new Map([[ctx.knobs.failMember - 1, [span]]]) });
  },
};

/** Negotiation from scratch. */
export const lacpNegotiation: ScenarioDef = {
  name: 'lacp-negotiation',
  title: 'LACP negotiation from Defaulted to collecting/distributing',
  description:
    'Every member of an LACP team comes up at the start of the capture: LACPDUs go from Defaulted/Expired with an unknown partner, through partner recorded and Synchronization (after Aggregate_Wait_Time 2 s), to Collecting+Distributing on both ends; data flows start only once a member distributes. Truth: every lacp.state change of both ends.',
  knobs: ['members', 'policy', 'kernel', 'duration', 'flows', 'rate', 'mss', 'lacpRate', 'switchLacpRate', 'clients', 'start'],
  defaults: { duration: 20, flows: 8, mode: 'lacp' },
  build(ctx) {
    const starts = Array.from({ length: ctx.knobs.members }, (_, m) => us(0.2 + 0.05 * m));
    stageTeam(ctx, { lacpStart: starts });
    ctx.truth.mustNotReport('member.down');
  },
};

/** The switch stops answering on one member. */
export const lacpPartnerLoss: ScenarioDef = {
  name: 'lacp-partner-loss',
  title: 'LACP partner stops answering (Expired, then Defaulted)',
  description:
    "The switch end of member --fail-member stops sending LACPDUs at --fail-at (control plane hung) for --fail-for seconds (0 = until the end) while the link stays up. The team's current_while expires after 3 s (fast) or 90 s (slow): its PDUs show Expired with Synchronization cleared, then Defaulted with an all-zero partner 3 s later; the member leaves the aggregator and its flows fail over. Truth: lacp.problem expired/defaulted/pdu-gap, lacp.state, flow.moved.",
  knobs: [...TEAM_KNOBS, 'failMember', 'failAt', 'failFor'],
  defaults: { duration: 60, failAt: 15, failFor: 30 },
  build(ctx) {
    const span = failSpan(ctx);
    const m = ctx.knobs.failMember - 1;
    const { rt } = stageTeam(ctx, { partnerSilent: new Map([[m, [span]]]) });
    const name = rt.spec.memberNames[m]!;
    ctx.truth.event(ctx.epoch(span.from), 'partner.silent', `switch port ${SWITCH.portBase + m + 1} stops sending LACPDUs on ${name}`, { iface: name });
    // pdu-gap: the switch's PDUs on that member stop; start = its last PDU before the silence.
    const sw = rt.lacpConfigs[m]![1];
    const pd = rt.pdus[m]!;
    const last = [...pd].reverse().find((p) => p.side === 1 && p.t < span.from);
    const next = pd.find((p) => p.side === 1 && p.t >= span.to);
    if (last) {
      ctx.truth.finding(
        'lacp.problem',
        { start: t6(ctx.epoch(last.t)), end: next ? t6(ctx.epoch(next.t)) : null, iface: name, system: macStr(sw.system), port: sw.port, code: 'pdu-gap' },
        { severity: 'warning', timeTolerance: 3.5 },
      );
    }
    ctx.truth.mustNotReport('member.down');
  },
};

/** One member's switch port is in another LAG (key) or on another switch (system). */
function mismatch(kind: 'key' | 'system'): ScenarioDef {
  return {
    name: kind === 'key' ? 'lacp-key-mismatch' : 'lacp-partner-mismatch',
    title: kind === 'key' ? 'LACP key mismatch (member in another LAG on the switch)' : 'LACP partner-system mismatch (member cabled to another switch)',
    description:
      kind === 'key'
        ? "Member --fail-member's switch port belongs to another port-channel: its partner key differs from the other members' partner key, so the team selects it into a non-active aggregator (in sync, never collecting/distributing) and no data leaves on it. Truth: lacp.problem key-mismatch and not-distributing on that member."
        : "Member --fail-member is cabled to a different switch (not an MLAG pair): its partner system differs from the other members' partner, so it is not aggregated (in sync, never collecting/distributing). Truth: lacp.problem partner-mismatch and not-distributing on that member.",
    knobs: [...TEAM_KNOBS, 'failMember'],
    defaults: { duration: 40, members: 2 },
    build(ctx) {
      const m = ctx.knobs.failMember - 1;
      if (m >= ctx.knobs.members) throw new Error(`--fail-member ${ctx.knobs.failMember} is beyond --members ${ctx.knobs.members}`);
      if (ctx.knobs.mode !== 'lacp') throw new Error(`${this.name} needs --mode lacp`);
      const ov = kind === 'key' ? { key: SWITCH.key + 1 } : { system: 0x001c73a1b3c0 };
      const { rt } = stageTeam(ctx, { switchOverride: new Map([[m, ov]]) });
      const name = rt.spec.memberNames[m]!;
      const host = rt.lacpConfigs[m]![0];
      const first = rt.pdus[m]!.find((p) => p.side === 0);
      ctx.truth.finding(
        'lacp.problem',
        { start: first ? t6(ctx.epoch(first.t)) : t6(ctx.epoch(0)), end: null, iface: name, system: macStr(host.system), port: host.port, code: kind === 'key' ? 'key-mismatch' : 'partner-mismatch' },
        { severity: 'error', timeTolerance: 3.5 },
      );
      ctx.truth.event(ctx.epoch(0), kind === 'key' ? 'config.key-mismatch' : 'config.partner-mismatch', `${name}'s switch port reports ${kind === 'key' ? `key ${ov.key}` : `system ${macStr(ov.system!)}`}`, { iface: name });
      ctx.truth.mustNotReport('member.down');
    },
  };
}

export const lacpKeyMismatch = mismatch('key');
export const lacpPartnerMismatch = mismatch('system');

/** Configured rate mismatch: the team asks fast, the switch slow (legal, worth a note). */
export const lacpRateMismatch: ScenarioDef = {
  name: 'lacp-rate-mismatch',
  title: 'LACP rate mismatch (fast vs slow)',
  description:
    'The team runs lacp_rate fast (Timeout bit set: it asks the switch for a PDU every second) and the switch slow (it asks for one every 30 s): each end honours the other, so the team sends every 30 s and the switch every second. Legal but a common misconfiguration. Truth: lacp.problem timeout-mismatch on both ends, no expiry.',
  knobs: TEAM_KNOBS,
  defaults: { duration: 90, lacpRate: 'fast', switchLacpRate: 'slow', flows: 8 },
  build(ctx) {
    stageTeam(ctx);
    ctx.truth.mustNotReport('lacp.problem:expired');
    ctx.truth.mustNotReport('member.down');
  },
};

/** The switch ignores the team's fast request (the RTLPlayground failure mode, PROTOCOLS.md §2.6). */
export const lacpRateIgnored: ScenarioDef = {
  name: 'lacp-rate-ignored',
  title: 'Switch ignores the fast LACP rate (periodic expiry)',
  description:
    "The team asks for fast LACPDUs (short timeout 3 s) but the switch keeps sending every 30 s: after each switch PDU the team's current_while expires 3 s later (Expired, Synchronization cleared), then Defaulted, and the member flaps out of and back into the aggregator every 30 s; flows fail over and back. Truth: repeated lacp.problem expired/defaulted, lacp.state, flow.moved.",
  knobs: TEAM_KNOBS,
  defaults: { duration: 100, lacpRate: 'fast', switchLacpRate: 'slow', members: 2, flows: 8 },
  build(ctx) {
    stageTeam(ctx, { switchFixedPeriod: 30 });
  },
};

/** Marker exchanges: the team flushes each member before moving conversations. */
export const lacpMarker: ScenarioDef = {
  name: 'lacp-marker',
  title: 'LACP Marker / Marker Response exchange',
  description:
    'An LACP team sends a Marker PDU (IEEE 802.1AX Marker protocol) on every member every 10 s with an increasing transaction id, and the switch answers each with a Marker Response 0.2–2 ms later, copying the requester fields. Truth: every marker pair (happened), no LACP problem.',
  knobs: ['members', 'duration', 'lacpRate', 'switchLacpRate', 'start'],
  defaults: { duration: 40, flows: 0, mode: 'lacp', policy: 'layer3+4' },
  build(ctx) {
    const { rt } = stageTeam(ctx);
    const rng = ctx.stream('markers');
    for (let m = 0; m < rt.ifaces.length; m++) {
      const host = rt.lacpConfigs[m]![0];
      const sw = rt.lacpConfigs[m]![1];
      const iface = rt.ifaces[m]!;
      const name = rt.spec.memberNames[m]!;
      let tid = 1000 * (m + 1);
      ctx.add(
        (function* (): Generator<Emission> {
          for (let t = us(5 + 0.01 * m); t < ctx.end - us(1); t += us(10)) {
            tid++;
            const f = { tlvType: 1, requesterPort: host.port, requesterSystem: host.system, requesterTransactionId: tid };
            const req = ctx.truth.event(ctx.epoch(t), 'lacp.marker', `${name}: Marker transaction ${tid}`, { iface: name, transactionId: tid, requester: { system: macStr(host.system), port: host.port } });
            yield { t, iface, bytes: markerFrame(host.mac, f), onWrite: (ref) => (req.request = ev(ref)) };
            const rt2 = t + us(rng.uniform(0.0002, 0.002));
            yield { t: rt2, iface, bytes: markerFrame(sw.mac, { ...f, tlvType: 2 }), onWrite: (ref) => ((req.response = ev(ref)), (req.latency = t6(ref.time - ctx.epoch(t)))) };
          }
        })(),
      );
    }
    ctx.truth.mustNotReport('lacp.problem:expired');
  },
};

/** All team scenarios. */
export const TEAM_SCENARIOS: readonly ScenarioDef[] = [
  teamDistribution,
  lacpNegotiation,
  memberFailure,
  lacpPartnerLoss,
  lacpKeyMismatch,
  lacpPartnerMismatch,
  lacpRateMismatch,
  lacpRateIgnored,
  lacpMarker,
];
