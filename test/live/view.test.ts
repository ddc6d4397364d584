// The live view's text without a terminal: the compact view from a snapshot, and event lines.
import { describe, expect, it } from 'vitest';
import { type LiveSnapshot, clockText, eventLine, renderCompact } from '../../src/cli/live.js';
import type { TimelineEvent } from '../../src/analyzers/types.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678) / 1000;

function ev(kind: string, text: string, dt = 0, severity: TimelineEvent['severity'] = 'warning'): TimelineEvent {
  return { kind, time: T + dt, severity, evidence: [], text };
}

describe('live view', () => {
  it('prints one line per event: UTC time, severity, kind, text', () => {
    expect(clockText(T)).toBe('03:04:05.678');
    expect(eventLine(ev('arp.takeover', '198.18.1.100 moved a → b'))).toBe('03:04:05.678  warning  arp.takeover          198.18.1.100 moved a → b');
  });

  it("shows members' share, LACP ports, heartbeat health and the latest events", () => {
    const s: LiveSnapshot = {
      now: T + 10,
      elapsed: 12.4,
      members: [
        { name: 'eth0', frames: 300, bytes: 30_000 },
        { name: 'eth1', frames: 100, bytes: 10_000 },
      ],
      lacp: [
        { iface: 'eth0', system: '00:11:22:33:44:55', port: 1, actor: ['activity', 'aggregation', 'synchronization', 'collecting', 'distributing'], partner: ['activity'], collectingDistributing: true, last: T + 9.5, rate: 'fast' },
        { iface: 'eth1', system: '00:11:22:33:44:55', port: 2, actor: ['activity', 'timeout', 'aggregation', 'synchronization', 'collecting', 'distributing'], partner: ['activity'], collectingDistributing: true, last: T + 5, rate: 'fast' },
      ],
      heartbeats: [
        { protocol: 'knet', from: '198.18.2.1', to: '198.18.2.3', route: 'r', last: T + 9.8, tolerance: 0.825, breaches: 0, nearMisses: 0 },
        { protocol: 'knet', from: '198.18.2.3', to: '198.18.2.1', route: 'r', last: T + 5, tolerance: 0.825, breaches: 1, nearMisses: 0 },
      ],
      vrrp: [{ protocol: 'vrrp', group: 51, virtualIps: ['198.18.1.100'], master: '198.18.1.2', last: T + 9.9, tolerance: 3.609375 }],
      events: Array.from({ length: 12 }, (_, i) => ev('heartbeat.breach', `gap ${i}`, i / 10)),
    };
    const lines = renderCompact(s);
    expect(lines[0]).toBe('teamscope live  03:04:15.678 UTC  running 12 s  400 frames  39.1 KiB');
    expect(lines).toContain('  eth0           300   75.0%  29.3 KiB   75.0%');
    expect(lines).toContain('  eth1           100   25.0%   9.8 KiB   25.0%');
    expect(lines.find((l) => l.includes('port 1'))).toBe('  eth0 00:11:22:33:44:55 port 1: up; actor AGSCD partner A; last PDU 0.5 s ago');
    expect(lines.find((l) => l.includes('port 2'))).toBe('  eth1 00:11:22:33:44:55 port 2: SILENT 5.0 s; actor ATGSCD partner A; last PDU 5.0 s ago');
    expect(lines).toContain('  knet 198.18.2.1 → 198.18.2.3: ok (tolerance 0.825 s; 0 breaches, 0 near misses)');
    expect(lines).toContain('  knet 198.18.2.3 → 198.18.2.1: SILENT 5.0 s (tolerance 0.825 s; 1 breaches, 0 near misses)');
    expect(lines).toContain('  vrrp group 51 (198.18.1.100): master 198.18.1.2 ok (Master_Down 3.609375 s)');
    const latest = lines.slice(lines.indexOf('Latest events') + 1);
    expect(latest).toHaveLength(8);
    expect(latest.at(-1)).toMatch(/gap 11$/);
  });

  it('says when nothing happened yet and cuts lines to the terminal width', () => {
    const s: LiveSnapshot = { now: T, elapsed: 0, members: [{ name: 'a-very-long-interface-name', frames: 0, bytes: 0 }], lacp: [], heartbeats: [], vrrp: [], events: [] };
    const lines = renderCompact(s, 30);
    expect(lines).toContain('  (none yet)');
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines.some((l) => l.endsWith('…'))).toBe(true);
  });
});
