// tshark as a test oracle (SPEC "Tests": conformance against real captures). Runs `tshark -T json -x
// --no-duplicate-keys` and flattens each frame's protocol tree into field name → values in tree order.
import { execFileSync, spawnSync } from 'node:child_process';
import { hexBytes } from './frames.js';

let available: boolean | undefined;

/** Is a working tshark on PATH? */
export function tsharkAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
    available = r.status === 0;
  }
  return available;
}

/** Must missing oracles fail the run (CI or TEAMSCOPE_REQUIRE_NET set) rather than skip? */
export function oraclesRequired(): boolean {
  return Boolean(process.env.TEAMSCOPE_REQUIRE_NET || process.env.CI);
}

/** One frame as tshark sees it. */
export interface TsharkFrame {
  /** 1-based frame number. */
  number: number;
  raw: Uint8Array;
  frameLen: number;
  capLen: number;
  encap: number;
  /** frame.protocols, e.g. 'eth:ethertype:arp'. */
  protocols: string;
  /** Every field of every protocol (not 'frame'), values as tshark prints them, in tree order. */
  fields: Map<string, string[]>;
  /** Protocol names in order from frame.protocols, e.g. ['eth', 'ethertype', 'ieee8021ad', 'ethertype', 'vlan', ...]. */
  layers: string[];
}

function collect(node: unknown, into: Map<string, string[]>): void {
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k.endsWith('_raw')) continue;
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals) {
      if (typeof x === 'string') {
        let list = into.get(k);
        if (!list) into.set(k, (list = []));
        list.push(x);
      } else collect(x, into);
    }
  }
}

/** Decode a capture with tshark (extra args, e.g. ['-o', '...'], go before -r). */
export function tsharkFrames(file: string, extra: readonly string[] = []): TsharkFrame[] {
  const out = execFileSync('tshark', [...extra, '-r', file, '-T', 'json', '-x', '--no-duplicate-keys'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const json = JSON.parse(out) as { _source: { layers: Record<string, unknown> } }[];
  return json.map((p) => {
    const layers = p._source.layers;
    const frameRaw = layers.frame_raw as unknown[];
    const frame = layers.frame as Record<string, string>;
    const fields = new Map<string, string[]>();
    for (const [k, v] of Object.entries(layers)) {
      if (k.endsWith('_raw') || k === 'frame') continue;
      collect(v, fields);
    }
    const names = (frame['frame.protocols'] ?? '').split(':').filter(Boolean);
    return {
      number: Number(frame['frame.number']),
      raw: hexBytes(String(frameRaw[0])),
      frameLen: Number(frame['frame.len']),
      capLen: Number(frame['frame.cap_len']),
      encap: Number(frame['frame.encap_type']),
      protocols: frame['frame.protocols'] ?? '',
      fields,
      layers: names,
    };
  });
}

/** Run tshark once and return its stdout (for -T fields checks). */
export function tsharkText(args: readonly string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}
