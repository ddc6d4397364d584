// Live capture through libpcap with the optional `cap` package: several interfaces at once, each
// one capture interface (team member), frames copied out of cap's reused buffer into Frames.
// Also the sending side (`replay`): frames put on the wire with pcap_sendpacket through cap.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame, InterfaceInfo } from './frame.js';
import { LinkType, newFrame } from './frame.js';
import type { InterfaceTable } from './interfaces.js';

/** Why live capture or sending could not start; `message` is one line meant for the user. */
export type LiveErrorCode = 'no-libpcap' | 'no-such-interface' | 'no-permission' | 'bad-filter' | 'open-failed' | 'send-failed';

/** A live-capture failure with a one-line message and the interfaces that do exist. */
export class LiveError extends Error {
  override readonly name = 'LiveError';
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    /** The capture devices libpcap knows on this machine (for the message and for callers). */
    readonly available: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The part of cap's native `Cap` object teamscope uses (cap 0.2.x, lib/Cap.js + src/binding.cc). */
export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  send(buffer: Buffer, nBytes?: number): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** A device as cap's `Cap.deviceList()` describes it. */
export interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string }[];
  flags?: string;
}

/** cap's module surface: the constructor and its static device list. */
export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** Where teamscope is installed (the folder with its package.json), for the install hint. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'teamscope') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

/**
 * The one-line message for a failed `import('cap')`. Checked on Debian 12 with npm 10: when the
 * libpcap headers are missing at install time, cap's node-gyp build fails and npm drops the
 * optional package, so the import fails with ERR_MODULE_NOT_FOUND ("Cannot find package 'cap'")
 * and `npm rebuild` has nothing to rebuild; an installed cap whose native part cannot load (the
 * shared libpcap is gone, or Node was upgraded under it) needs `npm rebuild cap` instead.
 */
export function capLoadHint(err: unknown, root = packageRoot()): string {
  const e = err as { code?: string; message?: string } | null;
  const msg = String(e?.message ?? err).split('\n')[0]!.trim();
  const missing = e?.code === 'ERR_MODULE_NOT_FOUND' && /['"]cap['"]/.test(msg);
  const fix = missing
    ? `apt-get install libpcap-dev && (cd ${root} && npm install cap)`
    : `apt-get install libpcap-dev && (cd ${root} && npm rebuild cap)`;
  return `live capture needs libpcap and the optional 'cap' package, which ${missing ? 'is not installed (its build needs the libpcap headers)' : `did not load (${msg})`}; install them with: ${fix}`;
}

let capModule: CapModule | null = null;

/** Load `cap` (optional dependency); throws LiveError('no-libpcap') with the exact install command. */
export async function loadCap(importer: () => Promise<unknown> = () => import('cap' as string)): Promise<CapModule> {
  if (capModule) return capModule;
  let mod: unknown;
  try {
    mod = await importer();
  } catch (err) {
    throw new LiveError('no-libpcap', capLoadHint(err));
  }
  const m = ((mod as { default?: unknown }).default ?? mod) as CapModule;
  if (typeof m?.Cap !== 'function' || typeof m.Cap.deviceList !== 'function') {
    throw new LiveError('no-libpcap', capLoadHint(new Error('the cap package has no Cap.deviceList()')));
  }
  capModule = m;
  return m;
}

/**
 * Every cap object this process creates, kept referenced until the process exits. cap 0.2.1's
 * native destructor must never run: when V8 garbage-collects a Cap object, ~Pcap emits an async
 * "destroy" from inside the GC weak callback and Node segfaults (seen here: SIGSEGV in
 * node::AsyncWrap::EmitDestroy from Pcap::~Pcap during a scavenge, after a capture was closed);
 * and for an object whose open() failed it calls uv_poll_stop on a poll handle it never
 * initialised, which aborts ("uv_poll_stop: Assertion ... failed"). A few objects per
 * interface opened are a small price.
 */
const keptHandles: CapHandle[] = [];

/** A new cap object that is never garbage-collected (see keptHandles). */
function newHandle(cap: CapModule): CapHandle {
  const h = new cap.Cap();
  keptHandles.push(h);
  return h;
}

/** Names of the capture devices libpcap can see (cap's Cap.deviceList()); /sys/class/net if that fails. */
export function listDevices(cap: CapModule): string[] {
  try {
    const names = cap.Cap.deviceList().map((d) => d.name);
    if (names.length) return names;
  } catch {
    // pcap_findalldevs failed: fall back to the kernel's list
  }
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

function availableText(devs: readonly string[]): string {
  return devs.length ? devs.join(', ') : '(none found)';
}

/** cap's link-type word → LINKTYPE_ number (binding.cc maps DLT values to these words). */
export function linkTypeOf(word: string): number {
  switch (word) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW':
      return LinkType.RAW;
    case 'LINKTYPE_LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      return 127;
    default: {
      const m = /Unknown linktype (\d+)/.exec(word);
      return m ? Number(m[1]) : -1;
    }
  }
}

/** The interface's MAC from sysfs when it is an Ethernet device (ARPHRD_ETHER), else null. */
function ethernetMac(device: string): string | null {
  try {
    const type = readFileSync(`/sys/class/net/${device}/type`, 'utf8').trim();
    if (type !== '1') return null;
    const mac = readFileSync(`/sys/class/net/${device}/address`, 'utf8').trim();
    return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) ? mac : null;
  } catch {
    return null;
  }
}

/**
 * The BPF filter actually installed. cap 0.2.1 always opens in promiscuous mode (binding.cc calls
 * pcap_set_promisc(1)), so `promiscuous: false` keeps what the host itself would see: multicast
 * and broadcast, unicast to its own MAC, and what it sends from its own MAC. (libpcap's
 * `outbound` would be the natural test for the last part, but here it made the whole filter
 * match nothing — seen with libpcap 1.10.3 on Linux 6.18 — so the source MAC stands in for it.)
 */
export function effectiveFilter(filter: string, promiscuous: boolean, mac: string | null): string {
  const user = filter.trim();
  if (promiscuous || !mac) return user;
  const own = `(ether multicast or ether dst ${mac} or ether src ${mac})`;
  return user ? `${own} and (${user})` : own;
}

/** One-line message for a failed open, by what libpcap said. */
function openError(device: string, filter: string, err: unknown, available: readonly string[]): LiveError {
  const msg = String((err as Error)?.message ?? err).trim();
  if (/permission|not permitted|EPERM|EACCES/i.test(msg)) {
    return new LiveError(
      'no-permission',
      `no permission to capture on ${device} (${msg}): run as root or give node CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(command -v node)")"); interfaces: ${availableText(available)}`,
      available,
    );
  }
  if (/no such device|doesn't exist|does not exist/i.test(msg)) {
    return new LiveError('no-such-interface', `no such interface '${device}'; interfaces: ${availableText(available)}`, available);
  }
  if (filter && /syntax|filter|expression|parse|unknown|illegal|can't|not supported|ether/i.test(msg)) {
    return new LiveError('bad-filter', `bad capture filter '${filter}' on ${device}: ${msg}`, available);
  }
  return new LiveError('open-failed', `cannot capture on ${device}: ${msg}`, available);
}

/** Largest snapshot length cap can deliver (binding.cc sets pcap_set_snaplen(65535)). */
export const CAP_MAX_SNAPLEN = 65535;

/** Options of a live capture. */
export interface LiveOptions {
  /** Device names (`eth0`, `any`, ...), one capture interface each. */
  interfaces: readonly string[];
  /** BPF filter (pcap-filter(7)), applied on every interface. */
  filter?: string;
  /** Bytes kept per frame (≤ 65535, cap's own limit). Default 65535. */
  snaplen?: number;
  /** Default true; false keeps only what the host itself would receive (see effectiveFilter). */
  promiscuous?: boolean;
  /** libpcap's kernel buffer per interface, bytes. Default 4 MiB. */
  bufferSize?: number;
  /** Input index stamped on frames and interfaces (default 0: the live session is one input). */
  input?: number;
  /** Id of the first interface (default 0); ignored when `table` is given. */
  firstId?: number;
  /** Register the live interfaces here (global ids shared with files opened in the same run). */
  table?: InterfaceTable;
  /** Epoch milliseconds now (float); default performance.timeOrigin + performance.now(). */
  clock?: () => number;
  /** Use this cap module instead of importing `cap` (tests). */
  cap?: CapModule;
}

/** Per-interface counters of a live capture. */
export interface LiveStats {
  frames: number;
  bytes: number;
  perInterface: { name: string; frames: number; bytes: number; cut: number }[];
}

/** Bytes per slab frames are copied into (a frame's view stays valid: slabs are never reused). */
const SLAB = 1 << 20;

const defaultClock = (): number => performance.timeOrigin + performance.now();

/**
 * A running live capture on one or more interfaces. Frames are delivered to `onFrame` in the order
 * they arrive (one event loop, so in time order across interfaces), numbered 1, 2, ... across all
 * interfaces (the numbers a pcapng written from them gets). cap 0.2.1 passes no packet header to
 * JavaScript, so timestamps are taken when the packet reaches JavaScript (libpcap immediate mode:
 * typically tens of microseconds after the kernel saw it) and origLen is the length libpcap saw.
 */
export class LiveCapture {
  readonly interfaces: InterfaceInfo[] = [];
  /** Notes for the user (a snaplen that was lowered, promiscuous mode that could not be turned off). */
  readonly notes: string[] = [];
  private readonly handles: CapHandle[] = [];
  private readonly counts: { frames: number; bytes: number; cut: number }[] = [];
  private frameNo = 0;
  private bytes = 0;
  private slab = new Uint8Array(SLAB);
  private slabPos = 0;
  private stopped = false;

  private constructor(private readonly onFrame: (f: Frame) => void) {}

  /** Open every interface (all or nothing); throws LiveError with one line on the first failure. */
  static async open(opts: LiveOptions, onFrame: (f: Frame) => void): Promise<LiveCapture> {
    const cap = opts.cap ?? (await loadCap());
    const lc = new LiveCapture(onFrame);
    const available = listDevices(cap);
    const names = opts.interfaces;
    if (names.length === 0) throw new LiveError('no-such-interface', `no interface given (-i IFACE); interfaces: ${availableText(available)}`, available);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new LiveError('no-such-interface', `interface '${n}' given twice`, available);
      seen.add(n);
      // Checked before open(): a failed open leaves a cap object that must never be touched again.
      if (!available.includes(n)) throw new LiveError('no-such-interface', `no such interface '${n}'; interfaces: ${availableText(available)}`, available);
    }
    let snaplen = opts.snaplen ?? CAP_MAX_SNAPLEN;
    if (!(snaplen >= 1)) snaplen = CAP_MAX_SNAPLEN;
    if (snaplen > CAP_MAX_SNAPLEN) {
      lc.notes.push(`snaplen ${snaplen} lowered to ${CAP_MAX_SNAPLEN}, the most the cap package captures`);
      snaplen = CAP_MAX_SNAPLEN;
    }
    const promiscuous = opts.promiscuous ?? true;
    const clock = opts.clock ?? defaultClock;
    const input = opts.input ?? 0;
    const firstId = opts.firstId ?? 0;
    try {
      names.forEach((device, i) => {
        const mac = ethernetMac(device);
        if (!promiscuous && !mac) lc.notes.push(`${device}: not an Ethernet device, captured as is (cap cannot turn promiscuous mode off)`);
        const filter = effectiveFilter(opts.filter ?? '', promiscuous, mac);
        const shared = Buffer.alloc(CAP_MAX_SNAPLEN);
        const h = newHandle(cap);
        let word: string;
        try {
          word = h.open(device, filter, opts.bufferSize ?? 4 << 20, shared);
        } catch (err) {
          // Never closed or opened again: cap would touch a poll handle it never set up.
          throw openError(device, opts.filter ?? '', err, available);
        }
        lc.handles.push(h);
        const info = { input, index: i, name: device, description: undefined, linkType: linkTypeOf(word), snaplen, tsUnitsPerSec: 1e9, tsOffset: 0 };
        // Same key order as InterfaceTable.add, so live and file interfaces share one hidden class.
        const iface: InterfaceInfo = opts.table ? opts.table.add(info) : { id: firstId + i, ...info };
        lc.interfaces.push(iface);
        const count = { frames: 0, bytes: 0, cut: 0 };
        lc.counts.push(count);
        h.on('packet', (nbytes: number) => lc.packet(iface, count, shared, nbytes, snaplen, clock()));
      });
    } catch (err) {
      lc.stop();
      throw err;
    }
    return lc;
  }

  /** Copy one packet out of cap's buffer and deliver it. */
  private packet(iface: InterfaceInfo, count: { frames: number; bytes: number; cut: number }, shared: Buffer, nbytes: number, snaplen: number, ms: number): void {
    if (this.stopped) return;
    const caplen = nbytes < snaplen ? nbytes : snaplen;
    if (this.slabPos + caplen > this.slab.length) {
      this.slab = new Uint8Array(SLAB);
      this.slabPos = 0;
    }
    const off = this.slabPos;
    this.slab.set(shared.subarray(0, caplen), off);
    this.slabPos += (caplen + 7) & ~7;
    let sec = Math.floor(ms / 1000);
    let nsec = Math.round((ms - sec * 1000) * 1e6);
    if (nsec >= 1e9) {
      sec++;
      nsec -= 1e9;
    }
    count.frames++;
    count.bytes += nbytes;
    if (caplen < nbytes) count.cut++;
    this.bytes += nbytes;
    this.onFrame(newFrame(this.slab, off, caplen, nbytes, sec, nsec, iface, ++this.frameNo, 0, -1));
  }

  /** Frames delivered so far. */
  get frames(): number {
    return this.frameNo;
  }

  /** Counters, total and per interface. */
  stats(): LiveStats {
    return {
      frames: this.frameNo,
      bytes: this.bytes,
      perInterface: this.interfaces.map((ifc, i) => ({ name: ifc.name, ...this.counts[i]! })),
    };
  }

  /** Stop capturing on every interface (idempotent; no frame is delivered after it returns). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const h of this.handles) {
      h.removeAllListeners('packet');
      try {
        h.close();
      } catch {
        // already closed
      }
    }
    this.handles.length = 0;
  }
}

/** A filter no packet matches (a frame is never ≤ 1 byte): the sender's handle receives nothing. */
const NOTHING = 'less 1';

/** Sends raw frames on one interface (pcap_sendpacket through cap, i.e. an AF_PACKET socket). */
export class FrameSender {
  private closed = false;
  private constructor(
    private readonly h: CapHandle,
    readonly device: string,
    readonly linkType: number,
  ) {}

  /** Open `device` for sending; throws LiveError with one line (no such interface, no permission). */
  static async open(device: string, cap?: CapModule): Promise<FrameSender> {
    const c = cap ?? (await loadCap());
    const available = listDevices(c);
    if (!available.includes(device)) throw new LiveError('no-such-interface', `no such interface '${device}'; interfaces: ${availableText(available)}`, available);
    const h = newHandle(c);
    let word: string;
    try {
      word = h.open(device, NOTHING, 1 << 16, Buffer.alloc(64));
    } catch (err) {
      throw openError(device, '', err, available);
    }
    return new FrameSender(h, device, linkTypeOf(word));
  }

  /** Put `bytes` on the wire as one frame; throws LiveError('send-failed') (e.g. larger than the MTU). */
  send(bytes: Uint8Array): void {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      this.h.send(b, b.length);
    } catch (err) {
      throw new LiveError('send-failed', `cannot send a ${b.length}-byte frame on ${this.device}: ${String((err as Error)?.message ?? err)}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.h.close();
    } catch {
      // already closed
    }
  }
}
