#!/usr/bin/env node
// `npm test`: type-check, run every vitest suite, and end with the plain line "N passed, N failed".
// The network tests (test/net: real daemons, replay with original timing) run in a second phase,
// one file at a time, so the offline suites' load on a 2-core machine cannot skew their timing.
// Arguments after `npm test --` go to vitest as they are, in one phase.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('type check failed (tsc -p tsconfig.json)');
  process.exit(1);
}
chmodSync('dist/src/cli/main.js', 0o755); // as `npm run build` does: the bin npx runs
// The tests are TypeScript too: type-check them (strict, as the sources) without emitting.
const tscTests = spawnSync(bin('tsc'), ['-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (tscTests.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('type check of the tests failed (tsc -p tsconfig.test.json)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'teamscope-test-'));
const totals = { passed: 0, failed: 0, skipped: 0, ok: true };

/** Run vitest once with extra arguments and add its counts to the totals. */
function phase(name, extra) {
  const out = join(dir, `${name}.json`);
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, '--passWithNoTests', ...extra, ...process.argv.slice(2)];
  const run = spawnSync(bin('vitest'), args, { stdio: 'inherit' });
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    totals.failed += failed;
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (run.status !== 0) {
      totals.ok = false;
      if (failed === 0) totals.failed += 1;
    }
  } catch {
    totals.ok = false;
    totals.failed += 1;
  }
}

if (process.argv.length > 2) {
  phase('selected', []);
} else {
  phase('offline', ['--exclude', 'test/net/**']);
  phase('network', ['test/net/', '--no-file-parallelism']);
}
rmSync(dir, { recursive: true, force: true });

const code = totals.ok && totals.failed === 0 ? 0 : 1;
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(code);
