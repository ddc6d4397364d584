// Team traffic for the distribution tests, built from the dissectors' encoders: a server team with
// N member interfaces sending to clients by a hash policy, the switch sending back by another hash,
// LACPDUs per member, and member failures.
import { ethernet } from '../../dissectors/ethernet.js';
import { ipv4 } from '../../dissectors/ipv4.js';
import { lacp } from '../../dissectors/lacp.js';
import { tcp } from '../../dissectors/tcp.js';
import { udp } from '../../dissectors/udp.js';
import type { Frame, InterfaceInfo } from '../../src/capture/frame.js';
import type { HashFields } from '../../src/analyzers/policies.js';

export const SERVER_IP = 0x0a00000a; // 10.0.0.10
export const SERVER_MAC = 0x02aa00000001;
export const SWITCH_MAC = 0x020011223344;

export function clientIp(i: number): number {
  return (0x0a000100 + 1 + i) >>> 0; // 10.0.1.x
}
export function clientMac(i: number): number {
  return 0x02cc00000000 + i * 0x100 + (Math.imul(i + 1, 0x9e3779b1) >>> 24);
}

/** One member interface per name, one input each (as separate files would be). */
export function memberIfaces(names: readonly string[]): InterfaceInfo[] {
  return names.map((name, i) => ({ id: i, input: i, index: 0, name, linkType: 1, snaplen: 262144, tsUnitsPerSec: 1e9, tsOffset: 0 }));
}

export interface Flow {
  client: number;
  sport: number;
  dport: number;
  proto: 6 | 17;
}

/** Hash inputs of the server → client direction of a flow (what the team hashes). */
export function txFields(f: Flow): HashFields {
  return {
    srcMac: SERVER_MAC,
    dstMac: clientMac(f.client),
    etherType: 0x0800,
    vlan: -1,
    ipVersion: 4,
    srcIp: SERVER_IP,
    dstIp: clientIp(f.client),
    proto: f.proto,
    sport: f.sport,
    dport: f.dport,
    hasPorts: true,
  };
}

export class FrameBuilder {
  readonly frames: Frame[] = [];
  private counters = new Map<number, number>();
  constructor(readonly ifaces: InterfaceInfo[]) {}

  private push(bytes: Uint8Array, t: number, member: number): void {
    const iface = this.ifaces[member]!;
    const n = (this.counters.get(iface.input) ?? 0) + 1;
    this.counters.set(iface.input, n);
    const sec = Math.floor(t);
    this.frames.push({ buf: bytes, off: 0, caplen: bytes.length, origLen: Math.max(bytes.length, 60), sec, nsec: Math.round((t - sec) * 1e9), iface, index: n, fileOffset: 0, ifindex: -1 });
  }

  /** A packet of flow f at time t on member m; dir 'tx' = server → client. */
  data(f: Flow, t: number, member: number, dir: 'tx' | 'rx', size = 100, server: { mac: number; ip: number } = { mac: SERVER_MAC, ip: SERVER_IP }): void {
    const [srcMac, dstMac, src, dst, sp, dp] =
      dir === 'tx' ? [server.mac, clientMac(f.client), server.ip, clientIp(f.client), f.sport, f.dport] : [clientMac(f.client), server.mac, clientIp(f.client), server.ip, f.dport, f.sport];
    const l4 = f.proto === 6 ? tcp.encode({ srcPort: sp, dstPort: dp, flags: 0x10 }, new Uint8Array(size)) : udp.encode({ srcPort: sp, dstPort: dp }, new Uint8Array(size));
    this.push(ethernet.encode({ dst: dstMac, src: srcMac, type: 0x0800 }, ipv4.encode({ protocol: f.proto, src, dst, ttl: 64 }, l4)), t, member);
  }

  /** A LACPDU from the server's port on member m with the given actor state. */
  lacpdu(t: number, member: number, actorState: number, partnerState = 0x3d): void {
    const pdu = lacp.encode({
      actorSystemPriority: 65535,
      actorSystem: SERVER_MAC,
      actorKey: 15,
      actorPortPriority: 255,
      actorPort: member + 1,
      actorState,
      partnerSystemPriority: 32768,
      partnerSystem: SWITCH_MAC,
      partnerKey: 7,
      partnerPortPriority: 32768,
      partnerPort: 100 + member,
      partnerState,
    });
    this.push(ethernet.encode({ dst: 0x0180c2000002, src: SERVER_MAC + 0x100 * (member + 1), type: 0x8809 }, pdu), t, member);
  }

  sorted(): Frame[] {
    return [...this.frames].sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
  }
}

/** Deterministic pseudo-random numbers (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** `count` distinct flows to `clients` clients. */
export function makeFlows(count: number, clients: number, seed = 1): Flow[] {
  const r = rng(seed);
  const out: Flow[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const f: Flow = { client: Math.floor(r() * clients), sport: 80 + Math.floor(r() * 3) * 363, dport: 1024 + Math.floor(r() * 60000), proto: r() < 0.8 ? 6 : 17 };
    const k = `${f.client}/${f.sport}/${f.dport}/${f.proto}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(f);
  }
  return out;
}
