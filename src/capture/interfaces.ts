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
    const info: InterfaceInfo = {
      id: this.all.length,
      input: i.input,
      index: i.index,
      name: i.name,
      description: i.description,
      linkType: i.linkType,
      snaplen: i.snaplen,
      tsUnitsPerSec: i.tsUnitsPerSec,
      tsOffset: i.tsOffset,
    };
    this.all.push(info);
    return info;
  }

  get size(): number {
    return this.all.length;
  }
}
