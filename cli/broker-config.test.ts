// Broker targets from the config file: the README's worked example (examples/broker/) validated
// into two paired specs and measured end to end on a free port; bad descriptions refused with
// the path of the problem.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../harness/errors.ts';
import { ClientPool } from '../harness/engine/pool.ts';
import { freePort } from '../harness/lifecycle/ports.ts';
import { startTarget } from '../harness/broker/step-target.ts';
import { REPO_ROOT, getServer } from '../harness/servers/registry.ts';
import { unavailableReason } from '../harness/servers/spec.ts';
import { loadConfigFile } from './config-file.ts';

const EXAMPLE = join(REPO_ROOT, 'examples', 'broker');
const NO_RETRY = { enabled: false, defaultRetryMs: 100, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };

function writeConfig(dir: string, config: unknown): string {
  const path = join(dir, 'pushbench.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('broker targets in the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-broker-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("turns the README's example into two paired broker specs", () => {
    const { userServers } = loadConfigFile(join(EXAMPLE, 'pushbench.json'));
    assert.deepEqual(
      userServers.map((s) => [s.name, s.protocol, s.pair, s.language, s.broker?.kind]),
      [
        ['my-nchan-sse', 'sse', 'my-nchan', 'broker', 'custom'],
        ['my-nchan-ws', 'ws', 'my-nchan', 'broker', 'custom'],
      ],
    );
    const b = userServers[1]!.broker;
    assert.ok(b?.kind === 'custom');
    assert.deepEqual([b.host, b.port, b.subscribePath, b.publish.body, b.publish.method], ['127.0.0.1', 8090, '/sub/bench', '{{envelope}}', 'POST']);
  });

  it('refuses a subscribe URL off loopback, an unknown placeholder and a bad pattern, naming each', () => {
    const path = writeConfig(dir, {
      brokers: [
        {
          name: 'b',
          command: 'true',
          subscribe: { sse: 'http://10.0.0.1:80/sub' },
          publish: { url: 'http://127.0.0.1:80/pub', body: { sse: '{{payload}}' } },
          status: { url: 'http://127.0.0.1:80/s', connections: '(' },
        },
      ],
    });
    assert.throws(
      () => loadConfigFile(path),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /brokers\.0\.subscribe\.sse.*must be on 127\.0\.0\.0\/8/s);
        assert.match(err.message, /brokers\.0\.publish\.body\.sse.*unknown placeholder/s);
        assert.match(err.message, /brokers\.0\.status\.connections.*not a regular expression/s);
        return true;
      },
    );
    assert.throws(() => loadConfigFile(writeConfig(dir, { brokers: [{ name: 'b', command: 'true', subscribe: {}, publish: { url: 'http://127.0.0.1:1/p' } }] })), /give an sse or a ws subscribe URL/);
  });

  it('carries the ramp limits a broker asks for, and refuses one that is not a positive integer', () => {
    const broker = { name: 'q', command: 'true', subscribe: { ws: 'ws://127.0.0.1:8091/sub' }, publish: { url: 'http://127.0.0.1:8091/pub' } };
    const { userServers } = loadConfigFile(writeConfig(dir, { brokers: [{ ...broker, maxRampPerSecond: 300, maxPendingConnects: 20 }] }));
    assert.deepEqual([userServers[0]?.broker?.maxRampPerSecond, userServers[0]?.broker?.maxPendingConnects], [300, 20]);
    assert.throws(() => loadConfigFile(writeConfig(dir, { brokers: [{ ...broker, maxPendingConnects: 0 }] })), /brokers\.0\.maxPendingConnects/);
  });

  const nchanMissing = unavailableReason(getServer('nchan-sse'));
  it('measures the example broker: every event to every subscriber of both protocols, exactly once', { skip: nchanMissing ?? false, timeout: 60_000 }, async () => {
    // The example's fixed port 8090 becomes a free one: tests never take fixed ports.
    const copy = join(dir, 'example');
    cpSync(EXAMPLE, copy, { recursive: true });
    const port = await freePort('127.0.0.1');
    for (const f of ['nchan.conf', 'pushbench.json']) writeFileSync(join(copy, f), readFileSync(join(copy, f), 'utf8').replaceAll('8090', String(port)));
    for (const spec of loadConfigFile(join(copy, 'pushbench.json')).userServers) {
      const target = await startTarget(spec, { workDir: dir });
      try {
        const pool = await ClientPool.start({
          target: { protocol: spec.protocol, host: target.host, port: target.port, ...(target.path ? { path: target.path } : {}) },
          clients: 4,
          rampPerSecond: 1000,
          maxPerWorker: 4,
          connectTimeoutMs: 5000,
          policy: NO_RETRY,
        });
        try {
          assert.equal((await pool.connectAll()).held, 4);
          const deadline = Date.now() + 5000;
          while ((await target.health()).connections !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          assert.equal((await target.health()).connections, 4, 'counted by its status pattern');
          await pool.beginWindow({ fromSeq: 1, toSeq: 20 });
          await target.broadcast({ rate: 200, count: 20, bytes: 100, event: 'tick' });
          assert.equal(await pool.waitUntilAllReached(20, 10_000), true);
          const w = await pool.endWindow();
          assert.deepEqual([w.received, w.gaps, w.duplicates, w.outOfOrder], [80, 0, 0, 0], spec.name);
          assert.deepEqual((await target.windowChecks()).map((c) => c.ok), [true]);
        } finally {
          await pool.close();
        }
      } finally {
        await target.stop();
      }
    }
  });
});
