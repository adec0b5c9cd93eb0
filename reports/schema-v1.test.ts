// Results written by earlier versions (schema pushbench/result@1) still render and compare: the
// fixtures are a `pushbench run --suite quick` written by the code before the result/ module, and
// the committed bench/baseline.json of the same time. Each case spawns the real `pushbench` bin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/schema-v1/${name}.results.json`, import.meta.url));

function pushbench(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('results.json files of schema @1', () => {
  it('`pushbench report` renders the old quick run and the old baseline side by side', () => {
    const out = mkdtempSync(join(tmpdir(), 'pushbench-v1-'));
    try {
      const r = pushbench('report', fixture('quick'), fixture('baseline'), '--out', out);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n'), [join(out, 'report.html'), join(out, 'summary.md'), '']);
      const summary = readFileSync(join(out, 'summary.md'), 'utf8');
      assert.match(summary, /^## pushbench: bench-quick\n/);
      assert.match(summary, /33 steps, 33 completed, 0 invalid or failed\./);
      assert.match(summary, /\| Time until 99 % reconnected \(drop, 200 clients\) \| node-sse: 214 ms \(174 ms–298 ms\) \| node-ws: 351 ms \(318 ms–427 ms\) \|/);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      assert.match(html, /^<!doctype html>/i);
      assert.ok((html.match(/<svg/g)?.length ?? 0) > 0, 'the charts are drawn');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('`pushbench compare` judges the old quick run against the old baseline (exit 1: one regression)', () => {
    const r = pushbench('compare', fixture('baseline'), fixture('quick'));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^\*\*1 regression\(s\)\*\* in 42 figures of 8 groups compared\.\n/);
    assert.match(r.stdout, /\| \*\*regression\*\* \| node-sse \| server RSS per connection \| idle: 2000 clients \| 11\.7 KB \(4\) \| 16\.1 KB \(4\) \| \+38 % \[\+25 %, \+42 %\] \|/);
  });
});
