// What held an idle step's connect ramp back: a side's CPU, the server's accept queue, or unknown.
import type { IdleMetrics } from '../result/result.ts';

/** Connects this slow are the kernel's SYN retransmits (1 s, then 3 s...), not a busy process. */
export const SYN_RETRANSMIT_MS = 1000;

/**
 * The side at ≥ 90 % of a core held the ramp back; neither when the offered rate was reached.
 * Connect p99 ≥ 1 s with neither side saturated: SYNs were dropped and retransmitted, because the
 * server's accept queue (its listen backlog) overflowed. `pendingLimited`: the ramp waited for the
 * broker's answers (BrokerDescription.maxPendingConnects).
 */
export function rampLimit(achieved: number, offered: number, serverCpu: number, clientCpu: number, connectP99Ms = 0, pendingLimited = false): IdleMetrics['ramp']['limitedBy'] {
  if (achieved >= offered * 0.95) return 'neither';
  if (serverCpu >= 90 && serverCpu >= clientCpu) return 'server';
  if (clientCpu >= 90) return 'client';
  // A broker's ramp dials only while few subscribes wait for an answer: below the offered rate, its
  // answers paced the ramp (a slow answer is not a full listen backlog: the kernel accepted it).
  if (pendingLimited) return 'server';
  if (connectP99Ms >= SYN_RETRANSMIT_MS) return 'accept-queue';
  return 'unclear';
}
