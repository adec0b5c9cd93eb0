import assert from 'node:assert/strict';
import { it } from 'node:test';
import { boundedReason, reasonHeadline, reasonParts, withOutputTail } from './reason.ts';

it('a reason keeps the last lines a process printed, without terminal control characters', () => {
  const output = ['', ...Array.from({ length: 20 }, (_, i) => `line ${i + 1}`), '\x1b[31mred\x1b[0m\r', ''].join('\n');
  const reason = withOutputTail('server exited (signal SIGKILL) during the window', output, 3);
  assert.equal(reason, 'server exited (signal SIGKILL) during the window; its last output:\nline 19\nline 20\n[31mred[0m');
  assert.equal(withOutputTail('server x exited with code 1 before it became ready', ' \n\n'), 'server x exited with code 1 before it became ready (it printed nothing)');
});

it('an error message as a reason: every line up to the bound, then the first and the last ones', () => {
  assert.equal(boundedReason('boom; its last output:\na\nb\n'), 'boom; its last output:\na\nb');
  const long = ['first', ...Array.from({ length: 100 }, (_, i) => `l${i}`)].join('\n');
  const lines = boundedReason(long).split('\n');
  assert.equal(lines.length, 40);
  assert.deepEqual(lines.slice(0, 3), ['first', '… (62 lines left out)', 'l62']);
  assert.equal(lines.at(-1), 'l99');
  assert.equal(boundedReason('x'.repeat(600)), `${'x'.repeat(500)}…`);
});

it('sentences quote the headline; the parts split at the output mark', () => {
  const r = 'server exited (code 7) during the step; its last output:\nout of memory\nbye';
  assert.deepEqual(reasonParts(r), { headline: 'server exited (code 7) during the step', tail: ['out of memory', 'bye'] });
  assert.equal(reasonHeadline(r), 'server exited (code 7) during the step');
  assert.equal(reasonHeadline('interrupted by SIGINT before the step finished'), 'interrupted by SIGINT before the step finished');
});
