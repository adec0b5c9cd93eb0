// A run with a server that cannot run here: it is recorded as skipped with the probe's reason, and
// so are the paths it would have taken (each with its own reason), in results.json and summary.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { RunResult } from '../result/result.ts';

const bin = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('runPlan and servers that cannot run here', () => {
  it('plans them as skipped with the reason, and their paths too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-run-skips-'));
    dirs.push(dir);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        servers: [{ name: 'gone-sse', protocol: 'sse', command: join(dir, 'no-such-server') }],
        scenarios: [
          { kind: 'idle', servers: ['tcp-floor'], clients: [20], holdMs: 200, settleMs: 100 },
          // A user-defined server is never asked to leave out the header: that path has its own reason.
          { kind: 'path', servers: ['gone-sse'], paths: ['direct', 'nginx-noheader'] },
        ],
      }),
    );
    const out = join(dir, 'results');
    const r = spawnSync(process.execPath, [bin, 'run', '--config', config, '--out', out], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /gone-sse/);
    const [runDir] = readdirSync(out);
    const result = JSON.parse(readFileSync(join(out, runDir!, 'results.json'), 'utf8')) as RunResult;
    assert.deepEqual(result.skipped, [{ server: 'gone-sse', reason: `command not found: ${join(dir, 'no-such-server')}` }]);
    assert.deepEqual(result.extras.paths, {
      skips: [{ server: 'gone-sse', path: 'nginx-noheader', reason: 'a user-defined server may not honour PUSHBENCH_ACCEL_HEADER=0 (leave out X-Accel-Buffering)' }],
    });
    assert.deepEqual(result.steps.map((s) => `${s.kind} ${s.server}`), ['idle tcp-floor']);
    const summary = readFileSync(join(out, runDir!, 'summary.md'), 'utf8');
    assert.match(summary, /\n- skipped gone-sse via nginx-noheader: a user-defined server may not honour PUSHBENCH\\_ACCEL\\_HEADER=0/);
  });
});
