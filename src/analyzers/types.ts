// The analyzers' shared vocabulary: evidence, timeline events, settings, and the Analyzer interface.
// Event kinds and their required fields are the stable core of `analyze --json` (shared/FINDINGS.md).
import type { Packet } from '../../dissectors/core.js';

/** `info` | `warning` | `error`, as in FINDINGS.md. */
export type EventSeverity = 'info' | 'warning' | 'error';

/** A frame that supports a finding: input index and 1-based frame number within it. */
export interface Evidence {
  input: number;
  frame: number;
}

/** Evidence for a packet (cheap: two numbers). */
export function evidenceOf(pkt: Packet): Evidence {
  return { input: pkt.frame.iface.input, frame: pkt.frame.index };
}

/** Keep at most this many evidence entries per finding (first ones and the last one are kept). */
export const MAX_EVIDENCE = 16;

/** Append evidence, bounded: past the cap only the last entry is replaced. */
export function pushEvidence(list: Evidence[], e: Evidence): void {
  if (list.length < MAX_EVIDENCE) list.push(e);
  else list[MAX_EVIDENCE - 1] = e;
}

/**
 * One timeline event. `kind` is one of FINDINGS.md's kinds (lacp.state, lacp.problem, member.down,
 * member.up, flow.moved, arp.takeover, arp.conflict, arp.flipflop, heartbeat.breach,
 * heartbeat.near-miss, vrrp.master, hsrp.master, carp.master, ...) with that kind's required fields
 * as further properties; `time` is the event's time (for interval events, its start).
 */
export interface TimelineEvent {
  kind: string;
  time: number;
  severity: EventSeverity;
  evidence: Evidence[];
  /** A short human sentence for tables and the live view. */
  text: string;
  [field: string]: unknown;
}

/** Heartbeat threshold settings with the cluster's own names (PROTOCOLS.md §2.11). */
export interface ThresholdSettings {
  profile: string;
  sameSubnetDelay: number;
  sameSubnetThreshold: number;
  crossSubnetDelay: number;
  crossSubnetThreshold: number;
  crossSiteDelay?: number;
  crossSiteThreshold?: number;
}

/** Everything an analysis run is configured with (CLI options map onto this). */
export interface AnalysisSettings extends ThresholdSettings {
  /** Bounded reorder window, in frames. */
  reorderWindow: number;
  /** Member names by MAC (lower-case text) or by interface name, from --member options. */
  memberMap: Record<string, string>;
  /** Subnets given with --subnet (CIDR text) that are "same subnet" routes. */
  subnets: string[];
  /** Caps on tracked state (flows, IPs, pairs); a hit cap is reported in notes. */
  maxFlows: number;
  maxIps: number;
}

/** Where analyzers deliver events as they happen (live view) and at the end (report). */
export interface EventSink {
  emit(e: TimelineEvent): void;
}

/**
 * An analyzer: consumes decoded packets one at a time in capture (time) order, keeps bounded
 * state, emits events through the sink as soon as they are known, and gives its JSON section at
 * the end. It never parses bytes: it reads layers through getLayer().
 */
export interface Analyzer<Section = unknown> {
  /** The top-level JSON key it fills ('members', 'distribution', 'lacp', 'arp', 'heartbeats'). */
  readonly section: string;
  onPacket(pkt: Packet): void;
  /** Capture time advanced to `time` (live: called every second even without packets). */
  tick?(time: number): void;
  /** End of input at capture time `time`: close open intervals, emit pending events. */
  finish(time: number): void;
  /** The section's value for `analyze --json`. */
  result(): Section;
  /** What this analyzer could not tell or caps it hit (go to top-level `notes`). */
  notes(): string[];
}
