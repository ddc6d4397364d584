// Helper process for test/net/live-capture.test.ts, run inside a namespace with `ip netns exec`:
//   node capture-probe.mjs BUILD capture '{"interfaces":["c0"],...}'   one JSON line per frame
//   node capture-probe.mjs BUILD send IFACE HEX [HEX...]              sends each frame once
//   node capture-probe.mjs BUILD churn IFACE    capture until one frame, stop, then churn the heap
// BUILD is the folder teamscopeBuild() compiled teamscope into.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [build, mode, ...rest] = process.argv.slice(2);
const { LiveCapture, FrameSender } = await import(pathToFileURL(join(build, 'src', 'capture', 'live.js')).href);

if (mode === 'capture') {
  const opts = JSON.parse(rest[0]);
  let lc;
  try {
    lc = await LiveCapture.open(opts, (f) => {
      const hex = Buffer.from(f.buf.subarray(f.off, f.off + f.caplen)).toString('hex');
      process.stdout.write(`${JSON.stringify({ iface: f.iface.name, index: f.index, caplen: f.caplen, origLen: f.origLen, sec: f.sec, nsec: f.nsec, hex })}\n`);
    });
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: err.code, message: err.message })}\n`);
    process.exit(3);
  }
  process.stdout.write(`${JSON.stringify({ ready: lc.interfaces.map((i) => ({ name: i.name, linkType: i.linkType, snaplen: i.snaplen })), notes: lc.notes })}\n`);
  process.on('SIGTERM', () => {
    lc.stop();
    process.stdout.write(`${JSON.stringify({ stats: lc.stats() })}\n`);
  });
} else if (mode === 'churn') {
  // cap 0.2.1 segfaults when the GC collects one of its objects (src/capture/live.ts keptHandles).
  const lc = await LiveCapture.open({ interfaces: [rest[0]] }, () => {
    lc.stop();
    setImmediate(() => {
      let keep = [];
      for (let i = 0; i < 3e6; i++) {
        keep.push({ i });
        if (keep.length > 1000) keep = [];
      }
      process.stdout.write('survived\n');
    });
  });
  process.stdout.write('ready\n');
} else if (mode === 'send') {
  const [iface, ...frames] = rest;
  const s = await FrameSender.open(iface);
  for (const h of frames) s.send(Buffer.from(h, 'hex'));
  s.close();
  process.stdout.write(`sent ${frames.length}\n`);
}
