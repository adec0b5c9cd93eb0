// The browser scenario's checks on what the page's clients saw: pure functions from the clients'
// records to a pass/fail with the measured value, so each rule is readable (and testable) apart
// from driving Chromium.
import { createLatencyHistogram, record, summarize } from '../result/histogram.ts';
import type { PageClient } from './browser-page.ts';
import type { BrowserCheck } from '../result/extras.ts';
import type { BrowserScenario } from './schema.ts';

/** The retry check's window: the browser must wait about the hint, not reconnect at once or give up. */
export const RETRY_MIN_MS = 600;
export const RETRY_MAX_MS = 3000;

export interface Clock {
  stepUs: number;
  /** How far the page's CLOCK_MONOTONIC estimate lies outside Node's hrtime bracket around the call (0 = inside). */
  outsideUs: number;
  bracketUs: number;
  /** Half the narrowest hrtime bracket the page clock was synchronised in: how far its mapping may be off. */
  syncUs: number;
}

export function namedCheck(clients: PageClient[], s: BrowserScenario, kind: 'sse' | 'ws'): BrowserCheck {
  const counts = clients.map((c) => c.events.length);
  const unnamed = clients.reduce((sum, c) => sum + c.unnamed, 0);
  const received = counts.reduce((a, b) => a + b, 0);
  return {
    name: 'named events',
    pass: counts.every((n) => n === s.events) && unnamed === 0,
    measured: received,
    unit: 'events',
    expected: `exactly ${s.events} per client × ${clients.length} through addEventListener('${s.eventName}'), none elsewhere`,
    detail: `per client ${counts.join(', ')}; ${unnamed} arrived ${kind === 'sse' ? "as 'message'" : 'under another name'}`,
  };
}

/** Every event's id (lastEventId / envelope id) equals its seq, and phase 1 reads 1..N in order. */
export function idsCheck(first: PageClient[], second: PageClient[], s: BrowserScenario): BrowserCheck {
  let mismatched = 0;
  for (const c of second) for (const [id, seq] of c.events) if (id !== seq) mismatched++;
  const inOrder = first.map((c) => sameSeqs(c.events.map((e) => e[1]), 1, s.events));
  return {
    name: 'ids',
    pass: mismatched === 0 && inOrder.every(Boolean),
    measured: mismatched,
    unit: 'ids ≠ seq',
    expected: `every id equals its seq; each client reads 1..${s.events} in order`,
    detail: `${mismatched} ids differ from their seq over ${second.reduce((n, c) => n + c.events.length, 0)} events; ${inOrder.filter(Boolean).length} of ${first.length} clients read 1..${s.events} in order`,
  };
}

function sameSeqs(seqs: number[], from: number, to: number): boolean {
  if (seqs.length !== to - from + 1) return false;
  return seqs.every((seq, i) => seq === from + i);
}

/** One-way latency from the schedule's t0 to the page's receive time, over phase 1. */
export function latencyCheck(clients: PageClient[], s: BrowserScenario, clock: Clock): BrowserCheck {
  const h = createLatencyHistogram();
  let negative = 0;
  // The server's own lateness, t1 − t0 (t0 = receive − latency): tells a server stall from the rest.
  let serverLateMaxNs = 0n;
  for (const c of clients) {
    for (const e of c.events) {
      const late = BigInt(e[3]) - (BigInt(e[4]) - BigInt(e[2]));
      if (late > serverLateMaxNs) serverLateMaxNs = late;
      const us = Number(BigInt(e[2])) / 1000;
      // Below zero beyond the clock's coarsening and its synchronisation would mean the two clocks disagree.
      if (us < -(clock.stepUs + clock.syncUs)) negative++;
      record(h, us);
    }
  }
  const sum = summarize(h, 'us');
  const want = clients.length * s.events;
  const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
  return {
    name: 'latency',
    pass: sum.count === want && negative === 0 && clock.outsideUs <= clock.stepUs + clock.syncUs && sum.p50 <= s.latencyP50Ms * 1000 && sum.p99 <= s.latencyP99Ms * 1000,
    measured: sum.p50 / 1000,
    unit: 'ms p50',
    expected: `${want} samples, p50 ≤ ${s.latencyP50Ms} ms, p99 ≤ ${s.latencyP99Ms} ms, none below zero, page clock within Node's bracket (± its step and its synchronisation)`,
    detail:
      `p50 ${ms(sum.p50)}, p99 ${ms(sum.p99)}, max ${ms(sum.max)} over ${sum.count} events (server late by up to ${ms(Number(serverLateMaxNs) / 1000)}); ` +
      `precision ±${Math.max(1, Math.round(clock.stepUs + clock.syncUs))} µs (performance.now() steps by ${clock.stepUs.toFixed(1)} µs here; the page clock synchronised to within ±${clock.syncUs.toFixed(0)} µs); ` +
      `page clock ${clock.outsideUs === 0 ? 'inside' : `${clock.outsideUs.toFixed(0)} µs outside`} a ${clock.bracketUs.toFixed(0)} µs hrtime bracket` +
      (negative > 0 ? `; ${negative} samples below zero` : ''),
  };
}

/** Time from the drop's error/close event to the next open, per client. */
export function retryCheck(clients: PageClient[], s: BrowserScenario, kind: 'sse' | 'ws'): BrowserCheck {
  const gaps = clients.map((c) => {
    const firstOpen = c.opens[0];
    const err = c.errors.find((t) => firstOpen !== undefined && t > firstOpen);
    const reopen = err === undefined ? undefined : c.opens.find((t) => t > err);
    return err !== undefined && reopen !== undefined ? reopen - err : null;
  });
  const measured = gaps.every((g) => g !== null) ? Math.max(...(gaps as number[])) : null;
  const hints = kind === 'ws' ? ` (hello frames said ${[...new Set(clients.map((c) => c.retryMs))].join(', ')} ms)` : '';
  return {
    name: 'retry honoured',
    pass: gaps.every((g) => g !== null && g >= RETRY_MIN_MS && g < RETRY_MAX_MS),
    measured: measured === null ? null : Math.round(measured),
    unit: 'ms',
    expected: `server hint ${s.retryMs} ms: every client reconnects after ≥ ${RETRY_MIN_MS} ms and < ${RETRY_MAX_MS} ms`,
    detail: `${kind === 'sse' ? 'error' : 'close'} → open per client: ${gaps.map((g) => (g === null ? 'no reconnect' : `${Math.round(g)} ms`)).join(', ')}${hints}`,
  };
}

/**
 * After the drop every client must hold exactly 1..events+replayEvents, no gap, no duplicate.
 * Events whose t1 lies between the client's drop and its reopen were sent while it had no
 * connection: it can only have them from the server's replay after its Last-Event-ID.
 */
export function replayCheck(clients: PageClient[], s: BrowserScenario, kind: 'sse' | 'ws', dropped: number | null): BrowserCheck {
  const total = s.events + s.replayEvents;
  const rows = clients.map((c) => {
    const seqs = c.events.map((e) => e[1]);
    const seen = new Set(seqs);
    const missing = total - [...seen].filter((q) => q >= 1 && q <= total).length;
    const duplicates = seqs.length - seen.size;
    const reopen = c.openMonoNs[1] === undefined ? null : BigInt(c.openMonoNs[1]);
    // The client's last event before the drop: after it, events went out while it was away.
    const before = reopen === null ? [] : c.events.filter((e) => BigInt(e[4]) < reopen);
    const lastSeen = before.length > 0 ? before[before.length - 1]! : null;
    const replayed = reopen === null || lastSeen === null ? 0 : c.events.filter((e) => e[1] > lastSeen[1] && BigInt(e[3]) < reopen).length;
    return { ok: sameSeqs(seqs, 1, total), missing, duplicates, replayed, lastSeen: lastSeen?.[1] ?? null };
  });
  const problems = rows.reduce((n, r) => n + r.missing + r.duplicates, 0);
  return {
    name: 'Last-Event-ID replay',
    pass: rows.every((r) => r.ok && r.replayed > 0),
    measured: problems,
    unit: 'missing + duplicate',
    expected: `each client reads exactly 1..${total} in order across the drop, some of it replayed`,
    detail:
      `${dropped ?? '?'} connections dropped; ` +
      rows.map((r, i) => `client ${i + 1}: last before drop ${r.lastSeen ?? 'none'}, ${r.replayed} replayed, ${r.missing} missing, ${r.duplicates} duplicates`).join('; ') +
      (kind === 'sse' ? ' (the browser sent Last-Event-ID itself)' : ' (the page resumed with ?lastEventId=)'),
  };
}
