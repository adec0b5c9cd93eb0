// The calibration's count and memory checks: exact loss, duplicates and reordering, and memory per
// connection within 10 %. Neither reads time or CPU, so they run beside other files in npm test.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { calibrateCounts, calibrateMemory } from './calibrate.ts';

it('injected loss, duplicates, reordering and memory are measured as injected', async () => {
  const counts = await calibrateCounts(() => undefined);
  const memory = await calibrateMemory(() => undefined);
  const checks = [...counts.checks, ...memory.checks];
  assert.deepEqual(
    checks.map((c) => c.name),
    ['loss', 'duplicates', 'reordering', 'memory per connection'],
  );
  for (const c of checks) assert.equal(c.pass, true, `${c.name}: expected ${c.expected}, measured ${c.measured} (${c.detail})`);
  // Every check ran its steps to the end: exact counts come from completed windows.
  assert.ok(counts.steps.length === 3 && counts.steps.every((s) => s.outcome.state !== 'failed'), counts.steps.map((s) => s.outcome.state).join(', '));
});
