// The generator as a whole: deterministic for a seed, pcap and pcapng carry the same frames, truth
// files are self-consistent for every scenario (evidence frames exist, times inside the capture,
// FINDINGS kinds), the truth comparer, and the `generate` command line.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerGenerate } from '../../src/cli/generate.js';
import { compareWithTruth } from '../../src/generator/compare.js';
import { SCENARIOS, generate, listScenarios } from '../../src/generator/index.js';
import type { Knobs } from '../../src/generator/options.js';
import { COMPARED_FIELDS, type TruthFile } from '../../src/generator/truth.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records of a classic little-endian pcap: [sec, usec, bytes]. */
function pcapRecords(file: string): [number, number, Buffer][] {
  const b = readFileSync(file);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: [number, number, Buffer][] = [];
  for (let o = 24; o < b.length; ) {
    const len = b.readUInt32LE(o + 8);
    out.push([b.readUInt32LE(o), b.readUInt32LE(o + 4), b.subarray(o + 16, o + 16 + len)]);
    o += 16 + len;
  }
  return out;
}

/** Enhanced Packet Blocks of a little-endian pcapng: [interface, bytes]. */
function pcapngPackets(file: string): [number, Buffer][] {
  const b = readFileSync(file);
  const out: [number, Buffer][] = [];
  for (let o = 0; o < b.length; ) {
    const type = b.readUInt32LE(o);
    const len = b.readUInt32LE(o + 4);
    if (type === 6) out.push([b.readUInt32LE(o + 8), b.subarray(o + 28, o + 28 + b.readUInt32LE(o + 20))]);
    o += len;
  }
  return out;
}

describe('determinism', () => {
  it('the same seed and options give the same bytes and truth; another seed other bytes', async () => {
    const knobs: Partial<Knobs> = { duration: 15, flows: 6, failAt: 5, failFor: 4 };
    const a = await generate({ scenario: 'member-failure', out: join(dir, 'a.pcapng'), truth: join(dir, 'a.json'), seed: 42, format: 'pcapng', knobs });
    const b = await generate({ scenario: 'member-failure', out: join(dir, 'b.pcapng'), truth: join(dir, 'b.json'), seed: 42, format: 'pcapng', knobs });
    const c = await generate({ scenario: 'member-failure', out: join(dir, 'c.pcapng'), seed: 43, format: 'pcapng', knobs });
    expect(Buffer.compare(readFileSync(join(dir, 'a.pcapng')), readFileSync(join(dir, 'b.pcapng')))).toBe(0);
    const strip = (t: TruthFile) => JSON.parse(JSON.stringify(t).split('b.pcapng').join('a.pcapng').split('b.json').join('a.json'));
    expect(strip(b.truth)).toEqual(a.truth);
    expect(Buffer.compare(readFileSync(join(dir, 'a.pcapng')), readFileSync(join(dir, 'c.pcapng')))).not.toBe(0);
    expect(c.stats.packets).toBeGreaterThan(0);
  });
});

describe('formats', () => {
  it('--format pcap writes one file per interface with the frames pcapng holds', async () => {
    const knobs: Partial<Knobs> = { duration: 10, flows: 4 };
    const ng = await generate({ scenario: 'member-failure', out: join(dir, 'f.pcapng'), seed: 5, format: 'pcapng', knobs: { ...knobs, failAt: 3, failFor: 3 } });
    const pc = await generate({ scenario: 'member-failure', out: join(dir, 'f.pcap'), seed: 5, format: 'pcap', knobs: { ...knobs, failAt: 3, failFor: 3 } });
    expect(pc.files.map((f) => f.slice(dir.length + 1))).toEqual(['f.eth1.pcap', 'f.eth2.pcap']);
    expect(pc.truth.capture.interfaces.map((i) => [i.name, i.input])).toEqual([
      ['f.eth1.pcap', 0],
      ['f.eth2.pcap', 1],
    ]);
    const packets = pcapngPackets(join(dir, 'f.pcapng'));
    expect(packets.length).toBe(ng.stats.packets);
    for (const [i, file] of pc.files.entries()) {
      const recs = pcapRecords(file);
      const mine = packets.filter(([iface]) => iface === i).map(([, bytes]) => bytes);
      expect(recs.length).toBe(mine.length);
      recs.forEach(([, , bytes], k) => expect(Buffer.compare(bytes, mine[k]!)).toBe(0));
    }
    // Evidence refers to per-file frame numbers in pcap mode.
    for (const f of pc.truth.findings) for (const e of f.evidence) expect(e.frame).toBeLessThanOrEqual(pc.truth.capture.interfaces.length && pcapRecords(pc.files[e.input]!).length);
  });
});

/** Knobs that keep each scenario short. */
const SHORT: Record<string, Partial<Knobs>> = {
  team: { duration: 8, flows: 6 },
  'lacp-negotiation': { duration: 8, flows: 2 },
  'member-failure': { duration: 20, failAt: 6, failFor: 6, flows: 4 },
  'lacp-partner-loss': { duration: 20, failAt: 5, failFor: 8, flows: 4 },
  'lacp-key-mismatch': { duration: 10, flows: 2 },
  'lacp-partner-mismatch': { duration: 10, flows: 2 },
  'lacp-rate-mismatch': { duration: 35, flows: 2 },
  'lacp-rate-ignored': { duration: 40, flows: 2 },
  'lacp-marker': { duration: 25 },
  'garp-takeover': { duration: 30, failAt: 5 },
  'ip-conflict': { duration: 30, failAt: 5, failFor: 10 },
  'arp-flipflop': { duration: 40, failAt: 5 },
  'arp-probe': { duration: 12, failAt: 2 },
  'arp-probe-conflict': { duration: 12, failAt: 2 },
  'heartbeat-loss': { duration: 60, outageAt: 5, outageFor: 25 },
  'knet-loss': { duration: 25, outageAt: 5 },
  'vrrp-failover': { duration: 25, failAt: 8 },
  'vrrp-resign': { duration: 25, failAt: 8 },
  'hsrp-failover': { duration: 30, failAt: 8 },
  'mixed-incident': { flows: 4, rate: 3, mss: 120 },
};

const FINDING_KINDS = new Set(Object.keys(COMPARED_FIELDS));

describe.each(SCENARIOS.map((s) => s.name))('truth of %s', (name) => {
  it('is self-consistent and the comparer matches it with itself', async () => {
    expect(SHORT[name], `no short knobs for ${name}`).toBeDefined();
    const r = await generate({ scenario: name, out: join(dir, `${name}.pcapng`), seed: 11, format: 'pcapng', knobs: SHORT[name]! });
    const t = r.truth;
    expect(t.schema).toBe(1);
    expect(t.capture.packets).toBe(r.stats.packets);
    const names = new Set(t.capture.interfaces.map((i) => i.name));
    for (const f of t.findings) {
      expect(FINDING_KINDS.has(f.kind), `unknown kind ${f.kind}`).toBe(true);
      for (const k of COMPARED_FIELDS[f.kind]!) if (f.required && !k.startsWith('?')) expect(Object.keys(f), `${f.kind} lacks ${k}`).toContain(k);
      for (const e of f.evidence) {
        expect(e.input).toBe(0);
        expect(e.frame).toBeGreaterThanOrEqual(1);
        expect(e.frame).toBeLessThanOrEqual(t.capture.packets);
      }
      const when = (f.time ?? f.start) as number;
      if (f.required) {
        expect(when, `${f.kind} at ${when}`).toBeGreaterThanOrEqual(t.capture.first - 1e-6);
        expect(when).toBeLessThanOrEqual(t.capture.last + 1e-6);
      }
      if (typeof f.iface === 'string') expect(names.has(f.iface), `iface ${f.iface}`).toBe(true);
      expect(JSON.stringify(f)).not.toContain('undefined');
    }
    // A perfect analysis (the findings themselves as events) matches everything and nothing is forbidden.
    const events = t.findings.filter((f) => f.required).map((f) => ({ ...f }));
    const c = compareWithTruth(events, t);
    expect(c.missing).toEqual([]);
    expect(c.forbidden).toEqual([]);
  });
});

describe('compareWithTruth', () => {
  it('reports a time outside the tolerance, a wrong field and a forbidden kind', async () => {
    const t = JSON.parse(readFileSync(join(import.meta.dirname, '../../samples/garp-takeover.truth.json'), 'utf8')) as TruthFile;
    const f = t.findings.find((x) => x.kind === 'arp.takeover')!;
    const late = compareWithTruth([{ ...f, time: (f.time as number) + 0.01 }], t);
    expect(late.missing.map((m) => m.diffs.map((d) => d[0]))).toEqual([['time']]);
    const wrong = compareWithTruth([{ ...f, garpForm: 'reply', stale: [...(f.stale as unknown[])].reverse() }], t);
    expect(wrong.missing[0]!.diffs.map((d) => d[0])).toEqual(['garpForm']);
    const forbidden = compareWithTruth([{ ...f }, { kind: 'arp.conflict', start: 0 }], t);
    expect(forbidden.forbidden.map((e) => e.kind)).toEqual(['arp.conflict']);
  });
});

describe('teamscope generate', () => {
  async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
    const program = new Command();
    program.exitOverride();
    registerGenerate(program);
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const before = process.exitCode;
    process.exitCode = 0;
    try {
      await program.parseAsync(['node', 'teamscope', 'generate', ...args]);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = before;
    return { out, err, code };
  }

  it('--list describes every scenario and its knobs', async () => {
    const r = await run(['--list']);
    for (const s of SCENARIOS) expect(r.out).toContain(`${s.name} — `);
    expect(r.out).toContain('knobs: --members');
    expect(listScenarios()).toBe(r.out);
  });

  it('writes the capture and the truth', async () => {
    const cap = join(dir, 'cli.pcapng');
    const tr = join(dir, 'cli.json');
    const r = await run(['arp-probe', '-o', cap, '--truth', tr, '--seed', '3', '--duration', '12', '--fail-at', '2']);
    expect(r.err).toMatch(/arp-probe: \d+ frames on 1 interface/);
    expect(r.code).toBe(0);
    const truth = JSON.parse(readFileSync(tr, 'utf8')) as TruthFile;
    expect(truth.generator.command).toBe(`teamscope generate arp-probe -o ${cap} --seed 3 --duration 12 --fail-at 2 --truth ${tr}`);
    expect(readdirSync(dir)).toContain('cli.pcapng');
  });

  it('refuses bad usage with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [[], /needs a SCENARIO/],
      [['team'], /needs -o FILE/],
      [['nope', '-o', join(dir, 'x.pcapng')], /unknown scenario 'nope'/],
      [['heartbeat-loss', '-o', join(dir, 'x.pcapng'), '--members', '3'], /--members does not apply to scenario 'heartbeat-loss'/],
      [['team', '-o', join(dir, 'x.pcapng'), '--members', '40'], /--members must be an integer from 1 to 32/],
      [['team', '-o', join(dir, 'x.pcapng'), '--seed', '-1'], /--seed must be a non-negative integer/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(args);
      expect(r.err, args.join(' ')).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});
