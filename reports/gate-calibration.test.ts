// Judging a gate calibration on synthetic runs: false alarms over the clean pairs, detection per
// fault, server and figure, and the work= size of the cpu fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateFixture } from './fixtures/gate-fixture.ts';
import { gateText, judgeGate } from './gate-calibration.ts';
import { workUsFor, type GateManifest } from '../result/gate.ts';

describe('judgeGate', () => {
  const clean = [1, 2, 3, 4].map((seed) => ({ role: 'clean' as const, result: gateFixture({ seed, noise: 0.05 }) }));
  const memory = [11, 12].map((seed) => ({ role: 'memory' as const, result: gateFixture({ seed, noise: 0.05, shift: { 'node-sse': { serverBytesPerConnection: 2.4 }, 'node-ws': { serverBytesPerConnection: 2.8 } } }) }));
  // Only node-ws got slower per event: node-sse's figure must show as missed.
  const cpu = [21].map((seed) => ({ role: 'cpu' as const, result: gateFixture({ seed, noise: 0.05, shift: { 'node-ws': { serverCpuMsPer1kEvents: 1.45 } } }) }));
  const verdict = judgeGate([...clean, ...memory, ...cpu]);

  it('counts every clean pair, and a false alarm only where compare exited 1', () => {
    assert.equal(verdict.cleanPairs.length, 6);
    assert.equal(verdict.falseAlarms, 0);
    assert.equal(verdict.unusable, 0);
  });

  it('counts detections per fault, server and figure over every faulty × clean pair', () => {
    const line = (fault: string, server: string) => verdict.detections.find((d) => d.fault === fault && d.server === server)!;
    assert.equal(line('memory', 'node-sse').flagged, 8);
    assert.equal(line('memory', 'node-sse').comparisons, 8);
    assert.ok(Math.abs(line('memory', 'node-ws').medianChange! - 1.8) < 0.15, String(line('memory', 'node-ws').medianChange));
    assert.equal(line('cpu', 'node-ws').flagged, 4);
    assert.equal(line('cpu', 'node-sse').flagged, 0);
    assert.equal(verdict.detections.some((d) => d.fault === 'latency'), false); // no latency run: no line
  });

  it('prints the two rates first', () => {
    const manifest: GateManifest = { schema: 'pushbench/gate-calibration@1', command: 'test', startedAt: '', runs: [], workUs: { 'node-sse': 1.8, 'node-ws': 1.9 } };
    const text = gateText(manifest, verdict).split('\n');
    assert.equal(text[0], 'False alarms: 0 of 6 comparisons of clean runs of this commit.');
    assert.ok(text.some((l) => /^cpu +work=1\.9 µs \(\+30 %\) +node-ws +server CPU per 1k events \(push\) +4\/4 +\+\d+ %/.test(l)), text.join('\n'));
  });
});

describe('workUsFor', () => {
  it('is the fraction of the clean run median CPU per delivered event (ms per 1k = µs per event)', () => {
    const run = gateFixture({ noise: 0 });
    assert.deepEqual(workUsFor(run, ['node-sse', 'node-ws'], 0.3), { 'node-sse': 1.8, 'node-ws': 1.95 });
    assert.throws(() => workUsFor(run, ['nope'], 0.3), /no completed push step of nope/);
  });
});
