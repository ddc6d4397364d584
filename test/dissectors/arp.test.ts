import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arp, classifyArp, isGratuitous, type ArpFields, type ArpKind } from '../../dissectors/arp.js';
import { getLayer, parseIpv4, parseMac } from '../../dissectors/core.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { registry } from '../../dissectors/index.js';
import { cutEverywhere, decodeWith, fieldsOf, fuzzDissector, roundTrip } from './harness.js';
import { frameOf } from '../helpers/frames.js';

const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const ip = fc.integer({ min: 0, max: 0xffffffff });
export const arpFieldsArb: fc.Arbitrary<ArpFields> = fc.record({
  opcode: fc.integer({ min: 0, max: 0xffff }),
  sha: mac,
  spa: ip,
  tha: mac,
  tpa: ip,
});

const M = parseMac('00:16:3e:00:00:01');
const BCAST = parseMac('ff:ff:ff:ff:ff:ff');
const VIP = parseIpv4('10.0.0.50');
const A = parseIpv4('10.0.0.1');
const B = parseIpv4('10.0.0.2');

function ethArp(f: ArpFields, src = M): Uint8Array {
  return ethernet.encode({ dst: BCAST, src, type: 0x0806 }, arp.encode(f, new Uint8Array(18)));
}

describe('arp', () => {
  it('round-trips any Ethernet/IPv4 ARP', () => {
    fc.assert(fc.property(arpFieldsArb, (f) => void roundTrip(arp, f)));
  });

  it('round-trips other address sizes through the address block', () => {
    const addrs = Uint8Array.from({ length: 2 * (8 + 16) }, (_, i) => i);
    const { layer } = roundTrip(arp, { htype: 32, ptype: 0x86dd, hlen: 8, plen: 16, opcode: 1, sha: -1, spa: -1, tha: -1, tpa: -1, addrs });
    expect([layer.sha, layer.spa, layer.tha, layer.tpa]).toEqual([-1, -1, -1, -1]);
  });

  // RFC 826 request/reply, RFC 5227 §2.1.1 probe and §2.3 announcement, RFC 5944 §4.6 gratuitous
  // Request and Reply, RFC 903 RARP; precedence as in Wireshark packet-arp.c (see classifyArp).
  const table: [string, number, number, number, number, ArpKind][] = [
    ['request', 1, A, 0, B, 'request'],
    ['request with THA broadcast', 1, A, BCAST, B, 'request'],
    ['reply', 2, A, M, B, 'reply'],
    ['RFC 5227 probe: SPA 0, THA 0', 1, 0, 0, VIP, 'probe'],
    ['SPA 0 but THA set is a plain request', 1, 0, BCAST, VIP, 'request'],
    ['RFC 5227 announcement: SPA = TPA, THA 0', 1, VIP, 0, VIP, 'announcement'],
    ['GARP request, THA broadcast (keepalived, IPaddr2)', 1, VIP, BCAST, VIP, 'gratuitous-request'],
    ['GARP request, THA = SHA', 1, VIP, M, VIP, 'gratuitous-request'],
    ['GARP reply, THA = SHA (arping -A)', 2, VIP, M, VIP, 'gratuitous-reply'],
    ['GARP reply, THA broadcast', 2, VIP, BCAST, VIP, 'gratuitous-reply'],
    ['GARP reply, THA zero', 2, VIP, 0, VIP, 'gratuitous-reply'],
    ['SPA = TPA = 0 with THA 0: announcement, as Wireshark', 1, 0, 0, 0, 'announcement'],
    ['RARP request', 3, 0, M, 0, 'rarp-request'],
    ['RARP reply', 4, B, M, B, 'rarp-reply'],
    ['InARP request', 8, A, 0, A, 'other'],
  ];
  it.each(table)('classifies %s', (_, op, spa, tha, tpa, kind) => {
    expect(classifyArp(op, M, spa, tha, tpa)).toBe(kind);
    const p = registry.dissect(frameOf(ethArp({ opcode: op, sha: M, spa, tha, tpa })));
    expect(getLayer(p, 'arp')!.kind).toBe(kind);
  });

  it('counts announcements and both GARP forms as gratuitous', () => {
    expect((['announcement', 'gratuitous-request', 'gratuitous-reply'] as ArpKind[]).every(isGratuitous)).toBe(true);
    expect((['request', 'reply', 'probe', 'rarp-request', 'rarp-reply', 'other'] as ArpKind[]).some(isGratuitous)).toBe(false);
  });

  it('summarises like Wireshark', () => {
    const s = (op: number, spa: number, tha: number, tpa: number) => arp.summary(decodeWith(arp, arp.encode({ opcode: op, sha: M, spa, tha, tpa })).layer!);
    expect(s(1, B, 0, A)).toBe('Who has 10.0.0.1? Tell 10.0.0.2');
    expect(s(2, A, M, B)).toBe('10.0.0.1 is at 00:16:3e:00:00:01');
    expect(s(1, VIP, BCAST, VIP)).toBe('Gratuitous ARP for 10.0.0.50 (Request)');
    expect(s(2, VIP, M, VIP)).toBe('Gratuitous ARP for 10.0.0.50 (Reply)');
    expect(s(1, VIP, 0, VIP)).toBe('ARP Announcement for 10.0.0.50');
    expect(s(1, 0, 0, VIP)).toBe('Who has 10.0.0.50? (ARP Probe)');
    expect(s(3, 0, M, 0)).toBe('Who is 00:16:3e:00:00:01? Tell 00:16:3e:00:00:01');
  });

  it('leaves Ethernet padding as raw bytes after the 28-byte body', () => {
    const p = registry.dissect(frameOf(ethArp({ opcode: 1, sha: M, spa: A, tha: 0, tpa: B })));
    expect(p.layers.map((l) => l.layer)).toEqual(['eth', 'arp']);
    expect(getLayer(p, 'arp')!.len).toBe(28);
    expect(p.rawEnd - p.rawOff).toBe(18);
    expect(p.problems).toEqual([]);
  });

  it('notes a sender MAC that differs from the Ethernet source', () => {
    const p = registry.dissect(frameOf(ethArp({ opcode: 2, sha: M, spa: A, tha: M, tpa: B }, M + 1)));
    expect(p.problems.map((x) => [x.id, x.kind, x.offset])).toEqual([['arp.sender-mac-mismatch', 'unusual', 22]]);
  });

  it('reports sizes that do not fit the types, and an address block beyond the frame', () => {
    const b = arp.encode({ htype: 1, ptype: 0x0800, hlen: 37, plen: 0, opcode: 1, sha: -1, spa: -1, tha: -1, tpa: -1 });
    const { layer, pkt } = decodeWith(arp, b.subarray(0, 40));
    expect(layer!.len).toBe(40);
    expect(pkt.problems.map((x) => [x.id, x.kind])).toEqual([
      ['arp.short', 'malformed'],
      ['arp.hlen-mismatch', 'unusual'],
      ['arp.plen-mismatch', 'unusual'],
    ]);
    expect(typeof arp.summary(layer!)).toBe('string');
  });

  it('checks the length of an ATMARP packet (hardware type 19, RFC 2225 §8.7) without decoding its addresses', () => {
    // arp-oobr.pcap frame 1166: an RFC 826 body under hardware type 19; read as ATMARP its lengths overrun.
    const bad = Uint8Array.from([0, 19, 8, 0, 6, 4, 0, 1, 0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79, 0xc0, 0xa8, 1, 0x68, 0, 0, 0, 0, 0, 0, 0xc0, 0xa8, 1, 1]);
    const { layer, pkt } = decodeWith(arp, bad);
    expect([layer!.kind, layer!.sha]).toEqual(['other', -1]);
    expect(pkt.problems.map((p) => [p.id, p.kind])).toEqual([['arp.short', 'malformed'], ['arp.atmarp', 'unusual']]);
    const ok = Uint8Array.from([0, 19, 8, 0, 0, 0, 0, 1, 4, 0, 0, 4, 10, 0, 0, 1, 10, 0, 0, 2]);
    const r = roundTrip(arp, fieldsOf(decodeWith(arp, ok).layer!));
    expect(r.layer.len).toBe(20);
  });

  it('survives every cut', () => cutEverywhere(ethArp({ opcode: 1, sha: M, spa: VIP, tha: BCAST, tpa: VIP })));
  it('survives fuzzing', () =>
    fuzzDissector(arp, { samples: [arp.encode({ opcode: 1, sha: M, spa: A, tha: 0, tpa: B }), arp.encode({ hlen: 14, plen: 4, opcode: 1, sha: -1, spa: 1, tha: -1, tpa: 1 })], linkType: 1 }));
});
