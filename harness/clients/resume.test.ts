// Both protocols (and the floor) recover alike: after /control/drop every client reconnects with
// its last event id and gets exactly the events it missed, once, from the server's ring.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHealth, postBroadcast, postDrop } from '../control.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { getServer } from '../servers/registry.ts';
import { sleep, until } from './fixtures/wait.ts';
import { openStreamFor } from './index.ts';
import type { ReconnectPolicy } from './types.ts';

// The default delay outlasts the test: a reconnect within it proves the server's hint was taken.
const POLICY: ReconnectPolicy = { enabled: true, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 20 };
/** Long enough that the second broadcast is over before the client comes back. */
const RETRY_MS = 400;

for (const name of ['node-sse', 'node-ws', 'tcp-floor', 'express-sse', 'express-ws']) {
  describe(`resume after /control/drop: ${name}`, () => {
    it('gets every event exactly once across one reconnect, the missed ones replayed after its last event id', async () => {
      const server = await startServer(getServer(name), { env: { PUSHBENCH_RETRY_MS: String(RETRY_MS) } });
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
        await postBroadcast(server.baseUrl, { rate: 200, count: 20, bytes: 64, event: 'tick' });
        await until(() => seqs.length === 20, '20 events');
        await postDrop(server.baseUrl);
        // All of 21..30 are emitted while the client is away, so it can only get them from the
        // ring, by resuming after its last event id (20).
        await postBroadcast(server.baseUrl, { rate: 1000, count: 10, bytes: 64, event: 'tick' });
        const emitted = async (): Promise<number> => (await getHealth(server.baseUrl)).lastSeq ?? -1;
        for (let end = Date.now() + 2000; (await emitted()) < 30 && Date.now() < end; ) await sleep(5);
        assert.equal(await emitted(), 30);
        assert.deepEqual(opens, [false], 'still away when the broadcast ended');
        assert.equal(conn.lastEventId, 20);
        await until(() => seqs.length >= 30, '30 events');
        await sleep(100);
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
