// The shared resume/reconnect state machine, driven by a fake dial under mock timers (exact delays),
// then the three real clients against a port where nothing listens.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { Protocol } from '../../servers/contract.ts';
import { activeTimers, until } from './fixtures/wait.ts';
import { openStreamFor } from './index.ts';
import { causeOf, ResumingStream, type Dial, type Dialed, type DialOwner } from './resuming-stream.ts';
import type { CloseCause, ReconnectPolicy, StreamHandlers, StreamTarget } from './types.ts';

const TARGET: StreamTarget = { protocol: 'sse', host: '127.0.0.1', port: 1, localAddress: null };
const POLICY: ReconnectPolicy = { enabled: true, defaultRetryMs: 1000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 2 };

class FakeDial implements Dialed {
  closed = false;
  bytes = 0;
  constructor(
    readonly lastEventId: number,
    readonly owner: DialOwner,
  ) {}
  close(): void {
    this.closed = true;
  }
  bytesRead(): number {
    return this.bytes;
  }
  bytesWritten(): number {
    return 0;
  }
}

interface Harness {
  stream: ResumingStream;
  dials: FakeDial[];
  calls: string[];
  /** The current dial (the last one made). */
  d(): FakeDial;
}

function harness(policy: ReconnectPolicy, initialLastEventId = 0, handlerOverrides: Partial<StreamHandlers> = {}): Harness {
  const dials: FakeDial[] = [];
  const calls: string[] = [];
  const dial: Dial = (_target, lastEventId, owner) => {
    const f = new FakeDial(lastEventId, owner);
    dials.push(f);
    return f;
  };
  const handlers: StreamHandlers = {
    onOpen: (reconnect) => calls.push(`open ${reconnect}`),
    onEvent: (ev) => calls.push(`event ${ev.seq}`),
    onClose: (cause, willRetry) => calls.push(`close ${cause} ${willRetry}`),
    onError: (cause, willRetry) => calls.push(`error ${cause} ${willRetry}`),
    ...handlerOverrides,
  };
  const stream = new ResumingStream(dial, TARGET, policy, handlers, initialLastEventId);
  return { stream, dials, calls, d: () => dials[dials.length - 1]! };
}

const ev = (seq: number) => ({ seq, t0: 1, t1: 2, recvNs: 3, binBytes: 0 });

function timers(t: TestContext): { tick(ms: number): void } {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  return { tick: (ms) => t.mock.timers.tick(ms) };
}

describe('ResumingStream', () => {
  it('carries the last event id into the next dial and waits exactly the server hint', (t) => {
    const clock = timers(t);
    const h = harness(POLICY, 7);
    assert.equal(h.d().lastEventId, 7);
    h.stream.opened(h.d());
    h.stream.retryHint(h.d(), 250);
    h.stream.event(h.d(), ev(8));
    h.stream.event(h.d(), ev(9));
    h.stream.ended(h.d(), 'server-closed');
    assert.equal(h.dials[0]!.closed, true, 'the ended dial is closed');
    clock.tick(249);
    assert.equal(h.dials.length, 1);
    clock.tick(1);
    assert.equal(h.dials.length, 2);
    assert.equal(h.d().lastEventId, 9);
    h.stream.opened(h.d());
    assert.deepEqual(h.calls, ['open false', 'event 8', 'event 9', 'close server-closed true', 'open true']);
    h.stream.close();
  });

  it('an id without an event moves the resume point; 0 means none', (t) => {
    const clock = timers(t);
    const h = harness({ ...POLICY, defaultRetryMs: 10 });
    h.stream.opened(h.d());
    h.stream.event(h.d(), ev(3));
    h.stream.lastId(h.d(), 5);
    assert.equal(h.stream.lastEventId, 5);
    h.stream.ended(h.d(), 'reset');
    clock.tick(10);
    assert.equal(h.d().lastEventId, 5);
    h.stream.opened(h.d());
    h.stream.lastId(h.d(), 0);
    h.stream.ended(h.d(), 'reset');
    clock.tick(10);
    assert.equal(h.d().lastEventId, 0);
    h.stream.close();
  });

  it('gives up after maxAttempts consecutive failures; a successful open resets the count', (t) => {
    const clock = timers(t);
    const h = harness({ ...POLICY, defaultRetryMs: 10, maxAttempts: 2 });
    h.stream.failed(h.d(), 'refused');
    clock.tick(10);
    h.stream.opened(h.d());
    h.stream.ended(h.d(), 'reset');
    clock.tick(10);
    h.stream.failed(h.d(), 'refused');
    clock.tick(10);
    h.stream.failed(h.d(), 'timeout');
    clock.tick(1000);
    assert.equal(h.dials.length, 4, 'no dial after giving up');
    assert.deepEqual(h.calls, ['error refused true', 'open false', 'close reset true', 'error refused true', 'error timeout false']);
    assert.equal(h.stream.open, false);
  });

  it('backs off per consecutive failure from the hint, capped', (t) => {
    const clock = timers(t);
    const h = harness({ ...POLICY, backoff: true, maxDelayMs: 300, maxAttempts: 10 });
    h.stream.retryHint(h.d(), 100);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = h.dials.length;
      h.stream.failed(h.d(), 'refused');
      let waited = 0;
      while (h.dials.length === before) {
        clock.tick(1);
        waited++;
      }
      waits.push(waited);
    }
    // The hint came on the first dial and stays the base for later ones.
    assert.deepEqual(waits, [100, 200, 300, 300]);
    h.stream.close();
  });

  it('ignores late reports from a dial it already left', (t) => {
    const clock = timers(t);
    const h = harness({ ...POLICY, defaultRetryMs: 10 });
    const first = h.d();
    h.stream.opened(first);
    h.stream.ended(first, 'reset');
    clock.tick(10);
    h.stream.event(first, ev(99));
    h.stream.lastId(first, 98);
    h.stream.ended(first, 'reset');
    h.stream.failed(first, 'reset');
    assert.equal(h.dials.length, 2);
    assert.equal(h.stream.lastEventId, 0);
    assert.deepEqual(h.calls, ['open false', 'close reset true']);
    h.stream.close();
  });

  it('bytesRead adds the sockets already left to the current one', () => {
    const h = harness({ ...POLICY, defaultRetryMs: 0 });
    h.d().bytes = 100;
    h.stream.opened(h.d());
    h.stream.ended(h.d(), 'reset');
    h.stream.attempt();
    h.d().bytes = 30;
    assert.equal(h.stream.bytesRead(), 130);
    h.stream.close();
    assert.equal(h.stream.bytesRead(), 130);
  });

  it('close() cancels a pending reconnect, also when called from the close handler', () => {
    // Real timers here: mocked ones do not show up as active resources.
    const before = activeTimers();
    const h = harness(POLICY);
    h.stream.opened(h.d());
    h.stream.ended(h.d(), 'reset');
    assert.equal(activeTimers(), before + 1, 'a reconnect is pending');
    h.stream.close();
    assert.equal(activeTimers(), before);

    let self: ResumingStream | null = null;
    const g = harness(POLICY, 0, { onClose: () => self?.close() });
    self = g.stream;
    g.stream.opened(g.d());
    g.stream.ended(g.d(), 'reset');
    assert.equal(activeTimers(), before);
    assert.equal(g.dials.length, 1);
  });

  it('a disabled policy never reconnects', () => {
    const h = harness({ ...POLICY, enabled: false });
    h.stream.opened(h.d());
    h.stream.ended(h.d(), 'server-closed');
    assert.deepEqual(h.calls, ['open false', 'close server-closed false']);
  });
});

describe('causeOf', () => {
  it('maps errno codes to close causes', () => {
    const of = (code: string | undefined): CloseCause => causeOf(Object.assign(new Error('x'), { code }));
    assert.deepEqual(
      ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'EHOSTUNREACH', undefined].map(of),
      ['refused', 'reset', 'reset', 'timeout', 'emfile', 'emfile', 'eaddrnotavail', 'other', 'other'],
    );
    assert.equal(causeOf(null), 'other');
  });
});

describe('every client against a closed port', () => {
  for (const protocol of ['sse', 'ws', 'tcp'] as Protocol[]) {
    it(`${protocol}: refused, retried, then given up after maxAttempts`, async () => {
      // A port that was just free: bind, read it, release.
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const errors: string[] = [];
      const conn = openStreamFor(protocol)({ protocol, host: '127.0.0.1', port, localAddress: null }, { ...POLICY, defaultRetryMs: 5, maxAttempts: 3 }, {
        onOpen: () => errors.push('open'),
        onEvent: () => undefined,
        onClose: () => errors.push('close'),
        onError: (cause, willRetry) => errors.push(`${cause} ${willRetry}`),
      }, 0);
      try {
        await until(() => errors.length === 3, 'three attempts');
        assert.deepEqual(errors, ['refused true', 'refused true', 'refused false']);
        assert.equal(conn.open, false);
      } finally {
        conn.close();
      }
    });
  }
});
