// Classic pcap files for tests (https://www.tcpdump.org/manpages/pcap-savefile.5.html): write frames
// built by the encoders so external oracles (tshark, tcpdump) can read them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One record: bytes, and optionally the original length and a time. */
export interface PcapRecord {
  bytes: Uint8Array;
  origLen?: number;
  sec?: number;
  usec?: number;
}

/** A classic little-endian microsecond pcap holding `records` with the given link type. */
export function pcapBytes(records: readonly (PcapRecord | Uint8Array)[], linkType = 1, snaplen = 262144): Uint8Array {
  const recs = records.map((r) => (r instanceof Uint8Array ? { bytes: r } : r));
  let n = 24;
  for (const r of recs) n += 16 + r.bytes.length;
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linkType, true);
  let o = 24;
  recs.forEach((r, i) => {
    v.setUint32(o, r.sec ?? 1700000000 + i, true);
    v.setUint32(o + 4, r.usec ?? 0, true);
    v.setUint32(o + 8, r.bytes.length, true);
    v.setUint32(o + 12, r.origLen ?? r.bytes.length, true);
    out.set(r.bytes, o + 16);
    o += 16 + r.bytes.length;
  });
  return out;
}

/** Write a pcap into a fresh temporary directory and return its path. */
export function writeTempPcap(records: readonly (PcapRecord | Uint8Array)[], linkType = 1, name = 'test.pcap'): string {
  const dir = mkdtempSync(join(tmpdir(), 'teamscope-pcap-'));
  const file = join(dir, name);
  writeFileSync(file, pcapBytes(records, linkType));
  return file;
}
