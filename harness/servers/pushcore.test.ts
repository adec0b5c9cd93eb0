// pushcore.py against its Node twins: the same inputs must give the same validation, ids, payload
// bytes and schedule times, so a Python and a Node server differ only in what is measured.
// One python3 run (parity_driver.py) answers every case; the wire itself is conformance.test.ts's job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isBroadcastRequest, parseLastEventId, parseMessage } from '../../servers/contract.ts';
import { envelopeJson, eventDataJson, messageDataJson } from '../../servers/node/payload.ts';
import { sseFramer, wsBinaryEventFrame } from '../../servers/node/framers.ts';
import { FixedRateSchedule } from '../../servers/node/schedule.ts';
import { REPO_ROOT } from './registry.ts';
import { requirementsReason } from './spec.ts';
import { PYTHON, PYTHON_REQUIREMENT } from './python.ts';


const cases = {
  broadcast: [
    { rate: 10, count: 5, bytes: 100, event: 'tick' },
    { rate: 0.5, count: 0, bytes: 0, event: 'a.b-c_9' },
    { rate: 10, count: 5.0, bytes: 100.0, event: 'tick' },
    { rate: 0, count: 5, bytes: 100, event: 'tick' },
    { rate: -1, count: 5, bytes: 100, event: 'tick' },
    { rate: 10, count: 1.5, bytes: 100, event: 'tick' },
    { rate: 10, count: -1, bytes: 100, event: 'tick' },
    { rate: 10, count: 5, bytes: -3, event: 'tick' },
    { rate: 10, count: 5, bytes: 100, event: '' },
    { rate: 10, count: 5, bytes: 100, event: 'has space' },
    { rate: 10, count: 5, bytes: 100, event: 'x'.repeat(65) },
    { rate: '10', count: 5, bytes: 100, event: 'tick' },
    { rate: true, count: 5, bytes: 100, event: 'tick' },
    { rate: 10, count: true, bytes: 100, event: 'tick' },
    { rate: 10, count: 5, bytes: 100 },
    [1, 2],
    null,
    'broadcast',
  ],
  lastEventId: ['0', '42', ' 7 ', '', 'abc', '-1', '1.5', '123456789012345', '1234567890123456', null],
  data: [
    [1, '1000', '1001', 0],
    [2, '123456789012345', '123456789012399', 64],
    [99, '5', '6', 128],
    [7, '10', '11', 4096],
  ],
  frame: [
    [1, 'tick', '{"seq":1}'],
    [12345, 'a.b-c_9', '{"seq":12345,"pad":"xx"}'],
  ],
  message: [
    '{"to":"room","seq":1,"t0":"123","pad":"x"}',
    '{"to":"sender","seq":0,"t0":"99999999999999999999","pad":"é\\"q"}',
    '{"to":"all","seq":1,"t0":"1","pad":""}',
    '{"to":"room","seq":1.5,"t0":"1","pad":""}',
    '{"to":"room","seq":-1,"t0":"1","pad":""}',
    '{"to":"room","seq":true,"t0":"1","pad":""}',
    '{"to":"room","seq":1,"t0":"1e3","pad":""}',
    '{"to":"room","seq":1,"t0":"123456789012345678901","pad":""}',
    '{"to":"room","seq":1,"t0":"1","pad":5}',
    '{"to":"room","seq":1,"t0":"1"}',
    '[1]',
    'not json',
  ],
  messageData: [
    [1, '100', '101', 'xx'],
    [42, '123456789012345', '123456789012399', 'quote " backslash \\ done'],
  ],
  binary: [
    [1, 'tick', '1000', '1001', ''],
    [70000, 'a.b-c_9', '123456789012345', '123456789012399', 'ff00aa55'.repeat(20)],
  ],
  dueAt: [
    [3, 1],
    [3, 2],
    [7, 1000],
    [100_000, 99_999],
    [0.5, 3],
    [2e9 / 5, 1],
  ],
};

interface Answer {
  status: number;
  payload: Record<string, unknown>;
  schedule: boolean;
}

interface DriverOutput {
  broadcast: boolean[];
  lastEventId: (number | null)[];
  data: string[];
  sseFrame: string[];
  wsText: string[];
  dueAt: number[];
  replay: Record<string, number[]>;
  wsSubscribe: string[];
  sseSubscribe: string[];
  health: Record<string, unknown>;
  message: ([string, number, string, string] | null)[];
  messageData: string[];
  binarySse: string[];
  binaryWs: string[];
  relay: { posts: [number, Record<string, unknown>][]; a: string[]; b: string[]; other: string[]; messagesIn: number };
  drop: Record<string, { status: number; payload: Record<string, unknown>; closed: number[]; left: number }>;
  control: Record<string, Answer | null>;
  replayAfterReset: number[];
  envErrors: Record<string, string | null>;
}

// The Python servers' own probe for the interpreter (PUSHBENCH_WITHOUT=python hides it too).
const unavailable = requirementsReason([PYTHON_REQUIREMENT]);

describe('pushcore.py matches the Node servers', { skip: unavailable ?? false }, () => {
  let out: DriverOutput;
  before(() => {
    const text = execFileSync(PYTHON, [join(REPO_ROOT, 'servers', 'python', 'parity_driver.py')], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
      timeout: 10_000,
    });
    out = JSON.parse(text) as DriverOutput;
  });

  it('validates broadcast bodies as isBroadcastRequest does', () => {
    assert.deepEqual(
      out.broadcast,
      cases.broadcast.map((b) => isBroadcastRequest(b)),
    );
    // The cases must exercise both answers, or the comparison proves little.
    assert.deepEqual(out.broadcast.slice(0, 4), [true, true, true, false]);
  });

  it('parses lastEventId as parseLastEventId does', () => {
    assert.deepEqual(
      out.lastEventId,
      cases.lastEventId.map((raw) => parseLastEventId(raw)),
    );
  });

  it('builds byte-identical event data, SSE blocks and WS texts', () => {
    assert.deepEqual(
      out.data,
      cases.data.map(([seq, t0, t1, size]) => eventDataJson(seq as number, BigInt(t0 as string), BigInt(t1 as string), size as number)),
    );
    assert.equal(out.data[2]!.length, 128);
    assert.deepEqual(
      out.sseFrame,
      cases.frame.map(([seq, ev, data]) => sseFramer.frame(seq as number, ev as string, data as string).toString()),
    );
    assert.deepEqual(
      out.wsText,
      cases.frame.map(([seq, ev, data]) => envelopeJson(seq as number, ev as string, data as string)),
    );
  });

  it('schedules event k at exactly the same offset from the start', () => {
    const node = cases.dueAt.map(([rate, k]) => Number(new FixedRateSchedule(rate!, k! + 1, () => undefined, () => 0n).dueAt(k!)));
    assert.deepEqual(out.dueAt, node);
    assert.deepEqual(out.dueAt.slice(0, 2), [333_333_333, 666_666_667]);
  });

  it('replays only what a wrapped ring still holds, after any id', () => {
    // Ring of 5, seqs 41..48 emitted: 44..48 remain.
    assert.deepEqual(out.replay, {
      '0': [44, 45, 46, 47, 48],
      '40': [44, 45, 46, 47, 48],
      '43': [44, 45, 46, 47, 48],
      '46': [47, 48],
      '48': [],
      '99': [],
    });
  });

  it('starts a stream with the hello, then the replay (SSE as one write, WS one message each)', () => {
    assert.equal(out.wsSubscribe.length, 4);
    assert.deepEqual(JSON.parse(out.wsSubscribe[0]!), { hello: true, retry: 777 });
    assert.deepEqual(
      out.wsSubscribe.slice(1).map((t) => (JSON.parse(t) as { id: number }).id),
      [46, 47, 48],
    );
    assert.equal(out.sseSubscribe.length, 1);
    const ids = [...out.sseSubscribe[0]!.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(out.sseSubscribe[0]!.startsWith('retry: 777\n: pushbench\n\n'));
    assert.deepEqual(ids, [47, 48]);
    assert.deepEqual(out.health, { ok: true, protocol: 'sse', connections: 1, sent: 8, lastSeq: 48, additions: { messages: 1, binary: 1 }, messagesIn: 0 });
  });

  it('drops every k-th client for a fraction, all of them otherwise', () => {
    assert.deepEqual(out.drop['0.3'], { status: 200, payload: { ok: true, dropped: 3 }, closed: [0, 3, 6], left: 7 });
    assert.deepEqual(out.drop['0.01'], { status: 200, payload: { ok: true, dropped: 1 }, closed: [0], left: 9 });
    const all = { status: 200, payload: { ok: true, dropped: 10 }, closed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], left: 0 };
    assert.deepEqual(out.drop.none, all);
    assert.deepEqual(out.drop.bad, all);
  });

  it('answers the control endpoints as the contract says', () => {
    const c = out.control;
    assert.equal(c.notJson?.status, 400);
    assert.equal(c.notJson?.payload.ok, false);
    assert.equal(c.invalid?.status, 400);
    assert.deepEqual(c.valid, { status: 202, payload: { ok: true }, schedule: true });
    assert.equal(c.getBroadcast, null);
    assert.equal(c.unknown, null);
    const additions = { additions: { messages: 1, binary: 1 }, messagesIn: 0 };
    assert.deepEqual(c.healthBeforeReset, { status: 200, payload: { ok: true, protocol: 'sse', connections: 0, sent: 3, lastSeq: 3, ...additions }, schedule: false });
    assert.deepEqual(c.reset, { status: 200, payload: { ok: true }, schedule: false });
    assert.deepEqual(c.healthAfterReset, { status: 200, payload: { ok: true, protocol: 'sse', connections: 0, sent: 0, lastSeq: 0, ...additions }, schedule: false });
    assert.deepEqual(out.replayAfterReset, []);
  });

  it('the messages addition: parses a message as parseMessage does, builds the same relayed data', () => {
    assert.deepEqual(
      out.message,
      cases.message.map((t) => {
        const m = parseMessage(t);
        return m === null ? null : [m.to, m.seq, m.t0, m.pad];
      }),
    );
    assert.deepEqual(out.message.slice(0, 3), [['room', 1, '123', 'x'], ['sender', 0, '99999999999999999999', 'é"q'], null]);
    // Python's json.dumps escapes non-ASCII where JSON.stringify does not: the same JSON value either way.
    assert.deepEqual(
      out.messageData.map((d) => JSON.parse(d) as unknown),
      cases.messageData.map(([seq, t0, t1, pad]) => JSON.parse(messageDataJson(seq as number, t0 as string, BigInt(t1 as string), pad as string)) as unknown),
    );
    assert.equal(out.messageData[0], messageDataJson(1, '100', 101n, 'xx'));
  });

  it('the messages addition: a room gets each message once, from seq 1; an echo its sender only; refusals as the Node servers answer', () => {
    const r = out.relay;
    assert.deepEqual(
      r.posts.map(([status]) => status),
      [200, 200, 404, 400],
    );
    assert.equal(r.a[0], ': pushbench\n\n', 'PUSHBENCH_RETRY_FIELD=0: no retry line');
    assert.deepEqual(r.a.slice(1).map((t) => t.split('\n').slice(0, 2)), [['event: msg', 'data: {"seq":1,"t0":"100","t1":' + JSON.stringify(JSON.parse(r.a[1]!.split('data: ')[1]!).t1) + ',"pad":"p"}']]);
    assert.equal(r.b.length, 3, 'the room message and its own echo');
    assert.match(r.b[2]!, /^event: echo\ndata: \{"seq":9,"t0":"200","t1":"\d+","pad":""\}\n\n$/);
    assert.deepEqual(r.other, [': pushbench\n\n'], 'another room hears nothing');
    assert.equal(r.messagesIn, 2);
  });

  it('the binary addition: the same SSE block and the same WS message bytes as the Node framers', () => {
    assert.deepEqual(
      out.binarySse,
      cases.binary.map(([seq, ev, t0, t1, raw]) => sseFramer.frameBinary(seq as number, ev as string, BigInt(t0 as string), BigInt(t1 as string), Buffer.from(raw as string, 'hex')).toString()),
    );
    assert.deepEqual(
      out.binaryWs,
      cases.binary.map(([seq, ev, t0, t1, raw]) => {
        const frame = wsBinaryEventFrame(seq as number, ev as string, BigInt(t0 as string), BigInt(t1 as string), Buffer.from(raw as string, 'hex'));
        // The framework frames the Python message: compare the payload after the frame header.
        const header = frame[1]! < 126 ? 2 : 4;
        return frame.subarray(header).toString('hex');
      }),
    );
  });

  it('refuses a bad knob with a one-line reason', () => {
    assert.deepEqual(out.envErrors, {
      'PUSHBENCH_RING=abc': 'PUSHBENCH_RING=abc is not an integer >= 1',
      'PUSHBENCH_RING=0': 'PUSHBENCH_RING=0 is not an integer >= 1',
      'PUSHBENCH_HEARTBEAT_MS=1.5': 'PUSHBENCH_HEARTBEAT_MS=1.5 is not an integer >= 1',
    });
  });
});
