// What machine and software a result was measured on, captured at the end of every run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, platform } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../servers/registry.ts';
import type { Environment } from './result.ts';

const PACKAGES = ['ws', 'express', 'execa', 'hdr-histogram-js', 'eventsource-parser', 'vega', 'vega-lite', 'autocannon', 'playwright-core', 'tsx'];

export function captureEnvironment(): Environment {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    kernel: release(),
    platform: platform(),
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    gitSha: gitSha(),
    date: new Date().toISOString(),
    openFileCap: openFileCap(),
    ephemeralPorts: ephemeralPorts(),
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Soft RLIMIT_NOFILE of this process (children inherit it): one process holds at most this many sockets. */
export function openFileCap(): number {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** Ephemeral ports per source address, from net.ipv4.ip_local_port_range. */
export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return (hi ?? 0) - (lo ?? 0) + 1;
  } catch {
    return 28232;
  }
}
