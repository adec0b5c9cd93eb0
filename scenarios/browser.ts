// The browser scenario: the real EventSource and WebSocket of headless Chromium against each
// server, checking what a browser client relies on (named events, ids, `retry:`, Last-Event-ID
// replay), the in-page latency, and the browser's per-origin connection limit (HTTP/1.1: 6; HTTP/2:
// one connection, many streams). It produces no steps: its findings are `extras.browser`.
import type { Page } from 'playwright-core';
import { getHealth, postBroadcast, postDrop } from '../harness/control.ts';
import { chromiumUnavailableReason, launch, type Session } from '../harness/browser/chromium.ts';
import { opensslUnavailableReason } from '../harness/openssl.ts';
import { findSystemTool } from '../harness/system-tool.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import { ENV } from '../servers/contract.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import type { PageClient } from './browser-page.ts';
import { call, openPage, progress, sleep, waitFor } from './browser-driver.ts';
import { errorReason, type Executor, type ExecutorContext } from './executor.ts';
import type { BrowserScenario } from './schema.ts';
import type { BrowserCheck, BrowserExtra, BrowserServerResult } from '../result/extras.ts';
import { idsCheck, latencyCheck, namedCheck, replayCheck, retryCheck, type Clock } from './browser-checks.ts';
import { sseReconnectChecks, wsReconnectChecks } from './browser-reconnect.ts';

export { CHROMIUM_PATH, chromiumPids, PROFILE_PREFIX } from '../harness/browser/chromium.ts';
/** Chromium's connections per origin over HTTP/1.1 (its socket pool's per-group limit). */
export const HTTP1_PER_ORIGIN = 6;

export const runBrowser: Executor<BrowserScenario> = async (scenario, ctx) => {
  const { kind: _kind, servers: _servers, ...settings } = scenario;
  const extra: BrowserExtra = { browser: null, skipped: null, error: null, settings, clockStepUs: null, servers: [] };
  const done = () => ({ steps: [], knees: [], extras: { browser: extra } });
  const noChromium = chromiumUnavailableReason();
  if (noChromium !== null) {
    extra.skipped = noChromium;
    ctx.progress({ type: 'notice', text: `browser: ${noChromium}` });
    return done();
  }
  // The HTTP/2 server needs TLS here, and TLS a certificate from openssl.
  const noOpenssl = opensslUnavailableReason();
  const whyNot = (s: ServerSpec): string | null =>
    s.protocol === 'tcp' ? 'raw TCP: a browser has no API for a plain TCP stream' : s.protocol === 'sse-h2' && noOpenssl !== null ? `HTTP/2 in a browser needs TLS: ${noOpenssl}` : null;
  const testable = ctx.servers.filter((s) => whyNot(s) === null);
  for (const s of ctx.servers) {
    const skipped = whyNot(s);
    if (skipped !== null) extra.servers.push({ server: s.name, protocol: s.protocol, origin: null, skipped, checks: [] });
  }
  if (testable.length === 0) return done();
  ctx.progress({ type: 'phase', text: 'browser: starting headless Chromium' });
  let session: Session;
  try {
    session = await launch(testable.some((s) => s.protocol === 'sse-h2'));
  } catch (err) {
    extra.error = `headless Chromium did not start: ${errorReason(err)}`;
    ctx.progress({ type: 'notice', text: `browser: ${extra.error}` });
    return done();
  }
  try {
    extra.browser = session.userAgent;
    for (const spec of testable) {
      if (ctx.cancelled()) break;
      const result = await checkServer(session, spec, scenario, ctx);
      extra.servers.push(result);
      extra.clockStepUs = session.clockStepUs;
      const passed = result.checks.filter((c) => c.pass).length;
      ctx.progress({ type: 'notice', text: `browser ${spec.name}: ${passed} of ${result.checks.length} checks pass${passed < result.checks.length ? ` (failed: ${result.checks.filter((c) => !c.pass).map((c) => c.name).join(', ')})` : ''}` });
    }
  } finally {
    await session.close();
  }
  return done();
};


/** Round trips the page clock is synchronised over; the one with the narrowest bracket wins. */
const CLOCK_SYNC_ROUNDS = 15;

/**
 * The page's wall clock (performance.timeOrigin + now(), in ns) minus Node's CLOCK_MONOTONIC, from
 * the round trip with the narrowest hrtime bracket: the page's reading lies inside that bracket,
 * so its midpoint is off by at most half of it. Chromium's clock is not the system wall clock that
 * Date.now() reads (they differed by milliseconds here), and one round trip on a loaded machine
 * took 11 ms: mapped from Date.now() alone, 10 of 20 latencies came out below zero.
 */
async function pageClockOffset(page: Page): Promise<{ offsetNs: bigint; syncUs: number }> {
  await call(page, 'setup', '0', '');
  let best: { offset: bigint; bracket: bigint } | null = null;
  for (let i = 0; i < CLOCK_SYNC_ROUNDS; i++) {
    const before = process.hrtime.bigint();
    const wall = BigInt(await call<string>(page, 'clock'));
    const after = process.hrtime.bigint();
    const bracket = after - before;
    if (best === null || bracket < best.bracket) best = { offset: wall - (before + after) / 2n, bracket };
  }
  return { offsetNs: best!.offset, syncUs: Number(best!.bracket) / 2000 };
}

// ---------------------------------------------------------------------------------------------
// Per server

async function checkServer(session: Session, spec: ServerSpec, s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserServerResult> {
  const tls = spec.protocol === 'sse-h2';
  const result: BrowserServerResult = { server: spec.name, protocol: spec.protocol, origin: null, skipped: null, checks: [] };
  ctx.progress({ type: 'phase', text: `browser ${spec.name}: starting the server` });
  let server: RunningServer;
  try {
    // Browsers speak HTTP/2 only over TLS: the sse-h2 server serves it (and plain HTTP/1.1 control).
    server = await startServer(spec, { env: { [ENV.retryMs]: String(s.retryMs), ...(tls ? { [ENV.tls]: '1', [ENV.openssl]: findSystemTool('openssl') ?? '' } : {}) } });
  } catch (err) {
    result.checks.push(failed('server started', 'the server answers /healthz', errorReason(err)));
    return result;
  }
  const origin = `${tls ? 'https' : 'http'}://${server.host}:${server.port}`;
  result.origin = origin;
  try {
    result.checks.push(...(await streamChecks(session, server, origin, spec.protocol === 'ws' ? 'ws' : 'sse', s, ctx)));
    if (spec.protocol === 'sse') result.checks.push(await http1LimitCheck(session, server, origin, s, ctx));
    if (tls) result.checks.push(await h2StreamsCheck(session, server, origin, s, ctx));
  } catch (err) {
    result.checks.push(failed('checks ran', 'every check runs to its end', errorReason(err)));
  } finally {
    await server.stop();
  }
  // Auto-reconnect with no page code: servers of their own, started with the retry field each needs.
  if (spec.protocol === 'ws') result.checks.push(...(await wsReconnectChecks(session.context, spec, s, ctx)));
  else if (spec.protocol === 'sse') result.checks.push(...(await sseReconnectChecks(session.context, spec, s, ctx)));
  return result;
}

function failed(name: string, expected: string, detail: string): BrowserCheck {
  return { name, pass: false, measured: null, unit: '', expected, detail };
}

/** Named events, ids, latency, then retry and replay across a drop, on one page of `clientsPerPage` clients. */
async function streamChecks(session: Session, server: RunningServer, origin: string, kind: 'sse' | 'ws', s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserCheck[]> {
  const name = server.spec.name;
  const page = await openPage(session.context, origin);
  try {
    const { offsetNs, syncUs } = await pageClockOffset(page);
    await call(page, 'setup', offsetNs.toString(), s.eventName);
    const clock = { ...(await clockCheck(page)), syncUs };
    session.clockStepUs = session.clockStepUs === null ? clock.stepUs : Math.min(session.clockStepUs, clock.stepUs);
    const n = s.clientsPerPage;
    await call(page, 'open', kind, n);
    ctx.progress({ type: 'phase', text: `browser ${name}: opening ${n} ${kind === 'ws' ? 'WebSockets' : 'EventSources'}` });
    const allOpen = await waitFor(async () => {
      const p = await progress(page);
      return p.every((c) => c.state === 1) && (await getHealth(server.baseUrl)).connections === n;
    }, 10_000);
    if (!allOpen) throw new Error(`the page's ${n} clients did not all open within 10 s (ready states ${(await progress(page)).map((c) => c.state).join(',')})`);

    // Phase 1: named events, ids, latency.
    ctx.progress({ type: 'phase', text: `browser ${name}: ${s.events} events at ${s.rate}/s` });
    await postBroadcast(server.baseUrl, { rate: s.rate, count: s.events, bytes: s.bytes, event: s.eventName });
    await waitFor(async () => (await progress(page)).every((c) => c.events >= s.events), (s.events / s.rate) * 1000 + 5000);
    await sleep(300); // anything extra (a duplicate) arrives now, not after we looked
    const first = await call<PageClient[]>(page, 'read');

    // Phase 2: a schedule that keeps sending across a drop; the clients come back after `retry`.
    const total = s.events + s.replayEvents;
    ctx.progress({ type: 'phase', text: `browser ${name}: drop after ${s.dropAfter} of ${s.replayEvents} events, reconnect, replay` });
    await postBroadcast(server.baseUrl, { rate: s.rate, count: s.replayEvents, bytes: s.bytes, event: s.eventName });
    await waitFor(async () => (await progress(page)).every((c) => c.events >= s.events + s.dropAfter), (s.dropAfter / s.rate) * 1000 + 5000);
    const dropped = await postDrop(server.baseUrl);
    // Deadline: the rest of the schedule, the retry delay and slack; a client missing events
    // (the noresume fault) waits it out, a complete one ends the wait at once.
    await waitFor(async () => (await progress(page)).every((c) => c.events >= total && c.opens >= 2), ((s.replayEvents - s.dropAfter) / s.rate) * 1000 + s.retryMs + 3000);
    await sleep(300);
    const second = await call<PageClient[]>(page, 'read');
    await call(page, 'closeAll');

    return [
      namedCheck(first, s, kind),
      idsCheck(first, second, s),
      latencyCheck(first, s, clock),
      retryCheck(second, s, kind),
      replayCheck(second, s, kind, dropped),
    ];
  } finally {
    await page.close();
  }
}



/**
 * The page's clock against Node's: its CLOCK_MONOTONIC estimate must fall within the hrtime
 * bracket around the call (±its coarsening), or every latency would carry the difference.
 */
async function clockCheck(page: Page): Promise<Omit<Clock, 'syncUs'>> {
  const stepMs = await call<number>(page, 'clockStep');
  const before = process.hrtime.bigint();
  const mono = BigInt(await call<string>(page, 'clock'));
  const after = process.hrtime.bigint();
  const outside = mono < before ? before - mono : mono > after ? mono - after : 0n;
  return { stepUs: stepMs * 1000, outsideUs: Number(outside) / 1000, bracketUs: Number(after - before) / 1000 };
}

/** Chromium allows 6 HTTP/1.1 connections per origin: the 7th EventSource waits in CONNECTING. */
async function http1LimitCheck(session: Session, server: RunningServer, origin: string, s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserCheck> {
  ctx.progress({ type: 'phase', text: `browser ${server.spec.name}: ${s.perOrigin} EventSources to one HTTP/1.1 origin` });
  // The previous page's streams must be gone, or they would count against the limit.
  await waitFor(async () => (await getHealth(server.baseUrl)).connections === 0, 5000);
  const page = await openPage(session.context, origin);
  try {
    await call(page, 'open', 'sse', s.perOrigin);
    await waitFor(async () => (await progress(page)).filter((c) => c.state === 1).length >= HTTP1_PER_ORIGIN, 5000);
    const since = Date.now();
    await sleep(s.limitHoldMs);
    const p = await progress(page);
    const held = Date.now() - since;
    const open = p.filter((c) => c.state === 1).length;
    const connecting = p.filter((c) => c.state === 0).length;
    const serverSees = (await getHealth(server.baseUrl)).connections;
    await call(page, 'closeAll');
    return {
      name: 'HTTP/1.1 six per origin',
      pass: open === HTTP1_PER_ORIGIN && connecting === s.perOrigin - HTTP1_PER_ORIGIN && serverSees === HTTP1_PER_ORIGIN,
      measured: open,
      unit: 'open',
      expected: `of ${s.perOrigin} EventSources to one origin exactly ${HTTP1_PER_ORIGIN} OPEN, the rest CONNECTING for ≥ ${s.limitHoldMs} ms`,
      detail: `${open} OPEN, ${connecting} CONNECTING after ${held} ms; the server holds ${serverSees} streams`,
    };
  } finally {
    await page.close();
  }
}

/** Over HTTP/2 the same page opens them all: one TCP connection, one stream each. */
async function h2StreamsCheck(session: Session, server: RunningServer, origin: string, s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserCheck> {
  ctx.progress({ type: 'phase', text: `browser ${server.spec.name}: ${s.h2Streams} EventSources over HTTP/2` });
  await waitFor(async () => (await getHealth(server.baseUrl)).connections === 0, 5000);
  const page = await openPage(session.context, origin);
  try {
    await call(page, 'open', 'sse', s.h2Streams);
    await waitFor(async () => (await progress(page)).every((c) => c.state === 1), 5000);
    const p = await progress(page);
    const open = p.filter((c) => c.state === 1).length;
    const health = await getHealth(server.baseUrl);
    await call(page, 'closeAll');
    return {
      name: 'HTTP/2 streams per origin',
      pass: open === s.h2Streams && health.connections === s.h2Streams,
      measured: open,
      unit: 'open',
      expected: `all ${s.h2Streams} EventSources to one origin OPEN (no 6-connection limit)`,
      detail: `${open} OPEN; the server holds ${health.connections} streams on ${health.tcpConnections ?? '?'} TCP connection(s)`,
    };
  } finally {
    await page.close();
  }
}

