import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { alive, spawnFixture } from './fixtures/processes.ts';
import { startServer } from './server-process.ts';
import { processTree } from '../metrics/proc-sampler.ts';
import { getServer } from '../servers/registry.ts';
import type { ServerSpec } from '../servers/spec.ts';
import { UserError } from '../errors.ts';
import { createServer } from 'node:net';

const fixture = fileURLToPath(new URL('./fixtures/start-all.ts', import.meta.url));


async function untilDead(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const living = pids.filter(alive);
    if (living.length === 0 || Date.now() > deadline) return living;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the fixture harness and resolves with the pids of the servers it started. */
async function startHarness(args: string[] = []): Promise<{ child: ChildProcess; servers: { name: string; pid: number }[] }> {
  const { child, info } = await spawnFixture<{ name: string; pid: number }[]>(fixture, args);
  return { child, servers: info };
}

// The three harnesses are independent processes with their own servers: they run at once (the
// file runs alone in npm test, so only they share the machine).
describe('cleanup: no child survives the harness', { concurrency: true }, () => {
  // Servers are started in a few ways: a Node bundle, a cluster that forks workers, and, where
  // installed, uvicorn, aiohttp, Flask's threaded server and gunicorn's master with its workers.
  // SIGTERM is shown on one server of each way (the others of a way share its launch and stop
  // code: starting all eighteen at once cost ~20 s of CPU); SIGINT takes the same path through
  // cleanup.ts, shown on the Node ones.
  const ONE_OF_EACH_WAY = 'node-sse,node-ws-cluster,fastapi-sse,aiohttp-sse,flask-sse,flask-sse-gunicorn';
  for (const [signal, only, atLeast] of [
    ['SIGTERM', [ONE_OF_EACH_WAY], 2],
    ['SIGINT', ['node-sse,node-ws-cluster'], 2],
  ] as const) {
    it(`every server started is ended when the harness gets ${signal} mid-run`, async () => {
      const { child, servers } = await startHarness([...only]);
      assert.ok(servers.length >= atLeast, `started every available server asked for (${servers.map((s) => s.name).join(', ')})`);
      for (const s of servers) assert.ok(alive(s.pid), `${s.name} runs before the signal`);
      // Every process of every server: the cluster's forked workers (and gunicorn's) too.
      const trees = servers.map((s) => ({ name: s.name, pids: processTree(s.pid) }));
      assert.ok(trees.find((t) => t.name === 'node-ws-cluster')!.pids.length >= 3, 'the cluster runs its primary and two workers');
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130);
      const survivors = await untilDead(
        trees.flatMap((t) => t.pids),
        1000,
      );
      assert.deepEqual(survivors, [], 'no server process survives');
    });
  }

  it('every server is ended when the harness exits normally', async () => {
    const { child, servers } = await startHarness(['node-sse,node-ws', 'exit-now']);
    await once(child, 'exit');
    assert.equal(servers.length, 2);
    assert.deepEqual(await untilDead(servers.map((s) => s.pid), 1000), []);
  });
});

describe('lifecycle: bad starts give one clear error', () => {
  const fake = (name: string, script: string): ServerSpec => ({
    name,
    protocol: 'sse',
    language: 'custom',
    pair: null,
    description: 'test',
    reportsHeap: false,
    processes: 1,
    launch: { command: process.execPath, args: ['-e', script], env: {}, cwd: process.cwd(), stopGraceMs: 2000 },
    requires: [],
  });

  it('a server that exits before it is ready reports its last stderr lines', async () => {
    await assert.rejects(
      startServer(fake('crasher', 'console.error("boom: cannot bind"); process.exit(3)')),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /^server crasher exited with code 3 before it became ready; its last output:\nboom: cannot bind$/);
        return true;
      },
    );
  });

  it('a server that never becomes ready is stopped after the timeout, with its output', async () => {
    const started = Date.now();
    await assert.rejects(startServer(fake('sleeper', 'console.error("starting"); setInterval(() => {}, 1000)'), { readyTimeoutMs: 700 }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^server sleeper did not answer http:\/\/127\.0\.0\.1:\d+\/healthz within 700 ms; its last output:\nstarting$/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });

  it('a port in use is one clear line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startServer(getServer('node-sse'), { port }), {
        message: `port ${port} on 127.0.0.1 is in use: stop what holds it or choose another with --port`,
      });
    } finally {
      blocker.close();
    }
  });

  it('an unknown server name lists the known ones', () => {
    assert.throws(() => getServer('nope'), /^UserError: unknown server "nope"; known servers: node-sse, node-ws, express-sse, express-ws, tcp-floor/);
  });
});
