// `pushbench calibrate --gate --from <folder>` and `pushbench compare` on stored synthetic runs
// (reports/fixtures/gate-fixture.ts): the real bin, no server started.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { gateFixture } from '../../reports/fixtures/gate-fixture.ts';
import type { GateManifest } from '../../result/gate.ts';

const bin = fileURLToPath(new URL('../../bin/pushbench.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pb-gate-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function pushbench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function store(folder: string, runs: { role: GateManifest['runs'][number]['role']; result: unknown }[]): string {
  const dir = join(root, folder);
  mkdirSync(dir);
  const manifest: GateManifest = { schema: 'pushbench/gate-calibration@1', command: 'test', startedAt: '', runs: [], workUs: { 'node-sse': 1.8, 'node-ws': 1.95 } };
  runs.forEach((r, i) => {
    mkdirSync(join(dir, `run${i}`));
    writeFileSync(join(dir, `run${i}`, 'results.json'), JSON.stringify(r.result));
    manifest.runs.push({ role: r.role, fault: {}, result: `run${i}/results.json`, seconds: 100, loadAverage: [1, 1, 1] });
  });
  writeFileSync(join(dir, 'gate.json'), JSON.stringify(manifest));
  return dir;
}

describe('calibrate --gate --from', () => {
  it('judges stored runs: false alarms over the clean pairs, detection per fault, exit 0 when on target', () => {
    const mem = { 'node-sse': { serverBytesPerConnection: 2.4 }, 'node-ws': { serverBytesPerConnection: 2.8 } };
    const dir = store('good', [
      // Three clean runs and one faulty: every comparison is a bootstrap over each figure, so the
      // smallest calibration that has clean pairs keeps this test's CPU down.
      ...[1, 2, 3].map((seed) => ({ role: 'clean' as const, result: gateFixture({ seed, noise: 0.05 }) })),
      { role: 'memory' as const, result: gateFixture({ seed: 11, noise: 0.05, shift: mem }) },
    ]);
    const r = pushbench(['calibrate', '--gate', '--from', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'False alarms: 0 of 3 comparisons of clean runs of this commit.');
    assert.ok(lines.some((l) => /^memory +hold=16384 +node-ws +server RSS per connection \(idle\) +3\/3 +\+1\d\d %/.test(l)), r.stdout);
    assert.equal(lines.at(-2), dir);
    assert.match(readFileSync(join(dir, 'gate.md'), 'utf8'), /^False alarms: 0 of 3/);
  });

  it('exits 1 when a fault is missed', () => {
    const dir = store('missed', [
      ...[1, 2, 3].map((seed) => ({ role: 'clean' as const, result: gateFixture({ seed, noise: 0.05 }) })),
      { role: 'cpu' as const, result: gateFixture({ seed: 9, noise: 0.05 }) },
    ]);
    const r = pushbench(['calibrate', '--gate', '--from', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.split('\n').some((l) => /^cpu .* node-sse .* 0\/3 /.test(l)), r.stdout);
  });

  it('bad input is one line and exit 2', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    let r = pushbench(['calibrate', '--gate', '--from', empty]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), `pushbench: ${empty} has no gate.json: give the folder \`pushbench calibrate --gate\` printed`);
    r = pushbench(['calibrate', '--gate', '--clean', '1', '--out', root]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'pushbench: --clean must be a whole number from 2 to 50, got "1"');
    r = pushbench(['calibrate', '--gate', '--faults', 'memory,disk', '--out', root]);
    assert.equal(r.stderr.trim(), 'pushbench: unknown fault "disk"; faults: memory, latency, cpu (each optionally =size: memory=BYTES, latency=MS, cpu=FRACTION)');
  });
});

describe('compare on files', () => {
  it('an old single-repetition baseline is refused with one line, exit 2', () => {
    const dir = join(root, 'files');
    mkdirSync(dir);
    const old = join(dir, 'old.json');
    const cur = join(dir, 'cur.json');
    writeFileSync(old, JSON.stringify(gateFixture({ repetitions: 1 })));
    writeFileSync(cur, JSON.stringify(gateFixture({ seed: 3 })));
    const r = pushbench(['compare', old, cur]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^pushbench: cannot compare .*cur\.json with .*old\.json: no group in common has 3 valid repetitions in both runs \(6 too few\): the gate judges repetitions; make the baseline with the current quick suite/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
