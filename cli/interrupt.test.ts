// An interrupted run keeps what it measured: SIGINT during step 2 leaves results.json (valid, read
// back through the result reader), report.html and summary.md with step 1 as measured and step 2
// failed "interrupted", exit 130; SIGTERM gives 143. Every process the run started is gone first.
// Each case spawns the real `pushbench` bin.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { alive } from '../harness/lifecycle/fixtures/processes.ts';
import { processTree } from '../harness/metrics/proc-sampler.ts';
import { readResult } from '../harness/result-store.ts';

const bin = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pb-interrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Interrupted {
  code: number | null;
  stderr: string;
  /** Every process under the run just before the signal (servers, client workers). */
  before: number[];
}

/** Runs `pushbench run …`, sends `signal` once stderr shows `when`, and waits for the exit. */
async function interruptRun(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<Interrupted> {
  const child = spawn(process.execPath, [bin, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let before: number[] = [];
  child.stderr.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let sent = false;
  child.stderr.on('data', (c: string) => {
    stderr += c;
    if (!sent && when.test(stderr)) {
      sent = true;
      // A moment into that phase, so the step is truly under way.
      setTimeout(() => {
        before = processTree(child.pid!).slice(1);
        child.kill(signal);
      }, 500);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr, before };
}

const RUN = ['--scenario', 'idle', '--servers', 'node-sse,node-ws', '--clients', '20', '--hold', '4000', '--settle', '200', '--no-floor'];

describe('an interrupted run keeps what it measured', () => {
  it('SIGINT in step 2: results.json, report.html and summary.md keep step 1; step 2 failed "interrupted"; exit 130', { timeout: 150_000 }, async () => {
    const out = join(root, 'sigint');
    const r = await interruptRun([...RUN, '--out', out, '--label', 'cut'], /\[2\] idle node-ws[^\n]*\n(?:.*\n)*?\s+holding for/, 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    const runs = readdirSync(out);
    assert.equal(runs.length, 1, `one run folder: ${runs.join(', ')}`);
    const dir = join(out, runs[0]!);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('.')).sort(), ['report.html', 'results.json', 'summary.md']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
    // Read back through the reader every result file goes through: the kept result is a valid one.
    const result = readResult(join(dir, 'results.json'));
    assert.equal(result.steps.length, 2);
    const [first, second] = result.steps;
    assert.equal(first!.server, 'node-sse');
    assert.notEqual(first!.outcome.state, 'failed', first!.outcome.state === 'failed' ? first!.outcome.reason : '');
    assert.equal(second!.server, 'node-ws');
    assert.deepEqual(second!.outcome, { state: 'failed', reason: 'interrupted by SIGINT before the step finished' });
    // The last line on stderr names the folder that exists.
    const last = r.stderr.trim().split('\n').pop()!;
    assert.equal(last, `pushbench: run interrupted by SIGINT: ${join(dir, 'results.json')} (with report.html and summary.md) keeps the 1 finished step and the interrupted one, as failed`);
    assert.ok(r.before.length >= 2, `the run had children when interrupted: ${r.before.join(',')}`);
    assert.deepEqual(r.before.filter(alive), [], 'no process the run started survives');
  });

  it('SIGTERM in step 1: the interrupted step alone is kept, exit 143', { timeout: 150_000 }, async () => {
    const out = join(root, 'sigterm');
    const r = await interruptRun([...RUN, '--servers', 'node-sse', '--out', out], /\[1\] idle node-sse[^\n]*\n(?:.*\n)*?\s+holding for/, 'SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    const [run] = readdirSync(out);
    const result = readResult(join(out, run!, 'results.json'));
    assert.equal(result.steps.length, 1);
    assert.deepEqual(result.steps[0]!.outcome, { state: 'failed', reason: 'interrupted by SIGTERM before the step finished' });
    assert.ok(existsSync(join(out, run!, 'report.html')));
    assert.match(r.stderr, /keeps the 0 finished steps and the interrupted one, as failed\n$/);
    assert.deepEqual(r.before.filter(alive), []);
  });
});
