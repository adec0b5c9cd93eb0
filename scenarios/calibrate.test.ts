import assert from 'node:assert/strict';
import { it } from 'node:test';
import { calibrate } from './calibrate.ts';

it('every injected fault is measured as injected, within the stated tolerances', async () => {
  const out = await calibrate(() => undefined);
  assert.deepEqual(
    out.checks.map((c) => c.name),
    ['latency shift', 'loss', 'duplicates', 'reordering', 'memory per connection', 'slow reader'],
  );
  for (const c of out.checks) assert.equal(c.pass, true, `${c.name}: expected ${c.expected}, measured ${c.measured} (${c.detail})`);
});
