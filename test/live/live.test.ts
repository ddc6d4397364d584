// src/capture/live.ts without a network: a fake `cap` module stands in for libpcap, so these run
// everywhere (the real thing is exercised in test/net/).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { type CapHandle, type CapModule, CAP_MAX_SNAPLEN, FrameSender, LiveCapture, LiveError, capLoadHint, effectiveFilter, linkTypeOf, loadCap } from '../../src/capture/live.js';

/** A stand-in for cap's native Cap: records open/close/send, lets the test emit packets. */
class FakeCap extends EventEmitter implements CapHandle {
  static devices = ['eth0', 'eth1', 'lo'];
  static instances: FakeCap[] = [];
  static failWith: Record<string, string> = {};
  buffer: Buffer | null = null;
  device = '';
  filter = '';
  closed = false;
  sent: Buffer[] = [];
  constructor() {
    super();
    FakeCap.instances.push(this);
  }
  open(device: string, filter: string, _bufSize: number, buffer: Buffer): string {
    this.device = device;
    this.filter = filter;
    const fail = FakeCap.failWith[device];
    if (fail) throw new Error(fail);
    this.buffer = buffer;
    return device === 'lo' ? 'ETHERNET' : 'ETHERNET';
  }
  close(): boolean {
    if (this.closed) throw new Error('closed twice');
    this.closed = true;
    return true;
  }
  send(buffer: Buffer, n?: number): void {
    if ((n ?? buffer.length) > 1514) throw new Error('send: Message too long');
    this.sent.push(Buffer.from(buffer.subarray(0, n)));
  }
  /** Put `bytes` in the shared buffer and emit a packet, as binding.cc does. */
  deliver(bytes: Uint8Array): void {
    this.buffer!.set(bytes.subarray(0, this.buffer!.length));
    this.emit('packet', bytes.length, false);
  }
}

const fakeCap: CapModule = {
  Cap: Object.assign(FakeCap, { deviceList: () => FakeCap.devices.map((name) => ({ name, addresses: [] })) }),
};

function reset(): void {
  FakeCap.instances = [];
  FakeCap.failWith = {};
}

function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

describe('loading cap', () => {
  it('names the exact install command when npm dropped the optional package (ERR_MODULE_NOT_FOUND)', async () => {
    const err = Object.assign(new Error("Cannot find package 'cap' imported from /x/live.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const e = await loadCap(() => Promise.reject(err)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LiveError);
    expect((e as LiveError).code).toBe('no-libpcap');
    expect((e as LiveError).message).toMatch(/live capture needs libpcap/);
    expect((e as LiveError).message).toMatch(/apt-get install libpcap-dev && \(cd .+ && npm install cap\)/);
    expect((e as LiveError).message).not.toMatch(/\n/);
  });

  it('asks for a rebuild when cap is there but its native part does not load', () => {
    const err = Object.assign(new Error('libpcap.so.0.8: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });
    const msg = capLoadHint(err, '/opt/teamscope');
    expect(msg).toContain('apt-get install libpcap-dev && (cd /opt/teamscope && npm rebuild cap)');
    expect(msg).toContain('libpcap.so.0.8');
  });
});

describe('live capture (fake cap)', () => {
  it('opens each interface as one capture interface and numbers frames across them', async () => {
    reset();
    let now = 1_700_000_000_123.456789;
    const frames: Frame[] = [];
    const lc = await LiveCapture.open({ interfaces: ['eth0', 'eth1'], cap: fakeCap, clock: () => now, input: 2, firstId: 5 }, (f) => frames.push(f));
    expect(lc.interfaces.map((i) => [i.id, i.input, i.index, i.name, i.linkType, i.snaplen])).toEqual([
      [5, 2, 0, 'eth0', 1, CAP_MAX_SNAPLEN],
      [6, 2, 1, 'eth1', 1, CAP_MAX_SNAPLEN],
    ]);
    const [a, b] = FakeCap.instances;
    a!.deliver(bytes(60, 0xaa));
    now += 1.5;
    b!.deliver(bytes(64, 0xbb));
    expect(frames.map((f) => [f.index, f.iface.name, f.caplen, f.origLen])).toEqual([
      [1, 'eth0', 60, 60],
      [2, 'eth1', 64, 64],
    ]);
    expect(frames[0]!.sec).toBe(1_700_000_000);
    expect(frames[0]!.nsec).toBeCloseTo(123_456_789, -2);
    expect(frames[1]!.nsec).toBeCloseTo(124_956_789, -2);
    expect(lc.stats().perInterface).toEqual([
      { name: 'eth0', frames: 1, bytes: 60, cut: 0 },
      { name: 'eth1', frames: 1, bytes: 64, cut: 0 },
    ]);
    lc.stop();
    expect(FakeCap.instances.every((c) => c.closed)).toBe(true);
  });

  it('copies each packet out of the reused buffer', async () => {
    reset();
    const frames: Frame[] = [];
    const lc = await LiveCapture.open({ interfaces: ['eth0'], cap: fakeCap }, (f) => frames.push(f));
    const c = FakeCap.instances[0]!;
    for (let i = 0; i < 50; i++) c.deliver(bytes(100 + i, i));
    frames.forEach((f, i) => {
      expect(f.caplen).toBe(100 + i);
      expect([...f.buf.subarray(f.off, f.off + f.caplen)].every((x) => x === i)).toBe(true);
    });
    lc.stop();
  });

  it('cuts frames to the snaplen and keeps the wire length', async () => {
    reset();
    const frames: Frame[] = [];
    const lc = await LiveCapture.open({ interfaces: ['eth0'], cap: fakeCap, snaplen: 64 }, (f) => frames.push(f));
    FakeCap.instances[0]!.deliver(bytes(200, 1));
    expect([frames[0]!.caplen, frames[0]!.origLen, frames[0]!.iface.snaplen]).toEqual([64, 200, 64]);
    expect(lc.stats().perInterface[0]!.cut).toBe(1);
    lc.stop();
  });

  it('delivers nothing after stop', async () => {
    reset();
    const frames: Frame[] = [];
    const lc = await LiveCapture.open({ interfaces: ['eth0'], cap: fakeCap }, (f) => frames.push(f));
    lc.stop();
    FakeCap.instances[0]!.emit('packet', 10, false);
    expect(frames).toHaveLength(0);
  });

  it('rejects an unknown interface before opening anything, listing the ones that exist', async () => {
    reset();
    const e = (await LiveCapture.open({ interfaces: ['eth0', 'bond9'], cap: fakeCap }, () => {}).catch((x: unknown) => x)) as LiveError;
    expect(e.code).toBe('no-such-interface');
    expect(e.message).toBe("no such interface 'bond9'; interfaces: eth0, eth1, lo");
    expect(FakeCap.instances).toHaveLength(0);
  });

  it('says how to get permission, and closes what it had opened (never the handle that failed)', async () => {
    reset();
    FakeCap.failWith = { eth1: 'socket: Operation not permitted' };
    const e = (await LiveCapture.open({ interfaces: ['eth0', 'eth1'], cap: fakeCap }, () => {}).catch((x: unknown) => x)) as LiveError;
    expect(e.code).toBe('no-permission');
    expect(e.message).toMatch(/^no permission to capture on eth1 \(socket: Operation not permitted\): run as root or give node CAP_NET_RAW/);
    expect(e.message).toMatch(/interfaces: eth0, eth1, lo$/);
    expect(FakeCap.instances[0]!.closed).toBe(true);
    expect(FakeCap.instances[1]!.closed).toBe(false);
  });

  it('reports a bad filter as such', async () => {
    reset();
    FakeCap.failWith = { eth0: "can't parse filter expression: syntax error" };
    const e = (await LiveCapture.open({ interfaces: ['eth0'], filter: 'vrrp or (', cap: fakeCap }, () => {}).catch((x: unknown) => x)) as LiveError;
    expect(e.code).toBe('bad-filter');
    expect(e.message).toBe("bad capture filter 'vrrp or (' on eth0: can't parse filter expression: syntax error");
  });

  it('lowers a snaplen cap cannot honour, with a note', async () => {
    reset();
    const lc = await LiveCapture.open({ interfaces: ['eth0'], cap: fakeCap, snaplen: 262144 }, () => {});
    expect(lc.interfaces[0]!.snaplen).toBe(CAP_MAX_SNAPLEN);
    expect(lc.notes[0]).toMatch(/snaplen 262144 lowered to 65535/);
    lc.stop();
  });
});

describe('filters and link types', () => {
  it('emulates non-promiscuous capture with a destination filter (cap always sets promiscuous mode)', () => {
    expect(effectiveFilter('vrrp', true, '02:00:00:00:00:01')).toBe('vrrp');
    expect(effectiveFilter('', false, '02:00:00:00:00:01')).toBe('(ether multicast or ether dst 02:00:00:00:00:01 or ether src 02:00:00:00:00:01)');
    expect(effectiveFilter('arp', false, '02:00:00:00:00:01')).toBe('(ether multicast or ether dst 02:00:00:00:00:01 or ether src 02:00:00:00:00:01) and (arp)');
    expect(effectiveFilter('arp', false, null)).toBe('arp');
  });

  it("maps cap's link-type words to LINKTYPE numbers", () => {
    expect(['ETHERNET', 'NULL', 'RAW', 'LINKTYPE_LINUX_SLL', 'Unknown linktype 276', 'what'].map(linkTypeOf)).toEqual([1, 0, 101, 113, 276, -1]);
  });
});

describe('frame sender (fake cap)', () => {
  it('opens with a filter that matches nothing and sends frames as given', async () => {
    reset();
    const s = await FrameSender.open('eth0', fakeCap);
    const c = FakeCap.instances[0]!;
    expect(c.filter).toBe('less 1');
    const frame = bytes(60, 7);
    s.send(frame.subarray(0, 42));
    expect(c.sent.map((b) => b.length)).toEqual([42]);
    expect(() => s.send(bytes(3000, 0))).toThrow(/cannot send a 3000-byte frame on eth0: send: Message too long/);
    s.close();
    s.close();
    expect(c.closed).toBe(true);
  });
});
