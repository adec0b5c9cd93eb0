// SIGTERM however pushbench was started. npm does not pass SIGTERM on: `npx pushbench agent` is
// npm → sh -c → node, and SIGTERM to npm (a supervisor's usual target) ends npm and its shell and
// left the agent running under init (measured before harness/lifecycle/npm-parent.ts). These start
// the real commands through npx, send SIGTERM to npx alone, and require every process under it
// (the agent; a run's server and client workers) to end, and the run to keep what it measured.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { alive } from '../harness/lifecycle/fixtures/processes.ts';
import { freePort } from '../harness/lifecycle/ports.ts';
import { isNpmCommandLine } from '../harness/lifecycle/npm-parent.ts';
import { processTree } from '../harness/metrics/proc-sampler.ts';
import { readResult } from '../harness/result-store.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pb-npx-'));
after(() => rmSync(root, { recursive: true, force: true }));

const npxMissing = spawnSync('npx', ['--version'], { encoding: 'utf8' }).status === 0 ? null : 'npx is not on PATH (it ships with npm)';

interface Started {
  npx: ChildProcess;
  stderr: () => string;
  /** Resolves when every process holding our stderr pipe has exited (npx and all it started). */
  allClosed: Promise<void>;
}

/** `npx pushbench <args>` in the repository, in a process group of its own (as a supervisor starts it). */
function startThroughNpx(args: string[]): Started {
  const npx = spawn('npx', ['--yes', 'pushbench', ...args], { cwd: repo, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  npx.stderr!.setEncoding('utf8');
  npx.stderr!.on('data', (c: string) => (err += c));
  const allClosed = new Promise<void>((resolve) => npx.stderr!.once('close', () => resolve()));
  return { npx, stderr: () => err, allClosed };
}

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM to npx only; then every process that was under it must be gone within `withinMs`. */
async function sigtermNpxOnly(s: Started, withinMs: number): Promise<{ under: number[]; tookMs: number }> {
  const under = processTree(s.npx.pid!).slice(1);
  const started = Date.now();
  process.kill(s.npx.pid!, 'SIGTERM');
  try {
    await until('every process under npx to end', () => under.every((pid) => !alive(pid)), withinMs);
  } finally {
    // Whatever the outcome, leave nothing behind.
    for (const pid of under.filter(alive)) process.kill(pid, 'SIGKILL');
  }
  await s.allClosed;
  return { under, tookMs: Date.now() - started };
}

describe('SIGTERM to npx ends what it started', { skip: npxMissing ?? false }, () => {
  it('npx pushbench agent: the agent ends (its port closes) when npx alone gets SIGTERM', { timeout: 90_000 }, async (t) => {
    const port = await freePort('127.0.0.1');
    const s = startThroughNpx(['agent', '--listen', `127.0.0.1:${port}`]);
    await until('the agent to listen', () => s.stderr().includes('pushbench agent: listening on'), 60_000);
    const tree = processTree(s.npx.pid!);
    // The tree that made the orphan: npm, then a shell or node, then the agent's node.
    assert.ok(tree.length >= 3, `npx started the agent below it: ${tree.join(',')}`);
    const { under, tookMs } = await sigtermNpxOnly(s, 15_000);
    t.diagnostic(`${under.length} processes under npx, all gone ${tookMs} ms after SIGTERM to npx`);
    assert.match(s.stderr(), /pushbench: npm \(pid \d+\), which started this command, is gone without passing its signal on: stopping as on SIGTERM/);
    const refused = await new Promise<boolean>((resolve) => {
      const c = connect({ host: '127.0.0.1', port });
      c.once('connect', () => (c.destroy(), resolve(false)));
      c.once('error', () => resolve(true));
    });
    assert.ok(refused, 'the agent no longer listens');
  });

  it('npx pushbench run: server and client workers end, and the run keeps what it measured', { timeout: 120_000 }, async () => {
    const out = join(root, 'run');
    const s = startThroughNpx(['run', '--scenario', 'idle', '--servers', 'node-sse', '--clients', '20', '--hold', '15000', '--settle', '200', '--no-floor', '--out', out]);
    await until('the hold', () => /holding for/.test(s.stderr()), 90_000);
    const { under } = await sigtermNpxOnly(s, 20_000);
    // Under npx: the shell, the run, its esbuild service, the server and the client worker.
    assert.ok(under.length >= 4, `${under.length} processes were under npx`);
    const [run] = readdirSync(out);
    const result = readResult(join(out, run!, 'results.json'));
    assert.deepEqual(result.steps[0]!.outcome, { state: 'failed', reason: 'interrupted by SIGTERM before the step finished' });
    assert.match(s.stderr(), /pushbench: run interrupted by SIGTERM: .*results\.json \(with report\.html and summary\.md\) keeps the 0 finished steps and the interrupted one, as failed/);
  });
});

describe('which ancestor is npm', () => {
  it('npm by its renamed title or by its script; not a shell, node or another command', () => {
    assert.ok(isNpmCommandLine(['npm exec pushbench agent --listen 127.0.0.1:7070']));
    assert.ok(isNpmCommandLine(['npm run bench']));
    assert.ok(isNpmCommandLine(['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'pushbench']));
    assert.ok(isNpmCommandLine(['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'exec', 'pushbench']));
    assert.ok(!isNpmCommandLine(['sh', '-c', 'pushbench agent']));
    assert.ok(!isNpmCommandLine(['node', '/work/bin/pushbench.js', 'run']));
    assert.ok(!isNpmCommandLine(['npmish']));
    assert.ok(!isNpmCommandLine([]));
  });
});
