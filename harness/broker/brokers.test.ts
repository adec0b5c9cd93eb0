// The built-in broker targets end to end: a real nginx + nchan and a real Pushpin, a few clients
// through the engine's pool, events published on the harness's schedule, exact delivery by seq.
// Each broker skips with the reason when its package is not installed here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientPool } from '../engine/pool.ts';
import { alive } from '../lifecycle/fixtures/processes.ts';
import { processTree } from '../metrics/proc-sampler.ts';
import { decodeHistogram } from '../../result/histogram.ts';
import { getServer } from '../servers/registry.ts';
import { unavailableReason } from '../servers/spec.ts';
import { startTarget, type StepTarget } from './step-target.ts';

const NO_RETRY = { enabled: false, defaultRetryMs: 100, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };
const CLIENTS = 6;
const EVENTS = 25;

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const name of ['nchan-sse', 'nchan-ws', 'pushpin-sse', 'pushpin-ws']) {
  const spec = getServer(name);
  describe(`broker ${name}`, { skip: unavailableReason(spec) ?? false, timeout: 60_000 }, () => {
    let dir: string;
    let target: StepTarget;
    let tree: number[] = [];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pb-broker-test-'));
      target = await startTarget(spec, { workDir: dir });
      tree = processTree(target.pid);
    });
    after(async () => {
      await target?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`delivers every published event exactly once to ${CLIENTS} subscribers, twice in a row`, async () => {
      const pool = await ClientPool.start({
        target: { protocol: spec.protocol, host: target.host, port: target.port, ...(target.path ? { path: target.path } : {}) },
        clients: CLIENTS,
        rampPerSecond: 1000,
        maxPerWorker: CLIENTS,
        connectTimeoutMs: 5000,
        policy: NO_RETRY,
      });
      try {
        assert.equal((await pool.connectAll()).held, CLIENTS);
        // The broker's own count (nchan_stub_status, Pushpin: /proc/net/tcp) sees every subscriber.
        await waitFor(`${CLIENTS} subscribers counted`, async () => (await target.health()).connections === CLIENTS);
        for (let round = 0; round < 2; round++) {
          const seq0 = await target.lastSeq();
          assert.equal(seq0, round * EVENTS, 'seqs continue across broadcasts');
          await pool.beginWindow({ fromSeq: seq0 + 1, toSeq: seq0 + EVENTS });
          await target.broadcast({ rate: 250, count: EVENTS, bytes: 200, event: 'tick' });
          assert.equal(await pool.waitUntilAllReached(seq0 + EVENTS, 10_000), true);
          const w = await pool.endWindow();
          assert.equal(w.connected, CLIENTS);
          assert.equal(w.received, CLIENTS * EVENTS);
          assert.equal(w.gaps, 0);
          assert.equal(w.duplicates, 0);
          assert.equal(w.outOfOrder, 0);
          assert.equal(decodeHistogram(w.latencyFromT0).totalCount, CLIENTS * EVENTS);
          const checks = await target.windowChecks();
          assert.deepEqual(
            checks.map((c) => [c.name, c.ok]),
            [['publishes accepted', true]],
          );
          assert.match(checks[0]!.detail, new RegExp(`^${EVENTS} of ${EVENTS} events published`));
        }
      } finally {
        await pool.close();
      }
      await waitFor('subscribers gone', async () => (await target.health()).connections === 0);
    });

    it('stop() ends the broker and every process it started', async () => {
      // nginx: master and worker; Pushpin: the runner, condure, zurl, proxy and handler.
      assert.ok(tree.length >= (spec.broker?.kind === 'pushpin' ? 5 : 2), `process tree ${tree.join(',')}`);
      await target.stop();
      for (const pid of tree) assert.equal(alive(pid), false, `process ${pid} is gone`);
    });
  });
}
