// `pushbench run` with a server that breaks the contract: its steps fail with the one line
// naming the endpoint and the field, the line is repeated on stderr, and the run exits 1 even
// though another server's steps completed (README "Adding your own server").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { StepResult } from '../../result/result.ts';
import { writeBreakerConfig } from '../../harness/servers/fixtures/breaker-config.ts';

const bin = fileURLToPath(new URL('../../bin/pushbench.js', import.meta.url));
const LINE = 'my-sse: /healthz has no "lastSeq" (contract v1: the last seq this process emitted)';

describe('pushbench run and the contract', () => {
  it('a /healthz without lastSeq fails that server\'s push steps with the line, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-run-contract-'));
    const config = writeBreakerConfig(dir, 'no-lastSeq');
    const out = join(dir, 'results');
    const args = ['run', '--config', config, '--scenario', 'push', '--servers', 'my-sse,node-sse', '--no-floor'];
    const r = spawnSync(process.execPath, [bin, ...args, '--clients', '2', '--rate', '20,40', '--duration', '300', '--warmup', '0', '--repetitions', '1', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').at(-1), `pushbench: ${LINE}`);
    const [runDir] = readdirSync(out);
    const { steps } = JSON.parse(readFileSync(join(out, runDir!, 'results.json'), 'utf8')) as { steps: StepResult[] };
    const mine = steps.filter((s) => s.server === 'my-sse');
    assert.equal(mine.length, 2, 'one step per rate');
    for (const s of mine) assert.deepEqual(s.outcome, { state: 'failed', reason: LINE });
    const builtIn = steps.filter((s) => s.server === 'node-sse');
    assert.equal(builtIn.length, 2);
    // Valid, or invalid for a measured reason under load: never failed like the broken server.
    for (const s of builtIn) assert.notEqual(s.outcome.state, 'failed', JSON.stringify(s.outcome));
  });
});
