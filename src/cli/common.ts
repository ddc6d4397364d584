// What every command shares: exit codes, one-line errors, option parsers, and a batched stdout
// that streams with backpressure and goes quiet when the reader of a pipe goes away (`| head`).
import { InvalidArgumentError } from 'commander';
import { filterAliases, type Registry } from '../../dissectors/registry.js';
import type { Frame, InterfaceInfo } from '../capture/frame.js';
import { type CaptureReader, type PcapngSection, readCaptures } from '../capture/index.js';

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
  /** A bug in teamscope (the message says so; please report it), or output that cannot be written. */
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

// ---------------------------------------------------------------------------------------------
// Before-exit hooks: main.ts exits at once when the reader of standard output goes away (`| head`);
// a command with something to save first (live's --write file) registers it here.

const exitHooks = new Set<() => void>();

/**
 * Run `fn` (synchronously) before main.ts's immediate process.exit on a closed pipe or an unwritable
 * standard output. Returns the function that unregisters it (call it once the work is saved anyway).
 */
export function onExit(fn: () => void): () => void {
  exitHooks.add(fn);
  return () => {
    exitHooks.delete(fn);
  };
}

/** Run and forget every registered hook, in registration order; a failing hook is reported and the rest still run. */
export function runExitHooks(): void {
  const hooks = [...exitHooks];
  exitHooks.clear();
  for (const fn of hooks) {
    try {
      fn();
    } catch (err) {
      say(err instanceof Error ? err.message : String(err));
      setExitCode(ExitCode.UNREADABLE);
    }
  }
}

/** Wrap a command's action so any failure becomes one line on stderr and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => Promise<void> {
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
 * Batched text output to a stream (stdout by default). `write` encodes each string into a byte
 * buffer at once (so no long-lived chain of string pieces builds up for the garbage collector);
 * `maybeFlush` hands the bytes to the stream once ~64 KiB are waiting, awaiting 'drain' when the
 * stream pushes back. When the far end of a pipe closes (EPIPE), `closed` becomes true and further
 * output is dropped, so a command reading a large capture into `| head` stops early and quietly.
 */
export class Output {
  private bytes: Buffer;
  private pos = 0;
  /** Filled buffers (and over-sized strings) waiting for the next flush. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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
    this.bytes = Buffer.allocUnsafe(2 * limit);
    stream.on('error', this.onError);
  }

  write(s: string): void {
    if (this.closed) return;
    const most = 3 * s.length; // UTF-8 bytes per UTF-16 unit, at most
    if (this.pos + most > this.bytes.length) {
      this.retire();
      if (most > this.bytes.length) {
        const b = Buffer.from(s, 'utf8');
        this.pending.push(b);
        this.pendingBytes += b.length;
        return;
      }
    }
    this.pos += this.bytes.write(s, this.pos);
  }

  /** Move the current buffer's bytes to the pending list and start a fresh buffer. */
  private retire(): void {
    if (this.pos === 0) return;
    this.pending.push(this.bytes.subarray(0, this.pos));
    this.pendingBytes += this.pos;
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.pos = 0;
  }

  /** Flush when the batch is big enough; await only when the stream asks us to wait. */
  maybeFlush(): Promise<void> | undefined {
    if (this.pendingBytes + this.pos < this.limit) return undefined;
    return this.flush();
  }

  /** Hand everything buffered to the stream, and wait while it drains. */
  async flush(): Promise<void> {
    this.retire();
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.closed || parts.length === 0) return;
    let ok: boolean;
    try {
      ok = this.stream.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
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
  /** pcapng section headers (hardware, OS, application); empty for classic pcap. */
  sectionInfo: readonly PcapngSection[];
  /** Interfaces seen so far (complete once the input has been read). */
  interfaces: InterfaceInfo[];
  /** Frames so far that arrived earlier than some frame before them in this input. */
  outOfOrder: number;
}

/** A reading problem that ended one input early (everything before `offset` was delivered). */
export interface InputProblem {
  file: string;
  /** Index of the input (as in FrameFeed.inputs). */
  input: number;
  offset: number;
  message: string;
}

/** The opened inputs of a command. */
export interface FrameFeed {
  readonly inputs: InputMeta[];
  /**
   * Frames in batches: merged in time order across inputs (or input after input with merge: false).
   * Unless opened with recycle: false, a batch's frames are valid only until the next batch is asked
   * for (their chunks are reused, see the capture reader's OpenOptions.recycle): use them within the
   * batch, hold them in a Reorder (which pins them), or copy what must live longer.
   */
  batches(): AsyncIterable<readonly Frame[]>;
  /** Inputs that ended early because of damage, filled as reading goes. */
  readonly problems: InputProblem[];
  close(): Promise<void>;
}

/** Options of openInputs. */
export interface OpenOptions {
  /** Merge inputs in time order (default); false reads them one after the other. */
  merge?: boolean;
  /**
   * Reuse chunk buffers (default true): every command consumes each batch before asking for the next,
   * or pins what it holds (analyze's Reorder). False for a consumer that keeps frames.
   */
  recycle?: boolean;
}

/** What a command knows about one reader, read live (pcapng interfaces and sections grow while reading). */
function metaOf(r: CaptureReader): InputMeta {
  return {
    file: r.file,
    format: r.format === 'pcapng' ? 'pcapng' : r.nanosecond ? 'pcap-ns' : 'pcap',
    byteOrder:
      r.format === 'pcapng' && r.sections.length > 1 && r.sections.some((x) => x.littleEndian !== r.sections[0]!.littleEndian)
        ? 'mixed'
        : r.byteOrder === 'little'
          ? 'little-endian'
          : 'big-endian',
    compressed: r.compressed,
    size: r.size,
    sections: r.format === 'pcapng' ? r.sections.length : 1,
    sectionInfo: r.sections,
    interfaces: r.interfaces,
    outOfOrder: r.outOfOrder,
  };
}

/**
 * Open every file with the capture readers (src/capture readCaptures): a CaptureError for any that
 * cannot be opened, before anything is read; then a feed of their frames.
 */
export async function openInputs(files: readonly string[], options: OpenOptions = {}): Promise<FrameFeed> {
  const set = await readCaptures(files, { recycle: options.recycle ?? true });
  const readers = set.readers;
  const problems: InputProblem[] = [];
  const collectProblems = () => {
    problems.length = 0;
    for (const r of readers) for (const p of r.problems) problems.push({ file: p.file, input: r.input, offset: p.offset, message: p.message });
  };
  return {
    get inputs() {
      return readers.map(metaOf);
    },
    get problems() {
      collectProblems();
      return problems;
    },
    batches: () => (options.merge === false && readers.length > 1 ? sequential(readers) : set.batches()),
    close: () => set.close(),
  };
}

async function* sequential(readers: readonly CaptureReader[]): AsyncGenerator<readonly Frame[]> {
  for (const r of readers) for (let b = await r.nextBatch(); b !== null; b = await r.nextBatch()) yield b;
}
