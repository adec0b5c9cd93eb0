import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rampLimit } from './ramp-limit.ts';
import { rampLimitText } from '../reports/params-text.ts';

it('names the side at >= 90 % of a core, the accept queue when connects took SYN retransmits, else unclear', () => {
  assert.equal(rampLimit(1000, 1000, 99, 99, 5000), 'neither', 'the offered rate was reached');
  assert.equal(rampLimit(500, 1000, 95, 40, 5000), 'server');
  assert.equal(rampLimit(500, 1000, 40, 95, 5000), 'client');
  assert.equal(rampLimit(500, 1000, 40, 50, 1000), 'accept-queue', 'p99 >= 1 s with neither saturated');
  assert.equal(rampLimit(500, 1000, 40, 50, 999), 'unclear');
  assert.equal(rampLimit(500, 1000, 40, 50, 5000, true), 'server', "a broker's answers paced the ramp");
  assert.equal(rampLimit(500, 1000, 40, 95, 5000, true), 'client', 'a saturated client still names the client');
  assert.equal(rampLimit(980, 1000, 40, 50, 5000, true), 'neither');
  assert.equal(rampLimitText('accept-queue'), "the server's accept queue overflowed (listen backlog; the contract asks for 4096)");
  assert.equal(rampLimitText('client'), 'limited by client');
});
