import { describe, expect, it } from 'vitest';
import { flagNames, parseIpv4 } from '../../dissectors/core.js';
import { registry } from '../../dissectors/index.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { setTcpChecksum, tcp, tcpFlags } from '../../dissectors/tcp.js';
import { transportChecksum } from '../../dissectors/udp.js';
import { frameOf } from '../helpers/frames.js';
import { cutEverywhere, decodeWith, fuzzDissector, roundTrip } from './harness.js';

const A = parseIpv4('192.0.2.1');
const B = parseIpv4('192.0.2.2');
const RAW_IPV4 = 228;
/** MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (a Linux SYN, 20 bytes). */
const SYN_OPTS = Uint8Array.from([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);

describe('tcp', () => {
  it('round-trips a SYN with options; flags are named', () => {
    const { layer, pkt } = roundTrip(tcp, { srcPort: 43210, dstPort: 445, seq: 0xfffffff0, ack: 0, flags: 0x002, window: 64240, options: SYN_OPTS });
    expect(layer).toMatchObject({ dataOffset: 10, optionsLen: 20, len: 40 });
    expect(flagNames(layer.flags, tcpFlags)).toEqual(['syn']);
    expect(pkt.problems).toEqual([]);
  });

  it('names every flag, AE and the reserved bits too', () => {
    const { layer } = roundTrip(tcp, { srcPort: 1, dstPort: 2, flags: 0xfff }, new Uint8Array(1));
    expect(flagNames(layer.flags, tcpFlags)).toEqual(['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ae', 'reserved']);
  });

  it('checks the data offset: below 5 malformed, past the frame malformed or truncated', () => {
    const low = decodeWith(tcp, tcp.encode({ srcPort: 1, dstPort: 2, dataOffset: 4 }));
    expect(low.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['tcp.bad-data-offset', 'malformed']]);
    const high = decodeWith(tcp, tcp.encode({ srcPort: 1, dstPort: 2, dataOffset: 15 }, new Uint8Array(8)));
    expect(high.pkt.problems.map((p) => [p.id, p.kind])).toEqual([['tcp.bad-data-offset', 'malformed']]);
    expect(high.layer!.nextTable).toBeNull();
    const cut = decodeWith(tcp, tcp.encode({ srcPort: 1, dstPort: 2, options: SYN_OPTS }), { caplen: 30 });
    expect(cut.pkt.problems.map((p) => p.kind)).toEqual(['truncated']);
  });

  it('computes the checksum with the pseudo-header when asked', () => {
    const seg = setTcpChecksum(tcp.encode({ srcPort: 1, dstPort: 2, flags: 0x18 }, new Uint8Array([1, 2, 3])), A, B);
    expect(transportChecksum(seg, 6, A, B)).toBe(0);
  });

  it('continues in tcp.port with the lower port first; raw payload when nothing is registered', () => {
    const pkt = registry.dissect(frameOf(ipv4.encode({ protocol: 6, src: A, dst: B }, tcp.encode({ srcPort: 50000, dstPort: 80, flags: 0x18 }, new Uint8Array(5))), { linkType: RAW_IPV4 }));
    expect(pkt.layers.map((l) => l.layer)).toEqual(['ipv4', 'tcp']);
    expect(pkt.rawOf).toBe('tcp.port=80');
    expect(pkt.rawEnd - pkt.rawOff).toBe(5);
  });

  it('survives every cut of a frame', () => {
    cutEverywhere(ipv4.encode({ protocol: 6, src: A, dst: B }, tcp.encode({ srcPort: 1, dstPort: 2, options: SYN_OPTS }, new Uint8Array(2))), RAW_IPV4);
  });

  it('survives fuzzing', () => {
    fuzzDissector(tcp, { samples: [ipv4.encode({ protocol: 6, src: A, dst: B }, tcp.encode({ srcPort: 1, dstPort: 2, options: SYN_OPTS }, new Uint8Array(2)))], linkType: RAW_IPV4 });
  });
});
