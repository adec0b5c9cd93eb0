// What machine and software a result was measured on, captured at the end of every run.
// Never throws: a run's results must not be lost because one detail could not be read.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../result/result.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The packages whose versions can move a figure: transports, parsers, histograms, load and charts. */
export const KEY_PACKAGES = ['ws', 'express', 'execa', 'hdr-histogram-js', 'eventsource-parser', 'vega', 'vega-lite', 'autocannon', 'playwright-core', 'tsx'] as const;

export function captureEnvironment(repoRoot: string = REPO_ROOT): Environment {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    kernel: release(),
    platform: platform(),
    node: process.version,
    packages: Object.fromEntries(KEY_PACKAGES.map((p) => [p, packageVersion(repoRoot, p)])),
    gitSha: gitSha(repoRoot),
    date: new Date().toISOString(),
    openFileCap: openFileCap(),
    ephemeralPorts: ephemeralPorts(),
  };
}

/** The installed version from node_modules/<name>/package.json, or 'not installed'. */
export function packageVersion(repoRoot: string, name: string): string {
  try {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'not installed';
  } catch {
    return 'not installed';
  }
}

/** HEAD's commit, or null outside a git checkout (or without git). */
export function gitSha(cwd: string): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/**
 * Soft RLIMIT_NOFILE of this process (what `ulimit -n` prints; children inherit it): one process
 * holds at most this many sockets. Falls back to Linux's default soft limit, 1024, if unreadable.
 */
export function openFileCap(limitsText?: string): number {
  try {
    const text = limitsText ?? readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)/m.exec(text);
    return m ? Number(m[1]) : 1024;
  } catch {
    return 1024;
  }
}

/**
 * Ephemeral ports per source address, from net.ipv4.ip_local_port_range (inclusive). Falls back
 * to the kernel default range 32768–60999 (28232 ports) if unreadable.
 */
export function ephemeralPorts(rangeText?: string): number {
  try {
    const [lo, hi] = (rangeText ?? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) return 28232;
    return hi - lo + 1;
  } catch {
    return 28232;
  }
}
