// The README stays true: every command `teamscope --help` lists and every long option of each
// command's --help is documented in README.md, and the quick start is exactly two commands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, repoRoot } from './run.js';

beforeAll(() => ensureBuilt(), 180_000);

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

async function commands(): Promise<string[]> {
  const r = await cli(['--help']);
  const section = r.stdout.split('Commands:\n')[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('README.md', () => {
  it('documents every command and every long option', async () => {
    const missing: string[] = [];
    const cmds = await commands();
    expect(cmds).toEqual(expect.arrayContaining(['dissect', 'info']));
    for (const c of cmds) {
      if (!readme.includes(`teamscope ${c}`)) missing.push(`command ${c}`);
      const h = await cli([c, '--help']);
      const opts = new Set([...h.stdout.matchAll(/(?:^|[ ,])(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!));
      opts.delete('--help');
      for (const o of opts) if (!new RegExp(`\`[^\`]*${o}(?![a-z0-9-])`).test(readme)) missing.push(`${c} ${o}`);
    }
    expect(missing).toEqual([]);
  });

  it('has a two-command quick start: install and analyze a bundled sample, install and test', () => {
    const qs = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
    expect(qs).not.toBeNull();
    const lines = qs![1]!.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^npm ci && npx teamscope (analyze|dissect|info) samples\/\S+$/);
    expect(lines[1]).toBe('npm ci && npm test');
    const sample = lines[0]!.split(' ').pop()!;
    expect(() => readFileSync(join(repoRoot, sample))).not.toThrow();
  });

  it('documents every exit code main.ts prints in its help', async () => {
    const r = await cli(['--help']);
    for (const code of [0, 1, 2, 3, 4, 5]) {
      expect(r.stdout).toContain(`${code} `);
      expect(readme).toMatch(new RegExp(`\\| ${code} \\| `));
    }
  });
});
