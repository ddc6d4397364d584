// Proof that the generator's output is what real tools accept as real: for every scenario, tshark
// reads the capture with no malformed frame and no error-level expert item, and on a sample of frames
// tshark's values of the LACP, Marker, ARP, VLAN, IPv4/IPv6, UDP/TCP, VRRP and HSRP fields equal the
// values the scenario handed to the encoders. Our own dissectors decode every frame without a problem.
// Without tshark: fails under CI or TEAMSCOPE_REQUIRE_NET, else the tshark checks are skipped visibly.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { FieldDesc } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import type { Knobs } from '../../src/generator/options.js';
import { frameOf } from '../helpers/frames.js';
import { type RecordedFrame, hasTshark, intendedValue, parseTsharkValue, runRecorded, show, tempDir, tsharkBadFrames, tsharkExpertErrors, tsharkFields, tsharkName, tsharkRequired } from './helpers.js';

/** Every scenario with knobs that keep it small. */
const CASES: readonly [string, Partial<Knobs>][] = [
  ['team', { duration: 10, flows: 8, ipv6: 0.3, vlan: 100 }],
  ['team', { duration: 8, flows: 6, policy: 'win-4tuple', mode: 'switch-independent', members: 3 }],
  ['team', { duration: 8, flows: 6, policy: 'hyperv-port', mode: 'switch-independent' }],
  ['lacp-negotiation', { duration: 8 }],
  ['member-failure', { duration: 20, failAt: 6, failFor: 6, flows: 6 }],
  ['lacp-partner-loss', { duration: 20, failAt: 5, failFor: 8, flows: 6 }],
  ['lacp-key-mismatch', { duration: 10, flows: 4 }],
  ['lacp-partner-mismatch', { duration: 10, flows: 4 }],
  ['lacp-rate-mismatch', { duration: 35, flows: 2 }],
  ['lacp-rate-ignored', { duration: 40, flows: 2 }],
  ['lacp-marker', { duration: 25 }],
  ['garp-takeover', { duration: 30, failAt: 5, habit: 'pacemaker' }],
  ['garp-takeover', { duration: 15, failAt: 5, habit: 'bonding', garpForm: 'reply' }],
  ['ip-conflict', { duration: 30, failAt: 5, failFor: 10 }],
  ['arp-flipflop', { duration: 40, failAt: 5 }],
  ['arp-probe', { duration: 12, failAt: 2 }],
  ['arp-probe-conflict', { duration: 12, failAt: 2 }],
  ['heartbeat-loss', { duration: 60, outageAt: 5, outageFor: 25, subnet: 'cross', routes: 'all' }],
  ['knet-loss', { duration: 25, outageAt: 5 }],
  ['vrrp-failover', { duration: 25, failAt: 8 }],
  ['vrrp-resign', { duration: 25, failAt: 8 }],
  ['hsrp-failover', { duration: 30, failAt: 8 }],
  ['mixed-incident', {}],
];

/** Protocols whose fields are compared with tshark. */
const COMPARED = new Set(['lacp', 'marker', 'arp', 'vlan', 'ipv4', 'ipv6', 'udp', 'tcp', 'vrrp', 'hsrp']);
/** Fields tshark shows differently on purpose (not a disagreement about the value). */
const SKIP = new Set(['tcp.hdr_len', 'ip.hdr_len', 'vrrp.ip_addr', 'ip.flags']);

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tshark = hasTshark();
if (!tshark && tsharkRequired()) {
  it('tshark is installed (required under CI / TEAMSCOPE_REQUIRE_NET)', () => {
    expect(tshark, 'tshark not found on PATH').toBe(true);
  });
}

/** Frames to compare field by field: the first 150 and every 25th after. */
function sample(frames: RecordedFrame[]): RecordedFrame[] {
  return frames.filter((f, i) => f.stack && (i < 150 || i % 25 === 0));
}

describe.each(CASES.map(([n, k], i) => [n, k, i] as const))('scenario %s %o', (name, knobs, i) => {
  const run = runRecorded(dir, name, knobs, 7, `-${i}`);

  it('our dissectors decode every frame without a problem', async () => {
    const { frames } = await run;
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) {
      const pkt = registry.dissect(frameOf(f.bytes));
      expect(pkt.problems, `frame ${f.frame}: ${JSON.stringify(pkt.problems)}`).toEqual([]);
      if (f.stack) expect(pkt.layers.map((l) => l.layer).slice(0, f.stack.length), `frame ${f.frame}`).toEqual(f.stack.map(([d]) => d.name));
    }
  });

  it.skipIf(!tshark)('tshark: no malformed frame, no expert error', async () => {
    const { file } = await run;
    expect(tsharkBadFrames(file)).toEqual([]);
    expect(tsharkExpertErrors(file)).not.toMatch(/Errors \([1-9]/);
  });

  it.skipIf(!tshark)("tshark's field values equal the intended ones", async () => {
    const { file, frames } = await run;
    const picked = sample(frames);
    // The tshark fields of every compared protocol present in the sample.
    const wanted = new Map<string, { fd: FieldDesc; proto: string }>();
    for (const f of picked)
      for (const [d, fields] of f.stack!) {
        if (!COMPARED.has(d.name)) continue;
        for (const fd of d.fields) {
          const tn = tsharkName(fd);
          if (!tn || SKIP.has(tn)) continue;
          if (intendedValue(fd.kind, (fields as Record<string, unknown>)[fd.name]) === undefined) continue;
          wanted.set(tn, { fd, proto: d.name });
        }
      }
    const table = tsharkFields(file, [...wanted.keys()]);
    let compared = 0;
    for (const f of picked) {
      const row = table.get(f.frame);
      expect(row, `tshark has no frame ${f.frame}`).toBeDefined();
      const seen = new Map<string, number>();
      for (const [d, fields] of f.stack!) {
        if (!COMPARED.has(d.name)) continue;
        const occurrence = seen.get(d.name) ?? 0;
        seen.set(d.name, occurrence + 1);
        for (const fd of d.fields) {
          const tn = tsharkName(fd);
          if (!tn || !wanted.has(tn)) continue;
          const want = intendedValue(fd.kind, (fields as Record<string, unknown>)[fd.name]);
          if (want === undefined) continue;
          const got = row![tn]?.[occurrence];
          expect(got, `frame ${f.frame} ${tn}: tshark shows nothing, intended ${show(fd.kind, want)}`).toBeDefined();
          const v = parseTsharkValue(fd.kind, got!);
          expect(v, `frame ${f.frame} ${d.name}.${fd.name} (${tn}): tshark ${got}, intended ${show(fd.kind, want)}`).toEqual(want);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

if (!tshark && !tsharkRequired()) {
  it.skip('tshark checks skipped: tshark is not installed (set CI or TEAMSCOPE_REQUIRE_NET to make this fail)', () => undefined);
}
