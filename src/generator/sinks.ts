// Capture sinks for the generator over the project's capture writers (src/capture/writer.ts):
// pcapng with one named interface per team member or capture point, or classic pcap — one file when
// the scenario has one interface, else one file per interface named `BASE.IFNAME.pcap` (classic pcap
// has no interface table; an analyzer then names each input after its file).
import { basename, dirname, extname, join } from 'node:path';
import { PcapWriter, PcapngWriter } from '../capture/writer.js';
import type { CaptureInterface, FrameSink } from './engine.js';

/** Output format of `teamscope generate`. */
export type CaptureFormat = 'pcapng' | 'pcap';

/** A FrameSink that also knows the files it wrote and the interface name each input stands for. */
export interface FileSink extends FrameSink {
  readonly files: string[];
  /** Input (file) index of each interface. */
  readonly inputOf: number[];
  /** Name an analyzer will report for each interface (if_name, or the pcap file's base name). */
  readonly reportedName: string[];
}

/** pcapng: one file, one IDB per interface (if_name and if_description), µs timestamps. */
export class PcapngSink implements FileSink {
  private writer: PcapngWriter | null = null;
  readonly files: string[];
  inputOf: number[] = [];
  reportedName: string[] = [];
  private n = 0;

  constructor(readonly path: string) {
    this.files = [path];
  }

  open(interfaces: readonly CaptureInterface[]): void {
    this.writer = new PcapngWriter(this.path, { application: 'teamscope generate' });
    for (const i of interfaces) {
      const d: { name: string; linkType: number; snaplen: number; description?: string } = { name: i.name, linkType: i.linkType, snaplen: i.snaplen };
      if (i.description !== undefined) d.description = i.description;
      this.writer.addInterface(d);
    }
    this.inputOf = interfaces.map(() => 0);
    this.reportedName = interfaces.map((i) => i.name);
  }

  write(iface: number, sec: number, usec: number, bytes: Uint8Array): { input: number; frame: number } {
    this.writer!.writePacket(iface, sec, usec * 1000, bytes);
    return { input: 0, frame: ++this.n };
  }

  async close(): Promise<void> {
    await this.writer?.close();
  }
}

/** File name of interface `name`'s classic pcap when a scenario has several interfaces. */
export function pcapFileFor(base: string, name: string): string {
  const ext = extname(base) || '.pcap';
  const stem = basename(base, extname(base));
  return join(dirname(base), `${stem}.${name}${ext}`);
}

/** Classic pcap (µs): one file for one interface, else one file per interface. */
export class PcapSink implements FileSink {
  private writers: PcapWriter[] = [];
  private counts: number[] = [];
  files: string[] = [];
  inputOf: number[] = [];
  reportedName: string[] = [];

  constructor(readonly path: string) {}

  open(interfaces: readonly CaptureInterface[]): void {
    const one = interfaces.length === 1;
    interfaces.forEach((i, k) => {
      const file = one ? this.path : pcapFileFor(this.path, i.name);
      this.files.push(file);
      this.writers.push(new PcapWriter(file, { linkType: i.linkType, snaplen: i.snaplen }));
      this.counts.push(0);
      this.inputOf.push(k);
      this.reportedName.push(basename(file));
    });
  }

  write(iface: number, sec: number, usec: number, bytes: Uint8Array): { input: number; frame: number } {
    this.writers[iface]!.writePacket(sec, usec * 1000, bytes);
    return { input: iface, frame: ++this.counts[iface]! };
  }

  async close(): Promise<void> {
    for (const w of this.writers) await w.close();
  }
}

/** The sink for a format and output path. */
export function fileSink(format: CaptureFormat, path: string): FileSink {
  return format === 'pcap' ? new PcapSink(path) : new PcapngSink(path);
}
