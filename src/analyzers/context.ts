// What the pipeline hands every analyzer it builds: settings, the event sink, the shared packet
// summary and member resolution, and the per-member LACP state the distribution analyzer reads.
import type { TeamscopeSettings } from './settings.js';
import type { LiveSink } from './timeline.js';
import { MemberSet, MAX_MEMBERS } from './members.js';
import { PacketSummary } from './summary.js';

/** Team options of `analyze` beyond the shared settings (issue 4, "Team member distribution"). */
export interface TeamOptions {
  /** MACs (lower-case text) of the team side, from --team-mac; empty = infer. */
  teamMacs: string[];
  /** IPs of the team side, from --team-ip; empty = infer. */
  teamIps: string[];
}

/** Everything `analyze` is configured with. */
export type PipelineSettings = TeamscopeSettings & TeamOptions;

/** Shared state of one analysis run. */
export interface AnalyzerContext {
  readonly settings: PipelineSettings;
  readonly sink: LiveSink;
  readonly summary: PacketSummary;
  readonly members: MemberSet;
  /**
   * Per member: 1 while some LACP port seen on it last said it is not collecting and distributing
   * (filled by the LACP analyzer, read per packet by the distribution analyzer).
   */
  readonly lacpBlocked: Uint8Array;
  /** Per member: 1 when LACPDUs were seen on it. */
  readonly lacpSeen: Uint8Array;
  /** Per member: the LACPDU period in use (s; the slowest of its ports: 1 fast, 30 slow), 0 without LACP. */
  readonly lacpPeriod: Float64Array;
  /** Per member: intervals when an LACP port on it was not collecting+distributing (the member was not usable). */
  readonly lacpUnusable: { from: number; to: number | null }[][];
  /** Every LACP port: its member, actor system, and when its own state was not collecting+distributing. */
  readonly lacpPorts: { member: number; system: number; unusable: { from: number; to: number | null }[] }[];
  /** Actor systems seen in LACPDUs, and those of them that also carry data (the team's side, not the switch's). */
  readonly lacpSystems: Set<number>;
  readonly dataSystems: Set<number>;
}

/** A fresh context. */
export function newContext(settings: PipelineSettings, sink: LiveSink): AnalyzerContext {
  return {
    settings,
    sink,
    summary: new PacketSummary(),
    members: new MemberSet(settings.memberMap),
    lacpBlocked: new Uint8Array(MAX_MEMBERS),
    lacpSeen: new Uint8Array(MAX_MEMBERS),
    lacpPeriod: new Float64Array(MAX_MEMBERS),
    lacpUnusable: Array.from({ length: MAX_MEMBERS }, () => []),
    lacpPorts: [],
    lacpSystems: new Set(),
    dataSystems: new Set(),
  };
}
