import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayRetry, nextDelayMs } from './reconnect.ts';
import type { ReconnectPolicy } from './types.ts';

const base: ReconnectPolicy = { enabled: true, defaultRetryMs: 1000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 5000, maxAttempts: 3 };

it('uses the server hint when told to, else the default', () => {
  assert.equal(nextDelayMs(base, 250, 1), 250);
  assert.equal(nextDelayMs(base, null, 1), 1000);
  assert.equal(nextDelayMs({ ...base, honourServerRetry: false }, 250, 1), 1000);
});

it('backs off exponentially up to the maximum', () => {
  const p = { ...base, backoff: true };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => nextDelayMs(p, 500, a)),
    [500, 1000, 2000, 4000, 5000],
  );
});

it('full jitter draws uniformly in [0, delay]', () => {
  const p = { ...base, jitter: true };
  assert.equal(nextDelayMs(p, 1000, 1, () => 0), 0);
  assert.equal(nextDelayMs(p, 1000, 1, () => 0.999999), 1000);
  assert.equal(nextDelayMs(p, 1000, 1, () => 0.5), 500);
});

it('stops after maxAttempts consecutive failures, or never retries when disabled', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((f) => mayRetry(base, f)),
    [true, true, true, false],
  );
  assert.equal(mayRetry({ ...base, enabled: false }, 0), false);
});
