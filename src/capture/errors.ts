// Typed failures of capture input: errors that stop a file from opening, and problems that end reading.

/** Why a capture could not be opened (OS codes as Node reports them, plus format codes). */
export type CaptureErrorCode =
  | 'ENOENT'
  | 'EISDIR'
  | 'EACCES'
  | 'EPERM'
  | 'EIO'
  | 'SHORT_FILE'
  | 'BAD_MAGIC'
  | 'BAD_GZIP';

/** A capture that cannot be opened at all; `message` is one line naming the file (and offset when it has one). */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    readonly file: string,
    message: string,
    readonly offset = 0,
  ) {
    super(message);
  }
}

/** What ended reading early: the bytes are cut, contradict their own lengths, or the input failed. */
export type ReadProblemKind = 'truncated' | 'malformed' | 'io';

/**
 * Reading stopped here (everything before `offset` was delivered). `offset` is the byte offset of the
 * offending record in the (decompressed) input; `message` is one line naming the file, the offset and
 * what was expected (pcapng spec §4 block structure, pcap record header per draft-ietf-opsawg-pcap §5).
 */
export interface ReadProblem {
  readonly file: string;
  readonly offset: number;
  readonly kind: ReadProblemKind;
  readonly message: string;
}

/** Build a ReadProblem whose message reads `FILE: byte OFFSET: WHAT`. */
export function readProblem(file: string, offset: number, kind: ReadProblemKind, what: string): ReadProblem {
  return { file, offset, kind, message: `${file}: byte ${offset}: ${what}` };
}

/** Turn an OS error from open/read into a CaptureError with a one-line message. */
export function osError(file: string, err: unknown): CaptureError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  switch (code) {
    case 'ENOENT':
      return new CaptureError('ENOENT', file, `${file}: no such file`);
    case 'EISDIR':
      return new CaptureError('EISDIR', file, `${file}: is a directory, expected a capture file`);
    case 'EACCES':
      return new CaptureError('EACCES', file, `${file}: permission denied`);
    case 'EPERM':
      return new CaptureError('EPERM', file, `${file}: operation not permitted`);
    default:
      return new CaptureError('EIO', file, `${file}: cannot read (${code ?? (e instanceof Error ? e.message : String(err))})`);
  }
}
