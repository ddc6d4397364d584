// Running the built CLI from tests: build dist/ when it is missing or older than the sources
// (one build at a time across test workers), then spawn `node dist/src/cli/main.js ARGS`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests run with it as the working directory). */
export const repoRoot = process.cwd();
/** The built CLI. */
export const mainJs = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** A real capture from ../shared/captures. */
export const shared = (name: string): string => resolve(repoRoot, '../shared/captures', name);

function newestSource(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  if (!existsSync(mainJs)) return true;
  const built = statSync(mainJs).mtimeMs;
  return Math.max(newestSource(join(repoRoot, 'src')), newestSource(join(repoRoot, 'dissectors'))) > built;
}

/** Build dist/ with tsc if it is missing or stale; serialised across workers with a lock directory. */
export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(tmpdir(), 'teamscope-test-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held too long`);
      spawnSync('sleep', ['0.5']);
    }
  }
  try {
    if (!stale()) return;
    const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: repoRoot, encoding: 'utf8' });
    // tsc writes JavaScript even when some file has type errors (the type check is npm test's first
    // step); only a build that produced no CLI at all stops the tests.
    if (r.status !== 0 && !existsSync(mainJs)) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
    // tsc does not rewrite unchanged outputs: mark the build as fresh.
    const now = new Date();
    spawnSync('touch', ['-d', now.toISOString(), mainJs]);
  } finally {
    rmdirSync(lock);
  }
}

/** What a CLI run gave. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with `args` (optionally piping `input` to stdin). */
export function cli(args: readonly string[], input?: Uint8Array): Promise<CliResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [mainJs, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Run the CLI through a shell pipeline suffix (e.g. `| head -n 3`), for EPIPE behaviour. */
export function cliPiped(args: readonly string[], suffix: string): CliResult & { pipestatus: number[] } {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `${q(process.execPath)} ${q(mainJs)} ${args.map(q).join(' ')} ${suffix}; echo "PIPESTATUS \${PIPESTATUS[*]}" >&2`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: repoRoot, encoding: 'utf8' });
  const m = /PIPESTATUS ([\d ]+)\s*$/.exec(r.stderr);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/PIPESTATUS [\d ]+\s*$/, ''),
    pipestatus: m ? m[1]!.trim().split(' ').map(Number) : [],
  };
}
