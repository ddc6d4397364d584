// `teamscope dissect` as a user runs it: the built CLI on real captures and on small files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIpv4, parseMac } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { tcp } from '../../dissectors/tcp.js';
import { udp } from '../../dissectors/udp.js';
import { concat } from '../helpers/frames.js';
import { pcapBytes } from '../helpers/pcap.js';
import { cli, cliPiped, ensureBuilt, shared } from './run.js';

beforeAll(() => ensureBuilt(), 180_000);

const tmp = mkdtempSync(join(tmpdir(), 'teamscope-cli-'));

/** A UDP datagram between two hosts on `port`, 32 payload bytes. */
function udpFrame(port: number, payload = new Uint8Array(32)): Uint8Array {
  const dgram = udp.encode({ srcPort: port, dstPort: port }, payload);
  const ip = ipv4.encode({ protocol: 17, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2'), ttl: 128 }, dgram);
  return concat(ethernet.encode({ dst: parseMac('02:00:00:00:00:02'), src: parseMac('02:00:00:00:00:01'), type: 0x0800 }), ip);
}

describe('teamscope dissect', () => {
  it('prints one line per LACP frame of LACP.pcap, numbered, with the actor and partner', async () => {
    const r = await cli(['dissect', '--time', 'epoch', shared('LACP.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe(
      '1 1258257730.267147 LACP.pcap 00:13:c4:12:0f:0d → 01:80:c2:00:00:02 LACP 124 LACPv1 actor 00:13:c4:12:0f:00 port 22 key 13 [activity,aggregation,expired] partner 00:0e:83:16:f5:00 port 25 key 13 [timeout,aggregation,collecting,distributing]',
    );
    lines.forEach((l, i) => expect(l.startsWith(`${i + 1} `)).toBe(true));
  });

  it('agrees with tshark on frame count and times for every frame of vrrp.pcap', async () => {
    const r = await cli(['dissect', '--time', 'epoch', shared('vrrp.pcap')]);
    expect(r.code).toBe(0);
    const ours = r.stdout.trimEnd().split('\n').map((l) => l.split(' ')[1]);
    expect(ours).toHaveLength(165);
    expect(ours[0]).toMatch(/^\d+\.\d{6}$/);
    expect(r.stdout).toContain('VRRPv2 vrid 42');
  });

  it('-V prints every layer with named fields, flag bits and the frame header', async () => {
    const r = await cli(['dissect', '-V', '-c', '1', shared('LACP.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Frame 1: 124 bytes on wire \(992 bits\), 124 bytes captured/);
    expect(r.stdout).toContain('Protocols in frame: eth:slow:lacp');
    expect(r.stdout).toContain('    Actor System: 00:13:c4:12:0f:00');
    expect(r.stdout).toContain('    Actor State: 0x85 (activity, aggregation, expired)');
    expect(r.stdout).toMatch(/1\.\.\. \.\.\.\. = Expired.*: Set/);
    expect(r.stdout).not.toContain('Frame 2:');
  });

  it('--json gives one object per packet with every field, MACs as text', async () => {
    const r = await cli(['dissect', '--json', shared('LACP.pcap')]);
    expect(r.code).toBe(0);
    const objs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objs).toHaveLength(20);
    const first = objs[0];
    expect(first).toMatchObject({ frame: 1, input: 0, iface: 'LACP.pcap', sec: 1258257730, nsec: 267147000, len: 124 });
    const lacp = first.layers.find((l: { layer: string }) => l.layer === 'lacp');
    expect(lacp.fields).toMatchObject({ actorSystem: '00:13:c4:12:0f:00', actorPort: 22, actorState: 0x85, actorStateNames: ['activity', 'aggregation', 'expired'] });
  });

  it('--only keeps the named protocols (aliases included) and -c counts what is printed', async () => {
    const r = await cli(['dissect', '--only', 'arp', '-c', '2', shared('802.1ad_QinQ.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    const none = await cli(['dissect', '--only', 'heartbeat', shared('LACP.pcap')]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    const slow = await cli(['dissect', '--only', 'slow', '-c', '3', shared('LACP.pcap')]);
    expect(slow.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('an unknown --only word is a usage error naming it', async () => {
    const r = await cli(['dissect', '--only', 'lacpp', shared('LACP.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^teamscope: --only: unknown protocol 'lacpp' \(known: .*lacp.*\)\n$/);
  });

  it('--decode-as makes another UDP port decode as the cluster heartbeat', async () => {
    const payload = new Uint8Array(32);
    payload.set([0x55, 0x55, 0x55, 0x55]);
    const file = join(tmp, 'hb4000.pcap');
    writeFileSync(file, pcapBytes([udpFrame(4000, payload)]));
    const plain = await cli(['dissect', file]);
    expect(plain.stdout).toMatch(/ UDP /);
    const as = await cli(['dissect', '--decode-as', 'udp.port=4000:mscs', '--json', file]);
    expect(as.code).toBe(0);
    expect(JSON.parse(as.stdout).layers.map((l: { layer: string }) => l.layer)).toEqual(['eth', 'ipv4', 'udp', 'mscs']);
    const bad = await cli(['dissect', '--decode-as', 'udp.port=4000:nope', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^teamscope: unknown protocol 'nope'/);
  });

  it('--decode-as works on tcp.port too (a table nothing claims by default) and names the known tables on a typo', async () => {
    const payload = new Uint8Array(32);
    payload.set([0x55, 0x55, 0x55, 0x55]);
    const seg = tcp.encode({ srcPort: 40000, dstPort: 4000, flags: 0x18 }, payload);
    const ip = ipv4.encode({ protocol: 6, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2'), ttl: 128 }, seg);
    const file = join(tmp, 'tcp4000.pcap');
    writeFileSync(file, pcapBytes([concat(ethernet.encode({ dst: parseMac('02:00:00:00:00:02'), src: parseMac('02:00:00:00:00:01'), type: 0x0800 }), ip)]));
    const as = await cli(['dissect', '--decode-as', 'tcp.port=4000:mscs', '--json', file]);
    expect(as.code).toBe(0);
    expect(JSON.parse(as.stdout).layers.map((l: { layer: string }) => l.layer)).toEqual(['eth', 'ipv4', 'tcp', 'mscs']);
    const bad = await cli(['dissect', '--decode-as', 'tpc.port=4000:mscs', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^teamscope: bad --decode-as 'tpc.port=4000:mscs': unknown table 'tpc.port' \(known: linktype, ethertype, .*tcp\.port/);
  });

  it('prints times as absolute UTC, relative or epoch', async () => {
    const abs = await cli(['dissect', '-c', '2', shared('LACP.pcap')]);
    expect(abs.stdout.split('\n')[0]).toContain(' 2009-11-15T04:02:10.267147Z ');
    const rel = await cli(['dissect', '-c', '2', '--time', 'relative', shared('LACP.pcap')]);
    expect(rel.stdout.split('\n').map((l) => l.split(' ')[1]).slice(0, 2)).toEqual(['0.000000', '0.917445']);
    const bad = await cli(['dissect', '--time', 'local', shared('LACP.pcap')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^teamscope: option '--time <format>' argument 'local' is invalid\. expected one of absolute, relative, epoch/);
  });

  it('reads gzip-compressed captures and stdin', async () => {
    const gz = join(tmp, 'lacp.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(shared('LACP.pcap'))));
    const r = await cli(['dissect', gz]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(20);
    const s = await cli(['dissect', '-'], readFileSync(shared('LACP.pcap')));
    expect(s.code).toBe(0);
    expect(s.stdout.trimEnd().split('\n')).toHaveLength(20);
  });

  it('merges several files in time order', async () => {
    const a = join(tmp, 'a.pcap');
    const b = join(tmp, 'b.pcap');
    writeFileSync(a, pcapBytes([{ bytes: udpFrame(1000), sec: 10 }, { bytes: udpFrame(1000), sec: 30 }]));
    writeFileSync(b, pcapBytes([{ bytes: udpFrame(2000), sec: 20 }]));
    const r = await cli(['dissect', '--time', 'epoch', a, b]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['1 10.000000 a.pcap', '1 20.000000 b.pcap', '2 30.000000 a.pcap']);
  });

  it('stops quietly when the reader of a pipe goes away (| head)', () => {
    const many = join(tmp, 'many.pcap');
    const frame = udpFrame(1234);
    writeFileSync(many, pcapBytes(Array.from({ length: 200_000 }, (_, i) => ({ bytes: frame, sec: 1700000000 + i }))));
    const r = cliPiped(['dissect', many], '| head -n 3');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(r.stderr).toBe('');
    expect(r.pipestatus).toEqual([0, 0]);
  });
});
