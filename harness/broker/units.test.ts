// The broker targets' pure parts: the harness's publish schedule, the publish bodies, the
// subscriber counts read from nchan's status and /proc/net/tcp, which scenarios a broker skips.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getServer } from '../servers/registry.ts';
import { brokerSkipReason } from './scenarios.ts';
import { countEstablished, procAddress } from './established.ts';
import { parseNchanSubscribers } from './nchan.ts';
import { fillTemplate, type OutgoingEvent, type Publisher } from './publisher.ts';
import { PublishRun } from './publish-run.ts';
import { pushpinItems } from './pushpin.ts';
import { brokerTarget, publishCheck } from './step-target.ts';
import { countFromStatus } from './custom.ts';

const ev: OutgoingEvent = { seq: 7, data: '{"seq":7,"t0":"1","t1":"2","pad":""}' };

describe('PublishRun', () => {
  it('publishes every seq once, in order, each with its intended t0 spaced 1/rate apart', async () => {
    const sent: OutgoingEvent[][] = [];
    const publisher: Publisher = { maxBatch: 1, send: async (e) => void sent.push(e) };
    const report = await new PublishRun(publisher, { rate: 500, count: 20, bytes: 120, firstSeq: 41 }).start().done;
    assert.deepEqual(report, { ...report, published: 20, failed: 0, firstError: null });
    assert.deepEqual(sent.map((b) => b.map((e) => e.seq)), Array.from({ length: 20 }, (_, i) => [41 + i]));
    const t0s = sent.map((b) => BigInt((JSON.parse(b[0]!.data) as { t0: string }).t0));
    for (let i = 1; i < t0s.length; i++) assert.equal(t0s[i]! - t0s[0]!, BigInt(Math.round((i * 1e9) / 500)));
    for (const b of sent) {
      const d = JSON.parse(b[0]!.data) as { t0: string; t1: string };
      assert.ok(BigInt(d.t1) >= BigInt(d.t0), 't1 (publish start) is not before t0');
      assert.ok(Math.abs(b[0]!.data.length - 120) <= 2, `padded to about 120 bytes: ${b[0]!.data.length}`);
    }
  });

  it('batches what fell due while a publish was in flight, keeping seq order', async () => {
    const sent: number[][] = [];
    const publisher: Publisher = { maxBatch: 50, send: async (e) => (sent.push(e.map((x) => x.seq)), new Promise((r) => setTimeout(r, 30))) };
    const report = await new PublishRun(publisher, { rate: 1000, count: 60, bytes: 0, firstSeq: 1 }).start().done;
    assert.equal(report.published, 60);
    assert.deepEqual(sent.flat(), Array.from({ length: 60 }, (_, i) => i + 1));
    assert.ok(sent.some((b) => b.length > 1), 'some request carried several events');
    assert.ok(report.maxStartLagNs >= 20e6, 'the lag behind t0 is reported');
  });

  it('counts failed publishes with the first error, and a check names them', async () => {
    let n = 0;
    const publisher: Publisher = { maxBatch: 1, send: async () => void (n++ % 2 === 1 ? (() => { throw new Error('503 busy'); })() : undefined) };
    const report = await new PublishRun(publisher, { rate: 1000, count: 10, bytes: 0, firstSeq: 1 }).start().done;
    assert.equal(report.published, 5);
    assert.equal(report.failed, 5);
    assert.equal(report.firstError, '503 busy');
    const check = publishCheck(report, 10);
    assert.equal(check.ok, false);
    assert.match(check.detail, /^5 of 10 publishes failed \(first: 503 busy\)/);
    assert.equal(publishCheck(null, 10).ok, false);
  });
});

describe('broker step target', () => {
  it('a new broadcast stops the one still running and continues the seqs after what it assigned', async () => {
    const sent: number[] = [];
    const target = brokerTarget({
      server: { spec: getServer('nchan-sse'), pid: 1, host: '127.0.0.1', port: 1, baseUrl: '', exited: new Promise(() => undefined), tail: () => '', exitedOnItsOwn: () => null, stop: async () => undefined, kill: async () => undefined },
      subscribePath: '/events',
      publisher: { maxBatch: 1, send: async (e) => void sent.push(...e.map((x) => x.seq)) },
      connections: async () => 0,
      countedBy: 'test',
      stop: async () => undefined,
    });
    await target.broadcast({ rate: 10, count: 100, bytes: 0, event: 'tick' });
    await new Promise((r) => setTimeout(r, 150));
    await target.broadcast({ rate: 1000, count: 5, bytes: 0, event: 'tick' });
    assert.equal(await target.lastSeq(), 105);
    const [check] = await target.windowChecks();
    assert.equal(check?.ok, true);
    const early = sent.filter((q) => q <= 100);
    assert.ok(early.length >= 1 && early.length < 100, `the first broadcast was cut short after ${early.length} events`);
    assert.deepEqual(sent.filter((q) => q > 100), [101, 102, 103, 104, 105]);
    await target.stop();
  });
});

describe('publish bodies', () => {
  it('fills every placeholder of a user template', () => {
    assert.equal(fillTemplate('{{seq}}|{{data}}', ev), `7|${ev.data}`);
    assert.equal(fillTemplate('{{envelope}}', ev), `{"id":7,"event":"tick","data":${ev.data}}`);
    assert.equal(fillTemplate('{{sse_event}}', ev), `id: 7\nevent: tick\ndata: ${ev.data}\n\n`);
    const body = JSON.parse(fillTemplate('{"a":{{data_string}},"b":{{envelope_string}},"c":{{sse_event_string}}}', ev)) as Record<string, string>;
    assert.equal(body.a, ev.data);
    assert.equal(body.b, `{"id":7,"event":"tick","data":${ev.data}}`);
    assert.equal(body.c, `id: 7\nevent: tick\ndata: ${ev.data}\n\n`);
  });

  it("Pushpin items carry a whole SSE event for http-stream and the WS envelope for ws-message", () => {
    const sse = JSON.parse(pushpinItems('sse', [ev, { ...ev, seq: 8 }])) as { items: { channel: string; formats: Record<string, { content: string }> }[] };
    assert.equal(sse.items.length, 2);
    assert.equal(sse.items[0]!.formats['http-stream']!.content, `id: 7\nevent: tick\ndata: ${ev.data}\n\n`);
    const ws = JSON.parse(pushpinItems('ws', [ev])) as typeof sse;
    assert.equal(ws.items[0]!.formats['ws-message']!.content, `{"id":7,"event":"tick","data":${ev.data}}`);
  });
});

describe('subscriber counts', () => {
  it("reads nchan_stub_status's subscribers line", () => {
    assert.equal(parseNchanSubscribers('total published messages: 3\nstored messages: 3\nchannels: 1\nsubscribers: 12\nredis pending commands: 0\n'), 12);
    assert.throws(() => parseNchanSubscribers('<html>'), /no "subscribers:" line/);
  });

  it("counts the broker's end of established connections only", () => {
    // Port 8080 = 0x1F90. Line 2: the client's end of line 1 (local ephemeral port); line 3: LISTEN;
    // line 4: closing; line 5: someone else's client on 127.0.0.5 whose own port is 8080; line 6: line 1 again.
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 0100007F:C1A2 01 00000000:00000000 00:00000000 00000000  1000        0 1',
      '   1: 0100007F:C1A2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 2',
      '   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3',
      '   3: 0100007F:1F90 0100007F:C1A3 06 00000000:00000000 00:00000000 00000000  1000        0 4',
      '   4: 0500007F:1F90 0100007F:2328 01 00000000:00000000 00:00000000 00000000  1000        0 5',
      // Listed twice while the file was read under churn: still one connection.
      '   5: 0100007F:1F90 0100007F:C1A2 01 00000000:00000000 00:00000000 00000000  1000        0 1',
    ].join('\n');
    assert.equal(procAddress('127.0.0.5', 8080), '0500007F:1F90');
    assert.equal(countEstablished(text, '127.0.0.1', 8080), 1);
    assert.equal(countEstablished(text, '127.0.0.5', 8080), 1);
    assert.equal(countEstablished(text, '127.0.0.1', 80), 0);
  });

  it("reads a user broker's count with its pattern", () => {
    assert.equal(countFromStatus('{"subscribers": 42}', '"subscribers":\\s*(\\d+)'), 42);
    assert.throws(() => countFromStatus('nothing', 'subs (\\d+)'), /does not match/);
  });
});

describe('scenarios a broker runs', () => {
  it('idle and push; every other kind skipped with the reason; contract servers never', () => {
    const nchan = getServer('nchan-sse');
    assert.equal(brokerSkipReason(nchan, 'idle'), null);
    assert.equal(brokerSkipReason(nchan, 'push'), null);
    assert.match(brokerSkipReason(nchan, 'reconnect') ?? '', /^in the reconnect scenario: not built for broker targets/);
    assert.match(brokerSkipReason(nchan, 'browser') ?? '', /^in the browser scenario: /);
    assert.equal(brokerSkipReason(getServer('node-sse'), 'reconnect'), null);
  });

  it('the four built-ins are two SSE/WS pairs', () => {
    assert.deepEqual(
      ['nchan-sse', 'nchan-ws', 'pushpin-sse', 'pushpin-ws'].map((n) => [getServer(n).protocol, getServer(n).pair, getServer(n).language]),
      [['sse', 'nchan', 'broker'], ['ws', 'nchan', 'broker'], ['sse', 'pushpin', 'broker'], ['ws', 'pushpin', 'broker']],
    );
  });
});
