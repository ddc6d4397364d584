// `teamscope info CAPTURE...`: what is in a capture, like capinfos: format, byte order, compression,
// interfaces, packet count, times, bytes, rates, a protocol breakdown and per-frame problems.
import type { Command } from 'commander';
import { registry } from '../../dissectors/index.js';
import { linkTypeNames, type InterfaceInfo } from '../capture/frame.js';
import { utcText } from '../report/dissect.js';
import { ExitCode, Output, action, applyDecodeAs, collect, openInputs, say, setExitCode, type InputMeta } from './common.js';
import { Option } from 'commander';

/** Link type names for people (tcpdump's DLT names are in linkTypeNames). */
const LINK_TITLES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  101: 'Raw IP',
  113: 'Linux cooked v1 (SLL)',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

/** A link type as 'Ethernet (EN10MB, 1)'. */
export function linkTypeText(lt: number): string {
  const t = LINK_TITLES[lt];
  const n = linkTypeNames[lt];
  return t ? `${t} (${n ?? 'DLT'}, ${lt})` : `unknown (${lt})`;
}

/** Timestamp resolution as text: '1 µs', '1 ns', '2^-20 s'. */
export function tsresolText(unitsPerSec: number): string {
  const k = Math.round(Math.log10(unitsPerSec));
  if (10 ** k === unitsPerSec) return k === 0 ? '1 s' : k === 3 ? '1 ms' : k === 6 ? '1 µs' : k === 9 ? '1 ns' : `1e-${k} s`;
  const b = Math.round(Math.log2(unitsPerSec));
  return 2 ** b === unitsPerSec ? `2^-${b} s` : `1/${unitsPerSec} s`;
}

/** Per-interface counts. */
interface IfaceStats {
  iface: InterfaceInfo;
  packets: number;
}

/** Everything `info` learns about one input (the --json value of `inputs[]`). */
export interface InfoResult {
  file: string;
  format: string;
  byteOrder: string;
  compressed: boolean;
  /** Size of the file on disk (compressed size for gzip), null for stdin and pipes. */
  fileSize: number | null;
  sections: number;
  /** pcapng section headers: byte order, version, shb_hardware / shb_os / shb_userappl when present. */
  sectionInfo: { littleEndian: boolean; version: string; offset: number; hardware?: string; os?: string; application?: string }[];
  interfaces: {
    id: number;
    index: number;
    name: string;
    description?: string;
    linkType: number;
    linkTypeName: string;
    snaplen: number;
    tsresol: string;
    tsUnitsPerSec: number;
    tsOffset: number;
    packets: number;
  }[];
  linkTypes: number[];
  packets: number;
  /** Sum of captured lengths and of on-wire lengths. */
  bytes: number;
  wireBytes: number;
  first: number | null;
  last: number | null;
  firstText: string | null;
  lastText: string | null;
  duration: number | null;
  bytesPerSec: number | null;
  bitsPerSec: number | null;
  packetsPerSec: number | null;
  avgPacketSize: number | null;
  /** Frames cut by the snaplen (caplen < original length). */
  cutFrames: number;
  /** Frames earlier than a frame before them in the file. */
  outOfOrder: number;
  /** Packets per protocol layer name (each layer counted once per packet it occurs in). */
  protocols: Record<string, number>;
  /** Per-frame problems by id: count and the first frame. */
  problems: { id: string; kind: string; severity: string; count: number; firstFrame: number; message: string }[];
  /** Why reading stopped early, when it did (names the file, byte offset and what was expected). */
  error: string | null;
}

/** Collects the numbers of one input while its frames stream by. */
class InputStats {
  packets = 0;
  bytes = 0;
  wireBytes = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  maxSec = -Infinity;
  maxNsec = 0;
  minSec = Infinity;
  minNsec = 0;
  cut = 0;
  outOfOrder = 0;
  readonly protocols = new Map<string, number>();
  readonly problems = new Map<string, { id: string; kind: string; severity: string; count: number; firstFrame: number; message: string }>();
  readonly ifaces = new Map<number, IfaceStats>();
}

function secs(sec: number, nsec: number): number {
  return sec + nsec / 1e9;
}

function timeText(sec: number, nsec: number, digits: number): string {
  return `${utcText(sec)}${digits ? '.' + String(nsec).padStart(9, '0').slice(0, digits) : ''} UTC`;
}

/** Read every input once and summarise it. */
export async function collectInfo(files: string[], decodeAs?: string[]): Promise<{ results: InfoResult[]; metas: InputMeta[] }> {
  applyDecodeAs(decodeAs, registry);
  const feed = await openInputs(files, { merge: false });
  const stats = feed.inputs.map(() => new InputStats());
  // Only names, counts and problem texts are kept from a packet: one reusing decoder serves every frame.
  const decoder = registry.decoder();
  try {
    for await (const batch of feed.batches()) {
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const s = stats[f.iface.input]!;
        if (s.packets === 0) {
          s.firstSec = f.sec;
          s.firstNsec = f.nsec;
        } else if (f.sec < s.lastSec || (f.sec === s.lastSec && f.nsec < s.lastNsec)) s.outOfOrder++;
        s.packets++;
        s.lastSec = f.sec;
        s.lastNsec = f.nsec;
        if (f.sec < s.minSec || (f.sec === s.minSec && f.nsec < s.minNsec)) {
          s.minSec = f.sec;
          s.minNsec = f.nsec;
        }
        if (f.sec > s.maxSec || (f.sec === s.maxSec && f.nsec > s.maxNsec)) {
          s.maxSec = f.sec;
          s.maxNsec = f.nsec;
        }
        s.bytes += f.caplen;
        s.wireBytes += f.origLen;
        if (f.caplen < f.origLen) s.cut++;
        let is = s.ifaces.get(f.iface.id);
        if (!is) s.ifaces.set(f.iface.id, (is = { iface: f.iface, packets: 0 }));
        is.packets++;
        const pkt = decoder.decode(f);
        const ls = pkt.layers;
        for (let j = 0; j < ls.length; j++) {
          const name = ls[j]!.layer;
          // A layer repeated in one packet (QinQ tags) counts once.
          let dup = false;
          for (let k = 0; k < j; k++) if (ls[k]!.layer === name) dup = true;
          if (!dup) s.protocols.set(name, (s.protocols.get(name) ?? 0) + 1);
        }
        if (pkt.rawOff < pkt.rawEnd) s.protocols.set('data', (s.protocols.get('data') ?? 0) + 1);
        for (const p of pkt.problems) {
          const e = s.problems.get(p.id);
          if (e) e.count++;
          else s.problems.set(p.id, { id: p.id, kind: p.kind, severity: p.severity, count: 1, firstFrame: f.index, message: p.message });
        }
      }
    }
  } finally {
    await feed.close();
  }
  const errors = new Map<string, string>();
  for (const p of feed.problems) errors.set(p.file, p.message);
  const results = feed.inputs.map((m, i): InfoResult => {
    const s = stats[i]!;
    const digits = Math.max(0, ...m.interfaces.map((x) => Math.min(9, Math.ceil(Math.log10(x.tsUnitsPerSec) - 1e-9))));
    const has = s.packets > 0;
    const first = has ? secs(s.minSec, s.minNsec) : null;
    const last = has ? secs(s.maxSec, s.maxNsec) : null;
    // Exact duration from integer parts.
    const duration = has ? s.maxSec - s.minSec + (s.maxNsec - s.minNsec) / 1e9 : null;
    const rate = (x: number) => (duration && duration > 0 ? x / duration : null);
    return {
      file: m.file,
      format: m.format,
      byteOrder: m.byteOrder,
      compressed: m.compressed,
      fileSize: m.size >= 0 ? m.size : null,
      sections: m.sections,
      sectionInfo: m.sectionInfo.map((x) => ({
        littleEndian: x.littleEndian,
        version: `${x.versionMajor}.${x.versionMinor}`,
        offset: x.offset,
        ...(x.hardware !== undefined ? { hardware: x.hardware } : {}),
        ...(x.os !== undefined ? { os: x.os } : {}),
        ...(x.application !== undefined ? { application: x.application } : {}),
      })),
      interfaces: m.interfaces.map((x) => ({
        id: x.id,
        index: x.index,
        name: x.name,
        ...(x.description !== undefined ? { description: x.description } : {}),
        linkType: x.linkType,
        linkTypeName: linkTypeNames[x.linkType] ?? String(x.linkType),
        snaplen: x.snaplen,
        tsresol: tsresolText(x.tsUnitsPerSec),
        tsUnitsPerSec: x.tsUnitsPerSec,
        tsOffset: x.tsOffset,
        packets: s.ifaces.get(x.id)?.packets ?? 0,
      })),
      linkTypes: [...new Set(m.interfaces.map((x) => x.linkType))],
      packets: s.packets,
      bytes: s.bytes,
      wireBytes: s.wireBytes,
      first,
      last,
      firstText: has ? timeText(s.minSec, s.minNsec, digits) : null,
      lastText: has ? timeText(s.maxSec, s.maxNsec, digits) : null,
      duration,
      bytesPerSec: rate(s.bytes),
      bitsPerSec: rate(s.bytes * 8),
      packetsPerSec: rate(s.packets),
      avgPacketSize: has ? s.bytes / s.packets : null,
      cutFrames: s.cut,
      outOfOrder: s.outOfOrder,
      // Most frequent first; ties in the order first seen (outer layers first).
      protocols: Object.fromEntries([...s.protocols].sort((a, b) => b[1] - a[1])),
      problems: [...s.problems.values()].sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)),
      error: errors.get(m.file) ?? null,
    };
  });
  return { results, metas: feed.inputs };
}

function num(x: number | null, digits = 2): string {
  if (x === null) return 'n/a';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** capinfos-like text for one input. */
export function renderInfo(r: InfoResult): string {
  const rows: [string, string][] = [];
  rows.push(['File name', r.file]);
  rows.push(['File format', `${r.format}${r.sections > 1 ? `, ${r.sections} sections` : ''}`]);
  rows.push(['Byte order', r.byteOrder]);
  const first = r.sectionInfo[0];
  if (first?.application) rows.push(['Capture application', first.application]);
  if (first?.os) rows.push(['Capture OS', first.os]);
  if (first?.hardware) rows.push(['Capture hardware', first.hardware]);
  rows.push(['Compression', r.compressed ? 'gzip' : 'none']);
  if (r.fileSize !== null) rows.push(['File size', `${num(r.fileSize, 0)} bytes`]);
  rows.push(['Link types', r.linkTypes.map(linkTypeText).join(', ') || 'none']);
  rows.push(['Interfaces', String(r.interfaces.length)]);
  rows.push(['Packets', num(r.packets, 0)]);
  rows.push(['Bytes captured', num(r.bytes, 0)]);
  rows.push(['Bytes on wire', num(r.wireBytes, 0)]);
  rows.push(['First packet', r.firstText ?? 'n/a']);
  rows.push(['Last packet', r.lastText ?? 'n/a']);
  rows.push(['Duration', r.duration === null ? 'n/a' : `${r.duration.toFixed(6)} s`]);
  rows.push(['Data rate', r.bytesPerSec === null ? 'n/a' : `${num(r.bytesPerSec)} bytes/s, ${num(r.bitsPerSec)} bits/s`]);
  rows.push(['Packet rate', r.packetsPerSec === null ? 'n/a' : `${num(r.packetsPerSec)} packets/s`]);
  rows.push(['Average packet size', r.avgPacketSize === null ? 'n/a' : `${num(r.avgPacketSize)} bytes`]);
  rows.push(['Frames cut by snaplen', num(r.cutFrames, 0)]);
  rows.push(['Out-of-order frames', num(r.outOfOrder, 0)]);
  const w = Math.max(...rows.map(([k]) => k.length)) + 1;
  let out = rows.map(([k, v]) => `${(k + ':').padEnd(w)} ${v}\n`).join('');
  for (const i of r.interfaces) {
    out += `Interface ${i.index}: ${i.name}${i.description ? ` (${i.description})` : ''}\n`;
    out += `    link type ${linkTypeText(i.linkType)}, snaplen ${i.snaplen}, tsresol ${i.tsresol}${i.tsOffset ? `, tsoffset ${i.tsOffset} s` : ''}, ${num(i.packets, 0)} packets\n`;
  }
  const protos = Object.entries(r.protocols);
  if (protos.length > 0) {
    out += 'Protocols (packets containing each layer):\n';
    const pw = Math.max(...protos.map(([k]) => k.length));
    const cw = Math.max(...protos.map(([, v]) => num(v, 0).length));
    for (const [k, v] of protos) out += `    ${k.padEnd(pw)}  ${num(v, 0).padStart(cw)}  ${((100 * v) / Math.max(1, r.packets)).toFixed(1).padStart(5)}%\n`;
  }
  if (r.problems.length > 0) {
    out += 'Problems (per-frame expert info):\n';
    for (const p of r.problems) out += `    ${p.severity} ${p.id}: ${num(p.count, 0)} frame${p.count === 1 ? '' : 's'}, first frame ${p.firstFrame} (${p.message})\n`;
  } else out += 'Problems: none\n';
  if (r.error) out += `Read error: ${r.error}\n`;
  return out;
}

/** Add the `info` command to `program`. */
export function registerInfo(program: Command): Command {
  return program
    .command('info')
    .description('what is in a capture (like capinfos): format, interfaces, counts, times, rates, protocols, problems')
    .argument('<capture...>', 'pcap or pcapng files, gzip-compressed or not (- for stdin)')
    .option('--json', 'print {"schema":1,"inputs":[...]} as JSON')
    .addOption(new Option('--decode-as <rule>', 'decode TABLE=KEY as PROTO for the protocol breakdown (repeatable)').argParser(collect))
    .action(
      action(async (files: string[], opts: { json?: boolean; decodeAs?: string[] }) => {
        const { results } = await collectInfo(files, opts.decodeAs);
        const out = new Output();
        if (opts.json) out.write(JSON.stringify({ schema: 1, inputs: results }, null, 2) + '\n');
        else out.write(results.map(renderInfo).join('\n'));
        await out.end();
        for (const r of results) {
          if (!r.error) continue;
          say(r.error);
          setExitCode(ExitCode.PARTIAL);
        }
      }),
    );
}
