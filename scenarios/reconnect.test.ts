import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHealth, postBroadcast, postDrop } from '../harness/control.ts';
import { ClientPool } from '../harness/engine/pool.ts';
import { startServer } from '../harness/lifecycle/server-process.ts';
import { getServer } from '../harness/servers/registry.ts';
import { assertMeasured, testContext } from './fixtures/context.ts';
import { reconnectMetrics, reconnectScenario } from './fixtures/reconnect.ts';
import { policyFor, runReconnect } from './reconnect.ts';

const scenario = reconnectScenario;
const metrics = reconnectMetrics;

// The jitter case reads when reconnects happen, which a busy neighbour moves: it is in
// reconnect-timing.test.ts, which npm test runs alone.
describe('reconnect scenario', () => {
  it('drop: both protocols replay from the ring with no gap and no duplicate; restart continues the seq space', async () => {
    const out = await runReconnect(scenario({ modes: ['drop', 'restart'], downtimeMs: 300 }), testContext(['node-sse', 'node-ws'].map(getServer)));
    assert.equal(out.steps.length, 4);
    for (const s of out.steps) {
      const m = metrics(s);
      assertMeasured(s);
      assert.equal(m.disrupted, 100);
      assert.equal(m.gaps, 0, `${s.server} ${s.kind}`);
      assert.equal(m.duplicates, 0);
      assert.ok(m.timeTo100Ms !== null && m.timeTo99Ms !== null && m.timeTo99Ms <= m.timeTo100Ms);
      // A drop leaves every client away for its 100 ms retry while events flow at 100/s: some come
      // from the ring. After a restart, whether the new process sent anything before a client was
      // back depends on which of them the machine scheduled first (a loaded one: none), so there
      // the replay is checked for consistency only, and the seq space by the zero gaps above.
      if (s.kind === 'reconnect' && s.params.mode === 'drop') assert.ok(m.replayed > 0, `${s.server} drop: events sent while away came from the ring (${m.replayed} replayed)`);
      assert.equal(m.replayLatency.count, m.replayed);
    }
  });

  it('a ring too small for the time away shows as exactly that many gaps; a restart loss is reported apart', async () => {
    const server = await startServer(getServer('node-sse'), { env: { PUSHBENCH_RING: '10', PUSHBENCH_RETRY_MS: '600' } });
    const policy = { ...policyFor(scenario({})), jitter: false };
    const pool = await ClientPool.start({ target: { protocol: 'sse', host: server.host, port: server.port }, clients: 30, rampPerSecond: 5000, maxPerWorker: 15000, connectTimeoutMs: 10_000, policy });
    let restarted = server;
    try {
      await pool.connectAll();
      await pool.beginWindow({ fromSeq: 1, toSeq: 80 });
      await postBroadcast(server.baseUrl, { rate: 1000, count: 20, bytes: 32, event: 'tick' });
      assert.equal(await pool.waitUntilAllReached(20, 5000), true);
      await pool.markDisruption();
      await postDrop(server.baseUrl);
      // 30 events while every client waits its 600 ms: the ring keeps 41..50, so 21..40 are lost.
      await postBroadcast(server.baseUrl, { rate: 1000, count: 30, bytes: 32, event: 'tick' });
      assert.equal(await pool.waitUntilReconnected(5000), true);
      assert.equal(await pool.waitUntilAllReached(50, 5000), true);
      // Now a restart: the new process starts at 61, as if the old one had sent 51..60 unseen.
      await server.kill();
      await pool.setLostBelow(61);
      restarted = await startServer(getServer('node-sse'), { port: server.port, env: { PUSHBENCH_SEQ_START: '61', PUSHBENCH_RETRY_MS: '100' } });
      await postBroadcast(restarted.baseUrl, { rate: 1000, count: 20, bytes: 32, event: 'tick' });
      assert.equal(await pool.waitUntilAllReached(80, 10_000), true);
      const w = await pool.endWindow();
      assert.equal(w.gaps, 30 * 20, 'exactly the events that fell out of the ring, per client');
      assert.equal(w.lostWithProcess, 30 * 10, 'exactly the events that died with the old process');
      assert.equal(w.duplicates, 0);
      assert.equal(w.received, 30 * (20 + 10 + 20));
      assert.equal((await getHealth(restarted.baseUrl)).lastSeq, 80);
    } finally {
      await pool.close();
      await restarted.stop();
      await server.stop();
    }
  });
});
