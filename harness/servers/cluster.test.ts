// The clustered server as one server: node-sse-cluster with 3 workers, driven by the engine's own
// SSE client. Connections spread over every worker, /healthz answers for the whole server, one
// broadcast schedule runs in every worker (same seqs, same t0), a resume after /control/drop lands
// on any worker and replays exactly what was missed, and nothing of the process tree outlives stop.
// A dead worker ends the whole server with exit code 1 and one line on stderr.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openStreamFor } from '../clients/index.ts';
import type { ReceivedEvent, ReconnectPolicy, StreamConnection } from '../clients/types.ts';
import { getHealth, postBroadcast, postDrop } from '../control.ts';
import { alive } from '../lifecycle/fixtures/processes.ts';
import { freePort } from '../lifecycle/ports.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { processTree } from '../metrics/proc-sampler.ts';
import { getServer } from './registry.ts';

const WORKERS = 3;
const CLIENTS = 30;
const RETRY_MS = 300;

const POLICY: ReconnectPolicy = {
  enabled: true,
  defaultRetryMs: RETRY_MS,
  honourServerRetry: true,
  backoff: false,
  // No jitter: every dropped client comes back RETRY_MS later, while the broadcast still runs.
  jitter: false,
  maxDelayMs: 5000,
  maxAttempts: 5,
};

interface Client {
  conn: StreamConnection;
  events: ReceivedEvent[];
  opens: number;
  reconnects: number;
  /** CLOCK_MONOTONIC ns when the stream (re)opened last. */
  openedNs: number;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The file the server's processes run (its bundle: the last launch argument). */
const entryScript = (name: string): string => getServer(name).launch.args.at(-1)!;

/** Processes of the tree started from this server's entry script (primary and workers). */
function serverProcesses(rootPid: number, script: string): number[] {
  return processTree(rootPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
    } catch {
      return false;
    }
  });
}

/** Every seq has one t0, whoever received it: the schedule is the same in every worker. */
function assertOneT0PerSeq(clients: Client[], seqs: number[]): void {
  const t0 = new Map<number, number>();
  for (const c of clients) {
    for (const e of c.events) {
      const seen = t0.get(e.seq);
      if (seen === undefined) t0.set(e.seq, e.t0);
      else assert.equal(e.t0, seen, `seq ${e.seq} has t0 ${e.t0} at one client and ${seen} at another`);
    }
  }
  assert.deepEqual([...t0.keys()].sort((a, b) => a - b), seqs);
}

describe('node-sse-cluster with 3 workers', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  before(async () => {
    server = await startServer(getServer('node-sse-cluster'), {
      env: { PUSHBENCH_WORKERS: String(WORKERS), PUSHBENCH_RETRY_MS: String(RETRY_MS), PUSHBENCH_RING: '1000' },
    });
  });
  after(async () => {
    for (const c of clients) c.conn.close();
    await server?.stop();
  });

  it('runs one primary and 3 workers, ready only with all of them listening', async () => {
    assert.equal(serverProcesses(server.pid, entryScript('node-sse-cluster')).length, 1 + WORKERS);
    const h = await getHealth(server.baseUrl);
    assert.deepEqual(h.workers, [0, 0, 0]);
    assert.equal(h.connections, 0);
  });

  it('spreads 30 clients over every worker, and /healthz counts them all', async () => {
    const open = openStreamFor('sse');
    // One at a time: the primary then passes connections strictly in turn (each worker is back in
    // its round-robin queue before the next arrives), so the spread is exact.
    for (let i = 0; i < CLIENTS; i++) {
      const c: Client = { conn: null as unknown as StreamConnection, events: [], opens: 0, reconnects: 0, openedNs: 0 };
      let opened!: () => void;
      const isOpen = new Promise<void>((r) => (opened = r));
      c.conn = open(
        { protocol: 'sse', host: server.host, port: server.port, localAddress: null },
        POLICY,
        {
          onOpen: (reconnect) => {
            c.opens++;
            if (reconnect) c.reconnects++;
            c.openedNs = Number(process.hrtime.bigint());
            opened();
          },
          onEvent: (ev) => c.events.push({ ...ev }),
          onClose: () => undefined,
          onError: () => undefined,
        },
        0,
      );
      clients.push(c);
      await isOpen;
    }
    const h = await getHealth(server.baseUrl);
    assert.equal(h.connections, CLIENTS);
    assert.deepEqual(h.workers, [10, 10, 10]);
  });

  it('a broadcast reaches every client exactly once, in order, with the same t0 per seq in every worker', async () => {
    const K = 20;
    await postBroadcast(server.baseUrl, { rate: 200, count: K, bytes: 64, event: 'tick' });
    await until(`${K} events at every client`, () => clients.every((c) => c.events.length >= K));
    await new Promise((r) => setTimeout(r, 200)); // anything extra would have arrived by now
    for (const c of clients) assert.deepEqual(c.events.map((e) => e.seq), range(1, K));
    assertOneT0PerSeq(clients, range(1, K));
    // The primary's one schedule: event k due k/200 s after event 0, exactly (integer ns).
    const first = clients[0]!.events;
    for (const [k, e] of first.entries()) assert.equal(e.t0 - first[0]!.t0, k * 5_000_000);
    const h = await getHealth(server.baseUrl);
    assert.equal(h.sent, K, 'events the server emitted, not events × workers');
    assert.equal(h.lastSeq, K);
  });

  it('after /control/drop every client resumes on any worker with the missed events replayed, no gap, no duplicate', async () => {
    const K2 = 60;
    // 100 events/s for 0.6 s; the drop lands ~0.1 s in, clients are back RETRY_MS (0.3 s) later,
    // so ~30 events were sent while they were away and must come from a worker's ring.
    await postBroadcast(server.baseUrl, { rate: 100, count: K2, bytes: 64, event: 'tock' });
    await until('the second broadcast under way', () => clients.every((c) => c.events.length >= 30));
    assert.equal(await postDrop(server.baseUrl), CLIENTS);
    await until(`${20 + K2} events at every client`, () => clients.every((c) => c.events.length >= 20 + K2));
    await new Promise((r) => setTimeout(r, 200));
    for (const [i, c] of clients.entries()) {
      assert.deepEqual(c.events.map((e) => e.seq), range(1, 20 + K2), `client ${i}: every seq once, in order`);
      assert.equal(c.reconnects, 1, `client ${i} reconnected once`);
      // An event the worker sent (t1) before this connection opened can only be a replay.
      assert.ok(c.events.some((e) => e.seq > 30 && e.t1 < c.openedNs), `client ${i} got events replayed from the ring`);
    }
    assertOneT0PerSeq(clients, range(1, 20 + K2));
    const h = await getHealth(server.baseUrl);
    assert.equal(h.connections, CLIENTS);
    assert.equal(h.workers?.length, WORKERS);
    assert.equal(h.workers?.reduce((a, b) => a + b, 0), CLIENTS);
    assert.equal(h.lastSeq, 20 + K2);
  });

  it('stop ends every process of the tree within the contract 2 s', async () => {
    const tree = processTree(server.pid);
    assert.ok(tree.length >= 1 + WORKERS);
    for (const c of clients) c.conn.close();
    const started = Date.now();
    await server.stop();
    const tookMs = Date.now() - started;
    assert.deepEqual(tree.filter(alive), [], 'no process of the tree survives');
    assert.ok(tookMs < 2000, `stopped in ${tookMs} ms`);
    assert.doesNotMatch(server.tail(), /stopping the server/, 'a stop is not a worker death');
  });
});

describe('node-sse-cluster when a worker dies', () => {
  it('the primary ends the other workers and exits 1 with one line on stderr', async () => {
    const spec = getServer('node-sse-cluster');
    const port = await freePort('127.0.0.1');
    await spec.launch.prepare?.();
    const child = spawn(spec.launch.command, spec.launch.args, {
      cwd: spec.launch.cwd,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), PUSHBENCH_WORKERS: '2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await until('both workers listening', () => /2 workers listening/.test(stderr));
      const workers = serverProcesses(child.pid!, entryScript('node-sse-cluster')).filter((p) => p !== child.pid);
      assert.equal(workers.length, 2);
      const tree = processTree(child.pid!);
      process.kill(workers[0]!, 'SIGKILL');
      assert.equal(await exited, 1);
      const lines = stderr.split('\n').filter((l) => l.includes('stopping the server'));
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^node-sse-cluster: worker \d+ \(pid \d+\) was killed by SIGKILL; stopping the server$/);
      await until('the other worker gone', () => tree.every((p) => !alive(p)), 2000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
