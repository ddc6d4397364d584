// Windows Failover Cluster heartbeat threshold profiles (`--profile`), each with its sources
// (PROTOCOLS.md, decisions list and §2.11), and which profiles a heartbeat gap would breach.

/** Route class a heartbeat tolerance applies to (PROTOCOLS.md §2.11: SameSubnet*, CrossSubnet*, CrossSite*). */
export type SubnetClass = 'same' | 'cross' | 'site';

/** One named set of SameSubnet/CrossSubnet/CrossSite Delay (ms) × Threshold (heartbeats). */
export interface ThresholdProfile {
  readonly name: string;
  readonly title: string;
  readonly sameSubnetDelay: number;
  readonly sameSubnetThreshold: number;
  readonly crossSubnetDelay: number;
  readonly crossSubnetThreshold: number;
  /** CrossSite* exist from Windows Server 2016 on; older profiles use the CrossSubnet values. */
  readonly crossSiteDelay?: number;
  readonly crossSiteThreshold?: number;
  /** Where the numbers come from (PROTOCOLS.md §2.11 "Sources per column"). */
  readonly sources: readonly string[];
  /** What is uncertain about the numbers. */
  readonly caveat?: string;
}

const ASKCORE_2008 =
  'askcore "Having a problem with nodes being removed from active Failover Cluster membership?" (2012-02-08), mirrored in MicrosoftDocs';
const WIN32_2012 =
  'MicrosoftDocs/win32: desktop-src/MsCS/clusters-samesubnetdelay.md, clusters-samesubnetthreshold.md, clusters-crosssubnetdelay.md, clusters-crosssubnetthreshold.md';
const ITPRO_2016 = 'windowsitpro.com "What are the defaults for 2016 latency settings"';
const TECHCOMMUNITY = 'techcommunity.microsoft.com "Tuning Failover Cluster Network Thresholds"';
const CROSSSITE_2016 = 'MicrosoftDocs/win32: desktop-src/MsCS/crosssitedelay.md, crosssitethreshold.md (minimum Windows Server 2016)';
const AZURE_SQL = 'MicrosoftDocs/sql-docs: azure-sql/virtual-machines/windows/hadr-cluster-best-practices.md';

/** The profiles, by name; `ws2019` is the default (PROTOCOLS.md decisions list). */
export const PROFILES: Readonly<Record<string, ThresholdProfile>> = {
  ws2008: {
    name: 'ws2008',
    title: 'Windows Server 2008 / 2008 R2',
    sameSubnetDelay: 1000,
    sameSubnetThreshold: 5,
    crossSubnetDelay: 1000,
    crossSubnetThreshold: 5,
    sources: [ASKCORE_2008],
    caveat: 'the Azure SQL doc lists 2008 R2 maxima 10 / 20 heartbeats; defaults 5 / 5 per askcore',
  },
  ws2012: {
    name: 'ws2012',
    title: 'Windows Server 2012',
    sameSubnetDelay: 1000,
    sameSubnetThreshold: 5,
    crossSubnetDelay: 1000,
    crossSubnetThreshold: 5,
    sources: [WIN32_2012],
  },
  ws2012r2: {
    name: 'ws2012r2',
    title: 'Windows Server 2012 R2',
    sameSubnetDelay: 1000,
    sameSubnetThreshold: 5,
    crossSubnetDelay: 1000,
    crossSubnetThreshold: 5,
    sources: [ITPRO_2016, 'KB 3153887 (raises thresholds to 10 / 20 once Hyper-V VMs are present)'],
    caveat: 'with Hyper-V VMs present the cluster raises the thresholds to 10 / 20 (KB 3153887): use --profile ws2016 values then',
  },
  ws2016: {
    name: 'ws2016',
    title: 'Windows Server 2016',
    sameSubnetDelay: 1000,
    sameSubnetThreshold: 10,
    crossSubnetDelay: 1000,
    crossSubnetThreshold: 20,
    crossSiteDelay: 1000,
    crossSiteThreshold: 20,
    sources: [ITPRO_2016, TECHCOMMUNITY, CROSSSITE_2016],
    caveat: 'CrossSubnetThreshold: the Azure SQL doc says 10 for 2016; windowsitpro says 20 (used here)',
  },
  ws2019: {
    name: 'ws2019',
    title: 'Windows Server 2019 (default; also used for 2022 and 2025)',
    sameSubnetDelay: 1000,
    sameSubnetThreshold: 20,
    crossSubnetDelay: 1000,
    crossSubnetThreshold: 20,
    crossSiteDelay: 1000,
    crossSiteThreshold: 20,
    sources: [AZURE_SQL],
    caveat: 'CrossSite values for 2019 are not in the source; 1000 × 20 assumed (as in 2016)',
  },
};

/** Names accepted by --profile that stand for another profile (no source gives 2022/2025 values). */
export const PROFILE_ALIASES: Readonly<Record<string, string>> = {
  ws2008r2: 'ws2008',
  ws2022: 'ws2019',
  ws2025: 'ws2019',
};

/** The profile used when none is given (PROTOCOLS.md decisions list). */
export const DEFAULT_PROFILE = 'ws2019';

/** Profile names in release order (for tables and `breachedProfiles`). */
export const PROFILE_ORDER: readonly string[] = ['ws2008', 'ws2012', 'ws2012r2', 'ws2016', 'ws2019'];

/** Look a profile up by name or alias (case-insensitive, '2016' and 'ws2016' alike); undefined if unknown. */
export function findProfile(name: string): ThresholdProfile | undefined {
  let n = name.trim().toLowerCase().replace(/[\s_-]/g, '');
  if (/^\d/.test(n)) n = `ws${n}`;
  n = PROFILE_ALIASES[n] ?? n;
  return PROFILES[n];
}

/** Delay (ms) and threshold (heartbeats) a profile or settings object gives a subnet class. */
export function delayThreshold(
  p: Pick<ThresholdProfile, 'sameSubnetDelay' | 'sameSubnetThreshold' | 'crossSubnetDelay' | 'crossSubnetThreshold' | 'crossSiteDelay' | 'crossSiteThreshold'>,
  subnet: SubnetClass,
): { delay: number; threshold: number } {
  if (subnet === 'same') return { delay: p.sameSubnetDelay, threshold: p.sameSubnetThreshold };
  if (subnet === 'site' && p.crossSiteDelay !== undefined && p.crossSiteThreshold !== undefined)
    return { delay: p.crossSiteDelay, threshold: p.crossSiteThreshold };
  return { delay: p.crossSubnetDelay, threshold: p.crossSubnetThreshold };
}

/** Tolerance in seconds = Delay × Threshold (PROTOCOLS.md §2.11, Azure SQL guidance). */
export function toleranceSeconds(p: Parameters<typeof delayThreshold>[0], subnet: SubnetClass): number {
  const { delay, threshold } = delayThreshold(p, subnet);
  return (delay * threshold) / 1000;
}

/**
 * Names of the profiles whose tolerance a silence of `gapSeconds` on a route of class `subnet`
 * exceeds (the route would have been marked down), in release order.
 */
export function breachedProfiles(gapSeconds: number, subnet: SubnetClass): string[] {
  const out: string[] = [];
  for (const name of PROFILE_ORDER) {
    const p = PROFILES[name]!;
    if (gapSeconds > toleranceSeconds(p, subnet)) out.push(name);
  }
  return out;
}
