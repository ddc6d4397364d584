// Unaligned integer reads for the record parsers (small enough for V8 to inline).

/** Unsigned 32-bit little-endian at `o`. */
export function rd32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Unsigned 32-bit big-endian at `o`. */
export function rd32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Unsigned 32-bit in the given byte order. */
export function rd32(b: Uint8Array, o: number, le: boolean): number {
  return le ? rd32le(b, o) : rd32be(b, o);
}

/** Unsigned 16-bit in the given byte order. */
export function rd16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}
