// A throw-away network lab for the network tests: namespaces, veth pairs and bridges this test run
// creates itself (names `tsnet-<pid>-<role>`), processes started inside them and tracked by PID,
// and a teardown that removes all of it, also leftovers of earlier runs that died.
// Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking) and no namespace gets a route out.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';

/** Prefix of every namespace a network test creates. */
export const NET_PREFIX = 'tsnet-';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** True when a missing prerequisite must fail the suite instead of skipping it (CI). */
export const netRequired = Boolean(process.env.TEAMSCOPE_REQUIRE_NET || process.env.CI);

/** Run a command, return its status and output (never throws). */
export function sh(cmd: string, args: readonly string[], input?: string): { status: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  return { status: r.status ?? -1, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Run a command and throw with its stderr when it fails. */
export function must(cmd: string, args: readonly string[], input?: string): string {
  const r = sh(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.err.trim()}`);
  return r.out;
}

function hasBin(name: string): boolean {
  return sh('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Why network tests cannot run here ('' when they can): root, netns, cap/libpcap, the given binaries. */
export function netUnavailable(bins: readonly string[] = []): string {
  if (process.platform !== 'linux') return 'network tests need Linux network namespaces';
  if (process.getuid?.() !== 0) return 'network tests need root (network namespaces, raw sockets)';
  for (const b of ['ip', ...bins]) if (!hasBin(b)) return `network tests need '${b}' (apt-get install ${debianPackage(b)})`;
  try {
    createRequire(import.meta.url)('cap');
  } catch (err) {
    return `network tests need the cap package and libpcap (apt-get install libpcap-dev && npm install cap): ${String((err as Error).message).split('\n')[0]}`;
  }
  const probe = `${NET_PREFIX}${process.pid}-probe`;
  const add = sh('ip', ['netns', 'add', probe]);
  sh('ip', ['netns', 'del', probe]);
  if (add.status !== 0) return `cannot create a network namespace: ${add.err.trim()}`;
  return '';
}

function debianPackage(bin: string): string {
  const map: Record<string, string> = { ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', 'iptables-legacy': 'iptables', iptables: 'iptables', tshark: 'tshark' };
  return map[bin] ?? bin;
}

/**
 * `describe` for a network suite: runs when the machine can, else skips with the reason in the
 * suite's name (and on stderr) — except under CI / TEAMSCOPE_REQUIRE_NET, where the same reason
 * fails a test, so a CI machine that lost a prerequisite cannot pass by skipping.
 */
export function describeNet(name: string, bins: readonly string[], body: () => void): void {
  const reason = netUnavailable(bins);
  if (!reason) {
    describe(name, body);
  } else if (netRequired) {
    describe(name, () => {
      it('has what the network tests need (required by TEAMSCOPE_REQUIRE_NET/CI)', () => {
        throw new Error(`network test cannot run: ${reason}`);
      });
    });
  } else {
    process.stderr.write(`[test/net] SKIPPED "${name}": ${reason}\n`);
    describe.skip(`${name} — SKIPPED: ${reason}`, body);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kill what runs in a namespace of ours and delete it. */
function removeNamespace(name: string): void {
  for (const line of sh('ip', ['netns', 'pids', name]).out.split('\n')) {
    const pid = Number(line.trim());
    if (pid > 1 && pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  sh('ip', ['netns', 'del', name]);
}

/** Remove namespaces `tsnet-<pid>-*` left by test runs whose process is gone. */
export function cleanLeftovers(): void {
  for (const line of sh('ip', ['netns', 'list']).out.split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? '';
    const m = new RegExp(`^${NET_PREFIX}(\\d+)-`).exec(name);
    if (m && !alive(Number(m[1]))) removeNamespace(name);
  }
}

/** A process started in a namespace: output kept line by line, waits on conditions (no sleeps). */
export class Proc {
  readonly lines: string[] = [];
  readonly stdoutLines: string[] = [];
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const split = (into: string[][]) => {
      let rest = '';
      return (chunk: Buffer) => {
        rest += chunk.toString('utf8');
        const parts = rest.split('\n');
        rest = parts.pop()!;
        for (const p of parts) for (const list of into) list.push(p);
        this.wake();
      };
    };
    child.stdout?.on('data', split([this.lines, this.stdoutLines]));
    child.stderr?.on('data', split([this.lines]));
    this.exited = new Promise((res) => {
      child.on('close', (code, signal) => {
        this.exitCode = code ?? (signal ? null : code);
        this.wake();
        res(code);
      });
      child.on('error', (err) => {
        this.lines.push(`spawn error: ${err.message}`);
        this.exitCode = -1;
        this.wake();
        res(-1);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolve when `cond()` holds (checked on every output line and exit), reject at the deadline. */
  async until<T>(what: string, cond: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = cond();
      if (v) return v;
      if (this.exitCode !== undefined) throw new Error(`${this.name} exited (${this.exitCode}) before: ${what}\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (${this.name})\n${this.tail()}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Wait for an output line matching `re`. */
  line(re: RegExp, timeoutMs: number): Promise<string> {
    return this.until(`a line matching ${re}`, () => this.lines.find((l) => re.test(l)), timeoutMs);
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Send `signal` and wait for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    try {
      this.child.kill(signal);
    } catch {
      // gone
    }
    const t = setTimeout(() => {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** Wait for `cond()` by polling every `everyMs` until `timeoutMs` (for state outside a process's output). */
export async function poll<T>(what: string, cond: () => T | undefined | null | false, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

let labCount = 0;

/** One test's namespaces, links and processes; `teardown()` removes everything (call it in afterAll). */
export class Lab {
  readonly id: string;
  readonly namespaces: string[] = [];
  readonly procs: Proc[] = [];
  readonly dir: string;

  constructor(tag: string) {
    cleanLeftovers();
    this.id = `${NET_PREFIX}${process.pid}-${tag}${labCount++}`;
    const labs = join(repoRoot, 'node_modules', '.cache', 'teamscope-net', 'labs');
    // Folders of earlier runs (kept for a look after a failure) go once their process is gone.
    if (existsSync(labs)) {
      for (const d of readdirSync(labs)) {
        const m = new RegExp(`^${NET_PREFIX}(\\d+)-`).exec(d);
        if (m && !alive(Number(m[1]))) rmSync(join(labs, d), { recursive: true, force: true });
      }
    }
    this.dir = join(labs, this.id);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    // Should the worker exit without running afterAll, still remove what this lab created.
    process.once('exit', () => {
      for (const ns of this.namespaces) removeNamespace(ns);
    });
  }

  /**
   * Create namespace `<id>-<role>` with loopback up; returns its name. IPv6 is off unless asked
   * for, so captures hold only what the test is about (no router solicitations, MLD reports).
   */
  ns(role: string, opts: { ipv6?: boolean } = {}): string {
    const name = `${this.id}-${role}`;
    must('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    if (!opts.ipv6) {
      for (const k of ['all', 'default']) must('ip', ['netns', 'exec', name, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    }
    return name;
  }

  /** A veth pair between two namespaces (interface names are per namespace, so short names do). */
  veth(nsA: string, ifA: string, nsB: string, ifB: string, opts: { macA?: string; macB?: string; mtu?: number } = {}): void {
    const mtu = opts.mtu ? ['mtu', String(opts.mtu)] : [];
    must('ip', ['link', 'add', ifA, 'netns', nsA, ...mtu, ...(opts.macA ? ['address', opts.macA] : []), 'type', 'veth', 'peer', ifB, 'netns', nsB, ...mtu, ...(opts.macB ? ['address', opts.macB] : [])]);
    must('ip', ['-n', nsA, 'link', 'set', ifA, 'up']);
    must('ip', ['-n', nsB, 'link', 'set', ifB, 'up']);
  }

  /** A Linux bridge in `ns` with the given ports (STP off: ports forward at once). */
  bridge(ns: string, name: string, ports: readonly string[]): void {
    must('ip', ['-n', ns, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    for (const p of ports) must('ip', ['-n', ns, 'link', 'set', p, 'master', name]);
    must('ip', ['-n', ns, 'link', 'set', name, 'up']);
  }

  addr(ns: string, dev: string, cidr: string): void {
    if (!/^198\.(18|19)\./.test(cidr)) throw new Error(`lab addresses must be in 198.18.0.0/15, got ${cidr}`);
    must('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', dev]);
  }

  /** Run a command in a namespace and return its stdout (throws on failure). */
  exec(ns: string, cmd: readonly string[]): string {
    return must('ip', ['netns', 'exec', ns, ...cmd]);
  }

  /** Start a long-running process in a namespace (tracked; stopped in teardown). */
  spawn(ns: string, name: string, cmd: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
    const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  /** The MAC of `dev` in `ns`. */
  mac(ns: string, dev: string): string {
    const m = /link\/ether ([0-9a-f:]{17})/.exec(must('ip', ['-n', ns, 'link', 'show', dev]));
    if (!m) throw new Error(`no MAC for ${dev} in ${ns}`);
    return m[1]!;
  }

  /** Stop every process we started (SIGTERM, then SIGKILL), kill stragglers, delete the namespaces. */
  async teardown(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGTERM', 5000).catch(() => null)));
    for (const ns of this.namespaces.reverse()) removeNamespace(ns);
    this.namespaces.length = 0;
  }
}

/**
 * teamscope compiled for these tests: tsc into a private folder keyed by the sources' names,
 * sizes and times (so a parallel `npm test` build of dist/ is never raced), reused while the
 * sources do not change. Returns the folder (holding src/, dissectors/).
 */
export function teamscopeBuild(): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(repoRoot, 'src'));
  walk(join(repoRoot, 'dissectors'));
  files.sort();
  const h = createHash('sha1');
  for (const f of files) {
    const s = statSync(f);
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  const base = join(repoRoot, 'node_modules', '.cache', 'teamscope-net');
  const out = join(base, `build-${h.digest('hex').slice(0, 16)}`);
  if (existsSync(join(out, 'package.json'))) return out;
  mkdirSync(base, { recursive: true });
  // One builder at a time (test files start in parallel): the others wait for its result.
  const lock = `${out}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(join(out, 'package.json'))) return out;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // the lock just went away: try again
      }
      if (age > 120_000) rmSync(lock, { recursive: true, force: true }); // a builder that died
      if (Date.now() > deadline) throw new Error(`waited 180 s for another test file to build teamscope into ${out}`);
      spawnSync('sleep', ['0.2']); // a synchronous pause while polling for the other builder's result
    }
  }
  try {
    if (existsSync(join(out, 'package.json'))) return out;
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(repoRoot, 'tsconfig.json'), '--outDir', tmp, '--sourceMap', 'false'], { encoding: 'utf8', cwd: repoRoot });
    if (!existsSync(join(tmp, 'src', 'capture', 'live.js'))) throw new Error(`building teamscope for the network tests failed:\n${r.stdout}${r.stderr}`);
    // Under node_modules/ Node finds no package scope: say these files are ES modules.
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}\n');
    renameSync(tmp, out);
    // Builds of older sources are not needed any more (keep recent ones: a parallel run may use them).
    for (const d of readdirSync(base)) {
      const p = join(base, d);
      if (/^build-[0-9a-f]{16}$/.test(d) && p !== out && Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    }
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The compiled CLI entry (src/cli/main.js) for `node MAIN live ...` (TEAMSCOPE_NET_BIN overrides it). */
export function teamscopeBin(): string {
  if (process.env.TEAMSCOPE_NET_BIN) return process.env.TEAMSCOPE_NET_BIN; // another teamscope build
  const main = join(teamscopeBuild(), 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('teamscope has no src/cli/main.ts yet');
  return main;
}

/** An event line of `teamscope live --json`. */
export interface LiveEvent {
  type: string;
  id?: number | null;
  kind: string;
  time: number;
  text: string;
  [k: string]: unknown;
}

/**
 * The events `teamscope live --json` printed so far, each in its latest form (a
 * {"type":"update","id":N} line replaces event N), in the order they were first emitted.
 */
export function liveEvents(p: Proc): LiveEvent[] {
  const byId = new Map<number, LiveEvent>();
  const out: LiveEvent[] = [];
  for (const l of p.stdoutLines) {
    if (!l.startsWith('{"type":"event"') && !l.startsWith('{"type":"update"')) continue;
    const e = JSON.parse(l) as LiveEvent;
    if (e.type === 'event') {
      out.push(e);
      if (typeof e.id === 'number') byId.set(e.id, e);
    } else if (typeof e.id === 'number' && byId.has(e.id)) {
      const i = out.indexOf(byId.get(e.id)!);
      const merged = { ...e, type: 'event' };
      out[i] = merged;
      byId.set(e.id, merged);
    }
  }
  return out;
}

/** The final report line of `teamscope live --json` ({"type":"report",...}), or undefined. */
export function liveReport<T = Record<string, unknown>>(p: Proc): (T & { type: string }) | undefined {
  const l = p.stdoutLines.find((x) => x.startsWith('{"type":"report"'));
  return l ? (JSON.parse(l) as T & { type: string }) : undefined;
}
