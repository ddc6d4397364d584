// Real failover software for the network tests, run inside lab namespaces and tracked by PID:
// keepalived (VRRP) and corosync 3 (knet). Config files live in the lab's folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab, type Proc, must, poll } from './lab.js';

/** keepalived.conf for one VRRPv2 instance without a virtual MAC (no macvlan in the test kernel). */
export function keepalivedConf(o: { routerId: string; iface: string; vrid: number; priority: number; vip: string; advertInt?: number }): string {
  return `global_defs {
  router_id ${o.routerId}
  script_user root
  enable_script_security
}
vrrp_instance VI_${o.vrid} {
  state BACKUP
  interface ${o.iface}
  virtual_router_id ${o.vrid}
  priority ${o.priority}
  advert_int ${o.advertInt ?? 1}
  virtual_ipaddress {
    ${o.vip}
  }
}
`;
}

/** A keepalived started by a test: the parent (our child process) and its VRRP child process. */
export class Keepalived {
  constructor(
    readonly proc: Proc,
    readonly vrrpPidFile: string,
  ) {}

  /** PID of keepalived's VRRP child process (from its pid file). */
  vrrpPid(): number {
    return Number(readFileSync(this.vrrpPidFile, 'utf8').trim());
  }

  /**
   * Crash it: SIGKILL the VRRP child (no priority-0 advert is sent), then the parent, which was
   * started with --dont-respawn. Both are processes this test started.
   */
  async crash(): Promise<void> {
    const child = this.vrrpPid();
    process.kill(child, 'SIGKILL');
    await this.proc.stop('SIGKILL');
  }

  /** Stop it the normal way (SIGTERM): keepalived sends a priority-0 advert and removes the VIP. */
  async stop(): Promise<number | null> {
    return this.proc.stop('SIGTERM', 10_000);
  }
}

/** Start keepalived (VRRP only, foreground, logging to stderr) in `ns`. */
export function startKeepalived(lab: Lab, ns: string, name: string, conf: string): Keepalived {
  const dir = lab.dir;
  const cfg = join(dir, `${name}.conf`);
  writeFileSync(cfg, conf);
  const pid = join(dir, `${name}.pid`);
  const vrrpPid = join(dir, `${name}.vrrp.pid`);
  const p = lab.spawn(ns, name, ['keepalived', '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '--dont-respawn', '-f', cfg, '-p', pid, '-r', vrrpPid]);
  return new Keepalived(p, vrrpPid);
}

/** corosync.conf for a knet cluster of `nodes` (IPv4 ring0 addresses), one link. */
export function corosyncConf(o: { nodes: string[]; token: number; crypto: boolean; keyfile?: string }): string {
  const nodes = o.nodes.map((addr, i) => `  node {\n    ring0_addr: ${addr}\n    nodeid: ${i + 1}\n    name: n${i + 1}\n  }`).join('\n');
  const crypto = o.crypto ? `  crypto_cipher: aes256\n  crypto_hash: sha256\n  keyfile: ${o.keyfile}` : '  crypto_cipher: none\n  crypto_hash: none';
  return `totem {
  version: 2
  cluster_name: teamscope
  transport: knet
${crypto}
  token: ${o.token}
}
nodelist {
${nodes}
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_stderr: yes
  to_syslog: no
  to_logfile: no
  timestamp: on
}
`;
}

/** A 256-byte corosync authkey (random), written to the lab folder. */
export function corosyncKey(lab: Lab): string {
  const key = join(lab.dir, 'authkey');
  must('corosync-keygen', ['-l', '-k', key]);
  return key;
}

/**
 * Start corosync in `ns` in the foreground. corosync keeps a global lock and runtime files under
 * /run and state under /var/lib/corosync, so each node gets its own private mount namespace
 * (unshare -m) with tmpfs on those. `exec` keeps one PID from `ip netns exec` to corosync.
 */
export function startCorosync(lab: Lab, ns: string, name: string, conf: string): Proc {
  const cfg = join(lab.dir, `${name}.corosync.conf`);
  writeFileSync(cfg, conf);
  const script = `mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib/corosync && mkdir -p /var/log/corosync && mount -t tmpfs tmpfs /var/log/corosync && exec corosync -f -c ${cfg}`;
  return lab.spawn(ns, name, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script]);
}

/** iptables that works in this kernel (legacy when present: the nft backend may be missing). */
export function iptablesBin(): string {
  return must('sh', ['-c', 'command -v iptables-legacy || command -v iptables']).trim();
}

/** Wait until every corosync log says the membership has `n` members. */
export async function waitForMembers(nodes: Proc[], n: number, timeoutMs: number): Promise<void> {
  for (const p of nodes) await p.line(new RegExp(`\\[QUORUM\\] Members\\[${n}\\]`), timeoutMs);
}

/** Count log lines matching `re` (for waits on a second occurrence). */
export function countLines(p: Proc, re: RegExp): number {
  return p.lines.filter((l) => re.test(l)).length;
}

export { poll };
