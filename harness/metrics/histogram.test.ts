import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createHistogram, decodeHistogram, encodeHistogram, mergeInto, record, summarize, summarizeAs } from './histogram.ts';

/** Deterministic pseudo-random latencies in µs, a long tail included. */
function values(seed: number, n: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(50 + (x % 5000) + (i % 997 === 0 ? 250_000 : 0));
  }
  return out;
}

it('a histogram merged from four processes equals one recorded in a single process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-hist-'));
  const child = join(dir, 'child.mts');
  writeFileSync(
    child,
    `import { createHistogram, record, encodeHistogram } from ${JSON.stringify(new URL('./histogram.ts', import.meta.url).href)};
process.on('message', (vals) => { const h = createHistogram('us'); for (const v of vals) record(h, v); process.send(encodeHistogram(h), () => process.exit(0)); });`,
  );
  const parts = [1, 2, 3, 4].map((seed) => values(seed, 20_000));
  const encoded = await Promise.all(
    parts.map(
      (vals) =>
        new Promise<string>((resolve, reject) => {
          const p = fork(child, [], { execArgv: ['--import', 'tsx'] });
          p.once('message', (m) => resolve(m as string));
          p.once('error', reject);
          p.send(vals);
        }),
    ),
  );
  const merged = createHistogram('us');
  for (const e of encoded) mergeInto(merged, e);
  const single = createHistogram('us');
  for (const vals of parts) for (const v of vals) record(single, v);
  assert.equal(merged.totalCount, 80_000);
  const a = summarize(merged, 'us');
  const b = summarize(single, 'us');
  assert.deepEqual({ ...a, encoded: '' }, { ...b, encoded: '' });
  for (const p of [1, 25, 50, 90, 99, 99.9, 99.99]) assert.equal(merged.getValueAtPercentile(p), single.getValueAtPercentile(p));
});

it('round-trips through base64 and summarizes µs as ms when asked', () => {
  const h = createHistogram('us');
  for (const v of [500, 1500, 2500]) record(h, v);
  const back = decodeHistogram(encodeHistogram(h));
  assert.equal(back.totalCount, 3);
  const ms = summarizeAs(back, 'ms');
  assert.equal(ms.unit, 'ms');
  assert.equal(ms.max, back.getValueAtPercentile(100) / 1000);
  assert.equal(summarize(createHistogram('us'), 'us').count, 0);
});
