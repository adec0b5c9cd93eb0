import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { getServer } from '../servers/registry.ts';
import { getHealth } from '../control.ts';
import { alive, spawnFixture } from '../lifecycle/fixtures/processes.ts';
import { NAMESPACE_PORT, startServer } from '../lifecycle/server-process.ts';
import { networkUnavailableReason } from './availability.ts';
import { startDelayProxy } from './delay-proxy.ts';
import { createNetworkPath, listNamespaces, removeStaleNamespaces, tbfParams, type NetworkPath } from './namespace.ts';

const reason = networkUnavailableReason();
const fixture = fileURLToPath(new URL('./fixtures/net-child.ts', import.meta.url));

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((l) => l !== '');
}

function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

async function assertGone(name: string, hostInterface: string): Promise<void> {
  // Namespace teardown in the kernel is asynchronous: allow it a moment.
  const deadline = Date.now() + 3000;
  while ((namespaces().includes(name) || linkExists(hostInterface)) && Date.now() < deadline) await sleep(50);
  assert.ok(!namespaces().includes(name), `ip netns list no longer lists ${name}`);
  assert.ok(!linkExists(hostInterface), `no leftover veth ${hostInterface}`);
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`: ${hostInterface}[@:]`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a node script inside the path's namespace; resolves once it printed "ready". */
async function runInside(path: NetworkPath, script: string): Promise<ChildProcess> {
  const { command, args } = path.wrapLaunch(process.execPath, ['-e', script, path.serverHost]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: string) => {
      out += c;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`helper in the namespace exited early with ${code}`)));
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

// A UDP echo server in the namespace; the host sends numbered datagrams, paced so no socket
// buffer overflows, and counts distinct answers. Each round trip crosses the loss rules twice.
const UDP_ECHO = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(9000, process.argv[1], () => console.log('ready'));`;

async function udpEchoShare(path: NetworkPath, count: number): Promise<number> {
  const helper = await runInside(path, UDP_ECHO);
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  const answered = new Set<number>();
  sock.on('message', (m) => answered.add(m.readUInt32LE(0)));
  try {
    await new Promise<void>((r) => sock.bind(0, path.hostAddress, () => r()));
    for (let i = 0; i < count; i++) {
      const b = Buffer.alloc(64);
      b.writeUInt32LE(i, 0);
      sock.send(b, 9000, path.serverHost);
      if (i % 20 === 19) await sleep(2);
    }
    await sleep(500);
    return answered.size / count;
  } finally {
    sock.close();
    await stopChild(helper);
  }
}

/** Bulk TCP server in the namespace: port 9001 sends argv[2] bytes then ends; port 9002 counts what it gets and answers the count. */
const BULK = `const net = require('node:net');
const host = process.argv[1], size = Number(process.argv[2]);
let up = 0;
net.createServer((s) => { s.end(Buffer.alloc(size, 7)); }).listen(9001, host, () => { if (++up === 2) console.log('ready'); });
net.createServer({ allowHalfOpen: true }, (s) => { let n = 0; s.on('data', (c) => { n += c.length; }); s.on('end', () => s.end(String(n))); }).listen(9002, host, () => { if (++up === 2) console.log('ready'); });`;

describe('network path (namespace, veth, nft, tbf)', { skip: reason ?? false }, () => {
  it('runs node-sse inside, reachable from the host directly and through the delay proxy; remove() leaves nothing', async (t) => {
    const path = await createNetworkPath({ lossPercent: 0, rateKbit: null, delayMs: 0 });
    try {
      assert.match(path.name, new RegExp(`^pb${process.pid}n\\d+$`));
      assert.ok(path.hostInterface.length <= 15, `${path.hostInterface} fits IFNAMSIZ`);
      const m = /^10\.(\d+)\.(\d+)\.1$/.exec(path.hostAddress);
      assert.ok(m, path.hostAddress);
      assert.equal(path.serverHost, `10.${m[1]}.${m[2]}.2`);
      assert.ok((await listNamespaces()).includes(path.name));
      assert.equal(execFileSync('ip', ['netns', 'exec', path.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).trim(), '', 'no loss: no nft table');

      const spec = getServer('node-sse');
      const server = await startServer(
        { ...spec, launch: { ...spec.launch, ...path.wrapLaunch(spec.launch.command, spec.launch.args) } },
        { host: path.serverHost, inNamespace: true },
      );
      try {
        assert.equal(server.port, NAMESPACE_PORT);
        assert.equal(server.baseUrl, `http://${path.serverHost}:${NAMESPACE_PORT}`);
        const health = await getHealth(server.baseUrl, 2000);
        assert.equal(typeof health, 'object');
        // ip netns exec execs in place: the tracked pid is the server itself, inside the namespace.
        assert.deepEqual(execFileSync('ip', ['netns', 'pids', path.name], { encoding: 'utf8' }).trim().split('\n'), [String(server.pid)]);

        const proxy = await startDelayProxy({ targetHost: path.serverHost, targetPort: server.port, delayMs: 50 });
        try {
          const t0 = performance.now();
          await getHealth(`http://${proxy.host}:${proxy.port}`, 2000);
          const took = performance.now() - t0;
          // Connect handshake is local to the proxy; the request and the answer wait 50 ms each.
          assert.ok(took >= 100 && took < 1500, `/healthz through the 50 ms proxy took ${took.toFixed(0)} ms`);
          t.diagnostic(`/healthz through a 50 ms proxy: ${took.toFixed(0)} ms`);
        } finally {
          await proxy.close();
        }
      } finally {
        await server.stop();
      }
      // Control for the loss test: with loss=0 every paced datagram comes back.
      const share = await udpEchoShare(path, 400);
      assert.ok(share >= 0.995, `loss=0: ${(share * 100).toFixed(1)} % of UDP echoes answered`);
      t.diagnostic(`loss=0: ${(share * 100).toFixed(1)} % of 400 UDP echoes answered`);
    } finally {
      await path.remove();
    }
    await assertGone(path.name, path.hostInterface);
    await path.remove(); // idempotent
  });

  it('loss=30% drops about 30 % each way (UDP echo answered about 49 %)', async (t) => {
    const path = await createNetworkPath({ lossPercent: 30, rateKbit: null, delayMs: 0 });
    try {
      const rules = execFileSync('ip', ['netns', 'exec', path.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
      assert.match(rules, /iifname "veth0" numgen random mod 10000 < 3000 drop/);
      assert.match(rules, /oifname "veth0" numgen random mod 10000 < 3000 drop/);
      // 0.7 × 0.7 = 49 % expected; with 1000 datagrams one standard deviation is 1.6 points,
      // so 35..63 % is more than 8 of them either way.
      const share = await udpEchoShare(path, 1000);
      assert.ok(share > 0.35 && share < 0.63, `loss=30%: ${(share * 100).toFixed(1)} % of UDP echoes answered`);
      t.diagnostic(`loss=30%: ${(share * 100).toFixed(1)} % of 1000 UDP echoes answered`);
    } finally {
      await path.remove();
    }
    await assertGone(path.name, path.hostInterface);
  });

  it('rate=8mbit shapes both directions with tbf', async (t) => {
    const path = await createNetworkPath({ lossPercent: 0, rateKbit: 8000, delayMs: 0 });
    const { burstBytes, latencyMs } = tbfParams(8000);
    assert.deepEqual({ burstBytes, latencyMs }, { burstBytes: 10_000, latencyMs: 50 });
    const size = 4 * 1024 * 1024;
    const helper = await runInside(path, BULK.replace('process.argv[2]', String(size)));
    try {
      assert.match(execFileSync('ip', ['netns', 'exec', path.name, 'tc', 'qdisc', 'show', 'dev', 'veth0'], { encoding: 'utf8' }), /tbf .*rate 8Mbit/);
      assert.match(execFileSync('tc', ['qdisc', 'show', 'dev', path.hostInterface], { encoding: 'utf8' }), /tbf .*rate 8Mbit/);

      // Down (server → host): 4 MiB = 33.5 Mbit, about 4.2 s at 8 Mbit/s.
      const t0 = performance.now();
      const down = connect({ host: path.serverHost, port: 9001 });
      let got = 0;
      down.on('data', (c: Buffer) => (got += c.length));
      await once(down, 'end');
      const tDown = performance.now() - t0;
      down.destroy();
      assert.equal(got, size);
      assert.ok(tDown >= 3000 && tDown < 8000, `4 MiB down at 8 Mbit/s took ${tDown.toFixed(0)} ms`);

      // Up (host → server): 1 MiB = 8.4 Mbit, about 1.05 s.
      const t1 = performance.now();
      const up = connect({ host: path.serverHost, port: 9002, allowHalfOpen: true });
      let answer = '';
      up.setEncoding('utf8');
      up.on('data', (c: string) => (answer += c));
      up.end(Buffer.alloc(1024 * 1024, 1));
      await once(up, 'end');
      const tUp = performance.now() - t1;
      up.destroy();
      assert.equal(answer, String(1024 * 1024));
      assert.ok(tUp >= 750 && tUp < 4000, `1 MiB up at 8 Mbit/s took ${tUp.toFixed(0)} ms`);
      t.diagnostic(`rate=8mbit: 4 MiB down ${tDown.toFixed(0)} ms, 1 MiB up ${tUp.toFixed(0)} ms`);
    } finally {
      await stopChild(helper);
      await path.remove();
    }
    await assertGone(path.name, path.hostInterface);
  });

  /** Starts the fixture harness; resolves with what it created. */
  async function startFixture(mode: string): Promise<{ child: ChildProcess; name: string; hostInterface: string; serverPid: number; stderr: () => string }> {
    const { child, info, stderr } = await spawnFixture<{ name: string; hostInterface: string; serverPid: number }>(fixture, [mode]);
    return { child, ...info, stderr };
  }


  it('SIGTERM to the harness removes its namespace, veth and server', async () => {
    const f = await startFixture('wait');
    assert.ok(namespaces().includes(f.name));
    assert.ok(linkExists(f.hostInterface));
    assert.ok(alive(f.serverPid));
    const exited = once(f.child, 'exit');
    f.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 143);
    await assertGone(f.name, f.hostInterface);
    assert.equal(alive(f.serverPid), false, 'the server inside is gone');
  });

  it('an uncaught exception in the harness still removes its namespace', async () => {
    const f = await startFixture('throw');
    const [code] = (await once(f.child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(f.stderr(), /fixture: an uncaught failure/);
    await assertGone(f.name, f.hostInterface);
    assert.equal(alive(f.serverPid), false, 'the server inside is gone');
  });

  it('removeStaleNamespaces() clears what a SIGKILLed harness left', async () => {
    const f = await startFixture('hang');
    const exited = once(f.child, 'exit');
    f.child.kill('SIGKILL');
    await exited;
    // Nothing could run in the killed process: its namespace and server are still there.
    assert.ok(namespaces().includes(f.name), 'a SIGKILLed harness leaves its namespace');
    assert.ok(alive(f.serverPid));
    const removed = await removeStaleNamespaces();
    assert.ok(removed.includes(f.name), `removed ${removed.join(', ')}`);
    await assertGone(f.name, f.hostInterface);
    const deadline = Date.now() + 2000;
    while (alive(f.serverPid) && Date.now() < deadline) await sleep(20);
    assert.equal(alive(f.serverPid), false, 'the orphaned server inside is gone');
  });
});
