// A server that dies under a step: SIGKILLed in the middle of a push window (the way the OOM killer
// or a crash ends it), and one that exits with an error during an idle hold. The step is `failed`
// with how the server exited and its last lines of output (several, not only the first), never an
// invalid step full of zeros; the next step runs against a fresh server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { processTree } from '../harness/metrics/proc-sampler.ts';
import type { ProgressEvent } from '../harness/progress.ts';
import { getServer } from '../harness/servers/registry.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { assertMeasured, testContext } from './fixtures/context.ts';
import { runIdle } from './idle.ts';
import { runPush } from './push.ts';
import { idleSchema, pushSchema } from './schema.ts';

/** node-sse started through a shell that first prints three lines to stderr, then execs the server (same pid). */
function chatty(name: string, extraScript = ''): ServerSpec {
  const spec = getServer('node-sse');
  const script = `echo "first line of output" >&2; echo "second <b>line</b>" >&2; echo "third line" >&2; ${extraScript}exec "$0" "$@"`;
  return { ...spec, name, launch: { ...spec.launch, command: '/bin/sh', args: ['-c', script, spec.launch.command, ...spec.launch.args] } };
}

/** Pids of the node-sse servers this test process started (the client workers run other scripts); a server runs from its bundle (node-sse.mjs) or its source (node-sse.ts). */
function serverPids(): number[] {
  return processTree(process.pid)
    .slice(1)
    .filter((pid) => {
      try {
        return /\/node-sse\.(ts|mjs)(\0|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
}

describe('a server that exits during a step', () => {
  it('SIGKILL in a push window: that step failed with the signal and the tail, the next one measured on a fresh server', { timeout: 120_000 }, async () => {
    const ctx = testContext([chatty('doomed-sse')]);
    const killed: number[] = [];
    ctx.progress = (e: ProgressEvent) => {
      // The first window: kill the server 300 ms in, while events are flowing.
      if (e.type === 'phase' && e.text.startsWith('doomed-sse: 100/s for') && killed.length === 0) {
        const pids = serverPids();
        assert.equal(pids.length, 1, `one server runs: ${pids.join(',')}`);
        setTimeout(() => {
          process.kill(pids[0]!, 'SIGKILL');
          killed.push(pids[0]!);
        }, 300);
      }
    };
    const scenario = pushSchema.parse({ kind: 'push', servers: ['x'], clients: [30], rates: [100], bytes: [64], durationMs: 1500, warmupMs: 100, repetitions: 2 });
    const out = await runPush(scenario, ctx);
    assert.equal(killed.length, 1, 'the server was killed during the first window');
    assert.equal(out.steps.length, 2);
    const [first, second] = out.steps;
    assert.equal(first!.outcome.state, 'failed');
    assert.match(
      first!.outcome.state === 'failed' ? first!.outcome.reason : '',
      /^server exited \(signal SIGKILL\) during the window; its last output:\nfirst line of output\nsecond <b>line<\/b>\nthird line\nnode-sse: listening on 127\.0\.0\.1:\d+ \(sse\)$/,
    );
    assertMeasured(second!, 'the step after the kill');
    assert.equal(second!.repetition, 2);
    assert.deepEqual(serverPids(), [], 'no server left running');
  });

  it('a server that exits by itself during an idle hold: failed with its exit code and its output', { timeout: 60_000 }, async () => {
    // Exits with code 7 four seconds after it starts: during the hold, after the clients connected.
    const spec = getServer('node-sse');
    const dying: ServerSpec = {
      ...spec,
      name: 'dying-sse',
      launch: {
        ...spec.launch,
        command: '/bin/sh',
        args: ['-c', `"$0" "$@" & pid=$!; sleep 4; echo "out of memory, giving up" >&2; echo "bye" >&2; kill -KILL $pid; exit 7`, spec.launch.command, ...spec.launch.args],
      },
    };
    const scenario = idleSchema.parse({ kind: 'idle', servers: ['x'], clients: [20], rampPerSecond: 1000, settleMs: 100, holdMs: 5000 });
    const out = await runIdle(scenario, testContext([dying]));
    assert.equal(out.steps.length, 1);
    const o = out.steps[0]!.outcome;
    assert.equal(o.state, 'failed');
    assert.match(o.state === 'failed' ? o.reason : '', /^server exited \(code 7\) during the step; its last output:\nnode-sse: listening on 127\.0\.0\.1:\d+ \(sse\)\nout of memory, giving up\nbye$/);
    assert.deepEqual(serverPids(), []);
  });
});
