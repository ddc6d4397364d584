// Real cluster heartbeats: corosync 3 (knet) on three nodes, each in its own network namespace
// with its own /run (unshare -m + tmpfs), on one bridge. `teamscope live` captures on the bridge.
// Node 3's link is silenced with iptables DROP inside its namespace for longer than the token
// timeout; the heartbeat analyzer must report the gap on node 3's pairs and route, and nothing
// that long between nodes 1 and 2. Run twice: knet in clear (crypto none: the knet header
// decodes) and encrypted (aes256/sha256: timing only).
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corosyncConf, corosyncKey, iptablesBin, startCorosync, waitForMembers } from './daemons.js';
import { Lab, type LiveEvent, describeNet, liveEvents, liveReport, sh, teamscopeBin } from './lab.js';

const NODES = ['198.18.2.1', '198.18.2.2', '198.18.2.3'];
/** totem.token as configured; with 3 nodes corosync runs with token + 1 × token_coefficient (650 ms). */
const TOKEN = 1000;
const RUNTIME_TOKEN = TOKEN + (NODES.length - 2) * 650;

type Ev = LiveEvent;

function breaches(list: Ev[]): Ev[] {
  return list.filter((e) => e.kind === 'heartbeat.breach' && e.protocol === 'knet');
}

/** Does a heartbeat event concern the pair {a, b} (either direction)? */
function onPair(e: Ev, a: string, b: string): boolean {
  const from = String(e.fromAddr ?? e.from);
  const to = String(e.toAddr ?? e.to);
  return (from === a && to === b) || (from === b && to === a);
}

describeNet('corosync knet heartbeats, watched by teamscope live', ['corosync', 'corosync-keygen', 'unshare', 'iptables'], () => {
  const labs: Lab[] = [];
  let bin = '';

  beforeAll(() => {
    bin = teamscopeBin();
  });
  afterAll(() => Promise.all(labs.map((l) => l.teardown())));

  /** A lab of its own per scenario (the two run at once): three nodes on one bridge. */
  function cluster(tag: string): { lab: Lab; sw: string; ns: string[] } {
    const lab = new Lab(tag);
    labs.push(lab);
    const sw = lab.ns('sw');
    const ns = NODES.map((addr, i) => {
      const n = lab.ns(`n${i + 1}`);
      lab.veth(n, 'eth0', sw, `p${i + 1}`);
      lab.addr(n, 'eth0', `${addr}/24`);
      return n;
    });
    lab.bridge(sw, 'br0', ['p1', 'p2', 'p3']);
    return { lab, sw, ns };
  }

  async function scenario(crypto: boolean, name: string): Promise<{ live: Ev[]; report: { type: string; events: Ev[]; heartbeats: { pairs: { protocol: string; from: string; to: string; decoded: boolean; route: string }[] } }; file: string }> {
    const { lab, sw, ns } = cluster(crypto ? 'knetx' : 'knet');
    const file = join(lab.dir, `${name}.pcapng`);
    const live = lab.spawn(sw, `teamscope live (${name})`, ['node', bin, 'live', '-i', 'br0', '--json', '--write', file, '-f', 'udp port 5405', '--token', String(RUNTIME_TOKEN)]);
    await live.line(/live: capturing on br0/, 30_000);
    const conf = corosyncConf({ nodes: NODES, token: TOKEN, crypto, keyfile: crypto ? corosyncKey(lab) : undefined });
    const nodes = ns.map((n, i) => startCorosync(lab, n, `corosync-n${i + 1}-${name}`, conf));
    try {
      await waitForMembers(nodes, 3, 60_000);
      // Silence node 3 (in and out) until corosync on node 1 has dropped it from the membership,
      // which takes longer than the token timeout; then let it talk again.
      const ipt = iptablesBin();
      const rule = (op: string, chain: string) => [ipt, op, chain, '-p', 'udp', '--dport', '5405', '-j', 'DROP'];
      for (const chain of ['INPUT', 'OUTPUT']) lab.exec(ns[2]!, rule('-I', chain));
      try {
        await nodes[0]!.line(/\[TOTEM \] A processor failed, forming new configuration: token timed out/, 30_000);
        await nodes[0]!.line(/\[QUORUM\] Members\[2\]/, 30_000);
      } finally {
        for (const chain of ['INPUT', 'OUTPUT']) sh('ip', ['netns', 'exec', ns[2]!, ...rule('-D', chain)]);
      }
      // Node 3 comes back; the gap is reported once its heartbeats resume.
      await nodes[0]!.until('node 3 rejoined', () => nodes[0]!.lines.filter((l) => /\[QUORUM\] Members\[3\]/.test(l)).length >= 2, 60_000);
      await live.until('a knet breach between nodes 1 and 3', () => breaches(liveEvents(live)).find((e) => onPair(e, NODES[0]!, NODES[2]!) && Number(e.duration) * 1000 > RUNTIME_TOKEN), 30_000);
      await live.until('a knet breach between nodes 2 and 3', () => breaches(liveEvents(live)).find((e) => onPair(e, NODES[1]!, NODES[2]!) && Number(e.duration) * 1000 > RUNTIME_TOKEN), 30_000);
      // Stop live while the cluster still runs (stopping corosync first would end in a silence).
      expect(await live.stop('SIGTERM', 20_000)).toBe(0);
    } finally {
      for (const n of nodes) await n.stop('SIGTERM', 15_000);
    }
    const report = liveReport<{ events: Ev[]; heartbeats: { pairs: { protocol: string; from: string; to: string; decoded: boolean; route: string }[] } }>(live)!;
    expect(report?.type).toBe('report');
    return { live: liveEvents(live), report, file };
  }

  function checkGaps(evs: Ev[]): void {
    const long = breaches(evs).filter((e) => Number(e.duration) * 1000 > RUNTIME_TOKEN);
    // The silence is reported on node 3's pairs, on the route through br0 ...
    for (const other of [NODES[0]!, NODES[1]!]) {
      const b = long.find((e) => onPair(e, other, NODES[2]!));
      expect(b, `a breach longer than the token between ${other} and ${NODES[2]}`).toBeDefined();
      expect(String(b!.route)).toContain(NODES[2]!);
      expect(String(b!.route)).toContain(other);
      expect(String(b!.iface)).toBe('br0');
      expect(b!.tokenExceeded).toBe(true);
    }
    // ... and no silence that long between the two nodes that kept talking.
    expect(long.filter((e) => onPair(e, NODES[0]!, NODES[1]!))).toEqual([]);
  }

  it.concurrent('reports node 3 silenced longer than the token timeout, on its pairs and route (knet in clear, header decoded)', async () => {
    const { live, report, file } = await scenario(false, 'corosync-knet');
    checkGaps(live);
    checkGaps(report.events);
    const knet = report.heartbeats.pairs.filter((p) => p.protocol === 'knet');
    expect(knet.length).toBe(6);
    expect(knet.every((p) => p.decoded)).toBe(true);
    const offline = sh('node', [bin, 'heartbeat', file, '--json', '--token', String(RUNTIME_TOKEN)]);
    expect(offline.status, offline.err).toBe(0);
    checkGaps((JSON.parse(offline.out) as { events: Ev[] }).events);
    if (process.env.TEAMSCOPE_SAMPLES_DIR && existsSync(file)) copyFileSync(file, join(process.env.TEAMSCOPE_SAMPLES_DIR, 'corosync-knet.pcapng'));
  }, 240_000);

  it.concurrent('reports the same from timing alone when knet is encrypted (aes256/sha256)', async () => {
    const { live, report, file } = await scenario(true, 'corosync-knet-crypto');
    checkGaps(live);
    checkGaps(report.events);
    const knet = report.heartbeats.pairs.filter((p) => p.protocol === 'knet');
    expect(knet.length).toBe(6);
    expect(knet.some((p) => p.decoded)).toBe(false);
    if (process.env.TEAMSCOPE_SAMPLES_DIR && existsSync(file)) copyFileSync(file, join(process.env.TEAMSCOPE_SAMPLES_DIR, 'corosync-knet-crypto.pcapng'));
  }, 240_000);
});
