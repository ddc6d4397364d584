// The dissect renderings (one line, -V tree, NDJSON) on frames built with the dissectors' encoders.
import { describe, expect, it } from 'vitest';
import { registry } from '../../dissectors/index.js';
import { ethernet } from '../../dissectors/ethernet.js';
import { arp } from '../../dissectors/arp.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { tcp } from '../../dissectors/tcp.js';
import { parseIpv4, parseMac } from '../../dissectors/core.js';
import { PacketRenderer, TimeText, flagBitLine, timeDigits } from '../../src/report/dissect.js';
import { concat, frameOf } from '../helpers/frames.js';

const A = parseMac('00:11:22:33:44:55');
const B = parseMac('66:77:88:99:aa:bb');
const BCAST = parseMac('ff:ff:ff:ff:ff:ff');

function garp() {
  const ip = parseIpv4('10.0.0.50');
  return concat(ethernet.encode({ dst: BCAST, src: A, type: 0x0806 }), arp.encode({ opcode: 1, sha: A, spa: ip, tha: 0, tpa: ip }));
}

function syn() {
  const seg = tcp.encode({ srcPort: 40000, dstPort: 443, seq: 1, flags: 0x002, window: 1000 });
  const ip = ipv4.encode({ protocol: 6, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2'), ttl: 64 }, seg);
  return concat(ethernet.encode({ dst: B, src: A, type: 0x0800 }), ip);
}

describe('dissect renderings', () => {
  it('prints one line per packet with number, time, interface, addresses, protocol and summary', () => {
    const r = new PacketRenderer(registry, new TimeText('epoch'), ['x.pcap']);
    const line = r.line(registry.dissect(frameOf(garp(), { sec: 1700000000, nsec: 123456789, index: 7, name: 'eth0' })));
    expect(line).toMatch(/^7 1700000000\.123456789 eth0 00:11:22:33:44:55 → ff:ff:ff:ff:ff:ff ARP 42 /);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
  });

  it('uses IP addresses when the frame carries IP', () => {
    const r = new PacketRenderer(registry, new TimeText('relative'));
    const line = r.line(registry.dissect(frameOf(syn())));
    expect(line).toContain('10.0.0.1 → 10.0.0.2 TCP');
  });

  it('prints times exactly at the interface precision in every format', () => {
    const f = frameOf(garp(), { sec: 1236862017, nsec: 93766000 });
    const µs = { ...f, iface: { ...f.iface, tsUnitsPerSec: 1e6 } };
    expect(timeDigits(µs.iface)).toBe(6);
    expect(new TimeText('epoch').text(µs)).toBe('1236862017.093766');
    expect(new TimeText('absolute').text(µs)).toBe('2009-03-12T12:46:57.093766Z');
    const rel = new TimeText('relative');
    rel.setBase(µs);
    expect(rel.text({ ...µs, sec: µs.sec + 2, nsec: 0 })).toBe('1.906234');
    expect(rel.text({ ...µs, sec: µs.sec - 1, nsec: µs.nsec })).toBe('-1.000000');
  });

  it('shows every field with names and each flag bit in the -V tree', () => {
    const r = new PacketRenderer(registry, new TimeText('relative'));
    const tree = r.tree(registry.dissect(frameOf(syn())));
    expect(tree).toMatch(/^Frame 1: 54 bytes on wire/);
    expect(tree).toContain('    Source: 00:11:22:33:44:55');
    expect(tree).toContain('    Type/Length: IPv4 (0x0800)');
    expect(tree).toMatch(/Flags: 0x0*2 \(syn\)/);
    expect(tree).toContain('.... .... ..1. = SYN: Set');
    expect(tree).toContain('Protocols in frame: eth:ipv4:tcp');
  });

  it('draws flag bits like tshark', () => {
    expect(flagBitLine(0x3d, { mask: 0x04, name: 'aggregation', title: 'Aggregation' }, 8)).toBe('.... .1.. = Aggregation: Set');
    expect(flagBitLine(0x3d, { mask: 0x02, name: 'timeout', title: 'Timeout' }, 8)).toBe('.... ..0. = Timeout: Not set');
  });

  it('gives NDJSON with MACs and IPs as text and flag names', () => {
    const r = new PacketRenderer(registry, new TimeText('epoch'), ['x.pcap']);
    const obj = JSON.parse(r.json(registry.dissect(frameOf(syn(), { sec: 5, nsec: 1 }))));
    expect(obj).toMatchObject({ frame: 1, input: 0, file: 'x.pcap', iface: 'test0', sec: 5, nsec: 1, len: 54 });
    expect(obj.layers.map((l: { layer: string }) => l.layer)).toEqual(['eth', 'ipv4', 'tcp']);
    expect(obj.layers[0].fields).toMatchObject({ src: '00:11:22:33:44:55', dst: '66:77:88:99:aa:bb', type: 0x0800 });
    expect(obj.layers[1].fields).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 });
    expect(obj.layers[2].fields).toMatchObject({ srcPort: 40000, dstPort: 443, flags: 2, flagsNames: ['syn'] });
  });

  it('marks problems on the line and as expert info in the tree', () => {
    const bytes = garp().subarray(0, 30);
    const pkt = registry.dissect(frameOf(bytes, { origLen: 42 }));
    expect(pkt.problems.length).toBeGreaterThan(0);
    const r = new PacketRenderer(registry, new TimeText('relative'));
    expect(r.line(pkt)).toMatch(/\[warning arp\.truncated\]/);
    expect(r.tree(pkt)).toMatch(/\[Expert Info \(Warning\/truncated\): arp\.truncated at offset 14: /);
    const j = JSON.parse(r.json(pkt));
    expect(j.problems[0]).toMatchObject({ id: 'arp.truncated', kind: 'truncated', severity: 'warning', layer: 'arp', offset: 14 });
  });
});
