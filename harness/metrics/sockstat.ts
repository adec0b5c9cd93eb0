// Kernel TCP socket counts and memory from /proc/net/sockstat. The figures are machine-wide (every
// TCP socket on this host, not just the run's), so a delta is only meaningful while nothing else
// opens or closes many connections.
import { readFileSync } from 'node:fs';

export interface Sockstat {
  tcpInUse: number;
  tcpOrphan: number;
  tcpTimeWait: number;
  tcpAlloc: number;
  /** TCP buffer memory in bytes: the `mem` field is in pages, taken as 4096 bytes (x86-64/arm64 default; `getconf PAGESIZE` here). */
  memBytes: number;
}

const PAGE_BYTES = 4096;

/** Parses the `TCP:` line of /proc/net/sockstat. Throws when that line or one of its fields is missing. */
export function parseSockstat(text: string): Sockstat {
  const line = /^TCP:(.*)$/m.exec(text)?.[1];
  if (line === undefined) throw new Error('/proc/net/sockstat has no TCP: line');
  const field = (name: string): number => {
    const m = new RegExp(`(?:^|\\s)${name} (\\d+)(?:\\s|$)`).exec(line);
    if (!m) throw new Error(`/proc/net/sockstat TCP: line has no "${name}" field: ${line.trim()}`);
    return Number(m[1]);
  };
  return { tcpInUse: field('inuse'), tcpOrphan: field('orphan'), tcpTimeWait: field('tw'), tcpAlloc: field('alloc'), memBytes: field('mem') * PAGE_BYTES };
}

export function readSockstat(path = '/proc/net/sockstat'): Sockstat {
  return parseSockstat(readFileSync(path, 'utf8'));
}

/** after − before, field by field (negative when sockets were closed in between). */
export function sockstatDelta(before: Sockstat, after: Sockstat): Sockstat {
  return {
    tcpInUse: after.tcpInUse - before.tcpInUse,
    tcpOrphan: after.tcpOrphan - before.tcpOrphan,
    tcpTimeWait: after.tcpTimeWait - before.tcpTimeWait,
    tcpAlloc: after.tcpAlloc - before.tcpAlloc,
    memBytes: after.memBytes - before.memBytes,
  };
}
