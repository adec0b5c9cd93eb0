import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { it } from 'node:test';
import { parseSockstat, readSockstat, sockstatDelta } from './sockstat.ts';

const SAMPLE = `sockets: used 59
TCP: inuse 14 orphan 1 tw 4014 alloc 17 mem 3
UDP: inuse 0 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
`;

it('parses the TCP line, mem in 4096-byte pages', () => {
  assert.deepEqual(parseSockstat(SAMPLE), { tcpInUse: 14, tcpOrphan: 1, tcpTimeWait: 4014, tcpAlloc: 17, memBytes: 3 * 4096 });
});

it('names what is missing instead of reporting zeros', () => {
  assert.throws(() => parseSockstat('sockets: used 1\nUDP: inuse 0 mem 0\n'), /^Error: \/proc\/net\/sockstat has no TCP: line$/);
  assert.throws(() => parseSockstat('TCP: inuse 1 orphan 0 tw 0 alloc 1\n'), /has no "mem" field/);
  // "mem" must not be found inside another field's name (UDP's "mem" is on another line anyway).
  assert.throws(() => parseSockstat('TCP: inuse 1 orphan 0 tw 0 alloc 1 xmem 5\n'), /has no "mem" field/);
});

it('computes a field-by-field delta', () => {
  const before = parseSockstat(SAMPLE);
  const after = parseSockstat(SAMPLE.replace('inuse 14', 'inuse 214').replace('tw 4014', 'tw 4000').replace('mem 3', 'mem 103'));
  assert.deepEqual(sockstatDelta(before, after), { tcpInUse: 200, tcpOrphan: 0, tcpTimeWait: -14, tcpAlloc: 0, memBytes: 100 * 4096 });
});

it('sees 100 loopback connections holding unread data (machine-wide counters: loose bounds)', async () => {
  const PER_CONNECTION = 256 * 1024;
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    // Node reads up to one 64 KB chunk before a paused stream stops reading; the rest of each
    // client's 256 KB stays in the kernel's receive and send queues, which is what `mem` counts.
    s.pause();
    accepted.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  try {
    const before = readSockstat();
    for (let i = 0; i < 100; i++) {
      const c = createConnection({ host: '127.0.0.1', port });
      clients.push(c);
      await once(c, 'connect');
      c.write(Buffer.alloc(PER_CONNECTION, 1));
    }
    while (accepted.length < 100) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100)); // let the writes land in the kernel queues
    const during = readSockstat();
    // Other processes on this machine open and close thousands of sockets while this runs, so
    // only what this test holds itself can be asserted: at least its 200 sockets are in use, and
    // about 19 MB (100 × (256 − 64) KB) of queued data shows up in `mem`.
    assert.ok(during.tcpInUse >= 200 && during.tcpAlloc >= 200, `inuse ${during.tcpInUse}`);
    const delta = sockstatDelta(before, during);
    assert.ok(delta.memBytes >= 10 * 1024 * 1024, `mem +${delta.memBytes} bytes`);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    server.close();
    await once(server, 'close');
  }
});
