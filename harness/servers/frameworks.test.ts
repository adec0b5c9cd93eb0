// What the conformance suite does not ask of the fastify and hono servers but the idle and push
// scenarios rely on: a client that goes away is unsubscribed (the framework tells us: a hijacked
// reply's close, a web stream's abort, a ws close), a repeated query key does not break a resume
// (fastify parses it into an array), and paths outside the contract get 404.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { getHealth, postBroadcast, postReset } from '../control.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { PATHS } from '../../servers/contract.ts';
import { getServer } from './registry.ts';

const CLIENTS = 5;

interface Stream {
  /** Bytes (SSE) or messages (WS) received so far. */
  received(): number;
  /** Event ids seen so far, in order. */
  ids: number[];
  close(): void;
}

function openSse(server: RunningServer, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const ids: number[] = [];
    const req = request({ host: server.host, port: server.port, path: `${PATHS.sse}${query}`, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Each event block fits in one chunk at these sizes; the ids are all the test reads.
        for (const m of chunk.toString('utf8').matchAll(/^id: (\d+)$/gm)) ids.push(Number(m[1]));
      });
      res.on('error', () => undefined);
      resolve({ received: () => bytes, ids, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(server: RunningServer, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let messages = 0;
    const ids: number[] = [];
    const ws = new WebSocket(`ws://${server.host}:${server.port}${PATHS.ws}${query}`, { perMessageDeflate: false });
    ws.on('message', (data) => {
      messages++;
      const msg = JSON.parse(String(data)) as { id?: number };
      if (msg.id !== undefined) ids.push(msg.id);
    });
    ws.on('open', () => resolve({ received: () => messages, ids, close: () => ws.terminate() }));
    ws.on('error', reject);
  });
}

async function connectionsBecome(server: RunningServer, want: number): Promise<number> {
  let now = -1;
  for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    now = (await getHealth(server.baseUrl)).connections;
    if (now === want) break;
  }
  return now;
}

/** The status a WebSocket upgrade to `path` is answered with (101 when it upgrades). */
function upgradeStatus(server: RunningServer, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${server.host}:${server.port}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

for (const name of ['fastify-sse', 'fastify-ws', 'hono-sse', 'hono-ws']) {
  const spec = getServer(name);
  describe(`framework server ${name}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startServer(spec);
    });
    after(async () => {
      await server?.stop();
    });

    it('unsubscribes every client that goes away, and keeps serving the ones that stay', async () => {
      const open = spec.protocol === 'sse' ? openSse : openWs;
      const streams = await Promise.all(Array.from({ length: CLIENTS }, () => open(server)));
      assert.equal(await connectionsBecome(server, CLIENTS), CLIENTS);
      for (const s of streams.slice(1)) s.close();
      assert.equal(await connectionsBecome(server, 1), 1, 'the server counts only the client still there');
      const kept = streams[0]!;
      const before = kept.received();
      await postBroadcast(server.baseUrl, { rate: 200, count: 3, bytes: 32, event: 'tick' });
      for (const end = Date.now() + 3000; kept.received() === before && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      assert.ok(kept.received() > before, 'the remaining client still gets events');
      kept.close();
      assert.equal(await connectionsBecome(server, 0), 0);
    });

    it('resumes after the first of a repeated ?lastEventId=', async () => {
      const open = spec.protocol === 'sse' ? openSse : openWs;
      await postReset(server.baseUrl);
      await postBroadcast(server.baseUrl, { rate: 500, count: 6, bytes: 16, event: 'tick' });
      for (const end = Date.now() + 3000; ((await getHealth(server.baseUrl)).lastSeq ?? 0) < 6 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      const s = await open(server, '?lastEventId=3&lastEventId=5');
      for (const end = Date.now() + 3000; s.ids.length < 3 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(s.ids, [4, 5, 6]);
      s.close();
    });

    it('answers 404 outside the contract, for a request and for an upgrade', async () => {
      const res = await fetch(`${server.baseUrl}/nope`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
      assert.equal(await upgradeStatus(server, '/nope'), 404);
    });
  });
}
