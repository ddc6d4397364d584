// Test frames: a Frame over a Uint8Array with a fake InterfaceInfo (SPEC "Tests"), so a test can
// hand any bytes to registry.dissect() or a dissector's decode() exactly as a reader would.
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import { LinkType } from '../../src/capture/frame.js';

/** Options of frameOf; every one has a harmless default. */
export interface FrameOptions {
  /** Link type of the fake interface (default 1, Ethernet). */
  linkType?: number;
  /** Captured length (default: all of `bytes`). Bytes past it are not copied into the frame. */
  caplen?: number;
  /** Length on the wire (default: max(caplen, bytes.length)). */
  origLen?: number;
  sec?: number;
  nsec?: number;
  /** 1-based frame number (default 1). */
  index?: number;
  /** SLL2 interface index carried per packet (default -1). */
  ifindex?: number;
  /** Bytes placed before the frame in its buffer (default 0): proves offsets are absolute. */
  lead?: number;
  /** Bytes placed after the captured bytes (default 0): proves nothing reads past caplen. */
  tail?: number;
  /** Value of the lead and tail bytes (default 0xee). */
  fill?: number;
  /** Interface name (default 'test0'). */
  name?: string;
}

/** A fake capture interface (one classic pcap file with the given link type). */
export function fakeInterface(linkType: number = LinkType.ETHERNET, name = 'test0'): InterfaceInfo {
  return { id: 0, input: 0, index: 0, name, linkType, snaplen: 262144, tsUnitsPerSec: 1e9, tsOffset: 0 };
}

/** A Frame holding `bytes` (cut to `caplen`), ready for registry.dissect(). */
export function frameOf(bytes: Uint8Array | readonly number[], opts: FrameOptions = {}): Frame {
  const src = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  const caplen = Math.min(opts.caplen ?? src.length, src.length);
  const origLen = opts.origLen ?? Math.max(caplen, src.length);
  const lead = opts.lead ?? 0;
  const tail = opts.tail ?? 0;
  const buf = new Uint8Array(lead + caplen + tail);
  if (lead + tail > 0) buf.fill(opts.fill ?? 0xee);
  buf.set(src.subarray(0, caplen), lead);
  return {
    buf,
    off: lead,
    caplen,
    origLen,
    sec: opts.sec ?? 0,
    nsec: opts.nsec ?? 0,
    iface: fakeInterface(opts.linkType ?? LinkType.ETHERNET, opts.name),
    index: opts.index ?? 1,
    fileOffset: 0,
    ifindex: opts.ifindex ?? -1,
  };
}

/** Bytes from a hex string; whitespace, ':' and '.' separators are ignored. */
export function hexBytes(hex: string): Uint8Array {
  const h = hex.replace(/[\s:.]/g, '');
  if (h.length % 2 !== 0 || /[^0-9a-f]/i.test(h)) throw new Error(`hexBytes: not hex: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenate byte arrays (building test frames layer by layer from encoders). */
export function concat(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p instanceof Uint8Array ? p : Uint8Array.from(p), o);
    o += p.length;
  }
  return out;
}
