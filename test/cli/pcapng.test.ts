// dissect and info on pcapng files written with the capture writers: several named interfaces,
// nanosecond timestamps, interface descriptions, and damage part-way through a block.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PcapngWriter } from '../../src/capture/writer.js';
import { parseIpv4, parseMac } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { arp } from '../../dissectors/arp.js';
import { concat } from '../helpers/frames.js';
import { cli, ensureBuilt } from './run.js';

beforeAll(() => ensureBuilt(), 180_000);

const tmp = mkdtempSync(join(tmpdir(), 'teamscope-cli-ng-'));
const NODE_A = parseMac('02:00:00:00:00:0a');
const NODE_B = parseMac('02:00:00:00:00:0b');
const VIP = parseIpv4('10.0.0.50');

function garp(mac: number): Uint8Array {
  return concat(ethernet.encode({ dst: parseMac('ff:ff:ff:ff:ff:ff'), src: mac, type: 0x0806 }), arp.encode({ opcode: 1, sha: mac, spa: VIP, tha: 0, tpa: VIP }));
}

/** Two members, ns timestamps: A announces the VIP on team0-m0, then B takes it over on team0-m1. */
async function writeTakeover(file: string): Promise<void> {
  const w = new PcapngWriter(file, { nanosecond: true, application: 'teamscope tests' });
  const m0 = w.addInterface({ name: 'team0-m0', linkType: 1, description: 'member 0 (eth0)' });
  const m1 = w.addInterface({ name: 'team0-m1', linkType: 1, description: 'member 1 (eth1)' });
  w.writePacket(m0, 1700000000, 123456789, garp(NODE_A));
  w.writePacket(m1, 1700000001, 500000001, garp(NODE_B));
  w.writePacket(m1, 1700000002, 500000002, garp(NODE_B));
  await w.close();
}

describe('pcapng input', () => {
  it('dissect names each frame’s interface and keeps nanoseconds', async () => {
    const f = join(tmp, 'takeover.pcapng');
    await writeTakeover(f);
    const r = await cli(['dissect', '--time', 'epoch', f]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['1 1700000000.123456789 team0-m0', '2 1700000001.500000001 team0-m1', '3 1700000002.500000002 team0-m1']);
    expect(lines[1]).toContain('02:00:00:00:00:0b → ff:ff:ff:ff:ff:ff ARP');
    expect(lines[1]).toContain('ARP Announcement for 10.0.0.50');
  });

  it('info lists the interfaces with names, descriptions and tsresol', async () => {
    const f = join(tmp, 'takeover2.pcapng');
    await writeTakeover(f);
    const r = await cli(['info', '--json', f]);
    expect(r.code).toBe(0);
    const [i] = JSON.parse(r.stdout).inputs;
    expect(i).toMatchObject({ format: 'pcapng', byteOrder: 'little-endian', sections: 1, packets: 3, first: 1700000000.123456789 });
    expect(i.sectionInfo[0]).toMatchObject({ application: 'teamscope tests' });
    expect(i.interfaces).toEqual([
      expect.objectContaining({ index: 0, name: 'team0-m0', description: 'member 0 (eth0)', tsresol: '1 ns', packets: 1 }),
      expect.objectContaining({ index: 1, name: 'team0-m1', description: 'member 1 (eth1)', tsresol: '1 ns', packets: 2 }),
    ]);
    expect(i.duration).toBeCloseTo(2.377, 3);
    const text = await cli(['info', f]);
    expect(text.stdout).toContain('Interface 1: team0-m1 (member 1 (eth1))\n');
    expect(text.stdout).toContain('tsresol 1 ns');
    expect(text.stdout).toContain('First packet:          2023-11-14 22:13:20.123456789 UTC\n');
  });

  it('a pcapng cut inside a block: frames before it, one line naming the offset, exit 4', async () => {
    const f = join(tmp, 'full.pcapng');
    await writeTakeover(f);
    const bytes = readFileSync(f);
    const cut = join(tmp, 'cut.pcapng');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = await cli(['dissect', cut]);
    expect(r.code).toBe(4);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^teamscope: ${cut}: byte \\d+: `));
  });
});

describe('Linux cooked v2 (SLL2) input', () => {
  it('shows the per-packet interface index as the interface, in lines and JSON', async () => {
    const { PcapWriter } = await import('../../src/capture/writer.js');
    const { sll2 } = await import('../../dissectors/sll2.js');
    const f = join(tmp, 'any.pcap');
    const w = new PcapWriter(f, { linkType: 276, nanosecond: true });
    const body = arp.encode({ opcode: 1, sha: NODE_A, spa: VIP, tha: 0, tpa: VIP });
    w.writePacket(1700000000, 1, sll2.encode({ protocol: 0x0806, ifindex: 3, arphrd: 1, packetType: 4, src: NODE_A }, body));
    w.writePacket(1700000000, 2, sll2.encode({ protocol: 0x0806, ifindex: 4, arphrd: 1, packetType: 4, src: NODE_B }, body));
    await w.close();
    const r = await cli(['dissect', '--time', 'epoch', f]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      '1 1700000000.000000001 ifindex:3 02:00:00:00:00:0a',
      '2 1700000000.000000002 ifindex:4 02:00:00:00:00:0b',
    ]);
    const j = await cli(['dissect', '--json', '-c', '1', f]);
    expect(JSON.parse(j.stdout)).toMatchObject({ iface: 'ifindex:3', layers: [{ layer: 'sll2', fields: { ifindex: 3 } }, { layer: 'arp' }] });
  });
});
