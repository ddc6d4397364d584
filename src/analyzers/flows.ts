// The flow table: bidirectional flows (IP 5-tuple + VLAN, or MAC pair + EtherType for non-IP) in
// struct-of-arrays typed storage with open addressing on numeric keys — no string and no object per
// packet (issue 4: "numeric keys"). Each direction records the member(s) it was seen on; the table is
// capped (settings.maxFlows) and counts what it could not hold.
import { viewOf } from '../../dissectors/core.js';
import type { PacketSummary } from './summary.js';

/** Key words per flow: tag, endpoint A (4 words), endpoint B (4 words), ports (A's port << 16 | B's). A literal in the per-packet code (see Dir). */
const enum Key {
  WORDS = 10,
}
/** No member yet. */
export const NO_MEMBER = 255;
/**
 * The hot per-direction record (FlowTable.dirs): its size and field offsets. Const enums, like
 * FlowKind: tsc writes the numbers into the per-packet code, where a module `const` would be read
 * through a hole-checked cell at every use (V8 does not fold those).
 */
export const enum Dir {
  SIZE = 8,
  PKTS = 0,
  BYTES = 1,
  LAST = 2,
  /** The member the direction is on now (NO_MEMBER before its first packet), plus Cur.MULTI once it has been on several. */
  CUR = 3,
  /**
   * The flow's key (tag, first words of endpoints A and B, ports), in both directions' records:
   * lookup4 compares it in the record of the packet's own direction, which the packet then updates,
   * so a packet touches one 64-byte record, not a key and a record apart.
   */
  TAG = 4,
  A = 5,
  B = 6,
  PORTS = 7,
}
/** Added to Dir.CUR once a direction has been seen on more than one member (its packets are then split per member). */
export const enum Cur {
  MULTI = 256,
}
/** Flow kinds (in the key's tag). */
export const enum FlowKind {
  IPV4 = 1,
  IPV6 = 2,
  L2 = 3,
}

const scratch = new Uint32Array(Key.WORDS);

/** Hash of the key at `keys[o ..]` (the same mixing as lookup4 for IPv4 keys). */
function hashKey(keys: Uint32Array, o: number): number {
  let h = 0x811c9dc5 | 0;
  h = mix(h, keys[o]!);
  h = mix(h, keys[o + 1]!);
  h = mix(h, keys[o + 5]!);
  h = mix(h, keys[o + 9]!);
  const kind = keys[o]! >>> 28;
  if (kind === FlowKind.IPV6) {
    h = mix(h, keys[o + 2]! ^ keys[o + 6]!);
    h = mix(h, keys[o + 3]! ^ keys[o + 7]!);
    h = mix(h, keys[o + 4]! ^ keys[o + 8]!);
  } else if (kind === FlowKind.L2) h = mix(h, keys[o + 2]! ^ (keys[o + 6]! * 3));
  return h;
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

/** Bidirectional flow table. Flow ids are dense (0..count-1) in arrival order. */
export class FlowTable {
  count = 0;
  /** Packets of flows the table could not hold (cap reached). */
  untrackedPackets = 0;
  untrackedBytes = 0;
  /** Time the cap was first hit (NaN: never). */
  capHitAt = NaN;
  readonly cap: number;

  private slots: Int32Array;
  private mask: number;
  private capacity: number;

  keys: Uint32Array;
  first: Float64Array;
  /**
   * MAC of endpoint A / B: the MAC others address it by (a frame's destination MAC), or its source
   * MAC until a frame to it is seen. A Windows switch-independent team sends with member MACs but is
   * reached at (and hashes with) its team MAC. Whether a destination fixed it: `dirs` Dir.ADDRESSED.
   */
  macA: Float64Array;
  macB: Float64Array;
  /**
   * The hot per-direction record (index (2·flow + dir)·Dir.SIZE, dir 0 = A→B), read and written for every
   * packet in one place (64 bytes, not a cache line per field): packets, bytes, time of the last
   * packet, current member and the flow's key (Dir).
   */
  dirs: Float64Array;
  /** Per direction: the members it was seen on (bit m), and whether the MAC its packets are addressed to was recorded (macA/macB). */
  masks: Float64Array;
  addressedDir: Uint8Array;
  /** Per direction (index 2·flow + dir), the colder fields: first member, moves. */
  firstMember: Uint8Array;
  moves: Uint16Array;
  /** Time of the last move per direction, seconds after `t0` (for spray detection; ms precision is enough). */
  moveTime: Float32Array;
  /** Time origin of moveTime (the first packet). */
  t0 = NaN;
  /** Per direction: moves classified as rebalancing (old member still up), and the shortest idle gap before one. */
  rebalanced: Uint8Array;
  rebalanceGap: Float32Array;
  /** Per direction: the current streak of moves at most two packets apart (≥ 3: per-packet spraying). */
  tightMoves: Uint8Array;
  /** Per direction: its packet count at its last move. */
  movePkts: Uint32Array;

  /** Direction of the packet last looked up (0 = A→B). */
  dir = 0;

  constructor(cap = 1_000_000, initial = 1024) {
    this.cap = Math.max(16, cap);
    this.capacity = Math.min(initial, this.cap);
    const n = this.capacity;
    this.keys = new Uint32Array(n * Key.WORDS);
    this.first = new Float64Array(n);
    this.macA = new Float64Array(n);
    this.macB = new Float64Array(n);
    this.dirs = new Float64Array(2 * n * Dir.SIZE);
    this.masks = new Float64Array(2 * n);
    this.addressedDir = new Uint8Array(2 * n);
    this.firstMember = new Uint8Array(2 * n).fill(NO_MEMBER);
    this.moves = new Uint16Array(2 * n);
    this.moveTime = new Float32Array(2 * n);
    this.rebalanced = new Uint8Array(2 * n);
    this.tightMoves = new Uint8Array(2 * n);
    this.movePkts = new Uint32Array(2 * n);
    this.rebalanceGap = new Float32Array(2 * n).fill(Infinity);
    let size = 16;
    while (size < 2 * n) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  /** Approximate bytes held (for the memory report). */
  get memory(): number {
    return this.capacity * (Key.WORDS * 4 + 8 * 3 + 2 * (Dir.SIZE * 8 + 8 + 1 + 1 + 2 + 4 + 1 + 4 + 1 + 4)) + this.slots.length * 4;
  }

  /**
   * Find or create the flow of the summarised packet; sets `this.dir`. Returns the flow id, or -1 when
   * the packet has no flow (no addresses) or the table is full (counted as untracked).
   * `created` is set when the flow is new.
   */
  lookup(s: PacketSummary): number {
    // Small enough for V8 to inline into the caller, so IPv4 (most packets) costs one call, not two.
    return s.ipVersion === 4 ? this.lookup4(s) : this.lookupOther(s);
  }

  /** IPv6 and non-IP flows (`lookup`). */
  private lookupOther(s: PacketSummary): number {
    const k = scratch;
    let swap = false;
    if (s.ipVersion === 6) {
      // The reader chunk's DataView: one load per address word.
      const dv = viewOf(s.ip6Buf!);
      const xo = s.ip6SrcOff;
      const yo = s.ip6DstOff;
      const sp = s.sport < 0 ? 0 : s.sport;
      const dp = s.dport < 0 ? 0 : s.dport;
      // Words of both addresses; the smaller address (then port) is endpoint A.
      let c = 0;
      for (let i = 0; i < 4; i++) {
        const x = dv.getUint32(xo + 4 * i);
        const y = dv.getUint32(yo + 4 * i);
        k[1 + i] = x;
        k[5 + i] = y;
        if (c === 0 && x !== y) c = x < y ? -1 : 1;
      }
      swap = c > 0 || (c === 0 && sp > dp);
      if (swap)
        for (let i = 1; i < 5; i++) {
          const x = k[i]!;
          k[i] = k[i + 4]!;
          k[i + 4] = x;
        }
      k[0] = (FlowKind.IPV6 << 28) | ((s.proto & 0xff) << 16) | ((s.vlan + 1) & 0x1fff);
      k[9] = swap ? ((dp << 16) | sp) >>> 0 : ((sp << 16) | dp) >>> 0;
    } else if (s.ethSrc >= 0) {
      const a = s.ethSrc;
      const b = s.ethDst;
      swap = a > b;
      const p = swap ? b : a;
      const q = swap ? a : b;
      k[0] = (FlowKind.L2 << 28) | ((s.vlan + 1) & 0x1fff);
      k[1] = Math.floor(p / 0x100000000);
      k[2] = p >>> 0;
      k[3] = 0;
      k[4] = 0;
      k[5] = Math.floor(q / 0x100000000);
      k[6] = q >>> 0;
      k[7] = 0;
      k[8] = 0;
      k[9] = s.etherType & 0xffff;
    } else return -1;
    this.dir = swap ? 1 : 0;
    const h = hashKey(k, 0);
    const slots = this.slots;
    const keys = this.keys;
    let i = h & this.mask;
    for (;;) {
      const id = slots[i]!;
      if (id < 0) break;
      const o = id * Key.WORDS;
      if (
        keys[o] === k[0] &&
        keys[o + 1] === k[1] &&
        keys[o + 5] === k[5] &&
        keys[o + 9] === k[9] &&
        keys[o + 2] === k[2] &&
        keys[o + 6] === k[6] &&
        keys[o + 3] === k[3] &&
        keys[o + 7] === k[7] &&
        keys[o + 4] === k[4] &&
        keys[o + 8] === k[8]
      ) {
        this.created = false;
        return id;
      }
      i = (i + 1) & this.mask;
    }
    if (!this.room(s)) return this.lookupOther(s);
    if (this.count >= this.cap) return -1;
    keys.set(k, this.count * Key.WORDS);
    return this.insert(i, s, swap);
  }

  /** IPv4: the key is tag, A, B and the ports word (the other six words stay zero). */
  private lookup4(s: PacketSummary): number {
    const a = s.ipSrc;
    const b = s.ipDst;
    const sp = s.sport < 0 ? 0 : s.sport;
    const dp = s.dport < 0 ? 0 : s.dport;
    const swap = a > b || (a === b && sp > dp);
    const tag = (FlowKind.IPV4 << 28) | ((s.proto & 0xff) << 16) | ((s.vlan + 1) & 0x1fff);
    const A = swap ? b : a;
    const B = swap ? a : b;
    const P = swap ? ((dp << 16) | sp) >>> 0 : ((sp << 16) | dp) >>> 0;
    const dir = swap ? 1 : 0;
    this.dir = dir;
    let h = 0x811c9dc5 | 0;
    h = mix(h, tag);
    h = mix(h, A);
    h = mix(h, B);
    h = mix(h, P);
    const slots = this.slots;
    const keys = this.keys;
    const mask = this.mask;
    const dirs = this.dirs;
    let i = h & mask;
    for (;;) {
      const id = slots[i]!;
      if (id < 0) break;
      // The key as the record of this packet's direction holds it.
      const o = (2 * id + dir) * Dir.SIZE;
      if (dirs[o + Dir.A] === A && dirs[o + Dir.B] === B && dirs[o + Dir.PORTS] === P && dirs[o + Dir.TAG] === tag) {
        this.created = false;
        return id;
      }
      i = (i + 1) & mask;
    }
    if (!this.room(s)) return this.lookup4(s);
    if (this.count >= this.cap) return -1;
    const o = this.count * Key.WORDS;
    keys[o] = tag;
    keys[o + 1] = A;
    keys[o + 5] = B;
    keys[o + 9] = P;
    return this.insert(i, s, swap);
  }

  /** Before inserting: false when the table grew (the caller probes again); counts packets past the cap. */
  private room(s: PacketSummary): boolean {
    if (this.count >= this.cap) {
      if (Number.isNaN(this.capHitAt)) this.capHitAt = s.time;
      this.untrackedPackets++;
      this.untrackedBytes += s.length;
      return true;
    }
    if (this.count >= this.capacity) {
      this.grow();
      return false;
    }
    return true;
  }

  private insert(slot: number, s: PacketSummary, swap: boolean): number {
    const id = this.count++;
    this.slots[slot] = id;
    this.first[id] = s.time;
    this.macA[id] = swap ? s.ethDst : s.ethSrc;
    this.macB[id] = swap ? s.ethSrc : s.ethDst;
    const dirs = this.dirs;
    const k = this.keys;
    const ko = id * Key.WORDS;
    for (let o = 2 * id * Dir.SIZE, n = 0; n < 2; n++, o += Dir.SIZE) {
      dirs[o + Dir.CUR] = NO_MEMBER;
      dirs[o + Dir.TAG] = k[ko]!;
      dirs[o + Dir.A] = k[ko + 1]!;
      dirs[o + Dir.B] = k[ko + 5]!;
      dirs[o + Dir.PORTS] = k[ko + 9]!;
    }
    if (s.ethDst >= 0) this.addressedDir[2 * id + (swap ? 1 : 0)] = 1;
    this.created = true;
    return id;
  }

  /** The summarised packet (flow direction `d`) goes to side `1 - (d & 1)`: remember the MAC it is addressed by. */
  addressed(d: number, s: PacketSummary): void {
    if (s.ethDst < 0) return;
    const id = d >> 1;
    if (d & 1) this.macA[id] = s.ethDst;
    else this.macB[id] = s.ethDst;
    this.addressedDir[d] = 1;
  }

  // ---- per-direction accessors (cold paths; the hot path reads `dirs` directly) ----
  pkts(d: number): number {
    return this.dirs[d * Dir.SIZE + Dir.PKTS]!;
  }
  bytesOf(d: number): number {
    return this.dirs[d * Dir.SIZE + Dir.BYTES]!;
  }
  lastOf(d: number): number {
    return this.dirs[d * Dir.SIZE + Dir.LAST]!;
  }
  curOf(d: number): number {
    return this.dirs[d * Dir.SIZE + Dir.CUR]! & 0xff;
  }
  maskOf(d: number): number {
    return this.masks[d]!;
  }

  /** Set by lookup: the returned flow was created by this packet. */
  created = false;

  private grow(): void {
    const n = Math.min(this.capacity * 2, this.cap);
    const g64 = (a: Float64Array, m: number) => {
      const b = new Float64Array(n * m);
      b.set(a);
      return b;
    };
    this.keys = (() => {
      const b = new Uint32Array(n * Key.WORDS);
      b.set(this.keys);
      return b;
    })();
    this.first = g64(this.first, 1);
    this.macA = g64(this.macA, 1);
    this.macB = g64(this.macB, 1);
    this.dirs = g64(this.dirs, 2 * Dir.SIZE);
    this.masks = g64(this.masks, 2);
    const ad = new Uint8Array(2 * n);
    ad.set(this.addressedDir);
    this.addressedDir = ad;
    const mt = new Float32Array(2 * n);
    mt.set(this.moveTime);
    this.moveTime = mt;
    const rb = new Uint8Array(2 * n);
    rb.set(this.rebalanced);
    this.rebalanced = rb;
    const tm = new Uint8Array(2 * n);
    tm.set(this.tightMoves);
    this.tightMoves = tm;
    const mp = new Uint32Array(2 * n);
    mp.set(this.movePkts);
    this.movePkts = mp;
    const rg = new Float32Array(2 * n).fill(Infinity);
    rg.set(this.rebalanceGap);
    this.rebalanceGap = rg;
    const fm = new Uint8Array(2 * n).fill(NO_MEMBER);
    fm.set(this.firstMember);
    this.firstMember = fm;
    const mv = new Uint16Array(2 * n);
    mv.set(this.moves);
    this.moves = mv;
    this.capacity = n;
    let size = this.slots.length;
    while (size < 2 * n) size *= 2;
    const slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    const keys = this.keys;
    for (let id = 0; id < this.count; id++) {
      const h = hashKey(keys, id * Key.WORDS);
      let i = h & mask;
      while (slots[i]! >= 0) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }

  // ---- key accessors (for reports and hash inference; not on the per-packet path) ----

  kind(id: number): number {
    return this.keys[id * Key.WORDS]! >>> 28;
  }
  proto(id: number): number {
    return (this.keys[id * Key.WORDS]! >>> 16) & 0xff;
  }
  vlan(id: number): number {
    return (this.keys[id * Key.WORDS]! & 0x1fff) - 1;
  }
  /** Word i (0..3) of endpoint A (side 0) or B (side 1). */
  word(id: number, side: number, i: number): number {
    return this.keys[id * Key.WORDS + 1 + side * 4 + i]!;
  }
  /** Port of endpoint A (side 0) or B (side 1); EtherType for L2 flows. */
  port(id: number, side: number): number {
    const w = this.keys[id * Key.WORDS + 9]!;
    return side === 0 ? w >>> 16 : w & 0xffff;
  }
  etherType(id: number): number {
    const k = this.kind(id);
    if (k === FlowKind.L2) return this.keys[id * Key.WORDS + 9]! & 0xffff;
    return k === FlowKind.IPV6 ? 0x86dd : 0x0800;
  }
  /** IPv4 address (or 32-bit fold of the IPv6 address, as Linux hashes it) of a side. */
  ip32(id: number, side: number): number {
    const o = id * Key.WORDS + 1 + side * 4;
    const k = this.keys;
    if (this.kind(id) === FlowKind.IPV6) return (k[o]! ^ k[o + 1]! ^ k[o + 2]! ^ k[o + 3]!) >>> 0;
    return k[o]!;
  }
  /** MAC of a side for L2 flows (from the key). */
  keyMac(id: number, side: number): number {
    const o = id * Key.WORDS + 1 + side * 4;
    return this.keys[o]! * 0x100000000 + this.keys[o + 1]!;
  }
}
