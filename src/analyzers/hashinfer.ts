// Hash-policy inference (issue 4, "Hash-policy inference"; PROTOCOLS.md §3): for each candidate
// policy, is the observed flow → member mapping of the team's transmit directions consistent, and
// for the closed-form ones does the exact arithmetic predict the observed member with some member
// order (h % n → member, the order inferred per epoch of active members)?
import { FlowKind, type FlowTable, NO_MEMBER } from './flows.js';
import { type HashFields, POLICY_CANDIDATES, type PolicyCandidate } from './policies.js';

/** One transmit flow direction in the inference population. */
export interface TxFlow {
  id: number;
  dir: number;
  /** Member it was first seen on. */
  member: number;
  /** Time of the flow's first packet. */
  time: number;
  moved: boolean;
  /** Moves while the old member stayed up (rebalancing), and the shortest idle gap before one (s). */
  rebalanced: number;
  rebalanceGap: number;
  /** Its packets alternated members with no idle gap (per-packet round robin). */
  sprayed: boolean;
  /** The member it was last seen on and when: a second sample when the set of usable members changed since. */
  last?: { member: number; time: number };
}

/** IP protocols whose member the candidates cannot recompute from the flow key (ICMP ids, SPIs, other ports). */
const NOT_INFERABLE = new Set([1, 58, 33, 50, 51, 132, 136]);

/** Can the candidates hash this flow from what the flow table keeps? */
export function inferable(ft: FlowTable, id: number): boolean {
  return ft.kind(id) === FlowKind.L2 || !NOT_INFERABLE.has(ft.proto(id));
}

/** Windows Dynamic: a flow may move at a flowlet boundary, i.e. after at least this idle gap (s). */
export const FLOWLET_MIN_GAP = 0.1;

export interface InferOptions {
  /** Members with traffic (indexes), in member order. */
  members: number[];
  /** Per member, its silent intervals (member.down → up). */
  downs: { from: number; to: number | null }[][];
  names: string[];
  teamKnown: boolean;
  sampled: boolean;
}

/** One candidate's verdict (FINDINGS.md distribution.policies: name, consistent, explained). */
export interface PolicyResult {
  name: string;
  title: string;
  family: string;
  closedForm: boolean;
  /** Every flow explained (closed form: predicted exactly; others: every key on one member). */
  consistent: boolean;
  /** Share of the population's flows explained, 0..1. */
  explained: number;
  flows: number;
  explainedFlows: number;
  /** Key-consistency policies: groups with ≥ 2 flows (0 = the test says nothing). */
  testableGroups?: number;
  /** Closed form: probability that random member choices fit this well (upper bound); small = meaningful. */
  chance?: number;
  /** Closed form: member order (usable array) per epoch, for the largest epoch. */
  order?: string[];
  /** Closed form that fits: whether it fits with the members in capture order (the usual enslave order). */
  naturalOrder?: boolean;
  /** Closed form: distinct hash inputs tested (flows with the same hash are one test). */
  inputs?: number;
}

export type Verdict = 'explained' | 'ambiguous' | 'consistent' | 'spraying' | 'none' | 'one-member' | 'too-few-flows' | 'no-traffic';

export interface InferenceResult {
  policies: PolicyResult[];
  verdict: Verdict;
  /** The candidates that explain the traffic (names, with the kernel variants that compute alike). */
  explainedBy: string[];
  conclusion: string;
  order: string[] | null;
  /** flows: distinct flow directions; epochs[].flows: samples (a flow that lived into another set of usable members counts in both). */
  population: { flows: number; teamKnown: boolean; sampled: boolean; epochs: { members: string[]; flows: number }[] };
}

/** Fewest flows (per member) before a closed-form fit means anything. */
export const MIN_FLOWS_PER_MEMBER = 4;
export const MIN_FLOWS = 8;
/** A perfect fit is only reported as an explanation when random assignment would fit less often than this. */
export const MAX_CHANCE = 0.01;

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** The hash inputs of a transmit flow direction, from the flow table. */
export function hashFields(ft: FlowTable, id: number, dir: number): HashFields {
  const s = dir;
  const r = 1 - dir;
  const kind = ft.kind(id);
  const l2 = kind === FlowKind.L2;
  const srcMac = l2 ? ft.keyMac(id, s) : s === 0 ? ft.macA[id]! : ft.macB[id]!;
  const dstMac = l2 ? ft.keyMac(id, r) : r === 0 ? ft.macA[id]! : ft.macB[id]!;
  const proto = l2 ? -1 : ft.proto(id);
  const hasPorts = proto === 6 || proto === 17;
  const v6 = kind === FlowKind.IPV6;
  return {
    srcMac,
    dstMac,
    etherType: ft.etherType(id),
    vlan: ft.vlan(id),
    ipVersion: kind === FlowKind.IPV4 ? 4 : kind === FlowKind.IPV6 ? 6 : 0,
    srcIp: l2 ? 0 : ft.ip32(id, s),
    dstIp: l2 ? 0 : ft.ip32(id, r),
    proto,
    sport: hasPorts ? ft.port(id, s) : 0,
    dport: hasPorts ? ft.port(id, r) : 0,
    hasPorts,
    src6: v6 ? ipv6Bytes(ft, id, s) : undefined,
    dst6: v6 ? ipv6Bytes(ft, id, r) : undefined,
  };
}

/** The 16 bytes of an IPv6 endpoint from the flow key. */
function ipv6Bytes(ft: FlowTable, id: number, side: number): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const w = ft.word(id, side, i);
    b[4 * i] = w >>> 24;
    b[4 * i + 1] = (w >>> 16) & 0xff;
    b[4 * i + 2] = (w >>> 8) & 0xff;
    b[4 * i + 3] = w & 0xff;
  }
  return b;
}

/** Best injective mapping residue → member position: brute force for n ≤ 8, greedy above. */
function bestAssignment(counts: number[][], n: number): { score: number; perm: number[] } {
  if (n <= 8) {
    let best = -1;
    let bestPerm: number[] = [];
    const perm: number[] = [];
    const used = new Array<boolean>(n).fill(false);
    // Upper bound for pruning: each remaining residue's best column.
    const rowMax = counts.map((row) => Math.max(...row));
    const suffix = new Array<number>(n + 1).fill(0);
    for (let r = n - 1; r >= 0; r--) suffix[r] = suffix[r + 1]! + rowMax[r]!;
    const go = (r: number, score: number) => {
      if (score + suffix[r]! <= best) return;
      if (r === n) {
        best = score;
        bestPerm = [...perm];
        return;
      }
      for (let j = 0; j < n; j++) {
        if (used[j]) continue;
        used[j] = true;
        perm.push(j);
        go(r + 1, score + counts[r]![j]!);
        perm.pop();
        used[j] = false;
      }
    };
    go(0, 0);
    return { score: Math.max(best, 0), perm: bestPerm };
  }
  // Greedy: largest cells first.
  const cells: [number, number, number][] = [];
  for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) cells.push([counts[r]![j]!, r, j]);
  cells.sort((a, b) => b[0] - a[0]);
  const perm = new Array<number>(n).fill(-1);
  const usedCol = new Array<boolean>(n).fill(false);
  let score = 0;
  for (const [c, r, j] of cells) {
    if (perm[r]! >= 0 || usedCol[j]) continue;
    perm[r] = j;
    usedCol[j] = true;
    score += c;
  }
  for (let r = 0; r < n; r++)
    if (perm[r]! < 0) {
      const j = usedCol.findIndex((u) => !u);
      perm[r] = j;
      usedCol[j] = true;
    }
  return { score, perm };
}

interface Epoch {
  mask: number;
  members: number[];
  flows: { f: HashFields; member: number; x: TxFlow }[];
}

/** Split the population by the set of members up when each flow began. */
function epochs(ft: FlowTable, flows: readonly TxFlow[], opt: InferOptions): Epoch[] {
  const all = opt.members.reduce((a, m) => a | (1 << m), 0);
  const byMask = new Map<number, Epoch>();
  const maskAt = (t: number, member: number): number => {
    let mask = all;
    for (const m of opt.members) {
      for (const d of opt.downs[m] ?? []) if (t > d.from && (d.to === null || t < d.to)) mask &= ~(1 << m);
    }
    return mask | (1 << member); // it carried the flow then, so it was up
  };
  const add = (mask: number, f: HashFields, member: number, x: TxFlow) => {
    let e = byMask.get(mask);
    if (!e) {
      e = { mask, members: opt.members.filter((m) => mask & (1 << m)), flows: [] };
      byMask.set(mask, e);
    }
    e.flows.push({ f, member, x });
  };
  for (const x of flows) {
    if (x.member === NO_MEMBER) continue;
    const f = hashFields(ft, x.id, x.dir);
    const ma = maskAt(x.time, x.member);
    add(ma, f, x.member, x);
    // The kernel hashes every frame over the members usable then: a flow that lived into another
    // set of usable members is a second, independent test.
    if (x.last && x.last.member !== NO_MEMBER) {
      const mb = maskAt(x.last.time, x.last.member);
      if (mb !== ma) add(mb, f, x.last.member, x);
    }
  }
  return [...byMask.values()].sort((a, b) => b.flows.length - a.flows.length);
}

function evaluateClosed(c: PolicyCandidate, eps: Epoch[], names: string[]): PolicyResult {
  let total = 0;
  let explained = 0;
  let logChance = 0;
  let inputs = 0;
  let natural = true;
  let order: string[] | undefined;
  for (const e of eps) {
    const n = e.members.length;
    total += e.flows.length;
    if (n === 1) {
      explained += e.flows.length;
      if (!order) order = [names[e.members[0]!] ?? ''];
      continue;
    }
    const pos = new Map<number, number>();
    e.members.forEach((m, i) => pos.set(m, i));
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    // Flows with the same hash are one test, not several (e.g. every flow to one gateway MAC under layer2).
    const distinct = new Set<number>();
    for (const { f, member } of e.flows) {
      const h = c.hash!(f);
      distinct.add(h);
      const r = h % n;
      counts[r]![pos.get(member)!]!++;
    }
    const { score, perm } = bestAssignment(counts, n);
    explained += score;
    inputs += distinct.size;
    let nat = 0;
    for (let r = 0; r < n; r++) nat += counts[r]![r]!;
    if (nat !== score) natural = false;
    // P(random uniform members fit some permutation perfectly) ≤ n! · n^-F.
    logChance += Math.log(factorial(n)) - distinct.size * Math.log(n);
    if (!order) {
      order = new Array<string>(n);
      perm.forEach((j, r) => (order![r] = names[e.members[j]!] ?? `member${e.members[j]}`));
    }
  }
  const consistent = total > 0 && explained === total;
  const r: PolicyResult = {
    name: c.name,
    title: c.title,
    family: c.family,
    closedForm: true,
    consistent,
    explained: total ? explained / total : 0,
    flows: total,
    explainedFlows: explained,
  };
  r.inputs = inputs;
  if (consistent) {
    r.chance = Math.min(1, Math.exp(logChance));
    r.order = order;
    r.naturalOrder = natural;
  }
  return r;
}

function evaluateKey(c: PolicyCandidate, eps: Epoch[]): PolicyResult {
  let total = 0;
  let explained = 0;
  let testable = 0;
  for (const e of eps) {
    const groups = new Map<string | number, Map<number, number>>();
    for (const { f, member } of e.flows) {
      const k = c.key!(f);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = new Map()));
      g.set(member, (g.get(member) ?? 0) + 1);
    }
    total += e.flows.length;
    for (const g of groups.values()) {
      let max = 0;
      let sum = 0;
      for (const v of g.values()) {
        sum += v;
        if (v > max) max = v;
      }
      explained += max;
      if (sum >= 2) testable++;
    }
  }
  return {
    name: c.name,
    title: c.title,
    family: c.family,
    closedForm: false,
    consistent: total > 0 && explained === total,
    explained: total ? explained / total : 0,
    flows: total,
    explainedFlows: explained,
    testableGroups: testable,
  };
}

/** Windows Dynamic (flowlets): flows stay put except for moves after idle gaps while their member stays up. */
function evaluateDynamic(eps: Epoch[]): PolicyResult {
  let total = 0;
  let explained = 0;
  let tested = 0;
  for (const e of eps)
    for (const { x } of e.flows) {
      total++;
      if (x.rebalanced === 0) {
        explained++;
        continue;
      }
      tested++;
      if (x.rebalanceGap >= FLOWLET_MIN_GAP) explained++;
    }
  return {
    name: 'windows-dynamic',
    title: 'Windows Dynamic: flowlets moved after idle gaps',
    family: 'windows',
    closedForm: false,
    consistent: total > 0 && explained === total,
    explained: total ? explained / total : 0,
    flows: total,
    explainedFlows: explained,
    testableGroups: tested,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(x === 1 || x === 0 ? 0 : 1)}%`;

/** Run every candidate over the population and say what explains the traffic. */
export function inferPolicies(ft: FlowTable, flows: readonly TxFlow[], given: InferOptions, candidates: readonly PolicyCandidate[] = POLICY_CANDIDATES): InferenceResult {
  const opt = given;
  const eps = epochs(ft, flows, opt);
  const popFlows = new Set(eps.flatMap((e) => e.flows.map((x) => x.x))).size;
  const population = {
    flows: popFlows,
    teamKnown: opt.teamKnown,
    sampled: opt.sampled,
    epochs: eps.map((e) => ({ members: e.members.map((m) => opt.names[m] ?? `member${m}`), flows: e.flows.length })),
  };
  const dir = opt.teamKnown ? 'transmit flows of the team' : 'flow directions (team side unknown)';
  if (opt.members.length < 2) {
    return { policies: [], verdict: 'one-member', explainedBy: [], conclusion: 'one member only: the capture cannot tell the hash policy', order: null, population };
  }
  if (popFlows === 0) return { policies: [], verdict: 'no-traffic', explainedBy: [], conclusion: `no unicast ${dir} to infer a policy from`, order: null, population };
  const used = new Set<number>();
  for (const e of eps) for (const x of e.flows) used.add(x.member);
  if (used.size === 1) {
    const only = opt.names[[...used][0]!];
    const alone = eps.every((e) => e.members.length === 1);
    return {
      policies: [],
      verdict: 'one-member',
      explainedBy: [],
      conclusion: alone
        ? `only ${only} was usable while the team sent (the other members were silent or not collecting+distributing): the capture cannot tell the policy`
        : `all ${popFlows} ${dir} went out on ${only}: active-backup, or every flow hashed alike — the capture cannot tell the policy`,
      order: null,
      population,
    };
  }
  const sprayed = eps.reduce((a, e) => a + e.flows.filter((x) => x.x.sprayed).length, 0);
  if (sprayed > 0 && sprayed * 2 >= popFlows) {
    return {
      policies: [],
      verdict: 'spraying',
      explainedBy: [],
      conclusion: `${sprayed} of the ${popFlows} ${dir} alternate members packet by packet: round robin (Linux balance-rr, teamd roundrobin), not a flow hash — expect reordering`,
      order: null,
      population,
    };
  }
  const n = opt.members.length;
  const minFlows = Math.max(MIN_FLOWS, MIN_FLOWS_PER_MEMBER * n);
  const policies = candidates.map((c) => (c.hash ? evaluateClosed(c, eps, opt.names) : evaluateKey(c, eps)));
  const dynamic = evaluateDynamic(eps);
  policies.push(dynamic);
  const rebalancedFlows = dynamic.testableGroups ?? 0;
  // Most telling first: exact closed forms, then keys that grouped flows, then by share explained.
  const rank = (p: PolicyResult) => (p.consistent && p.closedForm ? 2 : p.consistent && (p.testableGroups ?? 0) > 0 ? 1 : 0);
  policies.sort((a, b) => rank(b) - rank(a) || b.explained - a.explained || Number(b.closedForm) - Number(a.closedForm));
  if (popFlows < minFlows) {
    return {
      policies,
      verdict: 'too-few-flows',
      explainedBy: [],
      conclusion: `only ${popFlows} ${dir} over ${n} members (need ≥ ${minFlows}): too few to tell the hash policy`,
      order: null,
      population,
    };
  }
  const fits = policies.filter((p) => p.closedForm && p.consistent && (p.chance ?? 1) < MAX_CHANCE);
  // Several fit: those that fit with the members in capture order (how bonds usually enslave) first.
  const natural = fits.filter((p) => p.naturalOrder);
  const exact = natural.length > 0 ? natural : fits;
  const otherOrder = natural.length > 0 ? fits.filter((p) => !p.naturalOrder) : [];
  if (rebalancedFlows > 0 && dynamic.consistent) {
    const start = exact.length ? ` (at flow start they follow ${exact[0]!.title})` : '';
    return {
      policies,
      verdict: 'consistent',
      explainedBy: [],
      conclusion: `${rebalancedFlows} of the ${popFlows} ${dir} moved to another member after an idle gap while their member stayed up${start}: dynamic balancing (Windows Dynamic flowlets, teamd tx_balancer or OVS SLB rebalancing), not a static hash`,
      order: null,
      population,
    };
  }
  if (exact.length > 0) {
    const fams = new Set(exact.map((p) => p.name.replace(/@.*/, '')));
    // Kernel-version variants of one policy that predict alike are named once, with the variants after.
    const byFam = new Map<string, PolicyResult[]>();
    for (const p of exact) {
      const f = p.name.replace(/@.*/, '');
      byFam.set(f, [...(byFam.get(f) ?? []), p]);
    }
    const names = [...byFam.values()]
      .map((ps) => (ps.length === 1 ? ps[0]!.title : `${ps[0]!.title} (or ${ps.length - 1} kernel variant${ps.length > 2 ? 's' : ''} that predict alike)`))
      .join(', ');
    const verdict: Verdict = fams.size === 1 ? 'explained' : 'ambiguous';
    const also = otherOrder.length ? `; ${otherOrder.map((p) => p.title).join(', ')} also fit${otherOrder.length === 1 ? 's' : ''}, but only with another member order` : '';
    const conclusion =
      verdict === 'explained'
        ? `${names} predicts the member of all ${popFlows} ${dir} (member order ${exact[0]!.order?.join(', ')})${also}`
        : `${names} all predict every one of the ${popFlows} ${dir}: the capture cannot tell them apart${also}`;
    const explainedBy = exact.flatMap((p) => [p.name, ...(candidates.find((c) => c.name === p.name)?.aliases ?? [])]);
    return { policies, verdict, explainedBy, conclusion, order: exact[0]!.order ?? null, population };
  }
  const lucky = policies.filter((p) => p.closedForm && p.consistent);
  if (lucky.length > 0) {
    const p = lucky[0]!;
    return {
      policies,
      verdict: 'too-few-flows',
      explainedBy: [],
      conclusion: `${lucky.map((x) => x.title).join(', ')} fit${lucky.length === 1 ? 's' : ''} every one of the ${popFlows} ${dir}, but they give only ${p.inputs} distinct hash inputs: random member choices would fit as well ${(100 * (p.chance ?? 1)).toFixed(1)}% of the time — too few to be sure`,
      order: null,
      population,
    };
  }
  const keyed = policies.filter((p) => !p.closedForm && p.consistent && (p.testableGroups ?? 0) > 0);
  if (keyed.length > 0) {
    const coarsest = keyed[0]!;
    return {
      policies,
      verdict: 'consistent',
      explainedBy: [],
      conclusion: `no closed-form policy predicts the members, but the mapping is consistent with ${keyed.map((p) => p.title).join(', ')} (${coarsest.testableGroups} groups of flows sharing a key stayed on one member)`,
      order: null,
      population,
    };
  }
  const best = policies.find((p) => p.closedForm) ?? policies[0]!;
  const perFlow = policies.find((p) => p.name === 'windows-address-hash-4tuple');
  const stable = perFlow?.consistent ? 'each flow stayed on one member, as any per-flow hash keeps it, but ' : '';
  return {
    policies,
    verdict: 'none',
    explainedBy: [],
    conclusion: `${stable}no candidate policy predicts the members of the ${popFlows} ${dir}; the closest, ${best.title}, explains ${pct(best.explained)}`,
    order: null,
    population,
  };
}
