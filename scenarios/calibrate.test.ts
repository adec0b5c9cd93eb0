// The calibration's timing checks: a shifted latency and a client too slow for its events (which is
// also the push scenario's client-saturation verdict, tested here once). They read latency and CPU,
// so npm test runs this file alone (scripts/test.mjs SERIAL); the count and memory checks, which a
// busy neighbour does not move, are in calibrate-counts.test.ts.
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
  // The slow reader is the push scenario's own saturation verdict: an invalid step whose note names
  // the busiest client worker (by its CPU, or by its event loop's delay on a machine that gives the
  // worker less than a core).
  const step = slow.steps[0]!;
  assert.equal(step.outcome.state, 'invalid');
  if (step.outcome.state !== 'invalid') return;
  assert.ok(
    step.outcome.reasons.some((r) => r.startsWith('saturated: the client (busiest client worker')),
    step.outcome.reasons.join('; '),
  );
});
