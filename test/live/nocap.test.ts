// `teamscope live` where the optional `cap` package is missing — what npm leaves when cap's
// native build fails for want of libpcap headers (it drops the optional package): one line
// saying exactly what to install, exit code 3, for live and replay alike.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, teamscopeBuild } from '../net/lab.js';

let dir = '';

beforeAll(() => {
  const build = teamscopeBuild();
  dir = mkdtempSync(join(tmpdir(), 'teamscope-nocap-'));
  // An install of teamscope without cap (and nan): the compiled code and every other package.
  for (const d of ['src', 'dissectors']) symlinkSync(join(build, d), join(dir, d));
  writeFileSync(join(dir, 'package.json'), '{"name":"teamscope","version":"0.0.0","type":"module"}\n');
  mkdirSync(join(dir, 'node_modules'));
  for (const p of readdirSync(join(repoRoot, 'node_modules'))) {
    if (p === 'cap' || p === 'nan' || p.startsWith('.')) continue;
    symlinkSync(join(repoRoot, 'node_modules', p), join(dir, 'node_modules', p));
  }
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  // Run from the copy, not through the symlinked build, so `cap` is looked up in its node_modules.
  const r = spawnSync('node', ['--preserve-symlinks', '--preserve-symlinks-main', join(dir, 'src', 'cli', 'main.js'), ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, err: r.stderr };
}

it('live names the packages to install when cap is not installed', () => {
  const r = run(['live', '-i', 'eth0']);
  expect(r.status).toBe(3);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^teamscope: live capture needs libpcap and the optional 'cap' package, which is not installed \(its build needs the libpcap headers\); install them with: apt-get install libpcap-dev && \(cd .+ && npm install cap\)$/);
});

it('replay says the same', () => {
  const r = run(['replay', join(repoRoot, 'samples', 'real', 'keepalived-vrrp.pcapng'), '-i', 'eth0']);
  expect(r.status).toBe(3);
  expect(r.err.trim()).toMatch(/^teamscope: live capture needs libpcap .* npm install cap\)$/);
});
