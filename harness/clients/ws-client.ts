// WS client: ws with the same resume rules as SSE, by hand: `?lastEventId=` on reconnect, the
// server's hello frame as the retry hint. UTF-8 validation is skipped: the harness trusts the
// server's bytes and spends its CPU on measuring, not validating.
import WebSocket from 'ws';
import { PATHS } from '../../servers/contract.ts';
import { causeOf, ResumingStream, type Dial } from './resuming-stream.ts';
import type { CloseCause, OpenStream } from './types.ts';

interface Frame {
  hello?: boolean;
  retry?: number;
  id?: number;
  data?: { seq?: number; t0?: string; t1?: string };
}

const dialWs: Dial = (target, lastEventId, ev) => {
  const query = lastEventId > 0 ? `?lastEventId=${lastEventId}` : '';
  const ws = new WebSocket(`ws://${target.host}:${target.port}${PATHS.ws}${query}`, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
  });
  let opened = false;
  let finished = false;
  let socketBytes = 0;
  const finish = (cause: CloseCause): void => {
    if (finished) return;
    finished = true;
    if (opened) ev.ended(cause);
    else ev.failed(cause);
  };
  ws.on('upgrade', (res) => {
    const s = res.socket;
    s.once('close', () => (socketBytes = s.bytesRead));
  });
  ws.on('open', () => {
    opened = true;
    ev.opened();
  });
  ws.on('message', (data: Buffer) => {
    const recvNs = process.hrtime.bigint();
    let f: Frame;
    try {
      f = JSON.parse(data.toString()) as Frame;
    } catch {
      return;
    }
    if (f.hello) {
      if (typeof f.retry === 'number') ev.retryHint(f.retry);
      return;
    }
    const d = f.data;
    if (d && typeof d.seq === 'number' && typeof d.t0 === 'string' && typeof d.t1 === 'string') {
      ev.event({ seq: d.seq, t0: BigInt(d.t0), t1: BigInt(d.t1), recvNs });
    }
  });
  ws.on('unexpected-response', (_req, res) => {
    res.resume();
    finish('http-status');
    ws.terminate();
  });
  ws.on('error', (err) => finish(causeOf(err)));
  ws.on('close', () => finish('server-closed'));
  return {
    close: () => {
      finished = true;
      ws.terminate();
    },
    bytesRead: () => {
      const s = (ws as unknown as { _socket?: { bytesRead: number } })._socket;
      return s ? s.bytesRead : socketBytes;
    },
  };
};

export const openWsStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialWs, target, policy, handlers, initialLastEventId);
