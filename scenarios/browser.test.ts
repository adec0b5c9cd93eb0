// The browser scenario against real servers in Debian's headless Chromium: every check passes on
// node-sse and node-ws with exact counts, the noresume fault fails the replay check (and only it),
// Chromium's HTTP/1.1 limit shows as exactly 6 open, a bare EventSource comes back by itself after a
// drop (with no retry: field and with a hint) while a bare WebSocket stays closed, and no Chromium
// process or profile survives.
// One Chromium for all of it (a cold start takes seconds). Skipped when chromium is absent.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { before, describe, it } from 'node:test';
import { browserSection } from '../reports/browser-section.ts';
import { getServer } from '../harness/servers/registry.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { chromiumUnavailableReason } from '../harness/browser/chromium.ts';
import { startServer } from '../harness/lifecycle/server-process.ts';
import { opensslUnavailableReason } from '../harness/openssl.ts';
import { chromiumPids, HTTP1_PER_ORIGIN, PROFILE_PREFIX, runBrowser } from './browser.ts';
import { RECONNECT_CHECKS, type BrowserExtra, type BrowserServerResult } from '../result/extras.ts';
import { browserSummaryLine } from '../reports/browser-section.ts';
import { browserSchema, engineSchema } from './schema.ts';

// The product's probe: skipped with its reason when Chromium is missing or hidden (PUSHBENCH_WITHOUT).
const SKIP = chromiumUnavailableReason() ?? false;

const NORESUME = 'node-sse+fault(noresume=1)';
const CLIENTS = 2;
const EVENTS = 10;
const REPLAY = 40;
const HINT = 400;

function noResume(): ServerSpec {
  const spec = getServer('node-sse');
  return { ...spec, name: NORESUME, launch: { ...spec.launch, env: { ...spec.launch.env, PUSHBENCH_FAULT: 'noresume=1' } } };
}

function profiles(): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith(PROFILE_PREFIX));
}

describe('browser scenario in headless Chromium', { skip: SKIP }, () => {
  let extra: BrowserExtra;
  let profilesBefore: string[];
  const server = (name: string): BrowserServerResult => {
    const s = extra.servers.find((x) => x.server === name);
    assert.ok(s, `no result for ${name}`);
    return s;
  };
  const check = (name: string, check: string) => {
    const c = server(name).checks.find((x) => x.name === check);
    assert.ok(c, `${name} has no check "${check}": ${server(name).checks.map((x) => x.name).join(', ')}`);
    return c;
  };

  before(async () => {
    profilesBefore = profiles();
    // The latency check's bounds are the product's sanity bound for a quiet machine (p50 ≤ 20 ms);
    // a test asserts correctness, not this machine's speed (a loaded one measured p50 28–38 ms, the
    // server late by up to 75 ms). These bounds still fail a stream buffered throughout (10 events
    // at 50/s released at the end: p50 ≥ ~100 ms); browser-checks.test.ts checks the bound itself.
    const scenario = browserSchema.parse({ kind: 'browser', servers: ['node-sse', 'node-ws'], clientsPerPage: CLIENTS, events: EVENTS, replayEvents: REPLAY, dropAfter: 8, retryHintsMs: [HINT], stayClosedMs: 3500, latencyP50Ms: 80, latencyP99Ms: 1000 });
    const out = await runBrowser(scenario, {
      servers: [getServer('node-sse'), getServer('node-ws'), noResume(), getServer('tcp-floor')],
      workDir: tmpdir(),
      engine: engineSchema.parse({}),
      progress: () => undefined,
      beginStep: () => 0,
      endStep: () => undefined,
      cancelled: () => false,
    });
    assert.deepEqual(out.steps, []);
    extra = out.extras.browser as BrowserExtra;
  });

  it('runs Chromium once and reports every server asked for', () => {
    assert.equal(extra.skipped, null);
    assert.equal(extra.error, null);
    assert.match(extra.browser ?? '', /HeadlessChrome/);
    assert.deepEqual(
      extra.servers.map((s) => s.server),
      ['tcp-floor', 'node-sse', 'node-ws', NORESUME],
    );
    assert.match(server('tcp-floor').skipped ?? '', /raw TCP/);
  });

  for (const name of ['node-sse', 'node-ws']) {
    it(`${name}: every check passes, with exact counts`, () => {
      const s = server(name);
      const failing = s.checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.detail}`);
      assert.deepEqual(failing, []);
      const expected = [
        'named events',
        'ids',
        'latency',
        'retry honoured',
        'Last-Event-ID replay',
        ...(name === 'node-sse' ? ['HTTP/1.1 six per origin', RECONNECT_CHECKS.sseAuto, RECONNECT_CHECKS.sseHint(HINT)] : [RECONNECT_CHECKS.wsStaysClosed]),
      ];
      assert.deepEqual(
        s.checks.map((c) => c.name),
        expected,
      );
      assert.equal(check(name, 'named events').measured, CLIENTS * EVENTS);
      assert.equal(check(name, 'ids').measured, 0);
      assert.equal(check(name, 'Last-Event-ID replay').measured, 0);
      const retry = check(name, 'retry honoured').measured;
      assert.ok(retry !== null && retry >= 600 && retry < 3000, `retry ${retry} ms`);
      // Some events really came from the replay: each client names how many.
      assert.match(check(name, 'Last-Event-ID replay').detail, /client 1: last before drop \d+, [1-9]\d* replayed, 0 missing, 0 duplicates/);
    });
  }

  it('auto-reconnect with no page code: the EventSource comes back by itself, the WebSocket stays closed', () => {
    const auto = check('node-sse', RECONNECT_CHECKS.sseAuto);
    assert.ok(auto.measured !== null && auto.measured > 0, 'back after a delay of the browser\'s own choosing');
    assert.match(auto.detail, /^error → open \d+ ms with no retry: field \(the browser's own reconnection time\); readyState 1 after, the server holds 1 stream again; 1 dropped$/);
    const hint = check('node-sse', RECONNECT_CHECKS.sseHint(HINT));
    assert.ok(hint.measured !== null && hint.measured >= HINT - 50 && hint.measured < HINT + 1000, `${hint.measured} ms for a ${HINT} ms hint`);
    const closed = check('node-ws', RECONNECT_CHECKS.wsStaysClosed);
    assert.equal(closed.measured, 0, 'no reopen');
    assert.match(closed.detail, /^readyState 3 \(CLOSED\) 3500 ms after the drop; 1 open, 1 close event .*; the server holds 0 streams; 1 dropped$/);
  });

  it('node-sse: the HTTP/1.1 limit check sees exactly 6 of 7 open', () => {
    const c = check('node-sse', 'HTTP/1.1 six per origin');
    assert.equal(c.measured, HTTP1_PER_ORIGIN);
    assert.match(c.detail, /^6 OPEN, 1 CONNECTING after \d+ ms; the server holds 6 streams$/);
  });

  it('noresume fault: the replay check fails, and no other check does', () => {
    const failing = server(NORESUME).checks.filter((c) => !c.pass);
    assert.deepEqual(
      failing.map((c) => c.name),
      ['Last-Event-ID replay'],
      failing.map((c) => c.detail).join(' | '),
    );
    const replay = check(NORESUME, 'Last-Event-ID replay');
    // Everything sent while the clients were away is missing, nothing was replayed.
    assert.ok((replay.measured ?? 0) > 0);
    assert.match(replay.detail, / 0 replayed, [1-9]\d* missing/);
  });

  it('leaves no Chromium process and no profile folder behind', () => {
    assert.deepEqual(chromiumPids(PROFILE_PREFIX), []);
    assert.deepEqual(
      profiles().filter((p) => !profilesBefore.includes(p)),
      [],
    );
  });

  it('renders a table with every check, escaping text', () => {
    const evil = { ...extra, servers: [...extra.servers, { server: '<img src=x>', protocol: 'sse' as const, origin: null, skipped: 'a "reason" <b>', checks: [] }] };
    const html = browserSection(evil);
    assert.match(html, /<h2>Browser checks<\/h2>/);
    assert.equal((html.match(/class="badge failed">fail</g) ?? []).length, 1);
    assert.ok(html.includes('&lt;img src=x&gt;') && !html.includes('<img src=x>'));
    assert.match(browserSummaryLine(extra) ?? '', /^Browser checks \(headless Chromium\): 21 of 22 pass; failed: node-sse\+fault\(noresume=1\) Last-Event-ID replay\.$/);
  });
});

describe('browser scenario wiring', () => {
  it('a missing Chromium is a one-line skip reason, not a failure', () => {
    const notRun: BrowserExtra = { browser: null, skipped: 'headless Chromium not installed: run npm run setup:system', error: null, settings: { clientsPerPage: 2, events: 10, rate: 10, retryMs: 500 }, clockStepUs: null, servers: [] };
    assert.equal(browserSummaryLine(notRun), 'Browser checks not run: headless Chromium not installed: run npm run setup:system.');
    assert.match(browserSection(notRun), /Not run: headless Chromium not installed/);
  });
});

describe('browser scenario without openssl', () => {
  const outer = process.env.PUSHBENCH_WITHOUT;
  const ctx = (servers: ServerSpec[]) => ({ servers, workDir: tmpdir(), engine: engineSchema.parse({}), progress: () => undefined, beginStep: () => 0, endStep: () => undefined, cancelled: () => false });
  const hideOpenssl = () => (process.env.PUSHBENCH_WITHOUT = [outer, 'openssl'].filter((x) => x !== undefined && x !== '').join(','));
  const restore = () => (outer === undefined ? delete process.env.PUSHBENCH_WITHOUT : (process.env.PUSHBENCH_WITHOUT = outer));

  it("skips node-sse-h2 with openssl's probe reason (HTTP/2 in a browser needs TLS), before Chromium starts", async () => {
    hideOpenssl();
    try {
      const reason = opensslUnavailableReason();
      assert.match(reason ?? '', /^openssl is hidden by PUSHBENCH_WITHOUT=(.+,)?openssl \(/);
      const scenario = browserSchema.parse({ kind: 'browser', servers: ['node-sse-h2'] });
      const extra = (await runBrowser(scenario, ctx([getServer('node-sse-h2')]))).extras.browser as BrowserExtra;
      const noChromium = chromiumUnavailableReason();
      if (noChromium !== null) {
        assert.deepEqual([extra.skipped, extra.servers], [noChromium, []]);
      } else {
        assert.equal(extra.browser, null, 'Chromium was not started for nothing');
        assert.deepEqual(extra.servers, [{ server: 'node-sse-h2', protocol: 'sse-h2', origin: null, skipped: `HTTP/2 in a browser needs TLS: ${reason}`, checks: [] }]);
      }
    } finally {
      restore();
    }
  });

  it('node-sse-h2 refuses TLS mode when the openssl it is given cannot run, exit 1 before ready', async () => {
    // The harness owns the probes (and PUSHBENCH_WITHOUT): the server is handed the openssl to use.
    await assert.rejects(startServer(getServer('node-sse-h2'), { env: { PUSHBENCH_TLS: '1', PUSHBENCH_OPENSSL: '/nonexistent/openssl' } }), (err: Error) => {
      assert.match(err.message, /^server node-sse-h2 exited with code 1 before it became ready; its last output:\nnode-sse-h2: PUSHBENCH_TLS=1 needs openssl to make a throw-away certificate: \/nonexistent\/openssl not found$/);
      return true;
    });
  });
});
