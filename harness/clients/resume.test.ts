// Both protocols (and the floor) recover alike: after /control/drop every client reconnects with
// its last event id and gets exactly the events it missed, once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postBroadcast, postDrop } from '../control.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { getServer } from '../../servers/registry.ts';
import { openStreamFor } from './index.ts';
import type { ReconnectPolicy } from './types.ts';

const POLICY: ReconnectPolicy = { enabled: true, defaultRetryMs: 50, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 20 };

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const name of ['node-sse', 'node-ws', 'tcp-floor', 'express-sse', 'express-ws']) {
  describe(`resume after /control/drop: ${name}`, () => {
    it('gets every event exactly once across one reconnect, using the server retry hint', async () => {
      const server = await startServer(getServer(name), { env: { PUSHBENCH_RETRY_MS: '30' } });
      const seqs: number[] = [];
      const opens: boolean[] = [];
      const closes: string[] = [];
      const conn = openStreamFor(server.spec.protocol)(
        { protocol: server.spec.protocol, host: server.host, port: server.port, localAddress: null },
        POLICY,
        {
          onOpen: (reconnect) => opens.push(reconnect),
          onEvent: (ev) => seqs.push(ev.seq),
          onClose: (cause) => closes.push(cause),
          onError: (cause) => closes.push(`error:${cause}`),
        },
        0,
      );
      try {
        await until(() => opens.length === 1, 'first open');
        await postBroadcast(server.baseUrl, { rate: 500, count: 20, bytes: 64, event: 'tick' });
        await until(() => seqs.length === 20, '20 events');
        await postDrop(server.baseUrl);
        // Events sent while the client is away come back from the ring.
        await postBroadcast(server.baseUrl, { rate: 1000, count: 10, bytes: 64, event: 'tick' });
        await until(() => seqs.length >= 30, '30 events');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(
          seqs,
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
        assert.deepEqual(opens, [false, true], 'one initial open, one reconnect');
        assert.deepEqual(closes, ['server-closed']);
        assert.equal(conn.lastEventId, 30);
      } finally {
        conn.close();
        await server.stop();
      }
    });
  });
}
