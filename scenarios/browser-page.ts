// The page the browser scenario writes into a document of the server under test (same origin). Its script is plain
// browser JavaScript in a string (not a function handed to page.evaluate): tsx's compiled functions
// carry helpers (__name) that do not exist in the page. Node drives it through window.__pb.

/**
 * A client with no code of the page's own beyond recording (the reconnect checks): a bare
 * `new EventSource('/events')` or `new WebSocket('/ws')`, its open and error/close times
 * (performance.now()) and its readyState now. Whatever reconnecting happens is the browser's.
 */
export interface BareClient {
  opens: number[];
  errors: number[];
  readyState: number;
}

/** What Node reads back per client. */
export interface PageClient {
  /** Events as received: [id, seq, latencyNs as decimal string, t1, receive time in CLOCK_MONOTONIC ns]. */
  events: [number, number, string, string, string][];
  /** Events that reached the client but not through the named listener (SSE `message`, other WS names). */
  unnamed: number;
  /** performance.now() of every open / every error (SSE) or close (WS). */
  opens: number[];
  errors: number[];
  /** CLOCK_MONOTONIC ns (decimal) of every open: tells replayed events (sent before it) from live ones. */
  openMonoNs: string[];
  /** EventSource.readyState / WebSocket.readyState now (0 connecting, 1 open, 2 closed). */
  readyState: number;
  /** The retry hint the client follows: SSE keeps it inside EventSource; WS reads the hello frame. */
  retryMs: number | null;
}

const SCRIPT = String.raw`
'use strict';
(() => {
  let offsetNs = 0n;
  let eventName = 'tick';
  const clients = [];
  // Wall clock in ns from the page's own high-resolution clock, minus Node's wall-minus-monotonic
  // offset: the same CLOCK_MONOTONIC the server stamps t0 with.
  const monoNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) - offsetNs;
  const record = (c, id, data) => {
    const recv = monoNs();
    const d = typeof data === 'string' ? JSON.parse(data) : data;
    c.events.push([Number(id), d.seq, (recv - BigInt(d.t0)).toString(), d.t1, recv.toString()]);
  };
  const newClient = () => ({ events: [], unnamed: 0, opens: [], errors: [], openMonoNs: [], retryMs: null, handle: null, stopped: false });
  const opened = (c) => {
    c.opens.push(performance.now());
    c.openMonoNs.push(monoNs().toString());
  };

  const openSse = () => {
    const c = newClient();
    const es = new EventSource('/events');
    c.handle = es;
    es.addEventListener(eventName, (e) => record(c, e.lastEventId, e.data));
    // Named events must never arrive as 'message'.
    es.onmessage = () => c.unnamed++;
    es.onopen = () => opened(c);
    es.onerror = () => c.errors.push(performance.now());
    return c;
  };

  // The engine's WS policy (harness/clients): the hello frame's retry is the reconnect delay, and
  // a reconnect resumes with ?lastEventId=<last id seen>.
  const openWs = () => {
    const c = newClient();
    const named = new EventTarget();
    named.addEventListener(eventName, (e) => record(c, e.detail.id, e.detail.data));
    let last = 0;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const connect = () => {
      const ws = new WebSocket(scheme + '//' + location.host + '/ws' + (last > 0 ? '?lastEventId=' + last : ''));
      c.handle = ws;
      ws.onopen = () => opened(c);
      ws.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.hello === true) {
          c.retryMs = f.retry;
          return;
        }
        last = f.id;
        if (f.event === eventName) named.dispatchEvent(new CustomEvent(eventName, { detail: f }));
        else c.unnamed++;
      };
      ws.onclose = () => {
        c.errors.push(performance.now());
        if (!c.stopped) setTimeout(connect, c.retryMs ?? 1000);
      };
    };
    connect();
    return c;
  };

  // Bare clients: listeners that only record. No reconnect code: what happens after a drop is
  // the browser API's own behaviour.
  const bare = [];
  const openBare = (kind) => {
    const c = { opens: [], errors: [], handle: null };
    if (kind === 'ws') {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      c.handle = new WebSocket(scheme + '//' + location.host + '/ws');
      c.handle.addEventListener('close', () => c.errors.push(performance.now()));
    } else {
      c.handle = new EventSource('/events');
      c.handle.addEventListener('error', () => c.errors.push(performance.now()));
    }
    c.handle.addEventListener('open', () => c.opens.push(performance.now()));
    bare.push(c);
    return bare.length;
  };

  window.__pb = {
    openBare,
    readBare() {
      return bare.map((c) => ({ opens: c.opens, errors: c.errors, readyState: c.handle.readyState }));
    },
    closeBare() {
      for (const c of bare) c.handle.close();
      bare.length = 0;
      return true;
    },
    setup(offset, name) {
      offsetNs = BigInt(offset);
      eventName = name;
      return true;
    },
    open(kind, n) {
      for (let i = 0; i < n; i++) clients.push(kind === 'ws' ? openWs() : openSse());
      return clients.length;
    },
    // Cheap progress poll: events per client and ready states.
    progress() {
      return clients.map((c) => [c.events.length, c.handle.readyState, c.opens.length]);
    },
    read() {
      return clients.map((c) => ({ events: c.events, unnamed: c.unnamed, opens: c.opens, errors: c.errors, openMonoNs: c.openMonoNs, readyState: c.handle.readyState, retryMs: c.retryMs }));
    },
    closeAll() {
      for (const c of clients) {
        c.stopped = true;
        c.handle.close();
      }
      return true;
    },
    // This page's CLOCK_MONOTONIC estimate (ns), for Node to bracket with hrtime.
    clock() {
      return monoNs().toString();
    },
    // The smallest step performance.now() takes here (ms).
    clockStep() {
      // Smallest of 20 steps: Chromium coarsens performance.now() and adds jitter to each step.
      let step = Infinity;
      let prev = performance.now();
      for (let i = 0, changes = 0; i < 2000000 && changes < 20; i++) {
        const t = performance.now();
        if (t !== prev) {
          step = Math.min(step, t - prev);
          changes++;
        }
        prev = t;
      }
      return step;
    },
  };
})();
`;

export const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>pushbench browser checks</title></head><body><script>${SCRIPT}</script></body></html>`;
