// src/capture/live.ts on real interfaces: veth pairs in a namespace of this test, frames sent with
// FrameSender on one end and captured with LiveCapture (libpcap through cap) on the other.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab, type Proc, describeNet, liveReport, repoRoot, sh, teamscopeBin, teamscopeBuild } from './lab.js';

const probe = join(repoRoot, 'test', 'net', 'capture-probe.mjs');

/** An Ethernet frame with the local-experimental EtherType 0x88b5 and a marker byte. */
function frame(dst: string, src: string, marker: number, len = 60): string {
  const b = Buffer.alloc(len);
  b.set(Buffer.from(dst.replace(/:/g, ''), 'hex'), 0);
  b.set(Buffer.from(src.replace(/:/g, ''), 'hex'), 6);
  b.writeUInt16BE(0x88b5, 12);
  b[14] = marker;
  for (let i = 15; i < len; i++) b[i] = i & 0xff;
  return b.toString('hex');
}

interface Seen {
  iface: string;
  index: number;
  caplen: number;
  origLen: number;
  sec: number;
  nsec: number;
  hex: string;
}

function seen(p: Proc): Seen[] {
  return p.stdoutLines.filter((l) => l.startsWith('{"iface"')).map((l) => JSON.parse(l) as Seen);
}

describeNet('live capture on veth pairs (libpcap through cap)', [], () => {
  let lab: Lab;
  let ns = '';
  let build = '';
  let macC0 = '';

  beforeAll(() => {
    lab = new Lab('cap');
    build = teamscopeBuild();
    ns = lab.ns('a');
    lab.veth(ns, 's0', ns, 'c0');
    lab.veth(ns, 's1', ns, 'c1');
    macC0 = lab.mac(ns, 'c0');
  });
  afterAll(() => lab?.teardown());

  async function capture(opts: Record<string, unknown>): Promise<Proc> {
    const p = lab.spawn(ns, 'capture', ['node', probe, build, 'capture', JSON.stringify(opts)]);
    await p.line(/^\{"(ready|error)"/, 30_000);
    return p;
  }

  function send(iface: string, frames: string[]): void {
    const r = sh('ip', ['netns', 'exec', ns, 'node', probe, build, 'send', iface, ...frames]);
    expect(r.out.trim(), r.err).toBe(`sent ${frames.length}`);
  }

  it('captures on two interfaces at once, each frame whole, on the interface it arrived on, numbered across both', async () => {
    const p = await capture({ interfaces: ['c0', 'c1'], filter: 'ether proto 0x88b5' });
    const sent0 = [1, 2, 3].map((m) => frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:10', m));
    const sent1 = [4, 5].map((m) => frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:11', m, 1000));
    send('s0', sent0);
    send('s1', sent1);
    await p.until('5 frames', () => seen(p).length >= 5, 20_000);
    await p.stop();
    const got = seen(p);
    expect(got).toHaveLength(5);
    expect(got.filter((f) => f.iface === 'c0').map((f) => f.hex)).toEqual(sent0);
    expect(got.filter((f) => f.iface === 'c1').map((f) => f.hex)).toEqual(sent1);
    expect(got.map((f) => f.index)).toEqual([1, 2, 3, 4, 5]);
    expect(got.every((f) => f.caplen === f.origLen)).toBe(true);
    // Stamped with the wall clock when captured (cap passes no pcap timestamp), in order.
    const t = got.map((f) => f.sec + f.nsec / 1e9);
    expect(Math.abs(t[0]! - Date.now() / 1000)).toBeLessThan(60);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
    expect(p.stdoutLines.some((l) => l.startsWith('{"stats"'))).toBe(true);
  });

  it('cuts frames to the snaplen and keeps their wire length', async () => {
    const p = await capture({ interfaces: ['c0'], filter: 'ether proto 0x88b5', snaplen: 32 });
    send('s0', [frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:10', 9, 200)]);
    await p.until('1 frame', () => seen(p).length >= 1, 20_000);
    await p.stop();
    const [f] = seen(p);
    expect([f!.caplen, f!.origLen, f!.hex.length / 2]).toEqual([32, 200, 32]);
  });

  it('without promiscuous mode keeps only frames for this host (own MAC, broadcast, multicast)', async () => {
    const p = await capture({ interfaces: ['c0'], filter: 'ether proto 0x88b5', promiscuous: false });
    send('s0', [frame('02:00:00:00:99:99', '02:00:00:00:00:10', 1), frame(macC0, '02:00:00:00:00:10', 2), frame('01:00:5e:00:00:12', '02:00:00:00:00:10', 3)]);
    await p.until('2 frames', () => seen(p).length >= 2, 20_000);
    // The last frame sent arrived, so the foreign unicast before it had its chance and was filtered.
    await p.until('the multicast frame', () => seen(p).some((f) => f.hex.slice(28, 30) === '03'), 20_000);
    await p.stop();
    expect(seen(p).map((f) => f.hex.slice(28, 30))).toEqual(['02', '03']);
  });

  it('survives garbage collection after a capture is closed (cap objects are never collected)', async () => {
    const p = lab.spawn(ns, 'churn', ['node', probe, build, 'churn', 'c0']);
    await p.line(/^ready$/, 30_000);
    send('s0', [frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:10', 1)]);
    await p.line(/^survived$/, 30_000);
    expect(await p.exited).toBe(0);
  });

  it('teamscope live -c N stops after N frames and prints the report; usage errors are one line', async () => {
    const bin = teamscopeBin();
    const p = lab.spawn(ns, 'teamscope live -c 3', ['node', bin, 'live', '-i', 'c0', '-i', 'c1', '-f', 'ether proto 0x88b5', '-c', '3', '--json']);
    await p.line(/live: capturing on c0 \(EN10MB\), c1 \(EN10MB\) with filter 'ether proto 0x88b5'/, 30_000);
    send('s0', [1, 2].map((m) => frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:10', m)));
    send('s1', [3, 4].map((m) => frame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:11', m)));
    expect(await p.exited).toBe(0);
    expect(p.lines.join('\n')).toMatch(/live: stopped \(count\) after [\d.]+ s: 3 frames/);
    const report = liveReport<{ inputs: { packets: number }[] }>(p)!;
    expect(report.inputs[0]!.packets).toBe(3);

    for (const [args, re] of [
      [['-i', 'nosuch0'], /^teamscope: no such interface 'nosuch0'; interfaces: .*\bc0\b/],
      [['-i', 'c0', '-f', 'ether proto ((('], /^teamscope: bad capture filter 'ether proto \(\(\(' on c0: /],
    ] as const) {
      const r = sh('ip', ['netns', 'exec', ns, 'node', bin, 'live', ...args]);
      expect(r.status).toBe(2);
      const lines = r.err.split('\n').filter((l) => l.startsWith('teamscope:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(re);
    }
  });

  it('says which interfaces exist when the one asked for does not', async () => {
    const p = lab.spawn(ns, 'capture', ['node', probe, build, 'capture', JSON.stringify({ interfaces: ['c0', 'bond7'] })]);
    const line = await p.line(/^\{"error"/, 30_000);
    const e = JSON.parse(line) as { error: string; message: string };
    expect(e.error).toBe('no-such-interface');
    expect(e.message).toMatch(/^no such interface 'bond7'; interfaces: .*\bc0\b.*\bs1\b/);
    expect(await p.exited).toBe(3);
  });

  it('says how to get permission when not allowed to capture', async () => {
    const p = lab.spawn(ns, 'capture', ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', 'node', probe, build, 'capture', JSON.stringify({ interfaces: ['c0'] })]);
    const line = await p.line(/^\{"error"/, 30_000);
    const e = JSON.parse(line) as { error: string; message: string };
    expect(e.error).toBe('no-permission');
    expect(e.message).toMatch(/^no permission to capture on c0 \(.*\): run as root or give node CAP_NET_RAW/);
    expect(e.message).toMatch(/interfaces: .*\bc0\b/);
  });
});
