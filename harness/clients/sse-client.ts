// SSE client: node:http with its own socket per stream (agent: false) and the spec parser.
// Resumes with a Last-Event-ID header. Lean on purpose: an idle stream is a socket, a parser and
// a few closures (~12 KB per connection is the budget).
import { request } from 'node:http';
import { PATHS } from '../../servers/contract.ts';
import { causeOf, eventFrom, ResumingStream, type Dial } from './resuming-stream.ts';
import { SseParser } from './sse-parser.ts';
import type { OpenStream } from './types.ts';

const dialSse: Dial = (target, lastEventId, ev) => {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId > 0) headers['last-event-id'] = String(lastEventId);
  let opened = false;
  let finished = false;
  const finish = (cause: Parameters<typeof ev.ended>[0]): void => {
    if (finished) return;
    finished = true;
    if (opened) ev.ended(cause);
    else ev.failed(cause);
  };
  const req = request({
    host: target.host,
    port: target.port,
    path: PATHS.sse,
    headers,
    agent: false,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
  });
  let recvNs = 0n;
  const parser = new SseParser({
    onEvent: (_event, data) => {
      const e = eventFrom(data, recvNs);
      if (e) ev.event(e);
    },
    onRetry: (ms) => ev.retryHint(ms),
  });
  req.on('response', (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      finish('http-status');
      req.destroy();
      return;
    }
    opened = true;
    ev.opened();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      recvNs = process.hrtime.bigint();
      const before = parser.lastEventId;
      parser.feed(chunk);
      if (parser.lastEventId !== before) {
        const id = Number(parser.lastEventId);
        if (Number.isInteger(id) && id > 0) ev.lastId(id);
      }
    });
    res.on('end', () => finish('server-closed'));
    res.on('error', (err) => finish(causeOf(err)));
    res.on('close', () => finish('server-closed'));
  });
  req.on('error', (err) => finish(causeOf(err)));
  req.end();
  return {
    close: () => {
      finished = true;
      req.destroy();
    },
    bytesRead: () => req.socket?.bytesRead ?? 0,
  };
};

export const openSseStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialSse, target, policy, handlers, initialLastEventId);
