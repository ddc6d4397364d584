// The capture layer in one import: readers, merge, reorder, writers, and their types.
export { CaptureError, type CaptureErrorCode, type ReadProblem, type ReadProblemKind } from './errors.js';
export { type Frame, type InterfaceInfo, type Lease, LinkType, linkTypeNames, compareTime, frameBytes, frameTime, newFrame } from './frame.js';
export { InterfaceTable, type NewInterface } from './interfaces.js';
export { CaptureReader, CHUNK_SIZE, type OpenOptions, openCapture } from './reader.js';
export { type CaptureSet, type ReadOptions, mergeBatches, readCaptures } from './merge.js';
export { REORDER_WINDOW, Reorder } from './reorder.js';
export { PcapWriter, type PcapWriterOptions, PcapngWriter, type PcapngInterface, type PcapngWriterOptions, type WriteTarget } from './writer.js';
export type { InterfaceStats, PcapngSection } from './pcapng.js';
