// teamscope as a library: read captures, decode frames, analyze, render, generate. The CLI
// (src/cli/main.ts) is a thin layer over exactly these exports.

// ---- capture input and output (readers stream batches of zero-copy Frames; writers for pcap/pcapng)
export * from './capture/index.js';

// ---- dissectors: the shared vocabulary, the filled registry, and every protocol's codec
export * from '../dissectors/core.js';
export { Registry, filterAliases } from '../dissectors/registry.js';
export { registry } from '../dissectors/index.js';
export { ethernet, type EthLayer, type EthFields, EtherType, etherTypeNames } from '../dissectors/ethernet.js';
export { vlan, type VlanLayer, type VlanFields } from '../dissectors/vlan.js';
export { llc, type LlcLayer, type LlcFields } from '../dissectors/llc.js';
export { sll, type SllLayer, type SllFields } from '../dissectors/sll.js';
export { sll2, type Sll2Layer, type Sll2Fields } from '../dissectors/sll2.js';
export { arp, type ArpLayer, type ArpFields, type ArpKind, classifyArp } from '../dissectors/arp.js';
export { slow, type SlowLayer } from '../dissectors/slow.js';
export { lacp, type LacpLayer, type LacpFields, lacpStateFlags } from '../dissectors/lacp.js';
export { marker, type MarkerLayer, type MarkerFields } from '../dissectors/marker.js';
export { ossp, type OsspLayer, type OsspFields } from '../dissectors/ossp.js';
export { ipv4, type Ipv4Layer, type Ipv4Fields } from '../dissectors/ipv4.js';
export { ipv6, type Ipv6Layer, type Ipv6Fields } from '../dissectors/ipv6.js';
export { udp, type UdpLayer, type UdpFields } from '../dissectors/udp.js';
export { tcp, type TcpLayer, type TcpFields, tcpFlags } from '../dissectors/tcp.js';
export { vrrp, type VrrpLayer, type VrrpFields } from '../dissectors/vrrp.js';
export { carp, type CarpLayer, type CarpFields } from '../dissectors/carp.js';
export { hsrp, type HsrpLayer, type HsrpFields } from '../dissectors/hsrp.js';
export { knet, type KnetLayer, type KnetFields } from '../dissectors/knet.js';
export { mscs, type MscsLayer, type MscsFields } from '../dissectors/mscs.js';

// ---- analysis: one streaming pass over frames, all analyzers, the FINDINGS result
export { Pipeline, type PipelineOptions, type AnalysisResult, type InputResult, ANALYZERS, SCHEMA_VERSION } from './analyzers/pipeline.js';
export type { Analyzer, TimelineEvent, Evidence, EventSeverity, AnalysisSettings, ThresholdSettings } from './analyzers/types.js';
export { defaultSettings, resolveSettings, type TeamscopeSettings } from './analyzers/settings.js';

// ---- rendering
export { renderTables } from './report/table.js';
export { renderJson } from './report/json.js';
export { renderHtml } from './report/html.js';
export { PacketRenderer, TimeText, type TimeFormat } from './report/dissect.js';

// ---- the generator: scenarios with ground truth, written through the dissectors' encoders
export { SCENARIOS, findScenario, generate, type GenerateOptions, type GenerateResult } from './generator/index.js';
