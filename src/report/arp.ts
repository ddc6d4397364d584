// Tables (cli-table3) for the ARP section: takeovers, conflicts and flip-flops, addresses with more
// than one owner, ARP kinds, learning frames. Rendering only: every number comes from the analyzer.
import Table from 'cli-table3';
import type { ArpSection } from '../analyzers/arp.js';
import type { TimelineEvent } from '../analyzers/types.js';

/** How tables show times and how much they list. */
export interface RenderOptions {
  /** 'absolute' UTC date-time (default), 'relative' to `origin`, or 'epoch' seconds. */
  time?: 'absolute' | 'relative' | 'epoch';
  /** Time zero for relative times (first frame). */
  origin?: number;
  /** List every address, not only those with something to say. */
  all?: boolean;
  /** Rows per table before "… N more" (default 50). */
  limit?: number;
}

/** A table with a title line above it. */
export function titled(title: string, t: Table.Table): string {
  return `${title}\n${t.toString()}\n`;
}

/** A cli-table3 table without colours (deterministic output for pipes and tests). */
export function plainTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: false }, wordWrap: true });
}

/** A time in the chosen format: '2024-01-02 03:04:05.678901' UTC, '+12.345678', or epoch seconds. */
export function fmtTime(t: number | null | undefined, o: RenderOptions = {}): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return '—';
  if (o.time === 'epoch') return t.toFixed(6);
  if (o.time === 'relative') return `+${(t - (o.origin ?? 0)).toFixed(6)}`;
  const ms = Math.floor(t * 1000);
  const us = Math.round((t - Math.floor(t)) * 1e6) % 1000;
  const d = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  return `${d}${String(us).padStart(3, '0')}`;
}

/** Seconds with 3 decimals, '—' when unknown. */
export function fmtSec(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(3)} s`;
}

function more(t: Table.Table, n: number, cols: number, what: string): void {
  if (n > 0) t.push([{ colSpan: cols, content: `… ${n} more ${what} (see --json)` }]);
}

/** The ARP section as text: takeovers, conflicts, flip-flops, addresses, kinds, learning frames. */
export function renderArp(section: ArpSection, events: readonly TimelineEvent[], o: RenderOptions = {}): string {
  const limit = o.limit ?? 50;
  const out: string[] = [];
  const takeovers = events.filter((e) => e.kind === 'arp.takeover');
  if (takeovers.length) {
    const t = plainTable(['time', 'IP', 'old MAC → new MAC', 'silent before', 'GARPs', 'first traffic to new', 'stale hosts', 'note']);
    for (const e of takeovers.slice(0, limit)) {
      const garps = e.garps as number;
      const iv = (e.garpIntervals as number[]) ?? [];
      const lo = Math.min(...iv);
      const hi = Math.max(...iv);
      const spacing = iv.length ? (hi - lo < 0.001 ? `, every ${lo.toFixed(3)} s` : `, ${lo.toFixed(3)} … ${hi.toFixed(3)} s apart`) : '';
      const stale = (e.staleDetail as { mac: string; ip: string | null; until: number }[]) ?? [];
      const staleText = stale.length
        ? `${e.staleHosts} for ${fmtSec(e.staleFor as number)}\n` + stale.slice(0, 5).map((s) => `${s.ip ?? '?'} (${s.mac}) until ${fmtTime(s.until, o)}`).join('\n')
        : 'none';
      const first = e.firstTrafficToNew as number | null;
      const notes: string[] = [];
      if (e.virtual) notes.push(`${String(e.virtual).toUpperCase()} virtual address`);
      if (e.via === 'ip') notes.push('seen in IP traffic only: no ARP from the new owner');
      if (e.oldStillSending) notes.push('old MAC still sent from this IP afterwards');
      if (e.flipflop) notes.push('flip-flop');
      t.push([
        fmtTime(e.time, o),
        `${e.ip}${e.vlan ? ` vlan ${e.vlan}` : ''}`,
        `${e.fromMac} →\n${e.toMac}`,
        e.gap === null ? '—' : fmtSec(e.gap as number),
        garps ? `${garps} (${e.garpForm}${spacing})` : '0',
        first === null ? 'none seen' : `+${(first - e.time).toFixed(3)} s`,
        staleText,
        notes.join('; '),
      ]);
    }
    more(t, takeovers.length - limit, 8, 'takeovers');
    out.push(titled(`IP takeovers (${takeovers.length})`, t));
  }
  const odd = events.filter((e) => e.kind === 'arp.conflict' || e.kind === 'arp.flipflop');
  if (odd.length) {
    const t = plainTable(['time', 'kind', 'IP', 'MACs', 'duration', 'what']);
    for (const e of odd.slice(0, limit)) {
      const macs = e.kind === 'arp.conflict' ? (e.macs as string[]).join('\n') : `${e.fromMac} →\n${e.toMac}`;
      t.push([fmtTime(e.time, o), e.kind.slice(4), String(e.ip), macs, e.kind === 'arp.conflict' ? fmtSec(e.duration as number) : '—', e.text]);
    }
    more(t, odd.length - limit, 6, 'conflicts and flip-flops');
    out.push(titled(`ARP conflicts and flip-flops (${odd.length})`, t));
  }
  const ips = o.all ? section.ips : section.ips.filter((x) => x.owners.length > 1 || x.conflicts || x.multiMac || x.virtual || x.probes);
  if (ips.length) {
    const t = plainTable(['IP', 'owners (MAC from … to)', 'MACs seen', 'probes', 'announcements', 'notes']);
    for (const x of ips.slice(0, limit)) {
      const owners = x.owners.map((w) => `${w.mac} ${fmtTime(w.from, o)} … ${w.to === null ? 'end' : fmtTime(w.to, o)}${w.via === 'ip' ? ' (IP traffic)' : ''}`).join('\n');
      const notes: string[] = [];
      if (x.virtual) notes.push(`${x.virtual.toUpperCase()} virtual`);
      if (x.multiMac) notes.push('several MACs at once (team MAC replacement or duplicate)');
      if (x.conflicts) notes.push(`${x.conflicts} conflict(s)`);
      t.push([`${x.ip}${x.vlan ? ` vlan ${x.vlan}` : ''}`, owners || '—', String(x.macs.length), String(x.probes), String(x.announcements), notes.join('; ')]);
    }
    more(t, ips.length - limit, 6, 'addresses');
    out.push(titled(`Addresses${o.all ? '' : ' worth a look'} (${ips.length} of ${section.ipsTracked} tracked)`, t));
  }
  const kinds = Object.entries(section.kinds);
  if (kinds.length) {
    const t = plainTable(kinds.map(([k]) => k));
    t.push(kinds.map(([, n]) => String(n)));
    out.push(titled('ARP packets by kind', t));
  }
  if (section.learning.length) {
    const t = plainTable(['method', 'MAC', 'frames', 'first', 'last', 'interval min … max', 'interface']);
    for (const l of section.learning.slice(0, limit))
      t.push([
        l.method === 'rarp' ? 'RARP (Open vSwitch)' : '0x9000 (Linux alb/tlb)',
        l.mac,
        String(l.count),
        fmtTime(l.first, o),
        fmtTime(l.last, o),
        l.minInterval === null ? '—' : `${l.minInterval.toFixed(3)} … ${l.maxInterval!.toFixed(3)} s`,
        l.iface,
      ]);
    more(t, section.learning.length - limit, 7, 'MACs');
    out.push(titled('Learning frames', t));
  }
  if (out.length === 0) out.push('ARP: no ARP or address ownership to report.\n');
  return out.join('\n');
}
