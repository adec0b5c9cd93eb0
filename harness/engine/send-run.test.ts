// The upstream send schedule on its own: every client's messages at their due times, spread over
// the period across all clients of all workers, in order, exactly once; nothing after the deadline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newTally, type MessageSender } from '../clients/message-sender.ts';
import { nowNs } from '../clients/resuming-stream.ts';
import { SendRun, type SendPlan } from './send-run.ts';

class Recorder implements MessageSender {
  readonly backlog = 0;
  closed = false;
  constructor(
    readonly client: number,
    readonly log: [number, number, number][],
  ) {}
  send(seq: number, t0: number): void {
    this.log.push([this.client, seq, t0]);
  }
  close(): void {
    this.closed = true;
  }
}

const plan = (o: Partial<SendPlan>): SendPlan => ({ to: 'room', transport: 'socket', rate: 10, count: 4, warmup: 1, bytes: 64, startNs: '0', deadlineNs: String(2 ** 52), clients: 6, ...o });

describe('send run', () => {
  it('issues every message due, in schedule order, with t0 its due time, spread over the period', async () => {
    const start = nowNs() - 2e9; // every message is already due: one tick sends them all
    const log: [number, number, number][] = [];
    // This worker holds clients 2..4 of 6.
    const senders = [0, 1, 2].map((i) => new Recorder(2 + i, log));
    const run = new SendRun(plan({ startNs: String(start), clients: 6 }), senders, 2, newTally(), nowNs);
    run.start();
    const report = run.stop();
    assert.equal(log.length, 12);
    assert.deepEqual(
      log.map(([c, seq]) => `${c}:${seq}`),
      ['2:1', '3:1', '4:1', '2:2', '3:2', '4:2', '2:3', '3:3', '4:3', '2:4', '3:4', '4:4'],
    );
    for (const [client, seq, t0] of log) {
      // Message k of client g: start + (k − 1)/rate + g/(N · rate); rate 10/s, N 6.
      assert.equal(Math.round(t0 - start), Math.round((seq - 1) * 1e8 + (client * 1e8) / 6), `t0 of ${client}:${seq}`);
    }
    assert.deepEqual([report.scheduled, report.issued], [12, 12]);
    assert.ok(report.lateMaxMs >= 1000, 'handed over late: that lateness is reported');
    assert.equal(report.measuredMessages, 9, 'the messages after the warm-up (1 per client) up to the last');
    assert.ok(senders.every((s) => s.closed), 'stop closes every sender');
  });

  it('waits for messages not yet due, then sends them on time', async () => {
    const log: [number, number, number][] = [];
    const start = nowNs() + 50e6;
    const run = new SendRun(plan({ startNs: String(start), rate: 20, count: 3, clients: 2 }), [new Recorder(0, log), new Recorder(1, log)], 0, newTally(), nowNs);
    run.start();
    assert.equal(log.length, 0, 'nothing before its time');
    const end = Date.now() + 2000;
    while (!run.done && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    const report = run.stop();
    assert.equal(report.issued, 6);
    assert.ok(report.lateMaxMs < 1000, `late by ${report.lateMaxMs} ms at most`);
  });

  it('sends nothing after the deadline: what is left is counted as not issued', () => {
    const log: [number, number, number][] = [];
    const now = nowNs();
    const run = new SendRun(plan({ startNs: String(now - 10e9), deadlineNs: String(now - 1e9) }), [new Recorder(0, log)], 0, newTally(), nowNs);
    run.start();
    const report = run.stop();
    assert.deepEqual([log.length, report.issued, report.scheduled], [0, 0, 4]);
  });
});
