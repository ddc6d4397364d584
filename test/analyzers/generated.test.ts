// Generate → analyze → compare with the scenario's ground truth (issue 4 "Proof"): for every team
// scenario and every load-balancing policy, every required finding is reported with the same
// members, systems, ports, codes, flows and flag lists and times within the truth's tolerance (1 ms
// for frame times), nothing the truth rules out is reported, counts of each kind are those of the
// truth, the right policy (with the closed-form candidates that predict alike) is inferred, the team
// side and members are right, and the mixed incident is one incident.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analyzers/pipeline.js';
import { defaultSettings } from '../../src/analyzers/settings.js';
import { analyzeFiles } from '../../src/cli/analyze.js';
import { generate } from '../../src/generator/index.js';
import type { Knobs } from '../../src/generator/options.js';
import type { TruthFile } from '../../src/generator/truth.js';
import { compareWithTruth, countMismatches, describeComparison } from './truth-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'teamscope-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function run(scenario: string, knobs: Partial<Knobs> = {}): Promise<{ truth: TruthFile; r: AnalysisResult }> {
  const g = await generate({ scenario, out: join(dir, `${scenario}-${n++}.pcapng`), seed: 7, format: 'pcapng', knobs });
  const r = await analyzeFiles(g.files, { ...defaultSettings(), teamIps: [], teamMacs: [] });
  return { truth: g.truth, r };
}

/** Every required finding found, nothing absent reported, counts within the truth's. */
function expectTruth(truth: TruthFile, r: AnalysisResult): void {
  const c = compareWithTruth(truth, r);
  const text = describeComparison(c);
  expect(c.missing.length === 0 && c.present.length === 0 && countMismatches(c).length === 0 && c.severity.length === 0 && c.incidents.length === 0, text).toBe(true);
}

/** The policy verdict agrees with the truth's. */
function expectPolicy(truth: TruthFile, r: AnalysisResult): void {
  const p = truth.policy;
  const d = r.distribution!;
  if (!p) return;
  const txMembers = r.members.filter((m) => (m.tx?.packets ?? 0) > 0).length;
  if (p.framesChecked === 0 || txMembers < 2) {
    expect(['one-member', 'too-few-flows', 'no-traffic'], d.conclusion).toContain(d.verdict);
    return;
  }
  if (p.closedForm) {
    expect(['explained', 'ambiguous'], d.conclusion).toContain(d.verdict);
    expect([...d.explainedBy].sort(), d.conclusion).toEqual([...p.explainedBy].sort());
    return;
  }
  // Windows address hash: the generator's Toeplitz model is a closed form the inference knows.
  if (d.explainedBy.includes(`${p.name}@toeplitz`)) {
    expect(d.verdict, d.conclusion).toBe('explained');
    return;
  }
  if (p.name === 'windows-dynamic') {
    expect(d.verdict, d.conclusion).toBe('consistent');
    expect(d.conclusion).toMatch(/dynamic balancing/);
    return;
  }
  const q = d.policies.find((x) => x.name === p.name)!;
  expect(q.consistent, d.conclusion).toBe(true);
  expect(q.testableGroups ?? 0).toBeGreaterThan(0);
}

describe('team distribution per policy', () => {
  const cases: [string, Partial<Knobs>][] = [
    ['layer2', { policy: 'layer2', clients: 40 }],
    ['layer2+3', { policy: 'layer2+3' }],
    ['layer3+4', { policy: 'layer3+4' }],
    ['layer3+4, 3 members, IPv6 and VLAN', { policy: 'layer3+4', members: 3, ipv6: 0.3, vlan: 10 }],
    ['layer2+3 on a 2017–2022 kernel (shift-all)', { policy: 'layer2+3', kernel: 'shift-all', members: 3 }],
    ['layer3+4 on a 4.x kernel (raw-ethertype)', { policy: 'layer3+4', kernel: 'raw-ethertype', members: 3 }],
    ['layer2+3 before 2017 (no-shift)', { policy: 'layer2+3', kernel: 'no-shift', members: 3 }],
    ['layer2 on 3.x (no-ethertype)', { policy: 'layer2', kernel: 'no-ethertype', members: 3, clients: 40 }],
    ['vlan+srcmac', { policy: 'vlan+srcmac', members: 3 }],
    ['Windows address hash 4-tuple (switch independent)', { policy: 'win-4tuple', mode: 'switch-independent', members: 3 }],
    ['Windows address hash 2-tuple (LACP)', { policy: 'win-2tuple', members: 3 }],
    ['Windows address hash MAC', { policy: 'win-mac', mode: 'switch-independent', members: 3 }],
    ['Hyper-V port', { policy: 'hyperv-port', mode: 'switch-independent', members: 3 }],
    ['Windows dynamic', { policy: 'dynamic', mode: 'switch-independent', members: 3 }],
  ];
  for (const [title, knobs] of cases) {
    it(title, async () => {
      const { truth, r } = await run('team', { duration: 30, flows: 24, ...knobs });
      expectTruth(truth, r);
      expectPolicy(truth, r);
      // The members are the capture's interfaces, with the truth's names.
      const names = truth.capture.interfaces.filter((i) => i.role === 'member').map((i) => i.name);
      expect(r.members.map((m) => m.iface)).toEqual(names);
      const topo = (truth.topology as { teams: { serverIp?: string; vms?: { ip: string }[] }[] }).teams[0]!;
      const teamIps = topo.vms?.length ? topo.vms.map((v) => v.ip) : [topo.serverIp!];
      expect(r.distribution!.team.rule).toBe('inferred');
      for (const ip of teamIps) expect(r.distribution!.team.ips).toContain(ip);
    });
  }
});

describe('failures and LACP', () => {
  const cases: [string, Partial<Knobs>][] = [
    ['member-failure', {}],
    ['member-failure', { members: 3, policy: 'win-4tuple', mode: 'switch-independent', failFor: 0 }],
    ['member-failure', { policy: 'dynamic', mode: 'switch-independent', members: 3 }],
    ['lacp-negotiation', {}],
    ['lacp-partner-loss', {}],
    ['lacp-partner-loss', { lacpRate: 'slow', switchLacpRate: 'slow', duration: 200, failAt: 40, failFor: 120 }],
    ['lacp-key-mismatch', {}],
    ['lacp-partner-mismatch', { members: 3 }],
    ['lacp-rate-mismatch', {}],
    ['lacp-rate-ignored', {}],
  ];
  for (const [scenario, knobs] of cases) {
    it(`${scenario} ${JSON.stringify(knobs)}`, async () => {
      const { truth, r } = await run(scenario, knobs);
      expectTruth(truth, r);
      expectPolicy(truth, r);
    });
  }

  it('lacp-marker: every Marker request paired with its response and latency', async () => {
    const { truth, r } = await run('lacp-marker', {});
    expectTruth(truth, r);
    const happened = truth.happened.filter((h) => h.kind === 'lacp.marker') as unknown as { transactionId: number; latency: number; request: { frame: number }; response: { frame: number } }[];
    expect(happened.length).toBeGreaterThan(0);
    expect(r.lacp!.markers).toHaveLength(happened.length);
    for (const h of happened) {
      const m = r.lacp!.markers.find((x) => x.transactionId === h.transactionId)!;
      expect(m.request!.frame).toBe(h.request.frame);
      expect(m.response!.frame).toBe(h.response.frame);
      expect(Math.abs(m.latency! - h.latency)).toBeLessThan(1e-6);
    }
  });
});

describe('the mixed incident', () => {
  it('finds every finding and tells them as one incident', async () => {
    const { truth, r } = await run('mixed-incident', {});
    expectTruth(truth, r);
    const inc = r.incidents.find((i) => i.story.includes('went silent'))!;
    expect(inc.story).toMatch(/^member NIC2 went silent \(no LACPDUs for [\d.]+ s, LACP expired\) → \d+ flows moved NIC2 → NIC1 \(failover\) → heartbeats .* missed \d+/);
    expect(inc.story).toMatch(/10\.0\.0\.60 taken over by .* with 3 GARPs, 1 host stale for/);
  });
});
