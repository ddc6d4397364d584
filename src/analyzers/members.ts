// Team members: which member a frame belongs to — its capture interface (pcapng IDB, file, SLL2
// ifindex as `ifindex:N`) or a MAC the user mapped with --member NAME=MAC|IFACE (issue 4, "Team
// member distribution"; FINDINGS.md `iface`). Resolution is numeric and cached per interface.
import type { Frame } from '../capture/frame.js';
import { LinkType } from '../capture/frame.js';
import { parseMac } from '../../dissectors/core.js';
import type { PacketSummary } from './summary.js';

/** At most this many members are told apart (a bit each in per-flow member masks). */
export const MAX_MEMBERS = 32;

/** How a member was recognised. */
export type MemberSource = 'interface' | 'ifindex' | 'mac';

/** One team member as the report names it. */
export interface MemberIdentity {
  name: string;
  source: MemberSource;
  /** Capture interfaces (names) whose frames went to this member. */
  ifaces: string[];
  /** MACs mapped to it by --member. */
  macs: string[];
  /** Input index of its (first) interface, -1 for MAC members. */
  input: number;
  /** Report order: MAC members as given, then interfaces in capture order, SLL2 indexes by number. */
  rank: number;
}

/**
 * Parse `--member NAME=MAC|IFACE` options into AnalysisSettings.memberMap (key: lower-case MAC text or
 * interface name; value: member name). Throws an Error with a one-line message on a bad spec.
 */
export function parseMemberOptions(specs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(.+)$/.exec(spec.trim());
    if (!m) throw new Error(`bad --member '${spec}': expected NAME=MAC or NAME=IFACE, e.g. eth1=aa:bb:cc:dd:ee:01`);
    const name = m[1]!.trim();
    for (const target of m[2]!.split(',')) {
      const t = target.trim();
      const mac = parseMac(t);
      map[Number.isNaN(mac) ? t : t.toLowerCase().replace(/-/g, ':')] = name;
    }
  }
  return map;
}

/** The members of one analysis run, discovered as frames arrive. */
export class MemberSet {
  readonly members: MemberIdentity[] = [];
  /** Frames that could not get a member of their own because MAX_MEMBERS was reached. */
  overflowFrames = 0;
  private readonly byName = new Map<string, number>();
  private readonly macMember = new Map<number, number>();
  private readonly ifaceNames = new Map<string, string>();
  /** Member of each interface id (-1 not resolved yet, -2 SLL2: per ifindex). */
  private ifaceMember = new Int32Array(16).fill(-1);
  private readonly ifindexMember = new Map<number, number>();
  private readonly ifaceNameSeen = new Map<string, number>();

  constructor(memberMap: Readonly<Record<string, string>> = {}) {
    for (const [key, name] of Object.entries(memberMap)) {
      const mac = parseMac(key);
      if (Number.isNaN(mac)) this.ifaceNames.set(key, name);
      else {
        const idx = this.add(name, 'mac', -1, -1e9 + this.members.length);
        this.members[idx]!.macs.push(key.toLowerCase());
        this.macMember.set(mac, idx);
      }
    }
  }

  /** Number of members known so far. */
  get count(): number {
    return this.members.length;
  }

  /** Do MAC mappings decide membership (else interfaces do)? */
  get byMac(): boolean {
    return this.macMember.size > 0;
  }

  /** Member index of a MAC given with --member, or -1. */
  macIndex(mac: number): number {
    return this.macMember.get(mac) ?? -1;
  }

  /** Member name by index. */
  name(i: number): string {
    return this.members[i]?.name ?? `member${i}`;
  }

  /** Index of the member named `name`, or -1. */
  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /**
   * The member of the summarised packet: a mapped source (else destination) MAC first, then its
   * interface. (Takes the summary, not the MACs: 48-bit numbers passed as arguments would be boxed.)
   */
  resolve(s: PacketSummary): number {
    const f = s.pkt!.frame;
    if (this.macMember.size > 0) {
      const m = this.macMember.get(s.ethSrc) ?? this.macMember.get(s.ethDst);
      if (m !== undefined) return m;
    }
    const id = f.iface.id;
    if (id < this.ifaceMember.length) {
      const m = this.ifaceMember[id]!;
      if (m >= 0) return m;
      if (m === -2 && f.ifindex >= 0) return this.byIfindex(f);
    }
    return this.slow(f);
  }

  private byIfindex(f: Frame): number {
    const key = f.iface.id * 0x100000000 + (f.ifindex >>> 0);
    const m = this.ifindexMember.get(key);
    if (m !== undefined) return m;
    const raw = `ifindex:${f.ifindex}`;
    const name = this.ifaceNames.get(raw) ?? this.ifaceNames.get(`${f.iface.name}:${raw}`) ?? raw;
    const idx = this.add(name, 'ifindex', f.iface.input, f.iface.id * 0x100000000 + 1 + (f.ifindex >>> 0));
    if (!this.members[idx]!.ifaces.includes(raw)) this.members[idx]!.ifaces.push(raw);
    this.ifindexMember.set(key, idx);
    return idx;
  }

  private slow(f: Frame): number {
    const id = f.iface.id;
    if (id >= this.ifaceMember.length) {
      const n = new Int32Array(Math.max(id + 1, this.ifaceMember.length * 2)).fill(-1);
      n.set(this.ifaceMember);
      this.ifaceMember = n;
    }
    if (f.iface.linkType === LinkType.LINUX_SLL2 && f.ifindex >= 0) {
      this.ifaceMember[id] = -2;
      return this.byIfindex(f);
    }
    const raw = f.iface.name || `if${f.iface.index}`;
    let name = this.ifaceNames.get(raw);
    if (name === undefined) {
      // Two inputs with an interface of the same name (eth0 on two machines) stay two members.
      const seen = this.ifaceNameSeen.get(raw);
      name = seen === undefined || seen === id ? raw : `${raw}#${f.iface.input}.${f.iface.index}`;
      if (seen === undefined) this.ifaceNameSeen.set(raw, id);
    }
    const idx = this.add(name, 'interface', f.iface.input, f.iface.id * 0x100000000);
    if (!this.members[idx]!.ifaces.includes(raw)) this.members[idx]!.ifaces.push(raw);
    this.ifaceMember[id] = idx;
    return idx;
  }

  /** Member indexes in report order. */
  ordered(): number[] {
    return this.members.map((_, i) => i).sort((a, b) => this.members[a]!.rank - this.members[b]!.rank);
  }

  private add(name: string, source: MemberSource, input: number, rank: number): number {
    const have = this.byName.get(name);
    if (have !== undefined) return have;
    if (this.members.length >= MAX_MEMBERS) {
      this.overflowFrames++;
      return MAX_MEMBERS - 1;
    }
    const idx = this.members.length;
    this.members.push({ name, source, ifaces: [], macs: [], input, rank });
    this.byName.set(name, idx);
    return idx;
  }
}
