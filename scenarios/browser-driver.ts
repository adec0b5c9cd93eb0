// Driving the browser scenario's page from Node: open it on a server's own origin, call into its
// script, poll it. Shared by the stream checks (browser.ts) and the reconnect checks
// (browser-reconnect.ts).
import type { BrowserContext, Page } from 'playwright-core';
import { PATHS } from '../servers/contract.ts';
import { PAGE_HTML } from './browser-page.ts';

/**
 * A page same-origin with the server (the servers serve no page and send no CORS headers): the
 * page navigates to the server's own /healthz, then its document is replaced by ours
 * (document.write keeps the origin). Not Playwright's page.route, though routing one URL did not
 * delay the SSE stream (measured, 600 events each way: p50 1.4–2.1 ms routed, with the route kept,
 * and loaded from the server alike): a document fulfilled by Playwright has no IP address space,
 * so Chromium's Local Network Access check counts it as public and blocks its WebSocket to
 * 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). A document the server sent is a
 * loopback one, like a real page from that server; and no request is intercepted at all.
 */
export async function openPage(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  const res = await page.goto(`${origin}${PATHS.health}`);
  if (!res?.ok()) throw new Error(`the browser could not load ${origin}${PATHS.health} (${res ? `status ${res.status()}` : 'no response'})`);
  await page.setContent(PAGE_HTML);
  const ready = await page.evaluate(() => typeof (globalThis as unknown as { __pb?: unknown }).__pb === 'object');
  if (!ready) throw new Error("the browser page's script did not start");
  return page;
}

/** Calls window.__pb[method](...args) in the page. */
export async function call<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  const result: unknown = await page.evaluate(
    ([m, a]) => (globalThis as unknown as { __pb: Record<string, (...x: unknown[]) => unknown> }).__pb[m]!(...a),
    [method, args] as const,
  );
  return result as T;
}

export interface Progress {
  events: number;
  state: number;
  opens: number;
}

export async function progress(page: Page): Promise<Progress[]> {
  const raw = await call<[number, number, number][]>(page, 'progress');
  return raw.map(([events, state, opens]) => ({ events, state, opens }));
}

/** Polls `cond` every 25 ms; false once `timeoutMs` passed without it (bounded). */
export async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
