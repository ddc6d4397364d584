// Before-exit hooks (common.ts onExit / runExitHooks): main.ts runs them before its immediate
// process.exit when the reader of standard output goes away (`teamscope live --write F | head`);
// live registers its writer's synchronous flush so the file keeps the frames of the last second.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapHandle, CapModule } from '../../src/capture/live.js';
import { LiveSession, pcapngLiveWriter } from '../../src/capture/live-session.js';
import { readCaptures } from '../../src/capture/merge.js';
import type { Frame } from '../../src/capture/frame.js';
import { onExit, runExitHooks } from '../../src/cli/common.js';

afterEach(() => {
  runExitHooks(); // leave no hook behind
  process.exitCode = undefined;
});

describe('exit hooks', () => {
  it('run once each, in registration order, and not once unregistered', () => {
    const calls: string[] = [];
    onExit(() => calls.push('a'));
    const off = onExit(() => calls.push('b'));
    onExit(() => calls.push('c'));
    off();
    runExitHooks();
    runExitHooks();
    expect(calls).toEqual(['a', 'c']);
  });

  it('a failing hook is reported (exit code 3) and the others still run', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const calls: string[] = [];
      onExit(() => {
        throw new Error('live.pcapng: cannot write (ENOSPC)');
      });
      onExit(() => calls.push('b'));
      runExitHooks();
      expect(calls).toEqual(['b']);
      expect(err).toHaveBeenCalledWith('teamscope: live.pcapng: cannot write (ENOSPC)\n');
      expect(process.exitCode).toBe(3);
    } finally {
      err.mockRestore();
    }
  });
});

class FakeCap extends EventEmitter implements CapHandle {
  static instances: FakeCap[] = [];
  buffer: Buffer | null = null;
  constructor() {
    super();
    FakeCap.instances.push(this);
  }
  open(_d: string, _f: string, _s: number, buffer: Buffer): string {
    this.buffer = buffer;
    return 'ETHERNET';
  }
  close(): boolean {
    return true;
  }
  send(): void {}
  deliver(len: number, fill: number): void {
    this.buffer!.fill(fill, 0, len);
    this.emit('packet', len, false);
  }
}
const cap: CapModule = { Cap: Object.assign(FakeCap, { deviceList: () => [{ name: 'm0', addresses: [] }] }) };

describe('live --write and an exit on a closed pipe', () => {
  it("the exit hook puts the frames not yet flushed (the writer's 1 s period) into the file, synchronously", async () => {
    FakeCap.instances = [];
    const dir = mkdtempSync(join(tmpdir(), 'teamscope-exit-'));
    const file = join(dir, 'live.pcapng');
    const analysis = { feed: () => undefined, tick: () => undefined, finish: () => null };
    // As live.ts does: the writer's flushSync registered as an exit hook.
    const s = await LiveSession.start({ interfaces: ['m0'], cap, flushMs: 60_000 }, analysis, {
      writer: (ifs) => {
        const w = pcapngLiveWriter(file, ifs);
        onExit(() => w.flushSync?.());
        return w;
      },
    });
    try {
      const [c0] = FakeCap.instances;
      c0!.deliver(60, 1);
      c0!.deliver(61, 2);
      const before = readFileSync(file).length;
      runExitHooks(); // what main.ts does on EPIPE, just before process.exit
      expect(readFileSync(file).length).toBeGreaterThan(before);
      const set = await readCaptures([file]);
      const frames: Frame[] = [];
      for await (const b of set.batches()) frames.push(...b);
      await set.close();
      expect(set.readers.flatMap((r) => r.problems)).toEqual([]);
      expect(frames.map((f) => [f.iface.name, f.caplen, f.buf[f.off]])).toEqual([
        ['m0', 60, 1],
        ['m0', 61, 2],
      ]);
    } finally {
      s.stop();
      await s.done;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
