// `analyze`, `lacp` and `distribution` end to end (in-process): a pcapng with one interface per
// member written with interleaved blocks (out of time order, as dumpcap does), then tables, --json,
// --html, --member, the reorder note and --fail-on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PcapngWriter } from '../../src/capture/writer.js';
import { registerAnalyze } from '../../src/cli/analyze.js';
import { Output } from '../../src/cli/common.js';
import { registerDistribution } from '../../src/cli/distribution.js';
import { registerLacp } from '../../src/cli/lacp.js';
import { FrameBuilder, makeFlows, memberIfaces } from './team-kit.js';
import { sharedCapture } from './kit.js';

const dir = mkdtempSync(join(tmpdir(), 'teamscope-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
});

/** Two members, eth1 fails at +6 s; blocks written per interface in runs of 50 (out of time order). */
async function teamCapture(): Promise<string> {
  const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']).map((i) => ({ ...i, input: 0 })));
  const fl = makeFlows(20, 8);
  for (let t = 0; t < 12; t += 0.05)
    fl.forEach((f, i) => {
      if ((i + Math.round(t * 20)) % 3) return;
      b.data(f, 1_700_000_000 + t, t >= 6 ? 0 : i % 2, 'tx');
      b.data(f, 1_700_000_000 + t + 0.01, t >= 6 ? 0 : (i >> 1) % 2, 'rx');
    });
  const frames = b.sorted();
  const file = join(dir, 'team.pcapng');
  const w = new PcapngWriter(file);
  w.addInterface({ name: 'eth0', linkType: 1 });
  w.addInterface({ name: 'eth1', linkType: 1 });
  // dumpcap-like: each interface's frames come in runs, so the file is not in time order.
  const by = [frames.filter((f) => f.iface.name === 'eth0'), frames.filter((f) => f.iface.name === 'eth1')];
  const pos = [0, 0];
  while (pos[0]! < by[0]!.length || pos[1]! < by[1]!.length)
    for (const k of [0, 1]) for (let n = 0; n < 50 && pos[k]! < by[k]!.length; n++) { const f = by[k]![pos[k]!++]!; w.writePacket(k, f.sec, f.nsec, f.buf, f.origLen, f.off, f.caplen); }
  await w.close();
  return file;
}

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  const out = new Output(stream);
  // The commands print through an Output on stdout; redirect it for the test.
  const orig = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: unknown }).write = (s: string | Uint8Array, ...rest: unknown[]) => {
    text += typeof s === 'string' ? s : Buffer.from(s).toString();
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  try {
    registerAnalyze(program);
    registerLacp(program);
    registerDistribution(program);
    await program.parseAsync(['node', 'teamscope', ...args]);
  } finally {
    (process.stdout as unknown as { write: unknown }).write = orig;
  }
  void out;
  return text;
}

describe('teamscope analyze', () => {
  it('prints sections with the timeline last, and reports the frames put back in order', async () => {
    const file = await teamCapture();
    const text = await run(['analyze', file, '--time', 'relative']);
    expect(text).toMatch(/Team members \(2\)/);
    expect(text).toMatch(/member eth1 went silent → \d+ flows? moved eth1 → eth0 \(failover\)/);
    expect(text.indexOf('Timeline (')).toBeGreaterThan(text.indexOf('Incidents ('));
    expect(text).toMatch(/frames arrived out of time order: \d+ were put back in order within the 4096-frame window/);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('--json follows the schema; --member renames; --html writes a page; --fail-on sets exit 1', async () => {
    const file = await teamCapture();
    const html = join(dir, 'r.html');
    const text = await run(['analyze', file, '--json', '--member', 'left=eth0', '--member', 'right=eth1', '--html', html, '--fail-on', 'warning']);
    const j = JSON.parse(text);
    expect(j.schema).toBe(1);
    expect(j.members.map((m: { iface: string }) => m.iface)).toEqual(['left', 'right']);
    expect(j.inputs[0].format).toBe('pcapng');
    expect(j.inputs[0].outOfOrder).toBeGreaterThan(0);
    expect(j.events.find((e: { kind: string }) => e.kind === 'member.down').iface).toBe('right');
    expect(readFileSync(html, 'utf8')).toMatch(/member right went silent/);
    expect(process.exitCode).toBe(1);
  });

  it('lacp shows only LACP; distribution only the team', async () => {
    const l = await run(['lacp', sharedCapture('LACP.pcap')]);
    expect(l).toMatch(/LACP ports \(2\)/);
    expect(l).not.toMatch(/Team members/);
    const d = await run(['distribution', await teamCapture(), '--json']);
    const j = JSON.parse(d);
    expect(j.events.every((e: { kind: string }) => e.kind.startsWith('member.') || e.kind.startsWith('flow.'))).toBe(true);
    expect(j.distribution.team.ips).toEqual(['10.0.0.10']);
  });

  it('turns a bad option value into a one-line usage error', async () => {
    const text = await run(['analyze', sharedCapture('LACP.pcap'), '--member', 'nonsense']);
    expect(text).toBe('');
    expect(process.exitCode).toBe(2);
  });
});
