// WS client: ws with the same resume rules as SSE, by hand: `?lastEventId=` on reconnect, the
// server's hello frame as the retry hint. UTF-8 validation is skipped: the harness trusts the
// server's bytes and spends its CPU on measuring, not validating.
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { PATHS } from '../../servers/contract.ts';
import { causeOf, ResumingStream, type Dial, type Dialed, type DialOwner } from './resuming-stream.ts';
import type { CloseCause, OpenStream, StreamTarget } from './types.ts';

interface Frame {
  hello?: boolean;
  retry?: number;
  data?: { seq?: number; t0?: string; t1?: string };
}

class WsDial implements Dialed {
  private readonly ws: WebSocket;
  private socket: Socket | null = null;
  private opened = false;
  private finished = false;

  constructor(
    target: StreamTarget,
    lastEventId: number,
    private readonly owner: DialOwner,
  ) {
    const query = lastEventId > 0 ? `?lastEventId=${lastEventId}` : '';
    this.ws = new WebSocket(`ws://${target.host}:${target.port}${PATHS.ws}${query}`, {
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
    this.opened = true;
    this.owner.opened(this);
  }

  private onMessage(data: Buffer): void {
    const recvNs = process.hrtime.bigint();
    let f: Frame;
    try {
      f = JSON.parse(data.toString()) as Frame;
    } catch {
      return;
    }
    if (f.hello) {
      if (typeof f.retry === 'number') this.owner.retryHint(this, f.retry);
      return;
    }
    const d = f.data;
    if (d && typeof d.seq === 'number' && typeof d.t0 === 'string' && typeof d.t1 === 'string') {
      this.owner.event(this, { seq: d.seq, t0: BigInt(d.t0), t1: BigInt(d.t1), recvNs });
    }
  }

  private onUnexpected(_req: unknown, res: IncomingMessage): void {
    res.resume();
    this.finish('http-status');
    this.ws.terminate();
  }

  private onError(err: Error): void {
    this.finish(causeOf(err));
  }

  private onClose(): void {
    this.finish('server-closed');
  }

  private finish(cause: CloseCause): void {
    if (this.finished) return;
    this.finished = true;
    if (this.opened) this.owner.ended(this, cause);
    else this.owner.failed(this, cause);
  }
}

const dialWs: Dial = (target, lastEventId, owner) => new WsDial(target, lastEventId, owner);

export const openWsStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialWs, target, policy, handlers, initialLastEventId);
