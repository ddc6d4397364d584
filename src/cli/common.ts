// What every command shares: exit codes, one-line errors, option parsers, and a batched stdout
// that streams with backpressure and goes quiet when the reader of a pipe goes away (`| head`).
import { InvalidArgumentError } from 'commander';
import { basename } from 'node:path';
import { filterAliases, type Registry } from '../../dissectors/registry.js';
import type { Frame, InterfaceInfo } from '../capture/frame.js';
import { CaptureError, osError } from '../capture/errors.js';
import { InterfaceTable } from '../capture/interfaces.js';
import { openSource } from '../capture/source.js';
import { PCAP_HEADER_LEN, PcapParser, parsePcapHeader, pcapMagic } from '../capture/pcap.js';

/**
 * The process exit codes of every command (documented in the README, "Exit codes").
 * Several conditions at once: the highest-priority one wins, in the order
 * UNREADABLE > PARTIAL > USAGE > FINDINGS > OK (INTERNAL trumps all).
 */
export const ExitCode = {
  /** Everything read and processed; no finding at or above --fail-on. */
  OK: 0,
  /** Findings at or above the --fail-on severity (analyze and the analyzer commands). */
  FINDINGS: 1,
  /** Bad command line: unknown command or option, bad option value, missing argument. */
  USAGE: 2,
  /** An input could not be read at all: missing, a directory, no permission, not a capture. */
  UNREADABLE: 3,
  /** An input is damaged part-way: everything readable before the damage was processed and printed. */
  PARTIAL: 4,
  /** A bug in teamscope (the message says so); please report it. */
  INTERNAL: 5,
} as const;

/** One of the documented exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const PRIORITY: Record<number, number> = { 0: 0, 1: 1, 2: 2, 4: 3, 3: 4, 5: 5 };

/** Record an exit code for the process, keeping the higher-priority one when several apply. */
export function setExitCode(code: ExitCodeValue): void {
  const cur = typeof process.exitCode === 'number' ? process.exitCode : 0;
  if ((PRIORITY[code] ?? 5) > (PRIORITY[cur] ?? 0)) process.exitCode = code;
}

/** An error a command reports as one line with a given exit code (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.USAGE,
  ) {
    super(message);
  }
}

/** Print one line on stderr, prefixed with the program name. */
export function say(message: string): void {
  process.stderr.write(`teamscope: ${message.replace(/\s*\n\s*/g, ' ').trimEnd()}\n`);
}

/** Report a failure as one line on stderr and record its exit code (never a stack trace unless TEAMSCOPE_DEBUG). */
export function reportError(err: unknown): void {
  if (err instanceof CliError) {
    say(err.message);
    setExitCode(err.exitCode);
  } else if (err instanceof Error && err.name === 'CaptureError') {
    // src/capture/errors.ts CaptureError: an input that cannot be opened; its message is one line.
    say(err.message);
    setExitCode(ExitCode.UNREADABLE);
  } else if (isErrno(err) && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')) {
    // The reader of our output went away (`| head`): stop quietly.
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    say(`internal error: ${msg} (this is a bug; please report it${process.env.TEAMSCOPE_DEBUG ? '' : ', with TEAMSCOPE_DEBUG=1 for the stack'})`);
    if (process.env.TEAMSCOPE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    setExitCode(ExitCode.INTERNAL);
  }
}

function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && 'code' in e;
}

/** Wrap a command's action so any failure becomes one line on stderr and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Option parsers (commander `argParser`s): they throw InvalidArgumentError, which main.ts turns
// into one line and exit code 2.

/** Parse a whole number ≥ `min` (e.g. `-c 10`). */
export function intOption(min = 0): (value: string) => number {
  return (value: string) => {
    const v = value.trim();
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` ≥ ${min}` : ''}, got '${value}'.`);
    return Number(v);
  };
}

/** Parse a non-negative number (seconds, ratios). */
export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got '${value}'.`);
  return n;
}

/** Accumulate a repeatable option (`--decode-as A --decode-as B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return previous ? [...previous, value] : [value];
}

/** Accept only one of `choices`. */
export function choiceOption<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'.`);
    return value as T;
  };
}

/** How `dissect` prints times: capture time (UTC), seconds since the first frame, or epoch seconds. */
export type TimeFormat = 'absolute' | 'relative' | 'epoch';
export const TIME_FORMATS: readonly TimeFormat[] = ['absolute', 'relative', 'epoch'];

/**
 * Resolve `--only lacp,arp,heartbeat` into the set of layer names to keep, expanding the registry's
 * filter aliases (heartbeat = mscs, knet, vrrp, carp, hsrp; slow; ip). Unknown names are a usage error.
 */
export function parseOnly(specs: readonly string[] | undefined, reg: Registry): Set<string> | null {
  if (!specs || specs.length === 0) return null;
  const known = new Set(reg.names());
  const out = new Set<string>();
  for (const spec of specs) {
    for (const raw of spec.split(',')) {
      const w = raw.trim().toLowerCase();
      if (w === '') continue;
      const alias = filterAliases[w];
      if (alias) for (const a of alias) out.add(a);
      else if (known.has(w)) out.add(w);
      else {
        const words = [...known, ...Object.keys(filterAliases)].sort();
        throw new CliError(`--only: unknown protocol '${raw.trim()}' (known: ${[...new Set(words)].join(', ')})`);
      }
    }
  }
  return out;
}

/** Apply `--decode-as TABLE=KEY:PROTO` rules to a registry; a bad rule is a usage error. */
export function applyDecodeAs(rules: readonly string[] | undefined, reg: Registry): void {
  for (const r of rules ?? []) {
    try {
      reg.decodeAsRule(r);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output.

/**
 * Batched text output to a stream (stdout by default). `write` appends to a string; `maybeFlush`
 * hands it to the stream once it holds ~64 KiB, awaiting 'drain' when the stream pushes back.
 * When the far end of a pipe closes (EPIPE), `closed` becomes true and further output is dropped,
 * so a command reading a large capture into `| head` stops early and exits quietly.
 */
export class Output {
  private buf = '';
  closed = false;
  private readonly onError = (err: NodeJS.ErrnoException) => {
    this.closed = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.error = err;
  };
  /** A write error other than a closed pipe (reported by the command). */
  error: Error | null = null;

  constructor(
    private readonly stream: NodeJS.WritableStream = process.stdout,
    private readonly limit = 1 << 16,
  ) {
    stream.on('error', this.onError);
  }

  write(s: string): void {
    this.buf += s;
  }

  /** Flush when the batch is big enough; await only when the stream asks us to wait. */
  maybeFlush(): Promise<void> | undefined {
    if (this.buf.length < this.limit) return undefined;
    return this.flush();
  }

  /** Hand everything buffered to the stream, and wait while it drains. */
  async flush(): Promise<void> {
    if (this.closed) {
      this.buf = '';
      return;
    }
    if (this.buf.length === 0) return;
    const s = this.buf;
    this.buf = '';
    let ok: boolean;
    try {
      ok = this.stream.write(s);
    } catch (err) {
      this.onError(err as NodeJS.ErrnoException);
      return;
    }
    if (!ok && !this.closed) await drained(this.stream);
  }

  /** Flush and detach from the stream. */
  async end(): Promise<void> {
    await this.flush();
    // Let a pending EPIPE surface before we decide how the command went.
    await new Promise<void>((r) => setImmediate(r));
    this.stream.off('error', this.onError);
    this.stream.on('error', () => {});
    if (this.error) throw this.error;
  }
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}

// ---------------------------------------------------------------------------------------------
// Inputs: the capture files of a command, opened up front (a missing or unreadable file fails
// before anything is printed), then read as batches of frames, merged in time order.

/** What a command knows about one input besides its frames. */
export interface InputMeta {
  file: string;
  /** 'pcap' (µs), 'pcap-ns', or 'pcapng'. */
  format: string;
  /** 'little-endian' | 'big-endian' (pcapng: of the first section; 'mixed' when sections differ). */
  byteOrder: string;
  compressed: boolean;
  /** Size on disk (the compressed size for gzip); -1 for stdin and pipes. */
  size: number;
  /** pcapng sections (1 for classic pcap). */
  sections: number;
  /** Interfaces seen so far (complete once the input has been read). */
  interfaces: InterfaceInfo[];
}

/** A reading problem that ended one input early (everything before `offset` was delivered). */
export interface InputProblem {
  file: string;
  offset: number;
  message: string;
}

/** The opened inputs of a command. */
export interface FrameFeed {
  readonly inputs: InputMeta[];
  /** Frames in batches: merged in time order across inputs (or input after input with merge: false). */
  batches(): AsyncIterable<readonly Frame[]>;
  /** Inputs that ended early because of damage, filled as reading goes. */
  readonly problems: InputProblem[];
  close(): Promise<void>;
}

/** Options of openInputs. */
export interface OpenOptions {
  /** Merge inputs in time order (default); false reads them one after the other. */
  merge?: boolean;
}

/** Frames per merged batch. */
const MERGE_BATCH = 4096;

/**
 * Open every file (a CaptureError for any that cannot be opened, before anything is read) and
 * return a feed of their frames.
 */
export async function openInputs(files: readonly string[], options: OpenOptions = {}): Promise<FrameFeed> {
  const table = new InterfaceTable();
  const opened: OpenedInput[] = [];
  try {
    for (let i = 0; i < files.length; i++) opened.push(await openInput(files[i]!, i, table));
  } catch (err) {
    for (const o of opened) await o.close();
    throw err;
  }
  const problems: InputProblem[] = [];
  const merge = options.merge !== false && opened.length > 1;
  return {
    inputs: opened.map((o) => o.meta),
    problems,
    batches: () => (merge ? mergeBatches(opened, problems) : sequential(opened, problems)),
    close: async () => {
      for (const o of opened) await o.close();
    },
  };
}

async function* sequential(inputs: OpenedInput[], problems: InputProblem[]): AsyncGenerator<readonly Frame[]> {
  for (const o of inputs) {
    for await (const b of o.batches()) if (b.length > 0) yield b;
    if (o.problem) problems.push(o.problem);
  }
}

/** k-way merge by timestamp (ties keep input order); each input is already a stream of batches. */
async function* mergeBatches(inputs: OpenedInput[], problems: InputProblem[]): AsyncGenerator<readonly Frame[]> {
  const its = inputs.map((o) => o.batches()[Symbol.asyncIterator]());
  const cur: (readonly Frame[] | null)[] = inputs.map(() => null);
  const pos = inputs.map(() => 0);
  const next = async (k: number): Promise<void> => {
    for (;;) {
      const r = await its[k]!.next();
      if (r.done) {
        cur[k] = null;
        const p = inputs[k]!.problem;
        if (p) problems.push(p);
        return;
      }
      if (r.value.length > 0) {
        cur[k] = r.value;
        pos[k] = 0;
        return;
      }
    }
  };
  for (let k = 0; k < its.length; k++) await next(k);
  let out: Frame[] = [];
  for (;;) {
    let best = -1;
    let bf: Frame | undefined;
    for (let k = 0; k < cur.length; k++) {
      const b = cur[k];
      if (!b) continue;
      const f = b[pos[k]!]!;
      if (bf === undefined || f.sec < bf.sec || (f.sec === bf.sec && f.nsec < bf.nsec)) {
        best = k;
        bf = f;
      }
    }
    if (best < 0 || bf === undefined) break;
    out.push(bf);
    if (++pos[best]! >= cur[best]!.length) await next(best);
    if (out.length >= MERGE_BATCH) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

// ---- stand-in reader (classic pcap over src/capture/source.ts and pcap.ts) until the capture
// readers' public API (src/capture/reader.ts) lands; then openInput delegates to it.

interface OpenedInput {
  meta: InputMeta;
  problem: InputProblem | null;
  batches(): AsyncIterable<readonly Frame[]>;
  close(): Promise<void>;
}

const CHUNK = 4 << 20;

async function openInput(file: string, input: number, table: InterfaceTable): Promise<OpenedInput> {
  const name = file === '-' ? 'stdin' : file;
  const src = await openSource(file);
  const head = new Uint8Array(PCAP_HEADER_LEN);
  let n: number;
  try {
    n = await src.read(head, 0, PCAP_HEADER_LEN);
  } catch (err) {
    await src.close();
    throw osError(name, err);
  }
  const magicHex = Array.from(head.subarray(0, Math.min(4, n)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  if (n >= 4 && head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a) {
    await src.close();
    throw new CliError(`${name}: pcapng is not readable yet (the pcapng reader has not landed)`, ExitCode.UNREADABLE);
  }
  const m = n >= 4 ? pcapMagic(head) : null;
  if (!m) {
    await src.close();
    throw new CaptureError(
      n < 4 ? 'SHORT_FILE' : 'BAD_MAGIC',
      name,
      n < 4
        ? `${name}: byte 0: file is ${n} bytes long, expected a capture file header (pcap: 24 bytes, pcapng: 28)`
        : `${name}: byte 0: not a capture file: magic ${magicHex}${src.compressed ? ' (after gunzip)' : ''}, expected pcap (a1 b2 c3 d4, a1 b2 3c 4d or byte-swapped) or pcapng (0a 0d 0d 0a)`,
    );
  }
  if (n < PCAP_HEADER_LEN) {
    await src.close();
    throw new CaptureError('SHORT_FILE', name, `${name}: byte ${n}: input ends inside the pcap file header, expected ${PCAP_HEADER_LEN} bytes`);
  }
  const h = parsePcapHeader(head);
  const base = file === '-' ? 'stdin' : basename(file);
  const iface = table.add({ input, index: 0, name: base, linkType: h.linkType, snaplen: h.snaplen, tsUnitsPerSec: h.nanosecond ? 1e9 : 1e6, tsOffset: 0 });
  const meta: InputMeta = {
    file: name,
    format: h.nanosecond ? 'pcap-ns' : 'pcap',
    byteOrder: h.littleEndian ? 'little-endian' : 'big-endian',
    compressed: src.compressed,
    size: src.size,
    sections: 1,
    interfaces: [iface],
  };
  const parser = new PcapParser(name, iface, h);
  const o: OpenedInput = {
    meta,
    problem: null,
    async *batches() {
      let carry = new Uint8Array(0);
      let offset = PCAP_HEADER_LEN;
      for (;;) {
        const chunk = new Uint8Array(carry.length + CHUNK);
        chunk.set(carry, 0);
        let got: number;
        try {
          got = await src.read(chunk, carry.length, CHUNK);
        } catch (err) {
          o.problem = { file: name, offset: offset + carry.length, message: `${name}: byte ${offset + carry.length}: read failed: ${(err as Error).message}` };
          return;
        }
        const end = carry.length + got;
        const frames: Frame[] = [];
        const used = parser.parse(chunk, 0, end, offset, frames);
        if (frames.length > 0) yield frames;
        if (parser.problem) {
          o.problem = parser.problem;
          return;
        }
        carry = chunk.slice(used, end);
        offset += used;
        if (got === 0) {
          if (carry.length > 0) o.problem = parser.truncated(carry, 0, carry.length, offset);
          return;
        }
      }
    },
    close: () => src.close(),
  };
  return o;
}
