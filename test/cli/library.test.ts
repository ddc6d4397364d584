// The library entry point (package.json "main"): read, dissect and analyze without the CLI.
import { describe, expect, it } from 'vitest';
import { Pipeline, getLayer, readCaptures, registry } from '../../src/index.js';
import { shared } from './run.js';

describe('library exports (src/index.ts)', () => {
  it('reads a capture, decodes LACP and analyzes it', async () => {
    const set = await readCaptures([shared('LACP.pcap')]);
    const pipe = new Pipeline();
    pipe.setInput(0, { file: 'LACP.pcap', format: 'pcap' });
    const ports = new Set<number>();
    for await (const batch of set.batches()) {
      for (const f of batch) {
        const l = getLayer(registry.dissect(f), 'lacp');
        if (l) ports.add(l.actorPort);
        pipe.feed(f);
      }
    }
    expect([...ports].sort()).toEqual([22, 25]);
    const r = pipe.finish();
    expect(r.schema).toBe(1);
    expect(r.inputs[0]!.packets).toBe(20);
  });
});
