// Several captures read together: interfaces kept distinct, frames merged in time order (k-way merge).
import { type Frame, type InterfaceInfo, newBatch } from './frame.js';
import { InterfaceTable } from './interfaces.js';
import { type CaptureReader, type OpenOptions, openCapture } from './reader.js';

/** Options of `readCaptures`. */
export interface ReadOptions extends OpenOptions {
  /**
   * Frames per merged batch at most, roughly (three inputs or more). Default 8192. Merged batches
   * also end where an input's batch ends (see mergeBatches).
   */
  batchSize?: number;
  /** Table to register interfaces in (e.g. shared with live capture); a new one by default. */
  table?: InterfaceTable;
}

/** The inputs of one run: their readers, all their interfaces, and their frames in time order. */
export interface CaptureSet {
  /** Every interface of every input, `interfaces[id]`; grows as pcapng IDBs are read. */
  readonly interfaces: InterfaceInfo[];
  readonly readers: CaptureReader[];
  /** Frames of all inputs merged by (sec, nsec); ties go to the lower input index. Single input: its batches as read. */
  batches(): AsyncIterable<Frame[]>;
  /** Release every file (also done when the batches are exhausted). */
  close(): Promise<void>;
}

/**
 * Open `paths` (input i = paths[i]; '-' is stdin) and merge their frames in time order. Throws the
 * first CaptureError (closing what was opened); read problems are on each reader's `problems`.
 */
export async function readCaptures(paths: readonly string[], opts: ReadOptions = {}): Promise<CaptureSet> {
  const table = opts.table ?? new InterfaceTable();
  const readers: CaptureReader[] = [];
  try {
    // One after another, so interface ids follow input order.
    for (let i = 0; i < paths.length; i++) readers.push(await openCapture(paths[i]!, i, table, opts));
  } catch (e) {
    await Promise.all(readers.map((r) => r.close()));
    throw e;
  }
  const batchSize = Math.max(1, opts.batchSize ?? 8192);
  return {
    interfaces: table.all,
    readers,
    batches: () => (readers.length === 1 ? single(readers[0]!) : mergeBatches(readers, batchSize)),
    close: async () => {
      await Promise.all(readers.map((r) => r.close()));
    },
  };
}

async function* single(r: CaptureReader): AsyncGenerator<Frame[]> {
  for (let b = await r.nextBatch(); b !== null; b = await r.nextBatch()) yield b;
}

/**
 * k-way merge of readers' batches by (sec, nsec, input). Emits runs: the input with the earliest
 * head gives frames until its head passes the second-earliest head, so long runs cost O(k) once.
 * A reader is asked for its next batch only once the merged frames of its current one were yielded
 * (and so consumed): a recycling reader may then reuse their chunk.
 */
export async function* mergeBatches(readers: readonly CaptureReader[], batchSize = 8192): AsyncGenerator<Frame[]> {
  if (readers.length === 2) {
    yield* mergeTwo(readers[0]!, readers[1]!);
    return;
  }
  const k = readers.length;
  const cur: (Frame[] | null)[] = [];
  const pos: number[] = [];
  for (let i = 0; i < k; i++) {
    cur.push(await readers[i]!.nextBatch());
    pos.push(0);
  }
  let out = newBatch();
  for (;;) {
    let m = -1;
    let mSec = 0;
    let mNsec = 0;
    let s = -1;
    let sSec = Infinity;
    let sNsec = 0;
    for (let i = 0; i < k; i++) {
      const a = cur[i];
      if (a === null || a === undefined) continue;
      const f = a[pos[i]!]!;
      if (m < 0 || f.sec < mSec || (f.sec === mSec && f.nsec < mNsec)) {
        s = m;
        sSec = mSec;
        sNsec = mNsec;
        m = i;
        mSec = f.sec;
        mNsec = f.nsec;
      } else if (s < 0 || f.sec < sSec || (f.sec === sSec && f.nsec < sNsec)) {
        s = i;
        sSec = f.sec;
        sNsec = f.nsec;
      }
    }
    if (m < 0) break;
    if (s < 0) sSec = Infinity;
    const a = cur[m]!;
    let p = pos[m]!;
    // Equal times: the lower input index goes first.
    const tieOk = m < s;
    while (p < a.length) {
      const f = a[p]!;
      if (f.sec > sSec || (f.sec === sSec && (f.nsec > sNsec || (f.nsec === sNsec && !tieOk)))) break;
      out.push(f);
      p++;
    }
    if (p === a.length) {
      if (out.length > 0) {
        yield out;
        out = newBatch();
      }
      cur[m] = await readers[m]!.nextBatch();
      pos[m] = 0;
    } else pos[m] = p;
    if (out.length >= batchSize) {
      yield out;
      out = newBatch();
    }
  }
  if (out.length > 0) yield out;
}

/**
 * Two inputs (the common case: two hosts' captures): a plain two-pointer merge, ties to the first.
 * As in the k-way merge, frames of a batch are yielded before its reader is asked for the next.
 */
async function* mergeTwo(ra: CaptureReader, rb: CaptureReader): AsyncGenerator<Frame[]> {
  let a = await ra.nextBatch();
  let b = await rb.nextBatch();
  let i = 0;
  let j = 0;
  let out = newBatch();
  while (a !== null && b !== null) {
    let fa = a[i]!;
    let fb = b[j]!;
    const na = a.length;
    const nb = b.length;
    for (;;) {
      if (fa.sec < fb.sec || (fa.sec === fb.sec && fa.nsec <= fb.nsec)) {
        out.push(fa);
        if (++i === na) break;
        fa = a[i]!;
      } else {
        out.push(fb);
        if (++j === nb) break;
        fb = b[j]!;
      }
    }
    // A batch is used up: its frames go out before its reader is asked for the next one. So every
    // merged batch ends at an input batch's end (at most the two batches' length; no batchSize).
    yield out;
    out = newBatch();
    if (i === na) {
      a = await ra.nextBatch();
      i = 0;
    } else {
      b = await rb.nextBatch();
      j = 0;
    }
  }
  // One input is exhausted: the rest of the other as it comes.
  const r = a !== null ? a.slice(i) : b !== null ? b.slice(j) : null;
  if (r !== null && r.length > 0) yield r;
  const rest = a !== null ? ra : rb;
  for (let n = await rest.nextBatch(); n !== null; n = await rest.nextBatch()) yield n;
}
