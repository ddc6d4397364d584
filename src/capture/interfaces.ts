// The run-wide list of capture interfaces: every file's interfaces get distinct global ids.
import type { InterfaceInfo } from './frame.js';

/** An interface as a reader describes it, before it gets its global id. */
export type NewInterface = Omit<InterfaceInfo, 'id'>;

/** Assigns global interface ids (0, 1, 2, ... in order of discovery) across all inputs of a run. */
export class InterfaceTable {
  /** Every interface so far; `all[i].id === i`. */
  readonly all: InterfaceInfo[] = [];

  /** Register an interface and return it with its id. */
  add(i: NewInterface): InterfaceInfo {
    // Integers as small integers where they fit, so every InterfaceInfo has one hidden class
    // (10 ** 6 computed is a heap double, 1e6 written is not; mixing them deprecates maps).
    const info: InterfaceInfo = {
      id: small(this.all.length),
      input: small(i.input),
      index: small(i.index),
      name: i.name,
      description: i.description,
      linkType: small(i.linkType),
      snaplen: small(i.snaplen),
      tsUnitsPerSec: small(i.tsUnitsPerSec),
      tsOffset: small(i.tsOffset),
    };
    this.all.push(info);
    return info;
  }

  get size(): number {
    return this.all.length;
  }
}

function small(v: number): number {
  return v === (v | 0) ? v | 0 : v;
}
