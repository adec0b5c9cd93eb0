// The one reconnect policy both protocols follow: the server's retry hint (SSE `retry:`, the WS/TCP
// hello), optional exponential backoff, optional full jitter, a maximum of attempts.
import type { ReconnectPolicy } from './types.ts';

/**
 * Delay before reconnect attempt `attempt` (1 = first after a loss). Backoff doubles the base per
 * consecutive failure up to maxDelayMs; full jitter draws uniformly in [0, delay].
 */
export function nextDelayMs(policy: ReconnectPolicy, serverRetryMs: number | null, attempt: number, random: () => number = Math.random): number {
  const base = policy.honourServerRetry && serverRetryMs !== null ? serverRetryMs : policy.defaultRetryMs;
  const raw = policy.backoff ? base * 2 ** Math.max(0, attempt - 1) : base;
  const delay = Math.min(policy.maxDelayMs, raw);
  return policy.jitter ? Math.floor(random() * (delay + 1)) : delay;
}

/** True while another attempt is allowed after `failures` consecutive failed attempts. */
export function mayRetry(policy: ReconnectPolicy, failures: number): boolean {
  return policy.enabled && failures < policy.maxAttempts;
}
