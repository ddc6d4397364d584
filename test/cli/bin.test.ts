import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README's quick start runs `npx teamscope ...` right after `npm ci`: the install's build step must
// leave the program executable, or npx answers "Permission denied" (npm test builds the same way first).
describe('the installed teamscope program', () => {
  it('is executable after the build and runs through npx', () => {
    expect(statSync('dist/src/cli/main.js').mode & 0o111).toBe(0o111);
    const out = execFileSync('npx', ['--no-install', 'teamscope', '--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
