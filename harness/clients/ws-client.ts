// WS client: ws with the same resume rules as SSE, by hand: `?lastEventId=` on reconnect, the
// server's hello frame as the retry hint. UTF-8 validation is skipped: the harness trusts the
// server's bytes and spends its CPU on measuring, not validating.
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { PATHS } from '../../servers/contract.ts';
import { DialBase, eventFrom, nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import type { OpenStream, StreamTarget } from './types.ts';

const HELLO = '{"hello"';
const DATA_HEAD = '"data":';

class WsDial extends DialBase {
  private readonly ws: WebSocket;
  private socket: Socket | null = null;

  constructor(target: StreamTarget, lastEventId: number, owner: DialOwner) {
    super(owner);
    const path = target.path ?? PATHS.ws;
    const query = lastEventId > 0 ? `${path.includes('?') ? '&' : '?'}lastEventId=${lastEventId}` : '';
    this.ws = new WebSocket(`ws://${target.host}:${target.port}${path}${query}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    });
    this.ws.on('upgrade', this.onUpgrade.bind(this));
    this.ws.on('open', this.onOpen.bind(this));
    this.ws.on('message', this.onMessage.bind(this));
    this.ws.on('unexpected-response', this.onUnexpected.bind(this));
    this.ws.on('error', this.onError.bind(this));
    this.ws.on('close', this.onClose.bind(this));
  }

  close(): void {
    this.finished = true;
    this.ws.terminate();
  }

  bytesRead(): number {
    return this.socket?.bytesRead ?? 0;
  }

  private onUpgrade(res: IncomingMessage): void {
    this.socket = res.socket as Socket;
  }

  private onOpen(): void {
    this.markOpened();
  }

  private onMessage(data: Buffer): void {
    const recvNs = nowNs();
    const text = data.toString();
    if (text.startsWith(HELLO)) {
      const retry = /"retry":(\d+)/.exec(text);
      if (retry) this.owner.retryHint(this, Number(retry[1]));
      return;
    }
    // `{"id":N,"event":"..","data":{...}}`: the data object runs to the frame's last brace.
    const i = text.indexOf(DATA_HEAD);
    const e = i >= 0 ? eventFrom(text.slice(i + DATA_HEAD.length, -1), recvNs) : null;
    if (e) this.owner.event(this, e);
  }

  private onUnexpected(_req: unknown, res: IncomingMessage): void {
    res.resume();
    this.finish('http-status');
    this.ws.terminate();
  }
}

const dialWs: Dial = (target, lastEventId, owner) => new WsDial(target, lastEventId, owner);

export const openWsStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialWs, target, policy, handlers, initialLastEventId);
