// The write-up's comparison table, row by row, and its advice, as claims (reports/claims.ts holds
// the six claims of its prose): direction, protocol, auto-reconnect, binary data, proxy
// compatibility, browser support, and "choose SSE when the server pushes and the client only
// listens; choose WebSockets when the client also sends data frequently". Each row is judged by the
// rule beside it from this run's steps and extras only; a row the run has no data for says which
// run would measure it.
import type { PathMetrics, RunResult, StatusCount, StepResult, UpstreamParams } from '../result/result.ts';
import { hintOf, RECONNECT_CHECKS, type BrowserCheck } from '../result/extras.ts';
import type { ClaimRow, ClaimVerdict } from './claims.ts';
import { fmtBytes, fmtNumber, fmtRatio, fmtUs } from './format.ts';
import { SINGLE_RUN_NOISE } from './noise.ts';
import { TRANSPORT_TEXT } from './params-text.ts';

type Base = Pick<ClaimRow, 'claim' | 'rule' | 'test'>;
type UpstreamStep = Extract<StepResult, { kind: 'upstream' }>;
type PushStep = Extract<StepResult, { kind: 'push' }>;
type PathStep = Extract<StepResult, { kind: 'path' }>;

/** The runs that measure each row, named in a row the run has no data for. */
export const MEASURED_BY = {
  upstream: 'npx pushbench run --scenario upstream',
  browser: 'npx pushbench run --scenario browser',
  binary: 'npx pushbench run --scenario push --payload binary',
  stock: 'npx pushbench run --via nginx-stock,nginx-noheader --servers node-sse,node-ws',
} as const;

function notInRun(base: Base, runs: string[], why: string | null = null, missingParts: string[] = []): ClaimRow {
  const how = `not in this run (${runs.join('; ')})`;
  return { ...base, measured: why ?? how, verdict: 'not measured', note: why ?? how, missingParts, missingRuns: runs };
}

function row(base: Base, measured: string, verdict: Exclude<ClaimVerdict, 'not measured'>, note: string | null = null): ClaimRow {
  return { ...base, measured, verdict, note, missingParts: [], missingRuns: [] };
}

const completed = <S extends StepResult>(s: S): s is S & { outcome: { state: 'completed' } } => s.outcome.state === 'completed';
const ratio = (a: number, b: number) => (b > 0 ? a / b : Infinity);

function upstreamSteps(r: RunResult): UpstreamStep[] {
  return r.steps.filter((s): s is UpstreamStep => s.kind === 'upstream');
}

/** The median of a group's metric, from a step of that group (the group holds valid repetitions only). */
function median(r: RunResult, step: StepResult, metric: string): number | null {
  return r.groups.find((g) => g.group === step.group)?.metrics[metric]?.median ?? null;
}

function statusText(statuses: StatusCount[]): string {
  return statuses.map((s) => `HTTP ${s.status} × ${s.count}`).join(', ');
}

// ---- Direction ----

function direction(r: RunResult): ClaimRow {
  const base = {
    claim: 'Direction: SSE is server to client only; WebSockets are bidirectional.',
    rule: 'holds when, in every valid upstream step, WS clients sent on their stream\'s own socket (0 HTTP requests per message) while SSE clients could send only beside their stream (an HTTP request per message); does not hold when an SSE client sent with fewer requests than messages',
    test: 'upstream: how each message reached the server (HTTP requests and connections per message)',
  };
  const valid = upstreamSteps(r).filter(completed);
  if (valid.length === 0) return notInRun(base, [MEASURED_BY.upstream], upstreamProblem(r));
  // One line per server and transport (the first of its steps): the rate changes none of it but
  // the keep-alive connections per message, one per client over however many messages.
  const parts = valid
    .filter((s, i) => valid.findIndex((x) => x.server === s.server && x.params.transport === s.params.transport) === i)
    .map((s) => {
      const m = s.outcome.metrics;
      return `${s.server} (${TRANSPORT_TEXT[s.params.transport]}): ${fmtNumber(m.requestsPerMessage)} HTTP requests and ${fmtNumber(m.connectionsPerMessage)} connections opened per message, ${fmtBytes(m.bytesUpPerMessage)} up${m.bytesAckPerMessage > 0 ? ` + ${fmtBytes(m.bytesAckPerMessage)} answer` : ''}`;
    });
  const sse = valid.filter((s) => s.protocol === 'sse');
  const ws = valid.filter((s) => s.protocol === 'ws');
  const measured = dedupe(parts).join('; ');
  if (sse.some((s) => s.outcome.metrics.requestsPerMessage < 1)) return row(base, measured, 'does not hold');
  if (sse.length === 0 || ws.length === 0) return row(base, measured, 'holds with a caveat', `only ${sse.length === 0 ? 'WS' : 'SSE'} servers ran the upstream scenario: the other side was not measured`);
  if (ws.some((s) => s.outcome.metrics.requestsPerMessage > 0)) return row(base, measured, 'does not hold');
  return row(base, measured, 'holds');
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Why the upstream scenario has no valid step: its steps' reasons, or null when it did not run. */
function upstreamProblem(r: RunResult): string | null {
  const bad = upstreamSteps(r).filter((s) => s.outcome.state !== 'completed');
  if (bad.length === 0) return null;
  return dedupe(bad.map((s) => `${s.server} ${s.params.mode} via ${s.params.transport} ${s.outcome.state === 'failed' ? `failed: ${s.outcome.reason}` : s.outcome.state === 'invalid' ? `invalid: ${s.outcome.reasons.join('; ')}` : ''}`)).join('; ');
}

// ---- Protocol ----

function protocol(r: RunResult): ClaimRow {
  const base = {
    claim: 'Protocol: SSE is HTTP; WebSockets are an upgraded TCP connection.',
    rule: 'holds when every SSE stream of this run opened as an HTTP 200 response and every WS stream as a 101 Switching Protocols upgrade (the statuses the clients read, upstream and direct path steps); does not hold on any other status for an opened stream',
    test: 'the status of each stream\'s handshake: upstream steps and path steps direct; through nginx\'s stock config for what a plain HTTP proxy does with each',
  };
  const seen = new Map<string, StatusCount[]>();
  const add = (server: string, statuses: StatusCount[]) => {
    const list = seen.get(server) ?? [];
    for (const s of statuses) {
      const at = list.find((x) => x.status === s.status);
      if (at) at.count += s.count;
      else list.push({ ...s });
    }
    seen.set(server, list);
  };
  const protocols = new Map<string, string>();
  for (const s of upstreamSteps(r).filter(completed)) {
    add(s.server, s.outcome.metrics.httpStatuses);
    protocols.set(s.server, s.protocol);
  }
  const paths = r.steps.filter((s): s is PathStep => s.kind === 'path').filter(completed);
  for (const s of paths.filter((x) => x.params.path === 'direct')) {
    const h = s.outcome.metrics.handshake;
    if (h) {
      add(s.server, h.statuses);
      protocols.set(s.server, s.protocol);
    }
  }
  const judged = [...seen].filter(([server]) => protocols.get(server) === 'sse' || protocols.get(server) === 'ws');
  if (judged.length === 0) return notInRun(base, [MEASURED_BY.upstream, MEASURED_BY.stock]);
  const parts = judged.map(([server, statuses]) => `${server} (${protocols.get(server)}): ${statusText(statuses.sort((a, b) => a.status - b.status))}`);
  const stock = paths.filter((s) => s.params.path === 'nginx-stock' && s.outcome.metrics.handshake !== undefined);
  for (const s of stock) parts.push(`${s.server} through nginx-stock: ${statusText(s.outcome.metrics.handshake?.statuses ?? [])}${s.outcome.metrics.handshake?.opened === 0 ? ' (refused)' : ''}`);
  const want = (p: string | undefined) => (p === 'ws' ? 101 : 200);
  const wrong = judged.filter(([server, statuses]) => statuses.some((s) => s.status !== want(protocols.get(server))));
  return row(base, parts.join('; '), wrong.length === 0 ? 'holds' : 'does not hold');
}

// ---- Auto-reconnect ----

/** The write-up's default reconnection time ("EventSource waits (default 3 seconds)"). */
export const WRITE_UP_DEFAULT_RETRY_MS = 3000;
/** How far the measured default may be from it and still count as "3 seconds". */
const DEFAULT_RETRY_TOLERANCE = 0.1;

function autoReconnect(r: RunResult): ClaimRow {
  const base = {
    claim: 'Auto-reconnect: built into EventSource (it waits 3 s by default, or the retry: hint); manual for WebSockets.',
    rule: `holds when, in Chromium, a bare EventSource (no reconnect code in the page) came back by itself after a drop, within ${DEFAULT_RETRY_TOLERANCE * 100} % of ${WRITE_UP_DEFAULT_RETRY_MS / 1000} s with no retry: field and after each retry: hint, and a bare WebSocket stayed closed; a caveat names a delay off the write-up's; does not hold when the EventSource did not come back or the WebSocket did`,
    test: 'browser: a drop (/control/drop) met by a bare EventSource (servers without a retry: field, then with each hint) and a bare WebSocket',
  };
  const b = r.extras.browser;
  if (b === undefined) return notInRun(base, [MEASURED_BY.browser]);
  if (b.skipped !== null) return notInRun(base, [MEASURED_BY.browser], `the browser scenario did not run: ${b.skipped}`, ['chromium']);
  if (b.error !== null) return notInRun(base, [MEASURED_BY.browser], `the browser scenario failed: ${b.error}`);
  const checks = b.servers.flatMap((s) => s.checks.map((c) => ({ server: s.server, c })));
  const auto = checks.filter((x) => x.c.name === RECONNECT_CHECKS.sseAuto);
  const closed = checks.filter((x) => x.c.name === RECONNECT_CHECKS.wsStaysClosed);
  const hinted = checks.filter((x) => hintOf(x.c.name) !== null);
  if (auto.length === 0 && closed.length === 0) return notInRun(base, [MEASURED_BY.browser], 'the browser scenario ran no reconnect check (results written before they existed, or no SSE/WS server)');
  const agent = b.browser === null ? 'Chromium' : (/HeadlessChrome\/[\d.]+/.exec(b.browser)?.[0] ?? 'Chromium');
  const delay = (c: BrowserCheck) => (c.measured === null ? 'did not come back' : `${fmtNumber(c.measured)} ms`);
  const parts = [
    ...auto.map((x) => `${x.server}: EventSource back after ${delay(x.c)} with no retry: field`),
    ...hinted.map((x) => `${x.server}: ${delay(x.c)} with retry: ${hintOf(x.c.name)}`),
    ...closed.map((x) => `${x.server}: WebSocket ${x.c.pass ? `still CLOSED ${fmtNumber(b.settings.stayClosedMs ?? 0)} ms after the drop` : `not closed (${x.c.detail})`}`),
  ];
  const measured = `${agent}: ${parts.join('; ')}`;
  const lacking: string[] = [];
  if (auto.length === 0) lacking.push('no SSE server ran the EventSource check');
  if (closed.length === 0) lacking.push('no WS server ran the WebSocket check');
  if (auto.some((x) => x.c.measured === null) || closed.some((x) => !x.c.pass)) return row(base, measured, 'does not hold');
  const caveats: string[] = [...lacking];
  for (const x of auto) {
    const ms = x.c.measured ?? 0;
    if (Math.abs(ms - WRITE_UP_DEFAULT_RETRY_MS) > WRITE_UP_DEFAULT_RETRY_MS * DEFAULT_RETRY_TOLERANCE) caveats.push(`${x.server}: with no retry: field the EventSource waited ${fmtNumber(ms)} ms, not the write-up's ${WRITE_UP_DEFAULT_RETRY_MS / 1000} s`);
  }
  for (const x of hinted.filter((h) => !h.c.pass)) caveats.push(`${x.server}: retry: ${hintOf(x.c.name)} was not honoured (${delay(x.c)})`);
  return caveats.length === 0 ? row(base, measured, 'holds') : row(base, measured, 'holds with a caveat', caveats.join('; '));
}

// ---- Binary data ----

function binaryData(r: RunResult): ClaimRow {
  const base = {
    claim: 'Binary data: not supported by SSE; supported by WebSockets.',
    rule: "SSE's wire is UTF-8 text, so binary can only travel encoded: holds with a caveat when WS delivered the random bytes as binary frames and SSE only base64-encoded (every event decoded to its bytes), the caveat being what base64 cost (wire bytes and client CPU per event against WS at the same settings); does not hold when a WS server could not deliver binary frames",
    test: 'push --payload binary: random bytes per event; WS binary frames vs SSE base64, wire bytes and CPU per event, both sides',
  };
  const binary = r.steps.filter((s): s is PushStep => s.kind === 'push' && s.params.payload === 'binary');
  const valid = binary.filter(completed);
  if (valid.length === 0) {
    const bad = binary.map((s) => `${s.server} ${s.outcome.state === 'failed' ? `failed: ${s.outcome.reason}` : s.outcome.state === 'invalid' ? `invalid: ${s.outcome.reasons.join('; ')}` : ''}`);
    return notInRun(base, [MEASURED_BY.binary], bad.length > 0 ? dedupe(bad).join('; ') : null);
  }
  const key = (s: PushStep) => `${s.params.clients}|${s.params.rate}|${s.params.bytes}`;
  const parts: string[] = [];
  const caveats: string[] = [];
  const describe = (s: PushStep & { outcome: { state: 'completed' } }) => {
    const m = s.outcome.metrics;
    return `${s.server} ${fmtBytes(m.wireBytesPerEvent)} on the wire, server ${fmtNumber(m.serverCpuMsPer1kEvents)} µs and client ${fmtNumber(m.clientCpuMsPer1kEvents ?? NaN)} µs CPU per event`;
  };
  for (const k of dedupe(valid.map(key))) {
    const at = valid.filter((s) => key(s) === k);
    const p = at[0]!.params;
    const sse = at.filter((s) => s.protocol === 'sse');
    const ws = at.filter((s) => s.protocol === 'ws');
    parts.push(`${p.bytes} random bytes per event, ${p.rate}/s to ${p.clients} clients: ${at.map(describe).join('; ')}`);
    for (const s of sse) {
      for (const w of ws.filter((x) => x.pair === s.pair)) {
        const [sm, wm] = [s.outcome.metrics, w.outcome.metrics];
        caveats.push(
          `${s.server} carries ${p.bytes} B as base64: ${fmtBytes(sm.wireBytesPerEvent)} per event on the wire vs ${w.server}'s ${fmtBytes(wm.wireBytesPerEvent)} (${fmtRatio(ratio(sm.wireBytesPerEvent, wm.wireBytesPerEvent))}), client CPU ${fmtRatio(ratio(sm.clientCpuMsPer1kEvents ?? NaN, wm.clientCpuMsPer1kEvents ?? NaN))} per event, server CPU ${fmtRatio(ratio(sm.serverCpuMsPer1kEvents, wm.serverCpuMsPer1kEvents))}`,
        );
      }
    }
  }
  const measured = parts.join('; ');
  const wsRan = valid.some((s) => s.protocol === 'ws');
  const wsFailed = binary.some((s) => s.protocol === 'ws' && s.outcome.state === 'failed');
  if (wsFailed && !wsRan) return row(base, measured, 'does not hold');
  if (caveats.length === 0) return row(base, measured, 'holds with a caveat', 'no SSE and WS server of one pair ran binary steps at the same settings, so what base64 costs SSE was not compared');
  return row(base, measured, 'holds with a caveat', dedupe(caveats).join('; '));
}

// ---- Proxy compatibility ----

/** A path step's first-event p50 (ms) when it completed with streams, else null. */
function firstP50(steps: PathStep[], server: string, path: string): { m: PathMetrics } | null {
  const s = steps.find((x) => x.server === server && x.params.path === path && x.outcome.state === 'completed');
  return s !== undefined && s.outcome.state === 'completed' ? { m: s.outcome.metrics } : null;
}

function proxyCompatibility(r: RunResult): ClaimRow {
  const base = {
    claim: 'Proxy compatibility: SSE is excellent (plain HTTP); WebSockets require proxy configuration.',
    rule: "holds when through nginx's stock config (proxy_pass only) every SSE stream opened with its first event within 100 ms of direct and every WebSocket upgrade was refused, while the WS servers streamed through nginx configured for the upgrade; a caveat when SSE was buffered without the server's X-Accel-Buffering header (nginx-noheader more than 100 ms behind direct): plain HTTP passes, but a stock proxy holds it back unless the server says not to; does not hold when SSE failed through the stock config or a WebSocket passed it",
    test: 'path: direct vs nginx-stock (proxy_pass only) vs nginx (Upgrade/Connection set) vs nginx-noheader, same run',
  };
  const paths = r.steps.filter((s): s is PathStep => s.kind === 'path');
  const stock = paths.filter((s) => s.params.path === 'nginx-stock');
  if (stock.length === 0) {
    const unavailable = (r.extras.paths?.skips ?? []).filter((k) => k.path === 'nginx-stock' && /is not installed/.test(k.reason));
    return notInRun(base, [MEASURED_BY.stock], unavailable.length > 0 ? 'nginx is not installed (npm run setup:system)' : null, unavailable.length > 0 ? ['nginx'] : []);
  }
  const parts: string[] = [];
  let broken = false;
  const caveats: string[] = [];
  let sseSeen = false;
  let wsSeen = false;
  for (const s of stock) {
    const direct = firstP50(paths, s.server, 'direct');
    if (s.outcome.state !== 'completed') {
      parts.push(`${s.server} via nginx-stock: ${s.outcome.state === 'failed' ? `failed: ${s.outcome.reason}` : `invalid: ${s.outcome.reasons.join('; ')}`}`);
      if (s.protocol === 'sse') broken = true;
      continue;
    }
    const m = s.outcome.metrics;
    const opened = m.handshake?.opened ?? m.clientsConnected;
    if (s.protocol === 'ws') {
      wsSeen = true;
      const configured = firstP50(paths, s.server, 'nginx');
      parts.push(
        `${s.server}: through nginx-stock the upgrade was ${opened === 0 ? `refused (${statusText(m.handshake?.statuses ?? [])})` : `accepted by ${opened} clients`}${configured ? `; through nginx with Upgrade/Connection set it streamed (first event ${fmtNumber(configured.m.firstEventMs.p50)} ms)` : ''}`,
      );
      if (opened > 0) broken = true;
      if (opened === 0 && configured === null) caveats.push(`${s.server} was not measured through nginx configured for WebSockets, so "requires configuration" is shown only by the refusal`);
      continue;
    }
    sseSeen = true;
    const delay = direct === null ? null : m.firstEventMs.p50 - direct.m.firstEventMs.p50;
    parts.push(`${s.server}: through nginx-stock ${opened} of ${s.params.clients} streams opened, first event ${fmtNumber(m.firstEventMs.p50)} ms${direct ? ` (direct ${fmtNumber(direct.m.firstEventMs.p50)} ms)` : ''}, ${m.received} of ${m.expected} events`);
    if (opened < s.params.clients || (delay !== null && delay > 100)) broken = true;
    const noHeader = firstP50(paths, s.server, 'nginx-noheader');
    if (noHeader && direct && noHeader.m.firstEventMs.p50 - direct.m.firstEventMs.p50 > 100) {
      caveats.push(`${s.server}'s stream passed the stock proxy only thanks to its X-Accel-Buffering: no header: without it nginx held the first event ${fmtNumber(noHeader.m.firstEventMs.p50)} ms (direct ${fmtNumber(direct.m.firstEventMs.p50)} ms)`);
    }
  }
  const measured = parts.join('; ');
  if (broken) return row(base, measured, 'does not hold');
  if (!sseSeen || !wsSeen) return row(base, measured, 'holds with a caveat', `only ${sseSeen ? 'SSE' : 'WS'} servers went through nginx-stock: the other side was not measured`);
  return caveats.length === 0 ? row(base, measured, 'holds') : row(base, measured, 'holds with a caveat', caveats.join('; '));
}

// ---- Browser support ----

function browserSupport(r: RunResult): ClaimRow {
  const base = {
    claim: 'Browser support: all modern browsers, for both.',
    rule: 'holds when EventSource and WebSocket pass every browser check in each modern engine (Chromium, Firefox, WebKit); pushbench drives Debian\'s Chromium only, so this row reports what Chromium did and stays not measured',
    test: 'browser: the checks in headless Chromium',
  };
  const why = 'one browser engine only (pushbench drives headless Chromium, not Firefox or WebKit)';
  const b = r.extras.browser;
  if (b === undefined || b.skipped !== null || b.error !== null) {
    const ran = b === undefined ? 'the browser scenario was not in this run' : (b.skipped ?? b.error ?? '');
    return { ...base, measured: ran, verdict: 'not measured', note: why, missingParts: [], missingRuns: [] };
  }
  const byProtocol = (p: string) => {
    const list = b.servers.filter((s) => s.protocol === p).flatMap((s) => s.checks);
    return `${list.filter((c) => c.pass).length} of ${list.length}`;
  };
  const agent = b.browser === null ? 'Chromium' : (/HeadlessChrome\/[\d.]+/.exec(b.browser)?.[0] ?? 'Chromium');
  return { ...base, measured: `${agent}: EventSource servers passed ${byProtocol('sse')} checks, WebSocket servers ${byProtocol('ws')}`, verdict: 'not measured', note: why, missingParts: [], missingRuns: [] };
}

// ---- The advice ----

/** A single run's CPU figures move by this much between identical runs (noise.ts): a smaller difference is no difference. */
const CPU_NOISE = SINGLE_RUN_NOISE.serverCpuMsPer1kEvents ?? 0.33;

function advice(r: RunResult): ClaimRow {
  const base = {
    claim: 'Choose SSE when the server pushes and the client only listens. Choose WebSockets when the client also sends data frequently.',
    rule: `holds when, at every upstream rate measured, WS cost less server CPU per message than SSE with keep-alive POSTs by more than single runs move (${Math.round(CPU_NOISE * 100)} %), and in push SSE cost no more server CPU per 1,000 events than WS beyond that band; a caveat when an upstream difference is within the band, when push favoured WS, or when push was not measured beside it; does not hold when SSE sending by POST was cheaper than WS`,
    test: 'upstream (clients send): server CPU per message, send-to-receive p50, requests and bytes per message, SSE by POST vs WS, per message rate; push (clients listen): server CPU per 1,000 events, SSE vs WS',
  };
  const valid = upstreamSteps(r).filter(completed);
  if (valid.length === 0) return notInRun(base, [MEASURED_BY.upstream], upstreamProblem(r));
  const parts: string[] = [];
  const verdicts: ('ws' | 'tie' | 'sse')[] = [];
  const wsSteps = valid.filter((s) => s.protocol === 'ws');
  const sameSettings = (a: UpstreamParams, b: UpstreamParams) => a.clients === b.clients && a.rate === b.rate && a.bytes === b.bytes && a.mode === b.mode && a.roomSize === b.roomSize;
  for (const w of wsSteps) {
    // One line per settings and pair, from group medians (a group appears once however many repetitions).
    if (wsSteps.find((x) => x.group === w.group) !== w) continue;
    const sse = valid.filter((s) => s.protocol === 'sse' && s.pair === w.pair && sameSettings(s.params, w.params));
    const wsCpu = median(r, w, 'serverCpuUsPerMessage');
    const wsP50 = median(r, w, 'p50FromT0Us');
    if (wsCpu === null || sse.length === 0) continue;
    const where = `${w.params.mode === 'room' ? `rooms of ${w.params.roomSize}` : 'echo'} at ${w.params.rate} msg/s from each of ${w.params.clients} clients`;
    const sides: string[] = [];
    for (const transport of ['keepalive', 'per-request'] as const) {
      const s = sse.find((x) => x.params.transport === transport);
      if (!s) continue;
      const cpu = median(r, s, 'serverCpuUsPerMessage');
      const p50 = median(r, s, 'p50FromT0Us');
      if (cpu === null) continue;
      const x = ratio(cpu, wsCpu);
      sides.push(`${s.server} ${TRANSPORT_TEXT[transport]} ${fmtNumber(cpu)} µs (${fmtRatio(x)}), p50 ${fmtUs(p50 ?? NaN)}, ${fmtBytes(s.outcome.metrics.bytesUpPerMessage + s.outcome.metrics.bytesAckPerMessage)} per message both ways, client CPU ${fmtNumber(median(r, s, 'clientCpuUsPerMessage') ?? NaN)} µs`);
      if (transport === 'keepalive') verdicts.push(x > 1 + CPU_NOISE ? 'ws' : x < 1 / (1 + CPU_NOISE) ? 'sse' : 'tie');
    }
    parts.push(`${where}, server CPU per message: ${w.server} ${fmtNumber(wsCpu)} µs (p50 ${fmtUs(wsP50 ?? NaN)}, ${fmtBytes(w.outcome.metrics.bytesUpPerMessage)} per message, client CPU ${fmtNumber(median(r, w, 'clientCpuUsPerMessage') ?? NaN)} µs) vs ${sides.join(', ')}`);
  }
  if (parts.length === 0) return notInRun(base, [MEASURED_BY.upstream], 'no SSE and WS server of one pair ran the upstream scenario at the same settings with valid steps');
  // The listening half: push, SSE vs WS of the same pair at the same settings.
  const push = r.steps.filter((s): s is PushStep => s.kind === 'push' && s.params.payload === undefined).filter(completed);
  const pushVerdicts: ('ws' | 'tie' | 'sse')[] = [];
  for (const w of push.filter((s) => s.protocol === 'ws')) {
    const s = push.find((x) => x.protocol === 'sse' && x.pair === w.pair && x.params.clients === w.params.clients && x.params.rate === w.params.rate && x.params.bytes === w.params.bytes && x.params.coalesce === w.params.coalesce);
    const [sc, wc] = [s ? median(r, s, 'serverCpuMsPer1kEvents') : null, median(r, w, 'serverCpuMsPer1kEvents')];
    if (!s || sc === null || wc === null) continue;
    const x = ratio(sc, wc);
    pushVerdicts.push(x > 1 + CPU_NOISE ? 'ws' : x < 1 / (1 + CPU_NOISE) ? 'sse' : 'tie');
    parts.push(`push ${w.params.rate}/s to ${w.params.clients} clients: ${s.server} ${fmtNumber(sc)} vs ${w.server} ${fmtNumber(wc)} ms of server CPU per 1,000 events (${fmtRatio(x)})`);
  }
  const measured = dedupe(parts).join('; ');
  if (verdicts.length === 0) return row(base, measured, 'holds with a caveat', 'no SSE server sent by keep-alive POST beside a WS server at the same settings: only per-request POSTs were compared');
  if (verdicts.some((v) => v === 'sse')) return row(base, measured, 'does not hold');
  const caveats: string[] = [];
  if (verdicts.some((v) => v === 'tie')) caveats.push(`at some rate SSE with keep-alive POSTs cost within ${Math.round(CPU_NOISE * 100)} % of WS per message: no clear difference there`);
  if (pushVerdicts.length === 0) caveats.push('the listening half (push, SSE vs WS of one pair) was not in this run');
  else if (pushVerdicts.some((v) => v === 'ws')) caveats.push('in push WS cost less server CPU per event than SSE beyond the noise: for clients that only listen, choosing SSE rests on its other merits (plain HTTP, built-in reconnect), not on cost');
  return caveats.length === 0 ? row(base, measured, 'holds') : row(base, measured, 'holds with a caveat', caveats.join('; '));
}

/** The write-up's table, row by row, then its advice. */
export function tableClaimRows(r: RunResult): ClaimRow[] {
  return [direction(r), protocol(r), autoReconnect(r), binaryData(r), proxyCompatibility(r), browserSupport(r), advice(r)];
}
