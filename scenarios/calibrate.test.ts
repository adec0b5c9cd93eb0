// The calibration's timing checks: a shifted latency and a client too slow for its events. They
// read latency and CPU, so npm test runs this file alone (scripts/test.mjs SERIAL); the count and
// memory checks, which a busy neighbour does not move, are in calibrate-counts.test.ts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { calibrateLatency, calibrateSlowReader } from './calibrate.ts';

it('an injected delay and a slow reader are measured as injected, within the stated tolerances', async () => {
  const latency = await calibrateLatency(() => undefined);
  const slow = await calibrateSlowReader(() => undefined);
  const checks = [...latency.checks, ...slow.checks];
  assert.deepEqual(
    checks.map((c) => c.name),
    ['latency shift', 'slow reader'],
  );
  for (const c of checks) assert.equal(c.pass, true, `${c.name}: expected ${c.expected}, measured ${c.measured} (${c.detail})`);
});
