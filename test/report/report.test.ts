// Renderers of `analyze`: tables by section with the timeline last, JSON with stable keys, and a
// self-contained HTML page — over the real LACP capture and a generated team failover.
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { TOP_LEVEL_KEYS, orderEvent, renderJson } from '../../src/report/json.js';
import { renderTables } from '../../src/report/table.js';
import { analyzeFrames, pcapFrames, sharedCapture } from '../analyzers/kit.js';
import { FrameBuilder, makeFlows, memberIfaces } from '../analyzers/team-kit.js';

const lacp = analyzeFrames(pcapFrames(sharedCapture('LACP.pcap')), {}, ['LACP.pcap']);

function failover() {
  const b = new FrameBuilder(memberIfaces(['eth0', 'eth1']));
  const fl = makeFlows(20, 8);
  for (let t = 0; t < 12; t += 0.05)
    fl.forEach((f, i) => {
      if ((i + Math.round(t * 20)) % 3) return;
      b.data(f, 1_700_000_000 + t, t >= 6 ? 0 : i % 2, 'tx');
      b.data(f, 1_700_000_000 + t + 0.01, t >= 6 ? 0 : (i >> 1) % 2, 'rx');
    });
  return analyzeFrames(b.sorted());
}

describe('tables', () => {
  it('shows LACP ports, problems, the link, incidents, and the timeline last', () => {
    const text = renderTables(lacp, { time: 'absolute' });
    expect(text).toMatch(/LACP ports \(2\)/);
    expect(text).toMatch(/port 22 key 13/);
    expect(text).toMatch(/2009-11-15 04:02:18\.675985/);
    expect(text).toMatch(/defaulted/);
    expect(text).toMatch(/Incidents \(1\)/);
    const iTimeline = text.indexOf('Timeline (');
    expect(iTimeline).toBeGreaterThan(text.indexOf('Incidents ('));
    expect(text.slice(iTimeline)).not.toMatch(/LACP ports/);
  });

  it('shows members with tx/rx, the hash-policy verdict and collapses flow moves', () => {
    const r = failover();
    const text = renderTables(r, { time: 'relative', origin: 1_700_000_000 });
    expect(text).toMatch(/Team members \(2\) — team side 10\.0\.0\.10/);
    expect(text).toMatch(/Hash policy: /);
    expect(text).toMatch(/flows moved eth1 → eth0 \(failover\)/);
    expect(text).toMatch(/\+6\.010000 │ error    │ member\.down/);
  });
});

describe('json', () => {
  it('has FINDINGS.md top-level keys in order, schema 1, and events with kind/time/severity first', () => {
    const j = JSON.parse(renderJson(lacp));
    expect(Object.keys(j).slice(0, TOP_LEVEL_KEYS.length)).toEqual([...TOP_LEVEL_KEYS]);
    expect(j.schema).toBe(1);
    for (const e of j.events) {
      expect(Object.keys(e).slice(0, 3)).toEqual(['kind', 'time', 'severity']);
      expect(Object.keys(e).slice(-2)).toEqual(['text', 'evidence']);
    }
    const p = j.events.find((e: { kind: string }) => e.kind === 'lacp.problem');
    expect(Object.keys(p).slice(3, 10)).toEqual(['start', 'end', 'duration', 'iface', 'system', 'port', 'code']);
    expect(j.lacp.ports[0]).toHaveProperty('states');
  });

  it('orders every required field of a kind right after the head', () => {
    const e = orderEvent({ kind: 'flow.moved', time: 1, severity: 'info', evidence: [], text: 't', zeta: 1, reason: 'failover', to: 'b', from: 'a', flow: 'tcp x' });
    expect(Object.keys(e)).toEqual(['kind', 'time', 'severity', 'flow', 'from', 'to', 'reason', 'zeta', 'text', 'evidence']);
  });
});

describe('html', () => {
  it('is one self-contained page with the incident story and an SVG timeline', () => {
    const h = renderHtml(failover());
    expect(h.startsWith('<!doctype html>')).toBe(true);
    expect(h).toMatch(/<svg /);
    expect(h).toMatch(/member eth1 went silent/);
    expect(h).not.toMatch(/<script|<link|<img|src=|href=/);
    const l = renderHtml(lacp);
    expect(l).toMatch(/LACP 12:0f:00 port 22/);
    expect(l).toMatch(/defaulted/);
  });

  it('escapes text from the capture', () => {
    const r = failover();
    r.notes.push('<b>&"quoted"</b>');
    expect(renderHtml(r)).toMatch(/&lt;b&gt;&amp;&quot;quoted&quot;&lt;\/b&gt;/);
  });
});
