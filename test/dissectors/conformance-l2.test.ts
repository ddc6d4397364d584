// Link-layer and slow-protocol conformance against real captures (../shared/captures, tcpdump's test
// suite) and against frames built by our encoders: tshark is the field-by-field oracle, tcpdump's saved
// outputs (*.out) the second one. Any difference fails unless it is listed below as tshark's own quirk.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type FieldDesc, type LayerMeta, type Packet, flagNames, getLayer, ipv4Text, macText, parseMac } from '../../dissectors/core.js';
import { arp, type ArpFields, type ArpKind, type ArpLayer } from '../../dissectors/arp.js';
import { ethernet, type EthLayer } from '../../dissectors/ethernet.js';
import { registry } from '../../dissectors/index.js';
import { lacp, lacpStateFlags } from '../../dissectors/lacp.js';
import { llc } from '../../dissectors/llc.js';
import { marker } from '../../dissectors/marker.js';
import { ossp, OUI_ITU_T } from '../../dissectors/ossp.js';
import { sll } from '../../dissectors/sll.js';
import { sll2 } from '../../dissectors/sll2.js';
import { vlan, type VlanLayer } from '../../dissectors/vlan.js';
import { compareWithTshark } from '../helpers/conformance.js';
import { concat, frameOf, hexBytes } from '../helpers/frames.js';
import { writeTempPcap } from '../helpers/pcap.js';
import { oraclesRequired, type TsharkFrame, tsharkAvailable, tsharkFrames } from '../helpers/tshark.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const capture = (name: string) => resolve(repoRoot, '../shared/captures', name);

/**
 * tshark options: no cross-packet duplicate-IP state (teamscope keeps that in analyzers, STYLE.md) and
 * no F5 trailer heuristic (it claims the Ethernet padding of arp-oobr.pcap frame 41).
 */
const TSHARK_OPTS = ['-o', 'arp.detect_duplicate_ips:FALSE', '--disable-protocol', 'f5ethtrailer'];

/**
 * tshark's naming, not an error: an 802.1ad S-tag (TPID 0x88a8) is dissected by 'ieee8021ad', whose
 * type field is registered as 'ieee8021ah.etype' (same field as 802.1ah I-tags in packet-ieee8021ah.c).
 */
function rename(name: string, layer: LayerMeta, index: number, pkt: Packet): string {
  if (layer.layer !== 'vlan') return name;
  const parent = pkt.layers[index - 1] as unknown as { type?: number } | undefined;
  if (parent?.type !== 0x88a8) return name;
  return name === 'vlan.etype' ? 'ieee8021ah.etype' : name.replace(/^vlan\./, 'ieee8021ad.');
}

/**
 * ARP addresses tshark cannot show (documented, not differences): when the address block is cut,
 * packet-arp.c reads TPA (tvb_get_ptr for the gratuitous test) before it adds any address to the tree, so
 * the exception leaves none; and addresses of sizes other than 6/4 are compared as bytes by arpBlock().
 */
function skip(desc: FieldDesc, layer: LayerMeta): string | null {
  if (layer.layer !== 'arp') return null;
  const a = layer as ArpLayer;
  if (a.htype === 19) return 'ATMARP: not decoded by teamscope (RFC 2225 §8.7 layout), tshark dissects it as atmarp';
  const hw = desc.name === 'sha' || desc.name === 'tha';
  const pr = desc.name === 'spa' || desc.name === 'tpa';
  if (!hw && !pr) return null;
  if (a.len < 8 + 2 * (a.hlen + a.plen)) return 'address block cut: tshark shows no address';
  if (hw && a.hlen !== 6) return 'compared as bytes';
  if (pr && a.plen !== 4) return 'compared as bytes';
  return null;
}

/** ARP addresses of any size against tshark's byte fields (arp.src.hw, arp.src.proto, ...). */
function arpBlock(tf: TsharkFrame, pkt: Packet): string[] {
  const a = getLayer(pkt, 'arp');
  if (!a || a.htype === 19 || a.len < 8 + 2 * (a.hlen + a.plen)) return [];
  const out: string[] = [];
  const part = (at: number, n: number) => Buffer.from(a.addrs.subarray(at, at + n)).toString('hex');
  const cmp = (names: string[], at: number, n: number) => {
    if (n === 0) return;
    const v = names.map((x) => tf.fields.get(x)?.[0]).find((x) => x !== undefined);
    const want = part(at, n);
    const got = v === undefined ? undefined : /^\d+\.\d+\.\d+\.\d+$/.test(v) ? Buffer.from(v.split('.').map(Number)).toString('hex') : v.replace(/:/g, '');
    if (got !== want) out.push(`frame ${tf.number}: arp ${names[0]} ours ${want}, tshark ${v}`);
  };
  const h = a.hlen;
  const p = a.plen;
  cmp(['arp.src.hw', 'arp.src.hw_mac'], 0, h);
  cmp(['arp.src.proto', 'arp.src.proto_ipv4'], h, p);
  cmp(['arp.dst.hw', 'arp.dst.hw_mac'], h + p, h);
  if (a.opcode !== 7) cmp(['arp.dst.proto', 'arp.dst.proto_ipv4'], 2 * h + p, p);
  return out;
}

/** Our layer names as tshark names its protocols. */
function tsharkLayerNames(pkt: Packet): string[] {
  return pkt.layers.map((l, i) => (l.layer === 'sll2' ? 'sll' : l.layer === 'vlan' && rename('vlan.id', l, i, pkt) !== 'vlan.id' ? 'ieee8021ad' : l.layer));
}
const KNOWN = new Set(['eth', 'vlan', 'ieee8021ad', 'llc', 'arp', 'slow', 'lacp', 'marker', 'ossp', 'sll']);

function dissect(tf: TsharkFrame, linkType: number): Packet {
  return registry.dissect(frameOf(tf.raw, { linkType, caplen: tf.capLen, origLen: tf.frameLen, index: tf.number }));
}

/** Field differences plus protocol-stack differences for one frame. */
function differences(tf: TsharkFrame, pkt: Packet): string[] {
  const diffs = compareWithTshark(pkt, tf, registry, { rename, skip });
  diffs.push(...arpBlock(tf, pkt));
  let ours = tsharkLayerNames(pkt);
  // AX.25 hardware type (arp-oobr.pcap frame 186): packet-arp.c hands the frame to its ax25arp handle,
  // which frame.protocols lists as a second 'arp'; one ARP either way.
  const theirs = tf.layers.filter((n, i, all) => KNOWN.has(n) && !(n === 'arp' && all[i - 1] === 'arp'));
  // A malformed ATMARP packet (arp-oobr.pcap frame 1166) throws in tshark before its 'arp' item exists.
  if (getLayer(pkt, 'arp')?.htype === 19 && !theirs.includes('arp')) ours = ours.filter((n) => n !== 'arp');
  if (ours.join(':') !== theirs.join(':')) diffs.push(`frame ${tf.number}: layers ours ${ours.join(':')}, tshark ${theirs.join(':')}`);
  return diffs;
}

/** tshark's ARP classification flags as our kind (packet-arp.c; see classifyArp). */
function tsharkArpKind(tf: TsharkFrame, opcode: number): ArpKind {
  const on = (n: string) => tf.fields.get(n)?.[0] === '1';
  if (on('arp.isannouncement')) return 'announcement';
  if (on('arp.isprobe')) return 'probe';
  if (on('arp.isgratuitous')) return opcode === 1 ? 'gratuitous-request' : 'gratuitous-reply';
  return opcode === 1 ? 'request' : opcode === 2 ? 'reply' : opcode === 3 ? 'rarp-request' : opcode === 4 ? 'rarp-reply' : 'other';
}

function checkArpKind(tf: TsharkFrame, pkt: Packet): string[] {
  const a = getLayer(pkt, 'arp');
  if (!a || a.htype === 19 || a.len < 8 + 2 * (a.hlen + a.plen)) return [];
  const want = tsharkArpKind(tf, a.opcode);
  return a.kind === want ? [] : [`frame ${tf.number}: arp kind ours ${a.kind}, tshark ${want}`];
}

const HAVE = tsharkAvailable();
const REQUIRE = oraclesRequired();
const NO_TSHARK = 'tshark is not installed (apt-get install tshark); set CI or TEAMSCOPE_REQUIRE_NET to make this a failure';
if (!HAVE) console.warn(`conformance-l2: ${REQUIRE ? 'FAILING' : 'SKIPPED'}: ${NO_TSHARK}`);
const suite = HAVE || REQUIRE ? describe : describe.skip;

suite(`link layer conformance with tshark${HAVE || REQUIRE ? '' : ` (SKIPPED: ${NO_TSHARK})`}`, () => {
  if (!HAVE) {
    it('needs tshark', () => {
      throw new Error(NO_TSHARK);
    });
    return;
  }

  const files: [string, number][] = [
    ['LACP.pcap', 20],
    ['802.1ad_QinQ.pcap', 2],
    ['slow-ossp.pcap', 1],
    ['arp-oobr.pcap', 2282],
    ['arp-too-long-tha.pcap', 1],
  ];
  const frames = new Map<string, TsharkFrame[]>();
  const get = (f: string) => {
    let v = frames.get(f);
    if (!v) frames.set(f, (v = tsharkFrames(capture(f), TSHARK_OPTS)));
    return v;
  };

  it.each(files)('%s: every tshark-named field of every frame agrees with tshark', (file, count) => {
    const tfs = get(file);
    expect(tfs.length).toBe(count);
    const diffs: string[] = [];
    for (const tf of tfs) {
      const pkt = dissect(tf, 1);
      diffs.push(...differences(tf, pkt), ...checkArpKind(tf, pkt));
    }
    expect(diffs.slice(0, 40)).toEqual([]);
  });

  it('malformed ARP captures decode without throwing, with typed problems where tshark sees a malformed ARP', () => {
    const mismatch: string[] = [];
    let malformed = 0;
    for (const file of ['arp-oobr.pcap', 'arp-too-long-tha.pcap']) {
      for (const tf of get(file)) {
        const pkt = dissect(tf, 1);
        const tsharkBad = (tf.fields.get('_ws.malformed') ?? []).length > 0 || tf.protocols.includes('_ws.malformed');
        const ours = pkt.problems.filter((p) => p.kind !== 'unusual');
        for (const p of pkt.problems) expect(p.id).toMatch(/^(eth|vlan|arp)\.[a-z-]+$/);
        if (tsharkBad) malformed++;
        if (tsharkBad !== ours.length > 0) mismatch.push(`${file} frame ${tf.number}: tshark malformed ${tsharkBad}, ours ${JSON.stringify(ours.map((p) => p.id))}`);
      }
    }
    expect(malformed).toBeGreaterThan(80);
    expect(mismatch).toEqual([]);
  });

  it('arp-too-long-tha.pcap: a 14-octet hardware address is kept in the address block', () => {
    const [tf] = get('arp-too-long-tha.pcap');
    const pkt = dissect(tf!, 1);
    const a = getLayer(pkt, 'arp')!;
    expect([a.htype, a.hlen, a.plen, a.sha, a.tha, a.kind]).toEqual([0x3030, 14, 4, -1, -1, 'gratuitous-request']);
    const hex = (s: string | undefined) => (s ?? '').replace(/:/g, '');
    expect(Buffer.from(a.addrs.subarray(0, 14)).toString('hex')).toBe(hex(tf!.fields.get('arp.src.hw')?.[0]));
    expect(Buffer.from(a.addrs.subarray(18, 32)).toString('hex')).toBe(hex(tf!.fields.get('arp.dst.hw')?.[0]));
    expect(ipv4Text(a.spa)).toBe(tf!.fields.get('arp.src.proto_ipv4')?.[0]);
    expect(pkt.frame.caplen).toBeLessThan(pkt.frame.origLen);
  });

  // ---- frames built by our encoders, decoded by tshark -------------------------------------------------
  const M1 = parseMac('00:16:3e:00:00:01');
  const M2 = parseMac('00:16:3e:00:00:02');
  const BC = parseMac('ff:ff:ff:ff:ff:ff');
  const SLOW = parseMac('01:80:c2:00:00:02');
  const ip = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const eth = (type: number, payload: Uint8Array, src = M1, dst = BC) => ethernet.encode({ dst, src, type }, payload);
  const pad = (b: Uint8Array) => (b.length >= 60 ? b : concat(b, new Uint8Array(60 - b.length)));
  const arpF = (f: ArpFields) => pad(eth(0x0806, arp.encode(f)));
  const lacpBase = {
    actorSystemPriority: 65535, actorSystem: M1, actorKey: 0x21, actorPortPriority: 255, actorPort: 3, actorState: 0x3d,
    partnerSystemPriority: 32768, partnerSystem: M2, partnerKey: 17, partnerPortPriority: 32768, partnerPort: 40, partnerState: 0x3f,
    collectorMaxDelay: 5,
  };
  const ethFrames: Uint8Array[] = [
    arpF({ opcode: 1, sha: M1, spa: ip('10.0.0.2'), tha: 0, tpa: ip('10.0.0.1') }),
    pad(eth(0x0806, arp.encode({ opcode: 2, sha: M2, spa: ip('10.0.0.1'), tha: M1, tpa: ip('10.0.0.2') }), M2, M1)),
    arpF({ opcode: 1, sha: M1, spa: 0, tha: 0, tpa: ip('10.0.0.50') }),
    arpF({ opcode: 1, sha: M1, spa: ip('10.0.0.50'), tha: 0, tpa: ip('10.0.0.50') }),
    arpF({ opcode: 1, sha: M1, spa: ip('10.0.0.50'), tha: BC, tpa: ip('10.0.0.50') }),
    arpF({ opcode: 2, sha: M1, spa: ip('10.0.0.50'), tha: M1, tpa: ip('10.0.0.50') }),
    arpF({ opcode: 2, sha: M1, spa: ip('10.0.0.50'), tha: BC, tpa: ip('10.0.0.50') }),
    pad(eth(0x8035, arp.encode({ opcode: 3, sha: M1, spa: 0, tha: M1, tpa: 0 }))),
    eth(0x8809, lacp.encode(lacpBase), M1, SLOW),
    eth(0x8809, lacp.encode({ ...lacpBase, version: 2, tlvs: [{ type: 4, value: Uint8Array.of(0, 0x80, 0xc2, 5) }, { type: 5, value: new Uint8Array(18).fill(7) }] }), M1, SLOW),
    eth(0x8809, lacp.encode({ ...lacpBase, vendor: hexBytes('6418' + '0000' + '0007' + '3cd92b000001' + '0000000000000000' + '0002' + '0011' + '0000') }), M1, SLOW),
    eth(0x8809, marker.encode({ tlvType: 1, requesterPort: 3, requesterSystem: M1, requesterTransactionId: 77 }), M1, SLOW),
    eth(0x8809, marker.encode({ tlvType: 2, requesterPort: 3, requesterSystem: M1, requesterTransactionId: 77 }), M2, SLOW),
    pad(eth(0x8809, ossp.encode({ oui: OUI_ITU_T, eventFlag: 1, ssmCode: 2, extTlvType: 2, essmCode: 0x20, clockId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), extFlags: 1, eeecCount: 3, eecCount: 1 }), M1, SLOW)),
    pad(eth(0x9100, vlan.encode({ pcp: 7, dei: 1, vid: 10, type: 0x88a8 }, vlan.encode({ pcp: 3, dei: 0, vid: 20, type: 0x8100 }, vlan.encode({ pcp: 0, dei: 0, vid: 4094, type: 0x0806 }, arp.encode({ opcode: 1, sha: M1, spa: 1, tha: 0, tpa: 2 })))))),
    pad(eth(36, llc.encode({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x0806 }, arp.encode({ opcode: 1, sha: M1, spa: 1, tha: 0, tpa: 2 })))),
    pad(eth(0x8100, vlan.encode({ pcp: 1, dei: 0, vid: 5, type: 38 }, llc.encode({ dsap: 0x42, ssap: 0x42, control: 3 }, new Uint8Array(35))), M1, parseMac('01:80:c2:00:00:00'))),
  ];

  it('frames built by our encoders: tshark reads every field as we wrote it', () => {
    const file = writeTempPcap(ethFrames, 1);
    const tfs = tsharkFrames(file, TSHARK_OPTS);
    expect(tfs.length).toBe(ethFrames.length);
    const diffs: string[] = [];
    for (const tf of tfs) {
      const pkt = dissect(tf, 1);
      expect(pkt.problems, `frame ${tf.number}`).toEqual([]);
      diffs.push(...differences(tf, pkt), ...checkArpKind(tf, pkt));
    }
    expect(diffs).toEqual([]);
  });

  it('Linux cooked captures (SLL and SLL2) built by our encoders agree with tshark', () => {
    const body = arp.encode({ opcode: 1, sha: M1, spa: 1, tha: 0, tpa: 2 });
    const v1 = [
      sll.encode({ packetType: 4, arphrd: 1, src: M1, protocol: 0x0806 }, body),
      sll.encode({ packetType: 0, arphrd: 1, src: M2, protocol: 0x8809 }, lacp.encode(lacpBase)),
      sll.encode({ packetType: 1, arphrd: 1, src: M2, protocol: 4 }, llc.encode({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x0806 }, body)),
    ];
    const v2 = [
      sll2.encode({ protocol: 0x8809, ifindex: 3, arphrd: 1, packetType: 4, src: M1 }, lacp.encode(lacpBase)),
      sll2.encode({ protocol: 0x0806, ifindex: 0x01020304, arphrd: 1, packetType: 0, src: M2 }, body),
    ];
    const diffs: string[] = [];
    for (const [frames, linkType] of [[v1, 113], [v2, 276]] as const) {
      for (const tf of tsharkFrames(writeTempPcap(frames, linkType), TSHARK_OPTS)) {
        const pkt = dissect(tf, linkType);
        expect(pkt.problems).toEqual([]);
        diffs.push(...differences(tf, pkt));
      }
    }
    expect(diffs).toEqual([]);
  });
});

// ---- tcpdump's saved outputs: the second oracle ---------------------------------------------------------

/** Frames of a capture in tcpdump's numbering, from tshark's raw bytes (or skipped without tshark). */
function rawFrames(file: string): TsharkFrame[] {
  return tsharkFrames(capture(file));
}

/** tcpdump -v text blocks by frame number ("    N  time ..." starts a block). */
function tcpdumpBlocks(file: string): Map<number, string> {
  const out = new Map<number, string>();
  let n = 0;
  for (const line of readFileSync(capture(file), 'utf8').split('\n')) {
    const m = /^\s+(\d+)\s+\d{4}-\d\d-\d\d /.exec(line);
    if (m) n = Number(m[1]);
    if (n > 0) out.set(n, `${out.get(n) ?? ''}${line}\n`);
  }
  return out;
}

/** tcpdump print-slow.c flag names → ours. */
const TCPDUMP_FLAGS: Record<string, string> = {
  Activity: 'activity',
  Timeout: 'timeout',
  Aggregation: 'aggregation',
  Synchronization: 'synchronization',
  Collecting: 'collecting',
  Distributing: 'distributing',
  Default: 'defaulted',
  Expired: 'expired',
};

(HAVE ? describe : describe.skip)(`link layer conformance with tcpdump outputs${HAVE ? '' : ' (SKIPPED: frame bytes come from tshark)'}`, () => {

  it('lacp-ev.out: systems, priorities, keys, ports, state flags, max delay, lengths of all 20 frames', () => {
    const blocks = tcpdumpBlocks('lacp-ev.out');
    const tfs = rawFrames('LACP.pcap');
    expect(blocks.size).toBe(tfs.length);
    const mism: string[] = [];
    for (const tf of tfs) {
      const text = blocks.get(tf.number)!;
      const pkt = dissect(tf, 1);
      const e = getLayer(pkt, 'eth')!;
      const l = getLayer(pkt, 'lacp')!;
      const head = `${ethernet.summary(e)}, length ${tf.frameLen}: LACPv${l.version}, length ${l.len}`;
      if (!text.includes(head)) mism.push(`frame ${tf.number}: header '${head}' not in tcpdump's`);
      const sides = [...text.matchAll(/System (\S+), System Priority (\d+), Key (\d+), Port (\d+), Port Priority (\d+)\n\s+State Flags \[([^\]]*)\]/g)];
      const ours = [
        [l.actorSystem, l.actorSystemPriority, l.actorKey, l.actorPort, l.actorPortPriority, l.actorState],
        [l.partnerSystem, l.partnerSystemPriority, l.partnerKey, l.partnerPort, l.partnerPortPriority, l.partnerState],
      ];
      expect(sides.length).toBe(2);
      sides.forEach((m, i) => {
        const [sys, prio, key, port, pprio, state] = ours[i]!;
        const theirFlags = m[6]!.split(', ').filter((x) => x && x !== 'none').map((x) => TCPDUMP_FLAGS[x] ?? `?${x}`);
        const got = [macText(sys!), prio, key, port, pprio, flagNames(state!, lacpStateFlags)];
        const want = [m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), theirFlags];
        if (JSON.stringify(got) !== JSON.stringify(want)) mism.push(`frame ${tf.number} ${i ? 'partner' : 'actor'}: ours ${JSON.stringify(got)}, tcpdump ${JSON.stringify(want)}`);
      });
      const delay = /Max Delay (\d+)/.exec(text);
      if (Number(delay?.[1]) !== l.collectorMaxDelay) mism.push(`frame ${tf.number}: max delay ours ${l.collectorMaxDelay}, tcpdump ${delay?.[1]}`);
      const tlvs = [...text.matchAll(/TLV \(0x([0-9a-f]{2})\), length (\d+)/g)].map((m) => [parseInt(m[1]!, 16), Number(m[2])]);
      const ourTlvs = [[l.actorType, l.actorLength], [l.partnerType, l.partnerLength], [l.collectorType, l.collectorLength], [l.terminatorType, l.terminatorLength]];
      if (JSON.stringify(tlvs) !== JSON.stringify(ourTlvs)) mism.push(`frame ${tf.number}: TLVs ours ${JSON.stringify(ourTlvs)}, tcpdump ${JSON.stringify(tlvs)}`);
    }
    expect(mism).toEqual([]);
  });

  it.each(['802.1ad_QinQ.out', '802.1ad_QinQv.out'])('%s: MACs, ethertypes, VLAN ids and priorities, ARP addresses', (out) => {
    const blocks = tcpdumpBlocks(out);
    const mism: string[] = [];
    for (const tf of rawFrames('802.1ad_QinQ.pcap')) {
      const text = blocks.get(tf.number)!;
      const pkt = dissect(tf, 1);
      const tags = pkt.layers.filter((x) => x.layer === 'vlan') as VlanLayer[];
      const stack = `${ethernet.summary(getLayer(pkt, 'eth') as EthLayer)}, length ${tf.frameLen}: ${tags.map((t) => vlan.summary(t)).join(', ')}, `;
      if (!text.includes(stack)) mism.push(`frame ${tf.number}: '${stack}' not in tcpdump's '${text.trim()}'`);
      const a = getLayer(pkt, 'arp')!;
      const req = /Request who-has (\S+) tell (\S+), length (\d+)/.exec(text);
      const rep = /Reply (\S+) is-at (\S+), length (\d+)/.exec(text);
      const got = a.opcode === 1 ? ['req', ipv4Text(a.tpa), ipv4Text(a.spa)] : ['rep', ipv4Text(a.spa), macText(a.sha)];
      const want = req ? ['req', req[1], req[2]] : rep ? ['rep', rep[1], rep[2]] : ['?'];
      if (JSON.stringify(got) !== JSON.stringify(want)) mism.push(`frame ${tf.number}: ARP ours ${got}, tcpdump ${want}`);
      const len = Number((req ?? rep)?.[3]);
      if (len !== pkt.frame.caplen - (a.off - pkt.frame.off)) mism.push(`frame ${tf.number}: ARP length ours ${pkt.frame.caplen - a.off}, tcpdump ${len}`);
      if (out.endsWith('v.out') && !text.includes(`Ethernet (len ${a.hlen}), IPv4 (len ${a.plen})`)) mism.push(`frame ${tf.number}: sizes`);
    }
    expect(mism).toEqual([]);
  });

  it('slow-ossp.out: OSSP length, OUI and the bytes after it', () => {
    const text = tcpdumpBlocks('slow-ossp.out').get(1)!;
    const [tf] = rawFrames('slow-ossp.pcap');
    const pkt = dissect(tf!, 1);
    const o = getLayer(pkt, 'ossp')!;
    expect(text).toContain(`OSSP, length ${tf!.capLen - 14}`);
    expect(text).toContain(`OUI: ITU-T (0x${o.oui.toString(16).padStart(6, '0')})`);
    const dump = [...text.matchAll(/0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4}\s?)+)/g)].map((m) => m[1]!.replace(/\s/g, '')).join('');
    expect(Buffer.from(pkt.frame.buf.subarray(o.off + 4, o.off + 4 + dump.length / 2)).toString('hex')).toBe(dump);
    expect([o.ituSubtype, o.esmcVersion, o.qlTlvType, o.qlTlvLength, o.ssmCode]).toEqual([1, 1, 1, 4, 4]);
  });
});
