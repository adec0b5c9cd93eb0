// What the browser scenario (browser.ts) records in `extras.browser`, and its one-line summary.
// Apart from browser.ts so that reports read it without loading playwright.
import type { Protocol } from '../servers/contract.ts';
import type { BrowserScenario } from './schema.ts';

export interface BrowserCheck {
  name: string;
  pass: boolean;
  measured: number | null;
  unit: string;
  /** The pass rule, in words. */
  expected: string;
  detail: string;
}

/** The reconnect checks' names (browser-reconnect.ts), which the claims table reads. */
export const RECONNECT_CHECKS = {
  /** A bare EventSource back after a drop by itself; measured: the delay with no `retry:` field. */
  sseAuto: 'EventSource reconnects by itself (no retry: field)',
  /** A bare EventSource's delay for one hint. */
  sseHint: (ms: number) => `reconnect delay, retry: ${ms}`,
  /** A bare WebSocket after a drop: still closed. */
  wsStaysClosed: 'WebSocket without reconnect code stays closed',
} as const;

/** The hint of a "reconnect delay, retry: N" check's name, or null for any other check. */
export function hintOf(checkName: string): number | null {
  const m = /^reconnect delay, retry: (\d+)$/.exec(checkName);
  return m ? Number(m[1]) : null;
}

export interface BrowserServerResult {
  server: string;
  protocol: Protocol;
  /** The page's origin (the server's own), or null when skipped. */
  origin: string | null;
  /** Why this server was not checked (e.g. raw TCP); null when it was. */
  skipped: string | null;
  checks: BrowserCheck[];
}

/** `extras.browser`: one scenario's findings (a second browser scenario in a plan replaces it). */
export interface BrowserExtra {
  /** Chromium's user agent, or null when it did not run. */
  browser: string | null;
  /** Why nothing ran (no Chromium), else null. */
  skipped: string | null;
  /** Chromium could not be started or driven; null when it ran. */
  error: string | null;
  settings: Omit<BrowserScenario, 'kind' | 'servers'>;
  /** Smallest step of performance.now() seen in the page (Chromium coarsens it), in µs. */
  clockStepUs: number | null;
  servers: BrowserServerResult[];
}

/** One line for summary.md and the terminal, or null when the result has no browser checks. */
export function browserSummaryLine(value: unknown): string | null {
  const b = value as BrowserExtra | undefined;
  if (!b || typeof b !== 'object') return null;
  if (b.skipped) return `Browser checks not run: ${b.skipped}.`;
  if (b.error) return `Browser checks failed to run: ${b.error}.`;
  const checks = b.servers.flatMap((s) => s.checks.map((c) => ({ server: s.server, c })));
  const failed = checks.filter((x) => !x.c.pass).map((x) => `${x.server} ${x.c.name}`);
  return `Browser checks (headless Chromium): ${checks.length - failed.length} of ${checks.length} pass${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}.`;
}
