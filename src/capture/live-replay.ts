// Replay: put a capture's frames back on the wire with their original timing (scaled by a speed
// factor, repeated N times), for lab reproduction and the network tests. Library code: the
// sender and the clock are passed in, nothing is printed.
import { type Frame, LinkType, frameTime } from './frame.js';

/** How to replay. */
export interface ReplayOptions {
  /** Time factor: 2 = twice as fast, 0.5 = half speed, 0 = no waiting at all. Default 1. */
  speed?: number;
  /** How many times to send the whole capture. Default 1. */
  loop?: number;
  /** Epoch milliseconds now (default performance.timeOrigin + performance.now()). */
  clock?: () => number;
  /** Wait `ms` milliseconds (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Stop early when this returns true (checked before every frame; e.g. after SIGINT). */
  stopped?: () => boolean;
  /** Send only frames this accepts (others keep their place in time but are not sent). */
  select?: (f: Frame) => boolean;
}

/** What a replay did. */
export interface ReplayStats {
  /** Frames handed to the sender successfully. */
  sent: number;
  bytes: number;
  /** Frames not sent because their link type is not Ethernet, by link type. */
  skippedLinkType: Record<number, number>;
  /** Frames sent shorter than on the original wire (the capture cut them: caplen < origLen). */
  cut: number;
  /** Frames the sender refused (e.g. larger than the MTU). */
  failed: number;
  /** Frames `select` left out. */
  unselected: number;
  /** The first few sender errors, one line each. */
  errors: string[];
  /** Largest lateness of a frame against its scheduled time, milliseconds. */
  maxLateMs: number;
  /** Loops completed. */
  loops: number;
  /** Wall-clock milliseconds from the first to the last frame sent. */
  elapsedMs: number;
}

const MAX_ERRORS = 5;

const defaultClock = (): number => performance.timeOrigin + performance.now();
const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Send the frames `open()` yields (called once per loop) through `send`, each at
 * start + (frame time − first frame time) / speed. Loop k starts one average frame interval after
 * loop k−1's last frame. Only Ethernet frames are sent; others are counted in skippedLinkType.
 * A frame the sender refuses is counted and the replay goes on.
 */
export async function replayFrames(open: () => AsyncIterable<Frame>, send: (bytes: Uint8Array, frame: Frame) => void, opts: ReplayOptions = {}): Promise<ReplayStats> {
  const speed = opts.speed ?? 1;
  if (!(speed >= 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number ≥ 0, got ${speed}`);
  const loops = opts.loop ?? 1;
  const clock = opts.clock ?? defaultClock;
  const sleep = opts.sleep ?? defaultSleep;
  const stopped = opts.stopped ?? (() => false);
  const select = opts.select;
  const st: ReplayStats = { sent: 0, bytes: 0, skippedLinkType: {}, cut: 0, failed: 0, unselected: 0, errors: [], maxLateMs: 0, loops: 0, elapsedMs: 0 };
  let start = -1;
  let firstSent = -1;
  let lastSent = -1;
  /** Capture-time offset of the current loop (seconds on the replay timeline). */
  let loopOffset = 0;
  for (let k = 0; k < loops; k++) {
    let first = NaN;
    let last = NaN;
    let n = 0;
    for await (const f of open()) {
      if (stopped()) return finish();
      const t = frameTime(f);
      if (Number.isNaN(first)) first = t;
      last = t;
      n++;
      if (start < 0) start = clock();
      if (select && !select(f)) {
        st.unselected++;
        continue;
      }
      if (f.iface.linkType !== LinkType.ETHERNET) {
        st.skippedLinkType[f.iface.linkType] = (st.skippedLinkType[f.iface.linkType] ?? 0) + 1;
        continue;
      }
      const at = loopOffset + (t - first);
      if (speed > 0) {
        const target = start + (at * 1000) / speed;
        let now = clock();
        // setTimeout is millisecond-grained: frames due within the next millisecond go now.
        while (target - now > 1) {
          await sleep(target - now);
          if (stopped()) return finish();
          now = clock();
        }
        const late = now - target;
        if (late > st.maxLateMs) st.maxLateMs = late;
      }
      const bytes = f.buf.subarray(f.off, f.off + f.caplen);
      try {
        send(bytes, f);
        st.sent++;
        st.bytes += f.caplen;
        if (f.caplen < f.origLen) st.cut++;
        const now = clock();
        if (firstSent < 0) firstSent = now;
        lastSent = now;
      } catch (err) {
        st.failed++;
        if (st.errors.length < MAX_ERRORS) st.errors.push(`frame ${f.index}: ${String((err as Error)?.message ?? err)}`);
      }
    }
    st.loops++;
    if (n === 0) break;
    const span = last - first;
    const gap = n > 1 ? span / (n - 1) : 1;
    loopOffset += span + gap;
  }
  return finish();

  function finish(): ReplayStats {
    st.elapsedMs = firstSent < 0 ? 0 : lastSent - firstSent;
    st.maxLateMs = Math.round(st.maxLateMs * 1000) / 1000;
    return st;
  }
}
