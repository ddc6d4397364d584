import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { registerHeartbeat } from '../../src/cli/heartbeat.js';
import { registerArp } from '../../src/cli/arp.js';

const captures = resolve(import.meta.dirname, '../../../shared/captures');

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
