import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../errors.ts';
import { describeNetConditions, parseNetConditions } from './conditions.ts';

const FORM = 'loss=<0..50>%, rate=<n>kbit|mbit|gbit, delay=<0..5000>ms, comma separated (e.g. loss=1%,rate=20mbit,delay=20ms)';

describe('parseNetConditions', () => {
  it('parses every part, in any order and case, with spaces', () => {
    assert.deepEqual(parseNetConditions('loss=1%,rate=20mbit,delay=20ms'), { lossPercent: 1, rateKbit: 20_000, delayMs: 20 });
    assert.deepEqual(parseNetConditions(' delay=0ms , LOSS=0.5% ,rate=500kbit'), { lossPercent: 0.5, rateKbit: 500, delayMs: 0 });
    assert.deepEqual(parseNetConditions('rate=1gbit'), { lossPercent: 0, rateKbit: 1_000_000, delayMs: 0 });
    assert.deepEqual(parseNetConditions('rate=1.5mbit'), { lossPercent: 0, rateKbit: 1500, delayMs: 0 });
    assert.deepEqual(parseNetConditions('loss=50%'), { lossPercent: 50, rateKbit: null, delayMs: 0 });
    assert.deepEqual(parseNetConditions('delay=5000ms'), { lossPercent: 0, rateKbit: null, delayMs: 5000 });
  });

  const cases: [string, string][] = [
    ['loss=51%', '--net part "loss=51%" is invalid: expected loss=<0..50>% (e.g. loss=1%)'],
    ['loss=1', '--net part "loss=1" is invalid: expected loss=<0..50>% (e.g. loss=1%)'],
    ['loss=-1%', '--net part "loss=-1%" is invalid: expected loss=<0..50>% (e.g. loss=1%)'],
    ['rate=20mb', '--net part "rate=20mb" is invalid: expected rate=<n>kbit|mbit|gbit between 8kbit and 100gbit (e.g. rate=20mbit)'],
    ['rate=0kbit', '--net part "rate=0kbit" is invalid: expected rate=<n>kbit|mbit|gbit between 8kbit and 100gbit (e.g. rate=20mbit)'],
    ['delay=20', '--net part "delay=20" is invalid: expected delay=<0..5000>ms (e.g. delay=20ms)'],
    ['delay=5001ms', '--net part "delay=5001ms" is invalid: expected delay=<0..5000>ms (e.g. delay=20ms)'],
    ['loss=1%,jitter=5ms', `--net part "jitter=5ms" is not understood: expected ${FORM}`],
    ['1%', `--net part "1%" is not understood: expected ${FORM}`],
    ['loss=1%,loss=2%', '--net part "loss=2%" repeats loss: give each of loss, rate, delay at most once'],
    ['loss=1%,', `--net "loss=1%," has an empty part: expected ${FORM}`],
    ['', `--net is empty: expected ${FORM}`],
  ];
  for (const [raw, message] of cases) {
    it(`rejects ${JSON.stringify(raw)} with one line`, () => {
      assert.throws(
        () => parseNetConditions(raw),
        (err: unknown) => {
          assert.ok(err instanceof UserError);
          assert.equal(err.message, message);
          assert.equal(err.exitCode, 2);
          return true;
        },
      );
    });
  }
});

describe('describeNetConditions', () => {
  it('names each impairment with its unit', () => {
    assert.equal(describeNetConditions({ lossPercent: 1, rateKbit: 20_000, delayMs: 20 }), 'loss 1 %, 20 Mbit/s, +20 ms');
    assert.equal(describeNetConditions({ lossPercent: 0.5, rateKbit: 500, delayMs: 0 }), 'loss 0.5 %, 500 kbit/s');
    assert.equal(describeNetConditions({ lossPercent: 0, rateKbit: 1_000_000, delayMs: 0 }), '1 Gbit/s');
    assert.equal(describeNetConditions({ lossPercent: 0, rateKbit: 1500, delayMs: 150 }), '1.5 Mbit/s, +150 ms');
    assert.equal(describeNetConditions({ lossPercent: 0, rateKbit: null, delayMs: 0 }), 'no impairment');
  });
});
