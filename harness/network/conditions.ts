// `--net loss=1%,rate=20mbit,delay=20ms`: the imperfect network a server under test sits behind.
// Parsed strictly so a typo is one clear line instead of a silently perfect network.
import { UserError } from '../errors.ts';

export interface NetConditions {
  /** Share of packets dropped in each direction, 0..50. */
  lossPercent: number;
  /** Bandwidth in each direction (kbit/s); null for unlimited. */
  rateKbit: number | null;
  /** Added one-way delay in each direction (ms), 0..5000. */
  delayMs: number;
}

export const MAX_LOSS_PERCENT = 50;
export const MAX_DELAY_MS = 5000;
/** tbf cannot shape sensibly below a few packets per second, and veth tops out far above 100 Gbit/s. */
export const MIN_RATE_KBIT = 8;
export const MAX_RATE_KBIT = 100_000_000;

const FORM = 'loss=<0..50>%, rate=<n>kbit|mbit|gbit, delay=<0..5000>ms, comma separated (e.g. loss=1%,rate=20mbit,delay=20ms)';
const EXPECTED = {
  loss: 'loss=<0..50>% (e.g. loss=1%)',
  rate: `rate=<n>kbit|mbit|gbit between ${MIN_RATE_KBIT}kbit and 100gbit (e.g. rate=20mbit)`,
  delay: 'delay=<0..5000>ms (e.g. delay=20ms)',
} as const;
const UNIT_KBIT: Record<string, number> = { kbit: 1, mbit: 1000, gbit: 1_000_000 };

export function parseNetConditions(raw: string): NetConditions {
  const parts = raw.split(',').map((p) => p.trim());
  if (raw.trim() === '') throw new UserError(`--net is empty: expected ${FORM}`);
  const seen = new Set<string>();
  const out: NetConditions = { lossPercent: 0, rateKbit: null, delayMs: 0 };
  for (const part of parts) {
    if (part === '') throw new UserError(`--net "${raw}" has an empty part: expected ${FORM}`);
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().toLowerCase();
    if (key !== 'loss' && key !== 'rate' && key !== 'delay') {
      throw new UserError(`--net part "${part}" is not understood: expected ${FORM}`);
    }
    if (seen.has(key)) throw new UserError(`--net part "${part}" repeats ${key}: give each of loss, rate, delay at most once`);
    seen.add(key);
    const bad = (): UserError => new UserError(`--net part "${part}" is invalid: expected ${EXPECTED[key]}`);
    if (key === 'loss') {
      const m = /^(\d+(?:\.\d{1,2})?)\s*%$/.exec(value);
      const n = m ? Number(m[1]) : NaN;
      if (!(n >= 0 && n <= MAX_LOSS_PERCENT)) throw bad();
      out.lossPercent = n;
    } else if (key === 'rate') {
      const m = /^(\d+(?:\.\d+)?)\s*(kbit|mbit|gbit)$/.exec(value);
      // Whole kbit/s: tc takes integers and nobody needs finer steps.
      const n = m && m[1] !== undefined && m[2] !== undefined ? Math.round(Number(m[1]) * (UNIT_KBIT[m[2]] ?? NaN)) : NaN;
      if (!(n >= MIN_RATE_KBIT && n <= MAX_RATE_KBIT)) throw bad();
      out.rateKbit = n;
    } else {
      const m = /^(\d+)\s*ms$/.exec(value);
      const n = m ? Number(m[1]) : NaN;
      if (!(n >= 0 && n <= MAX_DELAY_MS)) throw bad();
      out.delayMs = n;
    }
  }
  return out;
}

/** One short phrase for logs and reports, e.g. "loss 1 %, 20 Mbit/s, +20 ms". */
export function describeNetConditions(c: NetConditions): string {
  const parts: string[] = [];
  if (c.lossPercent > 0) parts.push(`loss ${c.lossPercent} %`);
  if (c.rateKbit !== null) parts.push(formatRate(c.rateKbit));
  if (c.delayMs > 0) parts.push(`+${c.delayMs} ms`);
  return parts.length === 0 ? 'no impairment' : parts.join(', ');
}

function formatRate(kbit: number): string {
  if (kbit >= 1_000_000) return `${trim(kbit / 1_000_000)} Gbit/s`;
  if (kbit >= 1000) return `${trim(kbit / 1000)} Mbit/s`;
  return `${kbit} kbit/s`;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
