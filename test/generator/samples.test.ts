// Every sample in samples/ made by the generator is regenerated from the command recorded in its
// truth file (and printed in samples/README.md); the capture and the truth must come out byte for
// byte identical, so a change in any encoder or in the generator that alters a sample is caught.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generator/index.js';
import { KNOBS, type Knobs } from '../../src/generator/options.js';
import type { TruthFile } from '../../src/generator/truth.js';
import { tempDir } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const samples = join(root, 'samples');
const truthFiles = readdirSync(samples)
  .filter((f) => f.endsWith('.truth.json'))
  .sort();
const readme = readFileSync(join(samples, 'README.md'), 'utf8');
const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parse `teamscope generate SCENARIO -o OUT --seed N [--format F] [--knob V]... --truth T`. */
function parseCommand(cmd: string): { scenario: string; out: string; truth: string; seed: number; format: 'pcapng' | 'pcap'; knobs: Partial<Knobs> } {
  const w = cmd.split(/\s+/);
  expect(w.slice(0, 2)).toEqual(['teamscope', 'generate']);
  const r = { scenario: w[2]!, out: '', truth: '', seed: 1, format: 'pcapng' as 'pcapng' | 'pcap', knobs: {} as Partial<Knobs> };
  for (let i = 3; i < w.length; i += 2) {
    const flag = w[i]!;
    const v = w[i + 1]!;
    if (flag === '-o') r.out = v;
    else if (flag === '--truth') r.truth = v;
    else if (flag === '--seed') r.seed = Number(v);
    else if (flag === '--format') r.format = v as 'pcapng' | 'pcap';
    else {
      const k = KNOBS.find((x) => x.flag.split(' ')[0] === flag);
      expect(k, `unknown flag ${flag} in ${cmd}`).toBeDefined();
      (r.knobs as Record<string, unknown>)[k!.key] = k!.parse(v);
    }
  }
  return r;
}

it('samples/ holds generated samples, each small', () => {
  expect(truthFiles.length).toBeGreaterThanOrEqual(8);
  let total = 0;
  for (const t of truthFiles) {
    const truth = JSON.parse(readFileSync(join(samples, t), 'utf8')) as TruthFile;
    for (const f of truth.capture.files) {
      const size = readFileSync(join(samples, f)).length;
      expect(size, `${f} is over 200 KB`).toBeLessThan(200 * 1024);
      total += size;
    }
    total += readFileSync(join(samples, t)).length;
  }
  expect(total, 'generated samples over 2 MB in total').toBeLessThan(2 * 1024 * 1024);
});

describe.each(truthFiles)('%s', (t) => {
  const truth = JSON.parse(readFileSync(join(samples, t), 'utf8')) as TruthFile;
  const cmd = truth.generator.command;

  it('its command is in samples/README.md', () => {
    expect(readme).toContain(cmd);
  });

  it('regenerates byte for byte', async () => {
    const c = parseCommand(cmd);
    expect(c.out.startsWith('samples/')).toBe(true);
    const out = join(dir, c.out.slice('samples/'.length));
    const truthOut = join(dir, c.truth.slice('samples/'.length));
    const r = await generate({ scenario: c.scenario, out, truth: truthOut, seed: c.seed, format: c.format, knobs: c.knobs });
    for (const f of truth.capture.files) {
      const want = readFileSync(join(samples, f));
      const got = readFileSync(join(dir, f));
      expect(got.length, `${f}: length`).toBe(want.length);
      expect(Buffer.compare(got, want), `${f}: bytes differ from the committed sample`).toBe(0);
    }
    const again = JSON.parse(readFileSync(truthOut, 'utf8').split(dir).join('samples')) as TruthFile;
    expect(again).toEqual(truth);
    expect(r.stats.packets).toBe(truth.capture.packets);
  });
});
