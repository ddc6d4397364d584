// The timeline: every analyzer's events collected as they happen (forwarded to a live sink), and
// merged in time order at the end (issue 4, "One incident timeline"; FINDINGS.md `events`).
import type { EventSink, TimelineEvent } from './types.js';

/** A live consumer of events (`teamscope live`): `emit` as they happen, `update` when an open interval closes. */
export interface LiveSink extends EventSink {
  update?(e: TimelineEvent): void;
  /** An emitted event turned out not to hold (e.g. a flow move of the receive direction once the team side is known). */
  retract?(e: TimelineEvent): void;
}

/** Keep at most this many events in one run (a capture full of flaps must not exhaust memory). */
export const MAX_EVENTS = 200_000;

/** Collects events; the pipeline gives one to every analyzer as its EventSink. */
export class Timeline implements LiveSink {
  readonly events: TimelineEvent[] = [];
  /** Events dropped past MAX_EVENTS, by kind. */
  readonly dropped = new Map<string, number>();

  constructor(
    private readonly live?: LiveSink,
    private readonly cap = MAX_EVENTS,
  ) {}

  emit(e: TimelineEvent): void {
    if (this.events.length >= this.cap) {
      this.dropped.set(e.kind, (this.dropped.get(e.kind) ?? 0) + 1);
      return;
    }
    this.events.push(e);
    this.live?.emit(e);
  }

  /** An emitted event changed (an interval's end became known). */
  update(e: TimelineEvent): void {
    this.live?.update?.(e);
  }

  private readonly retracted = new Set<TimelineEvent>();

  retract(e: TimelineEvent): void {
    this.retracted.add(e);
    this.live?.retract?.(e);
  }

  /** Events in time order (stable: equal times keep emission order), retracted ones left out. */
  sorted(): TimelineEvent[] {
    return sortEvents(this.retracted.size ? this.events.filter((e) => !this.retracted.has(e)) : this.events);
  }

  notes(): string[] {
    if (this.dropped.size === 0) return [];
    const parts = [...this.dropped].map(([k, n]) => `${n} ${k}`).join(', ');
    return [`timeline cap of ${this.cap} events reached: ${parts} events were not kept`];
  }
}

/** Events in time order; ties keep their given order. */
export function sortEvents(events: readonly TimelineEvent[]): TimelineEvent[] {
  const idx = events.map((e, i) => i);
  idx.sort((a, b) => events[a]!.time - events[b]!.time || a - b);
  return idx.map((i) => events[i]!);
}

/** Close an interval event: set end and duration. */
export function closeInterval(e: TimelineEvent, end: number): void {
  e.end = end;
  e.duration = end - (e.start as number);
}
