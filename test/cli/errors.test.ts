// Bad input and bad command lines: one clear line on stderr, no stack trace, the documented exit code;
// for damage part-way through a file, everything readable before it is printed first (exit 4).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliPiped, ensureBuilt, shared } from './run.js';

beforeAll(() => ensureBuilt(), 180_000);

const tmp = mkdtempSync(join(tmpdir(), 'teamscope-cli-err-'));
const lacp = readFileSync(shared('LACP.pcap'));

/** One line on stderr, prefixed, without a stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(/^teamscope: /);
  return lines[0]!;
}

describe.each(['dissect', 'info'])('teamscope %s on bad input', (cmd) => {
  it('a missing file: exit 3, names the file', async () => {
    const r = await cli([cmd, join(tmp, 'nope.pcap')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toBe(`teamscope: ${join(tmp, 'nope.pcap')}: no such file`);
  });

  it('a directory: exit 3', async () => {
    const r = await cli([cmd, tmp]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe(`teamscope: ${tmp}: is a directory, expected a capture file`);
  });

  it('not a capture (wrong magic): exit 3, names the offset and what was expected', async () => {
    const f = join(tmp, 'text.pcap');
    writeFileSync(f, 'hello, this is not a capture file at all\n');
    const r = await cli([cmd, f]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^teamscope: ${f}: byte 0: .*magic 68 ?65 ?6c ?6c.*expected.*pcap.*pcapng`));
  });

  it('an empty file: exit 3', async () => {
    const f = join(tmp, 'empty.pcap');
    writeFileSync(f, '');
    const r = await cli([cmd, f]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^teamscope: ${f}: .*empty.*expected a pcap or pcapng header`));
  });

  it('a file cut inside a record: what came before is processed, then one line, exit 4', async () => {
    const f = join(tmp, 'cut.pcap');
    // LACP.pcap records are 16 + 124 bytes: keep 5 whole records and 60 bytes of the sixth.
    const cut = 24 + 5 * 140 + 60;
    writeFileSync(f, lacp.subarray(0, cut));
    const r = await cli([cmd, f]);
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^teamscope: ${f}: byte ${24 + 5 * 140}: .*record 6.*`));
    if (cmd === 'dissect') expect(r.stdout.trimEnd().split('\n')).toHaveLength(5);
    else expect(r.stdout).toMatch(/Packets:\s+5\n/);
  });

  it('a record with an absurd length: exit 4 after the good records', async () => {
    const f = join(tmp, 'corrupt.pcap');
    const b = Buffer.from(lacp);
    b.writeUInt32LE(0x7fffffff, 24 + 3 * 140 + 8); // caplen of record 4
    writeFileSync(f, b);
    const r = await cli([cmd, f]);
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^teamscope: ${f}: byte ${24 + 3 * 140}: record 4 claims caplen 2147483647`));
    if (cmd === 'dissect') expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
  });
});

describe('teamscope command line', () => {
  it('an unknown option: exit 2, one line', async () => {
    const r = await cli(['dissect', '--frobnicate', shared('LACP.pcap')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("teamscope: unknown option '--frobnicate'");
  });

  it('an unknown command: exit 2 with a suggestion', async () => {
    const r = await cli(['disect', shared('LACP.pcap')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^teamscope: unknown command 'disect'.*dissect/);
  });

  it('a missing capture argument: exit 2', async () => {
    const r = await cli(['dissect']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("teamscope: missing required argument 'capture'");
  });

  it('a bad -c value: exit 2', async () => {
    const r = await cli(['dissect', '-c', 'ten', shared('LACP.pcap')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^teamscope: option '-c, --count <n>' argument 'ten' is invalid/);
  });

  it('-V and --json together: exit 2', async () => {
    const r = await cli(['dissect', '-V', '--json', shared('LACP.pcap')]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });

  it('--help and --version exit 0', async () => {
    const h = await cli(['dissect', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: teamscope dissect');
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('help into a closed pipe: no error, exit 0', () => {
    const r = cliPiped(['--help'], '| head -n 1');
    expect(r.stdout).toBe('Usage: teamscope [options] [command]\n');
    expect(r.stderr).toBe('');
    expect(r.pipestatus).toEqual([0, 0]);
  });

  it('one missing file among good ones: nothing is printed, exit 3', async () => {
    const r = await cli(['dissect', shared('LACP.pcap'), join(tmp, 'missing.pcap')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    oneLine(r.stderr);
  });
});
