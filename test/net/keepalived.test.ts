// Real VRRP: keepalived (Debian package) in two namespaces and a client in a third, all on one
// segment (a Linux bridge in its own namespace). `teamscope live` captures on the bridge. The
// master crashes (SIGKILL: no priority-0 advert), the backup takes the virtual IP over after
// Master_Down_Interval; then the old master comes back (preempts) and is stopped the normal way
// (priority-0 advert, fast takeover). No macvlan here, so the VIP moves between the routers' own
// MACs. The capture written with --write is analysed offline too, and kept as a sample when
// TEAMSCOPE_SAMPLES_DIR is set (samples/real/make.sh).
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Keepalived, keepalivedConf, startKeepalived } from './daemons.js';
import { Lab, type LiveEvent, describeNet, liveEvents, liveReport, poll, repoRoot, sh, teamscopeBin } from './lab.js';

const VIP = '198.18.1.100';
const R1 = '198.18.1.1';
const R2 = '198.18.1.2';
const CLIENT = '198.18.1.10';
const VRID = 51;

type Ev = LiveEvent;

/** Events `teamscope live --json` printed so far (latest form of each). */
const events = liveEvents;

/** In the capture `live --write` is writing: VRRP adverts sent from `mac` after its last ARP. */
function advertsAfterLastGarp(file: string, mac: string): number {
  const r = sh('tshark', ['-r', file, '-Y', `eth.src == ${mac} && (arp || vrrp)`, '-T', 'fields', '-e', 'arp.opcode']);
  let n = 0;
  for (const l of r.out.split('\n')) {
    if (l.trim() === '') n++; // a VRRP advert (no ARP opcode)
    else n = 0;
  }
  // The split leaves one empty string after the last newline.
  return Math.max(0, n - 1);
}

/**
 * The ARP conflict window teamscope runs with: two MACs claiming one IP within it is a conflict,
 * not a takeover. When making the samples (samples/real/make.sh) the default, 10 s (RFC 5227
 * DEFEND_INTERVAL), so `analyze` with its defaults tells the story; in the test run 3 s, which
 * saves half a minute and checks the same logic.
 */
const SAMPLES = Boolean(process.env.TEAMSCOPE_SAMPLES_DIR);
const CONFLICT_WINDOW = SAMPLES ? 10 : 3;
const windowArgs = SAMPLES ? [] : ['--conflict-window', String(CONFLICT_WINDOW)];

/**
 * Wait, watching the wire (the capture live is writing, flushed every second), until the master
 * `mac` sent more adverts than the conflict window has seconds after its last gratuitous ARP
 * (keepalived sends a second burst 5 s after becoming master).
 */
async function holdPastConflictWindow(file: string, mac: string): Promise<void> {
  const n = CONFLICT_WINDOW + 1;
  await poll(`${n} adverts from ${mac} after its last gratuitous ARP`, () => advertsAfterLastGarp(file, mac) >= n, 60_000, 250);
}

describeNet('keepalived VRRP failover, watched by teamscope live', ['keepalived', 'tshark'], () => {
  let lab: Lab;
  let bin = '';
  let sw = '';
  let r1 = '';
  let r2 = '';
  let cl = '';
  let mac1 = '';
  let mac2 = '';
  let file = '';

  beforeAll(() => {
    lab = new Lab('vrrp');
    bin = teamscopeBin();
    sw = lab.ns('sw');
    r1 = lab.ns('r1');
    r2 = lab.ns('r2');
    cl = lab.ns('cl');
    lab.veth(r1, 'eth0', sw, 'p1');
    lab.veth(r2, 'eth0', sw, 'p2');
    lab.veth(cl, 'eth0', sw, 'p3');
    lab.bridge(sw, 'br0', ['p1', 'p2', 'p3']);
    lab.addr(r1, 'eth0', `${R1}/24`);
    lab.addr(r2, 'eth0', `${R2}/24`);
    lab.addr(cl, 'eth0', `${CLIENT}/24`);
    mac1 = lab.mac(r1, 'eth0');
    mac2 = lab.mac(r2, 'eth0');
    file = join(lab.dir, 'keepalived-vrrp.pcapng');
  });
  afterAll(() => lab?.teardown());

  it('reports the takeovers of the virtual IP, the GARPs keepalived sent and the advert gap against Master_Down_Interval', async () => {
    const live = lab.spawn(sw, 'teamscope live', ['node', bin, 'live', '-i', 'br0', '--json', '--write', file, ...windowArgs]);
    await live.line(/live: capturing on br0/, 30_000);

    const conf = (name: string, priority: number) => keepalivedConf({ routerId: name, iface: 'eth0', vrid: VRID, priority, vip: `${VIP}/24` });
    let ka1: Keepalived = startKeepalived(lab, r1, 'keepalived-r1', conf('r1', 150));
    const ka2 = startKeepalived(lab, r2, 'keepalived-r2', conf('r2', 100));
    await ka1.proc.line(/Entering MASTER STATE/, 30_000);
    await ka2.proc.line(/Entering BACKUP STATE/, 30_000);
    const client = lab.spawn(cl, 'client', ['node', join(repoRoot, 'test/net/udp-client.mjs'), VIP]);
    await client.line(/sending to/, 20_000);

    // 1. r1 is master; the client resolved the VIP to r1's MAC.
    await live.until('r1 master', () => events(live).find((e) => e.kind === 'vrrp.master' && e.toIp === R1), 20_000);
    await poll('client ARP entry for the VIP → r1', () => sh('ip', ['-n', cl, 'neigh', 'show', VIP]).out.includes(mac1), 20_000);
    // A master holds the VIP for a while before anything happens to it: two MACs claiming one IP
    // within the conflict window (10 s, RFC 5227 DEFEND_INTERVAL) would be a conflict, not a takeover.
    await holdPastConflictWindow(file, mac1);

    // 2. The master crashes: r2 takes over after Master_Down_Interval = 3 × 1 s + (256 − 100)/256 s.
    await ka1.crash();
    await ka2.proc.line(/Entering MASTER STATE/, 30_000);
    const takeover = await live.until('arp.takeover r1 → r2', () => events(live).find((e) => e.kind === 'arp.takeover' && e.ip === VIP && e.toMac === mac2), 30_000);
    expect(takeover.fromMac).toBe(mac1);
    expect(takeover.virtual).toBe('vrrp');
    expect(takeover.garpForm).toBe('request');
    expect(Number(takeover.garps)).toBeGreaterThanOrEqual(5); // keepalived: vrrp_garp_master_repeat 5
    const master2 = await live.until('vrrp.master r2', () => events(live).find((e) => e.kind === 'vrrp.master' && e.toIp === R2), 20_000);
    expect(master2).toMatchObject({ group: VRID, fromIp: R1, reason: 'timeout', ip: VIP });
    const gap = await live.until('advert gap', () => events(live).find((e) => /^heartbeat\.(breach|near-miss)$/.test(e.kind) && e.protocol === 'vrrp' && e.from === R1), 20_000);
    const mdi = 3 * 1 + (256 - 100) / 256;
    expect(Number(gap.tolerance)).toBeCloseTo(mdi, 3);
    expect(Number(gap.duration)).toBeGreaterThan(mdi - 0.1);
    expect(Number(gap.duration)).toBeLessThan(mdi + 1);
    await poll('client ARP entry for the VIP → r2', () => sh('ip', ['-n', cl, 'neigh', 'show', VIP]).out.includes(mac2), 20_000);

    // 3. r1 comes back and preempts (priority 150 > 100), then is stopped normally: priority 0, fast takeover.
    ka1 = startKeepalived(lab, r1, 'keepalived-r1b', conf('r1', 150));
    await ka1.proc.line(/Entering MASTER STATE/, 30_000);
    // The gratuitous ARPs r2 sent while it held the VIP, by its own log.
    const r2Garps = ka2.proc.lines.filter((l) => l.includes(`Sending gratuitous ARP on eth0 for ${VIP}`)).length;
    expect(r2Garps).toBeGreaterThanOrEqual(5);
    await live.until('vrrp.master r1 again', () => events(live).find((e) => e.kind === 'vrrp.master' && e.toIp === R1 && e.fromIp === R2), 20_000);
    // Moving back within --flipflop-window (default 60 s) is told as a flip-flop rather than a takeover.
    const moved = (e: Ev, from: string, to: string) => (e.kind === 'arp.takeover' || e.kind === 'arp.flipflop') && e.ip === VIP && e.fromMac === from && e.toMac === to;
    await live.until('VIP moved r2 → r1', () => events(live).find((e) => moved(e, mac2, mac1)), 20_000);
    await holdPastConflictWindow(file, mac1);
    await ka1.stop();
    const resigned = await live.until('vrrp.master r2 after resign', () => events(live).find((e) => e.kind === 'vrrp.master' && e.toIp === R2 && e.reason === 'resigned'), 20_000);
    expect(resigned.fromIp).toBe(R1);
    await live.until('VIP moved r1 → r2 again', () => events(live).filter((e) => moved(e, mac1, mac2)).length >= 2, 20_000);

    // 4. Stop live: it prints the final report, the same document `analyze --json` prints.
    await client.stop();
    expect(await live.stop('SIGTERM', 20_000)).toBe(0);
    const last = liveReport<{ schema: number; events: Ev[] }>(live)!;
    expect(last?.type).toBe('report');
    expect(last.schema).toBe(1);
    const takeovers = (list: Ev[]) => list.filter((e) => e.kind === 'arp.takeover' || e.kind === 'arp.flipflop').map((e) => `${e.kind} ${String(e.ip)} ${String(e.fromMac)} → ${String(e.toMac)}`);
    const masters = (list: Ev[]) => list.filter((e) => e.kind === 'vrrp.master').map((e) => `${String(e.fromIp)} → ${String(e.toIp)} (${String(e.reason)})`);
    expect(takeovers(last.events)).toEqual(takeovers(events(live)));
    expect(takeovers(last.events).map((x) => x.replace(/^\S+ /, ''))).toEqual([`${VIP} ${mac1} → ${mac2}`, `${VIP} ${mac2} → ${mac1}`, `${VIP} ${mac1} → ${mac2}`]);
    expect(masters(last.events)).toEqual([`null → ${R1} (initial)`, `${R1} → ${R2} (timeout)`, `${R2} → ${R1} (preempted)`, `${R1} → ${R2} (resigned)`]);
    expect(masters(events(live))).toEqual(masters(last.events));
    // The takeover counts exactly the gratuitous ARPs keepalived says it sent.
    expect(last.events.find((e) => e.kind === 'arp.takeover' && e.toMac === mac2)?.garps).toBe(r2Garps);

    // 5. The file --write saved (flushed every second, closed on stop) says the same offline.
    expect(existsSync(file) && statSync(file).size > 0).toBe(true);
    const offline = (cmd: string, ...extra: string[]) => {
      const r = sh('node', [bin, cmd, file, '--json', ...extra]);
      expect(r.status, r.err).toBe(0);
      return (JSON.parse(r.out) as { events: Ev[] }).events;
    };
    expect(takeovers(offline('arp', ...windowArgs))).toEqual(takeovers(last.events));
    expect(masters(offline('heartbeat'))).toEqual(masters(last.events));
    if (process.env.TEAMSCOPE_SAMPLES_DIR) copyFileSync(file, join(process.env.TEAMSCOPE_SAMPLES_DIR, 'keepalived-vrrp.pcapng'));
  }, 180_000);
});
