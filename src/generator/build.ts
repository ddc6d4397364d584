// Compose one frame from a stack of [dissector, fields] through the dissectors' own encoders (never
// a second serializer; DESIGN.md "Generator", STYLE.md principle 8). The builder only fills what a
// layer cannot know by itself: the parent's child-key field (Dissector.child + registry.keyOf, as
// Scapy's layer binding does), and the transport checksums that need the IP pseudo-header (through
// the helpers the udp/tcp/vrrp dissectors export). Lengths and IPv4 header checksums are computed by
// the encoders when the fields leave them out.
import type { Dissector } from '../../dissectors/core.js';
import { registry as defaultRegistry } from '../../dissectors/index.js';
import type { Registry } from '../../dissectors/registry.js';
import { setTcpChecksum } from '../../dissectors/tcp.js';
import { setUdpChecksum } from '../../dissectors/udp.js';

/** One layer of a frame to build: the dissector and its encoder input. */
export type StackLayer = readonly [Dissector<any, any>, object];

/** A frame to build, outermost layer first (e.g. eth, vlan, ipv4, udp, mscs). */
export type Stack = readonly StackLayer[];

/** Options of buildFrame. */
export interface BuildOptions {
  /** Registry whose tables give the child keys (default: the filled registry of dissectors/index.js). */
  registry?: Registry;
  /** Pad the frame with zeros to this length (60: the Ethernet minimum without FCS, as seen on receivers). */
  minLength?: number;
  /** The field objects are the caller's own throw-away literals: fill child keys in place (no copy). */
  inPlace?: boolean;
}

/** Child keys of the default registry, per parent dissector then child dissector. */
const childKeyCache = new WeakMap<object, WeakMap<object, number>>();

/** The key under which `child` is registered in the parent's child table (cached), or throw when there is none. */
function childKey(reg: Registry, parent: Dissector<any, any>, child: Dissector<any, any>): number {
  const table = parent.child!.table;
  const cacheable = reg === defaultRegistry;
  let inner = cacheable ? childKeyCache.get(parent) : undefined;
  let k = inner?.get(child);
  if (k === undefined) {
    k = reg.keyOf(table, child.name);
    if (k === undefined) throw new Error(`buildFrame: '${child.name}' is not registered in table '${table}' under '${parent.name}'; give ${parent.name}.${parent.child!.field} explicitly`);
    if (cacheable) {
      if (!inner) childKeyCache.set(parent, (inner = new WeakMap()));
      inner.set(child, k);
    }
  }
  return k;
}

/** The nearest IP layer below index `i` (its source and destination), for pseudo-header checksums. */
function ipBelow(stack: Stack, i: number): { src: number | Uint8Array; dst: number | Uint8Array } | null {
  for (let j = i - 1; j >= 0; j--) {
    const [d, f] = stack[j]!;
    if (d.name === 'ipv4' || d.name === 'ipv6') {
      const r = f as { src: number | Uint8Array; dst: number | Uint8Array };
      return { src: r.src, dst: r.dst };
    }
  }
  return null;
}

/** Observer of every frame built (tests: the intended field values of each frame); null = off. */
let recorder: ((stack: Stack, frame: Uint8Array) => void) | null = null;

/** Record every frame built from now on (tests compare tshark's reading with the intended values); null stops. */
export function recordBuilds(fn: ((stack: Stack, frame: Uint8Array) => void) | null): void {
  recorder = fn;
}

/**
 * Encode `stack` (outermost first) around `payload` into one frame. A parent whose child-key field
 * (e.g. eth.type, ipv4.protocol, slow.subtype) is undefined gets the key its child is registered
 * under; UDP/TCP checksums left undefined are computed over the IP pseudo-header (IPv6 requires one);
 * a VRRPv3 layer without `pseudo` gets the IP addresses below it.
 */
export function buildFrame(stack: Stack, payload?: Uint8Array, opts: BuildOptions = {}): Uint8Array {
  const reg = opts.registry ?? defaultRegistry;
  let bytes = payload;
  for (let i = stack.length - 1; i >= 0; i--) {
    const [d, f0] = stack[i]!;
    let f = f0 as Record<string, unknown>;
    const below = stack[i + 1];
    if (d.child && below && f[d.child.field] === undefined) {
      const key = childKey(reg, d, below[0]);
      if (opts.inPlace) f[d.child.field] = key;
      else f = { ...f, [d.child.field]: key };
    }
    if (d.name === 'vrrp' && f.pseudo === undefined && (f.version === 3 || f.version === undefined)) {
      const ip = ipBelow(stack, i);
      if (ip) f = { ...f, pseudo: ip };
    }
    const out: Uint8Array = d.encode(f, bytes);
    if ((d.name === 'udp' || d.name === 'tcp') && f.checksum === undefined) {
      const ip = ipBelow(stack, i);
      if (ip) {
        if (d.name === 'udp') setUdpChecksum(out, ip.src, ip.dst);
        else setTcpChecksum(out, ip.src, ip.dst);
      }
    }
    bytes = out;
  }
  if (!bytes) return new Uint8Array(0);
  const min = opts.minLength ?? 0;
  if (bytes.length < min) {
    const padded = new Uint8Array(min);
    padded.set(bytes);
    bytes = padded;
  }
  if (recorder) recorder(stack, bytes);
  return bytes;
}

/** A zero-filled payload of `n` bytes (a view of one shared buffer: encoders copy it, never keep it). */
export function zeroPayload(n: number): Uint8Array {
  if (n > ZEROS.length) return new Uint8Array(n);
  return ZEROS.subarray(0, n);
}
const ZEROS = new Uint8Array(65536);
