// The ground truth a scenario writes next to its capture (--truth FILE.json): what happened, and the
// findings a correct `teamscope analyze` must report, in FINDINGS.md's event kinds and field names.
// The schema is documented in samples/README.md ("Ground truth files"); bump TRUTH_SCHEMA on a
// breaking change.
import { macText } from '../../dissectors/core.js';
import type { FrameRef } from './engine.js';

/** Version of the truth file layout. */
export const TRUTH_SCHEMA = 1;

/** Evidence as in FINDINGS.md: input (file) index and 1-based frame number. */
export interface TruthEvidence {
  input: number;
  frame: number;
}

/** One capture interface of the generated capture, with what it stands for. */
export interface TruthInterface {
  /** Input (file) index the interface's frames are in (0 for pcapng; one file per interface for pcap). */
  input: number;
  /** Interface index within the scenario (pcapng IDB number). */
  index: number;
  /** The interface name an analyzer reports as `iface` (pcapng if_name, or the pcap file's name). */
  name: string;
  role: 'member' | 'capture-point';
  /** Node (host) the interface belongs to, when it is a team member. */
  node?: string;
  team?: string;
  /** MAC address of the member NIC (its own, not the team MAC). */
  mac?: string;
  description?: string;
}

/** Something that happened in the scenario (the cause, not what an analyzer sees). */
export interface TruthHappened {
  time: number;
  kind: string;
  text: string;
  [field: string]: unknown;
}

/**
 * A finding a correct analyzer must report (required) or may report (optional): FINDINGS.md's kind and
 * required fields, plus `severity` and `evidence`. Times are epoch seconds; compare them within
 * `timeTolerance` (named so, because `tolerance` is a FINDINGS field of heartbeat events).
 */
export interface TruthFinding {
  kind: string;
  required: boolean;
  severity: 'info' | 'warning' | 'error';
  /** Allowed difference (s) on time/start/end/duration/lastSeen/firstSeen fields. */
  timeTolerance: number;
  evidence: TruthEvidence[];
  [field: string]: unknown;
}

/** The load-balancing policy a distribution analyzer must infer (team scenarios). */
export interface TruthPolicy {
  /** Canonical name, as src/analyzers/policies.ts names its candidates ('linux-layer3+4', 'windows-address-hash-4tuple', 'hyper-v-port', 'windows-dynamic'). */
  name: string;
  family: 'linux' | 'windows' | 'hyper-v';
  /** The generator's --policy value. */
  option: string;
  /** Linux kernel variant used (hash.ts LINUX_VARIANTS), for Linux policies. */
  variant?: string;
  /** Whether the member is recomputable from one frame's headers (else: only "one flow, one member" holds). */
  closedForm: boolean;
  /** Closed-form candidates (policy@variant) that explain every outbound frame of the capture equally well. */
  explainedBy: string[];
  /** Outbound frames checked (sent by the team on a member while ≥ 2 members were usable). */
  framesChecked: number;
}

/** The whole truth file. */
export interface TruthFile {
  schema: number;
  generator: {
    tool: 'teamscope generate';
    scenario: string;
    seed: number;
    format: 'pcapng' | 'pcap';
    /** Every knob of the run, with defaults filled in. */
    options: Record<string, unknown>;
    /** The command that regenerates this capture byte for byte. */
    command: string;
  };
  capture: {
    files: string[];
    format: 'pcapng' | 'pcap';
    packets: number;
    /** Epoch seconds of the first and last frame. */
    first: number;
    last: number;
    interfaces: TruthInterface[];
  };
  /** Analysis settings the scenario was built for (profile, thresholds, knet timers, …). */
  settings: Record<string, unknown>;
  /** Nodes, teams, members, addresses, networks: free-form per scenario. */
  topology: Record<string, unknown>;
  policy: TruthPolicy | null;
  happened: TruthHappened[];
  findings: TruthFinding[];
  /** Event kinds (or `kind:code` for lacp.problem) a correct analyzer must NOT report. */
  absent: string[];
  /** Findings a correct analyzer groups into one incident: its span and the kinds it contains. */
  incidents: TruthIncident[];
  notes: string[];
}

/** An incident (FINDINGS.md `incidents`): the findings of these kinds between start and end belong together. */
export interface TruthIncident {
  start: number;
  end: number;
  kinds: string[];
}

/**
 * The fields of each finding kind an analysis is compared on (FINDINGS.md's required fields, plus
 * allRoutesDown for Windows/knet breaches and reason for conflicts); a name starting with `?` is
 * compared when the finding has it. A finding's other fields go to its `info` (true and useful, but
 * not part of the contract).
 */
export const COMPARED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'lacp.state': ['time', 'iface', 'system', 'port', 'side', 'from', 'to'],
  'lacp.problem': ['start', 'end', 'iface', 'system', 'port', 'code'],
  'member.down': ['time', 'iface', 'lastSeen'],
  'member.up': ['time', 'iface', 'firstSeen'],
  'flow.moved': ['time', 'flow', 'from', 'to', 'reason'],
  'arp.takeover': ['time', 'ip', 'fromMac', 'toMac', 'lastFromOld', 'garps', 'garpForm', 'stale', 'virtual'],
  'arp.conflict': ['start', 'end', 'ip', 'macs', 'reason'],
  'arp.flipflop': ['time', 'ip', 'fromMac', 'toMac'],
  'heartbeat.breach': ['start', 'end', 'duration', 'protocol', 'from', 'to', 'route', 'subnet', 'tolerance', 'missed', 'profiles', '?allRoutesDown'],
  'heartbeat.near-miss': ['start', 'end', 'duration', 'protocol', 'from', 'to', 'route', 'subnet', 'tolerance', 'missed', 'profiles'],
  'heartbeat.pair-down': ['start', 'end', 'protocol', 'from', 'to'],
  'vrrp.master': ['time', 'group', 'ip', 'fromIp', 'toIp', 'reason'],
  'hsrp.master': ['time', 'group', 'ip', 'fromIp', 'toIp', 'reason'],
};

/** Move a finding's fields that are not compared for its kind into `info` (in place). */
export function splitInfo(f: TruthFinding): void {
  const keep = COMPARED_FIELDS[f.kind]?.map((k) => k.replace(/^\?/, ''));
  if (!keep) return;
  const info: Record<string, unknown> = {};
  for (const k of Object.keys(f)) {
    if (k === 'kind' || k === 'required' || k === 'severity' || k === 'timeTolerance' || k === 'evidence' || k === 'info' || keep.includes(k)) continue;
    info[k] = f[k];
    delete f[k];
  }
  if (Object.keys(info).length > 0) f.info = { ...((f.info as Record<string, unknown>) ?? {}), ...info };
}

/** Default time tolerance of a finding (s): times in the truth are frame times, so 1 ms is generous. */
export const DEFAULT_TOLERANCE = 0.001;

/** Collects a scenario's ground truth while it generates. */
export class TruthBuilder {
  readonly happened: TruthHappened[] = [];
  readonly findings: TruthFinding[] = [];
  readonly absent = new Set<string>();
  readonly notes: string[] = [];
  readonly incidents: TruthIncident[] = [];
  topology: Record<string, unknown> = {};
  settings: Record<string, unknown> = {};
  policy: TruthPolicy | null = null;

  /** Record something that happened. */
  event(time: number, kind: string, text: string, fields: Record<string, unknown> = {}): TruthHappened {
    const e: TruthHappened = { time, kind, text, ...fields };
    this.happened.push(e);
    return e;
  }

  /** Record a finding (mutable: scenarios complete times and evidence as frames are written). */
  finding(kind: string, fields: Record<string, unknown>, opts: { required?: boolean; severity?: TruthFinding['severity']; timeTolerance?: number } = {}): TruthFinding {
    const f: TruthFinding = {
      kind,
      required: opts.required ?? true,
      severity: opts.severity ?? 'warning',
      timeTolerance: opts.timeTolerance ?? DEFAULT_TOLERANCE,
      evidence: [],
      ...fields,
    };
    this.findings.push(f);
    return f;
  }

  /** A kind (or kind:code) that a correct analyzer must not report. */
  mustNotReport(kind: string): void {
    this.absent.add(kind);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Findings and events in time order (by time, or start for interval findings), stable. */
  sorted(): { happened: TruthHappened[]; findings: TruthFinding[] } {
    const key = (f: Record<string, unknown>) => Number(f.time ?? f.start ?? 0);
    const idx = <T>(xs: T[]) => xs.map((x, i) => [x, i] as const);
    const sortBy = <T extends Record<string, unknown>>(xs: T[]) =>
      idx(xs)
        .sort((a, b) => key(a[0]) - key(b[0]) || a[1] - b[1])
        .map(([x]) => x);
    return { happened: sortBy(this.happened), findings: sortBy(this.findings) };
  }
}

/** Evidence entry from a written frame. */
export function ev(ref: FrameRef): TruthEvidence {
  return { input: ref.input, frame: ref.frame };
}

/** Lower-case MAC text (FINDINGS.md conventions). */
export function macStr(mac: number): string {
  return macText(mac);
}

/** Round an epoch time to the microsecond (what a capture can carry). */
export function t6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
