// Raw TCP client for tcp-floor: `STREAM <lastEventId>\n`, then one JSON line per event.
import { connect } from 'node:net';
import { TCP_STREAM_PREFIX } from '../../servers/contract.ts';
import { causeOf, eventFrom, ResumingStream, type Dial } from './resuming-stream.ts';
import type { CloseCause, OpenStream } from './types.ts';

const dialTcp: Dial = (target, lastEventId, ev) => {
  const socket = connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
  socket.setNoDelay(true);
  let opened = false;
  let finished = false;
  let pending = '';
  const finish = (cause: CloseCause): void => {
    if (finished) return;
    finished = true;
    if (opened) ev.ended(cause);
    else ev.failed(cause);
  };
  socket.on('connect', () => socket.write(`${TCP_STREAM_PREFIX}${lastEventId}\n`));
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const recvNs = process.hrtime.bigint();
    const text = pending === '' ? chunk : pending + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === '') continue; // heartbeat
      if (!opened) {
        // The hello line establishes the stream and carries the retry hint.
        opened = true;
        try {
          const hello = JSON.parse(line) as { retry?: number };
          if (typeof hello.retry === 'number') ev.retryHint(hello.retry);
        } catch {
          // not a hello: still a stream
        }
        ev.opened();
        continue;
      }
      const i = line.indexOf('"data":');
      const e = i >= 0 ? eventFrom(line.slice(i + 7, -1), recvNs) : null;
      if (e) ev.event(e);
    }
    pending = text.slice(start);
  });
  socket.on('error', (err) => finish(causeOf(err)));
  socket.on('close', () => finish('server-closed'));
  return {
    close: () => {
      finished = true;
      socket.destroy();
    },
    bytesRead: () => socket.bytesRead,
  };
};

export const openTcpStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialTcp, target, policy, handlers, initialLastEventId);
