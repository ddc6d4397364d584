// `teamscope replay` on real interfaces: a two-member capture is sent, each capture interface on
// its own veth (-i NAME=DEV), and `teamscope live --write` on the far ends (named like the
// capture's interfaces) gets every frame byte for byte, on the right member, with the original
// spacing between frames.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arp } from '../../dissectors/arp.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { parseIpv4, parseMac } from '../../dissectors/core.js';
import type { Frame } from '../../src/capture/frame.js';
import { readCaptures } from '../../src/capture/merge.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { Lab, describeNet, sh, teamscopeBin } from './lab.js';

/** A gratuitous ARP request (SPA = TPA) from `mac` for `ip`, with a marker in the padding. */
function garp(mac: string, ip: string, marker: number): Uint8Array {
  const m = parseMac(mac);
  const a = parseIpv4(ip);
  const body = arp.encode({ opcode: 1, sha: m, spa: a, tha: 0, tpa: a });
  const payload = new Uint8Array(46);
  payload.set(body, 0);
  payload[45] = marker;
  return ethernet.encode({ dst: parseMac('ff:ff:ff:ff:ff:ff'), src: m, type: 0x0806 }, payload);
}

/** Frame times (seconds from the start) and members: irregular spacing, both members. */
const PLAN: [number, 'eth0' | 'eth1'][] = [
  [0, 'eth0'],
  [0.05, 'eth1'],
  [0.3, 'eth0'],
  [0.31, 'eth0'],
  [0.9, 'eth1'],
  [1.25, 'eth0'],
  [1.6, 'eth1'],
  [1.61, 'eth1'],
  [2.4, 'eth0'],
  [3.0, 'eth1'],
];

async function framesOf(file: string): Promise<Frame[]> {
  const set = await readCaptures([file]);
  const out: Frame[] = [];
  for await (const b of set.batches()) out.push(...b);
  await set.close();
  return out;
}

const hex = (f: Frame) => Buffer.from(f.buf.subarray(f.off, f.off + f.caplen)).toString('hex');
const t = (f: Frame) => f.sec + f.nsec / 1e9;

describeNet('teamscope replay into veth pairs, teamscope live on the far ends', [], () => {
  let lab: Lab;
  let bin = '';
  let wire = '';
  let mon = '';
  let input = '';

  beforeAll(async () => {
    lab = new Lab('replay');
    bin = teamscopeBin();
    wire = lab.ns('wire');
    mon = lab.ns('mon');
    lab.veth(wire, 'a0', mon, 'eth0');
    lab.veth(wire, 'a1', mon, 'eth1');
    input = join(lab.dir, 'input.pcapng');
    const w = new PcapngWriter(input, { nanosecond: true });
    const idb = { eth0: w.addInterface({ name: 'eth0', linkType: 1 }), eth1: w.addInterface({ name: 'eth1', linkType: 1 }) };
    const t0 = 1_700_000_000;
    PLAN.forEach(([dt, m], i) => {
      const bytes = garp(m === 'eth0' ? '02:00:5e:00:00:01' : '02:00:5e:00:00:02', '198.18.4.100', i);
      const ns = Math.round(dt * 1e9);
      w.writePacket(idb[m], t0 + Math.floor(ns / 1e9), ns % 1e9, bytes);
    });
    await w.close();
  });
  afterAll(() => lab?.teardown());

  it('sends every frame on its member with the original timing', async () => {
    const out = join(lab.dir, 'received.pcapng');
    const live = lab.spawn(mon, 'teamscope live', ['node', bin, 'live', '-i', 'eth0', '-i', 'eth1', '-f', 'arp', '--json', '--write', out]);
    await live.line(/live: capturing on eth0 \(EN10MB\), eth1 \(EN10MB\)/, 30_000);
    const r = sh('ip', ['netns', 'exec', wire, 'node', bin, 'replay', input, '-i', 'eth0=a0', '-i', 'eth1=a1']);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/replay: sent 10 frames \(600 bytes\) on a0, a1 in (2\.9|3\.0)\d\d s/);
    // live flushes its file every second: wait until all 10 frames are in it.
    const deadline = Date.now() + 20_000;
    while ((await framesOf(out).catch(() => [])).length < PLAN.length) {
      if (Date.now() > deadline) throw new Error(`live did not save ${PLAN.length} frames within 20 s\n${live.tail()}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(await live.stop('SIGTERM', 20_000)).toBe(0);
    expect(live.lines.join('\n')).toMatch(/stopped \(interrupted\) after [\d.]+ s: 10 frames \(eth0 5, eth1 5\)/);

    const sent = await framesOf(input);
    const got = await framesOf(out);
    expect(got.map((f) => [f.iface.name, hex(f)])).toEqual(sent.map((f) => [f.iface.name, hex(f)]));
    // Spacing: each frame's offset from the first within 100 ms of the original's (send and
    // capture are timed by two busy event loops; the CI runs other suites alongside).
    const off = (fs: Frame[]) => fs.map((f) => t(f) - t(fs[0]!));
    const want = off(sent);
    off(got).forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThan(0.1));
  });

  it('refuses an interface that does not exist, naming those that do', () => {
    const r = sh('ip', ['netns', 'exec', wire, 'node', bin, 'replay', input, '-i', 'nosuch0']);
    expect(r.status).toBe(2);
    expect(r.err.trim().split('\n').at(-1)).toMatch(/^teamscope: no such interface 'nosuch0'; interfaces: .*\ba0\b/);
  });
});
