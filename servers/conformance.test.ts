// The conformance suite: one parametrized file run unchanged against every registered server that
// can run here. It reads the wire with minimal hand-written readers, independent of the engine's
// clients, so a bug in one cannot hide a bug in the other.
// Select servers with PUSHBENCH_CONFORMANCE=name,name (default: every available one).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { getHealth, postBroadcast, postDrop, postReset } from '../harness/control.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import { PATHS, TCP_STREAM_PREFIX, type EventEnvelope, type Protocol } from './contract.ts';
import { listServers } from './registry.ts';
import { unavailableReason } from './spec.ts';

const selected = process.env.PUSHBENCH_CONFORMANCE?.split(',').filter(Boolean);
const RETRY_MS = 1234;
const HEARTBEAT_MS = 300;

interface Wire {
  /** Text the server sent before the first event (SSE preamble / WS or TCP hello). */
  preamble: string[];
  events: EventEnvelope[];
  heartbeats: number;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  closed: boolean;
  close(): void;
}

/** Opens one stream with the protocol's raw wire and collects what arrives. */
function openWire(protocol: Protocol, server: RunningServer, lastEventId: number | null, via: 'header' | 'query' = 'header'): Promise<Wire> {
  const wire: Wire = { preamble: [], events: [], heartbeats: 0, status: 0, headers: {}, closed: false, close: () => undefined };
  return new Promise((resolve, reject) => {
    if (protocol === 'sse') {
      const query = lastEventId !== null && via === 'query' ? `?lastEventId=${lastEventId}` : '';
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== null && via === 'header') headers['last-event-id'] = String(lastEventId);
      const req = request({ host: server.host, port: server.port, path: `${PATHS.sse}${query}`, headers, agent: false }, (res) => {
        wire.status = res.statusCode ?? 0;
        wire.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', sseBlocks(wire));
        res.on('close', () => (wire.closed = true));
        resolve(wire);
      });
      req.on('error', reject);
      wire.close = () => req.destroy();
      req.end();
    } else if (protocol === 'sse-h2') {
      // One session per wire, closed with it: the wire stays independent of the engine's pool.
      const query = lastEventId !== null && via === 'query' ? `?lastEventId=${lastEventId}` : '';
      const session = http2Connect(`http://${server.host}:${server.port}`);
      session.on('error', reject);
      const headers: Record<string, string> = { ':path': `${PATHS.sse}${query}`, accept: 'text/event-stream' };
      if (lastEventId !== null && via === 'header') headers['last-event-id'] = String(lastEventId);
      const req = session.request(headers, { endStream: true });
      req.on('response', (h) => {
        wire.status = Number(h[':status']);
        wire.headers = h;
        resolve(wire);
      });
      req.setEncoding('utf8');
      req.on('data', sseBlocks(wire));
      req.on('close', () => {
        wire.closed = true;
        session.close();
      });
      req.on('error', reject);
      wire.close = () => session.destroy();
    } else if (protocol === 'ws') {
      const query = lastEventId !== null ? `?lastEventId=${lastEventId}` : '';
      const ws = new WebSocket(`ws://${server.host}:${server.port}${PATHS.ws}${query}`, { perMessageDeflate: false });
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as Record<string, unknown>;
        if ('hello' in msg) wire.preamble.push(String(data));
        else wire.events.push(msg as unknown as EventEnvelope);
      });
      ws.on('ping', () => wire.heartbeats++);
      ws.on('close', () => (wire.closed = true));
      ws.on('open', () => {
        wire.status = 101;
        resolve(wire);
      });
      ws.on('error', reject);
      wire.close = () => ws.terminate();
    } else {
      const socket = connect({ host: server.host, port: server.port }, () => {
        socket.write(`${TCP_STREAM_PREFIX}${lastEventId ?? 0}\n`);
        resolve(wire);
      });
      let buf = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buf += chunk;
        let idx: number;
        while ((idx = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, idx);
          buf = buf.slice(idx + 1);
          if (line === '') wire.heartbeats++;
          else if (line.includes('"hello"')) wire.preamble.push(line);
          else wire.events.push(JSON.parse(line) as EventEnvelope);
        }
      });
      socket.on('close', () => (wire.closed = true));
      socket.on('error', reject);
      wire.close = () => socket.destroy();
    }
  });
}

/** Splits a text/event-stream body into blocks: events, the preamble before them, heartbeats. */
function sseBlocks(wire: Wire): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields.set(name, value);
      }
      if (fields.has('data')) {
        wire.events.push({ id: Number(fields.get('id')), event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data')!) });
      } else if (wire.events.length === 0 && wire.preamble.length === 0) {
        wire.preamble.push(block);
      } else {
        wire.heartbeats++;
      }
    }
  };
}

/** SSE over HTTP/1.1 or HTTP/2: the same body, headers and resume rules. */
const isSse = (p: Protocol): boolean => p === 'sse' || p === 'sse-h2';

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers = listServers().filter((s) => !selected || selected.includes(s.name));

for (const spec of servers) {
  const reason = unavailableReason(spec);
  describe(`conformance: ${spec.name} (${spec.protocol})`, { skip: reason ?? false }, () => {
    let server: RunningServer;
    const open: Wire[] = [];
    const wire = async (lastEventId: number | null, via: 'header' | 'query' = 'header'): Promise<Wire> => {
      const w = await openWire(spec.protocol, server, lastEventId, via);
      open.push(w);
      return w;
    };

    before(async () => {
      server = await startServer(spec, {
        env: { PUSHBENCH_RETRY_MS: String(RETRY_MS), PUSHBENCH_HEARTBEAT_MS: String(HEARTBEAT_MS), PUSHBENCH_RING: '100' },
      });
    });
    after(async () => {
      for (const w of open) w.close();
      await server?.stop();
    });

    it('answers /healthz with its protocol and zero counters', async () => {
      const h = await getHealth(server.baseUrl);
      assert.equal(h.ok, true);
      assert.equal(h.protocol, spec.protocol);
      assert.equal(h.connections, 0);
      assert.equal(h.sent, 0);
      // HTTP/2 only: the TCP connections under the streams (a control request's own is not one).
      if (spec.protocol === 'sse-h2') assert.equal(h.tcpConnections, 0);
      // Clustered servers: one count per worker, adding up to the total.
      if (h.workers !== undefined) assert.ok(h.workers.length > 0 && h.workers.every((n) => n === 0));
    });

    it('starts every stream with the retry hint, then broadcasts exactly `count` events on the schedule', async () => {
      const w = await wire(null);
      if (isSse(spec.protocol)) {
        assert.equal(w.status, 200);
        assert.match(String(w.headers['content-type']), /^text\/event-stream/);
        assert.equal(w.headers['cache-control'], 'no-cache');
        assert.equal(w.headers['x-accel-buffering'], 'no');
      }
      await until('the preamble', () => w.preamble.length === 1);
      if (isSse(spec.protocol)) {
        const lines = w.preamble[0]!.split('\n');
        assert.equal(lines[0], `retry: ${RETRY_MS}`);
        assert.ok(lines.slice(1).some((l) => l.startsWith(':')), 'a comment line follows retry:');
      } else {
        assert.deepEqual(JSON.parse(w.preamble[0]!), { hello: true, retry: RETRY_MS });
      }
      await postBroadcast(server.baseUrl, { rate: 100, count: 10, bytes: 64, event: 'tick' });
      await until('10 events', () => w.events.length >= 10);
      await sleep(250);
      assert.equal(w.events.length, 10, 'exactly count events');
      assert.deepEqual(
        w.events.map((e) => e.id),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      const t0 = w.events.map((e) => BigInt(e.data.t0));
      for (const [k, e] of w.events.entries()) {
        assert.equal(e.event, 'tick');
        assert.equal(e.data.seq, e.id);
        assert.ok(BigInt(e.data.t1) >= BigInt(e.data.t0) - 1_000_000n, 't1 is not before t0 (1 ms slack for rounding)');
        const spacingNs = Number(t0[k]! - t0[0]!);
        assert.ok(Math.abs(spacingNs - k * 10_000_000) < 100_000, `t0 of event ${k + 1} is ${spacingNs} ns after the first, want ${k * 10} ms`);
        const dataLength = JSON.stringify(e.data).length;
        assert.ok(dataLength >= 60 && dataLength <= 70, `data is about 64 bytes, got ${dataLength}`);
      }
      const h = await getHealth(server.baseUrl);
      assert.equal(h.sent, 10);
      assert.equal(h.connections, 1);
      if (spec.protocol === 'sse-h2') assert.equal(h.tcpConnections, 1);
      if (h.workers !== undefined) assert.equal(h.workers.reduce((a, b) => a + b, 0), 1);
      w.close();
    });

    it('replays from the ring after a lastEventId', async () => {
      const viaHeader = await wire(3, 'header');
      await until('replay', () => viaHeader.events.length >= 7);
      await sleep(100);
      assert.deepEqual(
        viaHeader.events.map((e) => e.id),
        [4, 5, 6, 7, 8, 9, 10],
      );
      if (isSse(spec.protocol)) {
        const viaQuery = await wire(3, 'query');
        await until('replay via ?lastEventId=', () => viaQuery.events.length >= 7);
        assert.deepEqual(
          viaQuery.events.map((e) => e.id),
          [4, 5, 6, 7, 8, 9, 10],
        );
        viaQuery.close();
      }
      viaHeader.close();
    });

    it('sends heartbeats on idle streams', async () => {
      const w = await wire(10);
      await until('two heartbeats', () => w.heartbeats >= 2, HEARTBEAT_MS * 10);
      assert.equal(w.events.length, 0);
      w.close();
    });

    it('/control/drop closes every client and keeps the ring', async () => {
      const ws = await Promise.all([wire(null), wire(null), wire(null)]);
      const deadline = Date.now() + 3000;
      while ((await getHealth(server.baseUrl)).connections < 3 && Date.now() < deadline) await sleep(20);
      await postDrop(server.baseUrl);
      await until('every client closed', () => ws.every((w) => w.closed), 4000);
      const resumed = await wire(8);
      await until('replay after drop', () => resumed.events.length >= 2);
      assert.deepEqual(
        resumed.events.map((e) => e.id),
        [9, 10],
      );
      resumed.close();
    });

    it('/control/reset clears ring and counters', async () => {
      await postReset(server.baseUrl);
      const h = await getHealth(server.baseUrl);
      assert.equal(h.sent, 0);
      const w = await wire(3);
      await sleep(200);
      assert.equal(w.events.length, 0, 'nothing to replay after reset');
      await postBroadcast(server.baseUrl, { rate: 200, count: 2, bytes: 16, event: 'again' });
      await until('2 new events', () => w.events.length >= 2);
      assert.deepEqual(
        w.events.map((e) => [e.id, e.event]),
        [
          [1, 'again'],
          [2, 'again'],
        ],
      );
      w.close();
    });

    it('rejects an invalid broadcast with 400', async () => {
      const res = await fetch(`${server.baseUrl}${PATHS.broadcast}`, { method: 'POST', body: '{"rate":-1}', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400);
    });
  });
}
