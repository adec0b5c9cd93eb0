// The write-up's "auto-reconnect" row in a real browser: a stream the server drops, met by clients
// with no reconnect code of the page's own (browser-page.ts's bare clients only record). An
// EventSource comes back by itself: after the browser's own delay when the server sent no `retry:`
// field (the write-up says 3 s), after the hint when it sent one. A WebSocket stays closed. Each
// measurement gets a fresh server started with the retry field it needs.
import type { BrowserContext } from 'playwright-core';
import { getHealth, postDrop } from '../harness/control.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import { ENV } from '../servers/contract.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import type { BareClient } from './browser-page.ts';
import { call, openPage, sleep, waitFor } from './browser-driver.ts';
import { RECONNECT_CHECKS, type BrowserCheck } from '../result/extras.ts';
import { errorReason, type ExecutorContext } from './executor.ts';
import type { BrowserScenario } from './schema.ts';

/** A hinted delay counts as honoured from 50 ms early (timer coarsening) to this much late. */
export const HINT_SLACK_MS = 1000;

/** Starts the server with (hint) or without (null) a retry field, runs `body`, stops it. */
async function withServer<T>(spec: ServerSpec, retryMs: number | null, body: (server: RunningServer) => Promise<T>): Promise<T> {
  const env: Record<string, string> = retryMs === null ? { [ENV.retryField]: '0' } : { [ENV.retryMs]: String(retryMs) };
  const server = await startServer(spec, { env });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

interface DropOutcome {
  /** The client's records after the wait. */
  client: BareClient;
  /** Streams the server held when the wait ended. */
  serverHolds: number;
  dropped: number;
}

/**
 * One bare client of `kind` on a fresh page of the server's origin: open, settle, drop, then wait
 * until `done` holds for the client or `waitMs` passes (bounded), and read it.
 */
async function dropAndWatch(context: BrowserContext, server: RunningServer, kind: 'sse' | 'ws', waitMs: number, done: (c: BareClient) => boolean): Promise<DropOutcome> {
  const page = await openPage(context, `http://${server.host}:${server.port}`);
  try {
    await call(page, 'openBare', kind);
    const read = async (): Promise<BareClient> => (await call<BareClient[]>(page, 'readBare'))[0]!;
    const opened = await waitFor(async () => (await read()).readyState === 1 && (await getHealth(server.baseUrl)).connections === 1, 10_000);
    if (!opened) throw new Error(`the bare ${kind === 'ws' ? 'WebSocket' : 'EventSource'} did not open within 10 s (readyState ${(await read()).readyState})`);
    // The stream's first bytes (the retry field, when sent) are read before the drop.
    await sleep(300);
    const dropped = await postDrop(server.baseUrl);
    await waitFor(async () => done(await read()), waitMs);
    const client = await read();
    const serverHolds = (await getHealth(server.baseUrl)).connections;
    await call(page, 'closeBare');
    return { client, serverHolds, dropped };
  } finally {
    await page.close();
  }
}

/** Error → next open, ms (null when it did not come back). */
function reconnectDelay(c: BareClient): number | null {
  const first = c.opens[0];
  const err = c.errors.find((t) => first !== undefined && t > first);
  const back = err === undefined ? undefined : c.opens.find((t) => t > err);
  return err !== undefined && back !== undefined ? back - err : null;
}

function failedCheck(name: string, expected: string, err: unknown): BrowserCheck {
  return { name, pass: false, measured: null, unit: '', expected, detail: `could not measure: ${errorReason(err)}` };
}

/** SSE: a bare EventSource after a drop, with no retry field and with each hint. */
export async function sseReconnectChecks(context: BrowserContext, spec: ServerSpec, s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserCheck[]> {
  const checks: BrowserCheck[] = [];
  const autoExpected = `a bare EventSource (no reconnect code in the page) comes back within ${s.reconnectTimeoutMs} ms of a drop by itself; the server sent no retry: field`;
  ctx.progress({ type: 'phase', text: `browser ${spec.name}: a bare EventSource after a drop, no retry: field` });
  try {
    const o = await withServer(spec, null, (server) => dropAndWatch(context, server, 'sse', s.reconnectTimeoutMs, (c) => c.opens.length >= 2));
    const delay = reconnectDelay(o.client);
    checks.push({
      name: RECONNECT_CHECKS.sseAuto,
      pass: delay !== null && o.client.readyState === 1 && o.serverHolds === 1,
      measured: delay === null ? null : Math.round(delay),
      unit: 'ms',
      expected: autoExpected,
      detail:
        delay === null
          ? `not back after ${s.reconnectTimeoutMs} ms (readyState ${o.client.readyState}, ${o.client.opens.length} opens)`
          : `error → open ${Math.round(delay)} ms with no retry: field (the browser's own reconnection time); readyState ${o.client.readyState} after, the server holds ${o.serverHolds} stream${o.serverHolds === 1 ? '' : 's'} again; ${o.dropped} dropped`,
    });
  } catch (err) {
    checks.push(failedCheck(RECONNECT_CHECKS.sseAuto, autoExpected, err));
  }
  for (const hint of s.retryHintsMs) {
    const name = RECONNECT_CHECKS.sseHint(hint);
    const expected = `with retry: ${hint}, a bare EventSource comes back after ${hint} ms (from ${hint - 50} to < ${hint + HINT_SLACK_MS} ms)`;
    ctx.progress({ type: 'phase', text: `browser ${spec.name}: a bare EventSource after a drop, retry: ${hint}` });
    try {
      const o = await withServer(spec, hint, (server) => dropAndWatch(context, server, 'sse', hint + HINT_SLACK_MS + 3000, (c) => c.opens.length >= 2));
      const delay = reconnectDelay(o.client);
      checks.push({
        name,
        pass: delay !== null && delay >= hint - 50 && delay < hint + HINT_SLACK_MS,
        measured: delay === null ? null : Math.round(delay),
        unit: 'ms',
        expected,
        detail: delay === null ? `not back within ${hint + HINT_SLACK_MS + 3000} ms (readyState ${o.client.readyState})` : `error → open ${Math.round(delay)} ms for a ${hint} ms hint`,
      });
    } catch (err) {
      checks.push(failedCheck(name, expected, err));
    }
  }
  return checks;
}

/** WS: a bare WebSocket after a drop stays closed: the API has no reconnect of its own. */
export async function wsReconnectChecks(context: BrowserContext, spec: ServerSpec, s: BrowserScenario, ctx: ExecutorContext): Promise<BrowserCheck[]> {
  const expected = `a bare WebSocket (no reconnect code in the page) is CLOSED (3) ${s.stayClosedMs} ms after a drop, opened once, and the server holds no stream`;
  ctx.progress({ type: 'phase', text: `browser ${spec.name}: a bare WebSocket after a drop, ${s.stayClosedMs} ms` });
  try {
    // Watched for the whole time: it passes only if nothing reopened all along.
    const o = await withServer(spec, 700, (server) => dropAndWatch(context, server, 'ws', s.stayClosedMs, (c) => c.opens.length >= 2));
    const closedFor = o.client.errors[0] === undefined ? null : Math.round(performanceSpan(o.client));
    return [
      {
        name: RECONNECT_CHECKS.wsStaysClosed,
        pass: o.client.readyState === 3 && o.client.opens.length === 1 && o.serverHolds === 0,
        measured: o.client.opens.length - 1,
        unit: 'reopens',
        expected,
        detail: `readyState ${o.client.readyState} (${o.client.readyState === 3 ? 'CLOSED' : 'not closed'}) ${s.stayClosedMs} ms after the drop; ${o.client.opens.length} open${o.client.opens.length === 1 ? '' : 's'}, ${o.client.errors.length} close event${o.client.errors.length === 1 ? '' : 's'}${closedFor === null ? '' : ` (closed ${closedFor} ms after it opened)`}; the server holds ${o.serverHolds} stream${o.serverHolds === 1 ? '' : 's'}; ${o.dropped} dropped`,
      },
    ];
  } catch (err) {
    return [failedCheck(RECONNECT_CHECKS.wsStaysClosed, expected, err)];
  }
}

/** First open → first close, ms. */
function performanceSpan(c: BareClient): number {
  return (c.errors[0] ?? 0) - (c.opens[0] ?? 0);
}
