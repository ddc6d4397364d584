// Differential conformance against tshark: every field whose FieldDesc names a tshark field is compared,
// frame by frame, with what tshark printed for the same bytes (SPEC "Tests"). Names in FieldDesc.tshark
// may end in '#i' (the i-th occurrence of that field in the frame, '#-1' the last); without it, the k-th
// layer of a protocol takes the k-th occurrence.
import type { FieldDesc, LayerMeta, Packet } from '../../dissectors/core.js';
import { hexText, ipv4Text, macText } from '../../dissectors/core.js';
import type { Registry } from '../../dissectors/registry.js';
import type { TsharkFrame } from './tshark.js';

/** Other names tshark uses for the same field in other circumstances (802.3 length, non-Ethernet ARP...). */
export const tsharkAliases: Readonly<Record<string, readonly string[]>> = {
  'eth.type': ['eth.len'],
  'llc.pid': ['llc.type'],
  'vlan.etype': ['vlan.len'],
  'sll.etype': ['sll.ltype'],
  'arp.src.hw_mac': ['arp.src.hw'],
  'arp.dst.hw_mac': ['arp.dst.hw'],
  'arp.src.proto_ipv4': ['arp.src.proto'],
  'arp.dst.proto_ipv4': ['arp.dst.proto'],
};

/** Options of compareWithTshark. */
export interface CompareOptions {
  /** Rename a tshark field for one layer (e.g. 802.1ad tags use 'ieee8021ad.*'). */
  rename?: (name: string, layer: LayerMeta, index: number, pkt: Packet) => string;
  /** Return a reason to skip one field of one layer (documented tshark difference), else null. */
  skip?: (desc: FieldDesc, layer: LayerMeta, pkt: Packet) => string | null;
}

/** Our value as the canonical text compared with tshark's; null when the field is absent. */
export function ourText(desc: FieldDesc, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  switch (desc.kind) {
    case 'mac':
      return typeof v === 'number' && v >= 0 ? macText(v) : null;
    case 'ipv4':
      return typeof v === 'number' && v >= 0 ? ipv4Text(v) : null;
    case 'uint':
    case 'flags':
    case 'number':
      return typeof v === 'number' && v >= 0 ? String(v) : null;
    case 'bool':
      return v ? '1' : '0';
    case 'bytes':
      return v instanceof Uint8Array && v.length > 0 ? hexText(v) : null;
    default:
      return null;
  }
}

/** tshark's printed value in the same canonical text as ourText, given our value's text for widths. */
export function theirText(desc: FieldDesc, s: string, ours: string | null): string {
  const t = s.trim();
  switch (desc.kind) {
    case 'mac':
      return t.toLowerCase();
    case 'ipv4':
      if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) return t;
      return t.includes(':') ? ipv4Text(parseInt(t.replace(/:/g, ''), 16) >>> 0) : t;
    case 'uint':
    case 'flags':
    case 'number':
    case 'bool':
      if (t === 'True') return '1';
      if (t === 'False') return '0';
      if (/^0x[0-9a-f]+$/i.test(t)) return String(parseInt(t, 16));
      return t;
    case 'bytes':
      if (/^\d+$/.test(t) || /^0x[0-9a-f]+$/i.test(t)) return BigInt(t).toString(16).padStart(ours?.length ?? 0, '0');
      return t.replace(/:/g, '').toLowerCase();
    default:
      return t;
  }
}

function pick(frame: TsharkFrame, name: string): { name: string; values: readonly string[] } | null {
  const v = frame.fields.get(name);
  if (v) return { name, values: v };
  for (const a of tsharkAliases[name] ?? []) {
    const w = frame.fields.get(a);
    if (w) return { name: a, values: w };
  }
  return null;
}

/**
 * Compare every tshark-named field of every decoded layer with tshark's values; returns the
 * differences as readable lines (empty = conformant). Flags fields also compare each named bit when
 * tshark prints `<name>.<flag>`.
 */
export function compareWithTshark(pkt: Packet, frame: TsharkFrame, reg: Registry, opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const seen = new Map<string, number>();
  pkt.layers.forEach((layer, index) => {
    const d = reg.get(layer.layer);
    if (!d) return;
    const rec = layer as unknown as Record<string, unknown>;
    for (const desc of d.fields) {
      if (!desc.tshark) continue;
      const why = opts.skip?.(desc, layer, pkt);
      if (why) continue;
      const m = /^(.*?)(?:#(-?\d+))?$/.exec(desc.tshark)!;
      const base = opts.rename ? opts.rename(m[1]!, layer, index, pkt) : m[1]!;
      const found = pick(frame, base);
      const ours = ourText(desc, rec[desc.name]);
      const where = `frame ${frame.number} ${layer.layer}.${desc.name} (${base})`;
      if (!found) {
        if (ours !== null) diffs.push(`${where}: ours ${ours}, tshark has no such field`);
        continue;
      }
      let i: number;
      if (m[2] !== undefined) {
        i = Number(m[2]);
        if (i < 0) i += found.values.length;
      } else {
        i = seen.get(found.name) ?? 0;
        seen.set(found.name, i + 1);
      }
      const raw = found.values[i];
      if (raw === undefined) {
        if (ours !== null) diffs.push(`${where}: ours ${ours}, tshark has only ${found.values.length} occurrence(s)`);
        continue;
      }
      const theirs = theirText(desc, raw, ours);
      if (ours === null) diffs.push(`${where}: ours absent, tshark ${raw}`);
      else if (ours !== theirs) diffs.push(`${where}: ours ${ours}, tshark ${raw}`);
      if (desc.flags && ours !== null) {
        for (const f of desc.flags) {
          const fv = frame.fields.get(`${found.name}.${f.name}`)?.[m[2] !== undefined ? 0 : i];
          if (fv === undefined) continue;
          const bit = (Number(ours) & f.mask) !== 0 ? '1' : '0';
          if (theirText({ ...desc, kind: 'bool' }, fv, null) !== bit) diffs.push(`${where}.${f.name}: ours ${bit}, tshark ${fv}`);
        }
      }
    }
  });
  return diffs;
}
