import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArpAnalyzer } from '../../src/analyzers/arp.js';
import { HeartbeatAnalyzer } from '../../src/analyzers/heartbeat.js';
import { VrrpAnalyzer } from '../../src/analyzers/vrrp.js';
import { readPcap, run } from './arp-hb-kit.js';

const captures = resolve(import.meta.dirname, '../../../shared/captures');

describe('ARP / heartbeat / VRRP analyzers on every shared capture (malformed ones included)', () => {
  for (const f of readdirSync(captures).filter((x) => x.endsWith('.pcap'))) {
    it(`${f}: no exception, results serialise`, () => {
      const pkts = readPcap(resolve(captures, f));
      for (const A of [ArpAnalyzer, HeartbeatAnalyzer, VrrpAnalyzer]) {
        const a = run(new A(), pkts);
        expect(() => JSON.stringify({ r: a.result(), e: a.emitted(), n: a.notes() })).not.toThrow();
      }
    });
  }

  it('arp-oobr.pcap: every ARP counted by kind', () => {
    const pkts = readPcap(resolve(captures, 'arp-oobr.pcap'));
    const arpPkts = pkts.filter((p) => p.layers.some((l) => l.layer === 'arp')).length;
    const r = run(new ArpAnalyzer(), pkts).result();
    expect(Object.values(r.kinds).reduce((a, b) => a + b, 0)).toBe(arpPkts);
  });
});
