import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { getHealth, postBroadcast } from '../control.ts';
import { UserError } from '../errors.ts';
import { alive } from '../lifecycle/fixtures/processes.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { decodeHistogram } from '../../result/histogram.ts';
import { networkUnavailableReason } from '../network/availability.ts';
import { createNetworkPath, listNamespaces, type NetworkPath } from '../network/namespace.ts';
import { getServer } from '../servers/registry.ts';
import { AgentConnection, CLOCK_PINGS } from './agent-client.ts';
import { AGENT_PROTOCOL_VERSION, parseHostPort } from './agent-protocol.ts';
import { startAgent, type RunningAgent } from './agent.ts';
import { ClientPool } from './pool.ts';
import { WorkerState } from './worker-state.ts';

const BIN = fileURLToPath(new URL('../../bin/pushbench.js', import.meta.url));
const NO_RETRY = { enabled: false, defaultRetryMs: 100, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, ms: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('agent clock offset in the worker', () => {
  it('moves receive and open times onto the coordinator clock; offset 0 leaves the prototype path', () => {
    let now = 0;
    const local = new WorkerState(() => now);
    local.setClockOffset(0);
    assert.equal(Object.hasOwn(local, 'onEvent'), false);

    const offset = 7_000_000_000; // the agent's clock runs 7 s ahead of the coordinator's
    const state = new WorkerState(() => now);
    state.setClockOffset(offset);
    const c = state.add();
    now = offset + 1_000_000;
    c.onOpen(false);
    assert.equal(c.openedNs, 1_000_000);
    assert.equal(state.now(), 1_000_000);
    state.beginWindow(1, 2);
    // Sent at t0 = 2 ms, t1 = 2.1 ms (coordinator clock), received 500 µs after t0 (agent clock).
    c.onEvent({ seq: 1, t0: 2_000_000, t1: 2_100_000, recvNs: offset + 2_500_000, binBytes: 0 });
    c.onEvent({ seq: 2, t0: 3_000_000, t1: 3_100_000, recvNs: offset + 3_500_000, binBytes: 0 });
    const w = state.window!;
    assert.equal(w.t0.totalCount, 2);
    assert.equal(w.t0.minNonZeroValue, 500);
    assert.equal(w.t0.maxValue, 500);
    assert.equal(w.t1.minNonZeroValue, 400);
    assert.equal(w.t1.maxValue, 400);
  });
});

describe('agent handshake and reachability', { timeout: 20_000 }, () => {
  let agent: RunningAgent;
  const lines: string[] = [];
  before(async () => {
    agent = await startAgent({ host: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
  });
  after(async () => {
    await agent.close();
  });

  it('refuses a coordinator of another protocol version, saying which', async () => {
    const s = connect({ host: '127.0.0.1', port: agent.port });
    s.setEncoding('utf8');
    await once(s, 'connect');
    const localPort = s.localPort;
    s.write(`${JSON.stringify({ type: 'hello', version: AGENT_PROTOCOL_VERSION + 1 })}\n`);
    let got = '';
    s.on('data', (d: string) => (got += d));
    await once(s, 'close');
    const message = `coordinator speaks agent protocol v${AGENT_PROTOCOL_VERSION + 1}, this agent v${AGENT_PROTOCOL_VERSION}: run the same pushbench version on both`;
    assert.deepEqual(JSON.parse(got), { type: 'refused', message });
    assert.deepEqual(lines.slice(-1), [`refused coordinator 127.0.0.1:${localPort}: ${message}`]);
  });

  it('the coordinator refuses an agent of another protocol version', async () => {
    const fake = createServer((sock) => {
      sock.once('data', () => sock.write(`${JSON.stringify({ type: 'welcome', version: 99, hostname: 'x', fdCap: 1024, ephemeralPorts: 28232 })}\n`));
    }).listen(0, '127.0.0.1');
    await once(fake, 'listening');
    const port = (fake.address() as AddressInfo).port;
    try {
      await assert.rejects(
        AgentConnection.open(`127.0.0.1:${port}`, '127.0.0.1', port),
        (err: unknown) =>
          err instanceof UserError &&
          err.message === `agent 127.0.0.1:${port} speaks agent protocol v99, this coordinator v${AGENT_PROTOCOL_VERSION}: run the same pushbench version on both`,
      );
    } finally {
      fake.close();
    }
  });

  it('an unreachable agent is one line naming it and how to start it', async () => {
    const port = await closedPort();
    await assert.rejects(
      ClientPool.start({ target: { protocol: 'sse', host: '127.0.0.1', port: 1 }, clients: 2, rampPerSecond: 100, maxPerWorker: 10, connectTimeoutMs: 1000, policy: NO_RETRY, agents: [`127.0.0.1:${port}`] }),
      (err: unknown) => err instanceof UserError && err.message === `cannot reach agent 127.0.0.1:${port} (ECONNREFUSED): start it with \`pushbench agent --listen 127.0.0.1:${port}\``,
    );
  });

  it('a coordinator that goes without closing its workers: the agent ends them and takes the next one', async () => {
    const conn = await AgentConnection.open(`127.0.0.1:${agent.port}`, '127.0.0.1', agent.port);
    const clock = await conn.measureClock(CLOCK_PINGS);
    // One host, one CLOCK_MONOTONIC: the offset is ~0 and the loopback round trip well under 1 ms.
    assert.ok(Math.abs(clock.offsetNs) < 1_000_000, `offset ${clock.offsetNs} ns`);
    assert.ok(clock.uncertaintyNs > 0 && clock.uncertaintyNs < 1_000_000, `uncertainty ${clock.uncertaintyNs} ns`);
    const workers = await conn.spawn(2);
    const pids = workers.map((w) => w.pid);
    assert.equal(pids.filter(alive).length, 2);
    assert.deepEqual(agent.workerPids(), pids);
    await conn.close();
    await Promise.all(workers.map((w) => w.exited));
    await until('the agent to end its workers', 5000, () => pids.every((p) => !alive(p)));
    await until('the agent log', 3000, () => lines.some((l) => l.endsWith('gone: ended its 2 workers')));
    assert.deepEqual(agent.workerPids(), []);
    // Listening still: the next coordinator is welcome.
    const next = await AgentConnection.open(`127.0.0.1:${agent.port}`, '127.0.0.1', agent.port);
    await next.close();
  });
});

const netReason = networkUnavailableReason();

describe('load agents in two network namespaces', { skip: netReason ?? false, timeout: 45_000 }, () => {
  const paths: NetworkPath[] = [];
  const agents: { proc: ChildProcess; stderr: string[]; address: string }[] = [];
  let server: RunningServer | null = null;
  const AGENT_PORT = 7070;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const path = await createNetworkPath({ lossPercent: 0, rateKbit: null, delayMs: 0 });
      paths.push(path);
      // The server binds the host side of the first veth. The second namespace reaches it through
      // a default route via its own host-side address: the host answers for all its addresses on
      // every interface, so both namespaces dial one target and no 0.0.0.0 bind is needed.
      execFileSync('ip', ['-n', path.name, 'route', 'add', 'default', 'via', path.hostAddress]);
      const address = `${path.serverHost}:${AGENT_PORT}`;
      const launch = path.wrapLaunch(process.execPath, [BIN, 'agent', '--listen', address]);
      const proc = spawn(launch.command, launch.args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const stderr: string[] = [];
      let partial = '';
      proc.stderr!.setEncoding('utf8');
      proc.stderr!.on('data', (d: string) => {
        const parts = (partial + d).split('\n');
        partial = parts.pop()!;
        stderr.push(...parts);
      });
      agents.push({ proc, stderr, address });
    }
    for (const a of agents) await until(`agent ${a.address} to listen`, 20_000, () => a.stderr.some((l) => l.includes('listening on')));
    server = await startServer(getServer('node-sse'), { host: paths[0]!.hostAddress });
  });

  after(async () => {
    await server?.stop();
    for (const a of agents) if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGKILL');
    for (const p of paths) await p.remove();
  });

  it('runs 20 + 20 clients on two agents and merges their exact counts; then nothing survives', async () => {
    const srv = server!;
    const addresses = agents.map((a) => a.address);
    const pool = await ClientPool.start({
      target: { protocol: 'sse', host: srv.host, port: srv.port },
      clients: 40,
      rampPerSecond: 5000,
      maxPerWorker: 15_000,
      connectTimeoutMs: 10_000,
      policy: NO_RETRY,
      agents: addresses,
    });
    let workerPids: number[] = [];
    const K = 25;
    try {
      const clocks = pool.agentClocks();
      assert.deepEqual(
        clocks.map((c) => ({ address: c.address, workers: c.workers, clients: c.clients })),
        addresses.map((address) => ({ address, workers: 1, clients: 20 })),
      );
      for (const c of clocks) {
        assert.ok(Math.abs(c.offsetNs) <= 1_000_000, `${c.address} offset ${c.offsetNs} ns`);
        assert.ok(c.uncertaintyNs > 0 && c.uncertaintyNs <= 1_000_000, `${c.address} uncertainty ${c.uncertaintyNs} ns`);
      }
      process.stderr.write(`# agent clocks: ${clocks.map((c) => `${c.address} offset ${c.offsetNs} ns ± ${c.uncertaintyNs} ns`).join('; ')}\n`);
      workerPids = pool.workerPids();
      assert.equal(workerPids.length, 2);
      assert.equal(workerPids.filter(alive).length, 2);

      const c = await pool.connectAll();
      assert.equal(c.held, 40);
      assert.deepEqual(c.failuresByCause, {});
      assert.deepEqual(c.perWorker.map((w) => w.held), [20, 20]);
      assert.equal(decodeHistogram(c.connectHistogram).totalCount, 40);
      assert.equal((await getHealth(srv.baseUrl)).connections, 40);

      const seq0 = (await getHealth(srv.baseUrl)).lastSeq ?? 0;
      await pool.beginWindow({ fromSeq: seq0 + 1, toSeq: seq0 + K });
      await postBroadcast(srv.baseUrl, { rate: 500, count: K, bytes: 64, event: 'tick' });
      assert.equal(await pool.waitUntilAllReached(seq0 + K, 10_000), true);
      const w = await pool.endWindow();
      assert.equal(w.connected, 40);
      assert.equal(w.received, 40 * K);
      assert.equal(w.gaps, 0);
      assert.equal(w.duplicates, 0);
      assert.equal(w.outOfOrder, 0);
      assert.equal(decodeHistogram(w.latencyFromT0).totalCount, 40 * K);
      assert.equal(decodeHistogram(w.latencyFromT1).totalCount, 40 * K);
      assert.equal(w.workers.length, 2);
    } finally {
      await pool.close();
    }
    await until('the remote workers to exit', 5000, () => workerPids.every((p) => !alive(p)));
    for (const a of agents) {
      await until(`agent ${a.address} to see the coordinator go`, 5000, () => a.stderr.some((l) => l.endsWith('gone: ended its 1 workers')));
      assert.equal(a.stderr.filter((l) => l.includes('connected')).length, 1);
      assert.equal(a.stderr.filter((l) => l.includes('spawned 1 client workers')).length, 1);
    }

    // SIGTERM: each agent stops (cleanup.ts exits 128 + 15), then the namespaces go.
    for (const a of agents) a.proc.kill('SIGTERM');
    for (const a of agents) {
      if (a.proc.exitCode === null && a.proc.signalCode === null) await once(a.proc, 'exit');
      assert.equal(a.proc.exitCode, 143);
    }
    await server!.stop();
    server = null;
    for (const p of paths) await p.remove();
    const left = await listNamespaces();
    for (const p of paths) assert.equal(left.includes(p.name), false, `namespace ${p.name} removed`);
    for (const a of agents) assert.equal(alive(a.proc.pid!), false);
  });
});

describe('agent addresses', () => {
  it('parses host:port, [v6]:port and a bare port with a default host; rejects the rest in one line', () => {
    assert.deepEqual(parseHostPort('10.0.0.5:7070', 'agent'), { host: '10.0.0.5', port: 7070 });
    assert.deepEqual(parseHostPort('[::1]:7070', 'agent'), { host: '::1', port: 7070 });
    assert.deepEqual(parseHostPort('7070', '--listen', '127.0.0.1'), { host: '127.0.0.1', port: 7070 });
    assert.throws(() => parseHostPort('7070', 'agent'), { message: 'agent "7070" is not host:port (e.g. 10.0.0.5:7070)' });
    assert.throws(() => parseHostPort('a:70000', 'agent'), { message: 'agent "a:70000" is not host:port (e.g. 10.0.0.5:7070)' });
  });
});
