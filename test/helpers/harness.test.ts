// The harness must catch the bugs it exists for: reading past caplen, throwing on content, a missing
// truncation problem, and an encoder that does not mirror its decoder.
import { describe, expect, it } from 'vitest';
import { type Dissector, type LayerMeta, type Packet, shortLayer } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { Registry } from '../../dissectors/registry.js';
import { cutEverywhere, fuzzDissector, roundTrip } from '../dissectors/harness.js';
import { frameOf } from './frames.js';

interface ToyLayer extends LayerMeta {
  readonly layer: 'toy';
  a: number;
  b: number;
}
type ToyFields = { a: number; b: number };

function toy(bug: 'none' | 'overread' | 'throw' | 'silent' | 'encode'): Dissector<ToyLayer, ToyFields> {
  return {
    name: 'toy',
    title: 'Toy',
    fields: [],
    decode(buf: Uint8Array, off: number, end: number, pkt: Packet): ToyLayer | null {
      if (bug === 'throw' && buf[off] === 0xff) throw new Error('boom');
      if (end - off < 2 && bug !== 'overread') {
        if (bug !== 'silent') shortLayer(pkt, 'toy', off, 2, end - off);
        return null;
      }
      if (bug === 'overread' && end - off < 2) shortLayer(pkt, 'toy', off, 2, end - off);
      return { layer: 'toy', off, len: 2, payloadOff: Math.min(off + 2, end), payloadEnd: end, nextTable: null, nextKey: -1, nextKey2: -1, a: buf[off] ?? 0, b: buf[off + 1] ?? 0 };
    },
    encode(f: ToyFields): Uint8Array {
      return Uint8Array.of(f.a, bug === 'encode' ? f.b ^ 1 : f.b);
    },
    summary: (l) => `toy ${l.a}`,
  };
}

function registryWith(d: Dissector<any, any>): Registry {
  return new Registry().add('linktype', 1, ethernet).add('ethertype', 0x88b5, d);
}
const frame = ethernet.encode({ dst: 1, src: 2, type: 0x88b5 }, Uint8Array.of(7, 8));

describe('dissector harness', () => {
  it('frameOf cuts to caplen and keeps origLen', () => {
    const f = frameOf([1, 2, 3, 4], { caplen: 2, origLen: 10, lead: 3, tail: 2 });
    expect([f.off, f.caplen, f.origLen, f.buf.length, f.buf[3], f.buf[5]]).toEqual([3, 2, 10, 7, 1, 0xee]);
  });

  it('passes a correct dissector', () => {
    cutEverywhere(frame, 1, { registry: registryWith(toy('none')) });
    roundTrip(toy('none'), { a: 1, b: 2 });
    fuzzDissector(toy('none'), { samples: [frame], linkType: 1, registry: registryWith(toy('none')), numRuns: 50 });
  });

  it('catches reading past caplen', () => {
    expect(() => cutEverywhere(frame, 1, { registry: registryWith(toy('overread')) })).toThrow(/past caplen/);
  });

  it('catches a missing truncation problem', () => {
    expect(() => cutEverywhere(frame, 1, { registry: registryWith(toy('silent')) })).toThrow(/expected a truncated problem from 'toy'/);
  });

  it('catches an exception escaping decode', () => {
    expect(() => fuzzDissector(toy('throw'), { samples: [Uint8Array.of(0xff, 0)], numRuns: 200 })).toThrow(/Property failed/);
  });

  it('catches an encoder that does not mirror the decoder', () => {
    expect(() => roundTrip(toy('encode'), { a: 1, b: 2 })).toThrow(/toy\.b/);
  });
});
