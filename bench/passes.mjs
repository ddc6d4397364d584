#!/usr/bin/env node
// One benchmark pass in its own process (so its peak RSS is its own): `node bench/passes.mjs PASS FILE`.
// Prints one JSON line: { pass, packets, seconds, cpuSeconds, maxRssMB, check } where `seconds` (wall)
// and `cpuSeconds` (user + system, all threads) time the packet loop only (module loading
// excluded) and `check` is a value derived from every packet (so nothing
// can be optimised away, and passes can be cross-checked).
import { openSync, readSync, closeSync, createReadStream, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;

const [pass, file] = process.argv.slice(2);
if (!pass || !file) {
  console.error('usage: node bench/passes.mjs PASS FILE');
  process.exit(2);
}

/** Classic pcap records in big chunks: calls fn(buf, dataOff, caplen, linkType) per record. */
function walkPcap(path, fn) {
  const fd = openSync(path, 'r');
  const CH = 8 << 20;
  let buf = Buffer.allocUnsafe(CH + 65536 * 4);
  let have = readSync(fd, buf, 0, buf.length, null);
  const dv0 = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv0.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const linkType = dv0.getUint32(20, le);
  let p = 24;
  let n = 0;
  for (;;) {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (have - p >= 16) {
      const caplen = dv.getUint32(p + 8, le);
      if (have - p - 16 < caplen) break;
      fn(buf, p + 16, caplen, linkType, dv);
      n++;
      p += 16 + caplen;
    }
    // Move the partial record to the front and refill.
    const rest = have - p;
    buf.copy(buf, 0, p, have);
    const got = readSync(fd, buf, rest, buf.length - rest, null);
    if (got === 0) break;
    have = rest + got;
    p = 0;
  }
  closeSync(fd);
  return n;
}

async function run() {
  let packets = 0;
  let check = 0;
  let t0 = 0;
  let c0 = process.cpuUsage();
  const start = () => {
    c0 = process.cpuUsage();
    t0 = performance.now();
  };
  switch (pass) {
    case 'walk': {
      // Plain Node: DataView over big chunks, touch each record's length.
      start();
      packets = walkPcap(file, (buf, off, caplen) => {
        check += caplen;
      });
      break;
    }
    case 'walk5': {
      // Plain Node: the walk plus the 5-tuple of every IPv4/IPv6 TCP/UDP frame into a Map with numeric keys.
      const flows = new Map();
      start();
      packets = walkPcap(file, (buf, off, caplen, lt, dv) => {
        if (lt !== 1 || caplen < 34) return;
        let o = off + 12;
        let type = (buf[o] << 8) | buf[o + 1];
        o += 2;
        while ((type === 0x8100 || type === 0x88a8) && o + 4 <= off + caplen) {
          type = (buf[o + 2] << 8) | buf[o + 3];
          o += 4;
        }
        let a, b, proto, l4;
        if (type === 0x0800) {
          proto = buf[o + 9];
          a = dv.getUint32(o + 12);
          b = dv.getUint32(o + 16);
          l4 = o + (buf[o] & 15) * 4;
        } else if (type === 0x86dd) {
          proto = buf[o + 6];
          a = dv.getUint32(o + 20) ^ dv.getUint32(o + 16) ^ dv.getUint32(o + 12);
          b = dv.getUint32(o + 36) ^ dv.getUint32(o + 32) ^ dv.getUint32(o + 28);
          l4 = o + 40;
        } else return;
        if ((proto !== 6 && proto !== 17) || l4 + 4 > off + caplen) return;
        const sp = (buf[l4] << 8) | buf[l4 + 1];
        const dp = (buf[l4 + 2] << 8) | buf[l4 + 3];
        const key = ((a ^ Math.imul(b, 0x9e3779b1)) >>> 0) * 0x200000 + (((sp << 5) ^ dp ^ (proto << 16)) & 0x1fffff);
        flows.set(key, (flows.get(key) ?? 0) + 1);
      });
      check = flows.size;
      break;
    }
    case 'pcap-parser': {
      // The npm pcap-parser package, read only (its 'packet' event per record).
      const { default: pcapp } = await import('pcap-parser');
      start();
      await new Promise((resolve, reject) => {
        const parser = pcapp.parse(createReadStream(file, { highWaterMark: 1 << 20 }));
        parser.on('packet', (pkt) => {
          packets++;
          check += pkt.header.capturedLength;
        });
        parser.on('end', resolve);
        parser.on('error', reject);
      });
      break;
    }
    case 'analyze': {
      // What `teamscope analyze FILE` does up to rendering: its reader (recycled chunks), the
      // reorder stage and the pipeline with the default settings, then finish() (the result the tables
      // and --json are rendered from).
      const { analyzeFiles, pipelineSettings } = await import(dist('src/cli/analyze.js'));
      const settings = pipelineSettings({});
      start();
      const r = await analyzeFiles([file], settings);
      packets = r.inputs.reduce((n, i) => n + i.packets, 0);
      check = r.events.length;
      break;
    }
    case 'read':
    case 'dissect': {
      const { readCaptures } = await import(dist('src/capture/index.js'));
      let onFrame;
      if (pass === 'read') {
        onFrame = (f) => {
          check += f.caplen;
        };
      } else {
        // Every dissector on every frame, through the reusing decoder the dissect and info commands use.
        const { registry } = await import(dist('dissectors/index.js'));
        const decoder = registry.decoder();
        onFrame = (f) => {
          check += decoder.decode(f).layers.length;
        };
      }
      start();
      // Recycled chunks, as the CLI reads (src/cli/common.ts openInputs): frames are used within their batch.
      const set = await readCaptures([file], { recycle: true });
      for await (const batch of set.batches()) {
        for (let i = 0; i < batch.length; i++) onFrame(batch[i]);
        packets += batch.length;
      }
      break;
    }
    default:
      console.error(`unknown pass '${pass}'`);
      process.exit(2);
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ pass, packets, seconds, cpuSeconds, maxRssMB, check }) + '\n');
}

if (!existsSync(file)) {
  console.error(`no such file: ${file}`);
  process.exit(3);
}
await run();
