// The contract's conformance checks, one list for both users of it: `pushbench conform` (any
// server, built-in or from a config file) and harness/servers/conformance.test.ts (every registered one).
// Each rule sets up what it needs on the running server and reads only the wire and the control
// answers, so a broken part fails only the rules that use it: a /healthz without "lastSeq" fails
// the rules that read lastSeq, not the replay or drop rules.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { postBroadcast, postDrop, postReset } from '../control.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { withHidden } from '../optional-parts.ts';
import { findSystemTool, locateSystemTool } from '../system-tool.ts';
import { checkAnswer } from '../../servers/contract-check.ts';
import { ADDITIONS, BINARY_EVENT, DEFAULTS, MESSAGE_EVENTS, PATHS, STREAM_QUERY, type AdditionName, type MessageRequest } from '../../servers/contract.ts';
import { isSse, openWire, sleep, until, type Wire, type WirePlace } from './conformance-wire.ts';
import type { ServerSpec } from './spec.ts';

/** Knobs the checks start every server with (short, so the heartbeat rule is quick). */
export const CONFORMANCE_ENV = { PUSHBENCH_RETRY_MS: '1234', PUSHBENCH_HEARTBEAT_MS: '300', PUSHBENCH_RING: '100' } as const;
const RETRY_MS = 1234;
const HEARTBEAT_MS = 300;
/** A rule that has not finished by then has failed (a stuck server must not stall `conform`). */
const RULE_TIMEOUT_MS = 20_000;

export interface RuleContext {
  spec: ServerSpec;
  server: RunningServer;
  /** Opens a stream with the conformance readers; the runner closes it after the rule. */
  wire(lastEventId: number | null, via?: 'header' | 'query', place?: WirePlace): Promise<Wire>;
}

export interface ConformanceRule {
  id: string;
  /** What the contract asks, as one line. */
  title: string;
  /** What to change in a server that fails the rule. */
  fix: string;
  /** Throws with what was seen when the server breaks the rule; returns a reason to skip it. */
  check(ctx: RuleContext): Promise<void | { skip: string }>;
}

export type RuleOutcome = { state: 'pass' } | { state: 'fail'; detail: string } | { state: 'skip'; reason: string };

class RuleFailure extends Error {}

function expect(cond: boolean, detail: string): asserts cond {
  if (!cond) throw new RuleFailure(detail);
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  expect(a === e, `${what}: got ${a}, want ${e}`);
}

/** The /healthz body read raw (no schema): a rule about one field should not fail on another. */
async function rawHealth(server: RunningServer): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.baseUrl}${PATHS.health}`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  expect(res.status === 200, `GET ${PATHS.health} answered ${res.status}`);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RuleFailure(`GET ${PATHS.health} answered ${JSON.stringify(text.slice(0, 60))}, not JSON`);
  }
}

/** A /healthz counter, or the failure naming it when it is missing or not a number. */
function counter(h: Record<string, unknown>, field: string): number {
  const v = h[field];
  expect(v !== undefined, `${PATHS.health} has no "${field}"`);
  expect(typeof v === 'number', `${PATHS.health} "${field}" is ${JSON.stringify(v)}, not a number`);
  return v;
}

async function healthUntil(server: RunningServer, what: string, cond: (h: Record<string, unknown>) => boolean, timeoutMs = 3000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let h = await rawHealth(server);
  while (!cond(h)) {
    if (Date.now() > deadline) throw new RuleFailure(`${what} within ${timeoutMs} ms; /healthz says ${JSON.stringify(h)}`);
    await sleep(20);
    h = await rawHealth(server);
  }
  return h;
}

/** Null when the server advertises the addition in /healthz, else the skip reason (a v1 server). */
async function lacks(ctx: RuleContext, addition: AdditionName): Promise<{ skip: string } | null> {
  const additions = (await rawHealth(ctx.server)).additions;
  const version = typeof additions === 'object' && additions !== null ? (additions as Record<string, unknown>)[addition] : undefined;
  if (typeof version === 'number' && version >= ADDITIONS[addition]) return null;
  return { skip: `${PATHS.health} does not advertise the ${addition} addition (v${ADDITIONS[addition]}): a contract v1 server, which the harness never asks for it` };
}

/** Sends a message as the protocol does: a WS text frame on the stream, an SSE client's POST. */
async function sendMessage(ctx: RuleContext, from: { wire: Wire; client: string }, msg: MessageRequest | string): Promise<number | null> {
  const body = typeof msg === 'string' ? msg : JSON.stringify(msg);
  if (!isSse(ctx.spec.protocol)) {
    from.wire.send(body);
    return null;
  }
  const res = await fetch(`${ctx.server.baseUrl}${PATHS.messages}?${STREAM_QUERY.client}=${encodeURIComponent(from.client)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res.status;
}

/** A relayed message's data as the rules compare it: seq, t0 and pad (t1 is the server's own time). */
function messageFields(m: Wire['messages'][number]): [string, number | null, unknown, unknown, unknown] {
  return [m.event, m.id, m.data.seq, m.data.t0, m.data.pad];
}

/** Broadcasts `count` events to a live stream and returns their ids (the server's seqs). */
async function broadcastSeen(ctx: RuleContext, count: number, event = 'tick'): Promise<number[]> {
  const live = await ctx.wire(null);
  await until('the stream preamble', () => live.preamble.length === 1);
  await postBroadcast(ctx.server.baseUrl, { rate: 500, count, bytes: 64, event });
  await until(`${count} events on a live stream`, () => live.events.length >= count);
  return live.events.map((e) => e.id);
}

/** Every rule, in the order they run. `sigterm` stops the server, so it comes last. */
export const CONFORMANCE_RULES: readonly ConformanceRule[] = [
  {
    id: 'healthz',
    title: `GET ${PATHS.health} answers 200 with ok, protocol, connections, sent, lastSeq (all zero on a fresh server)`,
    fix: `answer ${PATHS.health} with 200 {"ok":true,"protocol":"<yours>","connections":0,"sent":0,"lastSeq":0} at start (servers/CONTRACT.md)`,
    async check({ spec, server }) {
      const res = await fetch(`${server.baseUrl}${PATHS.health}`, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      expect(res.status === 200, `GET ${PATHS.health} answered ${res.status}`);
      const answer = checkAnswer(PATHS.health, text);
      expect(answer.ok, answer.ok ? '' : answer.problems.join('; '));
      const h = answer.value;
      expect(h.protocol === spec.protocol, `"protocol" is "${h.protocol}", but ${spec.name} is registered as "${spec.protocol}"`);
      same([h.connections, h.sent, h.lastSeq], [0, 0, 0], 'connections, sent, lastSeq on a fresh server');
      // HTTP/2 only: the TCP connections under the streams (a control request's own is not one).
      if (spec.protocol === 'sse-h2') same(h.tcpConnections, 0, 'tcpConnections on a fresh server');
      if (h.workers !== undefined) expect(h.workers.length > 0 && h.workers.every((n) => n === 0), `workers is ${JSON.stringify(h.workers)}, want one 0 per worker`);
    },
  },
  {
    id: 'stream-start',
    title: 'every stream starts with the retry hint (SSE: 200 text/event-stream, no-cache, X-Accel-Buffering: no, retry: and a comment; WS/TCP: the hello frame)',
    fix: `SSE: answer ${PATHS.sse} with those headers and write "retry: <PUSHBENCH_RETRY_MS>" and a ":" comment line first; WS/TCP: send {"hello":true,"retry":<PUSHBENCH_RETRY_MS>} first`,
    async check(ctx) {
      const w = await ctx.wire(null);
      if (isSse(ctx.spec.protocol)) {
        same(w.status, 200, 'status');
        // MIME types are case-insensitive and parameters may follow the essence.
        const type = String(w.headers['content-type'] ?? '');
        same(type.split(';')[0]!.trim().toLowerCase(), 'text/event-stream', 'Content-Type essence');
        same(w.headers['cache-control'], 'no-cache', 'Cache-Control');
        same(w.headers['x-accel-buffering'], 'no', 'X-Accel-Buffering');
      }
      await until('the preamble', () => w.preamble.length === 1);
      if (isSse(ctx.spec.protocol)) {
        const lines = w.preamble[0]!.split('\n');
        same(lines[0], `retry: ${RETRY_MS}`, 'first line');
        expect(
          lines.slice(1).some((l) => l.startsWith(':')),
          `no comment line after retry: (got ${JSON.stringify(w.preamble[0])})`,
        );
      } else {
        same(JSON.parse(w.preamble[0]!), { hello: true, retry: RETRY_MS }, 'first frame');
      }
    },
  },
  {
    id: 'broadcast',
    title: `POST ${PATHS.broadcast} answers 202 {"ok":true} and emits exactly count events, in seq order, on the fixed-rate schedule, padded to about bytes`,
    fix: 'emit event k at start + k/rate with data {seq,t0,t1,pad}, id = seq, t0/t1 CLOCK_MONOTONIC ns as strings, then stop after count',
    async check(ctx) {
      const w = await ctx.wire(null);
      await until('the preamble', () => w.preamble.length === 1);
      const res = await fetch(`${ctx.server.baseUrl}${PATHS.broadcast}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rate: 100, count: 10, bytes: 64, event: 'tick' }),
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      same(res.status, 202, `${PATHS.broadcast} status`);
      const answer = checkAnswer(PATHS.broadcast, text);
      expect(answer.ok, answer.ok ? '' : answer.problems.join('; '));
      await until('10 events', () => w.events.length >= 10);
      await sleep(250);
      same(w.events.length, 10, 'events after a broadcast of count 10');
      const first = w.events[0]!.id;
      same(
        w.events.map((e) => e.id),
        Array.from({ length: 10 }, (_, k) => first + k),
        'ids',
      );
      const t0 = w.events.map((e) => BigInt(e.data.t0));
      for (const [k, e] of w.events.entries()) {
        same(e.event, 'tick', `event ${k + 1} name`);
        same(e.data.seq, e.id, `event ${k + 1} data.seq`);
        expect(BigInt(e.data.t1) >= BigInt(e.data.t0) - 1_000_000n, `event ${k + 1}: t1 is before t0 (1 ms slack for rounding)`);
        const spacingNs = Number(t0[k]! - t0[0]!);
        expect(Math.abs(spacingNs - k * 10_000_000) < 100_000, `t0 of event ${k + 1} is ${spacingNs} ns after the first, want ${k * 10} ms`);
        const dataLength = JSON.stringify(e.data).length;
        expect(dataLength >= 60 && dataLength <= 70, `event ${k + 1}: data is ${dataLength} bytes of JSON, want about 64`);
      }
    },
  },
  {
    id: 'healthz-counts',
    title: `${PATHS.health} counts the open streams, and sent and lastSeq follow the events emitted`,
    fix: '"connections": streams open now; "sent": events emitted since start or reset; "lastSeq": the last seq emitted',
    async check(ctx) {
      const before = await rawHealth(ctx.server);
      const sent0 = counter(before, 'sent');
      counter(before, 'lastSeq');
      const ids = await broadcastSeen(ctx, 5);
      const h = await healthUntil(ctx.server, `"lastSeq" did not become ${ids.at(-1)} (the last id sent)`, (x) => x.lastSeq === ids.at(-1));
      same(h.sent, sent0 + 5, '"sent" after 5 more events');
      same(h.connections, 1, '"connections" with one stream open');
      if (ctx.spec.protocol === 'sse-h2') same(h.tcpConnections, 1, '"tcpConnections" with one stream open');
      if (Array.isArray(h.workers)) same((h.workers as number[]).reduce((a, b) => a + b, 0), 1, '"workers" summed');
    },
  },
  {
    id: 'replay',
    title: 'a stream opened after a lastEventId first replays the ring from the next seq (SSE: Last-Event-ID header and ?lastEventId=)',
    fix: 'keep the last PUSHBENCH_RING events and send every one with a seq > lastEventId before the live events',
    async check(ctx) {
      const ids = await broadcastSeen(ctx, 6);
      const from = ids[1]!;
      const want = ids.slice(2);
      const vias: ('header' | 'query')[] = isSse(ctx.spec.protocol) ? ['header', 'query'] : ['header'];
      for (const via of vias) {
        const w = await ctx.wire(from, via);
        await until(`a replay via ${via}`, () => w.events.length >= want.length);
        await sleep(100);
        same(
          w.events.map((e) => e.id),
          want,
          `replayed ids after lastEventId ${from} (${isSse(ctx.spec.protocol) ? (via === 'query' ? '?lastEventId=' : 'Last-Event-ID') : '?lastEventId='})`,
        );
      }
    },
  },
  {
    id: 'heartbeat',
    title: 'idle streams get a heartbeat every PUSHBENCH_HEARTBEAT_MS (SSE: a comment, WS: a ping, TCP: an empty line)',
    fix: 'read PUSHBENCH_HEARTBEAT_MS and send the heartbeat on every idle stream at that interval',
    async check(ctx) {
      const health = await rawHealth(ctx.server);
      // The last id emitted, so nothing is replayed (the sent count stands in when lastSeq is missing:
      // this rule is about heartbeats).
      const w = await ctx.wire(Number(health.lastSeq ?? health.sent ?? 0));
      await until(`two heartbeats within ${HEARTBEAT_MS * 10} ms`, () => w.heartbeats >= 2, HEARTBEAT_MS * 10);
      same(w.events.length, 0, 'events on an idle stream');
    },
  },
  {
    id: 'drop',
    title: `POST ${PATHS.drop} answers {"ok":true,"dropped":N}, closes every client connection and keeps the ring`,
    fix: 'close every stream (SSE: end the response; WS: close 1012; TCP: FIN), count them in "dropped", keep the ring for resumes',
    async check(ctx) {
      const ws = await Promise.all([ctx.wire(null), ctx.wire(null), ctx.wire(null)]);
      await until('three stream preambles', () => ws.every((w) => w.preamble.length === 1));
      await postBroadcast(ctx.server.baseUrl, { rate: 500, count: 4, bytes: 64, event: 'tick' });
      await until('4 events on each of 3 streams', () => ws.every((w) => w.events.length >= 4));
      const ids = ws[0]!.events.map((e) => e.id);
      const dropped = await postDrop(ctx.server.baseUrl);
      await until('every client closed', () => ws.every((w) => w.closed), 4000);
      same(dropped, 3, '"dropped" with 3 streams open');
      const resumed = await ctx.wire(ids[1]!);
      await until('a replay after the drop', () => resumed.events.length >= 2);
      await sleep(100);
      same(
        resumed.events.map((e) => e.id),
        ids.slice(2),
        'replayed ids after the drop',
      );
    },
  },
  {
    id: 'reset',
    title: `POST ${PATHS.reset} answers {"ok":true} and clears ring and counters: sent and lastSeq 0, the next event is seq 1`,
    fix: 'on reset: stop any broadcast, empty the ring, set sent to 0 and the next seq to PUSHBENCH_SEQ_START (1)',
    async check(ctx) {
      await postReset(ctx.server.baseUrl);
      const h = await rawHealth(ctx.server);
      same([counter(h, 'sent'), counter(h, 'lastSeq')], [0, 0], 'sent, lastSeq after reset');
      const w = await ctx.wire(3);
      // The preamble says the server holds the stream. A TCP wire is open at connect, before the
      // server has read its first line: a server descheduled for a moment (a loaded CI machine) could
      // otherwise answer the broadcast below first, and the stream would miss event 1.
      await until('the stream preamble', () => w.preamble.length === 1);
      await sleep(200);
      same(w.events.length, 0, 'events replayed after reset');
      await postBroadcast(ctx.server.baseUrl, { rate: 200, count: 2, bytes: 16, event: 'again' });
      await until('2 new events', () => w.events.length >= 2);
      same(
        w.events.map((e) => [e.id, e.event]),
        [
          [1, 'again'],
          [2, 'again'],
        ],
        'events after reset',
      );
    },
  },
  {
    id: 'bad-broadcast',
    title: `an invalid ${PATHS.broadcast} body gets 400`,
    fix: 'refuse a body without rate > 0, integer count >= 0, integer bytes >= 0 and an event name with 400 {"ok":false,"error":..}',
    async check({ server }) {
      const res = await fetch(`${server.baseUrl}${PATHS.broadcast}`, { method: 'POST', body: '{"rate":-1}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000) });
      await res.text();
      same(res.status, 400, 'status for {"rate":-1}');
    },
  },
  {
    id: 'messages',
    title: `messages addition: a message (WS: a text frame; SSE: POST ${PATHS.messages}?client=<id>) reaches every stream of the sender's room as event "${MESSAGE_EVENTS.room}" with the room's seq from 1, or with to "sender" only the sender as "${MESSAGE_EVENTS.sender}" with its own seq; the sender's t0 and pad, no id; /healthz counts it in messagesIn`,
    fix: `subscribe streams with ?client=<id>&room=<name>; relay {"to","seq","t0","pad"}: room → the room's next seq to every member (serialized once), sender → back to the sender; data {"seq","t0","t1","pad"}, no id (servers/CONTRACT.md "Versioned additions")`,
    async check(ctx) {
      const missing = await lacks(ctx, 'messages');
      if (missing) return missing;
      const before = counter(await rawHealth(ctx.server), 'messagesIn');
      const room = 'conform-room';
      const [a, b, other] = await Promise.all([
        ctx.wire(null, 'header', { client: 'conform-a', room }),
        ctx.wire(null, 'header', { client: 'conform-b', room }),
        ctx.wire(null, 'header', { client: 'conform-c', room: 'conform-elsewhere' }),
      ]);
      await until('three stream preambles', () => [a, b, other].every((w) => w.preamble.length === 1));
      await healthUntil(ctx.server, 'three streams open', (h) => h.connections === 3);
      const statuses = [
        await sendMessage(ctx, { wire: a, client: 'conform-a' }, { to: 'room', seq: 41, t0: '1234567', pad: 'pad-a' }),
        await sendMessage(ctx, { wire: a, client: 'conform-a' }, { to: 'room', seq: 42, t0: '1234568', pad: 'quote " and \\ backslash' }),
      ];
      // Both room messages first, so the echo's place in b's stream is known whatever the transport.
      await until("the two room messages on b's stream", () => b.messages.length >= 2);
      statuses.push(await sendMessage(ctx, { wire: b, client: 'conform-b' }, { to: 'sender', seq: 9, t0: '999', pad: 'echo-b' }));
      if (isSse(ctx.spec.protocol)) same(statuses, [200, 200, 200], `${PATHS.messages} statuses`);
      await until("the echo on b's stream", () => b.messages.length >= 3);
      await sleep(200);
      const room1: ReturnType<typeof messageFields> = [MESSAGE_EVENTS.room, null, 1, '1234567', 'pad-a'];
      const room2: ReturnType<typeof messageFields> = [MESSAGE_EVENTS.room, null, 2, '1234568', 'quote " and \\ backslash'];
      same(a.messages.map(messageFields), [room1, room2], "the sender's stream (event, id, seq, t0, pad)");
      same(b.messages.map(messageFields), [room1, room2, [MESSAGE_EVENTS.sender, null, 9, '999', 'echo-b']], 'the other member of the room');
      same(other.messages.length, 0, 'messages on a stream of another room');
      same([...a.events, ...b.events].length, 0, 'broadcast events (a message is not one)');
      for (const m of [...a.messages, ...b.messages]) expect(typeof m.data.t1 === 'string' && /^\d+$/.test(m.data.t1), `t1 is ${JSON.stringify(m.data.t1)}, want CLOCK_MONOTONIC ns as a decimal string`);
      same(counter(await rawHealth(ctx.server), 'messagesIn') - before, 3, 'messagesIn after 3 messages');
    },
  },
  {
    id: 'messages-refused',
    title: `messages addition: a body that is no message is refused (SSE: 400; WS: the frame is ignored), a POST naming no open stream gets 404`,
    fix: `answer ${PATHS.messages} with 400 for a body without "to" ("room"|"sender"), integer "seq", decimal-string "t0" and string "pad", and 404 when no stream of ?client= is open; a WS server ignores such a frame and keeps the stream`,
    async check(ctx) {
      const missing = await lacks(ctx, 'messages');
      if (missing) return missing;
      const before = counter(await rawHealth(ctx.server), 'messagesIn');
      const w = await ctx.wire(null, 'header', { client: 'conform-r', room: 'conform-refused' });
      await until('the preamble', () => w.preamble.length === 1);
      await healthUntil(ctx.server, 'the stream open', (h) => h.connections === 1);
      const from = { wire: w, client: 'conform-r' };
      const bad = [await sendMessage(ctx, from, 'not json'), await sendMessage(ctx, from, { to: 'nowhere', seq: 1, t0: '1', pad: '' } as unknown as MessageRequest)];
      if (isSse(ctx.spec.protocol)) {
        same(bad, [400, 400], 'statuses for a body that is not JSON and one with "to":"nowhere"');
        same(await sendMessage(ctx, { wire: w, client: 'conform-nobody' }, { to: 'sender', seq: 1, t0: '1', pad: '' }), 404, 'status for a client with no open stream');
      }
      await sleep(200);
      same(w.messages.length, 0, 'messages relayed');
      same(w.closed, false, 'the stream closed');
      same(counter(await rawHealth(ctx.server), 'messagesIn') - before, 0, 'messagesIn after refused messages');
    },
  },
  {
    id: 'binary',
    title: `binary addition: a broadcast with "payload":"binary" carries bytes fresh random bytes per event (WS: one binary frame each, seq/t0/t1 as u64 big-endian, then the name; SSE/TCP: base64 in data.bin)`,
    fix: 'WS: send each event as one binary frame laid out as BINARY_EVENT in servers/contract.ts; SSE/TCP: data {"seq","t0","t1","bin":"<base64>"}; new random bytes for every event',
    async check(ctx) {
      const missing = await lacks(ctx, 'binary');
      if (missing) return missing;
      const w = await ctx.wire(null);
      await until('the preamble', () => w.preamble.length === 1);
      const first = counter(await rawHealth(ctx.server), 'lastSeq') + 1;
      await postBroadcast(ctx.server.baseUrl, { rate: 200, count: 3, bytes: 100, event: 'bin', payload: 'binary' });
      const ws = ctx.spec.protocol === 'ws';
      await until('3 binary events', () => (ws ? w.binary.length : w.events.length) >= 3);
      await sleep(150);
      const rows = ws
        ? w.binary.map((b) => {
            const nameLength = b[BINARY_EVENT.nameLengthAt]!;
            const nameEnd = BINARY_EVENT.nameAt + nameLength;
            return { seq: Number(b.readBigUInt64BE(BINARY_EVENT.seqAt)), t0: b.readBigUInt64BE(BINARY_EVENT.t0At), t1: b.readBigUInt64BE(BINARY_EVENT.t1At), event: b.toString('latin1', BINARY_EVENT.nameAt, nameEnd), id: null as number | null, bytes: b.subarray(nameEnd) };
          })
        : w.events.map((e) => {
            const d = e.data as unknown as Record<string, unknown>;
            expect(typeof d.bin === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(d.bin), `data.bin is ${JSON.stringify(d.bin)?.slice(0, 40)}, want base64`);
            return { seq: Number(d.seq), t0: BigInt(String(d.t0)), t1: BigInt(String(d.t1)), event: e.event, id: e.id as number | null, bytes: Buffer.from(String(d.bin), 'base64') };
          });
      same(rows.length, 3, 'binary events');
      same(rows.map((x) => x.seq), [first, first + 1, first + 2], 'seqs');
      same(rows.map((x) => x.event), ['bin', 'bin', 'bin'], 'event names');
      if (!ws) same(rows.map((x) => x.id), rows.map((x) => x.seq), 'ids (= seq)');
      same(rows.map((x) => x.bytes.length), [100, 100, 100], 'payload bytes per event');
      expect(!rows[0]!.bytes.equals(rows[1]!.bytes) && !rows[1]!.bytes.equals(rows[2]!.bytes), 'two events carried the same bytes: each needs fresh random bytes');
      for (const [k, x] of rows.entries()) {
        expect(x.t1 >= x.t0 - 1_000_000n, `event ${k + 1}: t1 is before t0`);
        const spacing = Number(x.t0 - rows[0]!.t0);
        expect(Math.abs(spacing - k * 5_000_000) < 100_000, `t0 of event ${k + 1} is ${spacing} ns after the first, want ${k * 5} ms`);
      }
    },
  },
  {
    id: 'backlog',
    title: `the listen backlog is ${DEFAULTS.backlog} (or the system's somaxconn if lower)`,
    fix: `listen with backlog ${DEFAULTS.backlog}: with a small one a reconnect storm overflows the accept queue and clients wait for the kernel's 1 s SYN retransmit`,
    async check({ server }) {
      const want = Math.min(DEFAULTS.backlog, somaxconn() ?? DEFAULTS.backlog);
      const unreadable = backlogUnavailableReason();
      if (unreadable !== null) return { skip: unreadable };
      const backlog = listenBacklog(server.port);
      if (backlog === null) return { skip: '`ss` did not run, so the backlog cannot be read' };
      expect(backlog >= want, `the listen backlog on port ${server.port} is ${backlog}, want ${want}`);
    },
  },
  {
    id: 'sigterm',
    title: 'SIGTERM ends the server within 2 s',
    fix: 'exit promptly on SIGTERM, without waiting for open streams to end (the harness SIGKILLs the process group after 2 s)',
    async check({ spec, server }) {
      const started = Date.now();
      await server.stop();
      const took = Date.now() - started;
      expect(took < spec.launch.stopGraceMs, `still running ${spec.launch.stopGraceMs} ms after SIGTERM (it was killed after ${took} ms)`);
    },
  },
];

/** Starts a server the way the checks expect it (their knobs; no readiness check: the rules report). */
export function startForConformance(spec: ServerSpec): Promise<RunningServer> {
  return startServer(spec, { env: { ...CONFORMANCE_ENV }, checkContract: false });
}

/**
 * Runs one rule: bounded in time, every stream it opened closed afterwards, and the server given a
 * moment to notice, so the next rule starts from no open streams.
 */
export async function runRule(rule: ConformanceRule, spec: ServerSpec, server: RunningServer): Promise<RuleOutcome> {
  const open: Wire[] = [];
  const ctx: RuleContext = {
    spec,
    server,
    wire: async (lastEventId, via = 'header', place = {}) => {
      const w = await openWire(spec.protocol, server, lastEventId, via, place);
      open.push(w);
      return w;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RuleFailure(`no verdict within ${RULE_TIMEOUT_MS} ms (the server is stuck?)`)), RULE_TIMEOUT_MS);
  });
  let outcome: RuleOutcome;
  try {
    const r = await Promise.race([rule.check(ctx), timeout]);
    const unreadable = open.flatMap((w) => w.errors);
    outcome = r ? { state: 'skip', reason: r.skip } : unreadable.length > 0 ? { state: 'fail', detail: `unreadable stream: ${unreadable[0]}` } : { state: 'pass' };
  } catch (err) {
    outcome = { state: 'fail', detail: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  } finally {
    clearTimeout(timer);
    for (const w of open) w.close();
  }
  if (open.length > 0 && rule.id !== 'sigterm') await settle(server);
  return outcome;
}

/** Waits (up to 2 s) until the server counts no open stream; a server that cannot say is left alone. */
async function settle(server: RunningServer): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const h = await rawHealth(server).catch(() => null);
    if (h === null || h.connections === 0) return;
    await sleep(20);
  }
}

export interface ServerConformance {
  spec: ServerSpec;
  /** Null when the server started; else why not (every rule then counts as failed). */
  startError: string | null;
  results: { rule: ConformanceRule; outcome: RuleOutcome }[];
}

/** Starts the server, runs every rule that applies, stops it. */
export async function checkServer(spec: ServerSpec, onResult?: (rule: ConformanceRule, outcome: RuleOutcome) => void): Promise<ServerConformance> {
  let server: RunningServer;
  try {
    server = await startForConformance(spec);
  } catch (err) {
    return { spec, startError: err instanceof Error ? err.message : String(err), results: [] };
  }
  const results: ServerConformance['results'] = [];
  try {
    for (const rule of CONFORMANCE_RULES) {
      const outcome = await runRule(rule, spec, server);
      results.push({ rule, outcome });
      onResult?.(rule, outcome);
    }
  } finally {
    await server.stop();
  }
  return { spec, startError: null, results };
}

function somaxconn(): number | null {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * Null when the backlog rule can read a listen backlog here, else why not: it needs `ss`, from
 * iproute2, which comes with the `netns` part (PUSHBENCH_WITHOUT=netns hides it).
 */
export function backlogUnavailableReason(): string | null {
  return withHidden('netns', locateSystemTool('ss') === null ? '`ss` (iproute2) is not installed, so the backlog cannot be read: run npm run setup:system (as root)' : null);
}

/** The backlog of the socket listening on `port` (ss shows it as Send-Q), or null when ss did not run. */
function listenBacklog(port: number): number | null {
  const ss = findSystemTool('ss');
  if (ss === null) return null;
  const r = spawnSync(ss, ['-Hltn', `sport = :${port}`], { encoding: 'utf8', timeout: 5000 });
  if (r.error || r.status !== 0) return null;
  const line = r.stdout.split('\n').find((l) => l.startsWith('LISTEN'));
  if (line === undefined) throw new RuleFailure(`nothing listens on port ${port} (ss -ltn)`);
  const sendQ = Number(line.trim().split(/\s+/)[2]);
  if (!Number.isInteger(sendQ)) throw new RuleFailure(`cannot read the backlog from ss: ${JSON.stringify(line)}`);
  return sendQ;
}
