import assert from 'node:assert/strict';
import { it } from 'node:test';
import { getServer } from '../harness/servers/registry.ts';
import { testContext } from './fixtures/context.ts';
import { sideloadSchema } from './schema.ts';
import { runSideload } from './sideload.ts';

it('measures a no-stream baseline and the same endpoint next to held streams', async () => {
  const scenario = sideloadSchema.parse({ kind: 'sideload', servers: ['node-sse'], clients: [100], durationMs: 1000, connections: 4 });
  const out = await runSideload(scenario, testContext([getServer('node-sse')]));
  assert.deepEqual(
    out.steps.map((s) => s.kind === 'sideload' && s.params.clients),
    [0, 100],
  );
  const [base, loaded] = out.steps;
  for (const s of out.steps) assert.equal(s.outcome.state, 'completed', JSON.stringify(s.outcome).slice(0, 300));
  if (base?.kind !== 'sideload' || loaded?.kind !== 'sideload' || base.outcome.state !== 'completed' || loaded.outcome.state !== 'completed') return;
  assert.ok(base.outcome.metrics.requests > 0);
  assert.equal(base.outcome.metrics.ratioToBaseline, 1);
  assert.equal(loaded.outcome.metrics.streamsHeld, 100);
  assert.equal(loaded.outcome.metrics.baselineRequestsPerSecond, base.outcome.metrics.requestsPerSecond);
  assert.equal(loaded.outcome.metrics.ratioToBaseline, loaded.outcome.metrics.requestsPerSecond / base.outcome.metrics.requestsPerSecond);
});
