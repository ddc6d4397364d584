// `teamscope info` against capinfos on every shared capture, and its protocol breakdown.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, shared } from './run.js';

beforeAll(() => ensureBuilt(), 180_000);

const captures = readdirSync(resolve(process.cwd(), '../shared/captures')).filter((f) => f.endsWith('.pcap'));
const hasCapinfos = spawnSync('sh', ['-c', 'command -v capinfos']).status === 0;

interface Info {
  file: string;
  format: string;
  byteOrder: string;
  compressed: boolean;
  packets: number;
  wireBytes: number;
  bytes: number;
  first: number;
  last: number;
  duration: number;
  interfaces: { name: string; linkType: number; snaplen: number; tsresol: string; packets: number }[];
  protocols: Record<string, number>;
  problems: { id: string; count: number; firstFrame: number }[];
  error: string | null;
}

async function info(...files: string[]): Promise<Info[]> {
  const r = await cli(['info', '--json', ...files]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.schema).toBe(1);
  return j.inputs;
}

describe('teamscope info', () => {
  it.skipIf(!hasCapinfos).each(captures)('%s: packets, bytes, first/last time and duration equal capinfos', async (name) => {
    // capinfos -T (table) -r (no header) -M (exact numbers): packets, data size, duration, start, end.
    const c = spawnSync('capinfos', ['-T', '-r', '-M', '-c', '-d', '-u', '-a', '-e', '-S', shared(name)], { encoding: 'utf8' });
    const [, packets, bytes, duration, first, last] = c.stdout.trim().split('\t');
    const [i] = await info(shared(name));
    expect(i!.packets).toBe(Number(packets));
    expect(i!.wireBytes).toBe(Number(bytes));
    expect(i!.duration.toFixed(6)).toBe(Number(duration).toFixed(6));
    expect(i!.first.toFixed(6)).toBe(Number(first).toFixed(6));
    expect(i!.last.toFixed(6)).toBe(Number(last).toFixed(6));
  });

  it('LACP.pcap: format, interface and a protocol breakdown of 20 LACP frames', async () => {
    const [i] = await info(shared('LACP.pcap'));
    expect(i).toMatchObject({ format: 'pcap', byteOrder: 'little-endian', compressed: false, packets: 20, bytes: 2480 });
    expect(i!.interfaces).toEqual([expect.objectContaining({ name: 'LACP.pcap', linkType: 1, snaplen: 65535, tsresol: '1 µs', packets: 20 })]);
    expect(i!.protocols).toEqual({ eth: 20, slow: 20, lacp: 20 });
    expect(i!.problems).toEqual([]);
  });

  it('vrrp.pcap: IPv4 and IPv6 adverts counted per layer', async () => {
    const [i] = await info(shared('vrrp.pcap'));
    expect(i!.protocols).toMatchObject({ eth: 165, vrrp: 165, ipv4: 101, ipv6: 64 });
  });

  it('lists per-frame problems by id with their first frame', async () => {
    const [i] = await info(shared('arp-oobr.pcap'));
    expect(i!.problems.length).toBeGreaterThan(0);
    for (const p of i!.problems) {
      expect(p.id).toMatch(/^[a-z0-9]+\.[a-z0-9-]+$/);
      expect(p.count).toBeGreaterThan(0);
      expect(p.firstFrame).toBeGreaterThan(0);
    }
  });

  it('says gzip when the input is compressed, and one section per input', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'teamscope-info-'));
    const gz = join(tmp, 'lacp.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(shared('LACP.pcap'))));
    const [a, b] = await info(gz, shared('vrrp.pcap'));
    expect(a).toMatchObject({ compressed: true, packets: 20 });
    expect(b).toMatchObject({ compressed: false, packets: 165 });
  });

  it('prints a capinfos-like text report', async () => {
    const r = await cli(['info', shared('LACP.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Packets:               20\n');
    expect(r.stdout).toContain('First packet:          2009-11-15 04:02:10.267147 UTC\n');
    expect(r.stdout).toContain('Duration:              112.338735 s\n');
    expect(r.stdout).toMatch(/Interface 0: LACP\.pcap\n {4}link type Ethernet \(EN10MB, 1\), snaplen 65535, tsresol 1 µs, 20 packets\n/);
    expect(r.stdout).toMatch(/ {4}lacp +20 +100\.0%\n/);
  });
});
