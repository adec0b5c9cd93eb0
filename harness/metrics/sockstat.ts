// Kernel socket memory from /proc/net/sockstat. `mem` is in pages; pages here are 4096 bytes.
import { readFileSync } from 'node:fs';

export interface Sockstat {
  tcpInUse: number;
  tcpOrphan: number;
  tcpTimeWait: number;
  tcpAlloc: number;
  memBytes: number;
}

const PAGE_BYTES = 4096;

export function parseSockstat(text: string): Sockstat {
  const tcp = /^TCP:(.*)$/m.exec(text)?.[1] ?? '';
  const field = (name: string): number => {
    const m = new RegExp(`\\b${name} (\\d+)`).exec(tcp);
    return m ? Number(m[1]) : 0;
  };
  return { tcpInUse: field('inuse'), tcpOrphan: field('orphan'), tcpTimeWait: field('tw'), tcpAlloc: field('alloc'), memBytes: field('mem') * PAGE_BYTES };
}

export function readSockstat(): Sockstat {
  try {
    return parseSockstat(readFileSync('/proc/net/sockstat', 'utf8'));
  } catch {
    return { tcpInUse: 0, tcpOrphan: 0, tcpTimeWait: 0, tcpAlloc: 0, memBytes: 0 };
  }
}
