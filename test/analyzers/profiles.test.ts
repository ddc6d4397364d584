import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { PROFILES, breachedProfiles, findProfile, toleranceSeconds, DEFAULT_PROFILE } from '../../src/analyzers/profiles.js';
import { arpOptions, settingsFromOptions, settingsWarnings, thresholdOptions } from '../../src/analyzers/settings.js';

describe('threshold profiles (PROTOCOLS.md decisions list)', () => {
  it('carry the decided Delay × Threshold values', () => {
    const table = Object.values(PROFILES).map((p) => [p.name, p.sameSubnetDelay, p.sameSubnetThreshold, p.crossSubnetDelay, p.crossSubnetThreshold]);
    expect(table).toEqual([
      ['ws2008', 1000, 5, 1000, 5],
      ['ws2012', 1000, 5, 1000, 5],
      ['ws2012r2', 1000, 5, 1000, 5],
      ['ws2016', 1000, 10, 1000, 20],
      ['ws2019', 1000, 20, 1000, 20],
    ]);
    expect(PROFILES.ws2016!.crossSiteDelay).toBe(1000);
    expect(PROFILES.ws2016!.crossSiteThreshold).toBe(20);
    for (const p of Object.values(PROFILES)) expect(p.sources.length).toBeGreaterThan(0);
  });

  it('defaults to ws2019 and maps 2022/2025 onto it', () => {
    expect(DEFAULT_PROFILE).toBe('ws2019');
    expect(findProfile('ws2022')!.name).toBe('ws2019');
    expect(findProfile('2025')!.name).toBe('ws2019');
    expect(findProfile('WS2016')!.name).toBe('ws2016');
    expect(findProfile('ws2008r2')!.name).toBe('ws2008');
    expect(findProfile('ws2003')).toBeUndefined();
  });

  it('tolerance is delay × threshold in seconds per subnet class', () => {
    expect(toleranceSeconds(PROFILES.ws2016!, 'same')).toBe(10);
    expect(toleranceSeconds(PROFILES.ws2016!, 'cross')).toBe(20);
    expect(toleranceSeconds(PROFILES.ws2008!, 'site')).toBe(5);
  });

  it('says which profiles a gap breaches', () => {
    expect(breachedProfiles(4.9, 'same')).toEqual([]);
    expect(breachedProfiles(5.0, 'same')).toEqual([]);
    expect(breachedProfiles(5.5, 'same')).toEqual(['ws2008', 'ws2012', 'ws2012r2']);
    expect(breachedProfiles(12, 'same')).toEqual(['ws2008', 'ws2012', 'ws2012r2', 'ws2016']);
    expect(breachedProfiles(12, 'cross')).toEqual(['ws2008', 'ws2012', 'ws2012r2']);
    expect(breachedProfiles(21, 'cross')).toEqual(['ws2008', 'ws2012', 'ws2012r2', 'ws2016', 'ws2019']);
  });
});

describe('threshold options', () => {
  const parse = (argv: string[]) => {
    const c = new Command().exitOverride();
    for (const o of [...thresholdOptions(), ...arpOptions()]) c.addOption(o);
    c.parse(argv, { from: 'user' });
    return settingsFromOptions(c.opts());
  };

  it('uses the profile unless an explicit option overrides it, whatever the order', () => {
    const a = parse(['--same-subnet-threshold', '7', '--profile', 'ws2012']);
    expect(a.sameSubnetThreshold).toBe(7);
    expect(a.crossSubnetThreshold).toBe(5);
    expect(a.profile).toBe('ws2012+same-subnet-threshold');
    const b = parse([]);
    expect(b.profile).toBe('ws2019');
    expect(b.sameSubnetThreshold).toBe(20);
    const c = parse(['--profile', 'ws2016', '--cross-subnet-delay', '2000']);
    expect(c.crossSubnetDelay).toBe(2000);
    expect(c.crossSubnetThreshold).toBe(20);
  });

  it('rejects unknown profiles and bad numbers with the option named', () => {
    expect(() => parse(['--profile', 'nt4'])).toThrow(/--profile 'nt4'/);
    expect(() => parse(['--same-subnet-threshold', 'x'])).toThrow(/--same-subnet-threshold/);
    expect(() => parse(['--same-subnet-threshold', '2.5'])).toThrow(/integer/);
    expect(() => parse(['--subnet', '10.0.0.0/33'])).toThrow(/--subnet/);
    expect(() => parse(['--node', 'a'])).toThrow(/--node/);
  });

  it('parses subnets, nodes and knet timers (corosync.conf(5) defaults follow token)', () => {
    const s = parse(['--subnet', '10.0.0.0/24', '--subnet', 'fd00::/64', '--node', 'n1=10.0.0.1,fd00::0001', '--token', '5000']);
    expect(s.subnets).toEqual(['10.0.0.0/24', 'fd00::/64']);
    expect(s.nodes).toEqual({ '10.0.0.1': 'n1', 'fd00::1': 'n1' });
    expect(s.knetPingInterval).toBe(1250);
    expect(s.knetPingTimeout).toBe(2500);
    const d = parse([]);
    expect(d.knetPingInterval).toBe(750);
    expect(d.knetPingTimeout).toBe(1500);
  });

  it('warns about values outside the documented ranges', () => {
    expect(settingsWarnings(parse([]))).toEqual([]);
    expect(settingsWarnings(parse(['--same-subnet-delay', '100'])).join()).toMatch(/250..2000/);
  });
});
