import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepOutcome } from '../result/result.ts';
import { outcomeFrom, saturatedSide, saturationText, unlessServerExited, type WatchedServer } from './step-common.ts';

const fail = { name: 'delivery complete', ok: false, detail: '10 of 20 events received, 0 gaps' };

it('an invalid step says which side saturated; a completed one adds nothing', () => {
  const server = { clientCpuPercentMax: 41, serverCpuPercent: 98, serverCores: 1 };
  const o = outcomeFrom({}, [fail], server);
  assert.equal(o.state, 'invalid');
  assert.deepEqual(o.state === 'invalid' && o.reasons, ['delivery complete: 10 of 20 events received, 0 gaps', 'saturated: the server (server 98 % of a core), not the client (busiest client worker 41 % of a core)']);
  assert.equal(outcomeFrom({}, [{ ...fail, ok: true }], server).state, 'completed');
  assert.deepEqual(outcomeFrom({}, [fail]).state === 'invalid' && (outcomeFrom({}, [fail]) as { reasons: string[] }).reasons, [`${fail.name}: ${fail.detail}`], 'no sides given, none named');
});

it('client, both, neither; a server of several processes is saturated only across its cores', () => {
  assert.equal(saturatedSide({ clientCpuPercentMax: 95, serverCpuPercent: 50, serverCores: 1 }), 'client');
  assert.equal(saturatedSide({ clientCpuPercentMax: 95, serverCpuPercent: 95, serverCores: 1 }), 'both');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 50, serverCores: 1 }), 'neither');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 150, serverCores: 2 }), 'neither');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 185, serverCores: 2 }), 'server');
  assert.match(saturationText({ clientCpuPercentMax: 95, serverCpuPercent: 185, serverCores: 2 }), /^saturated: both sides \(server 185 % of 2 cores \(93 % each\), busiest client worker 95 % of a core\)$/);
  assert.match(saturationText({ clientCpuPercentMax: 20, serverCpuPercent: 30, serverCores: 1 }), /^saturated: neither side/);
  // A worker that got less than a core on a busy machine but whose loop fell seconds behind.
  assert.equal(saturationText({ clientCpuPercentMax: 63, clientLagP90Ms: 2680.6, serverCpuPercent: 2, serverCores: 1 }), 'saturated: the client (busiest client worker 63 % of a core, its event loop p90 2681 ms behind), not the server (server 2 % of a core)');
});

describe('a step whose server exits by itself', () => {
  /** A server whose exit the harness notices `afterMs` after `dies()` is called. */
  function fakeServer(): WatchedServer & { dies(how: string, afterMs?: number): void } {
    let exit: string | null = null;
    return {
      tail: () => 'line one\nline two',
      exitedOnItsOwn: () => exit,
      dies: (how, afterMs = 0) => void (afterMs === 0 ? (exit = how) : setTimeout(() => (exit = how), afterMs)),
    };
  }
  const invalid: StepOutcome<object> = { state: 'invalid', metrics: {}, checks: [], reasons: ['clients connected: 0 of 300 connected through the window'] };

  it('an invalid outcome whose server exit is noticed a moment later: failed, naming the exit and the tail', async () => {
    const server = fakeServer();
    const o = await unlessServerExited(() => server, async () => (server.dies('signal SIGKILL', 100), invalid));
    assert.deepEqual(o, { state: 'failed', reason: 'server exited (signal SIGKILL) during the window; its last output:\nline one\nline two' });
  });

  it('an error thrown because the server died is replaced by the exit; with the server alive it stays the error', async () => {
    const dead = fakeServer();
    const o = await unlessServerExited(() => dead, async () => (dead.dies('code 1'), Promise.reject(new Error('ECONNREFUSED'))), 'during the step');
    assert.deepEqual(o, { state: 'failed', reason: 'server exited (code 1) during the step; its last output:\nline one\nline two' });
    await assert.rejects(unlessServerExited(() => fakeServer(), async () => Promise.reject(new Error('ECONNREFUSED'))), /ECONNREFUSED/);
  });

  it('a server already gone is not measured; a completed step on a living server is kept as it is', async () => {
    const gone = fakeServer();
    gone.dies('signal SIGSEGV');
    let measured = false;
    const o = await unlessServerExited(() => gone, async () => ((measured = true), invalid));
    assert.equal(measured, false);
    assert.deepEqual(o, { state: 'failed', reason: 'server exited (signal SIGSEGV) before the step began; its last output:\nline one\nline two' });
    const completed: StepOutcome<object> = { state: 'completed', metrics: {}, checks: [] };
    assert.equal(await unlessServerExited(() => fakeServer(), async () => completed), completed);
    assert.equal(await unlessServerExited(() => null, async () => invalid), invalid, 'no server (yet): the outcome as it is');
  });
});
