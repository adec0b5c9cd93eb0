// Untrusted input at the command line: a damaged or hostile results.json for `report` and
// `compare`, and `--out` paths that cannot be written. Each is one line naming the problem, exit 2,
// no stack trace. Each case spawns the real `pushbench` bin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const baselinePath = fileURLToPath(new URL('../bench/baseline.json', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pb-hostile-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function pushbench(args: string[], asNobody = false): { code: number | null; stdout: string; stderr: string } {
  // As root every folder is writable: an unwritable one is only unwritable to another user.
  const [cmd, argv] = asNobody && process.getuid?.() === 0 ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args]] : [process.execPath, [bin, ...args]];
  const r = spawnSync(cmd, argv as string[], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * As root every folder is writable, so the unwritable-folder cases run the CLI as user nobody; null
 * when nobody can read the checkout here, else why those cases skip (a clone in a folder private to
 * root, as `mktemp -d` makes).
 */
function nobodyCannotRun(): string | null {
  if (process.getuid?.() !== 0) return null;
  const probe = `require('node:fs').accessSync(${JSON.stringify(bin)}, require('node:fs').constants.R_OK)`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? null : `as root an unwritable folder needs another user, and user nobody cannot read ${bin} (a checkout private to root)`;
}
const NOBODY_CANNOT = nobodyCannotRun();

function oneLine(r: { code: number | null; stderr: string }, expected: string | RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  if (typeof expected === 'string') assert.equal(lines[0], expected);
  else assert.match(lines[0]!, expected);
}

const baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as { steps: Record<string, unknown>[]; groups: { metrics: Record<string, { median: unknown }> }[] };

function write(name: string, value: unknown): string {
  const path = join(root, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('result files from outside are checked before use', () => {
  it('report refuses markup in a step state with the field named, exit 2, writes nothing', () => {
    const hostile = structuredClone(baseline);
    (hostile.steps[0]!['outcome'] as Record<string, unknown>)['state'] = '"><img src=x onerror=alert(1)>';
    const dir = join(root, 'state');
    mkdirSync(dir);
    const path = join(dir, 'results.json');
    writeFileSync(path, JSON.stringify(hostile));
    oneLine(pushbench(['report', path]), `pushbench: ${path} is a damaged pushbench result: steps[0].outcome.state: expected "completed" or "invalid" or "failed", got the string "\\"><img src=x onerror=alert(1)>"; re-run it, or fix that field`);
    assert.deepEqual(readdirSync(dir), ['results.json']);
  });

  it('report refuses a step with no metrics and a figure of 1e400 (no TypeError, no "NaN to NaN")', () => {
    const noMetrics = structuredClone(baseline);
    delete (noMetrics.steps[0]!['outcome'] as Record<string, unknown>)['metrics'];
    const a = write('no-metrics.json', noMetrics);
    oneLine(pushbench(['report', a, '--out', join(root, 'out-a')]), `pushbench: ${a} is a damaged pushbench result: steps[0].outcome.metrics: missing (expected object); re-run it, or fix that field`);
    const marked = structuredClone(baseline);
    marked.steps[0]!['durationMs'] = 987654.321;
    const huge = JSON.stringify(marked).replace('987654.321', '1e400');
    const b = write('huge.json', huge);
    oneLine(pushbench(['report', b, '--out', join(root, 'out-b')]), `pushbench: ${b} is a damaged pushbench result: steps[0].durationMs: expected number, got Infinity; re-run it, or fix that field`);
  });

  it('compare with null medians in the current result exits 2, never "no regression"', () => {
    const nulls = structuredClone(baseline);
    for (const g of nulls.groups) for (const m of Object.values(g.metrics)) m.median = null;
    const current = write('null-medians.json', nulls);
    const r = pushbench(['compare', baselinePath, current]);
    oneLine(r, new RegExp(`^pushbench: ${current.replace(/[.]/g, '\\.')} is a damaged pushbench result: groups\\[0\\]\\.metrics\\.[A-Za-z0-9]+\\.median: expected number, got null; re-run it, or fix that field$`));
    assert.equal(r.stdout, '', 'no comparison printed');
    // And the same file as the baseline.
    oneLine(pushbench(['compare', current, baselinePath]), /groups\[0\]\.metrics\.[A-Za-z0-9]+\.median: expected number, got null/);
    // A valid pair still compares.
    const copy = join(root, 'copy.json');
    copyFileSync(baselinePath, copy);
    assert.equal(pushbench(['compare', baselinePath, copy]).code, 0);
  });
});

describe('--out problems are one line each', () => {
  const file = write('a-file', 'not a folder');
  const locked = join(root, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);

  it('run --out on a file or below one: not a directory, exit 2', () => {
    const run = ['run', '--scenario', 'idle', '--servers', 'node-sse', '--clients', '10', '--no-floor'];
    oneLine(pushbench([...run, '--out', file]), `pushbench: --out ${file} is not a directory (it is a file): name a folder, or a path that does not exist yet`);
    oneLine(pushbench([...run, '--out', join(file, 'sub')]), `pushbench: --out ${join(file, 'sub')} is not a directory (a part of the path is a file): name a folder, or a path that does not exist yet`);
  });

  it('report --out on a file: not a directory, exit 2', () => {
    oneLine(pushbench(['report', baselinePath, '--out', file]), `pushbench: --out ${file} is not a directory (it is a file): name a folder, or a path that does not exist yet`);
  });

  it('run and report --out on a folder that cannot be written: not writable, exit 2', { skip: NOBODY_CANNOT ?? false }, () => {
    const run = ['run', '--scenario', 'idle', '--servers', 'node-sse', '--clients', '10', '--no-floor'];
    oneLine(pushbench([...run, '--out', locked], true), `pushbench: --out ${locked} is not writable (EACCES): pick a folder you can write to, or fix its permissions`);
    oneLine(pushbench([...run, '--out', join(locked, 'new')], true), `pushbench: --out ${join(locked, 'new')} is not writable (EACCES): pick a folder you can write to, or fix its permissions`);
    oneLine(pushbench(['report', baselinePath, '--out', locked], true), `pushbench: --out ${locked} is not writable (EACCES): pick a folder you can write to, or fix its permissions`);
    assert.deepEqual(readdirSync(locked), []);
  });

  it('calibrate --out on a file: one line, exit 2, before any server starts', () => {
    oneLine(pushbench(['calibrate', '--out', file]), `pushbench: --out ${file} is not a directory (it is a file): name a folder, or a path that does not exist yet`);
    oneLine(pushbench(['calibrate', '--out', join(file, 'sub')]), `pushbench: --out ${join(file, 'sub')} is not a directory (a part of the path is a file): name a folder, or a path that does not exist yet`);
  });

  it('calibrate --out on an unwritable folder: one line, exit 2, before any server starts', { skip: NOBODY_CANNOT ?? false }, () => {
    oneLine(pushbench(['calibrate', '--out', locked], true), `pushbench: --out ${locked} is not writable (EACCES): pick a folder you can write to, or fix its permissions`);
    assert.deepEqual(readdirSync(locked), []);
  });
});
