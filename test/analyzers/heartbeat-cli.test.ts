import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { readCaptures } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { registerHeartbeat } from '../../src/cli/heartbeat.js';
import { registerArp } from '../../src/cli/arp.js';

const captures = resolve(import.meta.dirname, '../../../shared/captures');
const dir = mkdtempSync(join(tmpdir(), 'teamscope-hb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of `src` whose frames are written in runs of `run`, each run reversed: out of time order, as merged or per-interface captures are. */
async function shuffled(src: string, run: number): Promise<string> {
  const frames: { sec: number; nsec: number; bytes: Uint8Array; origLen: number }[] = [];
  const set = await readCaptures([src]);
  for await (const batch of set.batches()) for (const f of batch) frames.push({ sec: f.sec, nsec: f.nsec, bytes: f.buf.slice(f.off, f.off + f.caplen), origLen: f.origLen });
  await set.close();
  // Same base name as the source: reports name an input's interface after its file.
  const sub = mkdtempSync(join(dir, `run${run}-`));
  const out = join(sub, basename(src));
  const w = new PcapWriter(out, { nanosecond: true });
  for (let i = 0; i < frames.length; i += run) for (const f of frames.slice(i, i + run).reverse()) w.writePacket(f.sec, f.nsec, f.bytes, f.origLen);
  await w.close();
  return out;
}

async function runCli(args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command().exitOverride();
  registerHeartbeat(program);
  registerArp(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((s: string | Uint8Array) => {
    out += typeof s === 'string' ? s : Buffer.from(s).toString();
    return true;
  }) as typeof process.stdout.write);
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, code };
}

describe('teamscope heartbeat / arp commands', () => {
  it('heartbeat on vrrp.pcap prints the groups, advert intervals and master changes', async () => {
    const { out, code } = await runCli(['heartbeat', resolve(captures, 'vrrp.pcap')]);
    expect(code).toBe(0);
    expect(out).toContain('First-hop redundancy groups (5)');
    expect(out).toMatch(/vrrp v2[^\n]*│ 42/);
    expect(out).toContain('10.4.42.1');
    expect(out).toContain('Master changes (35)');
    expect(out).toContain('10.0.0.91 → 10.0.0.92');
  });

  it('--json gives the FINDINGS schema with the vrrp section and events', async () => {
    const { out } = await runCli(['heartbeat', '--json', resolve(captures, 'vrrp.pcap')]);
    const r = JSON.parse(out);
    expect(r.schema).toBe(1);
    expect(r.inputs[0].packets).toBe(165);
    expect(r.vrrp.groups).toHaveLength(5);
    expect(r.events.filter((e: { kind: string }) => e.kind === 'vrrp.master')).toHaveLength(35);
    expect(r.settings.profile).toBe('ws2019');
  });

  it('heartbeat and arp put out-of-order frames back in order, as analyze does, and say how many', async () => {
    const src = resolve(captures, 'vrrp.pcap');
    const file = await shuffled(src, 6);
    for (const cmd of ['heartbeat', 'arp']) {
      const a = JSON.parse((await runCli([cmd, '--json', src])).out);
      const b = JSON.parse((await runCli([cmd, '--json', file])).out);
      // Frame numbers are positions in the file, so they differ; everything else is the same.
      const noFrames = (x: unknown) => (x === undefined ? x : JSON.parse(JSON.stringify(x, (k, v) => (k === 'evidence' || k === 'frame' || k === 'frames' ? undefined : v))));
      for (const k of ['vrrp', 'heartbeats', 'arp', 'events']) expect([cmd, k, noFrames(b[k])]).toEqual([cmd, k, noFrames(a[k])]);
      expect(b.inputs[0].outOfOrder).toBeGreaterThan(100);
      expect(b.notes.join('\n')).toMatch(/frames arrived out of time order: \d+ were put back in order within the 4096-frame window/);
      // A window too small for the disorder: analysed out of order, and the note says to raise it.
      const c = JSON.parse((await runCli([cmd, '--json', '--reorder-window', '2', file])).out);
      expect(c.notes.join('\n')).toMatch(/came too late for the window .*raise --reorder-window/);
    }
  });

  it('a bad profile is a usage error naming the option', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write);
    const { code } = await runCli(['heartbeat', '--profile', 'nt4', resolve(captures, 'vrrp.pcap')]);
    err.mockRestore();
    expect(code).toBe(2);
  });

  it('--list-profiles prints the profiles table with tolerances and sources', async () => {
    const { out, code } = await runCli(['heartbeat', '--list-profiles', '--profile', 'ws2016']);
    expect(code).toBe(0);
    expect(out).toContain('ws2016 (in use)');
    expect(out).toContain('1000 ms × 20 = 20 s');
    expect(out).toContain('1000 ms × 5 = 5 s');
    expect(out).toContain('ws2022 = ws2019');
  });

  it('a missing capture is exit code 3 with one line on stderr', async () => {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => ((err += s), true)) as typeof process.stderr.write);
    const { code } = await runCli(['arp', '/nonexistent/x.pcap']);
    spy.mockRestore();
    expect(code).toBe(3);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('arp on a capture without ARP says so', async () => {
    const { out, code } = await runCli(['arp', resolve(captures, 'vrrp.pcap')]);
    expect(code).toBe(0);
    expect(out).toContain('ARP');
  });
});
