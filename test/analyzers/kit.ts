// Test kit for the team analyzers: run frames through a Pipeline, read the shared captures, and
// build frames from the dissectors' encoders.
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import { Pipeline, type AnalysisResult } from '../../src/analyzers/pipeline.js';
import type { PipelineSettings } from '../../src/analyzers/context.js';

/** Path of a shared capture (../shared/captures/NAME relative to the repo root). */
export function sharedCapture(name: string): string {
  return resolve(process.cwd(), '../shared/captures', name);
}

/** Frames of a classic pcap file (µs or ns, either byte order) — enough for the tests' captures. */
export function pcapFrames(path: string, input = 0, id = input): Frame[] {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const ns = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const linkType = dv.getUint32(20, le) & 0xffff;
  const iface: InterfaceInfo = { id, input, index: 0, name: basename(path), linkType, snaplen: dv.getUint32(16, le), tsUnitsPerSec: ns ? 1e9 : 1e6, tsOffset: 0 };
  const out: Frame[] = [];
  let o = 24;
  let index = 0;
  while (o + 16 <= b.length) {
    const sec = dv.getUint32(o, le);
    const frac = dv.getUint32(o + 4, le);
    const caplen = dv.getUint32(o + 8, le);
    const origLen = dv.getUint32(o + 12, le);
    if (o + 16 + caplen > b.length) break;
    out.push({ buf: b, off: o + 16, caplen, origLen, sec, nsec: ns ? frac : frac * 1000, iface, index: ++index, fileOffset: o, ifindex: -1 });
    o += 16 + caplen;
  }
  return out;
}

/** Analyse frames (already in time order) with the given settings. */
export function analyzeFrames(frames: Iterable<Frame>, settings: Partial<PipelineSettings> = {}, files: string[] = []): AnalysisResult {
  const p = new Pipeline(settings);
  files.forEach((f, i) => p.setInput(i, { file: f, format: 'pcap' }));
  for (const f of frames) p.feed(f);
  return p.finish();
}

/** Epoch seconds of a tcpdump-style UTC time 'YYYY-MM-DD hh:mm:ss.ffffff'. */
export function utc(text: string): number {
  const [d, t] = text.split(' ');
  const [hms, frac = '0'] = t!.split('.');
  return Date.parse(`${d}T${hms}Z`) / 1000 + Number(`0.${frac}`);
}
