// The contract checked at the edge: each control answer against the schema, one line naming the
// server, the endpoint and the field; readiness refuses a server that breaks it and ends it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkAnswer } from '../servers/contract-check.ts';
import { breakerSpec } from './servers/fixtures/breaker-config.ts';
import { contractViolations, forgetServer, getHealth, nameServer, postBroadcast, postDrop, postReset } from './control.ts';
import { ContractViolation, EXIT } from './errors.ts';
import { trackedGroups } from './lifecycle/cleanup.ts';
import { alive } from './lifecycle/fixtures/processes.ts';
import { startServer } from './lifecycle/server-process.ts';

const HEALTH = { ok: true, protocol: 'sse', connections: 0, sent: 0, lastSeq: 0 };

describe('checkAnswer', () => {
  it('accepts the contract answers, extra fields ignored', () => {
    assert.deepEqual(checkAnswer('/healthz', JSON.stringify({ ...HEALTH, heapUsed: 5, extra: 'x' })), { ok: true, value: { ...HEALTH, heapUsed: 5 } });
    assert.deepEqual(checkAnswer('/control/drop', '{"ok":true,"dropped":3}'), { ok: true, value: { ok: true, dropped: 3 } });
    assert.equal(checkAnswer('/control/broadcast', '{"ok":true}').ok, true);
    assert.equal(checkAnswer('/control/reset', '{"ok":true}').ok, true);
  });

  it('names the endpoint, the field and what the contract wants', () => {
    const problems = (endpoint: Parameters<typeof checkAnswer>[0], text: string) => {
      const r = checkAnswer(endpoint, text);
      return r.ok ? [] : r.problems;
    };
    const { lastSeq: _, ...noLastSeq } = HEALTH;
    assert.deepEqual(problems('/healthz', JSON.stringify(noLastSeq)), ['/healthz has no "lastSeq" (contract v1: the last seq this process emitted)']);
    assert.deepEqual(problems('/healthz', JSON.stringify({ ...HEALTH, lastSeq: '7', protocol: 'smtp' })), [
      '/healthz "protocol" is "smtp", want one of "sse", "ws", "tcp", "sse-h2" (contract v1: the wire this server speaks)',
      '/healthz "lastSeq" is "7", want an integer >= 0 (contract v1: the last seq this process emitted)',
    ]);
    assert.deepEqual(problems('/healthz', JSON.stringify({ ...HEALTH, protocol: 'sse-h2' })), [
      '/healthz has no "tcpConnections" (contract v1: sse-h2 servers: the TCP connections under the streams)',
    ]);
    assert.deepEqual(problems('/healthz', 'OK'), ['/healthz answered "OK", not JSON (contract v1: 200 {"ok":true,"protocol":..,"connections":N,"sent":N,"lastSeq":N})']);
    assert.deepEqual(problems('/control/drop', '{"ok":true}'), ['/control/drop has no "dropped" (contract v1: the connections this drop closed)']);
    assert.deepEqual(problems('/control/broadcast', ''), ['/control/broadcast answered an empty body, not JSON (contract v1: 202 {"ok":true})']);
    assert.deepEqual(problems('/control/reset', '[]'), ['/control/reset answered "[]", not a JSON object (contract v1: 200 {"ok":true})']);
  });
});

describe('control answers checked at the edge', () => {
  /** Answers every contract endpoint with the body set for it. */
  const answers = new Map<string, string>();
  let server: Server;
  let baseUrl: string;
  before(async () => {
    server = createServer((req, res) => {
      const body = answers.get(req.url ?? '') ?? '{"ok":true}';
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/control/broadcast' ? 202 : 200, { 'content-type': 'application/json' }).end(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes a conforming answer through', async () => {
    answers.set('/healthz', JSON.stringify(HEALTH));
    answers.set('/control/drop', '{"ok":true,"dropped":2}');
    assert.deepEqual(await getHealth(baseUrl), HEALTH);
    assert.equal(await postDrop(baseUrl), 2);
    await postBroadcast(baseUrl, { rate: 1, count: 1, bytes: 1, event: 'x' });
    await postReset(baseUrl);
  });

  it('throws one line with the server name on every endpoint, and records it', async () => {
    nameServer(baseUrl, 'my-sse');
    try {
      answers.set('/healthz', JSON.stringify({ ...HEALTH, lastSeq: undefined }));
      answers.set('/control/drop', '{"ok":true}');
      answers.set('/control/broadcast', 'accepted');
      answers.set('/control/reset', '{"ok":false}');
      const cases: [() => Promise<unknown>, string, string][] = [
        [() => getHealth(baseUrl), '/healthz', 'my-sse: /healthz has no "lastSeq" (contract v1: the last seq this process emitted)'],
        [() => postDrop(baseUrl), '/control/drop', 'my-sse: /control/drop has no "dropped" (contract v1: the connections this drop closed)'],
        [() => postBroadcast(baseUrl, { rate: 1, count: 1, bytes: 1, event: 'x' }), '/control/broadcast', 'my-sse: /control/broadcast answered "accepted", not JSON (contract v1: 202 {"ok":true})'],
        [() => postReset(baseUrl), '/control/reset', 'my-sse: /control/reset "ok" is false, want true (contract v1: every control answer is a JSON object with "ok": true)'],
      ];
      for (const [call, endpoint, line] of cases) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof ContractViolation, String(err));
          assert.equal(err.message, line);
          assert.equal(err.server, 'my-sse');
          assert.equal(err.endpoint, endpoint);
          assert.equal(err.exitCode, EXIT.failure);
          return true;
        });
        assert.ok(contractViolations().includes(line), `${line} is recorded`);
      }
      // Several problems: the first, how many more, and where to see them all.
      answers.set('/healthz', '{"ok":true,"protocol":"sse"}');
      await assert.rejects(getHealth(baseUrl), {
        message: 'my-sse: /healthz has no "connections" (contract v1: open client streams); 2 more problems: `pushbench conform my-sse` lists every one',
      });
    } finally {
      forgetServer(baseUrl);
    }
    // An unnamed server is named by its address.
    await assert.rejects(getHealth(baseUrl), { message: new RegExp(`^127\\.0\\.0\\.1:\\d+: /healthz has no "connections"`) });
  });
});

describe('readiness checks the contract', () => {
  it('a server whose /healthz has no lastSeq fails to start with the line, and is ended', async () => {
    const spec = breakerSpec('no-lastSeq', 'my-sse');
    const groups = trackedGroups();
    await assert.rejects(
      startServer(spec).then((s) => s.stop()),
      (err: unknown) => {
        assert.ok(err instanceof ContractViolation);
        assert.equal(err.message, 'my-sse: /healthz has no "lastSeq" (contract v1: the last seq this process emitted)');
        return true;
      },
    );
    // stop() untracks a process group once it is gone: none is left behind.
    assert.deepEqual(trackedGroups(), groups);
  });

  it('a server registered with the wrong protocol is refused by name', async () => {
    const spec = { ...breakerSpec('', 'my-sse'), protocol: 'ws' as const };
    await assert.rejects(startServer(spec), {
      message: 'my-sse: /healthz "protocol" is "sse" but my-sse is registered as "ws" (the harness would speak the wrong wire: fix the server or the config\'s "protocol")',
    });
  });

  it('with checkContract off, the same server starts (conform reports rule by rule)', async () => {
    const s = await startServer(breakerSpec('no-lastSeq', 'my-sse'), { checkContract: false });
    try {
      assert.ok(alive(s.pid));
    } finally {
      await s.stop();
    }
    assert.equal(alive(s.pid), false);
  });
});
